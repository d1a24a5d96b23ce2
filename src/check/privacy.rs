//! Assertions about what a page deposits or loads before any user action:
//! cookies by name and resources by host (trackers before consent).

use super::observation::Observations;
use super::outcome::Verdict;
use super::wording::quote_list;
use crate::suite::PhraseList;

/// `cookies`: no cookie set by the fetch has a name starting with a
/// forbidden prefix.
pub(crate) fn cookies(observations: &Observations, step: &str, forbid: &PhraseList) -> Verdict {
    let expected = format!(
        "aucun cookie dont le nom commence par {}",
        quote_list(&forbid.phrases, 8)
    );
    let page = match observations.page(step) {
        Ok(page) => page,
        Err(verdict) => return verdict,
    };
    let describe = |name: &str, attributes: &[String]| {
        if attributes.is_empty() {
            name.to_owned()
        } else {
            format!("{name} ({})", attributes.join("; "))
        }
    };
    let forbidden: Vec<String> = page
        .set_cookies
        .iter()
        .filter(|c| {
            forbid
                .phrases
                .iter()
                .any(|p| c.name.starts_with(p.as_str()))
        })
        .map(|c| describe(&c.name, &c.attributes))
        .collect();
    if forbidden.is_empty() {
        let all: Vec<String> = page.set_cookies.iter().map(|c| c.name.clone()).collect();
        let actual = if all.is_empty() {
            "aucun cookie déposé".to_owned()
        } else {
            format!("cookies déposés : {}", all.join(", "))
        };
        Verdict::pass(expected, actual)
    } else {
        Verdict::fail(
            expected,
            format!(
                "déposés sans action de l'utilisateur : {}",
                forbidden.join(", ")
            ),
        )
    }
}

/// `third_party`: no resource is loaded from a forbidden host (or a
/// subdomain), and no inline script names one.
pub(crate) fn third_party(observations: &Observations, step: &str, forbid: &PhraseList) -> Verdict {
    let expected = format!(
        "aucune ressource chargée depuis {}",
        quote_list(&forbid.phrases, 8)
    );
    let (_, document) = match observations.document(step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    let forbidden_host = |host: &str| {
        forbid.phrases.iter().any(|f| {
            let f = f.to_ascii_lowercase();
            host == f || host.ends_with(&format!(".{f}"))
        })
    };
    let mut found: Vec<String> = document
        .resources()
        .into_iter()
        .filter(|r| {
            r.url
                .host_str()
                .is_some_and(|h| forbidden_host(&h.to_ascii_lowercase()))
        })
        .map(|r| format!("<{}> {}", r.element, r.url))
        .collect();
    let inline = document.inline_scripts().to_ascii_lowercase();
    for host in forbid.phrases.iter() {
        if inline.contains(&host.to_ascii_lowercase()) {
            found.push(format!("script en ligne qui charge {host}"));
        }
    }
    if found.is_empty() {
        Verdict::pass(expected, "aucune")
    } else {
        Verdict::fail(expected, found.join(" ; "))
    }
}
