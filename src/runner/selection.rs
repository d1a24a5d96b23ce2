//! Which checks a run executes: `--suite`, `--tag` and `--check` select the
//! union of what they name; nothing selected means every check. A name that
//! matches nothing is a usage error, never an empty run that looks green.

use std::sync::Arc;

use crate::suite::{Catalog, Check};

/// Selection flags, as given on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Suite ids.
    pub suites: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Check ids.
    pub checks: Vec<String>,
}

/// A selection names something the catalog does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Unknown suite id.
    #[error("suite inconnue « {name} » (suites connues : {known})")]
    UnknownSuite {
        /// As given.
        name: String,
        /// Known ids.
        known: String,
    },
    /// Unknown tag.
    #[error("étiquette inconnue « {name} » (étiquettes connues : {known})")]
    UnknownTag {
        /// As given.
        name: String,
        /// Known tags.
        known: String,
    },
    /// Unknown check id.
    #[error("vérification inconnue « {name} »{hint} (voir `entconf list`)")]
    UnknownCheck {
        /// As given.
        name: String,
        /// A close id, if any.
        hint: String,
    },
}

impl Selection {
    /// Whether no flag was given.
    pub fn is_empty(&self) -> bool {
        self.suites.is_empty() && self.tags.is_empty() && self.checks.is_empty()
    }

    /// The flags as written, for the record.
    pub fn describe(&self) -> Vec<String> {
        let flags = [
            ("--suite", &self.suites),
            ("--tag", &self.tags),
            ("--check", &self.checks),
        ];
        flags
            .iter()
            .flat_map(|(flag, values)| values.iter().map(move |v| format!("{flag} {v}")))
            .collect()
    }
}

/// The checks to run, in catalog order.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Selected checks.
    pub checks: Vec<Arc<Check>>,
}

impl Plan {
    /// Applies `selection` to `catalog`; every unknown name is an error.
    pub fn new(catalog: &Catalog, selection: &Selection) -> Result<Self, Vec<SelectionError>> {
        let mut problems = Vec::new();
        for name in &selection.suites {
            if catalog.suite(name).is_none() {
                let known: Vec<&str> = catalog.suites.iter().map(|s| s.id.as_str()).collect();
                problems.push(SelectionError::UnknownSuite {
                    name: name.clone(),
                    known: known.join(", "),
                });
            }
        }
        let tags = catalog.tags();
        for name in &selection.tags {
            if !tags.contains(name.as_str()) {
                problems.push(SelectionError::UnknownTag {
                    name: name.clone(),
                    known: tags.iter().copied().collect::<Vec<_>>().join(", "),
                });
            }
        }
        let index = catalog.check_index();
        for name in &selection.checks {
            if !index.contains_key(name.as_str()) {
                let hint = index
                    .keys()
                    .find(|id| id.eq_ignore_ascii_case(name))
                    .map(|id| format!(" ; vouliez-vous dire « {id} » ?"))
                    .unwrap_or_default();
                problems.push(SelectionError::UnknownCheck {
                    name: name.clone(),
                    hint,
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let checks = catalog
            .checks()
            .filter(|check| {
                selection.is_empty()
                    || selection.suites.contains(&check.suite)
                    || selection.checks.contains(&check.id)
                    || check.tags.iter().any(|t| selection.tags.contains(t))
            })
            .cloned()
            .collect();
        Ok(Self { checks })
    }
}
