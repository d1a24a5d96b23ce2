//! Offerings side by side, for a DANE choosing for its communes: a matrix
//! of checks × candidates (French HTML, one self-contained page, no script)
//! grouped by suite, filterable by severity with CSS alone (`:target`),
//! counts per candidate, each cell linking to that candidate's evidence;
//! and the same matrix as CSV for spreadsheets.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

use super::record::RunRecord;
use crate::check::Outcome;
use crate::suite::Severity;

const TEMPLATE: &str = include_str!("compare.html");

/// One candidate's run, and where its HTML report is relative to the page.
pub struct Offering<'a> {
    /// The run.
    pub record: &'a RunRecord,
    /// Link to its `index.html`, relative to the comparison page.
    pub report_href: String,
}

#[derive(Serialize)]
struct Column {
    name: String,
    url: String,
    run_id: String,
    conclusion: &'static str,
    counts: Vec<usize>,
}

#[derive(Serialize)]
struct Cell {
    label: &'static str,
    class: &'static str,
    href: String,
    title: String,
}

#[derive(Serialize)]
struct Row {
    id: String,
    title: String,
    severity: &'static str,
    severity_label: String,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Group {
    suite: String,
    title: String,
    rows: Vec<Row>,
}

fn class(outcome: Outcome) -> &'static str {
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

/// Every check of every offering, in suite order, then id order.
fn rows(offerings: &[Offering<'_>]) -> Vec<(String, String, String, Severity)> {
    let mut seen: BTreeMap<(usize, String), (String, String, Severity)> = BTreeMap::new();
    for offering in offerings {
        for check in &offering.record.checks {
            let suite_rank = offering
                .record
                .suites
                .iter()
                .position(|s| s.id == check.suite)
                .unwrap_or(usize::MAX);
            seen.entry((suite_rank, check.id.clone())).or_insert((
                check.suite.clone(),
                check.title.clone(),
                check.severity,
            ));
        }
    }
    seen.into_iter()
        .map(|((_, id), (suite, title, severity))| (suite, id, title, severity))
        .collect()
}

/// The comparison page.
pub fn render_html(offerings: &[Offering<'_>]) -> Result<String, minijinja::Error> {
    let outcomes: Vec<Outcome> = Outcome::ALL.iter().rev().copied().collect();
    let columns: Vec<Column> = offerings
        .iter()
        .map(|o| Column {
            name: o.record.target.name.clone(),
            url: o.record.target.base_url.clone(),
            run_id: o.record.run_id.clone(),
            conclusion: o.record.summary.conclusion.label_fr(),
            counts: outcomes
                .iter()
                .map(|x| o.record.summary.count(*x))
                .collect(),
        })
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    for (suite, id, title, severity) in rows(offerings) {
        let cells = offerings
            .iter()
            .map(|o| match o.record.checks.iter().find(|c| c.id == id) {
                Some(check) => Cell {
                    label: check.outcome.label_fr(),
                    class: class(check.outcome),
                    href: format!("{}#v-{id}", o.report_href),
                    title: crate::report::headline(check),
                },
                None => Cell {
                    label: "non évaluée",
                    class: "skip",
                    href: String::new(),
                    title: "vérification absente de cette exécution".to_owned(),
                },
            })
            .collect();
        let row = Row {
            id,
            title,
            severity: severity.as_str(),
            severity_label: severity.label_fr().to_owned(),
            cells,
        };
        match groups.last_mut() {
            Some(group) if group.suite == suite => group.rows.push(row),
            _ => {
                let title = offerings
                    .iter()
                    .flat_map(|o| o.record.suites.iter())
                    .find(|s| s.id == suite)
                    .map(|s| s.title.clone())
                    .unwrap_or_default();
                groups.push(Group {
                    suite,
                    title,
                    rows: vec![row],
                });
            }
        }
    }
    let outcome_labels: Vec<&str> = outcomes.iter().map(|o| o.label_fr()).collect();
    let mut environment = Environment::new();
    environment.add_template("compare.html", TEMPLATE)?;
    #[derive(Serialize)]
    struct View<'a> {
        columns: Vec<Column>,
        groups: Vec<Group>,
        outcome_labels: Vec<&'a str>,
    }
    environment
        .get_template("compare.html")?
        .render(minijinja::value::Serde(&View {
            columns,
            groups,
            outcome_labels,
        }))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', ';']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The matrix as CSV (comma-separated, RFC 4180 quoting, UTF-8).
pub fn render_csv(offerings: &[Offering<'_>]) -> String {
    let mut out = String::from("suite,vérification,titre,exigence");
    for offering in offerings {
        out.push(',');
        out.push_str(&csv_field(&offering.record.target.name));
    }
    out.push('\n');
    for (suite, id, title, severity) in rows(offerings) {
        let mut line = vec![
            csv_field(&suite),
            csv_field(&id),
            csv_field(&title),
            severity.as_str().to_owned(),
        ];
        for offering in offerings {
            let outcome = offering
                .record
                .checks
                .iter()
                .find(|c| c.id == id)
                .map_or("non évaluée", |c| c.outcome.label_fr());
            line.push(csv_field(outcome));
        }
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}
