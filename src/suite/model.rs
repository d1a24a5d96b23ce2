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
use crate::idp::Attack;

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
                Action::Fetch { .. } | Action::GarExport => &[],
                Action::Login(_) | Action::GarSso => &[TargetSection::Sso],
                Action::Statistics(_) => &[TargetSection::Sso, TargetSection::Stats],
                Action::GarMediacentre => &[TargetSection::Sso, TargetSection::Gar],
                Action::ExportJob { .. } | Action::Deletion => {
                    &[TargetSection::Sso, TargetSection::Reversibility]
                }
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
}

impl TargetSection {
    /// Every section, in the order the runner checks them.
    pub const ALL: [Self; 4] = [Self::Sso, Self::Stats, Self::Reversibility, Self::Gar];

    /// Name of the table in the target file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sso => "sso",
            Self::Stats => "stats",
            Self::Reversibility => "reversibility",
            Self::Gar => "gar",
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

/// A named value extracted from a step's page.
#[derive(Debug)]
pub struct Capture {
    /// Name used as `${capture.<name>}`.
    pub name: String,
    /// What to extract.
    pub kind: CaptureKind,
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
    pub selector: scraper::Selector,
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

/// What the statistics must contain and how the harness exercises them
/// (the suite's `statistics:` block): regulation-dependent parameters stay
/// in the suite file.
#[derive(Debug)]
pub struct StatsSpec {
    /// Profile column suffixes, e.g. `eleve`.
    pub profiles: Vec<String>,
    /// Service column suffixes, e.g. `messagerie`.
    pub services: Vec<String>,
    /// Device column suffixes, e.g. `smartphone`.
    pub devices: Vec<String>,
    /// Measures and their breakdowns.
    pub measures: Vec<Measure>,
    /// Deployment indicators broken down by profile (additive).
    pub deployment: Vec<Deployment>,
    /// Suffix of the all-profiles column, e.g. `globales`.
    pub total_suffix: String,
    /// Definitions the candidate must publish.
    pub definitions: Vec<String>,
    /// Statistical confidentiality.
    pub small_cells: SmallCells,
    /// Keys that name a person (forbidden in any document).
    pub forbidden_keys: Vec<String>,
    /// CSV separator.
    pub csv_separator: char,
    /// Context columns of the DNMA-shaped export.
    pub dnma_keys: Vec<String>,
    /// User-Agent sent per device.
    pub user_agents: BTreeMap<String, String>,
    /// The scripted activity, run in every dedicated school.
    pub activity: Vec<ActivityLine>,
    /// Allowance on the measured duration of each visit.
    pub duration_tolerance: Duration,
}

/// A measure (`visites`) and what it is broken down by.
#[derive(Clone, Debug)]
pub struct Measure {
    /// Column prefix.
    pub name: String,
    /// An upper level is the sum of its children.
    pub additive: bool,
    /// What it counts, for the ground truth.
    pub counts: Counted,
    /// Breakdowns served.
    pub by: Vec<Dimension>,
}

/// A deployment indicator (per profile).
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Column prefix, e.g. `comptes_charges`.
    pub name: String,
    /// What it counts.
    pub counts: Counted,
}

/// What a column counts, so that the harness knows what to expect from
/// the activity it played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Visits (login to logout).
    Visits,
    /// Distinct people.
    People,
    /// Seconds spent, summed over visits.
    Seconds,
    /// Accounts loaded from the directory.
    Loaded,
    /// Accounts used at least once.
    Activated,
}

impl Counted {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Visits,
        Self::People,
        Self::Seconds,
        Self::Loaded,
        Self::Activated,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visits => "visits",
            Self::People => "people",
            Self::Seconds => "seconds",
            Self::Loaded => "loaded",
            Self::Activated => "activated",
        }
    }
}

/// A breakdown of a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// All profiles together (`<measure>_<total_suffix>`).
    Total,
    /// Per profile.
    Profile,
    /// Per service.
    Service,
    /// Per device.
    Device,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Self; 4] = [Self::Total, Self::Profile, Self::Service, Self::Device];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Profile => "profile",
            Self::Service => "service",
            Self::Device => "device",
        }
    }
}

/// Statistical confidentiality: counts below `below` are left empty.
#[derive(Clone, Debug)]
pub struct SmallCells {
    /// Smallest count that may be shown (counts from 1 to `below - 1` are hidden).
    pub below: u64,
    /// Levels where the rule applies.
    pub levels: Vec<crate::stats::Level>,
    /// Measures it applies to.
    pub measures: Vec<String>,
}

/// One line of the scripted activity.
#[derive(Clone, Debug)]
pub struct ActivityLine {
    /// Who logs in.
    pub who: Who,
    /// Profile column they are counted in.
    pub profile: String,
    /// Distinct people.
    pub people: usize,
    /// Visits of each.
    pub visits_each: usize,
    /// Services used in each visit.
    pub services: Vec<String>,
    /// Device (User-Agent) used.
    pub device: String,
}

/// The people of a dedicated school an activity line uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// Pupils (ÉduConnect).
    Pupils,
    /// Parents (ÉduConnect); people with children in two dedicated schools first.
    Parents,
    /// Teachers (agents' guichet).
    Teachers,
    /// The school's director (agents' guichet).
    Director,
}

impl Who {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Pupils, Self::Parents, Self::Teachers, Self::Director];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupils => "pupils",
            Self::Parents => "parents",
            Self::Teachers => "teachers",
            Self::Director => "director",
        }
    }
}

/// A column the statistics must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, e.g. `visites_eleve`.
    pub name: String,
    /// Measure prefix.
    pub measure: String,
    /// Sums up the levels.
    pub additive: bool,
    /// What it counts.
    pub counts: Counted,
    /// Breakdown.
    pub dimension: Dimension,
    /// Profile, service or device (empty for totals).
    pub value: String,
}

impl StatsSpec {
    /// Every column the suite expects, measures first, then deployment.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns = Vec::new();
        for measure in &self.measures {
            for dimension in &measure.by {
                let values: Vec<&String> = match dimension {
                    Dimension::Total => vec![&self.total_suffix],
                    Dimension::Profile => self.profiles.iter().collect(),
                    Dimension::Service => self.services.iter().collect(),
                    Dimension::Device => self.devices.iter().collect(),
                };
                for value in values {
                    columns.push(Column {
                        name: format!("{}_{value}", measure.name),
                        measure: measure.name.clone(),
                        additive: measure.additive,
                        counts: measure.counts,
                        dimension: *dimension,
                        value: if *dimension == Dimension::Total {
                            String::new()
                        } else {
                            value.clone()
                        },
                    });
                }
            }
        }
        for indicator in &self.deployment {
            for profile in &self.profiles {
                columns.push(Column {
                    name: format!("{}_{profile}", indicator.name),
                    measure: indicator.name.clone(),
                    additive: true,
                    counts: indicator.counts,
                    dimension: Dimension::Profile,
                    value: profile.clone(),
                });
            }
        }
        columns
    }

    /// Whether a count is one the confidentiality rule hides at `level`.
    pub fn hidden(&self, column: &Column, level: crate::stats::Level, count: u64) -> bool {
        (1..self.small_cells.below).contains(&count)
            && self.small_cells.levels.contains(&level)
            && self.small_cells.measures.contains(&column.measure)
    }
}

/// What a `statistics` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsRule {
    /// Every level is served, reachable from the académie down.
    Levels,
    /// Every expected column is there, every value a count or hidden.
    Indicators,
    /// The definitions are published.
    Definitions,
    /// The dedicated schools count exactly the scripted activity.
    GroundTruth,
    /// Additive measures of a level are the sum of its children.
    Additive,
    /// Unique users are never summed across children.
    UniqueUsers,
    /// The CSV has the declared separator and the JSON's values.
    Csv,
    /// Small counts are hidden where the suite says.
    SmallCells,
    /// Weeks start on Monday, inside the period asked for.
    Weeks,
    /// Requests without credentials get nothing.
    Anonymous,
    /// Each viewer gets their scope and nothing else.
    Scoped,
    /// No document names or identifies a person.
    NoIdentifiers,
    /// The DNMA-shaped export: one row per UAI and week, with the context keys.
    Dnma,
}

impl StatsRule {
    /// Every rule.
    pub const ALL: [Self; 13] = [
        Self::Levels,
        Self::Indicators,
        Self::Definitions,
        Self::GroundTruth,
        Self::Additive,
        Self::UniqueUsers,
        Self::Csv,
        Self::SmallCells,
        Self::Weeks,
        Self::Anonymous,
        Self::Scoped,
        Self::NoIdentifiers,
        Self::Dnma,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Levels => "levels",
            Self::Indicators => "indicators",
            Self::Definitions => "definitions",
            Self::GroundTruth => "ground_truth",
            Self::Additive => "additive",
            Self::UniqueUsers => "unique_users",
            Self::Csv => "csv",
            Self::SmallCells => "small_cells",
            Self::Weeks => "weeks",
            Self::Anonymous => "anonymous",
            Self::Scoped => "scoped",
            Self::NoIdentifiers => "no_identifiers",
            Self::Dnma => "dnma",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Levels => "Statistiques servies à chaque niveau, de l'académie à l'école",
            Self::Indicators => "Indicateurs et dimensions attendus, valeurs entières ou masquées",
            Self::Definitions => "Définitions publiées (visite, utilisateur unique, durée)",
            Self::GroundTruth => "Les écoles dédiées comptent exactement l'activité jouée",
            Self::Additive => "Chaque niveau est la somme de ses enfants (mesures additives)",
            Self::UniqueUsers => "Les utilisateurs uniques ne sont pas additionnés entre niveaux",
            Self::Csv => "Export CSV : séparateur déclaré, mêmes valeurs que le JSON",
            Self::SmallCells => "Petits effectifs masqués (secret statistique)",
            Self::Weeks => "Semaines du lundi au dimanche, dans la période demandée",
            Self::Anonymous => "Aucune statistique sans authentification",
            Self::Scoped => "Chaque compte ne voit que son périmètre",
            Self::NoIdentifiers => "Aucune donnée identifiant une personne",
            Self::Dnma => "Export au format DNMA : une ligne par UAI et par semaine",
        }
    }
}

/// What a `gar` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarRule {
    /// Archive name, `.md5`, member names, the five kinds, safe unpacking.
    Delivery,
    /// Every file valid against GAR-ENT-1D.xsd.
    Schema,
    /// Every reference resolves; no person twice.
    Integrity,
    /// Identifiers unchanged in the next export of unchanged data.
    StableIds,
    /// Every pupil, teacher, class and school of the seeded directory, nobody else.
    Completeness,
    /// Nothing the GAR does not need: no parent, assigners are staff.
    Minimisation,
    /// The IdP metadata: valid, with a signing certificate in its validity.
    IdpMetadata,
    /// The assertion sent to the GAR: signed, addressed, minimal.
    Assertion,
    /// No assertion for an unknown service provider or a foreign return
    /// address.
    OnlyTheGar,
    /// The médiacentre calls the GAR web service with the declared client
    /// certificate, for the logged-in person only.
    MediacentreCall,
    /// The médiacentre shows every resource the GAR served, with its link.
    MediacentreShown,
}

/// What an `export` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportRule {
    /// Only the controller may start an export or follow its job.
    Access,
    /// Every seeded item, relation, account and file is in the export.
    Complete,
    /// The archive opens safely; open formats; the published records.
    Archive,
    /// The manifest lists every file once with its size and SHA-256.
    Manifest,
    /// National identifiers present, every reference resolves.
    Identifiers,
    /// The download link is reserved to the requester and expires.
    Link,
    /// The export holds its scope's data and nothing else.
    Scope,
    /// Imported into the reference ENT and exported again, nothing is lost.
    RoundTrip,
    /// The service keeps reading and writing while an export runs.
    Continuity,
    /// A person obtains their own data, and nobody else's.
    Portability,
}

impl ExportRule {
    /// Every rule.
    pub const ALL: [Self; 10] = [
        Self::Access,
        Self::Complete,
        Self::Archive,
        Self::Manifest,
        Self::Identifiers,
        Self::Link,
        Self::Scope,
        Self::RoundTrip,
        Self::Continuity,
        Self::Portability,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Complete => "complete",
            Self::Archive => "archive",
            Self::Manifest => "manifest",
            Self::Identifiers => "identifiers",
            Self::Link => "link",
            Self::Scope => "scope",
            Self::RoundTrip => "round_trip",
            Self::Continuity => "continuity",
            Self::Portability => "portability",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Access => "Export lancé et suivi par le seul responsable des données",
            Self::Complete => {
                "Chaque élément amorcé revient avec ses liens, chaque fichier à l'identique"
            }
            Self::Archive => "Archive sûre, formats ouverts, enregistrements du format publié",
            Self::Manifest => "Manifeste : chaque fichier une fois, avec sa taille et son SHA-256",
            Self::Identifiers => "Identifiants nationaux présents, chaque référence résolue",
            Self::Link => "Lien de téléchargement réservé au demandeur et qui expire",
            Self::Scope => "L'export contient son périmètre et rien d'autre",
            Self::RoundTrip => "Réimporté dans l'ENT de référence puis réexporté, rien n'est perdu",
            Self::Continuity => "Le service lit et écrit normalement pendant et après l'export",
            Self::Portability => {
                "Chacun obtient ses propres données, et celles de personne d'autre"
            }
        }
    }
}

/// What a `delcert` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelcertRule {
    /// Only the controller may ask for a deletion; each gets a reference.
    Channel,
    /// Each certificate is a JWS signed with a published key, stable.
    Signed,
    /// Each certificate states scope, dates, method, verification, signer.
    Content,
    /// What was certified deleted is gone, and nothing else.
    Effective,
    /// Backup copies destroyed within three months.
    Backups,
    /// The certificate's counts are those of the data deleted.
    Counts,
    /// Deleted accounts no longer log in (they did before the deletion).
    Logins,
    /// The statistics no longer count deleted accounts, and only them.
    Statistics,
    /// Deleted within a month (a user, a class) or three (a school).
    Timeliness,
    /// Each sub-processor covered, with its attestation or statement.
    Processors,
    /// Downstream recipients (the GAR) notified, with dates.
    Notifications,
    /// Data kept is listed, with legal basis and end date, and minimal.
    Exceptions,
    /// Each deletion is in the journal, without what it deleted.
    Journal,
}

impl DelcertRule {
    /// Every rule.
    pub const ALL: [Self; 13] = [
        Self::Channel,
        Self::Signed,
        Self::Content,
        Self::Effective,
        Self::Backups,
        Self::Counts,
        Self::Logins,
        Self::Statistics,
        Self::Timeliness,
        Self::Processors,
        Self::Notifications,
        Self::Exceptions,
        Self::Journal,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Signed => "signed",
            Self::Content => "content",
            Self::Effective => "effective",
            Self::Backups => "backups",
            Self::Counts => "counts",
            Self::Logins => "logins",
            Self::Statistics => "statistics",
            Self::Timeliness => "timeliness",
            Self::Processors => "processors",
            Self::Notifications => "notifications",
            Self::Exceptions => "exceptions",
            Self::Journal => "journal",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Channel => {
                "Suppression demandée par le seul responsable, chaque demande référencée"
            }
            Self::Signed => {
                "Certificat signé (JWS EdDSA, clé publiée), identique à chaque téléchargement"
            }
            Self::Content => {
                "Certificat complet : périmètre, dates, méthode, vérification, signataire"
            }
            Self::Effective => "Ce qui est certifié supprimé a disparu, et rien d'autre",
            Self::Backups => "Sauvegardes détruites dans les trois mois",
            Self::Counts => "Les comptes du certificat sont ceux des données supprimées",
            Self::Logins => "Les comptes supprimés ne se connectent plus",
            Self::Statistics => "Les statistiques ne comptent plus les comptes supprimés",
            Self::Timeliness => {
                "Suppression achevée dans le mois (utilisateur, classe) ou les trois mois (école)"
            }
            Self::Processors => {
                "Chaque sous-traitant couvert, avec son attestation ou sa déclaration"
            }
            Self::Notifications => "Destinataires des données (GAR) informés de la suppression",
            Self::Exceptions => {
                "Données conservées explicites : base légale, date de fin, rien du contenu"
            }
            Self::Journal => "Chaque suppression journalisée, sans ce qu'elle a supprimé",
        }
    }
}

/// The kind of step a GAR rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarStep {
    /// `gar_export`.
    Export,
    /// `gar_sso`.
    Sso,
    /// `gar_mediacentre`.
    Mediacentre,
}

impl GarStep {
    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "gar_export",
            Self::Sso => "gar_sso",
            Self::Mediacentre => "gar_mediacentre",
        }
    }
}

impl GarRule {
    /// Every rule.
    pub const ALL: [Self; 11] = [
        Self::Delivery,
        Self::Schema,
        Self::Integrity,
        Self::StableIds,
        Self::Completeness,
        Self::Minimisation,
        Self::IdpMetadata,
        Self::Assertion,
        Self::OnlyTheGar,
        Self::MediacentreCall,
        Self::MediacentreShown,
    ];

    /// The kind of step the rule reads.
    pub fn step_kind(self) -> GarStep {
        match self {
            Self::IdpMetadata | Self::Assertion | Self::OnlyTheGar => GarStep::Sso,
            Self::MediacentreCall | Self::MediacentreShown => GarStep::Mediacentre,
            _ => GarStep::Export,
        }
    }

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Schema => "schema",
            Self::Integrity => "integrity",
            Self::StableIds => "stable_ids",
            Self::Completeness => "completeness",
            Self::Minimisation => "minimisation",
            Self::IdpMetadata => "idp_metadata",
            Self::Assertion => "assertion",
            Self::OnlyTheGar => "only_the_gar",
            Self::MediacentreCall => "mediacentre_call",
            Self::MediacentreShown => "mediacentre_shown",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Delivery => "Archive livrée, somme MD5 et noms de fichiers conformes",
            Self::Schema => "Chaque fichier est valide selon le schéma GAR-ENT-1D",
            Self::Integrity => {
                "Chaque référence de l'export est résolue, aucune personne en double"
            }
            Self::StableIds => "Identifiants inchangés d'un export à l'autre, données inchangées",
            Self::Completeness => "L'export contient exactement l'annuaire de référence",
            Self::Minimisation => "L'export ne transmet rien dont le GAR n'a pas besoin",
            Self::IdpMetadata => "Métadonnées de l'IdP publiées, certificat de signature valide",
            Self::Assertion => {
                "Assertion signée, bien adressée, limitée à idEnt et GARPersonIdentifiant"
            }
            Self::OnlyTheGar => {
                "Aucune assertion pour un fournisseur inconnu ou une adresse de retour étrangère"
            }
            Self::MediacentreCall => {
                "Service ressources appelé avec le certificat client, pour l'utilisateur connecté seul"
            }
            Self::MediacentreShown => {
                "Chaque ressource servie par le GAR est affichée avec son lien"
            }
        }
    }
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
            | Self::ReplayRefused { step }
            | Self::SessionCookie { step, .. }
            | Self::SessionRenewed { step }
            | Self::NoSecretInUrls { step }
            | Self::IdpLogout { step }
            | Self::LogoutEndsSession { step }
            | Self::Statistics { step, .. }
            | Self::Export { step, .. }
            | Self::Delcert { step, .. }
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
