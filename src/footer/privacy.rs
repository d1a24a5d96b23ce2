//! Assertions about what a page deposits or loads before any user action:
//! cookies by name and resources by host (trackers before consent).

use crate::check::observation::Observations;
use crate::check::outcome::Verdict;
use crate::check::wording::quote_list;
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
    // Rendered by the browser, the jar holds what scripts set too (a
    // tracker's cookies are set by its script, never by the candidate's
    // server); read as served, only the Set-Cookie headers are known.
    let set: Vec<(String, Vec<String>)> = match &page.rendering {
        Some(rendering) => rendering
            .cookies
            .iter()
            .map(|c| {
                let mut attributes = vec![format!("Domain={}", c.domain)];
                attributes.extend(c.attributes.iter().cloned());
                (c.name.clone(), attributes)
            })
            .collect(),
        None => page
            .set_cookies
            .iter()
            .map(|c| (c.name.clone(), c.attributes.clone()))
            .collect(),
    };
    let forbidden: Vec<String> = set
        .iter()
        .filter(|(name, _)| forbid.phrases.iter().any(|p| name.starts_with(p.as_str())))
        .map(|(name, attributes)| describe(name, attributes))
        .collect();
    if forbidden.is_empty() {
        let all: Vec<String> = set.iter().map(|(name, _)| name.clone()).collect();
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
    let (page, document) = match observations.document(step, &expected) {
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
        if names_host(&inline, &host.to_ascii_lowercase()) {
            found.push(format!("script en ligne qui charge {host}"));
        }
    }
    let Some(rendering) = &page.rendering else {
        return if found.is_empty() {
            Verdict::pass(expected, "aucune")
        } else {
            Verdict::fail(expected, found.join(" ; "))
        };
    };
    // The browser's request log is the fact: every host the page
    // contacted before any action, whoever asked (parser or script), even
    // when the request failed.
    let contacted: Vec<String> = rendering
        .requests
        .iter()
        .filter(|r| forbidden_host(&r.host))
        .map(|r| format!("requête {}", r.describe()))
        .collect();
    let third = rendering.third_party_hosts();
    if contacted.is_empty() && found.is_empty() {
        let actual = if third.is_empty() {
            format!(
                "aucune (page rendue {} : aucun tiers contacté)",
                rendering.id
            )
        } else {
            format!(
                "aucune (page rendue {} ; tiers contactés : {})",
                rendering.id,
                third.join(", ")
            )
        };
        return Verdict::pass(expected, actual);
    }
    // A request the log shows says it all; the markup's own hints are
    // only repeated when the log has none.
    let evidence = if contacted.is_empty() {
        found
    } else {
        contacted
    };
    Verdict::fail(
        expected,
        format!(
            "contactés avant toute action (page rendue {}) : {}",
            rendering.id,
            evidence.join(" ; ")
        ),
    )
}

/// Whether `script` names `host` or one of its subdomains: the host's
/// name not preceded by a character of a longer host name
/// or followed by one (`notgoogle-analytics.com` is not
/// `google-analytics.com`; a dot before it makes a subdomain, which counts).
fn names_host(script: &str, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    script.match_indices(host).any(|(at, _)| {
        let before = script[..at].chars().next_back();
        let after = script[at + host.len()..].chars().next();
        let host_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
        !before.is_some_and(host_char) && !after.is_some_and(host_char)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::check::observation::{Documents, TargetFacts};
    use crate::check::outcome::AssertionStatus;
    use crate::probe::{Page, PageBody, SetCookie};

    /// The page of the step `accueil`: `body` served as `media_type`,
    /// having set `cookies` (name, attributes).
    fn page(media_type: &str, body: &str, cookies: &[(&str, &[&str])]) -> Page {
        let url = reqwest::Url::parse("https://ent.test/accueil").expect("test URL");
        Page {
            requested: url.clone(),
            final_url: url,
            status: 200,
            hops: Vec::new(),
            media_type: Some(media_type.to_owned()),
            body: PageBody::Text(body.into()),
            set_cookies: cookies
                .iter()
                .map(|(name, attributes)| SetCookie {
                    host: "ent.test".to_owned(),
                    name: (*name).to_owned(),
                    fingerprint: "0000".to_owned(),
                    attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
                    exchange: "e1".to_owned(),
                })
                .collect(),
            parsed: Default::default(),
            retry_after: None,
            rendering: None,
        }
    }

    fn judged(page: Page, judge: impl FnOnce(&Observations) -> Verdict) -> Verdict {
        let pages = BTreeMap::from([("accueil".to_owned(), Arc::new(page))]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, TargetFacts::default());
        judge(&observations)
    }

    fn list(phrases: &[&str]) -> PhraseList {
        PhraseList {
            name: "traceurs".to_owned(),
            phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    const HTML: &str = "<html><body><p>Accueil</p></body></html>";

    #[test]
    fn cookies_pass_without_forbidden_prefix() {
        let verdict = judged(page("text/html", HTML, &[]), |o| {
            cookies(o, "accueil", &list(&["_ga", "_pk_"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "aucun cookie dont le nom commence par « _ga », « _pk_ »"
        );
        assert_eq!(verdict.actual, "aucun cookie déposé");

        // A prefix is a prefix: "ga" inside a name is not "_ga" at its start.
        let set: &[(&str, &[&str])] = &[("JSESSIONID", &["HttpOnly"]), ("x_ga", &[])];
        let verdict = judged(page("text/html", HTML, set), |o| {
            cookies(o, "accueil", &list(&["_ga"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.actual, "cookies déposés : JSESSIONID, x_ga");
    }

    #[test]
    fn cookies_fail_on_forbidden_prefix_with_attributes() {
        let set: &[(&str, &[&str])] = &[
            ("session", &[]),
            ("_ga", &["Path=/", "Max-Age=63072000"]),
            ("_pk_id.1", &[]),
        ];
        // Cookies are judged whatever the page's type.
        let verdict = judged(page("application/json", "{}", set), |o| {
            cookies(o, "accueil", &list(&["_ga", "_pk_"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "déposés sans action de l'utilisateur : _ga (Path=/; Max-Age=63072000), _pk_id.1"
        );
    }

    #[test]
    fn cookies_of_unknown_step_is_an_error() {
        let verdict = judged(page("text/html", HTML, &[]), |o| {
            cookies(o, "ailleurs", &list(&["_ga"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("n'a rien observé"), "{verdict:?}");
    }

    #[test]
    fn third_party_passes_for_own_and_lookalike_hosts() {
        // A host merely ending with the same letters is another site.
        let body = r#"<html><head><script src="/app.js"></script>
            <script src="https://notgoogle-analytics.com/x.js"></script>
            <link rel="canonical" href="https://www.google-analytics.com/"></head>
            <body><img src="https://ent.test/logo.png"></body></html>"#;
        let verdict = judged(page("text/html", body, &[]), |o| {
            third_party(o, "accueil", &list(&["google-analytics.com"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "aucune ressource chargée depuis « google-analytics.com »"
        );
        assert_eq!(verdict.actual, "aucune");
    }

    #[test]
    fn third_party_fails_on_forbidden_host_or_subdomain() {
        let body = r#"<html><head>
            <script src="https://www.Google-Analytics.com/analytics.js"></script>
            <link rel="preconnect" href="https://stats.example.org"></head>
            <body><iframe src="https://doubleclick.net/ad"></iframe></body></html>"#;
        let verdict = judged(page("text/html", body, &[]), |o| {
            third_party(
                o,
                "accueil",
                &list(&["GOOGLE-ANALYTICS.COM", "doubleclick.net", "example.org"]),
            )
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "<script> https://www.google-analytics.com/analytics.js ; \
             <iframe> https://doubleclick.net/ad ; <link> https://stats.example.org/"
        );
    }

    #[test]
    fn third_party_fails_on_inline_script_naming_a_host() {
        let body = r"<html><body><script>
            (function(){ var s = document.createElement('script');
            s.src = 'https://www.googletagmanager.com/gtm.js'; })();
            </script></body></html>";
        let verdict = judged(page("text/html", body, &[]), |o| {
            third_party(o, "accueil", &list(&["googletagmanager.com"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "script en ligne qui charge googletagmanager.com"
        );
    }

    #[test]
    fn third_party_on_non_html_is_an_error() {
        let verdict = judged(page("application/pdf", "%PDF", &[]), |o| {
            third_party(o, "accueil", &list(&["doubleclick.net"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("n'est pas du HTML (application/pdf)"),
            "{verdict:?}"
        );
    }

    #[test]
    fn an_inline_script_names_a_host_only_as_a_whole_name() {
        assert!(names_host(
            "s.src='https://www.google-analytics.com/a.js'",
            "google-analytics.com"
        ));
        assert!(names_host(
            "load(\"google-analytics.com\")",
            "google-analytics.com"
        ));
        assert!(!names_host(
            "s.src='https://notgoogle-analytics.com/a.js'",
            "google-analytics.com"
        ));
        assert!(!names_host(
            "google-analytics.community",
            "google-analytics.com"
        ));
        assert!(!names_host("anything", ""));
    }

    #[test]
    fn in_the_browser_a_tracker_loaded_by_script_and_its_cookie_fail() {
        use crate::browser::sample::{rendering, request};
        use crate::browser::{BrowserCookie, Party, Settled};
        let mut rendered = rendering(
            Settled::Quiet { after_ms: 800 },
            vec![
                request("https://ent.test/mesure.js", "Script", Some(200), None),
                request(
                    "https://www.googletagmanager.com/gtag/js?id=G-1",
                    "Script",
                    None,
                    Some("net::ERR_NAME_NOT_RESOLVED"),
                ),
                request("https://cdn.example/police.woff2", "Font", Some(200), None),
            ],
        );
        rendered.cookies.push(BrowserCookie {
            name: "_ga".to_owned(),
            domain: "ent.test".to_owned(),
            fingerprint: "0123".to_owned(),
            attributes: vec!["Path=/".to_owned()],
            party: Party::First,
        });
        // The served HTML names no tracker: only the browser saw it.
        let mut served = page("text/html", HTML, &[]);
        served.rendering = Some(Arc::new(rendered));
        let verdict = judged(served.clone(), |o| {
            third_party(o, "accueil", &list(&["googletagmanager.com"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "contactés avant toute action (page rendue r0001) : requête Script \
             https://www.googletagmanager.com/gtag/js?id=G-1 (net::ERR_NAME_NOT_RESOLVED, \
             demandée par script https://ent.test/app.js:3)"
        );
        let verdict = judged(served.clone(), |o| cookies(o, "accueil", &list(&["_ga"])));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "déposés sans action de l'utilisateur : _ga (Domain=ent.test; Path=/)"
        );
        // Third parties that are not trackers are named, and pass.
        let verdict = judged(served, |o| {
            third_party(o, "accueil", &list(&["hotjar.com"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune (page rendue r0001 ; tiers contactés : www.googletagmanager.com, cdn.example)"
        );
    }
}
