//! The IdPs' HTTP server: routes, lifecycle, and the few HTML pages a person
//! sees there (interactive login when no scenario is set, errors, logout).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use super::listener::{Listening, listen, serve_http};
use super::{ARENA_PATH, EDUCONNECT_PATH, Idp, IdpError, SESSION_COOKIE, oidc, saml};
use crate::text::escape_xml;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
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
        .route("/entconf/choisir", get(choose))
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

/// A French error page with the problem stated.
pub(crate) fn error_page(status: StatusCode, problem: &str) -> Response {
    (
        status,
        Html(page(
            "Demande refusée par le fournisseur d'identité de test",
            &format!("<p>{}</p>", escape_xml(problem)),
        )),
    )
        .into_response()
}

/// The page shown after a logout at the IdP.
pub(crate) fn logged_out_page(service: &str) -> Response {
    Html(page(
        "Déconnexion",
        &format!(
            "<p>Vous êtes déconnecté du service {} de test.</p>",
            escape_xml(service)
        ),
    ))
    .into_response()
}

/// Without a scenario (someone exploring a staging ENT by hand), the IdP
/// offers the people of the directory to log in as.
pub(crate) fn interactive_login(idp: &Idp, return_to: &str) -> Response {
    if idp.directory.is_empty() || return_to.is_empty() {
        return error_page(
            StatusCode::FORBIDDEN,
            "aucune session de test : ce fournisseur d'identité ne sert que les scénarios d'entconf",
        );
    }
    let items: String = idp
        .directory
        .iter()
        .enumerate()
        .map(|(index, scenario)| {
            let mut link = reqwest::Url::parse("http://x/entconf/choisir").ok();
            if let Some(link) = &mut link {
                link.query_pairs_mut()
                    .append_pair("personne", &index.to_string())
                    .append_pair("retour", return_to);
            }
            let href = link
                .map(|l| format!("/entconf/choisir?{}", l.query().unwrap_or_default()))
                .unwrap_or_default();
            format!(
                r#"<li><a href="{}">{}</a></li>"#,
                escape_xml(&href),
                escape_xml(&scenario.identity.display_name())
            )
        })
        .collect();
    Html(page(
        "Se connecter (fournisseur d'identité de test)",
        &format!("<p>Choisissez la personne fictive :</p><ul>{items}</ul>"),
    ))
    .into_response()
}

async fn choose(
    State(idp): State<Arc<Idp>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let index = params.get("personne").and_then(|i| i.parse::<usize>().ok());
    let (Some(scenario), Some(back)) = (
        index.and_then(|i| idp.directory.get(i)).cloned(),
        params.get("retour").filter(|r| r.starts_with('/')),
    ) else {
        return error_page(StatusCode::BAD_REQUEST, "choix invalide");
    };
    let token = idp.open(scenario);
    (
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"),
        )],
        Redirect::to(back),
    )
        .into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"#,
        title = escape_xml(title)
    )
}
