//! The canonical record of a run (`results.json`, format `entconf-results`
//! version 1). The runner builds it; every reporter reads only this, so a
//! report can be rendered again later from the JSON file alone.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::check::{AssertionResult, Outcome};
use crate::evidence::Exchange;
use crate::suite::{Reference, Severity};

/// Name of the format, written in every record.
pub const FORMAT: &str = "entconf-results";
/// Version of the format.
pub const FORMAT_VERSION: u32 = 1;

/// Everything a run observed and concluded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`] for this version.
    pub version: u32,
    /// Identifier of the run, also the name of its report folder.
    pub run_id: String,
    /// Which harness produced the record.
    pub harness: Harness,
    /// The candidate.
    pub target: TargetInfo,
    /// The suites loaded, with the digest of their files.
    pub suites: Vec<SuiteInfo>,
    /// How the run was invoked.
    pub options: RunOptionsInfo,
    /// When the first check started.
    pub started_at: DateTime<Utc>,
    /// When the record was closed.
    pub finished_at: DateTime<Utc>,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// The run was stopped (Ctrl-C) before every check finished.
    pub interrupted: bool,
    /// One record per selected check, in suite order.
    pub checks: Vec<CheckRecord>,
    /// Every HTTP exchange, redacted, in id order.
    pub exchanges: Vec<Exchange>,
    /// Totals and the conclusion.
    pub summary: Summary,
    /// Waivers that no longer hold (expired, or the expected failure did not
    /// happen): the run is strict-failed (exit 5) even when conformant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strictness: Vec<String>,
    /// What the run's evidence budgets dropped, if anything (French).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_dropped: Option<String>,
    /// Whether public pages were opened in a browser, and which, or why
    /// they were read as served (French).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// Every page the browser rendered, in id order (`r0001`…); their ids
    /// are listed with the exchanges of the checks that read them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renderings: Vec<crate::browser::Rendering>,
}

/// Harness identification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Harness {
    /// Crate version.
    pub version: String,
    /// Git commit the binary was built from, when known.
    pub commit: Option<String>,
}

impl Harness {
    /// This binary.
    pub fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: option_env!("ENTCONF_COMMIT").map(str::to_owned),
        }
    }
}

/// The candidate as described by its target file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// Short identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Base URL.
    pub base_url: String,
    /// Declared capabilities and their URLs.
    pub capabilities: BTreeMap<String, String>,
    /// SHA-256 of the target description.
    pub description_sha256: String,
}

/// A suite as loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteInfo {
    /// Suite id.
    pub id: String,
    /// Title (French).
    pub title: String,
    /// File it was read from.
    pub file: String,
    /// SHA-256 of that file.
    pub sha256: String,
}

/// The invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptionsInfo {
    /// Selection flags as given (`--suite FOOTER`, …); empty means every check.
    pub selection: Vec<String>,
    /// Concurrency limit.
    pub jobs: usize,
    /// Faults seeded in the reference ENT (`entconf demo` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demo_faults: Vec<String>,
    /// Waivers file applied (`file`, SHA-256), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waivers: Option<String>,
    /// Shard of the plan this run covers (`K/N`), if split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// Check id.
    pub id: String,
    /// Suite id.
    pub suite: String,
    /// Title (French).
    pub title: String,
    /// Explanation (French).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// Sources.
    pub refs: Vec<Reference>,
    /// Tags.
    pub tags: Vec<String>,
    /// A human must confirm the evidence.
    pub review: bool,
    /// Folded outcome.
    pub outcome: Outcome,
    /// Why the check is skip, n/a or error when no assertion says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Assertions evaluated (gates and captures included when they stopped the check).
    pub assertions: Vec<AssertionResult>,
    /// Every exchange the check read.
    pub exchanges: Vec<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The waiver that turned a `fail` or `warn` into `waived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<AppliedWaiver>,
}

/// A waiver as applied to a check: the original outcome is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedWaiver {
    /// The outcome before the waiver.
    pub original: Outcome,
    /// Why the editor may ship with it (French, as written).
    pub justification: String,
    /// Last day the waiver applies.
    pub expires: chrono::NaiveDate,
    /// `file:line` of the waiver.
    pub source: String,
}

impl CheckRecord {
    /// Masks, with `redactor`, every text the judges wrote from what the
    /// candidate sent: the run applies it to each record as it is made.
    pub fn redact(&mut self, redactor: &crate::evidence::Redactor) {
        if let Some(reason) = &mut self.reason {
            *reason = redactor.message(reason);
        }
        for assertion in &mut self.assertions {
            assertion.label = redactor.message(&assertion.label);
            assertion.expected = redactor.message(&assertion.expected);
            assertion.actual = redactor.message(&assertion.actual);
        }
    }

    /// The first assertion that decided the outcome, if any.
    pub fn deciding_assertions(&self) -> impl Iterator<Item = &AssertionResult> {
        self.assertions
            .iter()
            .filter(|a| a.status != crate::check::AssertionStatus::Passed)
    }
}

/// What the run concludes, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conclusion {
    /// No fail, no error.
    Conformant,
    /// At least one `fail`.
    NotConformant,
    /// Errors and no fail: the harness could not judge everything.
    Incomplete,
}

impl Conclusion {
    /// French wording for reports.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Conformant => "conforme",
            Self::NotConformant => "non conforme",
            Self::Incomplete => "incomplet (erreurs d'évaluation)",
        }
    }
}

/// Totals of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The conclusion.
    pub conclusion: Conclusion,
    /// Number of checks.
    pub total: usize,
    /// Checks per outcome (every outcome present, zero included).
    pub by_outcome: BTreeMap<Outcome, usize>,
    /// Checks per severity, then per outcome.
    pub by_severity: BTreeMap<Severity, BTreeMap<Outcome, usize>>,
}

impl Summary {
    /// Totals of these checks.
    pub fn of(checks: &[CheckRecord]) -> Self {
        let zero = || {
            Outcome::ALL
                .iter()
                .map(|o| (*o, 0))
                .collect::<BTreeMap<_, _>>()
        };
        let mut by_outcome = zero();
        let mut by_severity: BTreeMap<Severity, BTreeMap<Outcome, usize>> = BTreeMap::new();
        for check in checks {
            *by_outcome.entry(check.outcome).or_default() += 1;
            *by_severity
                .entry(check.severity)
                .or_insert_with(zero)
                .entry(check.outcome)
                .or_default() += 1;
        }
        let count = |o: Outcome| by_outcome.get(&o).copied().unwrap_or(0);
        let conclusion = if count(Outcome::Fail) > 0 {
            Conclusion::NotConformant
        } else if count(Outcome::Error) > 0 {
            Conclusion::Incomplete
        } else {
            Conclusion::Conformant
        };
        Self {
            conclusion,
            total: checks.len(),
            by_outcome,
            by_severity,
        }
    }

    /// How many checks ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.by_outcome.get(&outcome).copied().unwrap_or(0)
    }
}

impl RunRecord {
    /// The exchange with this id.
    pub fn exchange(&self, id: &str) -> Option<&Exchange> {
        self.exchanges
            .binary_search_by(|x| x.id().cmp(id))
            .ok()
            .map(|i| &self.exchanges[i])
    }
}
