//! The few HTML pages a person sees at the test IdPs: the interactive
//! login when no scenario is set, errors, logout. Used by the OIDC and SAML
//! handlers and routed by `server`, which neither imports back.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::{Idp, SESSION_COOKIE};
use crate::text::escape_xml;

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

pub(super) async fn choose(
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
