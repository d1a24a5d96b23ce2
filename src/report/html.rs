//! The HTML report: one self-contained French page (inline CSS, no script,
//! no external resource) that a reviewer can archive or print. Everything
//! from the candidate is escaped by minijinja's HTML auto-escaping.

use minijinja::Environment;
use serde::Serialize;

use super::causes::{Cause, causes};
use super::finding::references;
use super::record::{CheckRecord, Conclusion, RunRecord};
use crate::check::Outcome;
use crate::suite::Severity;

const TEMPLATE: &str = include_str!("report.html");

#[derive(Serialize)]
struct View<'a> {
    record: &'a RunRecord,
    conclusion: &'static str,
    conclusion_class: &'static str,
    outcomes: Vec<OutcomeView>,
    severities: Vec<SeverityView>,
    suites: Vec<SuiteView<'a>>,
    /// Checks a human must confirm, for the reviewer section.
    reviewed: Vec<CheckView<'a>>,
}

#[derive(Serialize)]
struct OutcomeView {
    label: &'static str,
    class: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct SeverityView {
    label: String,
    counts: Vec<usize>,
    total: usize,
}

#[derive(Serialize)]
struct SuiteView<'a> {
    id: &'a str,
    title: &'a str,
    file: &'a str,
    sha256: &'a str,
    /// The suite's findings grouped by cause, root failures first.
    causes: Vec<CauseView>,
    checks: Vec<CheckView<'a>>,
}

#[derive(Serialize)]
struct CauseView {
    cause: Cause,
    outcome: &'static str,
    outcome_class: &'static str,
}

#[derive(Serialize)]
struct CheckView<'a> {
    check: &'a CheckRecord,
    anchor: String,
    outcome: &'static str,
    outcome_class: &'static str,
    severity: String,
    references: String,
}

/// Renders the report page.
pub fn render(record: &RunRecord) -> Result<String, minijinja::Error> {
    let mut environment = Environment::new();
    environment.add_template("report.html", TEMPLATE)?;
    let (conclusion_class, conclusion) = match record.summary.conclusion {
        Conclusion::Conformant => ("pass", "Conforme"),
        Conclusion::NotConformant => ("fail", "Non conforme"),
        Conclusion::Incomplete => (
            "error",
            "Incomplet : des vérifications n'ont pas pu être évaluées",
        ),
    };
    let order: Vec<Outcome> = Outcome::ALL.iter().rev().copied().collect();
    let outcomes = order
        .iter()
        .map(|o| OutcomeView {
            label: o.label_fr(),
            class: css_class(*o),
            count: record.summary.count(*o),
        })
        .collect();
    let severities = [Severity::Must, Severity::Should, Severity::Info]
        .into_iter()
        .filter_map(|severity| {
            let counts = record.summary.by_severity.get(&severity)?;
            let row: Vec<usize> = order
                .iter()
                .map(|o| counts.get(o).copied().unwrap_or(0))
                .collect();
            Some(SeverityView {
                label: format!("{} ({})", severity.label_fr(), severity.as_str()),
                total: row.iter().sum(),
                counts: row,
            })
        })
        .collect();
    let suites = record
        .suites
        .iter()
        .map(|suite| {
            let checks: Vec<&CheckRecord> = record
                .checks
                .iter()
                .filter(|c| c.suite == suite.id)
                .collect();
            SuiteView {
                id: &suite.id,
                title: &suite.title,
                file: &suite.file,
                sha256: &suite.sha256,
                causes: causes(&checks)
                    .into_iter()
                    .map(|cause| CauseView {
                        outcome: cause.outcome.label_fr(),
                        outcome_class: css_class(cause.outcome),
                        cause,
                    })
                    .collect(),
                checks: checks.into_iter().map(check_view).collect(),
            }
        })
        .collect();
    let reviewed = record
        .checks
        .iter()
        .filter(|c| c.review)
        .map(check_view)
        .collect();
    let view = View {
        record,
        conclusion,
        conclusion_class,
        outcomes,
        severities,
        suites,
        reviewed,
    };
    environment
        .get_template("report.html")?
        .render(minijinja::value::Serde(&view))
}

fn check_view(check: &CheckRecord) -> CheckView<'_> {
    CheckView {
        check,
        anchor: format!("v-{}", check.id),
        outcome: check.outcome.label_fr(),
        outcome_class: css_class(check.outcome),
        severity: format!(
            "{} ({})",
            check.severity.label_fr(),
            check.severity.as_str()
        ),
        references: references(check),
    }
}

fn css_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Review => "review",
        Outcome::Waived => "waived",
        Outcome::Warn => "warn",
        Outcome::Fail => "fail",
        Outcome::Skip => "skip",
        Outcome::NotApplicable => "na",
        Outcome::Error => "error",
    }
}
