//! Suite files: the committed schema is current, the shipped suites load,
//! and each malformed fixture produces its expected diagnostics.

use std::path::Path;

use entconf::suite::{embedded_sources, load, read_sources, suite_schema};

#[test]
fn committed_schema_matches_the_generated_one() {
    let committed = std::fs::read_to_string("suites/schema.json").expect("suites/schema.json");
    assert!(
        committed == suite_schema(),
        "suites/schema.json is stale: run `cargo run -- schema > suites/schema.json`"
    );
}

#[test]
fn committed_export_format_schema_matches_the_generated_one() {
    let committed = std::fs::read_to_string("suites/api/export-format.schema.json")
        .expect("suites/api/export-format.schema.json");
    assert!(
        committed == entconf::reversibility::format::json_schema_text(),
        "suites/api/export-format.schema.json is stale: run \
         `cargo run -- schema --format-export > suites/api/export-format.schema.json`"
    );
}

#[test]
fn embedded_suites_are_the_files_of_the_suites_folder() {
    let on_disk = read_sources(&[Path::new("suites").to_owned()]).expect("read suites/");
    let embedded = embedded_sources();
    assert_eq!(
        on_disk.len(),
        embedded.len(),
        "a suite file is not embedded in src/suite/catalog.rs"
    );
    for (disk, builtin) in on_disk.iter().zip(&embedded) {
        assert_eq!(disk.path, builtin.path);
        assert!(
            disk.text == builtin.text,
            "{} differs from its embedded copy",
            disk.path
        );
    }
    let catalog = load(&embedded).expect("shipped suites are valid");
    for check in catalog.checks() {
        assert!(!check.refs.is_empty(), "{} cites no source", check.id);
    }
}

#[test]
fn invalid_suites_report_every_problem_with_position() {
    let mut files: Vec<_> = std::fs::read_dir("fixtures/suites-invalid")
        .expect("fixtures/suites-invalid")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    for file in files {
        let sources = read_sources(std::slice::from_ref(&file)).expect("readable");
        let diagnostics = load(&sources).expect_err("fixture must be rejected");
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("fixture")
            .to_owned();
        insta::assert_snapshot!(format!("invalid_{name}"), diagnostics.to_string());
    }
}
