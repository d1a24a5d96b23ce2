//! `entconf list`, `entconf validate`: loading suites and showing them.

use std::path::{Path, PathBuf};

use entconf::suite::{Catalog, Diagnostics, embedded_sources, load, read_sources};

use super::Exit;
use super::args::{SuitesArgs, ValidateArgs};

/// Loads the embedded suites, or the given files and folders.
pub(super) fn load_catalog(args: &SuitesArgs) -> Result<Catalog, Diagnostics> {
    let sources = if args.suites.is_empty() {
        embedded_sources()
    } else {
        read_sources(&args.suites)?
    };
    load(&sources)
}

/// Prints load problems; the caller exits with [`Exit::LoadError`].
pub(super) fn report_load_error(what: &str, diagnostics: &Diagnostics) -> Exit {
    eprintln!("{diagnostics}");
    eprintln!("{what} : chargement impossible, rien n'a été exécuté.");
    Exit::LoadError
}

pub(super) fn list(args: &SuitesArgs) -> anyhow::Result<Exit> {
    let catalog = match load_catalog(args) {
        Ok(catalog) => catalog,
        Err(diagnostics) => return Ok(report_load_error("suites", &diagnostics)),
    };
    for suite in &catalog.suites {
        println!(
            "{} — {} ({}, {} vérifications)",
            suite.id,
            suite.title,
            suite.file,
            suite.checks.len()
        );
        for check in &suite.checks {
            let refs: Vec<String> = check
                .refs
                .iter()
                .map(|r| format!("{} {}", r.source, r.article))
                .collect();
            let mut flags = Vec::new();
            if check.review {
                flags.push("revue humaine");
            }
            if check.serial {
                flags.push("seule");
            }
            if check.destructive {
                flags.push("destructive : supprime des données, passe en dernier, seule");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            println!(
                "  {:<10} {:<6} {}{flags}",
                check.id,
                check.severity.as_str(),
                check.title
            );
            println!("  {:<10} {:<6} réf. {}", "", "", refs.join(" ; "));
            if !check.tags.is_empty() {
                println!(
                    "  {:<10} {:<6} étiquettes : {}",
                    "",
                    "",
                    check.tags.join(", ")
                );
            }
        }
        println!();
    }
    let total: usize = catalog.suites.iter().map(|s| s.checks.len()).sum();
    println!(
        "{} suite(s), {total} vérification(s).",
        catalog.suites.len()
    );
    Ok(Exit::Conformant)
}

pub(super) fn validate(args: &ValidateArgs) -> anyhow::Result<Exit> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![Path::new("suites").to_owned()]
    } else {
        args.paths.clone()
    };
    let sources = match read_sources(&paths) {
        Ok(sources) => sources,
        Err(diagnostics) => return Ok(report_load_error("validation", &diagnostics)),
    };
    match load(&sources) {
        Ok(catalog) => {
            for suite in &catalog.suites {
                println!(
                    "{} : valide (suite {}, {} vérifications)",
                    suite.file,
                    suite.id,
                    suite.checks.len()
                );
            }
            Ok(Exit::Conformant)
        }
        Err(diagnostics) => Ok(report_load_error("validation", &diagnostics)),
    }
}
