//! SEC-04's judge: the security headers of a page, read as a browser reads
//! them. What belongs here: the parsing of `Content-Security-Policy`,
//! `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` into
//! the protection each gives, and the verdict over several pages (public
//! pages from `fetch` steps, the account page of a `login` step).
//!
//! Only what a current browser enforces counts: a `frame-ancestors` in a
//! `<meta>` CSP, an `X-Frame-Options: ALLOW-FROM` or a report-only CSP
//! protect nothing, and the messages say so.

use super::quoted;
use crate::check::outcome::with_note;
use crate::check::{Observations, Verdict, login};
use crate::probe::{Document, Page};
use crate::suite::{HeaderProtection, Severity};

/// `security_header`: every page of `steps` has `protection`.
pub(crate) fn security_header(
    observations: &Observations,
    steps: &[String],
    protection: HeaderProtection,
) -> Verdict {
    let expected = expectation(protection);
    let mut problems = Vec::new();
    let mut tolerated = Vec::new();
    let mut notes = Vec::new();
    let mut fine = Vec::new();
    for step in steps {
        let (page, markup) = match page_of(observations, step, expected) {
            Ok(found) => found,
            Err(verdict) => {
                notes.push(format!("{step} : {}", verdict.actual));
                continue;
            }
        };
        let place = format!("{step} ({})", login::masked(&page.final_url));
        match judge(page, &markup, protection) {
            Finding::Holds(what) => fine.push(format!("{place} : {what}")),
            Finding::Lacks(what) => problems.push(format!("{place} : {what}")),
            Finding::Tolerated(what) => tolerated.push(format!("{place} : {what}")),
        }
    }
    if !problems.is_empty() || !notes.is_empty() {
        problems.extend(tolerated);
        return with_note(expected, problems, &notes, String::new());
    }
    if !tolerated.is_empty() {
        // The browser's own default already protects: noted, not failed.
        return Verdict::fail(expected, tolerated.join(" ; ")).tolerated_as(Severity::Info);
    }
    Verdict::pass(expected, fine.join(" ; "))
}

/// What the assertion expects, in French.
fn expectation(protection: HeaderProtection) -> &'static str {
    match protection {
        HeaderProtection::Scripts => {
            "une Content-Security-Policy appliquée qui restreint l'origine des scripts \
             (script-src ou default-src, sans 'unsafe-inline' ni 'unsafe-eval', sans * ni \
             schéma seul)"
        }
        HeaderProtection::Nosniff => "X-Content-Type-Options: nosniff",
        HeaderProtection::Frames => {
            "une protection contre l'encadrement par un autre site : CSP frame-ancestors \
             ('none', 'self' ou des origines nommées) ou X-Frame-Options DENY ou SAMEORIGIN"
        }
        HeaderProtection::Referrer => {
            "un Referrer-Policy qui n'envoie aucun chemin aux autres sites (no-referrer, \
             same-origin, strict-origin, strict-origin-when-cross-origin, origin ou \
             origin-when-cross-origin)"
        }
    }
}

/// The page a step stands for, with what its markup declares: a fetch
/// step's page, or the account page of a login step once the person got
/// in.
fn page_of<'a>(
    observations: &'a Observations,
    step: &str,
    expected: &str,
) -> Result<(&'a Page, Markup), Verdict> {
    if let Ok(page) = observations.page(step) {
        // A fetch step's tree is already held by the run while its checks
        // judge: it is read through the observations, never locked again.
        let markup = observations
            .document(step, expected)
            .map(|(_, document)| Markup::read(document))
            .unwrap_or_default();
        return Ok((page, markup));
    }
    let login = login::logged_in(observations, step, expected)?;
    let account = &login.trace.account;
    let markup = account
        .document()
        .and_then(|guard| guard.get().ok().map(Markup::read))
        .unwrap_or_default();
    Ok((account, markup))
}

/// What a page declares in `<meta>` instead of headers. A page that is not
/// HTML, or could not be parsed, declares nothing there; its headers are
/// judged all the same.
#[derive(Debug, Default)]
struct Markup {
    /// `<meta http-equiv="Content-Security-Policy">` contents.
    csp: Vec<String>,
    /// `<meta name="referrer">` contents.
    referrer: Vec<String>,
}

impl Markup {
    fn read(document: &Document) -> Self {
        Self {
            csp: document.meta_contents("http-equiv", "content-security-policy"),
            referrer: document.meta_contents("name", "referrer"),
        }
    }
}

/// One page's finding.
#[derive(Debug, PartialEq, Eq)]
enum Finding {
    /// Protected: what protects it.
    Holds(String),
    /// Not protected: why.
    Lacks(String),
    /// Not declared, but a current browser's default protects: noted only.
    Tolerated(String),
}

fn judge(page: &Page, markup: &Markup, protection: HeaderProtection) -> Finding {
    match protection {
        HeaderProtection::Scripts => scripts(page, markup),
        HeaderProtection::Nosniff => nosniff(page),
        HeaderProtection::Frames => frames(page),
        HeaderProtection::Referrer => referrer(page, markup),
    }
}

/// The values of a recorded header, in order.
fn header<'a>(page: &'a Page, name: &str) -> Vec<&'a str> {
    page.headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// A CSP directive: its name (lower case) and its source expressions.
#[derive(Debug)]
struct Directive {
    name: String,
    sources: Vec<String>,
}

/// One policy of a CSP header or `<meta>` (CSP3, « parse a serialized
/// CSP »): directives in
/// order; a repeated directive is ignored after its first occurrence.
#[derive(Debug)]
struct Policy {
    text: String,
    directives: Vec<Directive>,
}

impl Policy {
    /// The policies of a header value (several may be joined by commas).
    fn parse_all(value: &str) -> Vec<Self> {
        value
            .split(',')
            .filter(|text| !text.trim().is_empty())
            .map(|text| {
                let mut directives: Vec<Directive> = Vec::new();
                for part in text.split(';') {
                    let mut tokens = part.split_ascii_whitespace();
                    let Some(name) = tokens.next() else {
                        continue;
                    };
                    let name = name.to_ascii_lowercase();
                    if directives.iter().any(|d| d.name == name) {
                        continue;
                    }
                    directives.push(Directive {
                        name,
                        sources: tokens.map(str::to_owned).collect(),
                    });
                }
                Self {
                    text: text.trim().to_owned(),
                    directives,
                }
            })
            .collect()
    }

    fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

/// Whether a source expression lets any site in: `*`, or a scheme alone
/// (`https:`, `data:`…).
fn any_site(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower == "*"
        || (lower.ends_with(':')
            && lower[..lower.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
}

/// How well one policy restricts scripts, best last.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ScriptRule {
    /// No `script-src` nor `default-src`.
    Unrestricted,
    /// Scripts from any site (`*` or a scheme alone).
    AnySite(String),
    /// Restricted by origin, but inline scripts or `eval` allowed.
    Unsafe(String),
    /// Restricted.
    Restricted(String),
}

fn script_rule(policy: &Policy) -> ScriptRule {
    let Some(directive) = policy
        .directive("script-src")
        .or_else(|| policy.directive("default-src"))
    else {
        return ScriptRule::Unrestricted;
    };
    let shown = format!("{} {}", directive.name, directive.sources.join(" "));
    let lower: Vec<String> = directive
        .sources
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let has = |keyword: &str| lower.iter().any(|s| s == keyword);
    // CSP3: a nonce or a hash disables 'unsafe-inline', and 'strict-dynamic'
    // with one of them disables host and scheme sources.
    let keyed = lower
        .iter()
        .any(|s| s.starts_with("'nonce-") || s.starts_with("'sha"));
    let strict_dynamic = keyed && has("'strict-dynamic'");
    if !strict_dynamic && let Some(broad) = directive.sources.iter().find(|s| any_site(s)) {
        return ScriptRule::AnySite(format!("{shown} (« {broad} » admet tout site)"));
    }
    let mut unsafe_ones = Vec::new();
    if has("'unsafe-inline'") && !keyed {
        unsafe_ones.push("'unsafe-inline' (scripts en ligne, donc injectés, exécutés)");
    }
    if has("'unsafe-eval'") {
        unsafe_ones.push("'unsafe-eval' (eval de texte)");
    }
    if unsafe_ones.is_empty() {
        ScriptRule::Restricted(shown)
    } else {
        ScriptRule::Unsafe(format!("{shown} : {}", unsafe_ones.join(", ")))
    }
}

fn scripts(page: &Page, markup: &Markup) -> Finding {
    let headers = header(page, "content-security-policy");
    let policies: Vec<Policy> = headers
        .iter()
        .copied()
        .chain(markup.csp.iter().map(String::as_str))
        .flat_map(Policy::parse_all)
        .collect();
    if policies.is_empty() {
        let report_only = header(page, "content-security-policy-report-only");
        return Finding::Lacks(if report_only.is_empty() {
            "aucune Content-Security-Policy (ni en-tête, ni <meta>) : un script injecté \
             s'exécute sans obstacle"
                .to_owned()
        } else {
            format!(
                "seulement Content-Security-Policy-Report-Only « {} » : elle signale sans rien \
                 bloquer",
                quoted(report_only[0])
            )
        });
    }
    // Every policy is enforced: the most restrictive one decides.
    let best = policies.iter().map(script_rule).max();
    match best {
        Some(ScriptRule::Restricted(rule)) => Finding::Holds(rule),
        Some(ScriptRule::Unsafe(rule)) => Finding::Lacks(format!(
            "la CSP restreint l'origine des scripts mais admet {rule}"
        )),
        Some(ScriptRule::AnySite(rule)) => Finding::Lacks(format!(
            "la CSP ne restreint pas l'origine des scripts : {rule}"
        )),
        Some(ScriptRule::Unrestricted) | None => Finding::Lacks(format!(
            "la CSP « {} » n'a ni script-src ni default-src : elle ne restreint pas les scripts",
            quoted(&policies[0].text)
        )),
    }
}

fn nosniff(page: &Page) -> Finding {
    let values = header(page, "x-content-type-options");
    // Fetch, « determine nosniff »: the first value decides.
    match values
        .first()
        .and_then(|v| v.split(',').next())
        .map(str::trim)
    {
        Some(value) if value.eq_ignore_ascii_case("nosniff") => {
            Finding::Holds("X-Content-Type-Options: nosniff".to_owned())
        }
        Some(value) => Finding::Lacks(format!(
            "X-Content-Type-Options « {} » au lieu de nosniff : le navigateur peut deviner le \
             type d'un fichier déposé et l'exécuter comme script",
            quoted(value)
        )),
        None => Finding::Lacks(
            "aucun X-Content-Type-Options: nosniff : le navigateur peut deviner le type d'un \
             fichier déposé et l'exécuter comme script"
                .to_owned(),
        ),
    }
}

fn frames(page: &Page) -> Finding {
    // frame-ancestors is ignored in a <meta> CSP (CSP3): headers only.
    let ancestors: Vec<(Policy, Vec<String>)> = header(page, "content-security-policy")
        .into_iter()
        .flat_map(Policy::parse_all)
        .filter_map(|policy| {
            let sources = policy.directive("frame-ancestors")?.sources.clone();
            Some((policy, sources))
        })
        .collect();
    if !ancestors.is_empty() {
        // Each policy is enforced: one narrow frame-ancestors protects.
        if let Some((_, sources)) = ancestors
            .iter()
            .find(|(_, sources)| !sources.is_empty() && !sources.iter().any(|s| any_site(s)))
        {
            return Finding::Holds(format!("frame-ancestors {}", sources.join(" ")));
        }
        let (_, sources) = &ancestors[0];
        return Finding::Lacks(format!(
            "CSP frame-ancestors « {} » admet tout site ; X-Frame-Options, s'il y en a un, est \
             alors ignoré par les navigateurs",
            quoted(&sources.join(" "))
        ));
    }
    let values: Vec<String> = header(page, "x-frame-options")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    let mut distinct = values.clone();
    distinct.sort();
    distinct.dedup();
    match distinct.as_slice() {
        [] => Finding::Lacks(
            "ni CSP frame-ancestors ni X-Frame-Options : un autre site peut afficher la page \
             dans un cadre et faire cliquer à l'insu de la personne"
                .to_owned(),
        ),
        [one] if one == "deny" || one == "sameorigin" => {
            Finding::Holds(format!("X-Frame-Options: {}", one.to_ascii_uppercase()))
        }
        [one] if one.starts_with("allow-from") => Finding::Lacks(format!(
            "X-Frame-Options « {one} » : ALLOW-FROM est ignoré par les navigateurs actuels, la \
             page peut être encadrée par tout site (CSP frame-ancestors le remplace)"
        )),
        // HTML § "X-Frame-Options": conflicting or unknown values protect nothing.
        _ => Finding::Lacks(format!(
            "X-Frame-Options « {} » : valeur inconnue ou contradictoire, ignorée par les \
             navigateurs",
            quoted(&values.join(", "))
        )),
    }
}

/// Referrer policies that send no path to another origin.
const NO_PATH_ABROAD: [&str; 6] = [
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "origin",
    "origin-when-cross-origin",
];

/// Referrer policies that send the whole URL to other origins.
const WHOLE_URL_ABROAD: [&str; 2] = ["no-referrer-when-downgrade", "unsafe-url"];

/// The policy a list of tokens sets: the last one the browser knows
/// (Referrer Policy, « parse a referrer policy from a Referrer-Policy
/// header »).
fn last_known(values: &[&str]) -> Option<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .rfind(|v| NO_PATH_ABROAD.contains(&v.as_str()) || WHOLE_URL_ABROAD.contains(&v.as_str()))
}

fn referrer(page: &Page, markup: &Markup) -> Finding {
    let headers = header(page, "referrer-policy");
    let metas = &markup.referrer;
    // A <meta name="referrer"> sets the document's policy over the header's.
    let (policy, source) = match last_known(&metas.iter().map(String::as_str).collect::<Vec<_>>()) {
        Some(policy) => (Some(policy), "<meta name=\"referrer\">"),
        None => (last_known(&headers), "Referrer-Policy"),
    };
    match policy {
        Some(policy) if NO_PATH_ABROAD.contains(&policy.as_str()) => {
            Finding::Holds(format!("{source}: {policy}"))
        }
        Some(policy) => Finding::Lacks(format!(
            "{source}: {policy} : l'adresse complète de la page, chemin et paramètres (donc les \
             identifiants qu'ils portent), part vers chaque site tiers appelé"
        )),
        None if headers.is_empty() && metas.is_empty() => Finding::Tolerated(
            "aucun Referrer-Policy : les navigateurs actuels appliquent alors \
             strict-origin-when-cross-origin, qui n'envoie pas le chemin ; le déclarer protège \
             aussi les navigateurs anciens"
                .to_owned(),
        ),
        None => Finding::Tolerated(format!(
            "Referrer-Policy « {} » : aucune valeur connue, le navigateur applique sa valeur par \
             défaut (strict-origin-when-cross-origin dans les navigateurs actuels)",
            quoted(&headers.join(", "))
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(headers: &[(&str, &str)], body: &str) -> Page {
        crate::sec::tests::served(
            "https://ent.test/accueil?ticket=abc",
            200,
            "text/html",
            body,
            headers,
        )
    }

    fn markup(page: &Page) -> Markup {
        page.document()
            .and_then(|guard| guard.get().ok().map(Markup::read))
            .unwrap_or_default()
    }

    fn scripts(page: &Page) -> Finding {
        super::scripts(page, &markup(page))
    }

    fn referrer(page: &Page) -> Finding {
        super::referrer(page, &markup(page))
    }

    fn csp(value: &str) -> Finding {
        scripts(&page(
            &[("content-security-policy", value)],
            "<html></html>",
        ))
    }

    fn lacks(finding: &Finding, fragment: &str) {
        match finding {
            Finding::Lacks(what) => assert!(what.contains(fragment), "{what}"),
            other => panic!("expected Lacks with « {fragment} », got {other:?}"),
        }
    }

    #[test]
    fn a_csp_restricting_scripts_holds() {
        assert!(matches!(
            csp("default-src 'self'; object-src 'none'"),
            Finding::Holds(rule) if rule == "default-src 'self'"
        ));
        assert!(matches!(
            csp("script-src 'self' https://cdn.ent.test; style-src *"),
            Finding::Holds(_)
        ));
        // A nonce or hash disables 'unsafe-inline'; 'strict-dynamic' with one
        // disables the host and scheme sources.
        assert!(matches!(
            csp("script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic' https:"),
            Finding::Holds(_)
        ));
    }

    #[test]
    fn a_csp_that_does_not_restrict_scripts_lacks_it() {
        lacks(&csp("script-src 'self' 'unsafe-inline'"), "'unsafe-inline'");
        lacks(&csp("default-src 'self' 'unsafe-eval'"), "'unsafe-eval'");
        lacks(
            &csp("script-src https: 'self'"),
            "« https: » admet tout site",
        );
        lacks(&csp("default-src *"), "« * » admet tout site");
        lacks(
            &csp("img-src 'self'; frame-ancestors 'none'"),
            "ni script-src ni default-src",
        );
        // script-src decides over default-src.
        lacks(
            &csp("default-src 'self'; script-src 'self' 'unsafe-inline'"),
            "'unsafe-inline'",
        );
    }

    #[test]
    fn the_most_restrictive_policy_decides() {
        let finding = scripts(&page(
            &[
                ("content-security-policy", "script-src *"),
                ("content-security-policy", "script-src 'self'"),
            ],
            "",
        ));
        assert!(matches!(finding, Finding::Holds(_)), "{finding:?}");
        // Two policies joined by a comma in one header.
        assert!(matches!(
            csp("script-src 'unsafe-inline' *, default-src 'self'"),
            Finding::Holds(_)
        ));
    }

    #[test]
    fn a_meta_csp_restricts_scripts_but_report_only_does_not() {
        let meta = page(
            &[],
            "<html><head><meta http-equiv=\"Content-Security-Policy\" \
             content=\"script-src 'self'\"></head></html>",
        );
        assert!(matches!(scripts(&meta), Finding::Holds(_)));
        let report_only = page(
            &[("content-security-policy-report-only", "script-src 'self'")],
            "",
        );
        lacks(&scripts(&report_only), "signale sans rien bloquer");
        lacks(&scripts(&page(&[], "")), "aucune Content-Security-Policy");
    }

    #[test]
    fn nosniff_is_the_first_value() {
        assert!(matches!(
            nosniff(&page(&[("x-content-type-options", "NoSniff")], "")),
            Finding::Holds(_)
        ));
        lacks(
            &nosniff(&page(&[("x-content-type-options", "sniff, nosniff")], "")),
            "« sniff » au lieu de nosniff",
        );
        lacks(&nosniff(&page(&[], "")), "aucun X-Content-Type-Options");
    }

    #[test]
    fn frames_are_protected_by_frame_ancestors_or_x_frame_options() {
        let fa = |v: &str| frames(&page(&[("content-security-policy", v)], ""));
        assert!(matches!(fa("frame-ancestors 'none'"), Finding::Holds(_)));
        assert!(matches!(
            fa("frame-ancestors 'self' https://portail.ac-test.fr"),
            Finding::Holds(_)
        ));
        lacks(&fa("frame-ancestors https:"), "admet tout site");
        let xfo = |v: &str| frames(&page(&[("x-frame-options", v)], ""));
        assert!(matches!(xfo("deny"), Finding::Holds(h) if h == "X-Frame-Options: DENY"));
        assert!(matches!(xfo("SAMEORIGIN"), Finding::Holds(_)));
        lacks(&xfo("ALLOW-FROM https://a.test"), "ALLOW-FROM est ignoré");
        lacks(&xfo("DENY, SAMEORIGIN"), "contradictoire");
        lacks(
            &frames(&page(&[], "")),
            "ni CSP frame-ancestors ni X-Frame-Options",
        );
        // A broad frame-ancestors wins over X-Frame-Options in browsers.
        lacks(
            &frames(&page(
                &[
                    ("content-security-policy", "frame-ancestors *"),
                    ("x-frame-options", "DENY"),
                ],
                "",
            )),
            "ignoré par les navigateurs",
        );
        // frame-ancestors in a <meta> is ignored.
        let meta = page(
            &[],
            "<html><head><meta http-equiv=\"content-security-policy\" \
             content=\"frame-ancestors 'none'\"></head></html>",
        );
        lacks(&frames(&meta), "ni CSP frame-ancestors");
    }

    #[test]
    fn referrer_policy_must_keep_paths_home() {
        let rp = |v: &str| referrer(&page(&[("referrer-policy", v)], ""));
        assert!(matches!(
            rp("strict-origin-when-cross-origin"),
            Finding::Holds(_)
        ));
        assert!(matches!(rp("origin"), Finding::Holds(_)));
        lacks(&rp("unsafe-url"), "chemin et paramètres");
        lacks(&rp("no-referrer-when-downgrade"), "chemin et paramètres");
        // The last known token wins (a fallback list).
        assert!(
            matches!(rp("no-referrer, strict-origin-when-cross-origin"), Finding::Holds(h) if h.ends_with("strict-origin-when-cross-origin"))
        );
        lacks(&rp("no-referrer, unsafe-url"), "unsafe-url");
        assert!(matches!(rp("bogus"), Finding::Tolerated(_)));
        assert!(matches!(referrer(&page(&[], "")), Finding::Tolerated(_)));
        // A <meta name="referrer"> overrides the header.
        let meta = page(
            &[("referrer-policy", "no-referrer")],
            "<html><head><meta name=\"referrer\" content=\"unsafe-url\"></head></html>",
        );
        lacks(&referrer(&meta), "<meta name=\"referrer\">: unsafe-url");
    }
}
