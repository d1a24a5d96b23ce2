//! The findings of one suite grouped by cause, for the top of its section in
//! the HTML report: each root failure once, with the checks it left
//! unjudged, so a reviewer reads one missing link, not fourteen verdicts.
//!
//! A check is a root when it failed, warned or erred; roots whose deciding
//! assertion reports the very same observation (the same 403 page, the same
//! unreadable folder) are one cause. A check left `n/a` because its input
//! came from a failed lookup names the check to see (« voir FOOTER-01 »,
//! written by the runner); it is listed under that check's cause.

use serde::Serialize;

use super::finding::headline;
use super::record::CheckRecord;
use crate::check::{AssertionStatus, Outcome};

/// One cause and the checks it explains.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// The worst outcome among the roots.
    pub outcome: Outcome,
    /// The checks whose own verdict reports it.
    pub roots: Vec<String>,
    /// The first root's headline: the assertion and what was found.
    pub summary: String,
    /// Checks left unjudged because of it.
    pub consequences: Vec<String>,
}

/// Causes of the suite's findings, failures first, then errors, then
/// warnings, each in check order.
pub fn causes(checks: &[&CheckRecord]) -> Vec<Cause> {
    let mut found: Vec<(String, Cause)> = Vec::new();
    for check in checks {
        if !matches!(
            check.outcome,
            Outcome::Fail | Outcome::Error | Outcome::Warn
        ) {
            continue;
        }
        let key = deciding_observation(check);
        match found.iter_mut().find(|(k, _)| *k == key) {
            Some((_, cause)) => {
                cause.roots.push(check.id.clone());
                if rank(check.outcome) < rank(cause.outcome) {
                    cause.outcome = check.outcome;
                }
            }
            None => found.push((
                key,
                Cause {
                    outcome: check.outcome,
                    roots: vec![check.id.clone()],
                    summary: headline(check),
                    consequences: Vec::new(),
                },
            )),
        }
    }
    for check in checks {
        if check.outcome != Outcome::NotApplicable {
            continue;
        }
        let named: Vec<&str> = check
            .assertions
            .iter()
            .filter(|a| a.status == AssertionStatus::NotApplicable)
            .flat_map(|a| seen_at(&a.actual))
            .collect();
        if let Some((_, cause)) = found
            .iter_mut()
            .find(|(_, cause)| named.iter().any(|id| cause.roots.iter().any(|r| r == id)))
        {
            cause.consequences.push(check.id.clone());
        }
    }
    let mut causes: Vec<Cause> = found.into_iter().map(|(_, cause)| cause).collect();
    // Stable: check order within each outcome.
    causes.sort_by_key(|cause| rank(cause.outcome));
    causes
}

/// What the deciding assertion observed, the grouping key: the same text
/// from two checks is the same fact about the candidate.
fn deciding_observation(check: &CheckRecord) -> String {
    check
        .assertions
        .iter()
        .find(|a| matches!(a.status, AssertionStatus::Failed | AssertionStatus::Error))
        .map_or_else(
            // No assertion: the check's own reason is its cause.
            || format!("{}:{}", check.id, check.reason.clone().unwrap_or_default()),
            // The expected side names the item sought: « none found in
            // the notice » for two different items is two causes.
            |a| format!("{}\n{}", a.expected, a.actual),
        )
}

/// The check ids in « voir XXX-00 » or « voir XXX-00, YYY-01 » at the end
/// of an unjudged assertion.
fn seen_at(actual: &str) -> Vec<&str> {
    let Some((_, after)) = actual.rsplit_once("voir ") else {
        return Vec::new();
    };
    let ids: Vec<&str> = after
        .split(',')
        .map(|id| {
            id.trim()
                .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        })
        .collect();
    if ids.iter().all(|id| is_check_id(id)) {
        ids
    } else {
        Vec::new()
    }
}

fn is_check_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(suite, number)| {
        !suite.is_empty()
            && suite.chars().all(|c| c.is_ascii_uppercase())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

fn rank(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Fail => 0,
        Outcome::Error => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::AssertionResult;
    use crate::suite::Severity;

    fn assertion(status: AssertionStatus, actual: &str) -> AssertionResult {
        AssertionResult {
            label: "lien vers la notice".to_owned(),
            article: None,
            severity: Severity::Must,
            status,
            expected: "un lien".to_owned(),
            actual: actual.to_owned(),
            exchanges: Vec::new(),
        }
    }

    fn check(id: &str, outcome: Outcome, assertions: Vec<AssertionResult>) -> CheckRecord {
        CheckRecord {
            id: id.to_owned(),
            suite: "FOOTER".to_owned(),
            title: id.to_owned(),
            description: None,
            severity: Severity::Must,
            refs: Vec::new(),
            tags: Vec::new(),
            review: false,
            outcome,
            reason: None,
            assertions,
            exchanges: Vec::new(),
            duration_ms: 0,
            waiver: None,
        }
    }

    #[test]
    fn a_missing_link_is_one_cause_with_its_unjudged_consequences() {
        let root = check(
            "FOOTER-01",
            Outcome::Fail,
            vec![assertion(
                AssertionStatus::Failed,
                "aucun dans le pied de page",
            )],
        );
        let unjudged = |id| {
            check(
                id,
                Outcome::NotApplicable,
                vec![assertion(
                    AssertionStatus::NotApplicable,
                    "lien « notice » introuvable (aucun) : voir FOOTER-01",
                )],
            )
        };
        let (a, b) = (unjudged("FOOTER-03"), unjudged("FOOTER-04"));
        let unrelated = check("FOOTER-05", Outcome::NotApplicable, Vec::new());
        let passed = check("FOOTER-06", Outcome::Pass, Vec::new());
        let found = causes(&[&root, &a, &b, &unrelated, &passed]);
        assert_eq!(
            found,
            [Cause {
                outcome: Outcome::Fail,
                roots: vec!["FOOTER-01".to_owned()],
                summary: "lien vers la notice — constaté : aucun dans le pied de page".to_owned(),
                consequences: vec!["FOOTER-03".to_owned(), "FOOTER-04".to_owned()],
            }]
        );
    }

    #[test]
    fn the_same_observation_from_several_checks_is_one_cause_and_failures_come_first() {
        let forbidden = "http://ent.test/ répond 403 : page non jugée";
        let errors: Vec<CheckRecord> = ["FOOTER-01", "FOOTER-14"]
            .into_iter()
            .map(|id| {
                check(
                    id,
                    Outcome::Error,
                    vec![assertion(AssertionStatus::Error, forbidden)],
                )
            })
            .collect();
        let failed = check(
            "FOOTER-20",
            Outcome::Fail,
            vec![assertion(AssertionStatus::Failed, "lang absent")],
        );
        let found = causes(&[&errors[0], &errors[1], &failed]);
        let roots: Vec<&[String]> = found.iter().map(|c| c.roots.as_slice()).collect();
        assert_eq!(
            roots,
            [
                &["FOOTER-20".to_owned()][..],
                &["FOOTER-01".to_owned(), "FOOTER-14".to_owned()][..]
            ]
        );
    }

    #[test]
    fn the_same_words_about_two_different_items_are_two_causes() {
        let missing = |id, item: &str| {
            let mut a = assertion(AssertionStatus::Failed, "aucune trouvée dans « main »");
            a.expected = item.to_owned();
            check(id, Outcome::Fail, vec![a])
        };
        let (a, b) = (
            missing("FOOTER-03", "l'une des formulations « responsable »"),
            missing(
                "FOOTER-11",
                "l'une des formulations « durée de conservation »",
            ),
        );
        assert_eq!(causes(&[&a, &b]).len(), 2);
    }

    #[test]
    fn only_a_well_formed_check_id_is_read_after_voir() {
        assert_eq!(seen_at("… : voir FOOTER-02"), ["FOOTER-02"]);
        assert_eq!(seen_at("… : voir GAR-08."), ["GAR-08"]);
        assert_eq!(
            seen_at("… : voir FOOTER-01, FOOTER-18"),
            ["FOOTER-01", "FOOTER-18"]
        );
        assert!(seen_at("… : voir la suite SSO").is_empty());
        assert!(seen_at("sans renvoi").is_empty());
    }
}
