//! The browser probe against local pages built to misbehave: a footer drawn
//! after a fetch, a request that never answers, a page that never goes
//! quiet, console errors, an oversized DOM, a renderer crash, a browser
//! killed mid-probe, a missing executable. Each ends within its bound, as
//! a rendering or as an error, and leaves no process and no profile behind.
//!
//! Waits are on conditions, never sleeps. Chromium is installed by
//! `ci/run.sh`; without it these tests pass vacuously on a workstation but
//! fail under `CI=true`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use entconf::browser::{
    Browser, BrowserError, BrowserSettings, Party, Readiness, Rendering, Settled, render_page,
};
use entconf::evidence::Redactor;
use entconf::suite::Secret;

/// Settings for the tests: short deadlines, loopback only.
fn settings() -> BrowserSettings {
    BrowserSettings {
        settle: Duration::from_secs(3),
        loopback_only: true,
        ..BrowserSettings::default()
    }
}

/// Whether chromium can be used; under CI it must be.
fn chromium_present() -> bool {
    match settings().find_executable() {
        Ok(_) => true,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have chromium (ci/run.sh installs it): {why}"
            );
            false
        }
    }
}

fn html(body: impl Into<String>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
}

/// The pages of these tests.
async fn pages() -> SocketAddr {
    let app = Router::new()
        .route(
            "/script-footer",
            get(|| async {
                html(
                    "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>t</title></head>\
                     <body><main><p>Accueil</p></main><div id=\"pied\"></div><script>\
                     setTimeout(() => fetch('/api/pied').then(r => r.json()).then(d => {\
                       const f = document.createElement('footer'); f.textContent = d.texte;\
                       document.getElementById('pied').replaceWith(f);\
                       document.cookie = 'prefs=bleu; path=/';\
                     }), 100);</script></body></html>",
                )
            }),
        )
        .route(
            "/api/pied",
            get(|| async { axum::Json(serde_json::json!({"texte": "Mentions légales — Données personnelles"})) }),
        )
        .route(
            "/shadow",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><x-pied><span slot=\"a\">glissé</span></x-pied><script>\
                     customElements.define('x-pied', class extends HTMLElement { connectedCallback() {\
                       const r = this.attachShadow({mode: 'open'});\
                       r.innerHTML = '<footer>Accessibilité : partiellement conforme <slot name=\"a\"></slot></footer>'; } });\
                     </script></body></html>",
                )
            }),
        )
        .route(
            "/hanging-fetch",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>x</p>\
                     <script>fetch('/never');</script></body></html>",
                )
            }),
        )
        .route("/never", get(std::future::pending::<String>))
        .route(
            "/restless",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><ul id=\"l\"></ul><script>\
                     setInterval(() => { const li = document.createElement('li'); li.textContent = Date.now();\
                       document.getElementById('l').append(li); fetch('/api/pied'); }, 100);</script></body></html>",
                )
            }),
        )
        .route(
            "/restless-shadow",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><x-pied></x-pied><script>\
                     setInterval(() => fetch('/api/pied'), 100);\
                     setTimeout(() => { customElements.define('x-pied', class extends HTMLElement { connectedCallback() {\
                       this.attachShadow({mode: 'open'}).innerHTML = '<footer>Mentions légales</footer>'; } });\
                       location.hash = '#/accueil'; }, 300);</script></body></html>",
                )
            }),
        )
        .route(
            "/tampered",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><footer>Mentions légales</footer><script>\
                     Array.prototype.join = function () { return '<footer>Données personnelles</footer>'; };\
                     String.prototype.replace = function () { return 'Données personnelles'; };</script></body></html>",
                )
            }),
        )
        .route(
            "/noisy",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>x</p><script>\
                     console.error('jeton tres-secret-42 refusé'); throw new Error('panne du menu');</script></body></html>",
                )
            }),
        )
        .route(
            "/huge",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><script>\
                     document.body.append('x'.repeat(300000));</script></body></html>",
                )
            }),
        )
        .route(
            "/alert",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>x</p><script>\
                     alert('Bienvenue'); document.body.append('après');</script></body></html>",
                )
            }),
        )
        .route(
            "/compte",
            get(|headers: axum::http::HeaderMap| async move {
                let signed_in = headers
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|c| c.split("; ").any(|pair| pair == "sid=s3ssion"));
                let who = if signed_in { "Léa Roux" } else { "visiteur anonyme" };
                html(format!(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
                     <meta name=\"referrer\" content=\"unsafe-url\"></head>\
                     <body><p>Connecté : {who}</p><img src=\"/logo.png\">\
                     <img src=\"https://pixel.example/p.gif?page=compte\"></body></html>"
                ))
            }),
        )
        .route(
            "/tracker",
            get(|| async {
                html(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>x</p><script>\
                     const s = document.createElement('script'); s.src = 'https://www.googletagmanager.com/gtag/js?id=G-1';\
                     document.head.append(s);</script></body></html>",
                )
            }),
        );
    super::support::serve(app).await
}

fn redactor() -> Redactor {
    Redactor::new(vec![Secret::new("JETON", "tres-secret-42")])
}

async fn render(
    browser: &Browser,
    addr: SocketAddr,
    path: &str,
) -> Result<Rendering, BrowserError> {
    render_until(browser, addr, path, None).await
}

/// Like [`render`], ready also when `readiness` holds.
async fn render_until(
    browser: &Browser,
    addr: SocketAddr,
    path: &str,
    readiness: Option<&Readiness>,
) -> Result<Rendering, BrowserError> {
    let url = url::Url::parse(&format!("http://{addr}{path}")).expect("url");
    let own = move |u: &url::Url| u.port_or_known_default() == Some(addr.port());
    render_page(browser, &url, &[], readiness, "r0001", &redactor(), &own)
        .await
        .map(|(rendering, _)| rendering)
}

/// The test pages served and a browser launched with the tests'
/// settings; `None` without chromium (outside CI only).
async fn launched() -> Option<(SocketAddr, Browser)> {
    if !chromium_present() {
        return None;
    }
    let addr = pages().await;
    let browser = Browser::launch(&settings()).await.expect("chromium starts");
    Some((addr, browser))
}

/// Asserts the page never settled before the deadline, once loaded.
#[track_caller]
fn assert_deadline_after_load(rendering: &Rendering) {
    assert!(
        matches!(rendering.settled, Settled::Deadline { loaded: true, .. }),
        "{:?}",
        rendering.settled
    );
}

/// Processes whose command line names `needle`.
fn processes_naming(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(command) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let command = String::from_utf8_lossy(&command).replace('\0', " ");
        if command.contains(needle) {
            found.push(command);
        }
    }
    found
}

/// A page opened in the session of a login the HTTP probe played: the
/// login's cookies are in the fresh context's jar before the page is asked
/// for, and the `Referer` the page sends to a third party is recorded
/// (only there: the candidate's own requests keep theirs to themselves).
#[tokio::test]
async fn a_page_opened_in_a_session_carries_its_cookies_and_the_referer_to_third_parties_is_kept() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let url = url::Url::parse(&format!("http://{addr}/compte?eleve=lea")).expect("url");
    let own = move |u: &url::Url| u.port_or_known_default() == Some(addr.port());
    let session = [entconf::probe::HeldCookie {
        name: "sid".to_owned(),
        value: "s3ssion".to_owned(),
        host: addr.ip().to_string(),
        domain: false,
        path: "/".to_owned(),
        secure: false,
        http_only: true,
    }];
    let (rendering, dom) = render_page(&browser, &url, &session, None, "r0001", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(dom.contains("Connecté : Léa Roux"), "{dom}");
    let pixel = rendering
        .requests
        .iter()
        .find(|r| r.host == "pixel.example")
        .expect("the pixel was asked for");
    assert_eq!(pixel.party, Party::Third);
    assert_eq!(
        pixel.referer.as_deref(),
        Some(format!("http://{addr}/compte?eleve=lea").as_str()),
        "{pixel:?}"
    );
    let logo = rendering
        .requests
        .iter()
        .find(|r| r.url.ends_with("/logo.png"))
        .expect("the logo was asked for");
    assert_eq!(logo.referer, None);
    // The jar held the cookie for that context only: a visitor's context
    // is anonymous.
    let (_, dom) = render_page(&browser, &url, &[], None, "r0002", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(dom.contains("visiteur anonyme"), "{dom}");
    browser.close().await;
}

#[tokio::test]
async fn a_footer_drawn_by_script_after_a_fetch_is_seen_with_its_requests_and_cookies() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let url = url::Url::parse(&format!("http://{addr}/script-footer")).expect("url");
    let own = move |u: &url::Url| u.port_or_known_default() == Some(addr.port());
    let (rendering, dom) = render_page(&browser, &url, &[], None, "r0001", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(
        dom.contains("<footer>Mentions légales — Données personnelles</footer>"),
        "{dom}"
    );
    assert!(
        matches!(rendering.settled, Settled::Quiet { .. }),
        "{:?}",
        rendering.settled
    );
    let api = rendering
        .requests
        .iter()
        .find(|r| r.url.ends_with("/api/pied"))
        .expect("the fetch is logged");
    assert_eq!(api.resource, "Fetch");
    assert_eq!(api.status, Some(200));
    assert_eq!(api.party, Party::First);
    assert!(api.initiator.starts_with("script "), "{}", api.initiator);
    let cookie = rendering
        .cookies
        .iter()
        .find(|c| c.name == "prefs")
        .expect("a cookie set by script is in the jar");
    assert_eq!(cookie.party, Party::First);
    assert_ne!(cookie.fingerprint, "bleu");
    let shot = rendering.screenshot.as_ref().expect("screenshot");
    assert_eq!(shot.width, 1280);
    assert!(!shot.thumbnail.is_empty());
    assert!(
        rendering
            .files
            .png
            .as_ref()
            .is_some_and(|png| png.starts_with(b"\x89PNG"))
    );

    // An open shadow root is read as drawn, slots filled.
    let url = url::Url::parse(&format!("http://{addr}/shadow")).expect("url");
    let (_, dom) = render_page(&browser, &url, &[], None, "r0002", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(
        dom.contains("<x-pied><footer>Accessibilité : partiellement conforme <span slot=\"a\">glissé</span></footer></x-pied>"),
        "{dom}"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_request_that_never_answers_ends_at_the_deadline_naming_it() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let started = Instant::now();
    let rendering = render(&browser, addr, "/hanging-fetch")
        .await
        .expect("rendered");
    let Settled::Deadline {
        inflight, loaded, ..
    } = &rendering.settled
    else {
        panic!("{:?}", rendering.settled);
    };
    assert!(*loaded);
    assert!(
        inflight.iter().any(|u| u.ends_with("/never")),
        "{inflight:?}"
    );
    // The deadline plus the capture's own bounded commands.
    assert!(
        started.elapsed() < Duration::from_secs(3 + 30),
        "{:?}",
        started.elapsed()
    );

    // A page that keeps changing and asking never goes quiet either.
    let rendering = render(&browser, addr, "/restless").await.expect("rendered");
    assert_deadline_after_load(&rendering);
    browser.close().await;
}

#[tokio::test]
async fn a_page_that_never_goes_quiet_is_ready_when_the_target_says_so() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    // The footer is drawn in a shadow root while the page keeps polling:
    // each condition sees it, through the shadow root for the selector
    // and the text.
    for readiness in [
        Readiness::Selector("footer".to_owned()),
        Readiness::Text("Mentions légales".to_owned()),
        Readiness::Url("#/accueil".to_owned()),
    ] {
        let rendering = render_until(&browser, addr, "/restless-shadow", Some(&readiness))
            .await
            .expect("rendered");
        assert!(
            matches!(rendering.settled, Settled::Condition { .. }),
            "{readiness:?}: {:?}",
            rendering.settled
        );
        assert!(rendering.dom_chars > 0);
    }
    // A condition that never holds ends at the deadline.
    let never = Readiness::Text("Données personnelles".to_owned());
    let rendering = render_until(&browser, addr, "/restless-shadow", Some(&never))
        .await
        .expect("rendered");
    assert_deadline_after_load(&rendering);
    browser.close().await;
}

#[tokio::test]
async fn a_page_that_rewrites_the_builtins_cannot_change_the_judged_dom() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let url = url::Url::parse(&format!("http://{addr}/tampered")).expect("url");
    let own = move |u: &url::Url| u.port_or_known_default() == Some(addr.port());
    let (_, dom) = render_page(&browser, &url, &[], None, "r0001", &redactor(), &own)
        .await
        .expect("rendered");
    // Rewritten in the page's world, `join` would return the fake footer
    // alone and `replace` would rewrite every text.
    assert!(dom.starts_with("<!DOCTYPE html><html>"), "{dom}");
    assert!(dom.contains("<footer>Mentions légales</footer>"), "{dom}");
    browser.close().await;
}

#[tokio::test]
async fn names_the_target_resolves_reach_the_candidate_in_the_browser_too() {
    if !chromium_present() {
        return;
    }
    let addr = pages().await;
    let mut with_names = settings();
    with_names
        .resolve
        .insert("www.ent.test".to_owned(), addr.ip());
    let browser = Browser::launch(&with_names).await.expect("chromium starts");
    let url = url::Url::parse(&format!("http://www.ent.test:{}/shadow", addr.port())).expect("url");
    let own = |u: &url::Url| u.host_str() == Some("www.ent.test");
    let (rendering, dom) = render_page(&browser, &url, &[], None, "r0001", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(
        dom.contains("Accessibilité : partiellement conforme"),
        "{dom}"
    );
    assert_eq!(rendering.requests[0].host, "www.ent.test");
    assert_eq!(rendering.requests[0].status, Some(200));
    // Other names stay unresolved (loopback only).
    let elsewhere =
        url::Url::parse(&format!("http://autre.ent.test:{}/shadow", addr.port())).expect("url");
    let refused = render_page(&browser, &elsewhere, &[], None, "r0002", &redactor(), &own).await;
    assert!(refused.is_err(), "{refused:?}");
    browser.close().await;
}

#[tokio::test]
async fn console_errors_and_exceptions_are_kept_redacted() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let rendering = render(&browser, addr, "/noisy").await.expect("rendered");
    let text: Vec<String> = rendering
        .console
        .iter()
        .map(|c| format!("{}: {}", c.kind, c.text))
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("console.error: jeton ") && t.ends_with(" refusé")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("exception: Error: panne du menu")),
        "{text:?}"
    );
    assert!(
        !text.iter().any(|t| t.contains("tres-secret-42")),
        "{text:?}"
    );

    // An alert() is dismissed, as a person would, and noted.
    let rendering = render(&browser, addr, "/alert").await.expect("rendered");
    assert!(
        rendering
            .console
            .iter()
            .any(|c| c.kind == "dialogue" && c.text == "Bienvenue"),
        "{:?}",
        rendering.console
    );

    // A tracker added by script is logged, though its host does not
    // resolve (nothing leaves loopback).
    let rendering = render(&browser, addr, "/tracker").await.expect("rendered");
    let tag = rendering
        .requests
        .iter()
        .find(|r| r.host == "www.googletagmanager.com")
        .expect("the tracker request is logged");
    assert_eq!(tag.party, Party::Third);
    assert!(tag.failure.is_some());
    assert_eq!(
        rendering.third_party_hosts(),
        vec!["www.googletagmanager.com"]
    );
    browser.close().await;
}

#[tokio::test]
async fn an_oversized_dom_is_refused() {
    if !chromium_present() {
        return;
    }
    let addr = pages().await;
    let browser = Browser::launch(&BrowserSettings {
        max_dom_chars: 100_000,
        ..settings()
    })
    .await
    .expect("chromium starts");
    let error = render(&browser, addr, "/huge").await.expect_err("refused");
    assert!(
        error.to_string().contains("dépasse 100000 caractères"),
        "{error}"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_crashed_renderer_and_a_killed_browser_are_errors_and_leave_nothing_behind() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    let profile = browser.profile().to_owned();
    let own = |_: &url::Url| true;
    let crash = url::Url::parse("chrome://crash").expect("url");
    let error = render_page(&browser, &crash, &[], None, "r0001", &redactor(), &own)
        .await
        .expect_err("a crash is an error");
    let message = error.to_string();
    assert!(
        message.contains("planter") || message.contains("n'a pas pu ouvrir"),
        "{message}"
    );
    // The browser survives a renderer crash and renders the next page.
    render(&browser, addr, "/noisy")
        .await
        .expect("still usable");

    // Killed while a page hangs: the render ends as an error, in bound.
    let pid = browser.pid().expect("pid");
    let started = Instant::now();
    let (error, _) = tokio::join!(render(&browser, addr, "/hanging-fetch"), async {
        // Kill once the page is open: its request to /never is in flight.
        let _ = tokio::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .await;
    });
    let error = error.expect_err("a killed browser is an error");
    assert!(error.to_string().contains("arrêté"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(30));
    browser.close().await;
    let needle = profile.to_string_lossy().into_owned();
    assert!(
        processes_naming(&needle).is_empty(),
        "{:?}",
        processes_naming(&needle)
    );
    assert!(
        !profile.exists(),
        "profile left behind: {}",
        profile.display()
    );
}

#[tokio::test]
async fn a_closed_browser_leaves_no_process_and_no_profile() {
    let Some((addr, browser)) = launched().await else {
        return;
    };
    render(&browser, addr, "/script-footer")
        .await
        .expect("rendered");
    let profile = browser.profile().to_owned();
    let needle = profile.to_string_lossy().into_owned();
    assert!(
        !processes_naming(&needle).is_empty(),
        "the browser runs with its profile"
    );
    browser.close().await;
    assert!(
        processes_naming(&needle).is_empty(),
        "{:?}",
        processes_naming(&needle)
    );
    assert!(!profile.exists());
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_error() {
    let settings = BrowserSettings {
        executable: Some("/nonexistent/chromium".into()),
        ..settings()
    };
    let error = Browser::launch(&settings).await.err().expect("no browser");
    assert!(matches!(error, BrowserError::Missing(_)), "{error}");
    assert_eq!(
        error.to_string(),
        "navigateur introuvable : /nonexistent/chromium n'existe pas"
    );
}

#[tokio::test]
async fn a_staging_gate_is_answered_for_the_candidate_only() {
    if !chromium_present() {
        return;
    }
    let server = ent_server::spawn(ent_server::ServerConfig {
        basic_auth: Some(ent_server::BasicAuth {
            user: "recette".to_owned(),
            password: "Tr3s-S3cret!pw".to_owned(),
        }),
        scripted: true,
        ..Default::default()
    })
    .await
    .expect("reference ENT");
    let url = url::Url::parse(&format!("{}/", server.base_url())).expect("url");
    let gate = entconf::browser::BasicGate {
        origin: url.origin(),
        user: "recette".to_owned(),
        password: Secret::new("RECETTE", "Tr3s-S3cret!pw"),
    };
    let own = |_: &url::Url| true;
    // Without the credentials, the gate's challenge goes unanswered and
    // the page is not read.
    let browser = Browser::launch(&settings()).await.expect("chromium starts");
    let error = render_page(&browser, &url, &[], None, "r0001", &redactor(), &own)
        .await
        .expect_err("the gate refuses");
    assert!(
        error.to_string().contains("ERR_INVALID_AUTH_CREDENTIALS"),
        "{error}"
    );
    browser.close().await;
    // With them, the page and the calls its scripts make pass the gate.
    let browser = Browser::launch(&BrowserSettings {
        basic_auth: Some(gate),
        ..settings()
    })
    .await
    .expect("chromium starts");
    let (rendering, dom) = render_page(&browser, &url, &[], None, "r0002", &redactor(), &own)
        .await
        .expect("rendered");
    assert!(
        dom.contains("Mentions légales"),
        "the footer drawn from the API behind the gate"
    );
    assert!(
        rendering
            .requests
            .iter()
            .all(|r| r.status != Some(401) || r.url.ends_with('/')),
        "{:?}",
        rendering.requests
    );
    browser.close().await;
    server.shutdown();
}

/// A browser that does not start: under `auto`, pages are read as served
/// and the record says why; under `required`, the pages are in error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_does_not_start_is_a_note_under_auto_and_an_error_under_required() {
    use entconf::runner::{Cancellation, Plan, Selection, run};
    let server = ent_server::spawn(ent_server::ServerConfig::default())
        .await
        .expect("reference ENT");
    let catalog = super::support::catalog();
    let selection = Selection {
        checks: vec!["FOOTER-01".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    for (mode, expected) in [
        (
            entconf::suite::BrowserMode::Auto,
            entconf::check::Outcome::Pass,
        ),
        (
            entconf::suite::BrowserMode::Required,
            entconf::check::Outcome::Error,
        ),
    ] {
        let mut target = super::support::target(&server.base_url());
        target.browser.mode = mode;
        target.browser.executable = Some("/bin/false".into());
        let sink = std::sync::Arc::new(|_: &entconf::runner::RunEvent| {});
        let record = run(
            &catalog,
            &plan,
            target,
            super::support::settings(1),
            sink,
            Cancellation::new(),
        )
        .await
        .expect("run");
        let (outcome, why) = super::support::outcome(&record, "FOOTER-01");
        assert_eq!(outcome, expected, "{mode:?}: {why}");
        let note = record.browser.clone().unwrap_or_default();
        match mode {
            entconf::suite::BrowserMode::Auto => {
                assert!(note.contains("n'a pas démarré"), "{note}");
                assert!(note.contains("pages lues telles que servies"), "{note}");
            }
            _ => assert!(why.contains("n'a pas démarré"), "{why}"),
        }
        assert!(record.renderings.is_empty());
    }
    server.shutdown();
}
