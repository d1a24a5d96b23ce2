//! What changed between two runs, check by check: outcomes that moved,
//! checks that appeared or disappeared, and failures whose findings changed
//! while the outcome stayed. For an editor's CI: "what did this release
//! break or fix?".

use std::collections::BTreeMap;
use std::fmt::Write;

use super::record::{CheckRecord, RunRecord};
use crate::check::{AssertionStatus, Outcome};
use crate::text::for_terminal;

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Check id.
    pub id: String,
    /// Check title.
    pub title: String,
    /// Outcome in the base run, if the check ran there.
    pub before: Option<Outcome>,
    /// Outcome in the new run, if the check ran there.
    pub after: Option<Outcome>,
    /// For a same outcome: the findings that differ.
    pub findings: Vec<String>,
}

/// Differences between a base run and a new one.
pub fn diff(base: &RunRecord, new: &RunRecord) -> Vec<Change> {
    let index = |record: &RunRecord| -> BTreeMap<String, CheckRecord> {
        record
            .checks
            .iter()
            .map(|c| (c.id.clone(), c.clone()))
            .collect()
    };
    let (before, after) = (index(base), index(new));
    let mut ids: Vec<&String> = before.keys().chain(after.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut changes = Vec::new();
    for id in ids {
        let (b, a) = (before.get(id), after.get(id));
        let title = a.or(b).map(|c| c.title.clone()).unwrap_or_default();
        let (bo, ao) = (b.map(|c| c.outcome), a.map(|c| c.outcome));
        if bo != ao {
            changes.push(Change {
                id: id.clone(),
                title,
                before: bo,
                after: ao,
                findings: Vec::new(),
            });
            continue;
        }
        if let (Some(b), Some(a)) = (b, a) {
            let (fb, fa) = (findings(b), findings(a));
            let mut moved: Vec<String> = fb
                .iter()
                .filter(|f| !fa.contains(f))
                .map(|f| format!("disparu : {f}"))
                .collect();
            moved.extend(
                fa.iter()
                    .filter(|f| !fb.contains(f))
                    .map(|f| format!("nouveau : {f}")),
            );
            if !moved.is_empty() {
                changes.push(Change {
                    id: id.clone(),
                    title,
                    before: bo,
                    after: ao,
                    findings: moved,
                });
            }
        }
    }
    changes
}

/// The labels of the assertions that did not hold.
fn findings(check: &CheckRecord) -> Vec<String> {
    check
        .assertions
        .iter()
        .filter(|a| a.status != AssertionStatus::Passed)
        .map(|a| a.label.clone())
        .collect()
}

fn word(outcome: Option<Outcome>) -> &'static str {
    outcome.map_or("absent", Outcome::label_fr)
}

/// The differences as text (French), one line per check.
pub fn render(base: &RunRecord, new: &RunRecord, changes: &[Change]) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Comparaison de {} (base) avec {} (nouveau)",
        for_terminal(&base.run_id),
        for_terminal(&new.run_id)
    );
    for change in changes {
        let kind = match (change.before, change.after) {
            (None, Some(_)) => "apparu",
            (Some(_), None) => "disparu",
            (b, a) if b == a => "constats",
            (Some(b), Some(a)) if a.precedence() > b.precedence() => "dégradé",
            _ => "amélioré",
        };
        let _ = writeln!(
            text,
            "{kind:<10} {:<10} {} → {}  {}",
            for_terminal(&change.id),
            word(change.before),
            word(change.after),
            for_terminal(&change.title)
        );
        for finding in &change.findings {
            let _ = writeln!(text, "{:<21} {}", "", for_terminal(finding));
        }
    }
    let _ = writeln!(
        text,
        "{}",
        match changes.len() {
            0 => "Aucune différence.".to_owned(),
            1 => "1 différence.".to_owned(),
            n => format!("{n} différences."),
        }
    );
    text
}
