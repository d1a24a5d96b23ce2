//! The SEC domain: the security baseline a reviewer checks first, as far as
//! a black box can prove it. What belongs here: the judges of the SEC
//! suite's own assertions, pure functions over the pages the core's `fetch`
//! steps recorded, given the run's time.
//!
//! - `security_txt` reads `/.well-known/security.txt` as RFC 9116 defines
//!   it (fields, `Contact`, one `Expires` in the future).
//! - `discreet_error` reads an error page, body and headers, for what a
//!   visitor must not learn from it: a stack trace, a server or framework
//!   version, an internal host name or address.
//! - `tls` (SEC-01) records the candidate's HTTPS once per run
//!   (`tls_probe.rs`) and judges it (`tls.rs`): plain HTTP sent to HTTPS,
//!   HSTS, protocol versions, TLS 1.2 suites, certificate.
//! - `access` (SEC-07) records what people of one class read of others'
//!   seeded objects (`access_probe.rs`) and judges it (`access.rs`):
//!   another school's, another class's, with their own as the control.
//! - `local_login` (SEC-06) records the ENT's own login form answering
//!   the test account's password, then wrong ones (`login_probe.rs`), and
//!   judges whether they meet resistance (`login.rs`).

mod access;
mod access_probe;
mod headers;
mod login;
mod login_probe;
mod tls;
mod tls_probe;

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use regex::Regex;

use crate::check::{Observations, Verdict};
use crate::probe::Page;

pub(crate) use access::judge_access;
pub use access::{AccessObservation, AccessRule, Answer, Read, Reader, Relation};
pub(crate) use access_probe::observe as observe_access;
pub(crate) use headers::security_header;
pub(crate) use login::judge_local_login;
pub use login::{ATTEMPTS, Answered, LocalLoginRule, MAX_WRONG, ThrottlingObservation};
pub(crate) use login_probe::observe as observe_login;
pub use tls::TlsRule;
pub(crate) use tls::judge_tls;
pub(crate) use tls_probe::observe as observe_tls;

/// How much of a line is quoted in a message.
const QUOTE: usize = 120;

/// `security_txt`: the step's answer is a `security.txt` (RFC 9116) with at
/// least one `Contact` URI and exactly one `Expires` after `now`.
pub(crate) fn security_txt(observations: &Observations, step: &str) -> Verdict {
    let expected = "un fichier security.txt (RFC 9116) en texte brut, avec au moins un \
                    Contact (URI mailto:, https: ou tel:) et un seul Expires, daté dans le futur"
        .to_owned();
    let page = match observations.page(step) {
        Ok(page) => page,
        Err(verdict) => return verdict,
    };
    if page.status != 200 {
        return Verdict::fail(
            expected,
            format!(
                "{} répond {} : aucun moyen publié de signaler une vulnérabilité",
                page.final_url, page.status
            ),
        );
    }
    // RFC 9116 §3: text/plain. A single-page application that answers
    // every path with its HTML shell publishes no security.txt at all.
    if page.media_type.as_deref() != Some("text/plain") {
        return Verdict::fail(
            expected,
            format!(
                "{} répond 200 en {} au lieu de text/plain : ce n'est pas un security.txt \
                 (une application qui sert sa page d'accueil pour toute adresse ?)",
                page.final_url,
                page.media_type_label()
            ),
        );
    }
    let Some(text) = page.text() else {
        return Verdict::error(expected, format!("{} : corps illisible", page.final_url));
    };
    let file = SecurityTxt::read(text);
    let mut problems = Vec::new();
    if file.contacts.is_empty() {
        problems.push("aucun champ Contact (obligatoire, RFC 9116 § 2.5.3)".to_owned());
    }
    for (line, contact) in &file.contacts {
        if !["mailto:", "https://", "tel:"]
            .iter()
            .any(|scheme| contact.to_ascii_lowercase().starts_with(scheme))
        {
            problems.push(format!(
                "ligne {line} : Contact « {} » n'est pas une URI mailto:, https:// ou tel: \
                 (RFC 9116 § 2.5.3)",
                quoted(contact)
            ));
        }
    }
    let now = observations.target.now;
    let mut expiry = String::new();
    match file.expires.as_slice() {
        [] => problems.push("aucun champ Expires (obligatoire, RFC 9116 § 2.5.5)".to_owned()),
        [(line, value)] => match DateTime::parse_from_rfc3339(value.trim()) {
            Err(_) => problems.push(format!(
                "ligne {line} : Expires « {} » n'est pas une date RFC 3339 \
                 (ex. 2027-06-30T23:59:59Z)",
                quoted(value)
            )),
            Ok(date) if date.with_timezone(&Utc) <= now => problems.push(format!(
                "ligne {line} : expiré depuis le {} : le fichier ne doit plus être cru \
                 (RFC 9116 § 2.5.5)",
                date.format("%Y-%m-%d")
            )),
            Ok(date) => {
                expiry = format!(", valable jusqu'au {}", date.format("%Y-%m-%d"));
                // A should of §2.5.5: kept in the message, not a failure.
                if date.with_timezone(&Utc) > now + Duration::days(366) {
                    expiry.push_str(
                        " (plus d'un an : RFC 9116 § 2.5.5 recommande moins, pour que le \
                         fichier soit relu)",
                    );
                }
            }
        },
        several => problems.push(format!(
            "{} champs Expires (lignes {}) : un seul est permis (RFC 9116 § 2.5.5)",
            several.len(),
            several
                .iter()
                .map(|(line, _)| line.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    if problems.is_empty() {
        let contacts: Vec<&str> = file.contacts.iter().map(|(_, c)| c.as_str()).collect();
        Verdict::pass(
            expected,
            format!(
                "{} : Contact {}{expiry}",
                page.final_url,
                contacts.join(", ")
            ),
        )
    } else {
        Verdict::fail(
            expected,
            format!("{} : {}", page.final_url, problems.join(" ; ")),
        )
    }
}

/// The fields of a `security.txt` judged here, with their line numbers.
#[derive(Debug, Default)]
struct SecurityTxt {
    contacts: Vec<(usize, String)>,
    expires: Vec<(usize, String)>,
}

impl SecurityTxt {
    /// Reads `name: value` lines; comments (`#`) and the armour of an
    /// OpenPGP cleartext signature (RFC 9116 §2.3) are not fields. Field
    /// names are case-insensitive (§2.4).
    fn read(text: &str) -> Self {
        let mut file = Self::default();
        let mut in_signature = false;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.starts_with("-----BEGIN PGP SIGNATURE-----") {
                in_signature = true;
            }
            if in_signature || line.starts_with('#') || line.starts_with("-----") {
                if line.starts_with("-----END PGP SIGNATURE-----") {
                    in_signature = false;
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "contact" => file.contacts.push((index + 1, value)),
                "expires" => file.expires.push((index + 1, value)),
                _ => {}
            }
        }
        file
    }
}

/// What an error page must not show, each with what it is, for messages.
static DISCLOSURES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        (
            "pile d'appels Java",
            r"(?m)^\s*at [a-zA-Z_$][\w$]*(\.[\w$<>]+)+\([\w$]+\.java:\d+\)|Exception in thread|\bjava\.lang\.\w+(Exception|Error)\b",
        ),
        (
            "pile d'appels Python",
            r#"Traceback \(most recent call last\)|File "[^"]+", line \d+, in "#,
        ),
        (
            "erreur PHP",
            r"(?i)\b(fatal error|parse error|uncaught exception)\b.{0,200}? on line \d+|Stack trace:\s*#0",
        ),
        (
            "pile d'appels .NET",
            r"Server Error in '[^']*' Application|\bSystem\.[\w.]+Exception\b| in [^\n]+:line \d+",
        ),
        (
            "pile d'appels Node.js",
            r"(?m)^\s*at (async )?[^\n]*\((/|node:|file://)[^\n()]*:\d+:\d+\)",
        ),
        // A server's banner names it with a slash (`nginx/1.18.0`): a
        // page that mentions « licence Apache 2.0 » names no server.
        (
            "version de serveur ou de framework",
            r"(?i)\b(tomcat|nginx|apache|jetty|microsoft-iis|php|express|werkzeug|gunicorn|openresty|vert\.x|jboss|wildfly|glassfish)/\d+(\.\d+)+",
        ),
        (
            "nom d'hôte interne",
            r"(?i)\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(local|internal|lan|intra|corp|localdomain)\b",
        ),
    ]
    .into_iter()
    .map(|(what, pattern)| (what, Regex::new(pattern).expect("fixed pattern")))
    .collect()
});

/// A version in a `Server` or `X-Powered-By` header: a digit after a name.
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][\w.-]*[/ ]v?\d+(\.\d+)*").expect("fixed pattern"));

/// `discreet_error`: the step's answer (an error, most likely) shows no
/// stack trace, no server or framework version, no internal host.
pub(crate) fn discreet_error(observations: &Observations, step: &str) -> Verdict {
    let expected = "une page d'erreur sans pile d'appels, sans version de serveur ou de \
                    framework (corps, en-têtes Server et X-Powered-By) et sans nom ni adresse \
                    d'hôte interne"
        .to_owned();
    let page = match observations.page(step) {
        Ok(page) => page,
        Err(verdict) => return verdict,
    };
    let found = disclosures(page);
    if found.is_empty() {
        Verdict::pass(
            expected,
            format!("{} répond {} : rien de tel", page.final_url, page.status),
        )
    } else {
        Verdict::fail(
            expected,
            format!(
                "{} répond {} et montre : {}",
                page.final_url,
                page.status,
                found.join(" ; ")
            ),
        )
    }
}

/// Each disclosure found in `page`, described with its evidence.
fn disclosures(page: &Page) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in &page.headers {
        if (name == "server" || name == "x-powered-by") && VERSION.is_match(value) {
            found.push(format!(
                "version dans l'en-tête {name} : « {} »",
                quoted(value)
            ));
        }
    }
    if let Some(text) = page.text() {
        let hits = DISCLOSURES
            .iter()
            .filter_map(|(what, pattern)| pattern.find(text).map(|hit| (*what, hit)))
            .chain(private_address(text).map(|hit| ("adresse IP interne", hit)));
        for (what, hit) in hits {
            let line = text[..hit.start()].matches('\n').count() + 1;
            found.push(format!(
                "{what}, ligne {line} du corps : « {} »",
                quoted(hit.as_str())
            ));
        }
    }
    found
}

/// A private IPv4 address (RFC 1918) standing alone in `text`: not a part
/// of a longer dotted run, such as a French phone number written
/// `05.10.20.30.40` or a date.
fn private_address(text: &str) -> Option<regex::Match<'_>> {
    static PRIVATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\b(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3})\b",
        )
        .expect("fixed pattern")
    });
    PRIVATE.find_iter(text).find(|hit| {
        let before = text[..hit.start()].chars().next_back();
        let mut after = text[hit.end()..].chars();
        let dotted_after =
            after.next() == Some('.') && after.next().is_some_and(|c| c.is_ascii_digit());
        before != Some('.') && !dotted_after
    })
}

/// `text` cut for a message, on a character boundary.
pub(super) fn quoted(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::TimeZone;
    use reqwest::Url;

    use super::*;
    use crate::check::observation::{Documents, TargetFacts};
    use crate::check::outcome::{AssertionStatus, assert_says};
    use crate::probe::PageBody;

    /// A page answered at `url` with `headers` (names in lower case), for
    /// the judges' tests of this domain.
    pub(super) fn served(
        url: &str,
        status: u16,
        media_type: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut page = Page::served(
            Url::parse(url).expect("test URL"),
            status,
            Some(media_type.to_owned()),
            PageBody::Text(body.into()),
        );
        page.headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        page
    }

    fn page(status: u16, media_type: &str, body: &str, headers: &[(&str, &str)]) -> Page {
        served(
            "https://ent.test/.well-known/security.txt",
            status,
            media_type,
            body,
            headers,
        )
    }

    fn judged(page: Page, judge: fn(&Observations, &str) -> Verdict) -> Verdict {
        let pages = BTreeMap::from([("p".to_owned(), Arc::new(page))]);
        let documents = Documents::lock(pages.values());
        let facts = TargetFacts {
            now: Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap(),
            ..TargetFacts::default()
        };
        let observations = Observations::new(&pages, &documents, facts);
        judge(&observations, "p")
    }

    fn txt(body: &str) -> Verdict {
        judged(page(200, "text/plain", body, &[]), security_txt)
    }

    #[test]
    fn a_complete_security_txt_passes() {
        let verdict = txt("# ENT\nContact: mailto:securite@ent.test\n\
                           contact: https://ent.test/signaler\nExpires: 2027-06-30T23:59:59Z\n");
        assert_says(&verdict, AssertionStatus::Passed, "jusqu'au 2027-06-30");
        assert!(!verdict.actual.contains("plus d'un an"), "{verdict:?}");
        // Signed (RFC 9116 §2.3): the armour is not a field.
        let verdict = txt("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n\
                           Contact: tel:+33-1-00-00-00-00\nExpires: 2027-12-31T00:00:00+01:00\n\
                           -----BEGIN PGP SIGNATURE-----\nContact: x\n-----END PGP SIGNATURE-----\n");
        assert_says(&verdict, AssertionStatus::Passed, "plus d'un an");
    }

    #[test]
    fn what_rfc_9116_requires_is_named_with_its_line() {
        let verdict = txt("Contact: securite@ent.test\nExpires: 2026-11-30T00:00:00Z\n");
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "ligne 1 : Contact « securite@ent.test »",
        );
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "ligne 2 : expiré depuis le 2026-11-30",
        );
        let verdict = txt("Expires: demain\nExpires: 2027-01-01T00:00:00Z\n");
        assert_says(&verdict, AssertionStatus::Failed, "aucun champ Contact");
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "2 champs Expires (lignes 1, 2)",
        );
        let verdict = txt("Contact: mailto:a@ent.test\nExpires: 30/06/2027\n");
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "n'est pas une date RFC 3339",
        );
        let verdict = txt("Contact: mailto:a@ent.test\n");
        assert_says(&verdict, AssertionStatus::Failed, "aucun champ Expires");
    }

    #[test]
    fn no_file_or_an_html_shell_is_no_security_txt() {
        let verdict = judged(page(404, "text/html", "introuvable", &[]), security_txt);
        assert_says(&verdict, AssertionStatus::Failed, "répond 404");
        let verdict = judged(page(200, "text/html", "<html></html>", &[]), security_txt);
        assert_says(&verdict, AssertionStatus::Failed, "au lieu de text/plain");
    }

    /// Response headers of a hand-built page: name, value.
    type Headers<'a> = &'a [(&'a str, &'a str)];

    fn error_page(body: &str, headers: Headers<'_>) -> Verdict {
        judged(page(500, "text/html", body, headers), discreet_error)
    }

    #[test]
    fn a_plain_error_page_passes() {
        // A date, a phone number written with dots, a licence name: none
        // is an address or a server banner.
        let verdict = error_page(
            "<h1>Page introuvable</h1><p>Erreur 404. Version 2.1 du 10.12.2026.</p>\
             <p>Assistance : 05.10.20.30.40 ; code sous licence Apache 2.0</p>",
            &[("server", "nginx"), ("content-type", "text/html")],
        );
        assert_says(&verdict, AssertionStatus::Passed, "rien de tel");
    }

    #[test]
    fn each_disclosure_is_found_with_its_evidence() {
        let cases: [(&str, Headers, &str); 9] = [
            (
                "<pre>java.lang.NullPointerException\n\tat fr.ent.News.show(News.java:42)</pre>",
                &[],
                "pile d'appels Java, ligne 1",
            ),
            (
                "Traceback (most recent call last):\n  File \"/srv/app.py\", line 3, in <module>",
                &[],
                "pile d'appels Python",
            ),
            (
                "<b>Fatal error</b>: Uncaught Error in /var/www/index.php on line 12",
                &[],
                "erreur PHP",
            ),
            (
                "<h2>Server Error in '/' Application.</h2>",
                &[],
                "pile d'appels .NET",
            ),
            (
                "TypeError: x is undefined\n    at Object.<anonymous> (/srv/app/server.js:10:5)",
                &[],
                "pile d'appels Node.js, ligne 2",
            ),
            (
                "<hr><center>nginx/1.18.0</center>",
                &[],
                "version de serveur ou de framework",
            ),
            (
                "<p>Erreur</p>",
                &[("server", "Apache/2.4.57 (Debian)")],
                "version dans l'en-tête server : « Apache/2.4.57 (Debian) »",
            ),
            (
                "upstream 10.12.0.7:8080 unreachable",
                &[],
                "adresse IP interne",
            ),
            (
                "proxy: db01.prod.internal refused",
                &[],
                "nom d'hôte interne",
            ),
        ];
        for (body, headers, said) in cases {
            let verdict = error_page(body, headers);
            assert_says(&verdict, AssertionStatus::Failed, said);
        }
    }
}
