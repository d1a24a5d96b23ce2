//! `entconf diff` and `entconf merge`: what editors' CI needs beyond one
//! run — what changed since the last release, and one report out of the
//! shards of a parallel CI matrix.

use std::path::Path;

use anyhow::Context as _;
use entconf::report::{self, Format, RunRecord};

use super::Exit;
use super::args::{CompareArgs, DiffArgs, MergeArgs};

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

pub(super) fn compare(args: &CompareArgs) -> anyhow::Result<Exit> {
    let mut records = Vec::new();
    for path in &args.runs {
        match read(path) {
            Ok(record) => records.push(record),
            Err(exit) => return Ok(exit),
        }
    }
    let page_dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| Path::new(".").to_owned(), Path::to_owned);
    std::fs::create_dir_all(&page_dir)
        .with_context(|| format!("création de {}", page_dir.display()))?;
    let offerings: Vec<report::compare::Offering<'_>> = records
        .iter()
        .zip(&args.runs)
        .map(|(record, path)| {
            let index = path.with_file_name("index.html");
            if !index.exists() {
                eprintln!(
                    "attention : {} absent : les cases de « {} » ne mèneront à aucun rapport",
                    index.display(),
                    entconf::text::for_terminal(&record.target.name)
                );
            }
            report::compare::Offering {
                record,
                report_href: relative(&page_dir, &index),
            }
        })
        .collect();
    let html = report::compare::render_html(&offerings).context("page de comparaison")?;
    std::fs::write(&args.out, html)
        .with_context(|| format!("écriture de {}", args.out.display()))?;
    let csv_path = args.out.with_extension("csv");
    std::fs::write(&csv_path, report::compare::render_csv(&offerings))
        .with_context(|| format!("écriture de {}", csv_path.display()))?;
    println!("Comparaison de {} offres :", offerings.len());
    println!("  {}", args.out.display());
    println!("  {}", csv_path.display());
    Ok(Exit::Conformant)
}

/// `target` as a relative link from the folder `from` (both made absolute).
fn relative(from: &Path, target: &Path) -> String {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|dir| dir.join(p))
                .unwrap_or_else(|_| p.to_owned())
        })
    };
    let parent = target.parent().map(absolute).unwrap_or_default();
    let file = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let from = absolute(from);
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), parent.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), a.len() - common).collect();
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.push(file);
    parts
        .iter()
        .map(|p| url_encode_path(p))
        .collect::<Vec<_>>()
        .join("/")
}

fn url_encode_path(part: &str) -> String {
    part.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' => c.to_string(),
            other => {
                let mut buffer = [0u8; 4];
                other
                    .encode_utf8(&mut buffer)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}
