//! Hostile inputs found by a campaign against the release binary: operator
//! files of any size or encoding (target, secrets, suites), statistics the
//! harness could not read, GAR exports with nothing in them, control
//! characters in candidate text, and two refusals of valid input (`.md5` in
//! `md5sum` format, `latency = "0s"`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use entconf::check::{AssertionStatus, GarObservation, Outcome, judge_gar};
use entconf::runner::{Cancellation, Plan, RunEvent, Selection, SsoSetup, run};
use entconf::suite::{Environment, GarRule, load_target, parse_target, read_sources};

use super::support::{NoEnvironment, catalog, outcome, serve, settings, test_idp};

const BIN: &str = env!("CARGO_BIN_EXE_entconf");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "entconf-hostile-inputs-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A target whose only secret is read from `file` (relative to `dir`).
fn target_with_secret_file(dir: &Path, file: &str) -> String {
    let text = format!(
        "id = \"secret-file\"\nbase_url = \"http://127.0.0.1:9/\"\n[secrets]\nTEACHER = {{ file = \"{file}\" }}\n"
    );
    let path = dir.join("target.toml");
    std::fs::write(&path, &text).expect("target");
    text
}

// ---------------------------------------------------------------- item 1

#[test]
fn secret_files_are_read_within_a_bound() {
    let dir = scratch("secret");
    std::fs::write(dir.join("big.txt"), "s".repeat(1 << 20)).expect("big secret");
    let text = target_with_secret_file(&dir, "big.txt");
    let errors = parse_target("target.toml", &text, Some(&dir), &NoEnvironment)
        .expect_err("a 1 MiB secret is refused");
    let shown = errors.to_string();
    assert!(shown.contains("big.txt"), "{shown}");
    assert!(shown.contains("64 KiB"), "{shown}");
    assert!(shown.contains("target.toml:4:1"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
    // A file without end: refused in bounded time and memory.
    let text = target_with_secret_file(&dir, "/dev/zero");
    let errors = parse_target("target.toml", &text, Some(&dir), &NoEnvironment)
        .expect_err("/dev/zero is refused");
    assert!(errors.to_string().contains("/dev/zero"), "{errors}");
    // A secret within the bound is still read.
    std::fs::write(dir.join("ok.txt"), "mot-de-passe-enseignant\n").expect("secret");
    let text = target_with_secret_file(&dir, "ok.txt");
    let target = parse_target("target.toml", &text, Some(&dir), &NoEnvironment).expect("valid");
    assert_eq!(target.secret_values().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn target_free_text_is_bounded_with_its_place() {
    let long = "N".repeat(300);
    let cases = [
        (
            format!("id = \"ent\"\nname = \"{long}\"\nbase_url = \"http://a/\"\n"),
            "name",
            2,
        ),
        (
            format!("id = \"{long}\"\nbase_url = \"http://a/\"\n"),
            "id",
            1,
        ),
        (
            format!(
                "id = \"ent\"\nbase_url = \"http://a/\"\n[capabilities]\nhome_page = \"/{}\"\n",
                "p".repeat(5_000)
            ),
            "home_page",
            4,
        ),
        (
            format!(
                "id = \"ent\"\nbase_url = \"http://a/\"\n[http]\nbasic_auth = {{ user = \"{}\", password = {{ env = \"PW\" }} }}\n",
                "u".repeat(5_000)
            ),
            "user",
            4,
        ),
    ];
    for (text, key, line) in cases {
        let errors = parse_target("t.toml", &text, None, &NoEnvironment)
            .expect_err("over-long text is refused");
        let shown = errors.to_string();
        assert_eq!(errors.0.len(), 1, "{shown}");
        assert_eq!(errors.0[0].line, line, "{key}: {shown}");
        assert!(errors.0[0].message.contains(key), "{key}: {shown}");
        assert!(errors.0[0].message.contains("au plus"), "{key}: {shown}");
        assert!(shown.len() < 2_000, "{key}: {} bytes", shown.len());
    }
    // At the bound, a name is accepted.
    let text = format!(
        "id = \"ent\"\nname = \"{}\"\nbase_url = \"http://a/\"\n",
        "é".repeat(256)
    );
    parse_target("t.toml", &text, None, &NoEnvironment).expect("256 characters are fine");
}

#[test]
fn target_and_suite_files_are_read_within_a_bound() {
    let dir = scratch("big-files");
    let path = dir.join("target.toml");
    let mut file = std::fs::File::create(&path).expect("create");
    writeln!(file, "id = \"ent\"\nbase_url = \"http://a/\"").expect("head");
    let comment = format!("# {}\n", "x".repeat(1022));
    for _ in 0..(5 << 10) {
        file.write_all(comment.as_bytes()).expect("padding");
    }
    drop(file);
    let errors = load_target(&path, &NoEnvironment).expect_err("5 MiB target refused");
    let shown = errors.to_string();
    assert!(shown.contains("4 MiB"), "{shown}");
    assert!(shown.len() < 1_000, "{} bytes", shown.len());

    let suite = dir.join("big.yaml");
    std::fs::copy(&path, &suite).expect("copy");
    let errors = read_sources(std::slice::from_ref(&suite)).expect_err("5 MiB suite refused");
    let shown = errors.to_string();
    assert!(
        shown.contains("4 MiB") && shown.contains("big.yaml"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_one_line_suite_file_is_quoted_by_excerpt() {
    let dir = scratch("one-line");
    let path = dir.join("ligne.yaml");
    let title = "t".repeat(1 << 20);
    let line = format!(
        "{{schema: 1, suite: LIGNE, title: \"{title}\", sources: {{}}, checks: [], champ_inconnu: 1}}"
    );
    std::fs::write(&path, format!("{line}\n")).expect("suite");
    let output = Command::new(BIN)
        .arg("validate")
        .arg(&path)
        .output()
        .expect("entconf runs");
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.len() < 4_000, "{} bytes on stderr", stderr.len());
    assert!(stderr.contains("champ_inconnu"), "{stderr}");
    assert!(stderr.contains('…'), "{stderr}");
    let length = format!("{} caractères", line.chars().count());
    assert!(stderr.contains(&length), "{stderr}");
    assert!(stderr.contains("ligne.yaml:1:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_utf8_in_a_suite_file_is_placed() {
    let dir = scratch("utf8");
    let path = dir.join("latin1.yaml");
    std::fs::write(&path, b"schema: 1\nsuite: LATIN\ntitle: caf\xe9 au lait\n").expect("suite");
    let errors = read_sources(std::slice::from_ref(&path)).expect_err("not UTF-8");
    assert_eq!(errors.0.len(), 1, "{errors}");
    let diagnostic = &errors.0[0];
    assert_eq!((diagnostic.line, diagnostic.column), (3, 11), "{errors}");
    assert!(diagnostic.message.contains("UTF-8"), "{errors}");
    assert!(errors.to_string().contains("latin1.yaml:3:11"), "{errors}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- item 7

#[test]
fn a_zero_latency_is_no_wait() {
    let text = "id = \"x\"\nbase_url = \"http://a/\"\n[stats]\nschools = [\"0990003R\"]\n\
                academie = \"99\"\nlatency = \"0s\"\n";
    let target = parse_target("t.toml", text, None, &NoEnvironment).expect("0s is accepted");
    let stats = target.stats.expect("[stats]");
    assert_eq!(stats.latency, Duration::ZERO);
    // A negative or unitless latency is still refused.
    let text = text.replace("\"0s\"", "\"0\"");
    assert!(parse_target("t.toml", &text, None, &NoEnvironment).is_err());
}
