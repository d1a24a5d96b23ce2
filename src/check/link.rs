//! Assertions and captures about links: a link announced by one of a list of
//! phrasings, and links whose names say where they go.

use reqwest::Url;

use super::observation::{Observations, absent, not_found, unless_script_shell};
use super::outcome::Verdict;
use super::wording::{quote, quote_list, zone_name};
use crate::probe::{Document, Link, Page};
use crate::suite::{Css, PhraseList, Zone};
use crate::text::{contains_phrase, fold};

/// Links of a zone, or the verdict explaining why the zone is missing.
fn zone_links<'a>(
    observations: &'a Observations,
    zone: &Zone,
    expected: &str,
) -> Result<(&'a Page, Vec<Link>), Verdict> {
    let (page, document) = observations.document(&zone.step, expected)?;
    let within = zone.within.as_ref().map(|css| &css.scope);
    if document.zone(within).is_empty() {
        return Err(absent(zone, page, document, expected));
    }
    Ok((page, document.links(within)))
}

fn matching<'a>(links: &'a [Link], list: &PhraseList) -> Option<&'a Link> {
    links.iter().find(|link| {
        list.phrases
            .iter()
            .any(|p| contains_phrase(&fold(&link.all_text), p))
    })
}

fn names(links: &[Link]) -> String {
    let names: Vec<&str> = links
        .iter()
        .map(|l| l.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        "aucun lien".to_owned()
    } else {
        format!("liens présents : {}", quote_list(&names, 8))
    }
}

/// `link`: a link whose accessible name contains one of the phrasings.
pub(crate) fn link(observations: &Observations, zone: &Zone, list: &PhraseList) -> Verdict {
    let expected = format!("un lien intitulé {}", quote_list(&list.phrases, 5));
    let (_, links) = match zone_links(observations, zone, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    match matching(&links, list) {
        Some(found) => Verdict::pass(
            expected,
            format!(
                "lien {} vers « {} » dans {}",
                quote(&found.name),
                found.raw_href,
                zone_name(zone)
            ),
        ),
        None => {
            let verdict = Verdict::fail(
                expected,
                format!("aucun dans {} ; {}", zone_name(zone), names(&links)),
            );
            unless_script_shell(verdict, zone, observations)
        }
    }
}

/// `link_names`: every link of the zone has a name, and no vague one.
pub(crate) fn link_names(observations: &Observations, zone: &Zone, forbid: &PhraseList) -> Verdict {
    let expected = format!(
        "des intitulés de liens explicites : ni vides ni {}",
        quote_list(&forbid.phrases, 5)
    );
    let (_, links) = match zone_links(observations, zone, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    let mut problems = Vec::new();
    for link in &links {
        let name = fold(&link.name);
        if name.is_empty() {
            problems.push(format!("lien sans intitulé vers « {} »", link.raw_href));
        } else if forbid.phrases.iter().any(|p| fold(p) == name) {
            problems.push(format!(
                "lien intitulé {} vers « {} »",
                quote(&link.name),
                link.raw_href
            ));
        }
    }
    if problems.is_empty() {
        Verdict::pass(
            expected,
            format!(
                "{} lien(s) explicites dans {}",
                links.len(),
                zone_name(zone)
            ),
        )
    } else {
        Verdict::fail(
            expected,
            format!("dans {} : {}", zone_name(zone), problems.join(" ; ")),
        )
    }
}

/// A capture of a link's absolute URL.
pub fn capture_link(
    page: &Page,
    document: &Document,
    within: Option<&Css>,
    list: &PhraseList,
) -> Result<Url, Verdict> {
    let expected = format!("un lien intitulé {}", quote_list(&list.phrases, 5));
    let zone = Zone {
        step: String::new(),
        within: within.cloned(),
    };
    let selector = within.map(|css| &css.scope);
    if document.zone(selector).is_empty() {
        return Err(absent(&zone, page, document, &expected));
    }
    let links = document.links(selector);
    let Some(found) = matching(&links, list) else {
        let place = within.map_or_else(|| "la page".to_owned(), |css| css.quoted());
        let verdict = Verdict::fail(
            expected,
            format!(
                "aucun dans {place} de {} ; {}",
                page.final_url,
                names(&links)
            ),
        );
        return Err(not_found(verdict, page, document, selector));
    };
    found.href.clone().ok_or_else(|| {
        Verdict::fail(
            expected,
            format!(
                "le lien {} de {} n'a pas d'adresse utilisable (href=\"{}\")",
                quote(&found.name),
                page.final_url,
                found.raw_href
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::check::observation::{Documents, TargetFacts};
    use crate::check::outcome::AssertionStatus;
    use crate::probe::PageBody;

    /// The page every test reads, served as `media_type` at a fixed URL.
    fn page(media_type: &str, body: &str) -> Arc<Page> {
        let url = Url::parse("https://ent.test/accueil").expect("test URL");
        Arc::new(Page::served(
            url,
            200,
            Some(media_type.to_owned()),
            PageBody::Text(body.into()),
        ))
    }

    fn html(body: &str) -> Arc<Page> {
        page("text/html", body)
    }

    /// `judge` run on observations holding `page` as the step `accueil`,
    /// its document locked as the runner locks it.
    fn judged(page: Arc<Page>, judge: impl FnOnce(&Observations) -> Verdict) -> Verdict {
        let pages = BTreeMap::from([("accueil".to_owned(), page)]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, TargetFacts::default());
        judge(&observations)
    }

    fn css(source: &str) -> Css {
        Css::parse(source).expect("test selector")
    }

    fn zone(within: Option<&str>) -> Zone {
        Zone {
            step: "accueil".to_owned(),
            within: within.map(css),
        }
    }

    fn list(phrases: &[&str]) -> PhraseList {
        PhraseList {
            name: "liste".to_owned(),
            phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    const FOOTER: &str = r#"<html><body><main><a href="/aide">Aide</a></main>
        <footer><a href="/accueil">Accueil</a> <a href="/mentions">Mentions Légales</a></footer>
        </body></html>"#;

    #[test]
    fn link_found_by_folded_phrase_in_zone() {
        let verdict = judged(html(FOOTER), |o| {
            link(o, &zone(Some("footer")), &list(&["mentions legales"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .contains("un lien intitulé « mentions legales »"),
            "{verdict:?}"
        );
        assert!(
            verdict.actual.contains(
                "lien « Mentions Légales » vers « /mentions » dans « footer » de la page « accueil »"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_matches_title_when_text_is_vague() {
        // The phrase is matched against everything a reader may see or hear
        // about the link, its title included; the name stays its text.
        let body = r#"<html><body><a href="/rgpd" title="Données personnelles">En savoir plus</a></body></html>"#;
        let verdict = judged(html(body), |o| {
            link(o, &zone(None), &list(&["données personnelles"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("lien « En savoir plus » vers « /rgpd »"),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_outside_zone_does_not_count() {
        let verdict = judged(html(FOOTER), |o| {
            link(o, &zone(Some("footer")), &list(&["aide"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains(
                "aucun dans « footer » de la page « accueil » ; liens présents : « Accueil », « Mentions Légales »"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_phrase_matches_whole_words_only() {
        // "aide" must not be found in "Laideur", nor any link in a zone
        // without one.
        let body = r#"<html><body><a href="/x">Laideur</a></body></html>"#;
        let verdict = judged(html(body), |o| link(o, &zone(None), &list(&["aide"])));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        let verdict = judged(html("<html><body><p>Rien</p></body></html>"), |o| {
            link(o, &zone(None), &list(&["aide"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(verdict.actual.ends_with("; aucun lien"), "{verdict:?}");
    }

    #[test]
    fn link_zone_missing_fails_or_errors_with_scripts() {
        let verdict = judged(html("<html><body><p>Texte</p></body></html>"), |o| {
            link(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("aucun élément « footer » dans https://ent.test/accueil"),
            "{verdict:?}"
        );
        // The footer may be built by the script: entconf cannot tell.
        let shell =
            r#"<html><body><div id="app"></div><script src="/app.js"></script></body></html>"#;
        let verdict = judged(html(shell), |o| {
            link(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("<div id=\"app\">"), "{verdict:?}");
        // A footer whose only content is a custom element is filled by the
        // script that defines it: no link in it yet is not a finding.
        let custom = r#"<html><body><p>Accueil</p><footer><ent-footer></ent-footer></footer>
            <script type="module" src="/footer.js"></script></body></html>"#;
        let verdict = judged(html(custom), |o| {
            link(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("<ent-footer>"), "{verdict:?}");
        // A served page that only loads a menu script has no excuse.
        let served = r#"<html><body><main><p>Accueil</p></main><footer><a href="/c">Contact</a></footer>
            <script src="/menu.js" defer></script></body></html>"#;
        let verdict = judged(html(served), |o| {
            link(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("jugée telle que servie"),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_on_non_html_or_unknown_step_is_an_error() {
        let verdict = judged(page("application/pdf", "%PDF-1.7"), |o| {
            link(o, &zone(None), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("n'est pas du HTML (application/pdf)"),
            "{verdict:?}"
        );
        let other = Zone {
            step: "ailleurs".to_owned(),
            within: None,
        };
        let verdict = judged(html(FOOTER), |o| link(o, &other, &list(&["mentions"])));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("l'étape « ailleurs » n'a rien observé"),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_names_pass_when_every_link_is_explicit() {
        // A name that only contains a vague phrasing is explicit enough:
        // only a name equal to it is refused.
        let body = r#"<html><body><a href="/a">Mentions légales</a>
            <a href="/b">Cliquez ici pour lire la charte</a>
            <a href="/c"><img src="/logo.png" alt="Accueil de l'ENT"></a></body></html>"#;
        let verdict = judged(html(body), |o| {
            link_names(o, &zone(None), &list(&["cliquez ici", "en savoir plus"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .contains("ni vides ni « cliquez ici », « en savoir plus »"),
            "{verdict:?}"
        );
        assert!(
            verdict
                .actual
                .contains("3 lien(s) explicites dans la page « accueil »"),
            "{verdict:?}"
        );
    }

    #[test]
    fn link_names_fail_on_empty_and_vague_names() {
        let body = r#"<html><body><footer><a href="/ok">Plan du site</a>
            <a href="/vide"><img src="/icone.png"></a>
            <a href="/vague">Cliquez ICI</a></footer></body></html>"#;
        let verdict = judged(html(body), |o| {
            link_names(o, &zone(Some("footer")), &list(&["cliquez ici"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("dans « footer » de la page « accueil » : "),
            "{verdict:?}"
        );
        assert!(
            verdict.actual.contains(
                "lien sans intitulé vers « /vide » ; lien intitulé « Cliquez ICI » vers « /vague »"
            ),
            "{verdict:?}"
        );
        assert!(!verdict.actual.contains("/ok"), "{verdict:?}");
    }

    #[test]
    fn link_names_zone_missing_fails() {
        let verdict = judged(html("<html><body><p>Texte</p></body></html>"), |o| {
            link_names(o, &zone(Some("nav")), &list(&["ici"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("aucun élément « nav »"),
            "{verdict:?}"
        );
    }

    /// `capture_link` on `body`, as a capture of a fetch step calls it.
    fn captured(body: &str, within: Option<&str>, phrases: &[&str]) -> Result<Url, Verdict> {
        let page = html(body);
        let guard = page.document().expect("an HTML page has a document");
        let document = guard.get().expect("a small page parses");
        capture_link(&page, document, within.map(css).as_ref(), &list(phrases))
    }

    #[test]
    fn capture_link_gives_the_absolute_address() {
        let url = captured(FOOTER, Some("footer"), &["mentions légales"])
            .expect("the footer has the link");
        assert_eq!(url.as_str(), "https://ent.test/mentions");
    }

    #[test]
    fn capture_link_fails_without_a_match() {
        let verdict =
            captured(FOOTER, Some("footer"), &["aide"]).expect_err("no such link in the footer");
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("aucun dans « footer » de https://ent.test/accueil ; liens présents"),
            "{verdict:?}"
        );
        let verdict = captured(FOOTER, None, &["contact"]).expect_err("no contact link");
        assert!(
            verdict
                .actual
                .contains("aucun dans la page de https://ent.test/accueil"),
            "{verdict:?}"
        );
    }

    #[test]
    fn capture_link_fails_on_unusable_href() {
        let body = r##"<html><body><a href="#">Mentions légales</a></body></html>"##;
        let verdict = captured(body, None, &["mentions legales"]).expect_err("no address");
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("le lien « Mentions légales » de https://ent.test/accueil n'a pas d'adresse utilisable (href=\"#\")"),
            "{verdict:?}"
        );
    }

    #[test]
    fn capture_link_zone_missing_fails() {
        let verdict = captured(FOOTER, Some("aside"), &["mentions"]).expect_err("no aside");
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("aucun élément « aside »"),
            "{verdict:?}"
        );
    }
}
