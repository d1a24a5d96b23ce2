//! Assertions about what a page deposits or loads before any user action:
//! cookies by name and resources by host (trackers before consent), and the
//! third parties contacted compared with those the notice names.

use crate::browser::Party;
use crate::check::observation::Observations;
use crate::check::outcome::Verdict;
use crate::check::wording::{list, quote_list};
use crate::suite::{PhraseList, Zone};
use crate::text;

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
    let forbidden_host = |host: &str| listed_host(host, forbid);
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

/// Whether `host` is one of the hosts of `list` or a subdomain of one.
fn listed_host(host: &str, list: &PhraseList) -> bool {
    list.phrases.iter().any(|listed| {
        let listed = listed.to_ascii_lowercase();
        host == listed
            || host
                .strip_suffix(listed.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// `declared_third_parties`: every third party the page contacted before
/// any action is named in the notice (RGPD art. 13(1)(e) recipients, CNIL
/// délibération 2020-091 on the information owed even for exempted
/// trackers). Hosts of `except` are left to the tracker assertion, which
/// already fails them: naming a tracker does not make it lawful.
///
/// Rendered, the third parties are the request log's and the jar's; read
/// as served, those of the markup's resources outside the candidate's
/// origins. The notice is read only when there is something to find in it,
/// so a page that contacts no one passes even when the notice link is
/// missing (FOOTER-01 judges that).
pub(crate) fn declared_third_parties(
    observations: &Observations,
    step: &str,
    notice: &Zone,
    except: Option<&PhraseList>,
) -> Verdict {
    let expected = "chaque tiers contacté avant toute action nommé dans la notice : son domaine \
                    (googletagmanager.com) ou son nom en toutes lettres (« Google Tag Manager »)";
    let (page, document) = match observations.document(step, expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    // Each third-party host once, with the first evidence of the contact.
    let mut contacted: Vec<(String, String)> = Vec::new();
    let mut add = |host: &str, evidence: String| {
        let host = host.trim_start_matches('.').to_ascii_lowercase();
        let judged_elsewhere = except.is_some_and(|list| listed_host(&host, list));
        if !host.is_empty() && !judged_elsewhere && !contacted.iter().any(|(h, _)| *h == host) {
            contacted.push((host, evidence));
        }
    };
    let seen = match &page.rendering {
        Some(rendering) => {
            for request in rendering
                .requests
                .iter()
                .filter(|r| r.party == Party::Third)
            {
                add(&request.host, format!("requête {}", request.describe()));
            }
            for cookie in rendering.cookies.iter().filter(|c| c.party == Party::Third) {
                add(
                    &cookie.domain,
                    format!("cookie {} (Domain={})", cookie.name, cookie.domain),
                );
            }
            format!("page rendue {}", rendering.id)
        }
        None => {
            for resource in document.resources() {
                if let Some(host) = resource.url.host_str()
                    && !observations.target.owns(&resource.url)
                {
                    add(host, format!("<{}> {}", resource.element, resource.url));
                }
            }
            "page telle que servie, scripts non exécutés".to_owned()
        }
    };
    if contacted.is_empty() {
        return Verdict::pass(expected, format!("aucun tiers contacté ({seen})"));
    }
    let hosts: Vec<String> = contacted.iter().map(|(host, _)| host.clone()).collect();
    if let Some(unread) = observations.unread(&notice.step) {
        return Verdict {
            status: unread.status,
            expected: expected.to_owned(),
            actual: format!(
                "tiers contactés ({seen}) : {} ; notice non lue : {}",
                list(&hosts, 10, ", "),
                unread.why
            ),
            tolerated: None,
        };
    }
    let notice_text = match observations.zone_text(notice, expected) {
        Ok(found) => text::fold(&found),
        Err(verdict) => return verdict,
    };
    let words: Vec<&str> = notice_text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut named = Vec::new();
    let mut unnamed = Vec::new();
    for (host, evidence) in &contacted {
        match named_in(&notice_text, &words, host) {
            Some(how) => named.push(format!("{host} (« {how} »)")),
            None => unnamed.push(format!("{host} — {evidence}")),
        }
    }
    if unnamed.is_empty() {
        return Verdict::pass(
            expected,
            format!(
                "tous nommés dans la notice ({seen}) : {}",
                list(&named, 10, ", ")
            ),
        );
    }
    let also = if named.is_empty() {
        String::new()
    } else {
        format!(" ; nommés : {}", list(&named, 10, ", "))
    };
    Verdict::fail(
        expected,
        format!(
            "contactés avant toute action mais absents de la notice ({seen}) : {}{also}",
            list(&unnamed, 10, " ; ")
        ),
    )
}

/// Public suffixes of two labels under a country code, where the name is
/// the third label from the right (`example.co.uk`, `ac-versailles.fr` is
/// not one of them). A heuristic, not the Public Suffix List: it only
/// decides which label to look for in a notice, never who is a third party.
const SECOND_LEVEL: [&str; 9] = [
    "ac", "asso", "co", "com", "edu", "gouv", "gov", "net", "org",
];

/// How the folded `notice` names `host`, if it does: the host itself, its
/// registrable domain, or that domain's name written as one to four words
/// (`google-analytics.com` as « Google Analytics »,
/// `googletagmanager.com` as « Google Tag Manager »).
fn named_in(notice: &str, words: &[&str], host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return names_host(notice, host).then(|| host.to_owned());
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let suffix = if n >= 3 && labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]) {
        2
    } else {
        1
    };
    let registrable = labels[n.saturating_sub(suffix + 1)..].join(".");
    for candidate in [host, registrable.as_str()] {
        if names_host(notice, candidate) {
            return Some(candidate.to_owned());
        }
    }
    if n <= suffix {
        return None;
    }
    let name: String = labels[n - suffix - 1]
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    // Short names ("t", "ab") would be found by chance.
    if name.len() < 3 {
        return None;
    }
    (0..words.len()).find_map(|start| {
        let mut joined = String::new();
        for (count, word) in words[start..].iter().take(4).enumerate() {
            joined.push_str(word);
            if joined == name {
                return Some(words[start..=start + count].join(" "));
            }
            if !name.starts_with(&joined) {
                return None;
            }
        }
        None
    })
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
            headers: Vec::new(),
            rendering: None,
        }
    }

    fn judged(page: Page, judge: impl FnOnce(&Observations) -> Verdict) -> Verdict {
        judged_with_notice(page, None, &[], judge)
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

    /// `judge` run with the page `accueil` and, unless `None`, the notice
    /// page `notice` whose `<main>` says `notice`; the candidate owns
    /// https://ent.test; `unread` marks steps left unread.
    fn judged_with_notice(
        accueil: Page,
        notice: Option<&str>,
        unread: &[(&str, AssertionStatus, &str)],
        judge: impl FnOnce(&Observations) -> Verdict,
    ) -> Verdict {
        use crate::check::Unread;
        let mut pages = BTreeMap::from([("accueil".to_owned(), Arc::new(accueil))]);
        if let Some(text) = notice {
            let body = format!("<html><body><main><h1>Notice</h1>{text}</main></body></html>");
            pages.insert("notice".to_owned(), Arc::new(page("text/html", &body, &[])));
        }
        let documents = Documents::lock(pages.values());
        let facts = TargetFacts {
            own_origins: vec![
                reqwest::Url::parse("https://ent.test/")
                    .expect("URL")
                    .origin(),
            ],
            ..TargetFacts::default()
        };
        let unread = unread
            .iter()
            .map(|(step, status, why)| {
                let unread = Unread {
                    status: *status,
                    why: (*why).to_owned(),
                };
                ((*step).to_owned(), unread)
            })
            .collect();
        let observations = Observations::new(&pages, &documents, facts).with_unread(unread);
        judge(&observations)
    }

    fn notice_zone() -> Zone {
        Zone {
            step: "notice".to_owned(),
            within: Some(crate::suite::Css::parse("main").expect("test selector")),
        }
    }

    const WITH_FONT_AND_TAG: &str = r#"<html><head>
        <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Andika">
        <script src="https://www.googletagmanager.com/gtag/js"></script>
        <script src="/app.js"></script><script src="https://ent.test/menu.js"></script>
        </head><body><p>Accueil</p></body></html>"#;

    #[test]
    fn declared_third_parties_fail_on_a_host_the_notice_does_not_name() {
        let notice = "<p>Destinataires : la commune, son hébergeur OVH, le GAR.</p>";
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            Some(notice),
            &[],
            |o| declared_third_parties(o, "accueil", &notice_zone(), None),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "contactés avant toute action mais absents de la notice (page telle que servie, \
             scripts non exécutés) : www.googletagmanager.com — <script> \
             https://www.googletagmanager.com/gtag/js ; fonts.googleapis.com — <link> \
             https://fonts.googleapis.com/css2?family=Andika"
        );
    }

    #[test]
    fn declared_third_parties_accept_the_domain_or_the_name_in_words() {
        // The domain written out, and a name written as words.
        let notice = "<p>Polices servies par fonts.googleapis.com (Google). \
                      Mesure : Google Tag Manager.</p>";
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            Some(notice),
            &[],
            |o| declared_third_parties(o, "accueil", &notice_zone(), None),
        );
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "tous nommés dans la notice (page telle que servie, scripts non exécutés) : \
             www.googletagmanager.com (« google tag manager »), \
             fonts.googleapis.com (« fonts.googleapis.com »)"
        );
        // "Google Fonts" names neither the domain nor its name: the message
        // says what would.
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            Some("<p>Polices Google Fonts. Google Tag Manager.</p>"),
            &[],
            |o| declared_third_parties(o, "accueil", &notice_zone(), None),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("fonts.googleapis.com — <link>"),
            "{verdict:?}"
        );
        assert!(verdict.expected.contains("son domaine"), "{verdict:?}");
    }

    #[test]
    fn declared_third_parties_leave_trackers_to_the_tracker_assertion() {
        let notice = "<p>Polices servies par googleapis.com.</p>";
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            Some(notice),
            &[],
            |o| {
                declared_third_parties(
                    o,
                    "accueil",
                    &notice_zone(),
                    Some(&list(&["googletagmanager.com"])),
                )
            },
        );
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict.actual.contains("(« googleapis.com »)"),
            "{verdict:?}"
        );
        assert!(!verdict.actual.contains("googletagmanager"), "{verdict:?}");
    }

    #[test]
    fn declared_third_parties_read_the_notice_only_when_someone_was_contacted() {
        // Own origin only: nothing to declare, the notice is not needed,
        // even when its link was missing.
        let own = r#"<html><head><script src="https://ent.test/app.js"></script></head>
            <body><img src="/logo.png"></body></html>"#;
        let unread = [(
            "notice",
            AssertionStatus::NotApplicable,
            "lien « notice » introuvable : voir FOOTER-01",
        )];
        let verdict = judged_with_notice(page("text/html", own, &[]), None, &unread, |o| {
            declared_third_parties(o, "accueil", &notice_zone(), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun tiers contacté (page telle que servie, scripts non exécutés)"
        );
        // Someone contacted and the notice unreached: n/a, naming the cause.
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            None,
            &unread,
            |o| declared_third_parties(o, "accueil", &notice_zone(), None),
        );
        assert_eq!(
            verdict.status,
            AssertionStatus::NotApplicable,
            "{verdict:?}"
        );
        assert!(verdict.actual.ends_with("voir FOOTER-01"), "{verdict:?}");
        // The notice failed to load: error, with the reason.
        let unread = [("notice", AssertionStatus::Error, "trop de redirections")];
        let verdict = judged_with_notice(
            page("text/html", WITH_FONT_AND_TAG, &[]),
            None,
            &unread,
            |o| declared_third_parties(o, "accueil", &notice_zone(), None),
        );
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .ends_with("notice non lue : trop de redirections"),
            "{verdict:?}"
        );
    }

    #[test]
    fn declared_third_parties_in_the_browser_read_the_log_and_the_jar() {
        use crate::browser::sample::{rendering, request};
        use crate::browser::{BrowserCookie, Party, Settled};
        let mut rendered = rendering(
            Settled::Quiet { after_ms: 800 },
            vec![
                request("https://ent.test/app.js", "Script", Some(200), None),
                request(
                    "https://cdn.jsdelivr.net/npm/x.js",
                    "Script",
                    Some(200),
                    None,
                ),
            ],
        );
        rendered.cookies.push(BrowserCookie {
            name: "visitor".to_owned(),
            domain: ".hcaptcha.com".to_owned(),
            fingerprint: "0123".to_owned(),
            attributes: Vec::new(),
            party: Party::Third,
        });
        // Served, the page names no one; rendered, two third parties.
        let mut served = page("text/html", HTML, &[]);
        served.rendering = Some(Arc::new(rendered));
        let notice = "<p>Bibliothèques servies par jsDelivr.</p>";
        let verdict = judged_with_notice(served, Some(notice), &[], |o| {
            declared_third_parties(o, "accueil", &notice_zone(), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "contactés avant toute action mais absents de la notice (page rendue r0001) : \
             hcaptcha.com — cookie visitor (Domain=.hcaptcha.com) ; nommés : \
             cdn.jsdelivr.net (« jsdelivr »)"
        );
    }

    #[test]
    fn a_host_is_named_by_its_registrable_name_only() {
        let named = |notice: &str, host: &str| {
            let folded = crate::text::fold(notice);
            let words: Vec<&str> = folded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            named_in(&folded, &words, host)
        };
        // Under a two-label public suffix, the name is the third label.
        assert_eq!(
            named("Hébergé par Example Ltd", "cdn.example.co.uk").as_deref(),
            Some("example")
        );
        // Words are whole: "Google" alone is not google-analytics.
        assert_eq!(named("Polices Google", "www.google-analytics.com"), None);
        assert_eq!(
            named("Mesure Google Analytics", "www.google-analytics.com").as_deref(),
            Some("google analytics")
        );
        // A name inside a longer word is not the name.
        assert_eq!(named("les matomotages", "cdn.matomo.cloud"), None);
        // Names shorter than three letters are only matched as domains.
        assert_eq!(named("la t co", "t.co"), None);
        assert_eq!(
            named("liens raccourcis t.co", "t.co").as_deref(),
            Some("t.co")
        );
        assert_eq!(
            named("serveur 192.0.2.7", "192.0.2.7").as_deref(),
            Some("192.0.2.7")
        );
    }
}
