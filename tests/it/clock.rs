//! Time comes from one place: no code of src/ reads the system clock except
//! src/evidence/clock.rs, and the times a run observes (the statistics
//! period, the instant GAR-07 judges the certificates at) follow the run's
//! injected clock.

use std::path::{Path, PathBuf};

use entconf::check::Outcome;
use entconf::runner::Selection;

use super::support::{outcome, run_selected_with, settings};

/// Calls that read the system's date (a monotonic `Instant` is not one).
const CLOCK_READS: [&str; 7] = [
    "Utc::now",
    "Local::now",
    "Utc::today",
    "Local::today",
    "SystemTime::now",
    "now_utc",
    "days_from_now",
];

/// The one file allowed to read the system clock.
const CLOCK_MODULE: &str = "src/evidence/clock.rs";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn only_the_clock_module_reads_the_system_clock() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    assert!(files.len() > 50, "src/ not found: {files:?}");
    let mut reads = Vec::new();
    for path in &files {
        let shown = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        if shown == CLOCK_MODULE {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("source file");
        for (number, line) in text.lines().enumerate() {
            if let Some(call) = CLOCK_READS.iter().find(|call| line.contains(*call)) {
                reads.push(format!("{shown}:{} {call} : {}", number + 1, line.trim()));
            }
        }
    }
    assert!(
        reads.is_empty(),
        "lecture de l'horloge système hors de {CLOCK_MODULE} (prendre l'heure de la \
         Clock injectée, ou la recevoir en argument) :\n{}",
        reads.join("\n")
    );
}

/// With a fixed clock on 2026-09-01 08:30 UTC, the statistics are asked for
/// that day's week (whole weeks, Monday 31 August to Sunday 6 September),
/// and GAR-07 judges the reference ENT's certificate at that
/// instant: made a day before the real time, it is not valid yet then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_clock_fixes_the_statistics_period_and_gar_07s_instant() {
    let selection = Selection {
        checks: vec!["STATS-01".to_owned(), "GAR-07".to_owned()],
        ..Selection::default()
    };
    let record = run_selected_with(&[], &selection, settings(2)).await;
    let asked: Vec<&str> = record
        .exchanges
        .iter()
        .map(|e| e.url())
        .filter(|url| url.contains("debut="))
        .collect();
    assert!(!asked.is_empty(), "no statistics request");
    for url in &asked {
        assert!(
            url.contains("debut=2026-08-31&fin=2026-09-06"),
            "period not the fixed clock's week: {url}"
        );
    }
    let (found, why) = outcome(&record, "GAR-07");
    assert_eq!(found, Outcome::Fail, "{why}");
    assert!(
        why.contains("certificat valide seulement à partir du"),
        "GAR-07 not judged at the fixed instant: {why}"
    );
}
