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
    let expected = format!("au moins un élément {}", css.quoted());
    let (page, document) = match observations.document(step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    if document.exists(&css.scope) {
        Verdict::pass(expected, format!("présent sur {}", page.final_url))
    } else {
        absent_element(
            &format!("aucun élément {}", css.quoted()),
            page,
            document,
            &expected,
            None,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use reqwest::Url;

    use super::*;
    use crate::check::observation::{Documents, TargetFacts};
    use crate::check::outcome::AssertionStatus;
    use crate::probe::{Hop, PageBody};

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    /// An HTML page answered 200 at `https://ent.test/accueil`, no redirect;
    /// tests change the fields they are about.
    fn page(body: &str) -> Page {
        let at = url("https://ent.test/accueil");
        Page {
            requested: at.clone(),
            final_url: at.clone(),
            status: 200,
            hops: vec![hop(&at, 200)],
            media_type: Some("text/html".to_owned()),
            body: PageBody::Text(body.into()),
            set_cookies: Vec::new(),
            parsed: Default::default(),
            retry_after: None,
            headers: Vec::new(),
            rendering: None,
        }
    }

    fn hop(at: &Url, status: u16) -> Hop {
        Hop {
            url: at.clone(),
            method: "GET".to_owned(),
            status,
            exchange: format!("x{status}"),
        }
    }

    /// `page` redirected to `to`, which answered `status` (with `body`).
    fn redirected(body: &str, to: &str, status: u16) -> Page {
        let mut page = page(body);
        let to = url(to);
        page.hops = vec![hop(&page.requested, 302), hop(&to, status)];
        page.final_url = to;
        page.status = status;
        page
    }

    /// `judge` run on observations holding `page` as the step `accueil`.
    fn judged<T>(page: Page, target: TargetFacts, judge: impl FnOnce(&Observations) -> T) -> T {
        let pages = BTreeMap::from([("accueil".to_owned(), Arc::new(page))]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, target);
        judge(&observations)
    }

    fn with_login() -> TargetFacts {
        TargetFacts {
            login_page: Some(url("https://ent.test/connexion")),
            ..TargetFacts::default()
        }
    }

    fn css(source: &str) -> Css {
        Css::parse(source).expect("test selector")
    }

    const TEXT: &str = "<html lang=\"fr\"><body><h1>Bienvenue sur l'ENT</h1></body></html>";

    #[test]
    fn status_among_codes_passes_else_fails() {
        let verdict = judged(page(TEXT), TargetFacts::default(), |o| {
            status(o, "accueil", &[200, 204])
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, "statut HTTP 200 ou 204");
        assert_eq!(verdict.actual, "https://ent.test/accueil répond 200");

        let mut missing = page(TEXT);
        missing.status = 404;
        let verdict = judged(missing, TargetFacts::default(), |o| {
            status(o, "accueil", &[200])
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.actual, "https://ent.test/accueil répond 404");
    }

    #[test]
    fn status_reads_the_final_answer_after_redirects() {
        let verdict = judged(
            redirected(TEXT, "https://ent.test/portail", 200),
            TargetFacts::default(),
            |o| status(o, "accueil", &[302]),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("https://ent.test/portail répond 200"),
            "{verdict:?}"
        );
    }

    #[test]
    fn status_of_unknown_step_is_an_error() {
        let verdict = judged(page(TEXT), TargetFacts::default(), |o| {
            status(o, "absente", &[200])
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("l'étape « absente » n'a rien observé"),
            "{verdict:?}"
        );
    }

    #[test]
    fn public_page_passes_for_html_with_text() {
        let verdict = judged(page(TEXT), with_login(), |o| public_page(o, "accueil"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, PUBLIC_EXPECTED);
        assert_eq!(verdict.actual, "https://ent.test/accueil : 200 en HTML");
    }

    #[test]
    fn public_page_fails_on_error_status_with_redirects_told() {
        let verdict = judged(
            redirected(TEXT, "https://ent.test/erreur", 500),
            TargetFacts::default(),
            |o| public_page(o, "accueil"),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "https://ent.test/accueil répond 500 (après 1 redirection(s), dernière URL https://ent.test/erreur)"
        );
    }

    #[test]
    fn public_page_fails_when_sent_to_the_login_page() {
        // The login page itself answers 200 with text: only the declared
        // login page tells the wall apart.
        let login = "<html><body><p>Identifiez-vous</p></body></html>";
        let verdict = judged(
            redirected(login, "https://ent.test/connexion?service=x", 200),
            with_login(),
            |o| public_page(o, "accueil"),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains(
                "https://ent.test/accueil redirige vers la page de connexion https://ent.test/connexion?service=x"
            ),
            "{verdict:?}"
        );
        let not_public = judged(
            redirected(login, "https://ent.test/connexion", 200),
            with_login(),
            |o| {
                let page = o.page("accueil").expect("observed");
                let (_, document) = o.document("accueil", "").expect("HTML");
                public_problem(page, Some(document), o)
            },
        );
        assert!(
            matches!(not_public, Some(NotPublic::LoginWall(_))),
            "{not_public:?}"
        );
    }

    #[test]
    fn public_page_fails_on_password_field_except_on_the_login_page() {
        let form =
            "<html><body><p>Connexion</p><input type=\"PASSWORD\" name=\"mdp\"></body></html>";
        let verdict = judged(page(form), with_login(), |o| public_page(o, "accueil"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("affiche un champ de mot de passe"),
            "{verdict:?}"
        );
        // The declared login page may ask for a password: it is public.
        let mut login = page(form);
        login.requested = url("https://ent.test/connexion");
        login.final_url = login.requested.clone();
        let verdict = judged(login, with_login(), |o| public_page(o, "accueil"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
    }

    #[test]
    fn public_page_fails_when_empty_or_not_html() {
        let verdict = judged(
            page("<html><body><div> </div></body></html>"),
            TargetFacts::default(),
            |o| public_page(o, "accueil"),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "https://ent.test/accueil ne contient aucun texte visible"
        );

        let mut pdf = page("%PDF-1.7");
        pdf.media_type = Some("application/pdf".to_owned());
        let verdict = judged(pdf, TargetFacts::default(), |o| public_page(o, "accueil"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("n'est pas une page HTML (application/pdf)"),
            "{verdict:?}"
        );
    }

    #[test]
    fn public_page_of_unknown_step_is_an_error() {
        let verdict = judged(page(TEXT), TargetFacts::default(), |o| {
            public_page(o, "absente")
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("n'a rien observé"), "{verdict:?}");
    }

    #[test]
    fn element_present_passes_absent_fails() {
        let body = "<html><body><nav id=\"menu\"><a href=\"/\">Accueil</a></nav></body></html>";
        let verdict = judged(page(body), TargetFacts::default(), |o| {
            element(o, "accueil", &css("nav#menu a"))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, "au moins un élément « nav#menu a »");
        assert_eq!(verdict.actual, "présent sur https://ent.test/accueil");

        let verdict = judged(page(body), TargetFacts::default(), |o| {
            element(o, "accueil", &css("footer"))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun élément « footer » dans https://ent.test/accueil"
        );
    }

    #[test]
    fn element_absent_from_scripted_page_or_non_html_is_an_error() {
        let shell = "<html><body><div id=\"app\"></div><script>render()</script></body></html>";
        let verdict = judged(page(shell), TargetFacts::default(), |o| {
            element(o, "accueil", &css("footer"))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.contains("produit par JavaScript"),
            "{verdict:?}"
        );

        let mut json = page("{}");
        json.media_type = Some("application/json".to_owned());
        let verdict = judged(json, TargetFacts::default(), |o| {
            element(o, "accueil", &css("footer"))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("n'est pas du HTML"), "{verdict:?}");
    }

    #[test]
    fn lang_accepts_the_language_and_its_regions() {
        for declared in ["fr", "fr-FR", "FR"] {
            let body = format!("<html lang=\"{declared}\"><body>Bonjour</body></html>");
            let verdict = judged(page(&body), TargetFacts::default(), |o| {
                lang(o, "accueil", "fr")
            });
            assert_eq!(
                verdict.status,
                AssertionStatus::Passed,
                "{declared}: {verdict:?}"
            );
            assert_eq!(verdict.expected, "<html lang> déclarant la langue « fr »");
            assert!(
                verdict.actual.contains(&format!("lang=\"{declared}\"")),
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn lang_refuses_another_language_or_a_longer_code() {
        // "fry" (Frisian) starts with "fr" but is not French.
        for declared in ["en", "fry", "en-FR"] {
            let body = format!("<html lang=\"{declared}\"><body>Hello</body></html>");
            let verdict = judged(page(&body), TargetFacts::default(), |o| {
                lang(o, "accueil", "fr")
            });
            assert_eq!(
                verdict.status,
                AssertionStatus::Failed,
                "{declared}: {verdict:?}"
            );
            assert!(
                verdict.actual.contains(&format!("lang=\"{declared}\" sur")),
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn lang_missing_fails_non_html_errors() {
        let verdict = judged(
            page("<html><body>Bonjour</body></html>"),
            TargetFacts::default(),
            |o| lang(o, "accueil", "fr"),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "attribut lang absent de <html> sur https://ent.test/accueil"
        );

        let mut text = page("Bonjour");
        text.media_type = Some("text/plain".to_owned());
        let verdict = judged(text, TargetFacts::default(), |o| lang(o, "accueil", "fr"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("(text/plain)"), "{verdict:?}");
    }
}
