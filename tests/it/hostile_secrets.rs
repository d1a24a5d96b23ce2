//! A candidate that tries to read the staging gate's password out of the
//! reports: spelled as HTML character references in a link, carried by a
//! redirect in a path, a query or a userinfo, echoed from the request's
//! `Authorization` header, or used to make the harness send credentials
//! elsewhere. The binary runs as users run it; nothing it prints or writes
//! may hold the password, in any spelling.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;

const BIN: &str = env!("CARGO_BIN_EXE_entconf");
const USER: &str = "recette";
const PASSWORD: &str = "S3cr3t-P@ss/w:rd";

fn html(body: String) -> Response {
    ([("content-type", "text/html; charset=utf-8")], body).into_response()
}

/// Every spelling of the password a report could leak.
fn spellings() -> Vec<String> {
    let entities: String = PASSWORD
        .chars()
        .map(|c| format!("&#{};", c as u32))
        .collect();
    let lower: String = PASSWORD
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    vec![
        PASSWORD.to_owned(),
        entities,
        lower.clone(),
        lower.to_uppercase().replace("S3CR3T", "S3cr3t"),
        basic.trim_end_matches('=').to_owned(),
        // What remains after a mask that stops at the first `@`.
        "ss/w:rd".to_owned(),
    ]
}

/// Runs `entconf run` on a FOOTER check against `base` with the staging
/// gate's password, and returns everything it printed and wrote.
fn run_against(base: SocketAddr, name: &str, checks: &[&str]) -> Vec<(String, String)> {
    let dir = std::env::temp_dir().join(format!("entconf-secrets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let target = dir.join("cible.toml");
    // The candidates serve one page, declared as both home and login page:
    // a declared page answering 404 would stop the check before the page
    // under test is read.
    std::fs::write(
        &target,
        format!(
            "id = \"secrets\"\nbase_url = \"http://{base}/\"\n[capabilities]\n\
             home_page = \"/\"\nlogin_page = \"/\"\n\
             [http]\nrequest_timeout = \"5s\"\n\
             basic_auth = {{ user = \"{USER}\", password = {{ env = \"ENTCONF_TEST_GATE\" }} }}\n"
        ),
    )
    .expect("target");
    // Under the hostile tests' memory limit, as every hostile case.
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--data={}", super::hostile_pages::MEMORY_LIMIT))
        .arg("--")
        .arg(BIN)
        .args(["run", "--target"])
        .arg(&target)
        .args(["--format", "junit,json,html", "--out"])
        .arg(dir.join("rapports"))
        .env("ENTCONF_TEST_GATE", PASSWORD);
    for check in checks {
        command.args(["--check", check]);
    }
    let output = command.output().expect("entconf runs");
    let mut texts = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
    ];
    for file in files(&dir.join("rapports")) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).expect("report")).into_owned();
        texts.push((file.display().to_string(), text));
    }
    assert!(texts.len() > 4, "reports written: {texts:?}");
    let _ = std::fs::remove_dir_all(&dir);
    texts
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn assert_no_leak(texts: &[(String, String)]) {
    for (place, text) in texts {
        for spelling in spellings() {
            assert!(
                !text.contains(&spelling),
                "{place} holds the password as « {spelling} »"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_written_as_character_references_is_masked() {
    let entities: String = PASSWORD
        .chars()
        .map(|c| format!("&#{};", c as u32))
        .collect();
    let app = Router::new().route(
        "/",
        get(move || {
            let entities = entities.clone();
            async move {
                html(format!(
                    "<html lang=\"fr\"><body><main>Accueil</main><footer><a href=\"/x\">{entities}</a></footer></body></html>"
                ))
            }
        }),
    );
    let base = super::support::serve(app).await;
    let texts = tokio::task::spawn_blocking(move || run_against(base, "entites", &["FOOTER-01"]))
        .await
        .expect("run");
    assert!(
        texts.iter().any(|(_, t)| t.contains("[secret:")),
        "the link text is quoted, masked"
    );
    assert_no_leak(&texts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_carried_by_a_redirect_is_masked_in_messages() {
    let encoded: String = PASSWORD
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect();
    let app = Router::new()
        .route(
            "/",
            get(move || {
                let encoded = encoded.clone();
                async move {
                    axum::response::Redirect::to(&format!("/p/{encoded}?q={encoded}"))
                        .into_response()
                }
            }),
        )
        .fallback(|| async { html("<html><body>pas de pied de page</body></html>".to_owned()) });
    let base = super::support::serve(app).await;
    let texts =
        tokio::task::spawn_blocking(move || run_against(base, "redirection", &["FOOTER-01"]))
            .await
            .expect("run");
    assert_no_leak(&texts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_a_location_userinfo_is_masked_whole() {
    let app = Router::new().route(
        "/",
        get(|| async {
            (
                axum::http::StatusCode::FOUND,
                [(
                    "location",
                    format!("http://{USER}:{PASSWORD}@127.0.0.1:9/ailleurs"),
                )],
            )
                .into_response()
        }),
    );
    let base = super::support::serve(app).await;
    let texts = tokio::task::spawn_blocking(move || run_against(base, "userinfo", &["FOOTER-01"]))
        .await
        .expect("run");
    assert_no_leak(&texts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_authorization_header_is_masked() {
    let app = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move {
            let echoed = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            html(format!(
                "<html lang=\"fr\"><body><p>Vous avez envoyé : {echoed}</p>\
                 <footer><a href=\"/x\">{echoed}</a></footer></body></html>"
            ))
        }),
    );
    let base = super::support::serve(app).await;
    let texts = tokio::task::spawn_blocking(move || run_against(base, "echo", &["FOOTER-01"]))
        .await
        .expect("run");
    assert!(
        texts.iter().any(|(_, t)| t.contains("Vous avez envoyé")),
        "the page was read"
    );
    assert_no_leak(&texts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_a_redirect_writes_in_a_url_are_never_sent() {
    let received: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let seen = Arc::clone(&received);
    let other = super::support::serve(Router::new().fallback(move |headers: HeaderMap| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(
                    headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                );
            html("<html><body>ailleurs</body></html>".to_owned())
        }
    }))
    .await;
    let app = Router::new().route(
        "/",
        get(move || async move {
            axum::response::Redirect::to(&format!("http://volé:aussi-volé@{other}/page"))
                .into_response()
        }),
    );
    let base = super::support::serve(app).await;
    let texts = tokio::task::spawn_blocking(move || run_against(base, "ailleurs", &["FOOTER-01"]))
        .await
        .expect("run");
    let received = received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    assert!(!received.is_empty(), "the other host was asked");
    assert!(
        received.iter().all(Option::is_none),
        "credentials sent to the other host: {received:?}"
    );
    assert_no_leak(&texts);
}
