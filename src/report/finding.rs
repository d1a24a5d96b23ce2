//! The plain-text account of why a check did not pass, shared by the JUnit
//! failure body and the console: severity, sources, then each assertion that
//! did not hold with what was expected, what was found and the evidence ids.

use std::fmt::Write;

use super::record::CheckRecord;
use crate::check::AssertionStatus;

/// One line: the references of a check.
pub fn references(check: &CheckRecord) -> String {
    check
        .refs
        .iter()
        .map(|r| format!("{} {}", r.source, r.article))
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// The first reason the check did not pass, on one line.
pub fn headline(check: &CheckRecord) -> String {
    // A failure or an error first: an assertion left unjudged is a
    // consequence, named by the check's reason.
    let judged = check
        .assertions
        .iter()
        .find(|a| matches!(a.status, AssertionStatus::Failed | AssertionStatus::Error));
    if let Some(assertion) = judged.or_else(|| {
        check
            .assertions
            .iter()
            .find(|a| a.status != AssertionStatus::Passed)
    }) {
        return format!("{} — constaté : {}", assertion.label, assertion.actual);
    }
    check.reason.clone().unwrap_or_default()
}

/// The full explanation, several lines.
pub fn explanation(check: &CheckRecord) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{} {}", check.id, check.title);
    let _ = writeln!(
        text,
        "Résultat : {} — exigence {} ({})",
        check.outcome.label_fr(),
        check.severity.as_str(),
        check.severity.label_fr()
    );
    let _ = writeln!(text, "Références : {}", references(check));
    if let Some(reason) = &check.reason {
        let _ = writeln!(text, "Motif : {reason}");
    }
    for assertion in check
        .assertions
        .iter()
        .filter(|a| a.status != AssertionStatus::Passed)
    {
        let mark = match assertion.status {
            AssertionStatus::Error => "erreur",
            AssertionStatus::NotApplicable => "non jugée",
            AssertionStatus::Passed | AssertionStatus::Failed => "non respecté",
        };
        let article = assertion
            .article
            .as_deref()
            .map(|a| format!(" [{a}]"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "\n✗ {}{article} ({mark}, {})",
            assertion.label,
            assertion.severity.as_str()
        );
        let _ = writeln!(text, "  attendu : {}", assertion.expected);
        let _ = writeln!(text, "  constaté : {}", assertion.actual);
        if !assertion.exchanges.is_empty() {
            let _ = writeln!(text, "  preuves : {}", assertion.exchanges.join(", "));
        }
    }
    text
}
