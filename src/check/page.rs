//! Assertions about a page as a whole: status, public reachability (no login
//! wall), presence of an element, declared language.

use super::observation::{Observations, absent_element};
use super::outcome::Verdict;
use super::wording::quote;
use crate::probe::{Document, Page};
use crate::suite::Css;

/// Why a page is not public HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotPublic {
    /// Not HTML: nothing can be read (an `error` where content is needed).
    NotHtml(String),
    /// Final status not 2xx.
    Status(String),
    /// Sent to the login page or shows a password field.
    LoginWall(String),
    /// HTML without any visible text.
    Empty(String),
}

impl NotPublic {
    /// The explanation.
    pub fn message(&self) -> &str {
        match self {
            Self::NotHtml(m) | Self::Status(m) | Self::LoginWall(m) | Self::Empty(m) => m,
        }
    }
}

/// What "public page" means, for messages.
pub const PUBLIC_EXPECTED: &str = "réponse 2xx en HTML avec du texte, sans redirection vers la page de connexion ni champ de mot de passe";

/// Judges whether a page is public HTML, the rule shared by the
/// `public_page` assertion and by `fetch` steps marked `public`.
pub fn public_problem(
    page: &Page,
    document: Option<&Document>,
    observations: &Observations,
) -> Option<NotPublic> {
    if let Some(login) = &observations.target.login_page {
        let wall =
            page.hops.iter().skip(1).find(|hop| {
                hop.url.path() == login.path() && hop.url.host_str() == login.host_str()
            });
        if let Some(hop) = wall
            && page.requested.path() != login.path()
        {
            return Some(NotPublic::LoginWall(format!(
                "{} redirige vers la page de connexion {}",
                page.requested, hop.url
            )));
        }
    }
    if !(200..300).contains(&page.status) {
        let via = if page.hops.len() > 1 {
            format!(
                " (après {} redirection(s), dernière URL {})",
                page.hops.len() - 1,
                page.final_url
            )
        } else {
            String::new()
        };
        return Some(NotPublic::Status(format!(
            "{} répond {}{via}",
            page.requested, page.status
        )));
    }
    let Some(document) = document else {
        return Some(NotPublic::NotHtml(format!(
            "{} n'est pas une page HTML ({}) : un document non HTML (PDF, image) n'est pas une page lisible en ligne",
            page.final_url,
            page.media_type_label()
        )));
    };
    if document.has_password_field()
        && page.requested.path()
            != observations
                .target
                .login_page
                .as_ref()
                .map_or("", |u| u.path())
    {
        return Some(NotPublic::LoginWall(format!(
            "{} affiche un champ de mot de passe : la page demande une connexion",
            page.final_url
        )));
    }
    if document.visible_chars() == 0 {
        return Some(NotPublic::Empty(format!(
            "{} ne contient aucun texte visible",
            page.final_url
        )));
    }
    None
}

/// `public_page`: the page is public HTML.
pub(crate) fn public_page(observations: &Observations, step: &str) -> Verdict {
    let page = match observations.page(step) {
        Ok(page) => page,
        Err(verdict) => return verdict,
    };
    let document = observations
        .document(step, PUBLIC_EXPECTED)
        .ok()
        .map(|(_, d)| d);
    match public_problem(page, document, observations) {
        None => Verdict::pass(
            PUBLIC_EXPECTED,
            format!("{} : {} en HTML", page.final_url, page.status),
        ),
        Some(problem) => Verdict::fail(PUBLIC_EXPECTED, problem.message()),
    }
}

/// `status`: the final status is one of `codes`.
pub(crate) fn status(observations: &Observations, step: &str, codes: &[u16]) -> Verdict {
    let expected = format!(
        "statut HTTP {}",
        codes
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" ou ")
    );
    match observations.page(step) {
        Ok(page) => Verdict::check(
            codes.contains(&page.status),
            expected,
            format!("{} répond {}", page.final_url, page.status),
        ),
        Err(verdict) => verdict,
    }
}

/// `element`: some element matches the selector.
pub(crate) fn element(observations: &Observations, step: &str, css: &Css) -> Verdict {
    let expected = format!("au moins un élément {}", quote(&css.source));
    let (page, document) = match observations.document(step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    if document.exists(&css.selector) {
        Verdict::pass(expected, format!("présent sur {}", page.final_url))
    } else {
        absent_element(
            &format!("aucun élément {}", quote(&css.source)),
            page,
            document,
            &expected,
        )
    }
}

/// `lang`: `<html lang>` starts with the expected language.
pub(crate) fn lang(observations: &Observations, step: &str, expect: &str) -> Verdict {
    let expected = format!("<html lang> déclarant la langue {}", quote(expect));
    let (page, document) = match observations.document(step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    match document.lang() {
        Some(lang) => {
            let lower = lang.to_ascii_lowercase();
            let holds = lower == expect || lower.starts_with(&format!("{expect}-"));
            Verdict::check(
                holds,
                expected,
                format!("lang=\"{lang}\" sur {}", page.final_url),
            )
        }
        None => Verdict::fail(
            expected,
            format!("attribut lang absent de <html> sur {}", page.final_url),
        ),
    }
}
