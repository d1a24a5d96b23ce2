//! Outcomes and their fold rule (docs/design.md).
//!
//! Per check, the first that applies wins: `error` (the harness could not
//! evaluate) > `n/a` > `skip` > `fail` > `warn` > `review` > `pass`.
//! An assertion that fails counts as `fail` for a `must` requirement, `warn`
//! for a `should` one, and is only noted for `info`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::suite::Severity;

/// The result of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    /// Every assertion holds.
    #[serde(rename = "pass")]
    Pass,
    /// Every assertion holds, and a human must confirm the evidence.
    #[serde(rename = "review")]
    Review,
    /// A `fail` or `warn` covered by an unexpired waiver (the original is
    /// kept in the record).
    #[serde(rename = "waived")]
    Waived,
    /// A `should` assertion does not hold.
    #[serde(rename = "warn")]
    Warn,
    /// A `must` assertion does not hold: the candidate does not conform.
    #[serde(rename = "fail")]
    Fail,
    /// Not run: the target does not declare what the check needs.
    #[serde(rename = "skip")]
    Skip,
    /// Not applicable to this candidate (a precondition does not hold).
    #[serde(rename = "n/a")]
    NotApplicable,
    /// The harness could not evaluate (network, timeout, undecodable answer).
    #[serde(rename = "error")]
    Error,
}

impl Outcome {
    /// Every outcome, most important first.
    pub const ALL: [Self; 8] = [
        Self::Error,
        Self::NotApplicable,
        Self::Skip,
        Self::Fail,
        Self::Warn,
        Self::Waived,
        Self::Review,
        Self::Pass,
    ];

    /// Rank in the fold rule: the higher wins.
    pub fn precedence(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::Review => 1,
            Self::Waived => 2,
            Self::Warn => 3,
            Self::Fail => 4,
            Self::Skip => 5,
            Self::NotApplicable => 6,
            Self::Error => 7,
        }
    }

    /// The word used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Review => "review",
            Self::Waived => "waived",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skip => "skip",
            Self::NotApplicable => "n/a",
            Self::Error => "error",
        }
    }

    /// French label for reports.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Pass => "réussi",
            Self::Review => "à revoir",
            Self::Waived => "dérogation",
            Self::Warn => "avertissement",
            Self::Fail => "échec",
            Self::Skip => "non exécuté",
            Self::NotApplicable => "sans objet",
            Self::Error => "erreur",
        }
    }

    /// Parses the word used in files.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == word)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether one assertion held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssertionStatus {
    /// It holds.
    Passed,
    /// It does not hold.
    Failed,
    /// It could not be evaluated.
    Error,
    /// Not judged: what it reads was never obtained because an earlier
    /// lookup failed (a link missing from the page it was taken from), a
    /// defect another check judges and names.
    #[serde(rename = "n/a")]
    NotApplicable,
}

/// What an assertion function concludes, before presentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Held, not held, or not evaluable.
    pub status: AssertionStatus,
    /// What was expected, in French.
    pub expected: String,
    /// What was observed, in French, with the relevant excerpt.
    pub actual: String,
    /// A severity below the assertion's, when the check's own source
    /// tolerates what was seen in this case (set by the judge, with why in
    /// `actual`); `None` keeps the assertion's.
    pub tolerated: Option<Severity>,
}

/// Problems listed in a message before "… et N autre(s)".
const PROBLEMS_SHOWN: usize = 8;

/// "a ; b ; c … et 4 autre(s)": a list of problems short enough to read.
pub(crate) fn listed(problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ; ");
    if problems.len() > PROBLEMS_SHOWN {
        text.push_str(&format!(
            " … et {} autre(s)",
            problems.len() - PROBLEMS_SHOWN
        ));
    }
    text
}

/// `Verdict::from_problems` without an introduction: the problems speak
/// for themselves.
pub(crate) fn verdict(expected: &str, problems: &[String], fine: impl Into<String>) -> Verdict {
    Verdict::from_problems(expected, "", problems, fine)
}

/// The problems found; when something could not be evaluated (`notes`),
/// `error` if nothing else was found, else the problems with those notes
/// (a failure must not hide behind a harness problem).
pub(crate) fn with_note(
    expected: &str,
    mut problems: Vec<String>,
    notes: &[String],
    fine: String,
) -> Verdict {
    if notes.is_empty() {
        return verdict(expected, &problems, fine);
    }
    let note = notes.join(" ; ");
    if problems.is_empty() {
        return Verdict::error(expected, note);
    }
    problems.push(format!("non évalué : {note}"));
    verdict(expected, &problems, "")
}

impl Verdict {
    /// Holds when there is no problem (`fine` says what was seen), fails
    /// with the problems listed after `intro` otherwise.
    pub(crate) fn from_problems(
        expected: &str,
        intro: &str,
        problems: &[String],
        fine: impl Into<String>,
    ) -> Self {
        if problems.is_empty() {
            Self::pass(expected, fine)
        } else {
            Self::fail(expected, format!("{intro}{}", listed(problems)))
        }
    }

    /// The same failure, counted at `severity` (lower than the assertion's):
    /// its source allows what was seen in this case.
    #[must_use]
    pub fn tolerated_as(mut self, severity: Severity) -> Self {
        self.tolerated = Some(severity);
        self
    }

    /// The assertion holds.
    pub fn pass(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            status: AssertionStatus::Passed,
            expected: expected.into(),
            actual: actual.into(),
            tolerated: None,
        }
    }

    /// The assertion does not hold.
    pub fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            status: AssertionStatus::Failed,
            expected: expected.into(),
            actual: actual.into(),
            tolerated: None,
        }
    }

    /// The assertion cannot be evaluated.
    pub fn error(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            status: AssertionStatus::Error,
            expected: expected.into(),
            actual: actual.into(),
            tolerated: None,
        }
    }

    /// The assertion cannot be judged with what the run has (`n/a`), for
    /// a reason that is not a harness failure (a browser the target turned
    /// off).
    pub fn unjudged(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            status: AssertionStatus::NotApplicable,
            expected: expected.into(),
            actual: actual.into(),
            tolerated: None,
        }
    }

    /// Passes when `holds`, fails otherwise.
    pub fn check(holds: bool, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        if holds {
            Self::pass(expected, actual)
        } else {
            Self::fail(expected, actual)
        }
    }
}

/// One evaluated assertion, as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssertionResult {
    /// What is verified (French).
    pub label: String,
    /// Article verified, if the suite names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// Effective severity (the assertion's override or the check's).
    pub severity: Severity,
    /// Whether it held.
    pub status: AssertionStatus,
    /// What was expected.
    pub expected: String,
    /// What was observed.
    pub actual: String,
    /// Evidence exchanges of the steps it read.
    #[serde(default)]
    pub exchanges: Vec<String>,
}

/// Folds assertion results into the check outcome (`error`, `fail`, `warn`,
/// `n/a`, `review` or `pass`).
///
/// An assertion not judged (`n/a`) never hides a failure of another, and
/// never lets the check pass: what was judged fails or errs on its own, and
/// otherwise the check is `n/a`, since part of it could not be judged.
pub fn fold(results: &[AssertionResult], review: bool) -> Outcome {
    let mut outcome = if review {
        Outcome::Review
    } else {
        Outcome::Pass
    };
    let mut unjudged = false;
    for result in results {
        let contribution = match (result.status, result.severity) {
            (AssertionStatus::Passed, _) | (AssertionStatus::Failed, Severity::Info) => continue,
            (AssertionStatus::NotApplicable, _) => {
                unjudged = true;
                continue;
            }
            (AssertionStatus::Error, _) => Outcome::Error,
            (AssertionStatus::Failed, Severity::Must) => Outcome::Fail,
            (AssertionStatus::Failed, Severity::Should) => Outcome::Warn,
        };
        if contribution.precedence() > outcome.precedence() {
            outcome = contribution;
        }
    }
    if unjudged && matches!(outcome, Outcome::Pass | Outcome::Review) {
        return Outcome::NotApplicable;
    }
    outcome
}

/// The outcome a failure of this severity produces.
pub fn failure_outcome(severity: Severity) -> Outcome {
    match severity {
        Severity::Must => Outcome::Fail,
        Severity::Should => Outcome::Warn,
        Severity::Info => Outcome::Pass,
    }
}

/// For judges' tests: asserts `verdict` has `status` and its finding says
/// `fragment`.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_says(verdict: &Verdict, status: AssertionStatus, fragment: &str) {
    assert_eq!(verdict.status, status, "{}", verdict.actual);
    assert!(
        verdict.actual.contains(fragment),
        "« {fragment} » not in « {} »",
        verdict.actual
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: AssertionStatus, severity: Severity) -> AssertionResult {
        AssertionResult {
            label: String::new(),
            article: None,
            severity,
            status,
            expected: String::new(),
            actual: String::new(),
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn fold_follows_precedence() {
        use AssertionStatus::{Error, Failed, Passed};
        use Severity::{Info, Must, Should};
        assert_eq!(fold(&[], false), Outcome::Pass);
        assert_eq!(fold(&[result(Passed, Must)], true), Outcome::Review);
        assert_eq!(fold(&[result(Failed, Info)], false), Outcome::Pass);
        assert_eq!(fold(&[result(Failed, Should)], true), Outcome::Warn);
        assert_eq!(
            fold(&[result(Failed, Should), result(Failed, Must)], false),
            Outcome::Fail
        );
        assert_eq!(
            fold(&[result(Failed, Must), result(Error, Info)], false),
            Outcome::Error
        );
    }

    #[test]
    fn an_unjudged_assertion_never_hides_a_failure_nor_lets_the_check_pass() {
        use AssertionStatus::{Error, Failed, NotApplicable, Passed};
        use Severity::{Must, Should};
        let unjudged = result(NotApplicable, Must);
        assert_eq!(
            fold(std::slice::from_ref(&unjudged), false),
            Outcome::NotApplicable
        );
        assert_eq!(
            fold(&[result(Passed, Must), unjudged.clone()], true),
            Outcome::NotApplicable
        );
        assert_eq!(
            fold(&[unjudged.clone(), result(Failed, Must)], false),
            Outcome::Fail
        );
        assert_eq!(
            fold(&[unjudged.clone(), result(Failed, Should)], false),
            Outcome::Warn
        );
        assert_eq!(
            fold(&[unjudged, result(Error, Must)], false),
            Outcome::Error
        );
    }

    #[test]
    fn outcome_words_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            let json = serde_json::to_string(&outcome).expect("serialize");
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
        let mut sorted = Outcome::ALL.to_vec();
        sorted.sort_by_key(|o| std::cmp::Reverse(o.precedence()));
        assert_eq!(sorted, Outcome::ALL.to_vec());
    }
}
