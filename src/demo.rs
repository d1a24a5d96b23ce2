//! The demonstration set-up: the embedded reference ENT, seeded with a
//! synthetic AAF directory, and the harness's IdPs it trusts, all on
//! loopback ports. Used by `entconf demo` and by the tests.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ent_server::{
    Fault, GarConfig, ReversibilityConfig, RunningServer, ServerConfig, SsoConfig, StatsConfig,
    StatsViewer as Account,
};

use crate::aaf::{self, GenerateOptions};
use crate::evidence::{Clock, SystemClock};
use crate::gar::{RessourcesService, RunningRessources, spawn_ressources};
use crate::idp::{IdpSettings, RunningIdp, SigningKey, TlsRole, random_token};
use crate::runner::RunServices;
use crate::sso::{self, SsoWorld};
use crate::suite::{GarTarget, ReversibilityTarget, Secret, SecretSlot, StatsTarget, StatsViewer};

/// OpenID Connect client id of the reference ENT at the test EduConnect.
pub const CLIENT_ID: &str = "ent-bellerive";

/// The running demonstration.
#[derive(Debug)]
pub struct Demo {
    /// The reference ENT.
    pub server: RunningServer,
    /// The IdPs and the directory the ENT was seeded with.
    pub world: Arc<SsoWorld>,
    /// The GAR "ressources" web service the médiacentre calls.
    pub ressources: RunningRessources,
    idp: RunningIdp,
    viewers: Vec<Account>,
    schools: Vec<String>,
    /// The ENT's client certificate at the GAR (PEM).
    gar_client_pem: String,
    /// The reversibility controller (the exported school's collectivité)
    /// and an outsider (another collectivité).
    controllers: Vec<Account>,
    /// The school whose export is asked.
    export_school: String,
    /// The test CA of the ENT's HTTPS certificate (DER), which the target
    /// trusts as a candidate's `[http] ca`.
    ent_ca: Vec<u8>,
    /// The password of the ENT's local test account, drawn for the run.
    local_password: String,
}

/// The reference ENT's local test account (SEC-06 may lock it).
pub const LOCAL_TEST_ACCOUNT: &str = "intervenant.entconf";

/// The dedicated schools of the statistics activity: the third and fourth of
/// the generated directory (the SSO suite logs people of the first two in),
/// which share a circonscription and a parent.
const STATS_SCHOOLS: std::ops::Range<usize> = 2..4;

impl Demo {
    /// Address of the IdPs.
    pub fn idp_addr(&self) -> SocketAddr {
        self.idp.addr()
    }

    /// The test CA of the ENT's HTTPS certificate (DER): what a client
    /// outside the harness trusts to reach the demonstration's ENT.
    pub fn ent_ca_der(&self) -> &[u8] {
        &self.ent_ca
    }

    /// Wires a run to the demonstration: the target's `[stats]`, `[gar]`
    /// and `[reversibility]` sections ([`Self::complete`]), and the run's
    /// services ([`Self::services`]).
    pub fn attach(
        &self,
        target: &mut crate::suite::Target,
        settings: &mut crate::runner::RunSettings,
    ) -> Result<(), DemoError> {
        self.complete(target)?;
        settings.services = self.services();
        Ok(())
    }

    /// Fills the target's sections that name what the demonstration
    /// generated: the ENT's test CA and plain-HTTP address, the statistics
    /// accounts, the GAR service and client certificate, the reversibility
    /// controllers.
    pub fn complete(&self, target: &mut crate::suite::Target) -> Result<(), DemoError> {
        if !target.http.trusted_roots.contains(&self.ent_ca) {
            target.http.trusted_roots.push(self.ent_ca.clone());
        }
        if let Some(plain) = self.server.plain_url() {
            target.http.plain_url = Some(
                reqwest::Url::parse(&format!("{plain}/"))
                    .map_err(|e| DemoError::Idp(e.to_string()))?,
            );
        }
        target.stats = Some(self.stats_target()?);
        target.gar = Some(self.gar_target());
        target.reversibility = Some(self.reversibility_target());
        target.local_login = Some(crate::suite::LocalLoginTarget {
            page: None,
            account: LOCAL_TEST_ACCOUNT.to_owned(),
            password: SecretSlot::Available(Secret::new(
                "LOCAL_LOGIN",
                self.local_password.clone(),
            )),
        });
        Ok(())
    }

    /// The run's services: the demonstration's IdPs and GAR web service,
    /// which it keeps running as long as it lives.
    pub fn services(&self) -> RunServices {
        RunServices::none()
            .with_sso(sso::SsoSetup::Ready(Arc::clone(&self.world)))
            .with_gar(crate::gar::GarSetup::Ready(Arc::clone(
                &self.ressources.service,
            )))
    }

    /// The `[gar]` part of the demo's target: the ENT's project code, the
    /// service the harness serves and the ENT's client certificate.
    pub fn gar_target(&self) -> GarTarget {
        GarTarget {
            id_ent: ent_server::GAR_ID_ENT.to_owned(),
            ressources_listen: self.ressources.addr(),
            ressources_public_url: self.ressources.service.public_url(),
            ressources_keys: None,
            client_certificate: self.gar_client_pem.clone(),
            sftp: None,
        }
    }

    /// The `[reversibility]` part of the demo's target: the first school of
    /// the directory, its collectivité as controller, another as outsider,
    /// a one-second link.
    pub fn reversibility_target(&self) -> ReversibilityTarget {
        let account = |a: &Account, name: &str| StatsViewer {
            level: crate::stats::Level::parse(&a.level)
                .unwrap_or(crate::stats::Level::Collectivite),
            id: a.id.clone(),
            token: SecretSlot::Available(Secret::new(name, a.token.clone())),
        };
        let mut accounts = self.controllers.iter();
        let controller = accounts
            .next()
            .map(|a| account(a, "CONTROLLER"))
            .unwrap_or(StatsViewer {
                level: crate::stats::Level::Collectivite,
                id: String::new(),
                token: SecretSlot::Missing("CONTROLLER".to_owned()),
            });
        ReversibilityTarget {
            school: self.export_school.clone(),
            controller,
            outsider: accounts.next().map(|a| account(a, "OUTSIDER")),
            link_ttl: std::time::Duration::from_secs(1),
            job_timeout: std::time::Duration::from_secs(30),
            max_record_file: crate::reversibility::format::MAX_RECORD_FILE,
        }
    }

    /// The `[stats]` part of the demo's target: dedicated schools, service
    /// pages and the reading accounts with their tokens.
    pub fn stats_target(&self) -> Result<StatsTarget, DemoError> {
        let base = reqwest::Url::parse(&format!("{}/", self.server.base_url()))
            .map_err(|e| DemoError::Idp(e.to_string()))?;
        let mut services = std::collections::BTreeMap::new();
        for (name, path) in [
            ("messagerie", "messagerie"),
            ("actualites", "actualites"),
            ("cahier_textes", "cahier-de-textes"),
        ] {
            let url = base.join(path).map_err(|e| DemoError::Idp(e.to_string()))?;
            services.insert(name.to_owned(), url);
        }
        let viewers = self
            .viewers
            .iter()
            .filter_map(|v| {
                Some(StatsViewer {
                    level: crate::stats::Level::parse(&v.level)?,
                    id: v.id.clone(),
                    token: SecretSlot::Available(Secret::new(
                        format!("STATS_{}", v.level.to_uppercase()),
                        v.token.clone(),
                    )),
                })
            })
            .collect();
        Ok(StatsTarget {
            schools: self.schools.clone(),
            academie: self.world.directory.academy.code.clone(),
            latency: std::time::Duration::ZERO,
            services,
            viewers,
        })
    }
}

/// Time limits of a target written for the reference ENT.
#[derive(Clone, Copy, Debug)]
pub struct TargetLimits {
    /// Longest wait for one answer.
    pub request: std::time::Duration,
    /// Longest run of one check.
    pub check: std::time::Duration,
}

impl TargetLimits {
    /// `entconf demo`: the reference ENT answers on loopback at once.
    pub const DEMO: Self = Self {
        request: std::time::Duration::from_secs(5),
        check: std::time::Duration::from_secs(30),
    };
}

/// The description of the reference ENT at `base_url`, named `id` and
/// `name`: every capability it has, at its paths. The demonstration's own
/// sections are added by [`Demo::complete`]. One description for the
/// demo command and the tests.
pub fn target(
    id: &str,
    name: &str,
    base_url: &str,
    limits: TargetLimits,
) -> Result<crate::suite::Target, crate::suite::Diagnostics> {
    let text = format!(
        "id = \"{id}\"\nname = \"{name}\"\nbase_url = \"{base_url}/\"\n\n\
         [capabilities]\nlogin_page = \"/auth/login\"\nhome_page = \"/\"\n\
         educonnect_oidc_login = \"/auth/educonnect\"\neduconnect_saml_login = \"/auth/educonnect/saml\"\n\
         agents_login = \"/auth/agents\"\naccount_page = \"/compte\"\nlogout = \"/auth/deconnexion\"\n\
         statistics_api = \"/api/conformance/stats\"\nstatistics_dnma_export = \"/api/conformance/stats/dnma.csv\"\n\
         gar_export = \"/gar/export/dernier\"\ngar_idp_metadata = \"/auth/saml/metadata/gar\"\n\
         gar_sso = \"/auth/saml/redirect/sso\"\ngar_mediacentre = \"/mediacentre\"\n\
         seed_api = \"/api/conformance/amorcage\"\nexport_api = \"/api/conformance/exports\"\n\
         deletion_api = \"/api/conformance/suppressions\"\ncertificate_keys = \"/api/conformance/cles\"\n\
         objects_api = \"/api/conformance/objets\"\nreversibility_plan = \"/reversibilite\"\n\
         deletion_log = \"/api/conformance/journal-suppressions\"\nportability_export = \"/mes-donnees/archive\"\n\n\
         [http]\nrequest_timeout = \"{request}s\"\ncheck_timeout = \"{check}s\"\n\n\
         [access]\nobject_urls = [\"/blog/billets/{{id}}\", \"/cahier-de-textes/{{id}}\"]\n",
        request = limits.request.as_secs(),
        check = limits.check.as_secs(),
    );
    let mut target = crate::suite::parse_target(
        "(cible de démonstration)",
        &text,
        None,
        &crate::suite::ProcessEnvironment,
    )?;
    // The reference ENT is on loopback; its faulty pages name real
    // trackers, which the browser must not contact.
    target.browser.loopback_only = true;
    Ok(target)
}

/// The id the reference ENT gives the collectivité of `commune`: numbered in
/// commune-name order.
fn collectivite_id(directory: &aaf::Directory, commune: &str) -> String {
    let mut communes: Vec<&String> = directory.schools.iter().map(|s| &s.commune).collect();
    communes.sort();
    communes.dedup();
    let index = communes.iter().position(|c| *c == commune).unwrap_or(0);
    format!("{}{:03}", directory.academy.code, index + 1)
}

/// The reversibility accounts of the demo: the collectivité of the first
/// school (controller), then that of a school of another commune.
fn controllers(directory: &aaf::Directory) -> Vec<Account> {
    let Some(first) = directory.schools.first() else {
        return Vec::new();
    };
    std::iter::once(first)
        .chain(
            directory
                .schools
                .iter()
                .find(|s| s.commune != first.commune),
        )
        .map(|school| Account {
            level: "collectivite".to_owned(),
            id: collectivite_id(directory, &school.commune),
            token: random_token(),
        })
        .collect()
}

/// The reading accounts of the demo: one per level, all covering the first
/// dedicated school. Ids follow the reference ENT's conventions (one
/// département `0<code>`, circonscriptions of two schools in UAI order,
/// collectivités numbered in commune-name order).
fn viewers(directory: &aaf::Directory) -> Vec<Account> {
    let code = &directory.academy.code;
    let Some(school) = directory.schools.get(STATS_SCHOOLS.start) else {
        return Vec::new();
    };
    let mut uais: Vec<&String> = directory.schools.iter().map(|s| &s.uai).collect();
    uais.sort();
    let pair = uais.iter().position(|u| **u == school.uai).unwrap_or(0) / 2;
    [
        ("academie", code.clone()),
        ("departement", format!("0{code}")),
        ("circonscription", format!("0{code}-C{:02}", pair + 1)),
        ("collectivite", collectivite_id(directory, &school.commune)),
        ("ecole", school.uai.clone()),
    ]
    .into_iter()
    .map(|(level, id)| Account {
        level: level.to_owned(),
        id,
        token: random_token(),
    })
    .collect()
}

/// Problems starting the demonstration.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The IdPs could not start.
    #[error("fournisseurs d'identité de test : {0}")]
    Idp(String),
    /// The GAR web service could not start.
    #[error("service ressources du GAR : {0}")]
    Gar(String),
    /// The ENT could not start.
    #[error("ENT de référence : {0}")]
    Server(#[from] std::io::Error),
}

/// Generates the directory, starts the IdPs, then the ENT with `faults`.
pub async fn start(faults: BTreeSet<Fault>) -> Result<Demo, DemoError> {
    start_with(faults, None).await
}

/// As [`start`], the ENT pushing its GAR export to `sftp` when asked.
pub async fn start_with(
    faults: BTreeSet<Fault>,
    sftp: Option<ent_server::GarSftp>,
) -> Result<Demo, DemoError> {
    start_full(faults, sftp, false, IdpTransport::Tls).await
}

/// How the demonstration's IdPs are reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdpTransport {
    /// Over TLS under the test CA, as EduConnect is (the default).
    Tls,
    /// In clear: what SSO-10 judges strictest, since no TLS stands in for
    /// the ID token's signature (OIDC Core §3.1.3.7 (6)).
    Plain,
}

/// As [`start`], the IdPs reached over `transport`.
pub async fn start_over(
    faults: BTreeSet<Fault>,
    transport: IdpTransport,
) -> Result<Demo, DemoError> {
    start_full(faults, None, false, transport).await
}

/// As [`start`], the ENT drawing its pages by script when `scripted` (its
/// footers are then seen only by a browser; `entconf demo` asks for it
/// when chromium is installed).
pub async fn start_scripted(faults: BTreeSet<Fault>, scripted: bool) -> Result<Demo, DemoError> {
    start_full(faults, None, scripted, IdpTransport::Tls).await
}

async fn start_full(
    faults: BTreeSet<Fault>,
    sftp: Option<ent_server::GarSftp>,
    scripted: bool,
    transport: IdpTransport,
) -> Result<Demo, DemoError> {
    // The reference ENT refuses forged SAML responses through libxmlsec1 too.
    crate::xmlsec::quiet();
    let options = GenerateOptions {
        schools: 4,
        ..GenerateOptions::default()
    };
    let directory = aaf::generate(&options);
    let files = aaf::render(&directory, options.date);
    let secret = random_token();
    // The reference ENT dates and checks everything by the real time: the
    // services the harness plays toward it (IdPs, GAR web service) keep
    // the system clock, whatever clock a run against the demo keeps.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let key = SigningKey::generate("entconf IdP de test", clock.as_ref())
        .map_err(|e| DemoError::Idp(e.to_string()))?;
    let authority = match transport {
        IdpTransport::Tls => Some(
            SigningKey::idp_authority(None, clock.as_ref())
                .map_err(|e| DemoError::Idp(e.to_string()))?,
        ),
        IdpTransport::Plain => None,
    };
    let settings = IdpSettings {
        public_url: reqwest::Url::parse("http://127.0.0.1/")
            .map_err(|e| DemoError::Idp(e.to_string()))?,
        client_id: CLIENT_ID.to_owned(),
        client_secret: secret.clone(),
        // Registered once the ENT's address is known.
        redirect_uris: crate::idp::Redirects::Registered(Vec::new()),
        saml: crate::idp::SamlSettings::default(),
    };
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let viewers = viewers(&directory);
    let controllers = controllers(&directory);
    let export_school = directory
        .schools
        .first()
        .map(|s| s.uai.clone())
        .unwrap_or_default();
    let schools = directory
        .schools
        .get(STATS_SCHOOLS)
        .map(|s| s.iter().map(|s| s.uai.clone()).collect())
        .unwrap_or_default();
    let (idp, world) = sso::launch(
        loopback,
        settings,
        false,
        key,
        authority,
        directory,
        Arc::clone(&clock),
    )
    .await
    .map_err(DemoError::Idp)?;
    let (ressources, mut gar) = ressources(Arc::clone(&clock)).await?;
    let (tls, ent_ca) = ent_certificate(clock.as_ref())?;
    gar.sftp = sftp;
    let gar_client_pem = gar.client_cert_pem.clone();
    let local_password = random_token();
    let config = ServerConfig {
        gar: Some(gar),
        faults,
        basic_auth: None,
        sso: Some(SsoConfig {
            idp_url: crate::idp::base(&world.public_url),
            client_id: CLIENT_ID.to_owned(),
            client_secret: secret,
            aaf: files.into_iter().map(|f| (f.name, f.xml)).collect(),
            saml_encrypted: true,
            idp_ca_pem: world.idp.authority().map(SigningKey::cert_pem),
        }),
        stats: Some(StatsConfig {
            viewers: viewers.clone(),
        }),
        reversibility: Some(ReversibilityConfig {
            accounts: controllers.clone(),
        }),
        scripted,
        tls: Some(tls),
        local_accounts: ent_server::LocalAccounts::one(LOCAL_TEST_ACCOUNT, &local_password),
    };
    let server = ent_server::spawn(config).await?;
    world
        .idp
        .set_redirect_uris(vec![format!("{}/auth/oidc/callback", server.base_url())]);
    // The reference ENT is registered at EduConnect as an SP is: by its
    // metadata, whose encryption key makes every assertion encrypted.
    let metadata = crate::suite::SpMetadataSource::Url(
        reqwest::Url::parse(&format!("{}/auth/saml/metadata", server.base_url()))
            .map_err(|e| DemoError::Idp(e.to_string()))?,
    );
    let sp = sso::read_sp_metadata(
        &metadata,
        &std::collections::BTreeMap::new(),
        std::slice::from_ref(&ent_ca),
    )
    .await
    .map_err(DemoError::Idp)?;
    world.idp.set_saml_sp(sp);
    Ok(Demo {
        server,
        world,
        ressources,
        idp,
        viewers,
        schools,
        gar_client_pem,
        controllers,
        export_school,
        ent_ca,
        local_password,
    })
}

/// The reference ENT's HTTPS certificate for 127.0.0.1, issued by a test
/// CA made for it, and that CA (DER), which the target trusts. The chain
/// carries the CA too, so that the browser, told to trust it by its key,
/// finds it.
pub fn ent_certificate(clock: &dyn Clock) -> Result<(ent_server::ServerTls, Vec<u8>), DemoError> {
    let tls =
        |e: &dyn std::fmt::Display| DemoError::Idp(format!("certificat HTTPS de l'ENT : {e}"));
    let authority = SigningKey::test_authority("entconf — AC de test de l'ENT de référence", clock)
        .map_err(|e| tls(&e))?;
    let leaf = authority
        .issue_tls_server("ENT de Bellerive", &["127.0.0.1".to_owned()], clock)
        .map_err(|e| tls(&e))?;
    let server = ent_server::ServerTls {
        chain_pem: format!("{}{}", leaf.cert_pem(), authority.cert_pem()),
        key_pem: leaf.private_pkcs8_pem().map_err(|e| tls(&e))?,
    };
    Ok((server, authority.cert_der))
}

/// The GAR web service on a loopback port, trusting a client certificate
/// made for the ENT, and the ENT's side of it; `clock` dates the
/// certificates and the service's log.
async fn ressources(clock: Arc<dyn Clock>) -> Result<(RunningRessources, GarConfig), DemoError> {
    let gar = |e: &dyn std::fmt::Display| DemoError::Gar(e.to_string());
    let client = SigningKey::generate_tls(
        "ENT de Bellerive — client GAR",
        TlsRole::Client,
        &[],
        clock.as_ref(),
    )
    .map_err(|e| gar(&e))?;
    let server = SigningKey::generate_tls(
        "entconf — service ressources du GAR (test uniquement)",
        TlsRole::Server,
        &["127.0.0.1".to_owned()],
        clock.as_ref(),
    )
    .map_err(|e| gar(&e))?;
    let placeholder = reqwest::Url::parse("https://127.0.0.1/").map_err(|e| gar(&e))?;
    let service = RessourcesService::new(&client.cert_pem(), server, placeholder, clock)
        .map_err(|e| gar(&e))?;
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let running = spawn_ressources(loopback, Arc::new(service))
        .await
        .map_err(|e| gar(&e))?;
    let url = reqwest::Url::parse(&format!("https://{}", running.addr())).map_err(|e| gar(&e))?;
    running.service.set_public_url(url.clone());
    let config = GarConfig {
        ressources_url: crate::idp::base(&url),
        ressources_ca_pem: running.service.certificate_pem(),
        client_cert_pem: client.cert_pem(),
        client_key_pem: client.private_pkcs8_pem().map_err(|e| gar(&e))?,
        sftp: None,
    };
    Ok((running, config))
}
