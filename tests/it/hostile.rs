//! Candidates that misbehave during a login: a redirect flood, a hanging
//! answer, garbage sent to the IdP. Each ends as `error` (or `fail` where
//! the candidate is plainly at fault), with its reason, in bounded time.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use entconf::check::Outcome;
use entconf::report::RunRecord;
use entconf::runner::{Cancellation, Plan, RunEvent, RunServices, Selection, run};
use entconf::sso::SsoSetup;
use entconf::suite::parse_target;

use super::support::{NoEnvironment, catalog, outcome, settings, test_idp};

async fn candidate(idp: String) -> SocketAddr {
    let authorize = format!("{idp}/educonnect/idp/profile/oidc/authorize?garbage=1");
    let app = Router::new()
        .route(
            "/flood",
            get(
                |Query(q): Query<std::collections::HashMap<String, u32>>| async move {
                    let n = q.get("n").copied().unwrap_or(0) + 1;
                    Redirect::to(&format!("/flood?n={n}"))
                },
            ),
        )
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "trop tard"
            }),
        )
        .route(
            "/garbage",
            get(move || async move { Redirect::to(&authorize) }),
        )
        .route(
            "/compte",
            get(|| async {
                (
                    [("content-type", "text/html")],
                    "<html><body>Connexion</body></html>",
                )
                    .into_response()
            }),
        );
    super::support::serve(app).await
}

async fn login_checks(start: &str) -> (RunRecord, Duration) {
    let (_running, world) = test_idp("ent-hostile", "secret-hostile").await;
    let addr = candidate(entconf::idp::base(&world.public_url)).await;
    let text = format!(
        "id = \"hostile\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
         educonnect_oidc_login = \"{start}\"\naccount_page = \"/compte\"\n\
         [http]\nrequest_timeout = \"1s\"\ncheck_timeout = \"20s\"\nmax_redirects = 5\n"
    );
    let target = parse_target("hostile.toml", &text, None, &NoEnvironment).expect("target");
    let catalog = catalog();
    let selection = Selection {
        checks: vec!["SSO-01".to_owned(), "SSO-10".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    let mut settings = settings(2);
    settings.services = RunServices::none().with_sso(SsoSetup::Ready(Arc::clone(&world)));
    let started = Instant::now();
    let record = run(
        &catalog,
        &plan,
        target,
        settings,
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    (record, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_flood_is_an_error_with_the_chain() {
    let (record, elapsed) = login_checks("/flood").await;
    for id in ["SSO-01", "SSO-10"] {
        let (outcome, why) = outcome(&record, id);
        assert_eq!(outcome, Outcome::Error, "{id}: {why}");
        assert!(why.contains("redirections"), "{id}: {why}");
    }
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_login_is_an_error_after_the_request_limit() {
    let (record, elapsed) = login_checks("/hang").await;
    for id in ["SSO-01", "SSO-10"] {
        let (outcome, why) = outcome(&record, id);
        assert_eq!(outcome, Outcome::Error, "{id}: {why}");
        assert!(why.contains("pas de réponse complète"), "{id}: {why}");
    }
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_sent_to_the_idp_fails_the_login_and_proves_no_refusal() {
    let (record, _) = login_checks("/garbage").await;
    let (positive, why) = outcome(&record, "SSO-01");
    assert_eq!(positive, Outcome::Fail, "{why}");
    assert!(why.contains("response_type doit valoir"), "{why}");
    // The attack never happened: a refusal proves nothing.
    let (negative, why) = outcome(&record, "SSO-10");
    assert_eq!(negative, Outcome::Error, "{why}");
    assert!(why.contains("échoue aussi"), "{why}");
}

/// A candidate that redirects elsewhere gets the staging gate's credentials
/// itself, and the other host never does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_credentials_stay_with_the_candidate() {
    use axum::http::HeaderMap;
    let seen: Arc<std::sync::Mutex<Vec<(String, bool)>>> = Arc::default();
    let server = |path: &'static str, next: Option<String>| {
        let seen = Arc::clone(&seen);
        Router::new().fallback(move |headers: HeaderMap| {
            let seen = Arc::clone(&seen);
            let next = next.clone();
            async move {
                let gated = headers.contains_key("authorization");
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((path.to_owned(), gated));
                match next {
                    Some(next) => Redirect::to(&next).into_response(),
                    None => "<html><body>ailleurs</body></html>".into_response(),
                }
            }
        })
    };
    let bind = || async {
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("bind")
    };
    let (other, candidate) = (bind().await, bind().await);
    let other_addr = other.local_addr().expect("addr");
    let candidate_addr = candidate.local_addr().expect("addr");
    let other_app = server("ailleurs", None);
    let candidate_app = server("candidat", Some(format!("http://{other_addr}/page")));
    tokio::spawn(async move { axum::serve(other, other_app).await });
    tokio::spawn(async move { axum::serve(candidate, candidate_app).await });
    let text = format!(
        "id = \"gate\"\nbase_url = \"http://{candidate_addr}/\"\n[capabilities]\n\
         home_page = \"/\"\nlogin_page = \"/\"\n\
         [http]\nrequest_timeout = \"2s\"\nbasic_auth = {{ user = \"recette\", password = {{ env = \"PW\" }} }}\n"
    );
    struct Password;
    impl entconf::suite::Environment for Password {
        fn var(&self, name: &str) -> Option<String> {
            (name == "PW").then(|| "s3cret".to_owned())
        }
    }
    let target = parse_target("gate.toml", &text, None, &Password).expect("target");
    let catalog = catalog();
    let selection = Selection {
        checks: vec!["FOOTER-01".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    run(
        &catalog,
        &plan,
        target,
        settings(1),
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    let seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    assert!(seen.contains(&("candidat".to_owned(), true)), "{seen:?}");
    assert!(seen.iter().any(|(path, _)| path == "ailleurs"), "{seen:?}");
    assert!(
        !seen.contains(&("ailleurs".to_owned(), true)),
        "credentials sent to another host: {seen:?}"
    );
}
