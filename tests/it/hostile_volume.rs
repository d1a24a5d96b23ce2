//! Candidates that answer in bulk: a conformant site whose every page goes
//! through nine redirects with 2 MB bodies, a statistics API listing
//! thousands of schools of 1.9 MB each. What the harness keeps is bounded
//! per run, and it says what it dropped.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use entconf::check::Outcome;
use entconf::runner::{Cancellation, Plan, RunEvent, RunServices, Selection, run};
use entconf::sso::SsoSetup;
use entconf::suite::{Environment, parse_target};

use super::support::{catalog, outcome, serve, settings, test_idp};

/// Peak resident memory of this test's process (nextest runs each test in
/// its own process), in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_redirects_of_two_megabytes_per_page_keep_bounded_evidence() {
    let padding: Arc<String> = Arc::new(format!(
        "<html><body>{}</body></html>",
        "redirection ".repeat(170_000)
    ));
    let pad = Arc::clone(&padding);
    let app = Router::new().route(
        "/{*path}",
        get(move |Path(path): Path<String>| {
            let pad = Arc::clone(&pad);
            async move {
                // /<page>/<hop>: nine hops, then the page itself.
                let (page, hop) = path.rsplit_once('/').unwrap_or((path.as_str(), "0"));
                let hop: u32 = hop.parse().unwrap_or(0);
                if hop < 9 {
                    let mut response: Response =
                        Redirect::to(&format!("/{page}/{}", hop + 1)).into_response();
                    *response.body_mut() = axum::body::Body::from(pad.as_ref().clone());
                    return response;
                }
                (
                    [("content-type", "text/html; charset=utf-8")],
                    format!(
                        "<html lang=\"fr\"><body><main><h1>{page}</h1></main><footer>\
                         <a href=\"/donnees/0\">Données personnelles</a> \
                         <a href=\"/mentions/0\">Mentions légales</a> \
                         <a href=\"/accessibilite/0\">Accessibilité : non conforme</a>\
                         </footer></body></html>"
                    ),
                )
                    .into_response()
            }
        }),
    );
    let base = serve(app).await;
    let dir = std::env::temp_dir().join(format!("entconf-volume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let target = dir.join("cible.toml");
    std::fs::write(
        &target,
        format!(
            "id = \"volume\"\nbase_url = \"http://{base}/\"\n[capabilities]\n\
             home_page = \"/accueil/0\"\nlogin_page = \"/connexion/0\"\n\
             [http]\nrequest_timeout = \"20s\"\ncheck_timeout = \"120s\"\n"
        ),
    )
    .expect("target");
    let target = target.display().to_string();
    let reports = dir.join("rapports").display().to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_entconf"))
            .args([
                "run", "--suite", "FOOTER", "--target", &target, "--out", &reports,
            ])
            .output()
            .expect("entconf runs")
    })
    .await
    .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut total = 0u64;
    let mut stack = vec![dir.join("rapports")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                total += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        total < 64 << 20,
        "reports weigh {} MiB for about 200 MB received",
        total >> 20
    );
    assert!(stdout.contains("preuves bornées par exécution"), "{stdout}");
}

struct Token;

impl Environment for Token {
    fn var(&self, name: &str) -> Option<String> {
        (name == "TOK").then(|| "jeton-academie-0123456789".to_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statistics_tree_of_heavy_schools_is_walked_within_a_bound() {
    const SCHOOLS: usize = 2_000;
    let (_running, world) = test_idp("ent-volume", "secret-volume").await;
    let academie = world.directory.academy.code.clone();
    let children: Vec<String> = (0..SCHOOLS)
        .map(|n| format!("{{\"niveau\": \"ecole\", \"id\": \"{:07}X\"}}", n))
        .collect();
    let root = Arc::new(format!(
        "{{\"niveau\": \"academie\", \"lignes\": [], \"enfants\": [{}]}}",
        children.join(", ")
    ));
    let heavy = Arc::new(format!(
        "{{\"niveau\": \"ecole\", \"lignes\": [], \"remplissage\": \"{}\"}}",
        "x".repeat(1_900_000)
    ));
    let app = Router::new().fallback(move |uri: axum::http::Uri| {
        let (root, heavy) = (Arc::clone(&root), Arc::clone(&heavy));
        async move {
            let body = if uri.path().contains("/academie/") {
                root.as_ref().clone()
            } else {
                heavy.as_ref().clone()
            };
            ([("content-type", "application/json")], body).into_response()
        }
    });
    let addr = serve(app).await;
    let text = format!(
        "id = \"stats\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
         statistics_api = \"/api/stats\"\neduconnect_oidc_login = \"/auth/educonnect\"\n\
         agents_login = \"/auth/agents\"\naccount_page = \"/compte\"\nlogout = \"/sortie\"\n\
         [http]\nrequest_timeout = \"20s\"\ncheck_timeout = \"600s\"\n\
         [stats]\nschools = [\"{}\"]\nacademie = \"{academie}\"\n\
         viewers = [{{ niveau = \"academie\", id = \"{academie}\", token = {{ env = \"TOK\" }} }}]\n",
        world.directory.schools[0].uai
    );
    let target = parse_target("stats.toml", &text, None, &Token).expect("target");
    let catalog = catalog();
    let selection = Selection {
        checks: vec!["STATS-01".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    let mut settings = settings(2);
    settings.services = RunServices::none().with_sso(SsoSetup::Ready(Arc::clone(&world)));
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
    let (found, why) = outcome(&record, "STATS-01");
    assert_ne!(found, Outcome::Pass, "{why}");
    assert!(why.contains("parcours arrêté"), "{why}");
    let peak = peak_memory();
    assert!(
        peak < super::hostile_pages::MEMORY_LIMIT,
        "peak memory {} MiB",
        peak >> 20
    );
}
