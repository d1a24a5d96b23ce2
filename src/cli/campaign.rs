//! `entconf diff` and `entconf merge`: what editors' CI needs beyond one
//! run — what changed since the last release, and one report out of the
//! shards of a parallel CI matrix.

use std::path::Path;

use anyhow::Context as _;
use entconf::report::{self, Format, RunRecord};

use super::Exit;
use super::args::{DiffArgs, MergeArgs};

/// Reads a results.json; an unreadable one is a load error (exit 3).
fn read(path: &Path) -> Result<RunRecord, Exit> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        eprintln!("erreur : {} : {error}", path.display());
        Exit::LoadError
    })?;
    report::from_json(&text).map_err(|error| {
        eprintln!(
            "erreur : {} n'est pas un results.json d'entconf : {error}",
            path.display()
        );
        Exit::LoadError
    })
}

pub(super) fn diff(args: &DiffArgs) -> anyhow::Result<Exit> {
    let (base, new) = match (read(&args.base), read(&args.new)) {
        (Ok(base), Ok(new)) => (base, new),
        (Err(exit), _) | (_, Err(exit)) => return Ok(exit),
    };
    let changes = report::diff::diff(&base, &new);
    print!("{}", report::diff::render(&base, &new, &changes));
    Ok(if changes.is_empty() {
        Exit::Conformant
    } else {
        Exit::Different
    })
}

pub(super) fn merge(args: &MergeArgs) -> anyhow::Result<Exit> {
    let formats = match super::run::parse_formats(&args.formats) {
        Ok(formats) => formats,
        Err(exit) => return Ok(exit),
    };
    let mut shards = Vec::new();
    for path in &args.shards {
        match read(path) {
            Ok(record) => shards.push(record),
            Err(exit) => return Ok(exit),
        }
    }
    let record = match report::merge::merge(shards) {
        Ok(record) => record,
        Err(error) => {
            eprintln!("erreur : {error}");
            return Ok(Exit::LoadError);
        }
    };
    let folder = args.out.join(&record.run_id);
    let written = report::write(&record, &folder, &formats)
        .with_context(|| format!("écriture des rapports dans {}", folder.display()))?;
    if formats.contains(&Format::Console) {
        print!("{}", report::console::render(&record));
    }
    if !written.is_empty() {
        println!("Rapports : {}", folder.display());
        for path in &written {
            println!("  {}", path.display());
        }
    }
    Ok(Exit::of_record(&record))
}
