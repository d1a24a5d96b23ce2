//! Pages built to exhaust the harness: nodes nested past any real page,
//! misnested formatting tags, a page that keeps saying "not now", links to
//! services that are not the candidate's. The binary runs as users run it,
//! under a memory limit (no hostile case may take more than 512 MiB); each
//! case ends with the outcome the bytes allow, `error` when they could not
//! be read.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use entconf::check::Outcome;
use entconf::report::RunRecord;

const BIN: &str = env!("CARGO_BIN_EXE_entconf");
/// The memory any hostile case may take, in bytes.
pub(crate) const MEMORY_LIMIT: u64 = 512 << 20;

fn html(body: String) -> Response {
    ([("content-type", "text/html; charset=utf-8")], body).into_response()
}

/// Runs the binary with `args` under the memory limit (`prlimit --data`:
/// every private writable mapping counts, so a blow-up fails the
/// allocation instead of the machine) and returns its exit code, output
/// and the record it wrote.
pub(crate) fn run_limited(name: &str, args: &[&str]) -> (Option<i32>, String, Option<RunRecord>) {
    run_within(name, args, MEMORY_LIMIT)
}

/// As [`run_limited`], under `limit` bytes.
fn run_within(name: &str, args: &[&str], limit: u64) -> (Option<i32>, String, Option<RunRecord>) {
    let dir = std::env::temp_dir().join(format!("entconf-pages-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let output = Command::new("prlimit")
        .arg(format!("--data={limit}"))
        .arg("--")
        .arg(BIN)
        .args(args)
        .args(["--format", "json", "--out"])
        .arg(&dir)
        .output()
        .expect("prlimit runs entconf");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let record = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("results.json"))
        .find(|path| path.exists())
        .map(|path| {
            entconf::report::from_json(&std::fs::read_to_string(path).expect("read"))
                .expect("results.json")
        });
    let _ = std::fs::remove_dir_all(&dir);
    (output.status.code(), said, record)
}

/// Runs `checks` against a candidate at `base` whose home page is `/`.
fn run_footer(name: &str, base: SocketAddr, extra: &str, checks: &[&str]) -> (RunRecord, String) {
    run_footer_within(name, base, extra, checks, MEMORY_LIMIT)
}

/// Runs `checks` against a candidate at `base`, under a memory `limit`.
/// Pages are read as served (`[browser] mode = "off"`): these are bounds of
/// the harness's own readers, and the limit would not let chromium start
/// (tests/it/browser.rs covers the browser's bounds).
fn run_footer_within(
    name: &str,
    base: SocketAddr,
    extra: &str,
    checks: &[&str],
    limit: u64,
) -> (RunRecord, String) {
    let dir = std::env::temp_dir().join(format!(
        "entconf-pages-target-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("scratch");
    let target = dir.join("cible.toml");
    std::fs::write(
        &target,
        format!(
            "id = \"pages\"\nbase_url = \"http://{base}/\"\n[capabilities]\n\
             home_page = \"/\"\nlogin_page = \"/\"\n[browser]\nmode = \"off\"\n\
             [http]\nrequest_timeout = \"20s\"\ncheck_timeout = \"120s\"\n{extra}"
        ),
    )
    .expect("target");
    let target = target.display().to_string();
    let mut args = vec!["run", "--target", target.as_str()];
    for check in checks {
        args.extend(["--check", check]);
    }
    let (code, said, record) = run_within(name, &args, limit);
    let _ = std::fs::remove_dir_all(&dir);
    let record = record.unwrap_or_else(|| panic!("no results.json (exit {code:?}):\n{said}"));
    (record, said)
}

async fn serve_home(page: String) -> SocketAddr {
    let page = Arc::new(page);
    super::support::serve(Router::new().route(
        "/",
        get(move || {
            let page = Arc::clone(&page);
            async move { html(page.as_ref().clone()) }
        }),
    ))
    .await
}

async fn footer_01(name: &'static str, page: String) -> (Outcome, String) {
    footer_01_within(name, page, MEMORY_LIMIT).await
}

async fn footer_01_within(name: &'static str, page: String, limit: u64) -> (Outcome, String) {
    let base = serve_home(page).await;
    let (record, _) = tokio::task::spawn_blocking(move || {
        run_footer_within(name, base, "", &["FOOTER-01"], limit)
    })
    .await
    .expect("run");
    super::support::outcome(&record, "FOOTER-01")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_footers_around_a_long_link_stay_small() {
    // 400 footers, one inside the other, around one 100 kB link: the link
    // is read once, not once per enclosing footer (which took 118 MiB and
    // 6 s; the limit here is 64 MiB).
    let link = format!("<a href=\"/x\">{}</a>", "lien ".repeat(20_000));
    let page = format!(
        "<html lang=\"fr\"><body>{}{link}{}</body></html>",
        "<footer>".repeat(400),
        "</footer>".repeat(400)
    );
    let (outcome, why) = footer_01_within("footers", page, 64 << 20).await;
    assert_eq!(outcome, Outcome::Fail, "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_nested_footers_are_refused_not_walked() {
    let link = format!("<a href=\"/x\">{}</a>", "lien ".repeat(20_000));
    let page = format!(
        "<html lang=\"fr\"><body>{}{link}{}</body></html>",
        "<footer>".repeat(20_000),
        "</footer>".repeat(20_000)
    );
    let (outcome, why) = footer_01("footers-deep", page).await;
    assert_eq!(outcome, Outcome::Error, "{why}");
    assert!(why.contains("imbriqués sur plus de 512 niveaux"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_divs_are_refused_at_the_depth_bound() {
    // 180,000 nested divs (2 MB): the parser's work would grow with the
    // square of the depth; it stops at the bound instead.
    let page = format!(
        "<html lang=\"fr\"><body>{}x{}</body></html>",
        "<div>".repeat(180_000),
        "</div>".repeat(180_000)
    );
    let (outcome, why) = footer_01("divs", page).await;
    assert_eq!(outcome, Outcome::Error, "{why}");
    assert!(why.contains("niveaux"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misnested_formatting_tags_are_refused_at_a_bound() {
    // Misnested formatting elements make the parser rebuild them at every
    // step (the adoption agency): the element or depth bound stops it.
    let page = format!(
        "<html lang=\"fr\"><body>{}</body></html>",
        "<b><i><u><s>x</b></i></u>".repeat(60_000)
    );
    let (outcome, why) = footer_01("misnested", page).await;
    assert_eq!(outcome, Outcome::Error, "{why}");
    assert!(why.contains("page refusée"), "{why}");
}

/// A home page whose footer links to `notice`.
fn home_linking(notice: &str) -> String {
    format!(
        "<html lang=\"fr\"><body><main><h1>ENT</h1></main><footer>\
         <a href=\"{notice}\">Données personnelles</a> <a href=\"/mentions\">Mentions légales</a> \
         <a href=\"/accessibilite\">Accessibilité : non conforme</a></footer></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_that_keeps_answering_503_is_an_error_not_a_failure() {
    let asked = Arc::new(Mutex::new(0u32));
    let counter = Arc::clone(&asked);
    let base = super::support::serve(
        Router::new()
            .route("/", get(|| async { html(home_linking("/donnees")) }))
            .route(
                "/donnees",
                get(move || {
                    let counter = Arc::clone(&counter);
                    async move {
                        *counter
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
                        (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            [("retry-after", "1")],
                            "maintenance",
                        )
                            .into_response()
                    }
                }),
            ),
    )
    .await;
    let (record, _) = tokio::task::spawn_blocking(move || {
        run_footer("503", base, "", &["FOOTER-02", "FOOTER-07"])
    })
    .await
    .expect("run");
    for id in ["FOOTER-02", "FOOTER-07"] {
        let (outcome, why) = super::support::outcome(&record, id);
        assert_eq!(outcome, Outcome::Error, "{id}: {why}");
        assert!(why.contains("503"), "{id}: {why}");
    }
    let asked = *asked
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(
        asked, 3,
        "asked again after its Retry-After, three times in all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn footer_links_to_other_origins_are_not_followed() {
    let intranet_asked = Arc::new(Mutex::new(0u32));
    let counter = Arc::clone(&intranet_asked);
    let intranet = super::support::serve(Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            *counter
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
            html("<html><body>Données internes : salaires.xlsx</body></html>".to_owned())
        }
    }))
    .await;
    let notice = format!("http://{intranet}/donnees");
    let base = serve_home(home_linking(&notice)).await;
    let (record, said) =
        tokio::task::spawn_blocking(move || run_footer("intranet", base, "", &["FOOTER-07"]))
            .await
            .expect("run");
    let (outcome, why) = super::support::outcome(&record, "FOOTER-07");
    assert_eq!(outcome, Outcome::Error, "{why}");
    assert!(why.contains("hors des origines déclarées"), "{why}");
    assert_eq!(
        *intranet_asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
        0,
        "the foreign service was asked"
    );
    assert!(!said.contains("salaires"));
    // Declared as the candidate's, the same origin is read.
    let declared = format!("origins = [\"http://{intranet}\"]\n");
    let (record, _) = tokio::task::spawn_blocking(move || {
        run_footer("intranet-ok", base, &declared, &["FOOTER-07"])
    })
    .await
    .expect("run");
    let (outcome, why) = super::support::outcome(&record, "FOOTER-07");
    assert_ne!(outcome, Outcome::Error, "{why}");
    assert!(
        *intranet_asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            > 0
    );
}
