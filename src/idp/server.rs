//! The IdPs' HTTP server: routes, lifecycle, and TLS under the test CA
//! when the target asks for it (a handshake that fails is noted at the IdP,
//! since it carries no scenario). The pages a person sees there are
//! `pages`'s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::listener::{Listening, listen, serve_http};
use super::{ARENA_PATH, EDUCONNECT_PATH, Idp, IdpError, SigningKey, oidc, pages, saml};
use axum::Router;
use axum::routing::{get, post};

/// The IdPs as an axum router.
pub(crate) fn router(idp: Arc<Idp>) -> Router {
    let ec = |path: &str| format!("{EDUCONNECT_PATH}{path}");
    let arena = |path: &str| format!("{ARENA_PATH}{path}");
    Router::new()
        .route(
            &ec("/.well-known/openid-configuration"),
            get(oidc::discovery),
        )
        .route(&ec("/profile/oidc/keyset"), get(oidc::keyset))
        .route(&ec("/profile/oidc/authorize"), get(oidc::authorize))
        .route(&ec("/profile/oidc/token"), post(oidc::token))
        .route(&ec("/profile/oidc/userinfo"), get(oidc::userinfo))
        .route(&ec("/profile/oidc/logout"), get(oidc::logout))
        .route(&ec("/shibboleth"), get(saml::educonnect_metadata))
        .route(
            &ec("/profile/SAML2/Redirect/SSO"),
            get(saml::educonnect_sso),
        )
        .route(
            &ec("/profile/SAML2/POST/SSO"),
            post(saml::educonnect_sso_post),
        )
        .route(
            &ec("/profile/SAML2/Unsolicited/SSO"),
            get(saml::educonnect_unsolicited),
        )
        .route(
            &ec("/profile/SAML2/Redirect/SLO"),
            get(saml::educonnect_slo),
        )
        .route(&arena("/metadata"), get(saml::arena_metadata))
        .route(&arena("/SSO"), get(saml::arena_sso))
        .route(&arena("/SSO/POST"), post(saml::arena_sso_post))
        .route(&arena("/Unsolicited/SSO"), get(saml::arena_unsolicited))
        .route(&arena("/SLO"), get(saml::arena_slo))
        .route("/entconf/choisir", get(pages::choose))
        .with_state(idp)
}

/// The IdPs, started.
#[derive(Debug)]
pub struct RunningIdp {
    /// Shared state: open scenarios, read their logs.
    pub idp: Arc<Idp>,
    listening: Listening,
}

impl RunningIdp {
    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }
}

/// Binds `addr` and serves the IdPs until the handle is dropped: over TLS
/// with `tls` (a certificate the test CA issued), in clear otherwise.
pub async fn spawn(
    addr: SocketAddr,
    idp: Arc<Idp>,
    tls: Option<&SigningKey>,
) -> Result<RunningIdp, IdpError> {
    let app = router(Arc::clone(&idp));
    let listening = match tls {
        None => listen(addr, move |stream| serve_http(stream, app.clone())).await,
        Some(leaf) => {
            let acceptor = TlsAcceptor::from(Arc::new(tls_config(&idp, leaf)?));
            let shared = Arc::clone(&idp);
            listen(addr, move |stream| {
                serve_tls(stream, acceptor.clone(), app.clone(), Arc::clone(&shared))
            })
            .await
        }
    }
    .map_err(|error| IdpError::Listen {
        addr: addr.to_string(),
        reason: error.to_string(),
    })?;
    Ok(RunningIdp { idp, listening })
}

/// The server side of TLS: `leaf`, then the test CA that issued it.
fn tls_config(idp: &Idp, leaf: &SigningKey) -> Result<rustls::ServerConfig, IdpError> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut chain = vec![CertificateDer::from(leaf.cert_der.clone())];
    if let Some(authority) = idp.authority() {
        chain.push(CertificateDer::from(authority.cert_der.clone()));
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.private_pkcs8_der()?));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| IdpError::Crypto(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| IdpError::Crypto(error.to_string()))
}

async fn serve_tls(stream: TcpStream, acceptor: TlsAcceptor, app: Router, idp: Arc<Idp>) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |addr| addr.to_string());
    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
        Ok(Ok(tls)) => serve_http(tls, app).await,
        Ok(Err(error)) => idp.note_handshake(format!("{peer} : {error}")),
        Err(_) => idp.note_handshake(format!("{peer} : poignée de main non terminée en 10 s")),
    }
}
