//! Joining the `results.json` of the shards of one campaign (`--shard K/N`
//! in a CI matrix) into one run, as if it had run in one job.
//!
//! The shards must come from the same harness version, the same suite files
//! (a shard lists only the suites it ran checks of; those it shares must be
//! identical) and
//! the same target description; exchange ids, which each shard numbered on
//! its own, are prefixed with the shard (`s2-x0007`).

use super::record::{RunRecord, Summary};

/// Why shards cannot be joined.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    /// Nothing to join.
    #[error("aucun résultat à fusionner")]
    Empty,
    /// The shards do not describe the same campaign.
    #[error(
        "{what} diffère entre {first} et {other} : ces résultats ne viennent pas de la même campagne"
    )]
    Mismatch {
        /// What differs.
        what: &'static str,
        /// Run id of the first shard.
        first: String,
        /// Run id of the differing shard.
        other: String,
    },
    /// The parts do not make one whole `--shard K/N` campaign.
    #[error("parts incomplètes ou mélangées : {detail}")]
    Shards {
        /// What is missing or inconsistent.
        detail: String,
    },
    /// A check ran in two shards.
    #[error("la vérification {id} figure dans deux parts ({first} et {other})")]
    Duplicate {
        /// Check id.
        id: String,
        /// Run ids.
        first: String,
        /// Run ids.
        other: String,
    },
}

/// Checks that shard records carrying `K/N` are all of one `N` and make
/// every part from 1 to N once (records without shard information are
/// joined as given).
fn complete(shards: &[RunRecord]) -> Result<(), MergeError> {
    let parts: Vec<Option<(usize, usize)>> = shards
        .iter()
        .map(|record| {
            record.options.shard.as_deref().and_then(|text| {
                let (k, n) = text.split_once('/')?;
                Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
            })
        })
        .collect();
    if parts.iter().all(Option::is_none) {
        return Ok(());
    }
    let Some(known) = parts
        .iter()
        .copied()
        .collect::<Option<Vec<(usize, usize)>>>()
    else {
        return Err(MergeError::Shards {
            detail: "certains résultats viennent d'une part (--shard), d'autres non".to_owned(),
        });
    };
    let count = known[0].1;
    if known.iter().any(|(_, n)| *n != count) {
        return Err(MergeError::Shards {
            detail: "des parts de découpages différents (N différents)".to_owned(),
        });
    }
    if let Some((k, _)) = known
        .iter()
        .enumerate()
        .find(|(i, part)| known[..*i].contains(part))
        .map(|(_, part)| part)
    {
        return Err(MergeError::Shards {
            detail: format!("la part {k}/{count} figure deux fois"),
        });
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !known.iter().any(|(index, _)| index == k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Shards {
            detail: format!("manquent {}", missing.join(", ")),
        });
    }
    Ok(())
}

/// Joins shard records, in the given order.
pub fn merge(shards: Vec<RunRecord>) -> Result<RunRecord, MergeError> {
    complete(&shards)?;
    let mut shards = shards.into_iter();
    let mut merged = shards.next().ok_or(MergeError::Empty)?;
    let first_id = merged.run_id.clone();
    prefix(&mut merged, 1);
    let mut owners: Vec<(String, String)> = merged
        .checks
        .iter()
        .map(|c| (c.id.clone(), first_id.clone()))
        .collect();
    for (number, mut shard) in (2..).zip(shards) {
        let mismatch = |what| MergeError::Mismatch {
            what,
            first: first_id.clone(),
            other: shard.run_id.clone(),
        };
        if shard.harness != merged.harness {
            return Err(mismatch("la version du banc"));
        }
        // A shard lists the suites it ran checks of: the same file must
        // have the same fingerprint everywhere, and a shard may add suites.
        for suite in &shard.suites {
            match merged.suites.iter().find(|s| s.id == suite.id) {
                Some(known) if known != suite => return Err(mismatch("l'empreinte des suites")),
                Some(_) => {}
                None => merged.suites.push(suite.clone()),
            }
        }
        if shard.target.description_sha256 != merged.target.description_sha256 {
            return Err(mismatch("la description de la cible"));
        }
        if shard.options.selection != merged.options.selection {
            return Err(mismatch("la sélection"));
        }
        prefix(&mut shard, number);
        for check in &shard.checks {
            if let Some((_, owner)) = owners.iter().find(|(id, _)| *id == check.id) {
                return Err(MergeError::Duplicate {
                    id: check.id.clone(),
                    first: owner.clone(),
                    other: shard.run_id.clone(),
                });
            }
            owners.push((check.id.clone(), shard.run_id.clone()));
        }
        merged.started_at = merged.started_at.min(shard.started_at);
        merged.finished_at = merged.finished_at.max(shard.finished_at);
        merged.interrupted |= shard.interrupted;
        merged.checks.extend(shard.checks);
        merged.exchanges.extend(shard.exchanges);
        merged.renderings.extend(shard.renderings);
        merged.strictness.extend(shard.strictness);
    }
    // A suite first met in a later shard was appended: back to catalog
    // order (suite files by path), as one whole run lists them.
    merged.suites.sort_by(|a, b| a.file.cmp(&b.file));
    let order = |suite: &str| {
        merged
            .suites
            .iter()
            .position(|s| s.id == suite)
            .unwrap_or(usize::MAX)
    };
    let mut checks = std::mem::take(&mut merged.checks);
    checks.sort_by(|a, b| {
        (order(&a.suite), number_of(&a.id), &a.id).cmp(&(order(&b.suite), number_of(&b.id), &b.id))
    });
    merged.checks = checks;
    merged.exchanges.sort_by(|a, b| a.id().cmp(b.id()));
    merged.duration_ms = u64::try_from(
        (merged.finished_at - merged.started_at)
            .num_milliseconds()
            .max(0),
    )
    .unwrap_or(0);
    merged.run_id = format!("{first_id}-fusion");
    merged.options.shard = None;
    merged.summary = Summary::of(&merged.checks);
    Ok(merged)
}

/// `FOOTER-07` → 7, so that checks come back in suite order.
fn number_of(id: &str) -> u64 {
    id.rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u64::MAX)
}

fn prefix(record: &mut RunRecord, shard: usize) {
    let tag = |id: &str| format!("s{shard}-{id}");
    for exchange in &mut record.exchanges {
        let id = tag(exchange.id());
        exchange.renamed(id);
    }
    for rendering in &mut record.renderings {
        rendering.id = tag(&rendering.id);
        rendering.dom_file = tag(&rendering.dom_file);
        if let Some(shot) = &mut rendering.screenshot {
            shot.file = tag(&shot.file);
        }
    }
    for check in &mut record.checks {
        for id in &mut check.exchanges {
            *id = tag(id);
        }
        for assertion in &mut check.assertions {
            for id in &mut assertion.exchanges {
                *id = tag(id);
            }
        }
    }
}
