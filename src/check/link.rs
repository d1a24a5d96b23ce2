//! Assertions and captures about links: a link announced by one of a list of
//! phrasings, and links whose names say where they go.

use reqwest::Url;

use super::observation::{Observations, absent};
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
    let within = zone.within.as_ref().map(|css| &css.selector);
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
        None => Verdict::fail(
            expected,
            format!("aucun dans {} ; {}", zone_name(zone), names(&links)),
        ),
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
    let selector = within.map(|css| &css.selector);
    if document.zone(selector).is_empty() {
        return Err(absent(&zone, page, document, &expected));
    }
    let links = document.links(selector);
    let Some(found) = matching(&links, list) else {
        let place = within.map_or_else(|| "la page".to_owned(), |css| quote(&css.source));
        return Err(Verdict::fail(
            expected,
            format!(
                "aucun dans {place} de {} ; {}",
                page.final_url,
                names(&links)
            ),
        ));
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
