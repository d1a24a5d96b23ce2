//! The editors' CI workflow: waivers (waived outcomes, exit 5 when a waiver
//! no longer holds), `diff` (exit 16), `--shard K/N` and `merge` (merged
//! shards == one full run), and the CI templates' commands exist.

use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use ent_server::Fault;
use entconf::check::{AssertionStatus, Outcome};
use entconf::report::{self, Conclusion};
use std::sync::Arc;

use entconf::runner::{Cancellation, Plan, RunEvent, RunServices, Selection, Shard, run};
use entconf::sso::SsoSetup;
use entconf::waiver;

use super::support::{catalog, run_selected, settings, target};

const BIN: &str = env!("CARGO_BIN_EXE_entconf");

/// What a run judged of one check: id, outcome, each assertion's label and status.
type Judged = (String, Outcome, Vec<(String, AssertionStatus)>);

fn footer() -> Selection {
    Selection {
        suites: vec!["FOOTER".to_owned()],
        ..Selection::default()
    }
}

const WAIVERS: &str = "schema: 1
waivers:
  - check: FOOTER-07
    target: \"refer*\"
    expected: fail
    justification: Adresse du DPO de la commune en cours de désignation (délibération du 12/10).
    expires: 2026-12-31
  - check: FOOTER-18
    target: \"autre-ent-*\"
    expected: warn
    justification: Ne concerne pas cette cible, le motif ne correspond pas.
    expires: 2026-12-31
";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiver_turns_its_failure_into_waived_and_keeps_the_original() {
    let mut record = run_selected(
        &[Fault::NoticeMissingDpo, Fault::NoCharterLink],
        2,
        &footer(),
    )
    .await;
    assert_eq!(record.summary.conclusion, Conclusion::NotConformant);
    let waivers = waiver::parse("derogations.yaml", WAIVERS, &catalog()).expect("valid");
    waiver::apply(&mut record, &waivers, today());
    let dpo = record
        .checks
        .iter()
        .find(|c| c.id == "FOOTER-07")
        .expect("check");
    assert_eq!(dpo.outcome, Outcome::Waived);
    let applied = dpo.waiver.as_ref().expect("waiver kept");
    assert_eq!(applied.original, Outcome::Fail);
    assert_eq!(applied.source, "derogations.yaml:3");
    // The other waiver targets another ENT: FOOTER-18 stays a warning.
    let charter = record
        .checks
        .iter()
        .find(|c| c.id == "FOOTER-18")
        .expect("check");
    assert_eq!(charter.outcome, Outcome::Warn);
    assert_eq!(record.summary.conclusion, Conclusion::Conformant);
    assert!(record.strictness.is_empty());
    let junit = report::junit::render(&record).expect("junit");
    assert!(junit.contains("entconf.waived-from"), "{junit}");
    let html = report::html::render(&record).expect("html");
    assert!(html.contains("Dérogation (derogations.yaml:3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_waivers_and_failures_that_did_not_happen_are_strictness_problems() {
    let mut record = run_selected(&[Fault::NoticeMissingDpo], 2, &footer()).await;
    let waivers = waiver::parse("derogations.yaml", WAIVERS, &catalog()).expect("valid");
    waiver::apply(
        &mut record,
        &waivers,
        NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
    );
    let dpo = record
        .checks
        .iter()
        .find(|c| c.id == "FOOTER-07")
        .expect("check");
    assert_eq!(
        dpo.outcome,
        Outcome::Fail,
        "an expired waiver does not apply"
    );
    assert_eq!(record.strictness.len(), 1);
    assert!(
        record.strictness[0].contains("a expiré le 2026-12-31"),
        "{:?}",
        record.strictness
    );

    let mut clean = run_selected(&[], 2, &footer()).await;
    waiver::apply(&mut clean, &waivers, today());
    assert_eq!(clean.summary.conclusion, Conclusion::Conformant);
    assert_eq!(clean.strictness.len(), 1);
    assert!(
        clean.strictness[0].contains("retirez la dérogation"),
        "{:?}",
        clean.strictness
    );
}

#[test]
fn waiver_files_need_every_field_and_report_each_problem_with_its_line() {
    let text = "schema: 1
waivers:
  - check: FOOTER-99
    target: \"*\"
    expected: pass
    justification: court
    expires: 31/12/2026
";
    let problems = waiver::parse("w.yaml", text, &catalog()).expect_err("invalid");
    let lines: Vec<u32> = problems.0.iter().map(|d| d.line).collect();
    assert_eq!(lines, [3, 5, 6, 7], "{problems}");
    let missing = "schema: 1\nwaivers:\n  - check: FOOTER-07\n    target: \"*\"\n    expected: fail\n    expires: 2026-12-31\n";
    let problems = waiver::parse("w.yaml", missing, &catalog()).expect_err("invalid");
    assert!(problems.to_string().contains("justification"), "{problems}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entconf-campagne-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn results_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("out")
        .filter_map(Result::ok)
        .map(|e| e.path().join("results.json"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found
}

#[test]
fn cli_exit_codes_for_waivers_and_diff() {
    let dir = scratch("cli");
    let waivers = dir.join("derogations.yaml");
    // The demo's target is called `demo`.
    std::fs::write(&waivers, WAIVERS.replace("refer*", "dem?")).expect("write");
    let run = |name: &str, faults: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .args(["demo", "--suite", "FOOTER", "--format", "json", "--waivers"])
            .arg(&waivers)
            .arg("--out")
            .arg(dir.join(name));
        for fault in faults {
            command.args(["--fault", fault]);
        }
        command.output().expect("entconf runs")
    };
    let waived = run("a", &["notice-missing-dpo"]);
    assert_eq!(
        waived.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&waived.stderr)
    );
    let stale = run("b", &[]);
    assert_eq!(
        stale.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&stale.stderr)
    );
    assert!(String::from_utf8_lossy(&stale.stderr).contains("retirez la dérogation"));

    let (a, b) = (results_under(&dir.join("a")), results_under(&dir.join("b")));
    let diff = Command::new(BIN)
        .arg("diff")
        .arg(&a[0])
        .arg(&b[0])
        .output()
        .expect("diff");
    assert_eq!(diff.status.code(), Some(16));
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(text.contains("FOOTER-07"), "{text}");
    assert!(text.contains("dérogation → réussi"), "{text}");
    let same = Command::new(BIN)
        .arg("diff")
        .arg(&a[0])
        .arg(&a[0])
        .output()
        .expect("diff");
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).contains("Aucune différence"));
    let broken = dir.join("casse.json");
    std::fs::write(&broken, "{}").expect("write");
    let unreadable = Command::new(BIN)
        .arg("diff")
        .arg(&broken)
        .arg(&a[0])
        .output()
        .expect("diff");
    assert_eq!(unreadable.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&dir);
}

/// One full run and the runs of `count` shards, all against the same
/// reference ENT (as CI jobs all target the same staging URL).
async fn full_and_shards(
    faults: &[Fault],
    count: usize,
) -> (report::RunRecord, Vec<report::RunRecord>) {
    let demo = entconf::demo::start(faults.iter().copied().collect())
        .await
        .expect("reference ENT");
    let catalog = catalog();
    let mut records = Vec::new();
    let shards = std::iter::once(None).chain((1..=count).map(|index| Some(Shard { index, count })));
    for shard in shards {
        let mut plan = Plan::new(&catalog, &Selection::default()).expect("plan");
        let mut settings = settings(4);
        if let Some(shard) = shard {
            plan = plan.shard(shard);
            settings.options.shard = Some(shard.to_string());
        }
        settings.services = RunServices::none().with_sso(SsoSetup::Ready(Arc::clone(&demo.world)));
        let record = run(
            &catalog,
            &plan,
            target(&demo.server.base_url()),
            settings,
            Arc::new(|_: &RunEvent| {}),
            Cancellation::new(),
        )
        .await
        .expect("run");
        records.push(record);
    }
    let full = records.remove(0);
    (full, records)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_shards_equal_one_full_run() {
    let faults = [
        Fault::NoticeMissingDpo,
        Fault::SamlSkipAudience,
        Fault::CookieNotSecure,
    ];
    let (mut full, shards) = full_and_shards(&faults, 3).await;
    // Destructive checks go to no shard: they run afterwards, alone.
    full.checks.retain(|c| c.suite != "DELCERT");
    full.summary = report::Summary::of(&full.checks);
    assert!(
        shards
            .iter()
            .all(|s| s.suites.iter().all(|x| x.id != "DELCERT"))
    );
    let sizes: Vec<usize> = shards.iter().map(|s| s.checks.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), full.checks.len());
    assert!(sizes.iter().all(|n| *n > 0), "{sizes:?}");
    let merged = report::merge::merge(shards.clone()).expect("merge");
    // Times, ports and exchange ids differ between runs; what was judged must not.
    let judged = |record: &report::RunRecord| -> Vec<Judged> {
        record
            .checks
            .iter()
            .map(|c| {
                let assertions = c
                    .assertions
                    .iter()
                    .map(|a| (a.label.clone(), a.status))
                    .collect();
                (c.id.clone(), c.outcome, assertions)
            })
            .collect()
    };
    assert_eq!(judged(&merged), judged(&full));
    assert_eq!(merged.summary.by_outcome, full.summary.by_outcome);
    for check in &merged.checks {
        for id in &check.exchanges {
            assert!(
                merged.exchange(id).is_some(),
                "{} points at missing {id}",
                check.id
            );
        }
    }
    // A shard given twice is refused, not double-counted.
    let twice = report::merge::merge(vec![shards[0].clone(), shards[0].clone()]);
    assert!(
        matches!(twice, Err(report::merge::MergeError::Shards { .. })),
        "{twice:?}"
    );
    // A part missing is refused.
    let partial = report::merge::merge(shards[..2].to_vec());
    assert!(
        matches!(partial, Err(report::merge::MergeError::Shards { .. })),
        "{partial:?}"
    );
    // A shard may list fewer suites than another; a suite file that
    // differs between shards is refused.
    let mut edited = shards.clone();
    if let Some(suite) = edited[1].suites.first_mut() {
        suite.sha256 = "0".repeat(64);
    }
    let differing = report::merge::merge(edited);
    assert!(
        matches!(
            differing,
            Err(report::merge::MergeError::Mismatch {
                what: "l'empreinte des suites",
                ..
            })
        ),
        "{differing:?}"
    );
}

#[test]
fn ci_templates_only_use_commands_and_flags_the_cli_has() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ci/templates");
    let mut seen = 0;
    for name in ["gitlab-ci.yml", "github-actions.yml"] {
        let text = std::fs::read_to_string(root.join(name)).expect("template");
        seen += super::docs::check_commands(name, &text);
    }
    assert!(
        seen >= 4,
        "the templates run entconf ({seen} commands found)"
    );
}

#[test]
fn compare_puts_three_offerings_side_by_side_in_html_and_csv() {
    let dir = scratch("comparaison");
    let mut results = Vec::new();
    for (name, fault) in [
        ("a", None),
        ("b", Some("notice-missing-dpo")),
        ("c", Some("no-charter-link")),
    ] {
        let mut command = Command::new(BIN);
        command
            .args([
                "demo",
                "--suite",
                "FOOTER",
                "--format",
                "json,html",
                "--out",
            ])
            .arg(dir.join(name));
        if let Some(fault) = fault {
            command.args(["--fault", fault]);
        }
        let output = command.output().expect("demo");
        assert!(output.status.code().is_some_and(|c| c <= 1));
        results.push(results_under(&dir.join(name)).remove(0));
    }
    let page = dir.join("dane").join("comparaison.html");
    let output = Command::new(BIN)
        .arg("compare")
        .args(&results)
        .arg("--out")
        .arg(&page)
        .output()
        .expect("compare");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // minijinja writes `/` in attributes as `&#x2f;`, which browsers decode.
    let html = std::fs::read_to_string(&page)
        .expect("page")
        .replace("&#x2f;", "/");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        html.contains("href=\"../b/"),
        "cells link to each offering's report"
    );
    assert!(html.contains("index.html#v-FOOTER-07\" title="), "{html}");
    let csv = std::fs::read_to_string(page.with_extension("csv")).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 20, "header + one line per FOOTER check");
    let dpo = lines
        .iter()
        .find(|l| l.starts_with("FOOTER,FOOTER-07,"))
        .expect("FOOTER-07 row");
    assert!(
        dpo.ends_with(",obligatoire,réussi,échec,réussi")
            || dpo.contains(",must,réussi,échec,réussi"),
        "{dpo}"
    );
    let charter = lines
        .iter()
        .find(|l| l.starts_with("FOOTER,FOOTER-18,"))
        .expect("row");
    assert!(
        charter.ends_with(",réussi,réussi,avertissement"),
        "{charter}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
