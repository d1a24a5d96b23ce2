//! The GAR's "ressources" web service, played by the harness for the
//! candidate's médiacentre: `GET /ressources/{idENT}/{UAI}/{GARPersonIdentifiant}`
//! over TLS, the ENT presenting the client certificate it registered at the
//! GAR (one per `idENT`, as GIP-RECIA's MediaCentre-WS and OPEN-ENT-NG's
//! gar-connector are configured).
//!
//! The service answers every well-formed call from the declared certificate
//! with resources made for the person asked about (their names and access
//! links carry a tag derived from the path), so that what the médiacentre
//! shows can be traced to one call. It records every call and every failed
//! handshake; it judges nothing (`check::mediacentre` does).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use url::Url;

use crate::evidence::Clock;
use crate::idp::SigningKey;
use crate::idp::listener::{Listening, listen, serve_http};

/// Problems starting the service.
#[derive(Debug, thiserror::Error)]
pub enum RessourcesError {
    /// The address cannot be listened on.
    #[error("service « ressources » du GAR : écoute sur {addr} impossible : {reason}")]
    Listen {
        /// Address asked for.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The declared client certificate is not a PEM certificate.
    #[error("certificat client déclaré illisible : {0}")]
    Certificate(String),
    /// The TLS configuration could not be built.
    #[error("configuration TLS du service « ressources » : {0}")]
    Tls(String),
}

/// A resource as the GAR lists it (the fields the médiacentre shows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// `idRessource` (an ARK).
    pub id: String,
    /// `nomRessource`.
    pub name: String,
    /// `nomEditeur`.
    pub editor: String,
    /// `urlAccesRessource`: where the pupil's click goes (through the GAR).
    pub url: String,
}

/// Who a call asks about, from its path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Asked {
    /// `idENT`: the ENT's project code at the GAR.
    pub id_ent: String,
    /// `UAI` of the school.
    pub uai: String,
    /// `GARPersonIdentifiant`.
    pub person: String,
}

/// The client certificate of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Presented {
    /// None: the ENT called without a client certificate.
    Nothing,
    /// The certificate the target declared.
    Declared,
    /// Another certificate (its SHA-256, hex, and subject).
    Other {
        /// SHA-256 of the DER, hex.
        sha256: String,
        /// Subject, as OpenSSL prints it.
        subject: String,
    },
}

/// One call received.
#[derive(Clone, Debug, Serialize)]
pub struct RessourcesCall {
    /// Order of arrival (from 1), shared with handshake failures.
    pub seq: u64,
    /// When it arrived.
    pub at: chrono::DateTime<chrono::Utc>,
    /// HTTP method.
    pub method: String,
    /// Path and query, as received.
    pub path: String,
    /// `Accept` header, if any.
    pub accept: Option<String>,
    /// The connection's client certificate.
    pub certificate: Presented,
    /// Who the path asks about, when it is a `ressources` path.
    pub asked: Option<Asked>,
    /// Status answered.
    pub status: u16,
    /// Resources served (empty unless 200).
    pub served: Vec<Resource>,
    /// The body sent, as JSON text.
    pub body: String,
}

/// A TLS connection that did not reach HTTP.
#[derive(Clone, Debug, Serialize)]
pub struct FailedHandshake {
    /// Order of arrival.
    pub seq: u64,
    /// Why (rustls's words).
    pub reason: String,
    /// The client refused the service's certificate (it sent the TLS alert
    /// `unknown_ca`, `bad_certificate` or `certificate_unknown`): read from
    /// rustls's error, not from its words.
    pub distrusted: bool,
}

/// Calls (and failed handshakes) kept per run: a médiacentre makes a few.
const MAX_CALLS: usize = 10_000;

#[derive(Default)]
struct Log {
    next: u64,
    calls: Vec<RessourcesCall>,
    handshakes: Vec<FailedHandshake>,
}

/// The service's state: its TLS identity, the certificate it expects, and
/// what it received.
pub struct RessourcesService {
    declared: Vec<u8>,
    identity: SigningKey,
    public_url: Mutex<Url>,
    log: Mutex<Log>,
    /// Dates the calls logged: the service's own clock, as the GAR's, not
    /// the run's (it serves the candidate, which lives in real time).
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RessourcesService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RessourcesService")
            .field("public_url", &self.public_url().as_str())
            .finish_non_exhaustive()
    }
}

/// What the service received after a point of its log.
#[derive(Clone, Debug, Default)]
pub struct Received {
    /// Calls, in order.
    pub calls: Vec<RessourcesCall>,
    /// Connections whose TLS handshake failed.
    pub handshakes: Vec<FailedHandshake>,
}

impl RessourcesService {
    /// A service that accepts `declared_pem` (the candidate's client
    /// certificate), identified by `identity` (its server certificate, which
    /// the candidate trusts), reached at `public_url`, dating its log by
    /// `clock`.
    pub fn new(
        declared_pem: &str,
        identity: SigningKey,
        public_url: Url,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, RessourcesError> {
        let declared = openssl::x509::X509::from_pem(declared_pem.as_bytes())
            .and_then(|cert| cert.to_der())
            .map_err(|error| RessourcesError::Certificate(error.to_string()))?;
        Ok(Self {
            declared,
            identity,
            public_url: Mutex::new(public_url),
            log: Mutex::new(Log::default()),
            clock,
        })
    }

    /// Where the candidate calls the service.
    pub fn public_url(&self) -> Url {
        self.public_url
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sets the URL once the port is known (a service bound to port 0).
    pub fn set_public_url(&self, url: Url) {
        *self
            .public_url
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = url;
    }

    /// The server certificate (PEM) the candidate must trust.
    pub fn certificate_pem(&self) -> String {
        self.identity.cert_pem()
    }

    /// A mark in the log: [`Self::since`] returns what came after it.
    pub fn mark(&self) -> u64 {
        self.log().next
    }

    /// Calls and failed handshakes after `mark`.
    pub fn since(&self, mark: u64) -> Received {
        let log = self.log();
        Received {
            calls: log.calls.iter().filter(|c| c.seq > mark).cloned().collect(),
            handshakes: log
                .handshakes
                .iter()
                .filter(|h| h.seq > mark)
                .cloned()
                .collect(),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        // Plain data: a panicked handler leaves it usable.
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn presented(&self, certificate: Option<&CertificateDer<'_>>) -> Presented {
        match certificate {
            None => Presented::Nothing,
            Some(der) if der.as_ref() == self.declared.as_slice() => Presented::Declared,
            Some(der) => Presented::Other {
                sha256: crate::suite::hex(&Sha256::digest(der.as_ref())),
                subject: openssl::x509::X509::from_der(der.as_ref())
                    .map(|cert| subject(&cert))
                    .unwrap_or_else(|_| "(certificat illisible)".to_owned()),
            },
        }
    }

    fn tls_config(&self) -> Result<rustls::ServerConfig, RessourcesError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = self
            .identity
            .private_pkcs8_der()
            .map_err(|error| RessourcesError::Tls(error.to_string()))?;
        rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|error| RessourcesError::Tls(error.to_string()))?
            .with_client_cert_verifier(Arc::new(AnyClientCertificate(provider)))
            .with_single_cert(
                vec![CertificateDer::from(self.identity.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .map_err(|error| RessourcesError::Tls(error.to_string()))
    }
}

fn subject(cert: &openssl::x509::X509) -> String {
    cert.subject_name()
        .entries()
        .filter_map(|entry| {
            let key = entry.object().nid().short_name().ok()?;
            let value = entry.data().to_string().ok()?;
            Some(format!("{key}={value}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Asks every client for a certificate and checks that it holds the key of
/// the one it presents, whoever issued it: which certificate it was is
/// recorded per request, so that a wrong or missing one is reported as such
/// instead of as a failed handshake.
#[derive(Debug)]
struct AnyClientCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Publishers and titles the resources are made from (fictional).
const CATALOG: [(&str, &str); 3] = [
    ("Lectures du Bellerive", "Éditions de la Rive"),
    ("Calcul mental au quotidien", "Atelier Numérique Bellerive"),
    ("Mon premier dictionnaire illustré", "Éditions de la Rive"),
];

/// Host of the resources' access links (the GAR's `domaineGar` entry point).
const ACCESS_HOST: &str = "https://idp-auth.gar.entconf.test/domaineGar";

/// The resources the service lists for `asked`: each name and link carries
/// a tag derived from the three path segments.
pub fn resources_for(asked: &Asked) -> Vec<Resource> {
    use base64::Engine as _;
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let digest = Sha256::digest(format!("{}/{}/{}", asked.id_ent, asked.uai, asked.person));
    let tag = crate::suite::hex(&digest[..3]).to_uppercase();
    CATALOG
        .iter()
        .enumerate()
        .map(|(n, (title, editor))| {
            let ark = format!("ark:/99999/entconf.{}{}", tag.to_lowercase(), n + 1);
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("idENT", &b64(&asked.id_ent))
                .append_pair("idEtab", &b64(&asked.uai))
                .append_pair("idRessource", &ark)
                .finish();
            Resource {
                id: ark,
                name: format!("{title} (réf. {tag}-{})", n + 1),
                editor: (*editor).to_owned(),
                url: format!("{ACCESS_HOST}?{query}"),
            }
        })
        .collect()
}

/// The `listeRessources` document of `resources`, with the fields the GAR
/// sends (the shape of GIP-RECIA's public mock of the service).
fn liste(resources: &[Resource]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "idRessource": r.id,
                "idType": "ARK",
                "nomRessource": r.name,
                "idEditeur": "entconf",
                "nomEditeur": r.editor,
                "urlVignette": "https://vignettes.gar.entconf.test/ressource.png",
                "typePresentation": {"code": "MUL", "nom": "ressources d'enseignement multimédias"},
                "typePedagogique": [{"nom": "activité d'apprentissage", "uri": "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-003"}],
                "typologieDocument": [],
                "niveauEducatif": [{"nom": "cycle 2", "uri": "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-022-num-012"}],
                "domaineEnseignement": [],
                "urlAccesRessource": r.url,
                "nomSourceEtiquetteGar": "GAR",
                "distributeurTech": "entconf",
                "validateurTech": "entconf"
            })
        })
        .collect();
    serde_json::json!({"listeRessources": {"ressource": items}})
}

fn erreur(code: StatusCode, message: &str, path: &str) -> serde_json::Value {
    serde_json::json!({"Erreur": {"Code": code.as_u16().to_string(), "Message": message, "Resource": path}})
}

/// `/ressources/{idENT}/{UAI}/{GARPersonIdentifiant}`, percent-decoded.
fn asked(path: &str) -> Option<Asked> {
    let rest = path.strip_prefix("/ressources/")?;
    let parts: Vec<String> = rest
        .split('/')
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    match parts.as_slice() {
        [id_ent, uai, person] if !id_ent.is_empty() && !uai.is_empty() && !person.is_empty() => {
            Some(Asked {
                id_ent: id_ent.clone(),
                uai: uai.clone(),
                person: person.clone(),
            })
        }
        _ => None,
    }
}

async fn answer(
    State(service): State<Arc<RessourcesService>>,
    Extension(presented): Extension<Presented>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_owned();
    let shown_path = uri
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let asked = asked(&path);
    let (status, served, body) = if method != Method::GET {
        let status = StatusCode::METHOD_NOT_ALLOWED;
        (
            status,
            Vec::new(),
            erreur(status, "seul GET est servi", &path),
        )
    } else if presented == Presented::Nothing {
        let status = StatusCode::FORBIDDEN;
        (
            status,
            Vec::new(),
            erreur(status, "certificat client absent", &path),
        )
    } else if let Presented::Other { .. } = presented {
        let status = StatusCode::FORBIDDEN;
        (
            status,
            Vec::new(),
            erreur(status, "certificat client inconnu du GAR", &path),
        )
    } else if let Some(asked) = &asked {
        let served = resources_for(asked);
        let body = liste(&served);
        (StatusCode::OK, served, body)
    } else {
        let status = StatusCode::NOT_FOUND;
        (
            status,
            Vec::new(),
            erreur(
                status,
                "attendu : /ressources/{idENT}/{UAI}/{GARPersonIdentifiant}",
                &path,
            ),
        )
    };
    let text = body.to_string();
    let mut log = service.log();
    if log.calls.len() >= MAX_CALLS {
        // A client in a loop: what was kept is enough to judge.
        drop(log);
        return (StatusCode::TOO_MANY_REQUESTS, "trop d'appels").into_response();
    }
    log.next += 1;
    let seq = log.next;
    log.calls.push(RessourcesCall {
        seq,
        at: service.clock.now(),
        method: method.to_string(),
        path: shown_path,
        accept: headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        certificate: presented,
        asked,
        status: status.as_u16(),
        served,
        body: text.clone(),
    });
    drop(log);
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        text,
    )
        .into_response()
}

/// The service listening; dropping it stops it.
#[derive(Debug)]
pub struct RunningRessources {
    /// Shared state: the log the checks read.
    pub service: Arc<RessourcesService>,
    listening: Listening,
}

impl RunningRessources {
    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }
}

/// Binds `addr` and serves `service` over TLS until the handle is dropped.
pub async fn spawn(
    addr: SocketAddr,
    service: Arc<RessourcesService>,
) -> Result<RunningRessources, RessourcesError> {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(service.tls_config()?));
    let shared = Arc::clone(&service);
    let listening = listen(addr, move |stream| {
        serve_connection(stream, acceptor.clone(), Arc::clone(&shared))
    })
    .await
    .map_err(|error| RessourcesError::Listen {
        addr: addr.to_string(),
        reason: error.to_string(),
    })?;
    Ok(RunningRessources { service, listening })
}

async fn serve_connection(
    stream: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    service: Arc<RessourcesService>,
) {
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            let distrusted = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|tls| {
                    matches!(
                        tls,
                        rustls::Error::AlertReceived(
                            rustls::AlertDescription::UnknownCA
                                | rustls::AlertDescription::BadCertificate
                                | rustls::AlertDescription::CertificateUnknown
                        )
                    )
                });
            return failed(&service, error.to_string(), distrusted);
        }
        Err(_) => {
            return failed(
                &service,
                "poignée de main TLS non terminée en 10 s".to_owned(),
                false,
            );
        }
    };
    let presented = service.presented(tls.get_ref().1.peer_certificates().and_then(|c| c.first()));
    let app = Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&service))
        .layer(Extension(presented));
    serve_http(tls, app).await;
}

fn failed(service: &RessourcesService, reason: String, distrusted: bool) {
    let mut log = service.log();
    if log.handshakes.len() < MAX_CALLS {
        log.next += 1;
        let seq = log.next;
        log.handshakes.push(FailedHandshake {
            seq,
            reason,
            distrusted,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_segment_by_segment() {
        let asked = asked("/ressources/BEL/0990001A/u-abc%2F1").expect("path");
        assert_eq!(asked.id_ent, "BEL");
        assert_eq!(asked.uai, "0990001A");
        assert_eq!(asked.person, "u-abc/1");
        assert!(super::asked("/ressources/BEL/0990001A").is_none());
        assert!(super::asked("/ressources/BEL//x").is_none());
        assert!(super::asked("/autre/BEL/0990001A/x").is_none());
    }

    #[test]
    fn resources_differ_by_person_and_link_to_the_gar() {
        let one = Asked {
            id_ent: "BEL".to_owned(),
            uai: "0990001A".to_owned(),
            person: "u-1".to_owned(),
        };
        let two = Asked {
            person: "u-2".to_owned(),
            ..one.clone()
        };
        let (a, b) = (resources_for(&one), resources_for(&two));
        assert_eq!(a.len(), 3);
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.name != y.name && x.url != y.url)
        );
        assert!(a[0].url.starts_with(ACCESS_HOST));
        assert!(a[0].url.contains("idENT=QkVM"), "{}", a[0].url);
        let json = liste(&a);
        assert_eq!(
            json["listeRessources"]["ressource"][0]["urlAccesRessource"],
            a[0].url.as_str()
        );
    }
}
