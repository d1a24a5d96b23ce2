//! The suite file format (YAML, `schema: 1`) exactly as written by authors.
//!
//! These types only describe the syntax: every struct denies unknown fields,
//! and the JSON Schema (`suites/schema.json`) is generated from them. Meaning
//! (unique ids, known steps, known phrase lists, valid CSS and regexes,
//! interpolation variables) is checked in `validate`, which turns these
//! entries into the typed [`super::model`].
//!
//! Where one of several kinds is expected (the probe of a step, the kind of an
//! assertion), the entry has one optional field per kind and validation
//! requires exactly one: this keeps `label:` and `severity:` next to the kind
//! without `#[serde(flatten)]`, whose error messages lose positions.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::located::Located;
use super::model::Severity;
use crate::stats::StatisticsEntry;

/// One suite file: a domain of requirements (FOOTER, SSO, GAR, …).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Version of the suite file format. Only `1` exists.
    pub schema: Located<u32>,
    /// Suite identifier in upper case, e.g. `FOOTER`; every check id is `<suite>-<number>`.
    pub suite: Located<String>,
    /// Title shown to reviewers (French).
    pub title: String,
    /// What the suite covers and how (French).
    #[serde(default)]
    pub description: Option<String>,
    /// Register of the sources that checks cite, by short name (e.g. `RGPD`).
    pub sources: BTreeMap<String, SourceEntry>,
    /// Named lists of French phrasings (or names, hosts) that assertions refer to. Regulation wording lives here, not in Rust.
    #[serde(default)]
    pub phrases: BTreeMap<String, Located<Vec<String>>>,
    /// What the statistics must contain and the activity the harness plays to verify them (suites with `statistics` steps).
    #[serde(default)]
    pub statistics: Option<Located<StatisticsEntry>>,
    /// The checks of the suite, in report order.
    pub checks: Vec<Located<CheckEntry>>,
}

/// A cited source: regulation, decree, guideline, specification.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// Full title of the source.
    pub title: String,
    /// Where the source can be read.
    #[serde(default)]
    pub url: Option<String>,
}

/// One check: a requirement verified against the candidate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    /// Stable identifier `<SUITE>-<NN>`; never reused for another requirement.
    pub id: Located<String>,
    /// What is verified, in French, as a reviewer reads it.
    pub title: String,
    /// Why it matters and how it is verified (French).
    #[serde(default)]
    pub description: Option<String>,
    /// `must` (a failure is `fail`), `should` (a failure is `warn`) or `info` (a failure is only noted).
    pub severity: Severity,
    /// Sources of the requirement: at least one.
    pub refs: Vec<RefEntry>,
    /// Free labels used to select checks (`entconf run --tag`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Capabilities the target must declare; a missing one makes the check `skip`. Capabilities used in `${target.…}` are required implicitly.
    #[serde(default)]
    pub requires: Vec<Located<String>>,
    /// Never run at the same time as any other check (stateful checks).
    #[serde(default)]
    pub serial: bool,
    /// A human must confirm the evidence: a check whose assertions all pass is `review`, not `pass`.
    #[serde(default)]
    pub review: bool,
    /// Time limit for the whole check, e.g. `30s` (default: the run's check timeout).
    #[serde(default)]
    pub timeout: Option<Located<String>>,
    /// Probe invocations, in order; each records an observation named by its id.
    pub steps: Vec<Located<StepEntry>>,
    /// Preconditions: when one does not hold, the check is `n/a` (not applicable) with that reason.
    #[serde(default)]
    pub only_if: Vec<Located<AssertionEntry>>,
    /// Assertions over the observations.
    pub assert: Vec<Located<AssertionEntry>>,
}

/// A reference from a check to a source of its register.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefEntry {
    /// Short name of a source declared under `sources`.
    pub source: Located<String>,
    /// Article, section or clause, e.g. `art. 13(1)(b)`.
    pub article: String,
    /// Precision for the reviewer.
    #[serde(default)]
    pub note: Option<String>,
}

/// A step: exactly one probe, then optional captures.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepEntry {
    /// Name of the observation, referenced by assertions as `step:`.
    pub id: Located<String>,
    /// Fetch a page as an anonymous browser would: fresh cookies, every redirect followed and recorded.
    #[serde(default)]
    pub fetch: Option<FetchEntry>,
    /// A person logs in through one of the harness's identity providers.
    #[serde(default)]
    pub login: Option<LoginEntry>,
    /// Downloads the GAR-ENT export the target declares (`gar_export`), unpacks it within bounds, validates it against GAR-ENT-1D.xsd and reads it (once per run).
    #[serde(default)]
    pub gar_export: Option<NoParametersEntry>,
    /// As the GAR service provider, sends an AuthnRequest to the candidate's IdP (`gar_sso`) for a pupil logged in through EduConnect, and reads the metadata (`gar_idp_metadata`) and the answer; in the same session, requests of an unknown SP and of a foreign return address (once per run).
    #[serde(default)]
    pub gar_sso: Option<NoParametersEntry>,
    /// A pupil logged in through EduConnect opens the médiacentre (`gar_mediacentre`) while the harness serves the GAR's "ressources" web service (target section `[gar]`), which records the calls (once per run).
    #[serde(default)]
    pub gar_mediacentre: Option<NoParametersEntry>,
    /// After the `export_job` scenario: asks for the deletion of a user, a class and a school (`deletion_api`), fetches each certificate and the published keys (`certificate_keys`), then probes what was deleted (`objects_api`, a new export) (once per run).
    #[serde(default)]
    pub deletion: Option<NoParametersEntry>,
    /// The candidate's HTTPS (`base_url` in `https://`): asks the plain-HTTP address (`[http] plain_url`, by default port 80 of the same host), reads `base_url` for its Strict-Transport-Security, then makes TLS handshakes as a current browser does (chain verified against the system's authorities and `[http] ca`) and with TLS 1.0, TLS 1.1, and TLS 1.2 suites without forward secrecy or AEAD (once per run).
    #[serde(default)]
    pub tls: Option<NoParametersEntry>,
    /// After seeding (`seed_api`, as the `export_job` scenario does), a parent, a pupil and a teacher of the exported school's first class log in through the harness's IdPs and ask, at every `[access]` address, for each seeded class blog post and cahier de textes entry by the id the seeding answer gave it: their class's, another class's of their school, another school's (once per run).
    #[serde(default)]
    pub access: Option<NoParametersEntry>,
    /// The ENT's own login form (`[local_login]`): logs the test account in once with its password, then sends wrong passwords for it, each from a fresh browser, until the ENT slows down, locks the account or asks for a CAPTCHA, at most 11: ten failures are tolerated (once per run).
    #[serde(default)]
    pub login_throttling: Option<NoParametersEntry>,
    /// Seeds content through the conformance API (`seed_api`), asks for the export of the school and of the collectivité (`export_api`, target section `[reversibility]`), follows the jobs, downloads and reads the archives without extracting them, and tries the job and the link as someone else and after expiry (once per run).
    #[serde(default)]
    pub export_job: Option<ExportStepEntry>,
    /// Plays the suite's activity in the dedicated schools, then reads the statistics API at every level, as every declared viewer and anonymously (once per run).
    #[serde(default)]
    pub statistics: Option<NoParametersEntry>,
    /// Values extracted from this step's page, usable later as `${capture.<name>}`.
    #[serde(default)]
    pub capture: BTreeMap<String, Located<CaptureEntry>>,
}

/// The `fetch` probe.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchEntry {
    /// URL to fetch; may use `${target.…}`, `${capture.…}`, `${secret:…}`.
    pub url: Located<String>,
    /// The page must be public HTML (2xx, no login wall, HTML): otherwise the check stops here, `fail` (or `error` when the answer is not HTML).
    #[serde(default)]
    pub public: bool,
    /// Judge the answer whatever its status. Without it, a declared page
    /// that answers 4xx or 5xx is never judged in its place: the check is
    /// `error`. With it, the assertions read that answer: an error page, or
    /// a file whose absence is the finding (`security.txt`).
    #[serde(default)]
    pub any_status: bool,
    /// An HTTP method other than `GET`, sent without a body: `PUT`,
    /// `DELETE` or `PATCH`. Only with `any_status`: a page asked with a
    /// method it does not take answers an error, which is what is judged
    /// (SEC-08). The page is read as received, never rendered.
    #[serde(default)]
    pub method: Option<Located<String>>,
}

/// A capture: exactly one kind.
/// `login:` — the harness plays EduConnect or ARENA and drives a browser
/// through the candidate's login.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginEntry {
    /// `educonnect-oidc`, `educonnect-saml` or `agents-saml`.
    pub service: Located<String>,
    /// `pupil`, `parent-two-profiles`, `teacher` or `unknown-pupil`.
    pub user: Located<String>,
    /// A bad answer of the IdP (e.g. `id-token-bad-signature`).
    #[serde(default)]
    pub attack: Option<Located<String>>,
    /// End with a logout at the candidate.
    #[serde(default)]
    pub logout: bool,
    /// After the account page, EduConnect or ARENA starts a logout (SAML
    /// Single Logout toward the candidate's `SingleLogoutService`); SAML
    /// services only.
    #[serde(default)]
    pub logout_from_idp: bool,
    /// Also open the account page in the run's browser, in the same session (the login's cookies), and read it as rendered, with the requests it made; a login without attack or logout only. Without a browser (`[browser] mode = "off"`, or `auto` without Chromium), the page is read as served.
    #[serde(default)]
    pub render: bool,
}

/// A probe without parameters: `statistics` (the suite's `statistics:`
/// block holds them), `gar_export`, `gar_sso`, `gar_mediacentre` and
/// `deletion` (the target describes what they reach).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParametersEntry {}

/// Parameters of an `export_job` step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportStepEntry {
    /// Also wait until the school export's link has expired, then try it again as the controller (only the check judging the link needs it: the others do not wait).
    #[serde(default)]
    pub link_expiry: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureEntry {
    /// The absolute URL of the first link whose accessible name contains one of the phrases.
    #[serde(default)]
    pub link: Option<LinkCaptureEntry>,
}

/// Where to look for a link and what its text says.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkCaptureEntry {
    /// CSS selector of the zone to search, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Name of a phrase list: the link's text, `aria-label` or `title` contains one of them.
    pub text: Located<String>,
}

/// An assertion: optional presentation fields and exactly one kind.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertionEntry {
    /// What is verified, in French (default: generated from the kind).
    #[serde(default)]
    pub label: Option<String>,
    /// Article or section this assertion verifies, e.g. `art. 13(1)(b)`.
    #[serde(default)]
    pub article: Option<String>,
    /// Overrides the check's severity for this assertion.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// The final HTTP status is one of the listed codes.
    #[serde(default)]
    pub status: Option<StatusEntry>,
    /// The page is public HTML: 2xx, no redirect to the login page, no password field, HTML with text.
    #[serde(default)]
    pub public_page: Option<StepOnlyEntry>,
    /// At least one element matches the CSS selector.
    #[serde(default)]
    pub element: Option<ElementEntry>,
    /// A link whose accessible name contains one of the phrases exists.
    #[serde(default)]
    pub link: Option<LinkEntry>,
    /// The text contains at least one of the phrases of a list.
    #[serde(default)]
    pub phrases: Option<PhrasesEntry>,
    /// The text matches a regular expression at least `min` times.
    #[serde(default)]
    pub pattern: Option<PatternEntry>,
    /// Exactly one of the phrases of a list is present.
    #[serde(default)]
    pub exactly_one: Option<ExactlyOneEntry>,
    /// No cookie set by the page has a name starting with one of the listed names.
    #[serde(default)]
    pub cookies: Option<ForbidEntry>,
    /// No script, frame, image or stylesheet of the page is loaded from one of the listed hosts (or their subdomains).
    #[serde(default)]
    pub third_party: Option<ForbidEntry>,
    /// Every third party the page contacted (request, cookie, or resource of the served HTML) is named in the notice.
    #[serde(default)]
    pub declared_third_parties: Option<DeclaredThirdPartiesEntry>,
    /// The `<html lang>` attribute starts with the expected language.
    #[serde(default)]
    pub lang: Option<LangEntry>,
    /// Every link of the zone has an accessible name, and none is one of the listed vague names.
    #[serde(default)]
    pub link_names: Option<LinkNamesEntry>,
    /// Average sentence length stays under a number of words.
    #[serde(default)]
    pub readability: Option<ReadabilityEntry>,
    /// The accessibility mention agrees with the conformity rate of the declaration.
    #[serde(default)]
    pub accessibility_rate: Option<AccessibilityRateEntry>,
    /// The person landed on their own account (name, school, profile).
    #[serde(default)]
    pub signed_in: Option<SignedInEntry>,
    /// The person named by the IdP's bad answer did not get in.
    #[serde(default)]
    pub refused: Option<StepOnlyEntry>,
    /// The IdP's answer replayed from another browser opened no session.
    #[serde(default)]
    pub replay_refused: Option<StepOnlyEntry>,
    /// The session cookie carries `HttpOnly`, `Secure` or `SameSite`.
    #[serde(default)]
    pub session_cookie: Option<SessionCookieEntry>,
    /// The session id changed at login.
    #[serde(default)]
    pub session_renewed: Option<StepOnlyEntry>,
    /// No session id or access token in the candidate's URLs.
    #[serde(default)]
    pub no_secret_in_urls: Option<StepOnlyEntry>,
    /// Logout at the candidate reached the IdP.
    #[serde(default)]
    pub idp_logout: Option<StepOnlyEntry>,
    /// After logout the old session id opens nothing.
    #[serde(default)]
    pub logout_ends_session: Option<StepOnlyEntry>,
    /// After a logout the IdP started, the account page is closed.
    #[serde(default)]
    pub logout_from_idp_ends_session: Option<StepOnlyEntry>,
    /// The page is a `security.txt` (RFC 9116) with a contact and an
    /// expiry date in the future.
    #[serde(default)]
    pub security_txt: Option<StepOnlyEntry>,
    /// The page (an error, most likely) shows no stack trace, no server or
    /// framework version and no internal host.
    #[serde(default)]
    pub discreet_error: Option<StepOnlyEntry>,
    /// Every page of the steps sends the security header that gives a
    /// protection (SEC-04).
    #[serde(default)]
    pub security_header: Option<SecurityHeaderEntry>,
    /// A response the candidate never asked for logged the person in if
    /// the target declares `unsolicited_sso`, and opened nothing otherwise.
    #[serde(default)]
    pub unsolicited_as_declared: Option<StepOnlyEntry>,
    /// A rule over the statistics read by a `statistics` step.
    #[serde(default)]
    pub statistics: Option<StatisticsRuleEntry>,
    /// A rule over the GAR-ENT export read by a `gar_export` step.
    #[serde(default)]
    pub gar: Option<GarRuleEntry>,
    /// A rule over the reversibility exports read by an `export_job` step.
    #[serde(default)]
    pub export: Option<ExportRuleEntry>,
    /// A rule over the deletions and certificates of a `deletion` step.
    #[serde(default)]
    pub delcert: Option<DelcertRuleEntry>,
    /// A rule over the candidate's HTTPS, as a `tls` step recorded it.
    #[serde(default)]
    pub tls: Option<TlsRuleEntry>,
    /// A rule over what people read of others' objects, as an `access` step recorded it.
    #[serde(default)]
    pub access: Option<AccessRuleEntry>,
    /// A rule over the ENT's own login form, as a `login_throttling` step recorded it.
    #[serde(default)]
    pub local_login: Option<LocalLoginRuleEntry>,
    /// No personal data of the logged-in person in the requests their account page made to other origins, as `login` steps recorded them (with `render`, the browser's request log).
    #[serde(default)]
    pub personal_data: Option<PersonalDataEntry>,
}

/// Parameters of the `personal_data` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataEntry {
    /// Login steps (their account page, rendered with `render: true`), in the order the message names them.
    pub steps: Vec<Located<String>>,
    /// `urls` (the addresses of requests to other origins) or `referer` (the `Referer` sent with them).
    pub rule: Located<String>,
}

/// Parameters of the `local_login` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalLoginRuleEntry {
    /// `login_throttling` step examined.
    pub step: Located<String>,
    /// `throttling` (wrong passwords slowed down, locked out or met with a CAPTCHA after at most 10 failures in a row).
    pub rule: Located<String>,
}

/// Parameters of the `access` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRuleEntry {
    /// `access` step examined.
    pub step: Located<String>,
    /// `other_school` (another school's objects refused) or `other_class` (another class's of the same school refused).
    pub rule: Located<String>,
}

/// Parameters of the `tls` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsRuleEntry {
    /// `tls` step examined.
    pub step: Located<String>,
    /// `redirect` (plain HTTP sent to HTTPS), `hsts`, `protocols` (TLS 1.2/1.3 only), `suites` (TLS 1.2 suites with forward secrecy and AEAD only) or `certificate`.
    pub rule: Located<String>,
}

/// Parameters of the `delcert` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelcertRuleEntry {
    /// `deletion` step examined.
    pub step: Located<String>,
    /// `channel`, `signed`, `content`, `effective`, `backups`, `counts`, `logins`, `statistics`, `timeliness`, `processors`, `notifications`, `exceptions` or `journal`.
    pub rule: Located<String>,
}

/// Parameters of the `export` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRuleEntry {
    /// `export_job` step examined.
    pub step: Located<String>,
    /// `access`, `complete`, `archive`, `manifest`, `identifiers`, `link`, `scope`, `round_trip`, `continuity` or `portability`.
    pub rule: Located<String>,
}

/// Parameters of the `gar` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GarRuleEntry {
    /// `gar_export` step examined.
    pub step: Located<String>,
    /// On a `gar_export` step: `delivery`, `schema`, `integrity`, `stable_ids`, `completeness`, `minimisation`; on a `gar_sso` step: `idp_metadata`, `assertion`, `only_the_gar`; on a `gar_mediacentre` step: `mediacentre_call`, `mediacentre_shown`.
    pub rule: Located<String>,
}

/// Parameters of the `statistics` assertion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatisticsRuleEntry {
    /// Statistics step examined.
    pub step: Located<String>,
    /// `levels`, `indicators`, `definitions`, `ground_truth`, `additive`, `unique_users`, `csv`, `small_cells`, `weeks`, `anonymous`, `scoped`, `no_identifiers` or `dnma`.
    pub rule: Located<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedInEntry {
    pub step: Located<String>,
    /// Phrase list naming the profile (e.g. `profile_pupil`).
    pub profile: Located<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCookieEntry {
    pub step: Located<String>,
    /// `HttpOnly`, `Secure` or `SameSite`.
    pub attribute: Located<String>,
}

/// Parameters of `security_header`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityHeaderEntry {
    /// Fetch steps (their page) and login steps (the account page), in
    /// the order the message names them.
    pub steps: Vec<Located<String>>,
    /// `scripts` (a CSP that restricts scripts), `nosniff`, `frames`
    /// (`frame-ancestors` or `X-Frame-Options`) or `referrer` (a
    /// `Referrer-Policy` that sends no path to other sites).
    pub protection: Located<String>,
}

/// Parameters of `status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusEntry {
    /// Step whose final response is examined.
    pub step: Located<String>,
    /// Accepted status codes.
    #[serde(rename = "in")]
    pub codes: Vec<u16>,
}

/// Parameters of assertions that only name a step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepOnlyEntry {
    /// Step whose observation is examined.
    pub step: Located<String>,
}

/// Parameters of `element`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector, or `@contentinfo` for the page's footer landmark (HTML-AAM: a `footer` or `[role=contentinfo]` outside dialogs, sectioning content and `main`).
    pub css: Located<String>,
}

/// Parameters of `link`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone to search, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Name of a phrase list for the link's accessible name.
    pub text: Located<String>,
}

/// Parameters of `phrases`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhrasesEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose text is read, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Name of a phrase list; one of its phrasings must appear.
    pub any: Located<String>,
    /// Name of a phrase list naming the section to read: the text under the headings that state one of its phrasings, or the whole zone when no heading does.
    #[serde(default)]
    pub section: Option<Located<String>>,
}

/// Parameters of `pattern`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose text is read, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Regular expression (Rust `regex` syntax) applied to the folded text: lower case, no accents.
    pub regex: Located<String>,
    /// Minimum number of matches (default 1).
    #[serde(default)]
    pub min: Option<usize>,
    /// Name of a phrase list naming the section to read: the text under the headings that state one of its phrasings, or the whole zone when no heading does.
    #[serde(default)]
    pub section: Option<Located<String>>,
}

/// Parameters of `exactly_one`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExactlyOneEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose text is read, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Name of a phrase list: exactly one of its phrasings must appear.
    pub of: Located<String>,
}

/// Parameters of `cookies` and `third_party`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForbidEntry {
    /// Step whose response is examined.
    pub step: Located<String>,
    /// Name of a list of forbidden cookie-name prefixes or hosts.
    pub forbid: Located<String>,
}

/// Parameters of `declared_third_parties`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredThirdPartiesEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// Where the notice names its recipients. Read only when the page contacted a third party.
    pub notice: ZoneEntry,
    /// Name of a list of hosts left to another assertion (the trackers `third_party` forbids).
    #[serde(default)]
    pub except: Option<Located<String>>,
}

/// Parameters of `lang`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LangEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// Expected language, e.g. `fr` (matches `fr` and `fr-FR`).
    pub expect: String,
}

/// Parameters of `link_names`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkNamesEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose links are examined, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Name of a list of link names that say nothing out of context ("ici", "en savoir plus").
    pub forbid: Located<String>,
}

/// Parameters of `readability`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadabilityEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose text is read, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
    /// Highest acceptable average number of words per sentence.
    pub max_average_words: f64,
}

/// A zone of a page: a step and an optional CSS selector.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneEntry {
    /// Step whose page is examined.
    pub step: Located<String>,
    /// CSS selector of the zone whose text is read, or `@contentinfo` for the page's footer landmark (default: the whole page).
    #[serde(default)]
    pub within: Option<Located<String>>,
}

/// Parameters of `accessibility_rate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityRateEntry {
    /// Where the accessibility mention is displayed.
    pub mention: ZoneEntry,
    /// Where the declaration states its conformity rate.
    pub declaration: ZoneEntry,
    /// Each possible mention and the lowest rate that allows it.
    pub states: Vec<AccessibilityStateEntry>,
    /// Regular expressions applied to the folded declaration text; the first capture group is the rate in percent.
    pub rate_patterns: Vec<Located<String>>,
}

/// A state of the accessibility mention.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityStateEntry {
    /// Phrasing of the state, e.g. `partiellement conforme`.
    pub phrase: String,
    /// Lowest conformity rate, in percent, for which this state may be displayed.
    pub min_rate: f64,
}
