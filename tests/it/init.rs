//! A newcomer's first steps: `entconf init` writes a target description that
//! loads as is and names every key of the file, and the committed target
//! reference is the one generated from the types.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entconf::suite::{Environment, parse_target, target_reference, target_schema_value};

use crate::support::catalog;

const BIN: &str = env!("CARGO_BIN_EXE_entconf");
const REFERENCE: &str = "docs/reference/target.md";

/// An environment where every variable is set.
struct EveryVariable;

impl Environment for EveryVariable {
    fn var(&self, name: &str) -> Option<String> {
        Some(format!("valeur-de-{name}"))
    }
}

fn entconf(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .expect("entconf runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entconf-init-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn target_reference_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(REFERENCE);
    let want = target_reference(&catalog());
    if std::env::var_os("ENTCONF_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write docs/reference/target.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{REFERENCE} is not the reference generated from src/suite/target.rs and the suites: \
         run `cargo run -- schema --target-reference > {REFERENCE}` (or \
         `ENTCONF_BLESS=1 cargo nextest run -E 'test(target_reference_is_current)'`)"
    );
    // The command prints the same text.
    let printed = entconf(&["schema", "--target-reference"]);
    assert_eq!(printed.status.code(), Some(0), "{}", text(&printed.stderr));
    assert!(
        text(&printed.stdout) == want,
        "schema --target-reference differs"
    );
    let schema = entconf(&["schema", "--target"]);
    assert_eq!(schema.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&schema.stdout).expect("JSON");
    assert_eq!(printed, target_schema_value());
}

#[test]
fn init_writes_a_target_that_loads_and_names_every_key() {
    let dir = scratch("written");
    let file = dir.join("entconf.toml");
    let output = entconf(&[
        "init",
        "--base-url",
        "https://recette.ent.example/portail/",
        "--out",
        path_arg(&file),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(path_arg(&file)), "{stderr}");
    assert!(
        stderr.contains(&format!("entconf run --target {}", path_arg(&file))),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&file).expect("written");
    let _ = std::fs::remove_dir_all(&dir);

    // Valid as written: nothing has to be uncommented.
    let target = parse_target("entconf.toml", &written, None, &EveryVariable)
        .unwrap_or_else(|errors| panic!("{errors}\n{written}"));
    assert_eq!(target.id, "recette-ent-example");
    assert_eq!(
        target.base_url.as_str(),
        "https://recette.ent.example/portail/"
    );
    assert_eq!(target.capabilities.len(), 2);
    assert!(target.sso.is_none() && target.stats.is_none());
    assert!(target.gar.is_none() && target.reversibility.is_none());
    assert!(target.secrets.is_empty() && target.http.basic_auth.is_none());

    // Every key the file accepts is there, set or commented out: the
    // template cannot drift from the types.
    let schema = target_schema_value();
    let mut tables = vec![("racine".to_owned(), &schema)];
    for (name, definition) in schema["$defs"].as_object().expect("$defs") {
        tables.push((name.clone(), definition));
    }
    let mut missing = Vec::new();
    for (table, definition) in tables {
        for key in definition["properties"]
            .as_object()
            .expect("properties")
            .keys()
        {
            let pattern = format!(r"(?m)(^|[\s#\[{{.,]){}\s*(=|\])", regex::escape(key));
            let found = regex::Regex::new(&pattern).expect("regex");
            if !found.is_match(&written) {
                missing.push(format!("{table}.{key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys absent from the file entconf init writes: {missing:?}"
    );
    // Secrets only by reference.
    for line in written.lines() {
        for key in ["password", "token", "client_secret"] {
            if line.contains(&format!("{key} =")) {
                assert!(
                    line.contains(&format!("{key} = {{ env = "))
                        || line.contains(&format!("{key} = {{ file = ")),
                    "{line}"
                );
            }
        }
    }
    insta::assert_snapshot!("init_entconf_toml", written);
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let dir = scratch("overwrite");
    let file = dir.join("cible.toml");
    std::fs::write(&file, "# le fichier de quelqu'un\n").expect("existing");
    let refused = entconf(&["init", "--out", path_arg(&file)]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("existe déjà") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("kept"),
        "# le fichier de quelqu'un\n"
    );
    let forced = entconf(&["init", "--out", path_arg(&file), "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let written = std::fs::read_to_string(&file).expect("replaced");
    assert!(written.contains("[capabilities]"), "{written}");
    // Without --base-url, an example address, said to be replaced.
    assert!(text(&forced.stderr).contains("remplacez-la"));
    for bad in ["ftp://ent.example/", "recette.ent.example"] {
        let output = entconf(&[
            "init",
            "--base-url",
            bad,
            "--out",
            path_arg(&file),
            "--force",
        ]);
        assert_eq!(
            output.status.code(),
            Some(4),
            "{bad}: {}",
            text(&output.stderr)
        );
        assert!(text(&output.stderr).contains("--base-url"), "{bad}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_target_points_to_init_and_the_reference() {
    let dir = scratch("missing");
    let output = entconf(&[
        "run",
        "--target",
        path_arg(&dir.join("absent.toml")),
        "--out",
        path_arg(&dir),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(3));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("entconf init --base-url URL") && stderr.contains(REFERENCE),
        "{stderr}"
    );
}
