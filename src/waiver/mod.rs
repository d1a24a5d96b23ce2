//! Waivers: an editor's signed-off exceptions (the idea of InSpec's
//! waivers). Each names a check, a target glob, the outcome it
//! expects (`fail` or `warn`), a justification and an expiry — all required.
//! A matching unexpired waiver turns that outcome into `waived`, keeping the
//! original; an expired waiver, or one whose expected failure did not
//! happen, makes the run strict-failed (exit 5) so that stale waivers are
//! removed rather than forgotten.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::check::Outcome;
use crate::report::{AppliedWaiver, RunRecord, Summary};
use crate::suite::{
    Catalog, Diagnostic, Diagnostics, Located, SuiteSource, hex_sha256, parse_yaml_as,
};

/// One waiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// Check id.
    pub check: String,
    /// Glob on the target id (`*` any run of characters, `?` one).
    pub target: String,
    /// The outcome waived: `fail` or `warn`.
    pub expected: Outcome,
    /// Why (French, as written).
    pub justification: String,
    /// Last day it applies.
    pub expires: NaiveDate,
    /// `file:line`.
    pub source: String,
}

/// A waivers file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waivers {
    /// Path as given.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Waivers in file order.
    pub list: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    schema: Located<u32>,
    waivers: Vec<Located<WaiverEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverEntry {
    check: Located<String>,
    target: Located<String>,
    expected: Located<String>,
    justification: Located<String>,
    expires: Located<String>,
}

/// Reads a waivers file and checks it against the catalog.
pub fn load(path: &Path, catalog: &Catalog) -> Result<Waivers, Diagnostics> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        Diagnostics(vec![Diagnostic::file(
            &file,
            format!("lecture impossible du fichier de dérogations : {error}"),
        )])
    })?;
    parse(&file, &text, catalog)
}

/// Parses a waivers file; every problem is reported at once.
pub fn parse(file: &str, text: &str, catalog: &Catalog) -> Result<Waivers, Diagnostics> {
    let source = SuiteSource {
        path: file.to_owned(),
        text: text.to_owned(),
    };
    let raw: WaiverFile = parse_yaml_as(&source).map_err(|d| Diagnostics(vec![d]))?;
    let mut problems = Vec::new();
    let mut at = |located_line: u32, column: u32, message: String| {
        problems.push(Diagnostic::at(file, text, located_line, column, message));
    };
    if raw.schema.value != 1 {
        at(
            raw.schema.line,
            raw.schema.column,
            format!("schema {} inconnu : attendu 1", raw.schema.value),
        );
    }
    let known = catalog.check_index();
    let mut list = Vec::new();
    for entry in &raw.waivers {
        let w = &entry.value;
        if !known.contains_key(w.check.value.as_str()) {
            at(
                w.check.line,
                w.check.column,
                format!("vérification inconnue « {} »", w.check.value),
            );
        }
        if w.target.value.trim().is_empty() {
            at(
                w.target.line,
                w.target.column,
                "cible (target) vide".to_owned(),
            );
        }
        let expected = match Outcome::parse(&w.expected.value) {
            Some(outcome @ (Outcome::Fail | Outcome::Warn)) => Some(outcome),
            _ => {
                at(
                    w.expected.line,
                    w.expected.column,
                    format!(
                        "expected « {} » : une dérogation couvre « fail » ou « warn »",
                        w.expected.value
                    ),
                );
                None
            }
        };
        if w.justification.value.trim().chars().count() < 10 {
            at(
                w.justification.line,
                w.justification.column,
                "justification trop courte : dites pourquoi l'écart est accepté et jusqu'à quand"
                    .to_owned(),
            );
        }
        let expires = match NaiveDate::parse_from_str(w.expires.value.trim(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                at(
                    w.expires.line,
                    w.expires.column,
                    format!("expires « {} » : date AAAA-MM-JJ attendue", w.expires.value),
                );
                None
            }
        };
        if let (Some(expected), Some(expires)) = (expected, expires) {
            list.push(Waiver {
                check: w.check.value.clone(),
                target: w.target.value.trim().to_owned(),
                expected,
                justification: w.justification.value.trim().to_owned(),
                expires,
                source: format!("{file}:{}", entry.line),
            });
        }
    }
    if problems.is_empty() {
        Ok(Waivers {
            file: file.to_owned(),
            sha256: hex_sha256(text.as_bytes()),
            list,
        })
    } else {
        Err(Diagnostics(problems))
    }
}

/// Applies `waivers` to a finished run on `today`; records what no longer
/// holds in `record.strictness` and recomputes the summary.
pub fn apply(record: &mut RunRecord, waivers: &Waivers, today: NaiveDate) {
    record.options.waivers = Some(format!("{} (SHA-256 {})", waivers.file, waivers.sha256));
    for waiver in &waivers.list {
        if !glob(&waiver.target, &record.target.id) {
            continue;
        }
        let Some(check) = record.checks.iter_mut().find(|c| c.id == waiver.check) else {
            continue;
        };
        if today > waiver.expires {
            record.strictness.push(format!(
                "{} : la dérogation pour {} a expiré le {} ; corriger l'écart ou renouveler la dérogation",
                waiver.source, waiver.check, waiver.expires
            ));
        } else if check.outcome == waiver.expected {
            check.waiver = Some(AppliedWaiver {
                original: check.outcome,
                justification: waiver.justification.clone(),
                expires: waiver.expires,
                source: waiver.source.clone(),
            });
            check.outcome = Outcome::Waived;
        } else if matches!(check.outcome, Outcome::Pass | Outcome::Review) {
            record.strictness.push(format!(
                "{} : {} devait donner « {} » mais donne « {} » : l'écart est corrigé, retirez la dérogation",
                waiver.source, waiver.check, waiver.expected, check.outcome
            ));
        }
    }
    record.summary = Summary::of(&record.checks);
}

/// Shell-style glob with `*` and `?` only.
pub fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "demo"));
        assert!(glob("ent-*-recette", "ent-bellerive-recette"));
        assert!(glob("demo", "demo"));
        assert!(glob("d?mo", "demo"));
        assert!(!glob("demo", "demo2"));
        assert!(!glob("ent-*", "demo"));
        assert!(glob("*a*b*", "xxaxxbxx"));
    }
}
