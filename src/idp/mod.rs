//! The national identity services the harness plays toward the candidate,
//! as the OpenID Foundation suite plays the OP when it tests relying parties:
//! EduConnect as an OpenID Connect provider and as a SAML 2.0 IdP (pupils,
//! parents), and the agents' guichet ARENA as a SAML 2.0 IdP (teachers).
//!
//! A probe opens a [`Scenario`] (who logs in, which [`Attack`] to play) and
//! puts its token in the virtual browser's cookie jar for the IdP's host, as
//! if the user had already authenticated at EduConnect; the IdP then answers
//! the candidate's requests for that browser accordingly and logs what it
//! received into a [`ScenarioLog`]. The IdP never judges the candidate.
//!
//! Layout: `keys` (RSA key and certificate), `identity` (claims and SAML
//! attributes of a person), `attack` (bad answers), `oidc` (discovery, JWKS,
//! authorize, token, userinfo, logout), `saml` (metadata, SSO, SLO, signed
//! responses), `sp` (the candidate's SAML metadata), `encrypt` (encrypted
//! assertions), `pages` (what a person sees there), `server` (router and
//! lifecycle, routing to the three others, which never import it).

mod attack;
mod encrypt;
mod identity;
mod keys;
pub(crate) mod listener;
mod oidc;
mod pages;
mod saml;
mod server;
mod sp;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use reqwest::Url;

pub use attack::Attack;
pub use identity::Identity;
pub(crate) use keys::server_names;
pub use keys::{CA_CERT_FILE, SigningKey, TlsRole};
pub use saml::{LogoutDelivery, Service as SamlService};
pub use server::{RunningIdp, spawn};
pub use sp::{
    DataCipher, Digest, Encryption, KeyTransport, LogoutService, SpMetadata, SpMetadataError,
};

use crate::evidence::{Clock, EvidenceStore, Exchange, Redactor};

/// Failed TLS handshakes kept for the diagnosis.
const MAX_FAILED_HANDSHAKES: usize = 16;

/// Name of the cookie that ties a virtual browser to its scenario at the IdP.
pub const SESSION_COOKIE: &str = "entconf_idp_session";

/// Path of EduConnect under the IdP's base URL (issuer and SAML entity id).
pub const EDUCONNECT_PATH: &str = "/educonnect/idp";
/// Path of the agents' guichet under the IdP's base URL (SAML entity id).
pub const ARENA_PATH: &str = "/arena/idp";

/// Problems of the IdP itself (keys, files, signing); never the candidate's.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// The crypto library refused an operation.
    #[error("opération cryptographique impossible : {0}")]
    Crypto(String),
    /// A key or certificate file could not be read.
    #[error("clé ou certificat illisible {path} : {reason}")]
    Key {
        /// File.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path} : {reason}")]
    Io {
        /// File or folder.
        path: String,
        /// Why.
        reason: String,
    },
    /// The listening socket could not be opened.
    #[error("impossible d'écouter sur {addr} : {reason}")]
    Listen {
        /// Address asked for.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// How the candidate is registered at the harness's IdPs.
#[derive(Clone, Debug)]
pub struct IdpSettings {
    /// Base URL the candidate reaches the IdPs at (no trailing slash).
    pub public_url: Url,
    /// OpenID Connect client id of the candidate.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// Where the authorization endpoint may send the browser back.
    pub redirect_uris: Redirects,
    /// How SAML responses are signed and encrypted.
    pub saml: SamlSettings,
}

/// The redirect URIs the test ÉduConnect accepts, as an OP holds a
/// client's registration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Redirects {
    /// Exactly these strings (OIDC Core §3.1.2.1: simple string comparison).
    Registered(Vec<String>),
    /// Any URI on one of these origins (a target that registered none: the
    /// candidate's own origins).
    Origins(Vec<url::Origin>),
    /// Any URI (`entconf idp` without `--redirect-uri`, for exploring).
    #[default]
    Any,
}

impl Redirects {
    /// Why `uri` is refused, if it is.
    pub(crate) fn refusal(&self, uri: &str) -> Option<String> {
        match self {
            Self::Registered(uris) if !uris.iter().any(|known| known == uri) => Some(format!(
                "redirect_uri non enregistré : {uri} (enregistrés : {})",
                uris.join(", ")
            )),
            Self::Origins(origins) => {
                let origin = Url::parse(uri).ok().map(|url| url.origin());
                if origin.is_some_and(|origin| origins.contains(&origin)) {
                    None
                } else {
                    Some(format!(
                        "redirect_uri hors des origines du candidat : {uri} (origines : {})",
                        origins
                            .iter()
                            .map(url::Origin::ascii_serialization)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
            _ => None,
        }
    }
}

/// Where the SAML IdPs put their signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum SignaturePlacement {
    /// On the `Response` only: a Shibboleth IdP's default (`signResponses`
    /// true, `signAssertions` false), hence EduConnect's.
    #[default]
    Response,
    /// On the `Assertion` only.
    Assertion,
    /// On both.
    Both,
}

impl SignaturePlacement {
    /// Every placement, in documentation order.
    pub const ALL: [Self; 3] = [Self::Response, Self::Assertion, Self::Both];

    /// The name written in target files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Assertion => "assertion",
            Self::Both => "both",
        }
    }

    /// Parses a target-file name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    fn signs_response(self) -> bool {
        matches!(self, Self::Response | Self::Both)
    }

    fn signs_assertion(self) -> bool {
        matches!(self, Self::Assertion | Self::Both)
    }
}

/// How the SAML IdPs answer the candidate's service provider.
#[derive(Clone, Debug)]
pub struct SamlSettings {
    /// Where the signature goes.
    pub signature: SignaturePlacement,
    /// Whether assertions are encrypted when the SP publishes a key (true
    /// by default, as a Shibboleth IdP's `encryptAssertions`).
    pub encrypt: bool,
    /// The candidate's SP, from its metadata; unknown when none was given.
    pub sp: Option<SpMetadata>,
    /// Whether that SP declares it takes responses it did not ask for
    /// (target `unsolicited_sso`), as a Shibboleth IdP's relying-party
    /// settings record it. The IdP serves an unsolicited login either way;
    /// the judges read the declaration.
    pub unsolicited: bool,
}

impl Default for SamlSettings {
    fn default() -> Self {
        Self {
            signature: SignaturePlacement::default(),
            encrypt: true,
            sp: None,
            unsolicited: false,
        }
    }
}

impl SamlSettings {
    /// The key to encrypt for when answering `audience`: the registered
    /// SP's, if encryption is on.
    pub fn encryption_for(&self, audience: &str) -> Option<&Encryption> {
        self.sp
            .as_ref()
            .filter(|sp| self.encrypt && sp.entity_id == audience)
            .and_then(|sp| sp.encryption.as_ref())
    }

    /// Why these settings cannot serve the SP, if they cannot: encryption
    /// is on and the SP publishes no key (a Shibboleth IdP then fails
    /// every login rather than send an assertion in clear).
    pub fn problem(&self) -> Option<String> {
        let sp = self.sp.as_ref()?;
        (self.encrypt && sp.encryption.is_none()).then(|| {
            format!(
                "les métadonnées SAML du fournisseur de service « {} » ne publient aucune clé de chiffrement (KeyDescriptor use=\"encryption\") ; ÉduConnect chiffre les assertions : publiez-en une, ou écrivez encrypt_assertions = false dans [sso] pour un essai en clair",
                sp.entity_id
            )
        })
    }
}

/// Where the IdP writes its side of the exchanges (the tokens it issued,
/// the responses it signed), so that reviewers see what the candidate got.
#[derive(Clone)]
pub struct EvidenceSink {
    /// The run's store.
    pub store: Arc<EvidenceStore>,
    /// The run's redactor.
    pub redactor: Arc<Redactor>,
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
}

/// What the IdP is asked to do for one virtual browser.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Who logs in.
    pub identity: Identity,
    /// The bad answer to give, if any.
    pub attack: Option<Attack>,
    /// For signature wrapping: whom the injected unsigned assertion names.
    pub victim: Option<Identity>,
}

/// What the IdP received and did for one scenario, in order.
#[derive(Clone, Debug, Default)]
pub struct ScenarioLog {
    /// Human-readable events (French), for the report.
    pub events: Vec<String>,
    /// Evidence ids of the IdP's own records.
    pub exchanges: Vec<String>,
    /// Logins the IdP served: authorization or SAML authentication
    /// requests received, and logins it started itself (unsolicited).
    pub authn_requests: u32,
    /// Authorization codes redeemed at the token endpoint.
    pub codes_redeemed: u32,
    /// Whether an ID token whose signature no published key vouches for
    /// (the attacks of SSO-10) was issued by the token endpoint at an
    /// `https` address: straight to the candidate, over TLS it could
    /// validate, which OIDC Core §3.1.3.7 (6) lets stand in for the
    /// signature.
    pub forged_token_over_tls: bool,
    /// Logout requests received (OIDC end_session or SAML SLO).
    pub logouts: u32,
    /// Bearer values the IdP issued (access tokens, ID tokens), so that a
    /// check can look for them where they must not appear.
    pub issued: Vec<String>,
    /// The last SAML response posted to the candidate: ACS URL, the
    /// base64 `SAMLResponse` and the `RelayState`.
    pub saml_post: Option<SamlPost>,
    /// The last OpenID Connect authorization response: the redirect URL.
    pub authorization_response: Option<Url>,
    /// Whom the last SAML response named, and through which IdP: what a
    /// logout the IdP starts names.
    pub saml_subject: Option<(SamlService, SamlSubject)>,
    /// The status of the last `LogoutResponse` the service provider sent
    /// back to the IdP (`statut Success`, or why it could not be read).
    pub logout_response: Option<String>,
}

/// The subject of an assertion as a logout must name it (SAML core §3.7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamlSubject {
    /// The transient `NameID`.
    pub name_id: String,
    /// Its `NameQualifier` (the IdP).
    pub name_qualifier: String,
    /// Its `SPNameQualifier` (the SP).
    pub sp_name_qualifier: String,
    /// The `SessionIndex` of the `AuthnStatement`.
    pub session_index: String,
}

/// A SAML response as the IdP's auto-submitted form carried it.
#[derive(Clone, Debug)]
pub struct SamlPost {
    /// Where the form posts.
    pub acs: Url,
    /// `SAMLResponse`, base64.
    pub response: String,
    /// `RelayState`, if any.
    pub relay_state: Option<String>,
}

struct Session {
    scenario: Scenario,
    log: ScenarioLog,
}

/// An authorization code waiting for the token endpoint.
#[derive(Clone, Debug)]
struct Grant {
    session: String,
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    redemptions: u32,
}

#[derive(Default)]
struct Registry {
    sessions: HashMap<String, Session>,
    codes: HashMap<String, Grant>,
    access_tokens: HashMap<String, String>,
}

/// The IdPs' shared state.
pub struct Idp {
    settings: Mutex<IdpSettings>,
    key: SigningKey,
    rogue: SigningKey,
    /// The key a rotation moves to, made and published (beside `key`) the
    /// first time a rotation is played.
    rotated: OnceLock<SigningKey>,
    registry: Mutex<Registry>,
    evidence: Mutex<Option<EvidenceSink>>,
    directory: Vec<Scenario>,
    /// The test CA whose certificate the IdPs' TLS server presents, when
    /// they serve TLS.
    authority: Option<SigningKey>,
    /// TLS handshakes that failed: how many so far, and the latest ones
    /// (bounded). A candidate that does not trust the test CA shows here,
    /// since a handshake comes before any scenario's cookie.
    handshakes: Mutex<(u64, Vec<String>)>,
    /// The clock the IdPs date their tokens and assertions by: their own,
    /// not the run's, since the candidate checks those dates against its
    /// real time (a test run's fixed clock would make every token stale).
    clock: Arc<dyn Clock>,
}

impl Idp {
    /// IdPs signing with `key`; `rogue` signs what the candidate must not
    /// trust. `directory` lists the people offered on the interactive login
    /// page when a browser arrives without a scenario (standalone use).
    /// `authority` is the test CA when they serve TLS. `clock` dates what
    /// they issue: the system clock, as the candidate's.
    pub fn new(
        settings: IdpSettings,
        key: SigningKey,
        rogue: SigningKey,
        directory: Vec<Scenario>,
        authority: Option<SigningKey>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            settings: Mutex::new(settings),
            key,
            rogue,
            rotated: OnceLock::new(),
            registry: Mutex::new(Registry::default()),
            evidence: Mutex::new(None),
            directory,
            authority,
            handshakes: Mutex::new((0, Vec::new())),
            clock,
        }
    }

    /// The test CA the candidate must trust, when the IdPs serve TLS.
    pub fn authority(&self) -> Option<&SigningKey> {
        self.authority.as_ref()
    }

    /// Notes a TLS handshake that failed, with why.
    pub(crate) fn note_handshake(&self, why: String) {
        let mut failed = lock(&self.handshakes);
        failed.0 += 1;
        if failed.1.len() >= MAX_FAILED_HANDSHAKES {
            failed.1.remove(0);
        }
        failed.1.push(why);
    }

    /// How many TLS handshakes failed so far.
    pub fn failed_handshake_count(&self) -> u64 {
        lock(&self.handshakes).0
    }

    /// The TLS handshakes that failed after the first `seen` (the latest
    /// ones only, when many did).
    pub fn failed_handshakes_since(&self, seen: u64) -> Vec<String> {
        let failed = lock(&self.handshakes);
        let new = usize::try_from(failed.0.saturating_sub(seen)).unwrap_or(usize::MAX);
        let kept = failed.1.len();
        failed.1[kept.saturating_sub(new)..].to_vec()
    }

    /// The clock the IdPs date what they issue by; the harness's other
    /// messages to the candidate (the GAR's requests) use it too.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Records the IdP's side of the exchanges into a run's evidence.
    pub fn attach_evidence(&self, sink: EvidenceSink) {
        *lock(&self.evidence) = Some(sink);
    }

    /// The settings in force.
    pub fn settings(&self) -> IdpSettings {
        lock(&self.settings).clone()
    }

    /// Sets the public URL once the listening port is known.
    pub fn set_public_url(&self, url: Url) {
        lock(&self.settings).public_url = url;
    }

    /// Registers the candidate's redirect URIs once its address is known.
    pub fn set_redirect_uris(&self, uris: Vec<String>) {
        lock(&self.settings).redirect_uris = Redirects::Registered(uris);
    }

    /// The signing key (its certificate goes into metadata and JWKS).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The key a rotation signs with; from the first call on, the JWKS
    /// publishes it beside the usual one.
    pub(crate) fn rotated_key(&self) -> Result<&SigningKey, IdpError> {
        if let Some(key) = self.rotated.get() {
            return Ok(key);
        }
        let fresh =
            SigningKey::generate("entconf — ÉduConnect, clé suivante", self.clock.as_ref())?;
        // Two rotations at once: the first key stored wins, both sign with it.
        let _ = self.rotated.set(fresh);
        self.rotated
            .get()
            .ok_or_else(|| IdpError::Crypto("clé de rotation indisponible".to_owned()))
    }

    /// The keys the JWKS publishes: the usual one, then the rotated one
    /// once a rotation was played.
    pub(crate) fn published_keys(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.key).chain(self.rotated.get())
    }

    /// The key that signs what the candidate must not trust.
    pub(crate) fn rogue_key(&self) -> &SigningKey {
        &self.rogue
    }

    /// The rogue key's public half as PEM, for a peer to check that a
    /// forgery is a true signature by it.
    pub fn rogue_public_pem(&self) -> Result<String, IdpError> {
        self.rogue.public_pem()
    }

    /// An ID token for `identity` as the token endpoint would issue it
    /// (for independent verification in tests and by editors).
    pub fn issue_id_token(
        &self,
        identity: &Identity,
        nonce: Option<&str>,
        attack: Option<Attack>,
    ) -> Result<String, IdpError> {
        oidc::id_token(self, identity, nonce, attack)
    }

    /// A SAML response as the SSO endpoint would post it (XML, signed and
    /// encrypted as the settings say, unless the attack says otherwise);
    /// `victim` is whom a wrapping attack names.
    pub fn issue_saml_response(
        &self,
        service: SamlService,
        addressing: [&str; 3],
        identity: &Identity,
        victim: Option<&Identity>,
        attack: Option<Attack>,
    ) -> Result<String, IdpError> {
        let [acs, audience, in_response_to] = addressing;
        let addressing = saml::Addressing {
            acs: acs.to_owned(),
            audience: audience.to_owned(),
            in_response_to: Some(in_response_to.to_owned()),
        };
        saml::respond(self, service, &addressing, identity, victim, attack).map(|issued| issued.xml)
    }

    /// A logout at the IdP's initiative for the browser of scenario
    /// `token`: a signed `LogoutRequest` for the subject of its last SAML
    /// response, toward the SP's `SingleLogoutService`. `Ok(None)` when no
    /// SAML response was issued; an error naming what is missing when the
    /// SP publishes no such service.
    pub fn logout_request(&self, token: &str) -> Result<Option<LogoutDelivery>, String> {
        let Some((service, subject)) = self.log(token).saml_subject else {
            return Ok(None);
        };
        let settings = self.settings();
        let Some(sp) = settings.saml.sp.as_ref() else {
            return Err(format!(
                "aucune métadonnée de fournisseur de service enregistrée (sp_metadata) : \
                 {} ne sait pas où envoyer la déconnexion",
                service.label()
            ));
        };
        let Some(logout_service) = sp.logout_service.as_ref() else {
            return Err(format!(
                "les métadonnées du fournisseur de service « {} » ne publient aucun \
                 SingleLogoutService aux bindings HTTP-Redirect ou HTTP-POST : {} ne \
                 peut pas lui transmettre une déconnexion",
                sp.entity_id,
                service.label()
            ));
        };
        saml::logout_request(self, service, &subject, logout_service)
            .map(Some)
            .map_err(|error| error.to_string())
    }

    /// Where a browser starts a login at the IdP's initiative toward the
    /// registered service provider (Shibboleth's unsolicited SSO), or why
    /// it cannot: without the SP's metadata the IdP knows neither its
    /// entity id nor its consumer service.
    pub fn unsolicited_url(&self, service: SamlService) -> Result<reqwest::Url, String> {
        let settings = self.settings();
        let Some(sp) = settings.saml.sp.as_ref() else {
            return Err(
                "aucune métadonnée de fournisseur de service enregistrée (sp_metadata) : \
                 ÉduConnect ne sait pas à qui adresser une réponse non sollicitée"
                    .to_owned(),
            );
        };
        let mut url = reqwest::Url::parse(&format!(
            "{}{}{}",
            base(&settings.public_url),
            service.path(),
            service.unsolicited()
        ))
        .map_err(|error| format!("URL de connexion non sollicitée invalide : {error}"))?;
        url.query_pairs_mut()
            .append_pair("providerId", &sp.entity_id);
        Ok(url)
    }

    /// Registers the candidate's SAML service provider.
    pub fn set_saml_sp(&self, sp: SpMetadata) {
        lock(&self.settings).saml.sp = Some(sp);
    }

    /// Records whether the candidate declares it takes unsolicited
    /// responses (what a target's `unsolicited_sso` says).
    pub fn set_unsolicited(&self, declared: bool) {
        lock(&self.settings).saml.unsolicited = declared;
    }

    /// EduConnect's issuer / entity id.
    pub fn educonnect_issuer(&self) -> String {
        format!("{}{EDUCONNECT_PATH}", base(&self.settings().public_url))
    }

    /// ARENA's entity id.
    pub fn arena_entity_id(&self) -> String {
        format!("{}{ARENA_PATH}", base(&self.settings().public_url))
    }

    /// Opens a scenario; the returned token goes into the browser's cookie
    /// [`SESSION_COOKIE`] for the IdP's host.
    pub fn open(&self, scenario: Scenario) -> String {
        let token = random_token();
        lock(&self.registry).sessions.insert(
            token.clone(),
            Session {
                scenario,
                log: ScenarioLog::default(),
            },
        );
        token
    }

    /// What happened so far in a scenario.
    pub fn log(&self, token: &str) -> ScenarioLog {
        lock(&self.registry)
            .sessions
            .get(token)
            .map(|session| session.log.clone())
            .unwrap_or_default()
    }

    fn scenario(&self, token: &str) -> Option<Scenario> {
        lock(&self.registry)
            .sessions
            .get(token)
            .map(|session| session.scenario.clone())
    }

    fn with_log(&self, token: &str, update: impl FnOnce(&mut ScenarioLog)) {
        if let Some(session) = lock(&self.registry).sessions.get_mut(token) {
            update(&mut session.log);
        }
    }

    fn event(&self, token: &str, text: String) {
        self.with_log(token, |log| log.events.push(text));
    }

    /// Records the IdP's side of an exchange and attaches it to the scenario.
    fn record(&self, token: &str, build: impl FnOnce(&EvidenceSink, String) -> Exchange) {
        let Some(sink) = lock(&self.evidence).clone() else {
            return;
        };
        let id = sink.store.next_id();
        sink.store.record(build(&sink, id.clone()));
        self.with_log(token, |log| log.exchanges.push(id));
    }
}

impl std::fmt::Debug for Idp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idp")
            .field("settings", &self.settings())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The base URL without its trailing slash.
pub fn base(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking handler leaves plain data behind; the next request can use it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 32 random bytes, base64url: codes, tokens, SAML ids.
pub fn random_token() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    // The OS generator only fails on a broken system; a predictable token
    // would still be unique per run thanks to the counter below.
    if openssl::rand::rand_bytes(&mut bytes).is_err() {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bytes[..8].copy_from_slice(&n.to_be_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The scenario token carried by a request's `Cookie` header.
pub(crate) fn session_from_cookies(header: Option<&str>) -> Option<String> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
