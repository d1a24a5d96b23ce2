//! The summary the CLI prints at the end of a run: one line per check that
//! needs attention, totals, the conclusion and where the reports are.

use std::fmt::Write;

use super::finding::headline;
use super::record::RunRecord;
use crate::check::Outcome;
use crate::text::for_terminal;

/// Renders the summary (plain text, French).
pub fn render(record: &RunRecord) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Cible : {} ({})",
        for_terminal(&record.target.name),
        for_terminal(&record.target.base_url)
    );
    let attention: Vec<_> = record
        .checks
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::Review))
        .collect();
    if !attention.is_empty() {
        let _ = writeln!(text);
    }
    for check in attention {
        let _ = writeln!(
            text,
            "{:<13} {:<10} {} [{}]\n              {}",
            check.outcome.label_fr(),
            for_terminal(&check.id),
            for_terminal(&check.title),
            check.severity.as_str(),
            for_terminal(&headline(check))
        );
    }
    let _ = writeln!(text);
    let totals: Vec<String> = Outcome::ALL
        .iter()
        .rev()
        .filter(|o| record.summary.count(**o) > 0)
        .map(|o| format!("{} {}", record.summary.count(*o), o.label_fr()))
        .collect();
    let _ = writeln!(
        text,
        "{} vérifications : {}",
        record.summary.total,
        totals.join(", ")
    );
    if record.interrupted {
        let _ = writeln!(text, "Exécution interrompue : le rapport est partiel.");
    }
    if let Some(dropped) = &record.evidence_dropped {
        let _ = writeln!(text, "Attention : {dropped}.");
    }
    if !record.strictness.is_empty() {
        let _ = writeln!(text, "Dérogations à revoir (code de sortie 5) :");
        for problem in &record.strictness {
            let _ = writeln!(text, "  - {}", for_terminal(problem));
        }
    }
    let _ = writeln!(
        text,
        "Conclusion : {}",
        record.summary.conclusion.label_fr()
    );
    text
}
