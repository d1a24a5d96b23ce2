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
use entconf::check::{AssertionStatus, Outcome};
use entconf::gar::GarRule;
use entconf::gar::{GarObservation, judge_gar};
use entconf::runner::{Cancellation, Plan, RunEvent, RunServices, Selection, run};
use entconf::sso::SsoSetup;
use entconf::suite::{Environment, load_target, parse_target, read_sources};

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

// ---------------------------------------------------------------- item 2

/// A candidate whose statistics API answers `status` and `body` to every request.
async fn statistics_candidate(status: StatusCode, body: String) -> std::net::SocketAddr {
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { (status, [("content-type", "application/json")], body).into_response() }
    });
    serve(app).await
}

struct Token;

impl Environment for Token {
    fn var(&self, name: &str) -> Option<String> {
        (name == "TOK").then(|| "jeton-academie-0123456789".to_owned())
    }
}

/// Runs the STATS checks against a candidate answering `status`/`body`;
/// `body` may name a person of the directory through `{name}`.
async fn statistics_run(status: StatusCode, body: &str) -> entconf::report::RunRecord {
    let (_running, world) = test_idp("ent-stats", "secret-stats").await;
    let school = world.directory.schools[0].uai.clone();
    let pupil = &world.directory.pupils[0];
    let body = body.replace(
        "{name}",
        &format!("{} {}", pupil.first_name, pupil.last_name),
    );
    let addr = statistics_candidate(status, body).await;
    let text = format!(
        "id = \"stats\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
         statistics_api = \"/api/stats\"\neduconnect_oidc_login = \"/auth/educonnect\"\n\
         agents_login = \"/auth/agents\"\naccount_page = \"/compte\"\nlogout = \"/sortie\"\n\
         [http]\nrequest_timeout = \"2s\"\ncheck_timeout = \"60s\"\n\
         [stats]\nschools = [\"{school}\"]\nacademie = \"{}\"\n\
         viewers = [{{ niveau = \"academie\", id = \"{}\", token = {{ env = \"TOK\" }} }}]\n",
        world.directory.academy.code, world.directory.academy.code
    );
    let target = parse_target("stats.toml", &text, None, &Token).expect("target");
    let catalog = catalog();
    let selection = Selection {
        suites: vec!["STATS".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    let mut settings = settings(2);
    settings.services = RunServices::none().with_sso(SsoSetup::Ready(Arc::clone(&world)));
    run(
        &catalog,
        &plan,
        target,
        settings,
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_answering_500_never_pass() {
    let record = statistics_run(StatusCode::INTERNAL_SERVER_ERROR, "erreur interne").await;
    for id in [
        "STATS-01", "STATS-03", "STATS-05", "STATS-06", "STATS-07", "STATS-11", "STATS-13",
        "STATS-15",
    ] {
        let (found, why) = outcome(&record, id);
        assert_eq!(found, Outcome::Error, "{id}: {why}");
        assert!(
            why.contains("500"),
            "{id} names what could not be read: {why}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_in_statistics_that_are_not_json_is_a_leak() {
    let broken = r#"{"lignes": [], "connectes": [{"nom": "x", "prenom": "y", "courriel": "z", "qui": "{name}"}] ,,"#;
    let record = statistics_run(StatusCode::OK, broken).await;
    let (found, why) = outcome(&record, "STATS-15");
    assert_eq!(found, Outcome::Fail, "{why}");
    assert!(why.contains("« nom »"), "{why}");
    assert!(why.contains("un nom de l'annuaire"), "{why}");
    // The same leak in an error page.
    let record = statistics_run(StatusCode::INTERNAL_SERVER_ERROR, broken).await;
    let (found, why) = outcome(&record, "STATS-15");
    assert_eq!(found, Outcome::Fail, "{why}");
    // Nothing but an error page without names: nothing read, nothing proved.
    let record = statistics_run(StatusCode::OK, "{\"lignes\": [NaN]}").await;
    let (found, why) = outcome(&record, "STATS-15");
    assert_eq!(found, Outcome::Error, "{why}");
}

// ---------------------------------------------------------------- items 3, 6

const ARCHIVE: &str = "BEL_GAR-ENT_Complet_20260901_083000_1D.tar.gz";

/// A delivery whose archive was read, with `md5_file` as its `.md5` and
/// no records at all.
fn empty_export(md5_file: &str, directory: bool) -> GarObservation {
    GarObservation {
        archive_url: reqwest::Url::parse(&format!("http://ent.test/gar/{ARCHIVE}")).expect("url"),
        status: 200,
        size: 1024,
        md5: "0123456789abcdef0123456789abcdef".to_owned(),
        md5_file: Ok(md5_file.to_owned()),
        cut: None,
        refused: false,
        members: Ok(Vec::new()),
        bad_names: Vec::new(),
        unreadable: Vec::new(),
        xsd: Ok(Vec::new()),
        export: entconf::gar::GarExport::default(),
        kinds: entconf::gar::Kind::ALL.to_vec(),
        again: Ok(entconf::gar::GarExport::default()),
        directory: directory
            .then(|| entconf::aaf::generate(&entconf::aaf::GenerateOptions::default())),
        exchanges: Vec::new(),
    }
}

#[test]
fn an_export_without_records_proves_neither_integrity_nor_minimisation() {
    let digest = "0123456789abcdef0123456789abcdef";
    // The directory says pupils, teachers and schools exist: an export
    // without them is wrong.
    let observed = empty_export(digest, true);
    for rule in [GarRule::Integrity, GarRule::Minimisation] {
        let verdict = judge_gar(rule, &observed);
        assert_eq!(
            verdict.status,
            AssertionStatus::Failed,
            "{rule:?}: {}",
            verdict.actual
        );
        assert!(
            verdict.actual.contains("aucun élève"),
            "{rule:?}: {}",
            verdict.actual
        );
    }
    // Without the directory, nothing could be compared.
    let observed = empty_export(digest, false);
    for rule in [GarRule::Integrity, GarRule::Minimisation] {
        let verdict = judge_gar(rule, &observed);
        assert_eq!(
            verdict.status,
            AssertionStatus::Error,
            "{rule:?}: {}",
            verdict.actual
        );
        assert!(
            verdict.actual.contains("aucun"),
            "{rule:?}: {}",
            verdict.actual
        );
    }
}

#[test]
fn md5sum_format_is_accepted_when_it_names_the_archive() {
    let digest = "0123456789abcdef0123456789abcdef";
    for md5 in [
        format!("{digest}\n"),
        format!("{digest}  {ARCHIVE}\n"),
        format!("{digest} *{ARCHIVE}\n"),
    ] {
        let verdict = judge_gar(GarRule::Delivery, &empty_export(&md5, true));
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{md5:?}: {}",
            verdict.actual
        );
    }
    let other = "BEL_GAR-ENT_Complet_20250101_000000_1D.tar.gz";
    let verdict = judge_gar(
        GarRule::Delivery,
        &empty_export(&format!("{digest}  {other}\n"), true),
    );
    assert_eq!(
        verdict.status,
        AssertionStatus::Failed,
        "{}",
        verdict.actual
    );
    assert!(
        verdict.actual.contains(other) && verdict.actual.contains(ARCHIVE),
        "{}",
        verdict.actual
    );
    let verdict = judge_gar(
        GarRule::Delivery,
        &empty_export(
            &format!("ffffffffffffffffffffffffffffffff  {ARCHIVE}\n"),
            true,
        ),
    );
    assert_eq!(
        verdict.status,
        AssertionStatus::Failed,
        "{}",
        verdict.actual
    );
}

// ---------------------------------------------------------------- items 4, 5

/// Window title (OSC 0), clear screen (ED), clipboard write (OSC 52), cursor
/// position report (DSR), a C1 CSI, a bell, and two XML noncharacters.
const HOSTILE_LINK: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[6n\u{9b}31mrouge\u{fffe}\u{ffff}fin";

/// Runs FOOTER-01 with the binary against a candidate whose footer link is
/// [`HOSTILE_LINK`]; the output and the report folder.
async fn hostile_footer_run(name: &str) -> (Output, PathBuf) {
    let page = format!(
        "<html><head><title>Accueil</title></head><body><main>Bonjour</main>\
         <footer><a href=\"/x\">{HOSTILE_LINK}</a></footer></body></html>"
    );
    let app = Router::new().fallback(move || {
        let page = page.clone();
        async move { ([("content-type", "text/html; charset=utf-8")], page).into_response() }
    });
    let addr = serve(app).await;
    let dir = scratch(name);
    let target = dir.join("cible.toml");
    std::fs::write(
        &target,
        format!(
            "id = \"controles\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
             login_page = \"/\"\nhome_page = \"/\"\n[http]\nrequest_timeout = \"2s\"\n"
        ),
    )
    .expect("target");
    let out = dir.join("rapports");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["run", "--check", "FOOTER-01", "--format", "console,junit"])
            .arg("--target")
            .arg(&target)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("entconf runs")
    })
    .await
    .expect("join");
    (output, dir)
}

fn junit_of(dir: &Path) -> String {
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "junit.xml") {
                return std::fs::read_to_string(&path).expect("junit.xml");
            }
        }
    }
    panic!("no junit.xml under {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_text_cannot_drive_the_terminal() {
    let (output, dir) = hostile_footer_run("console").await;
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("FOOTER-01"), "{stdout}");
    for (what, c) in [("ESC", '\u{1b}'), ("BEL", '\u{7}'), ("CSI (C1)", '\u{9b}')] {
        assert!(!stdout.contains(c), "{what} on stdout: {stdout:?}");
        assert!(!stderr.contains(c), "{what} on stderr: {stderr:?}");
    }
    // Shown, not obeyed.
    assert!(stdout.contains("␛]0;pwned"), "{stdout}");
    assert!(stdout.contains("␛[6n"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_is_valid_xml_whatever_the_candidate_wrote() {
    let (output, dir) = hostile_footer_run("junit").await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let junit = junit_of(&dir);
    let parsed = roxmltree::Document::parse(&junit);
    assert!(parsed.is_ok(), "{parsed:?}");
    assert!(junit.contains("FOOTER-01"), "{junit}");
    assert!(!junit.contains('\u{fffe}') && !junit.contains('\u{ffff}'));
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
