//! Validated suites: what the runner executes and the checks evaluate.
//!
//! Everything here has been resolved at load time: phrase lists are inlined,
//! CSS selectors and regular expressions are compiled, URLs are parsed
//! templates, capabilities are known. A value of these types cannot refer to
//! something that does not exist.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::target::Capability;
use super::template::Template;
use crate::gar::GarRule;
use crate::idp::Attack;
use crate::reversibility::{DelcertRule, ExportRule};
use crate::stats::{StatsRule, StatsSpec};

/// How much a requirement weighs.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A legal or contractual obligation: a failure is `fail`.
    Must,
    /// A recommendation: a failure is `warn`.
    Should,
    /// Informative: a failure is only noted.
    Info,
}

impl Severity {
    /// The word written in suite files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Must => "must",
            Self::Should => "should",
            Self::Info => "info",
        }
    }

    /// French label for reports.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Must => "obligatoire",
            Self::Should => "recommandé",
            Self::Info => "information",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A loaded, validated suite.
#[derive(Debug)]
pub struct Suite {
    /// Suite identifier, e.g. `FOOTER`.
    pub id: String,
    /// Title (French).
    pub title: String,
    /// Description (French).
    pub description: Option<String>,
    /// Path the suite was read from, as displayed (`suites/footer.yaml`).
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Checks in file order.
    pub checks: Vec<Arc<Check>>,
}

/// A validated check.
#[derive(Debug)]
pub struct Check {
    /// Stable identifier, e.g. `FOOTER-03`.
    pub id: String,
    /// Identifier of the suite it belongs to.
    pub suite: String,
    /// What is verified (French).
    pub title: String,
    /// Why and how (French).
    pub description: Option<String>,
    /// Weight of the requirement.
    pub severity: Severity,
    /// Sources, resolved against the suite's register.
    pub refs: Vec<Reference>,
    /// Selection labels.
    pub tags: Vec<String>,
    /// Capabilities the target must declare (explicit and implied by templates).
    pub requires: BTreeSet<Capability>,
    /// Secrets the steps interpolate; a missing one makes the check `skip`.
    pub secrets: BTreeSet<String>,
    /// Runs alone.
    pub serial: bool,
    /// Changes the candidate (a `deletion` step): runs alone, after every
    /// other check of the plan, so that nothing else observes a candidate
    /// the harness has already emptied of accounts.
    pub destructive: bool,
    /// Needs a human to confirm the evidence.
    pub review: bool,
    /// Own time limit, if any.
    pub timeout: Option<Duration>,
    /// Probe invocations in order.
    pub steps: Vec<Step>,
    /// Preconditions; one that fails makes the check `n/a`.
    pub only_if: Vec<Assertion>,
    /// Assertions.
    pub assertions: Vec<Assertion>,
}

impl Check {
    /// Whether nothing may run beside it: `serial`, or destructive.
    pub fn runs_alone(&self) -> bool {
        self.serial || self.destructive
    }

    /// The sections of the target description the check cannot run
    /// without: the runner makes it `skip` when one is missing, and
    /// `entconf init` and the target reference say so.
    pub fn sections(&self) -> BTreeSet<TargetSection> {
        let mut sections = BTreeSet::new();
        for step in &self.steps {
            // Every login, and the scripted activity, goes through the
            // harness's IdPs; the exports are asked for seeded people who
            // log in to read their own archive.
            let needs: &[TargetSection] = match step.action {
                Action::Fetch { .. } | Action::GarExport | Action::Tls => &[],
                Action::Login(_) | Action::GarSso => &[TargetSection::Sso],
                Action::Statistics(_) => &[TargetSection::Sso, TargetSection::Stats],
                Action::GarMediacentre => &[TargetSection::Sso, TargetSection::Gar],
                Action::ExportJob { .. } | Action::Deletion => {
                    &[TargetSection::Sso, TargetSection::Reversibility]
                }
                Action::LoginThrottling => &[TargetSection::LocalLogin],
                // The seeded content is opened by people who log in.
                Action::Access => &[
                    TargetSection::Sso,
                    TargetSection::Reversibility,
                    TargetSection::Access,
                ],
            };
            sections.extend(needs.iter().copied());
        }
        sections
    }
}

/// A section of the target description that some checks cannot run without.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetSection {
    /// `[sso]`: the harness's IdPs and the directory the candidate imported.
    Sso,
    /// `[stats]`: dedicated schools, service pages, reading accounts.
    Stats,
    /// `[reversibility]`: the exported school and the data controller.
    Reversibility,
    /// `[gar]`: the GAR's web service the médiacentre calls.
    Gar,
    /// `[access]`: where the candidate shows one object by its id.
    Access,
    /// `[local_login]`: the ENT's own login form and its test account.
    LocalLogin,
}

impl TargetSection {
    /// Every section, in the order the runner checks them.
    pub const ALL: [Self; 6] = [
        Self::Sso,
        Self::Stats,
        Self::Reversibility,
        Self::Gar,
        Self::Access,
        Self::LocalLogin,
    ];

    /// Name of the table in the target file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sso => "sso",
            Self::Stats => "stats",
            Self::Reversibility => "reversibility",
            Self::Gar => "gar",
            Self::Access => "access",
            Self::LocalLogin => "local_login",
        }
    }
}

/// A source cited by a check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Short name of the source, e.g. `RGPD`.
    pub source: String,
    /// Full title of the source.
    pub title: String,
    /// Where it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Article or section.
    pub article: String,
    /// Precision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One probe invocation and what to capture from it.
#[derive(Debug)]
pub struct Step {
    /// Observation name.
    pub id: String,
    /// The probe and its parameters.
    pub action: Action,
    /// Captures taken from the observation.
    pub captures: Vec<Capture>,
}

/// The probe a step runs.
#[derive(Debug)]
pub enum Action {
    /// Anonymous page fetch.
    Fetch {
        /// URL template.
        url: Template,
        /// Stop the check unless the page is public HTML.
        public: bool,
        /// The other checks whose `public_page` assertion reads this same
        /// page (filled in when the catalog is loaded): when they are in
        /// the run, a page that is not public is their finding, and this
        /// check leaves the page unjudged instead of repeating it.
        public_judged_by: Vec<String>,
        /// The answer is judged whatever its status (an error page, or a
        /// file whose absence is the finding).
        any_status: bool,
        /// The method sent (`GET` unless the step asks for a wrong one).
        method: reqwest::Method,
    },
    /// A person logging in through one of the harness's IdPs.
    Login(LoginStep),
    /// The scripted activity in the dedicated schools, then the reading of
    /// the statistics API at every level (once per run, shared).
    Statistics(Arc<StatsSpec>),
    /// The GAR-ENT export downloaded, unpacked within bounds, validated
    /// against the schema and read (once per run, shared).
    GarExport,
    /// The harness, as GAR service provider, sends an AuthnRequest to the
    /// candidate's IdP for a logged-in pupil and reads the answer (once per
    /// run, shared).
    GarSso,
    /// A pupil opens the médiacentre while the harness plays the GAR's
    /// "ressources" web service (once per run, shared).
    GarMediacentre,
    /// Content seeded, then exports asked (school and collectivité), followed,
    /// downloaded and read, access tried by others (once per run, shared);
    /// with `link_expiry`, the link tried again once expired.
    ExportJob {
        /// Wait for the link's expiry and try it again.
        link_expiry: bool,
    },
    /// After the exports were read: deletions of a user, a class and a
    /// school asked, their certificates fetched, what they deleted probed
    /// (once per run, shared).
    Deletion,
    /// The candidate's HTTPS: its plain-HTTP address asked, `base_url` read
    /// over HTTPS, handshakes made as a browser and with what must be
    /// refused (once per run, shared).
    Tls,
    /// The seeded posts and homework opened by id, at the target's
    /// `[access]` addresses, by people of one class of the exported school
    /// (once per run, shared).
    Access,
    /// The ENT's own login form: the test account's password once, then
    /// wrong ones until the ENT slows down, locks or asks for a CAPTCHA
    /// (at most 11; once per run, shared).
    LoginThrottling,
}

/// What a `login` step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginStep {
    /// Which national service and protocol.
    pub service: SsoService,
    /// Who logs in.
    pub user: VirtualUser,
    /// The bad answer the IdP gives, if any.
    pub attack: Option<Attack>,
    /// End with a logout and a visit with the old cookies.
    pub logout: bool,
    /// The IdP starts a logout after the account page (SAML only).
    pub logout_from_idp: bool,
    /// The account page is also opened in the run's browser, in the same
    /// session (the login's cookies), and read as rendered.
    pub render: bool,
}

/// A national login service as the candidate offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsoService {
    /// EduConnect over OpenID Connect.
    EduConnectOidc,
    /// EduConnect over SAML 2.0.
    EduConnectSaml,
    /// The agents' guichet (ARENA) over SAML 2.0.
    AgentsSaml,
}

impl SsoService {
    /// Every service, in documentation order.
    pub const ALL: [Self; 3] = [Self::EduConnectOidc, Self::EduConnectSaml, Self::AgentsSaml];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EduConnectOidc => "educonnect-oidc",
            Self::EduConnectSaml => "educonnect-saml",
            Self::AgentsSaml => "agents-saml",
        }
    }

    /// The target capability that starts this login.
    pub fn capability(self) -> Capability {
        match self {
            Self::EduConnectOidc => Capability::EduconnectOidcLogin,
            Self::EduConnectSaml => Capability::EduconnectSamlLogin,
            Self::AgentsSaml => Capability::AgentsLogin,
        }
    }

    /// The SAML IdP that serves this login, if it is SAML.
    pub fn saml(self) -> Option<crate::idp::SamlService> {
        match self {
            Self::EduConnectOidc => None,
            Self::EduConnectSaml => Some(crate::idp::SamlService::EduConnect),
            Self::AgentsSaml => Some(crate::idp::SamlService::Arena),
        }
    }

    /// French label for reports.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::EduConnectOidc => "ÉduConnect (OpenID Connect)",
            Self::EduConnectSaml => "ÉduConnect (SAML)",
            Self::AgentsSaml => "guichet agents ARENA (SAML)",
        }
    }
}

/// The synthetic people of the AAF directory a login step can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VirtualUser {
    /// A pupil.
    Pupil,
    /// A parent recorded twice in the directory (children in two schools):
    /// the candidate must offer a choice of profile.
    ParentTwoProfiles,
    /// A teacher (not a director).
    Teacher,
    /// A pupil EduConnect knows but the directory does not.
    UnknownPupil,
}

impl VirtualUser {
    /// Every user, in documentation order.
    pub const ALL: [Self; 4] = [
        Self::Pupil,
        Self::ParentTwoProfiles,
        Self::Teacher,
        Self::UnknownPupil,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupil => "pupil",
            Self::ParentTwoProfiles => "parent-two-profiles",
            Self::Teacher => "teacher",
            Self::UnknownPupil => "unknown-pupil",
        }
    }
}

/// A cookie attribute a session cookie must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieAttribute {
    /// Out of reach of scripts.
    HttpOnly,
    /// Never sent over plain HTTP.
    Secure,
    /// `SameSite=Lax` or `Strict`.
    SameSite,
}

impl CookieAttribute {
    /// Every attribute.
    pub const ALL: [Self; 3] = [Self::HttpOnly, Self::Secure, Self::SameSite];

    /// Name in suite files and in `Set-Cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HttpOnly => "HttpOnly",
            Self::Secure => "Secure",
            Self::SameSite => "SameSite",
        }
    }
}

/// What a page's security headers protect against (SEC-04), each judged
/// on its own so that a report names the one missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProtection {
    /// A `Content-Security-Policy` that restricts where scripts come from.
    Scripts,
    /// `X-Content-Type-Options: nosniff`.
    Nosniff,
    /// `frame-ancestors` or `X-Frame-Options`: no framing by other sites.
    Frames,
    /// A `Referrer-Policy` that sends no path to other sites.
    Referrer,
}

impl HeaderProtection {
    /// Every protection, in documentation order.
    pub const ALL: [Self; 4] = [Self::Scripts, Self::Nosniff, Self::Frames, Self::Referrer];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scripts => "scripts",
            Self::Nosniff => "nosniff",
            Self::Frames => "frames",
            Self::Referrer => "referrer",
        }
    }
}

/// A named value extracted from a step's page.
#[derive(Debug)]
pub struct Capture {
    /// Name used as `${capture.<name>}`.
    pub name: String,
    /// What to extract.
    pub kind: CaptureKind,
    /// The checks of the catalog that judge this same link (a `link`
    /// assertion on the same page, zone and names), set when the catalog is
    /// loaded: when the link is missing, a check that only needed it to
    /// reach a page is `n/a` and names them, instead of repeating their
    /// failure. Empty when no other check judges it: the missing link is
    /// then this check's own failure.
    pub judged_by: Vec<String>,
}

/// What a capture extracts.
#[derive(Debug)]
pub enum CaptureKind {
    /// The absolute URL of a link.
    Link {
        /// Zone searched.
        within: Option<Css>,
        /// Accepted link names.
        text: PhraseList,
    },
}

/// A compiled CSS selector with its source text.
#[derive(Clone, Debug)]
pub struct Css {
    /// As written in the suite.
    pub source: String,
    /// Compiled.
    pub scope: crate::probe::Scope,
}

/// How a suite names the page's footer landmark instead of a CSS selector
/// (`@` starts no valid selector, so the two never clash).
pub(crate) const CONTENTINFO: &str = "@contentinfo";

impl Css {
    /// Compiles a zone or element as a suite writes it: a CSS selector, or
    /// [`CONTENTINFO`]. The error names the syntax problem.
    pub fn parse(source: &str) -> Result<Self, String> {
        let scope = if source.trim() == CONTENTINFO {
            crate::probe::Scope::Contentinfo
        } else {
            let selector = scraper::Selector::parse(source).map_err(|error| {
                // scraper's Display for selector errors is a generic
                // apology; the kind names the actual problem.
                let kind = format!("{error:?}");
                kind.rsplit('(')
                    .next()
                    .unwrap_or("syntaxe")
                    .trim_end_matches(')')
                    .to_owned()
            })?;
            crate::probe::Scope::Css(selector)
        };
        Ok(Self {
            source: source.to_owned(),
            scope,
        })
    }

    /// How messages name the zone: the selector in quotes, or what the
    /// footer landmark stands for.
    pub fn quoted(&self) -> String {
        match self.scope {
            crate::probe::Scope::Contentinfo => {
                "« footer, [role=contentinfo] » (pied de page, hors dialogues, articles et sections)"
                    .to_owned()
            }
            crate::probe::Scope::Css(_) => format!("« {} »", self.source),
        }
    }
}

/// A named list of phrasings, inlined from the suite's `phrases`.
#[derive(Clone, Debug)]
pub struct PhraseList {
    /// Name in the suite file.
    pub name: String,
    /// Phrasings.
    pub phrases: Arc<[String]>,
}

/// A compiled regular expression with its source text.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// As written in the suite.
    pub source: String,
    /// Compiled.
    pub regex: regex::Regex,
}

/// A step and an optional zone of its page.
#[derive(Clone, Debug)]
pub struct Zone {
    /// Step id.
    pub step: String,
    /// Zone; `None` is the whole page.
    pub within: Option<Css>,
}

/// An assertion with its presentation.
#[derive(Debug)]
pub struct Assertion {
    /// French label (explicit or generated).
    pub label: String,
    /// Article verified, if given.
    pub article: Option<String>,
    /// Severity override.
    pub severity: Option<Severity>,
    /// What is asserted.
    pub kind: AssertionKind,
}

/// The assertion kinds the harness knows; each is evaluated by a pure
/// function in `check`.
#[derive(Debug)]
pub enum AssertionKind {
    /// Final status among `codes`.
    Status {
        /// Step examined.
        step: String,
        /// Accepted codes.
        codes: Vec<u16>,
    },
    /// Public HTML page.
    PublicPage {
        /// Step examined.
        step: String,
    },
    /// An element matches.
    Element {
        /// Step examined.
        step: String,
        /// Selector.
        css: Css,
    },
    /// A link with one of the names exists.
    Link {
        /// Zone searched.
        zone: Zone,
        /// Accepted names.
        text: PhraseList,
    },
    /// One of the phrases appears.
    Phrases {
        /// Zone read.
        zone: Zone,
        /// Accepted phrasings.
        any: PhraseList,
        /// Headings naming the section read first (the whole zone when
        /// none does).
        section: Option<PhraseList>,
    },
    /// A regex matches at least `min` times.
    Pattern {
        /// Zone read.
        zone: Zone,
        /// Expression.
        pattern: Pattern,
        /// Minimum matches.
        min: usize,
        /// Headings naming the section read first (the whole zone when
        /// none does).
        section: Option<PhraseList>,
    },
    /// Exactly one phrase of the list appears.
    ExactlyOne {
        /// Zone read.
        zone: Zone,
        /// Mutually exclusive phrasings.
        of: PhraseList,
    },
    /// No forbidden cookie is set.
    Cookies {
        /// Step examined.
        step: String,
        /// Forbidden name prefixes.
        forbid: PhraseList,
    },
    /// No resource from a forbidden host.
    ThirdParty {
        /// Step examined.
        step: String,
        /// Forbidden hosts.
        forbid: PhraseList,
    },
    /// Every third party contacted is named in the notice.
    DeclaredThirdParties {
        /// Step examined.
        step: String,
        /// Where the notice is read (only when a third party was contacted).
        notice: Zone,
        /// Hosts judged elsewhere (trackers), left out.
        except: Option<PhraseList>,
    },
    /// `<html lang>` starts with `expect`.
    Lang {
        /// Step examined.
        step: String,
        /// Language prefix.
        expect: String,
    },
    /// Links have explicit accessible names.
    LinkNames {
        /// Zone examined.
        zone: Zone,
        /// Vague names.
        forbid: PhraseList,
    },
    /// Average sentence length bound.
    Readability {
        /// Zone read.
        zone: Zone,
        /// Bound in words.
        max_average_words: f64,
    },
    /// The person landed on their own account, with the right profile and school.
    SignedIn {
        /// Login step examined.
        step: String,
        /// Accepted wordings of the profile.
        profile: PhraseList,
    },
    /// The person the IdP's bad answer named did not get in.
    Refused {
        /// Login step examined.
        step: String,
    },
    /// After a logout the IdP started, the account page is closed.
    LogoutFromIdpEndsSession {
        /// Login step examined.
        step: String,
    },
    /// A response the candidate never asked for logged the person in if
    /// the target declares it accepts such responses, and opened nothing
    /// otherwise.
    UnsolicitedAsDeclared {
        /// Login step examined.
        step: String,
    },
    /// The page is a `security.txt` (RFC 9116) with a contact and an
    /// expiry date in the future.
    SecurityTxt {
        /// Fetch step examined.
        step: String,
    },
    /// The page shows no stack trace, server version or internal host.
    DiscreetError {
        /// Fetch step examined.
        step: String,
    },
    /// Every page of the steps (a fetch step's page, a login step's account
    /// page) sends the security header that gives `protection`.
    SecurityHeader {
        /// Fetch or login steps examined, in order.
        steps: Vec<String>,
        /// What the headers must protect against.
        protection: HeaderProtection,
    },
    /// No request the account pages of login steps made to another origin
    /// carries the logged-in person's data.
    PersonalData {
        /// Login steps examined, in order.
        steps: Vec<String>,
        /// Where the data is looked for.
        rule: crate::privacy::PersonalDataRule,
    },
    /// Replaying the IdP's answer from another browser did not open a session.
    ReplayRefused {
        /// Login step examined.
        step: String,
    },
    /// The session cookie carries an attribute.
    SessionCookie {
        /// Login step examined.
        step: String,
        /// Required attribute.
        attribute: CookieAttribute,
    },
    /// The session id changed at login.
    SessionRenewed {
        /// Login step examined.
        step: String,
    },
    /// No session id or access token in any URL of the candidate.
    NoSecretInUrls {
        /// Login step examined.
        step: String,
    },
    /// Logout at the candidate reached the IdP.
    IdpLogout {
        /// Login step examined.
        step: String,
    },
    /// After logout, the old session id no longer opens the account.
    LogoutEndsSession {
        /// Login step examined.
        step: String,
    },
    /// A rule over the GAR-ENT export.
    Gar {
        /// `gar_export` step examined.
        step: String,
        /// What is verified.
        rule: GarRule,
    },
    /// A rule over what people read of others' seeded objects.
    Access {
        /// `access` step examined.
        step: String,
        /// What is verified.
        rule: crate::sec::AccessRule,
    },
    /// A rule over the ENT's own login form.
    LocalLogin {
        /// `login_throttling` step examined.
        step: String,
        /// What is verified.
        rule: crate::sec::LocalLoginRule,
    },
    /// A rule over the candidate's HTTPS.
    Tls {
        /// `tls` step examined.
        step: String,
        /// What is verified.
        rule: crate::sec::TlsRule,
    },
    /// A rule over the deletions and their certificates.
    Delcert {
        /// `deletion` step examined.
        step: String,
        /// What is verified.
        rule: DelcertRule,
    },
    /// A rule over the reversibility exports.
    Export {
        /// `export_job` step examined.
        step: String,
        /// What is verified.
        rule: ExportRule,
    },
    /// A rule over the statistics the candidate served.
    Statistics {
        /// Statistics step examined.
        step: String,
        /// What is verified.
        rule: StatsRule,
        /// The suite's expectations.
        spec: Arc<StatsSpec>,
    },
    /// Accessibility mention consistent with the declared rate.
    AccessibilityRate {
        /// Where the mention is.
        mention: Zone,
        /// Where the rate is.
        declaration: Zone,
        /// States and their minimum rate, highest rate first.
        states: Vec<AccessibilityState>,
        /// Rate extraction expressions.
        rate_patterns: Vec<Pattern>,
    },
}

/// A state of the accessibility mention and the lowest rate allowing it.
#[derive(Clone, Debug)]
pub struct AccessibilityState {
    /// Phrasing.
    pub phrase: String,
    /// Lowest rate in percent.
    pub min_rate: f64,
}

impl AssertionKind {
    /// The steps whose observations this assertion reads.
    pub fn steps(&self) -> Vec<&str> {
        match self {
            Self::Status { step, .. }
            | Self::PublicPage { step }
            | Self::Element { step, .. }
            | Self::Cookies { step, .. }
            | Self::ThirdParty { step, .. }
            | Self::Lang { step, .. }
            | Self::SignedIn { step, .. }
            | Self::Refused { step }
            | Self::LogoutFromIdpEndsSession { step }
            | Self::ReplayRefused { step }
            | Self::UnsolicitedAsDeclared { step }
            | Self::SecurityTxt { step }
            | Self::DiscreetError { step }
            | Self::SessionCookie { step, .. }
            | Self::SessionRenewed { step }
            | Self::NoSecretInUrls { step }
            | Self::IdpLogout { step }
            | Self::LogoutEndsSession { step }
            | Self::Statistics { step, .. }
            | Self::Export { step, .. }
            | Self::Delcert { step, .. }
            | Self::Tls { step, .. }
            | Self::Access { step, .. }
            | Self::LocalLogin { step, .. }
            | Self::Gar { step, .. } => vec![step],
            Self::Link { zone, .. }
            | Self::Phrases { zone, .. }
            | Self::Pattern { zone, .. }
            | Self::ExactlyOne { zone, .. }
            | Self::LinkNames { zone, .. }
            | Self::Readability { zone, .. } => vec![&zone.step],
            Self::AccessibilityRate {
                mention,
                declaration,
                ..
            } => vec![&mention.step, &declaration.step],
            Self::SecurityHeader { steps, .. } | Self::PersonalData { steps, .. } => {
                steps.iter().map(String::as_str).collect()
            }
            Self::DeclaredThirdParties { step, notice, .. } => vec![step, &notice.step],
        }
    }

    /// The steps without which the assertion cannot be judged: a step
    /// among them left unreached makes it `n/a`. The others are read only
    /// when the observations call for them (the notice, when a third
    /// party was contacted), and their judge says why they are missing.
    pub fn needed_steps(&self) -> Vec<&str> {
        match self {
            Self::DeclaredThirdParties { step, .. } => vec![step],
            _ => self.steps(),
        }
    }
}

/// The validated suites of a run, in load order, with a check index.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Suites in load order.
    pub suites: Vec<Arc<Suite>>,
}

impl Catalog {
    /// Every check of every suite, in order.
    pub fn checks(&self) -> impl Iterator<Item = &Arc<Check>> {
        self.suites.iter().flat_map(|suite| suite.checks.iter())
    }

    /// Every tag used by some check, sorted.
    pub fn tags(&self) -> BTreeSet<&str> {
        self.checks()
            .flat_map(|check| check.tags.iter().map(String::as_str))
            .collect()
    }

    /// The suite with this id.
    pub fn suite(&self, id: &str) -> Option<&Arc<Suite>> {
        self.suites.iter().find(|suite| suite.id == id)
    }

    /// Checks by id.
    pub fn check_index(&self) -> BTreeMap<&str, &Arc<Check>> {
        self.checks()
            .map(|check| (check.id.as_str(), check))
            .collect()
    }
}
