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

/// The checks to run, in catalog order, destructive checks last.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Selected checks.
    pub checks: Vec<Arc<Check>>,
}

/// One part of a plan split for parallel CI jobs: `index` of `count`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("« {text} » : attendu K/N, ex. 2/4"))?;
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("« {k} » n'est pas un nombre"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("« {n} » n'est pas un nombre"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("« {text} » : il faut 1 ≤ K ≤ N"));
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Plan {
    /// Keeps the checks of one shard. The split is deterministic: `serial`
    /// checks all go to shard 1 (they must not run beside anything of that
    /// job, so they stay together), the others are dealt in plan order.
    /// Destructive checks go to no shard: shards run at the same time
    /// against the same candidate, and a deletion would empty it under the
    /// others' feet ([`Self::destructive`] lists them, to run afterwards).
    /// Every other check of the plan is in exactly one shard.
    #[must_use]
    pub fn shard(self, shard: Shard) -> Self {
        let mut dealt = 0usize;
        let checks = self
            .checks
            .into_iter()
            .filter(|check| {
                if check.destructive {
                    return false;
                }
                if check.serial {
                    return shard.index == 1;
                }
                let mine = dealt % shard.count + 1 == shard.index;
                dealt += 1;
                mine
            })
            .collect();
        Self { checks }
    }

    /// The ids of the destructive checks of the plan.
    pub fn destructive(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|check| check.destructive)
            .map(|check| check.id.as_str())
            .collect()
    }

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
        let mut checks: Vec<Arc<Check>> = catalog
            .checks()
            .filter(|check| {
                selection.is_empty()
                    || selection.suites.contains(&check.suite)
                    || selection.checks.contains(&check.id)
                    || check.tags.iter().any(|t| selection.tags.contains(t))
            })
            .cloned()
            .collect();
        // Destructive checks last (the sort is stable): they run alone, so
        // every check before them has finished, and none comes after.
        checks.sort_by_key(|check| check.destructive);
        Ok(Self { checks })
    }
}
