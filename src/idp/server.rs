//! The IdPs' HTTP server: routes and lifecycle. The pages a person sees
//! there are `pages`'s.

use std::net::SocketAddr;
use std::sync::Arc;

use super::listener::{Listening, listen, serve_http};
use super::{ARENA_PATH, EDUCONNECT_PATH, Idp, IdpError, oidc, pages, saml};
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
            &ec("/profile/SAML2/Redirect/SLO"),
            get(saml::educonnect_slo),
        )
        .route(&arena("/metadata"), get(saml::arena_metadata))
        .route(&arena("/SSO"), get(saml::arena_sso))
        .route(&arena("/SSO/POST"), post(saml::arena_sso_post))
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

/// Binds `addr` and serves the IdPs until the handle is dropped.
pub async fn spawn(addr: SocketAddr, idp: Arc<Idp>) -> Result<RunningIdp, IdpError> {
    let app = router(Arc::clone(&idp));
    let listening = listen(addr, move |stream| serve_http(stream, app.clone()))
        .await
        .map_err(|error| IdpError::Listen {
            addr: addr.to_string(),
            reason: error.to_string(),
        })?;
    Ok(RunningIdp { idp, listening })
}
