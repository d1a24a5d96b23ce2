//! Running the harness in-process: against mock candidates with a fixed
//! clock, so that records are reproducible; against the reference ENT with
//! the system clock, since it dates its certificates, links and statistics
//! by the real time and the judges compare those dates with the run's.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ent_server::Fault;
use entconf::check::Outcome;
use entconf::evidence::{Clock, FixedClock, SystemClock};
use entconf::report::{Harness, RunOptionsInfo, RunRecord};
use entconf::runner::{Cancellation, Plan, RunServices, RunSettings, Selection, run};
use entconf::suite::{Catalog, Environment, Target, embedded_sources, load};

/// An environment with no variables.
pub(crate) struct NoEnvironment;

impl Environment for NoEnvironment {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
}

/// The suites shipped in the binary.
pub(crate) fn catalog() -> Catalog {
    load(&embedded_sources()).expect("embedded suites load")
}

/// A target for a reference ENT at `base_url` (the demonstration's own
/// description), with time limits for a busy machine.
pub(crate) fn target(base_url: &str) -> Target {
    let limits = entconf::demo::TargetLimits {
        request: std::time::Duration::from_secs(20),
        check: std::time::Duration::from_secs(120),
    };
    let mut target = entconf::demo::target("reference", "ENT de référence", base_url, limits)
        .expect("test target");
    // Pages are read as served unless a test asks for the browser
    // ([`with_browser`]): one browser per run would triple the fault
    // matrix's time, and the script-drawn ENT has faults of its own.
    target.browser.mode = entconf::suite::BrowserMode::Off;
    target
}

/// `target` with pages also rendered by chromium (which CI installs).
pub(crate) fn with_browser(target: &mut Target) {
    target.browser.mode = entconf::suite::BrowserMode::Required;
}

/// The tests' fixed clock: 2026-09-01 08:30 UTC, every duration zero.
pub(crate) fn fixed_clock() -> Arc<dyn Clock> {
    let instant = Utc
        .with_ymd_and_hms(2026, 9, 1, 8, 30, 0)
        .single()
        .expect("valid date");
    Arc::new(FixedClock(instant))
}

/// Settings with a fixed clock, fixed run id and `jobs` workers, for a
/// candidate whose answers do not depend on the date.
pub(crate) fn settings(jobs: usize) -> RunSettings {
    RunSettings {
        jobs,
        run_id: "reference-20260901-083000".to_owned(),
        clock: fixed_clock(),
        options: RunOptionsInfo {
            selection: Vec::new(),
            jobs,
            demo_faults: Vec::new(),
            waivers: None,
            shard: None,
        },
        services: RunServices::none(),
        scratch: None,
    }
}

/// As [`settings`], with the system clock: for a run against the reference
/// ENT, whose dates (certificates, link expiries, deletion certificates,
/// statistics days) the judges compare with the times the run observed.
pub(crate) fn live_settings(jobs: usize) -> RunSettings {
    RunSettings {
        clock: Arc::new(SystemClock::new()),
        ..settings(jobs)
    }
}

/// Runs every check against the reference ENT seeded with `faults`, with
/// the harness's IdPs it trusts.
pub(crate) async fn run_reference(faults: &[Fault], jobs: usize) -> RunRecord {
    run_selected(faults, jobs, &Selection::default()).await
}

/// Runs the selected checks against the reference ENT seeded with `faults`,
/// on the system clock.
pub(crate) async fn run_selected(
    faults: &[Fault],
    jobs: usize,
    selection: &Selection,
) -> RunRecord {
    run_selected_with(faults, selection, live_settings(jobs)).await
}

/// As [`run_selected`], with `settings` (a fixed clock for a snapshot of
/// checks that read no date).
pub(crate) async fn run_selected_with(
    faults: &[Fault],
    selection: &Selection,
    settings: RunSettings,
) -> RunRecord {
    let scripted = faults.iter().any(|f| f.scripted());
    run_reference_as(faults, selection, settings, scripted).await
}

/// Runs the selected checks against the reference ENT whose pages are drawn
/// by script, through the browser.
pub(crate) async fn run_scripted(faults: &[Fault], selection: &Selection) -> RunRecord {
    run_reference_as(faults, selection, live_settings(2), true).await
}

/// Runs the selected checks against the reference ENT, its IdPs served in
/// clear (no TLS stands in for anything).
pub(crate) async fn run_plain_idp(faults: &[Fault], selection: &Selection) -> RunRecord {
    let demo = entconf::demo::start_over(
        faults.iter().copied().collect(),
        entconf::demo::IdpTransport::Plain,
    )
    .await
    .expect("reference ENT and IdPs start");
    run_demo(demo, faults, selection, live_settings(2), |_| {}).await
}

/// Runs the selected checks against the reference ENT, the target
/// declaring that the candidate accepts unsolicited SAML responses
/// (`[sso] unsolicited_sso`).
pub(crate) async fn run_declaring_unsolicited(
    faults: &[Fault],
    selection: &Selection,
) -> RunRecord {
    let demo = entconf::demo::start_scripted(faults.iter().copied().collect(), false)
        .await
        .expect("reference ENT and IdPs start");
    demo.world.idp.set_unsolicited(true);
    run_demo(demo, faults, selection, live_settings(2), |_| {}).await
}

async fn run_reference_as(
    faults: &[Fault],
    selection: &Selection,
    settings: RunSettings,
    scripted: bool,
) -> RunRecord {
    let demo =
        entconf::demo::start_scripted(faults.iter().copied().collect::<BTreeSet<_>>(), scripted)
            .await
            .expect("reference ENT and IdPs start");
    run_demo(demo, faults, selection, settings, |target| {
        if scripted {
            with_browser(target);
        }
    })
    .await
}

async fn run_demo(
    demo: entconf::demo::Demo,
    faults: &[Fault],
    selection: &Selection,
    mut settings: RunSettings,
    adjust: impl FnOnce(&mut Target),
) -> RunRecord {
    let server = &demo.server;
    let catalog = catalog();
    let plan = Plan::new(&catalog, selection).expect("plan");
    settings.options.demo_faults = faults.iter().map(|f| f.name().to_owned()).collect();
    let sink = Arc::new(|_: &entconf::runner::RunEvent| {});
    let mut target = target(&server.base_url());
    demo.attach(&mut target, &mut settings)
        .expect("demo statistics and GAR");
    adjust(&mut target);
    let mut record = run(&catalog, &plan, target, settings, sink, Cancellation::new())
        .await
        .expect("run");
    drop(demo);
    record.harness = Harness {
        version: "0.0.0-test".to_owned(),
        commit: None,
    };
    record
}

/// Outcome of each check that is neither pass nor review.
pub(crate) fn findings(record: &RunRecord) -> BTreeMap<String, Outcome> {
    record
        .checks
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::Review))
        .map(|c| (c.id.clone(), c.outcome))
        .collect()
}

/// Reads an HTTP request head from a raw loopback connection; `None` when
/// the client went away first.
pub(crate) async fn read_request_head(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    Some(String::from_utf8_lossy(&request).into_owned())
}

/// The harness's IdPs on a loopback port, for a candidate registered as
/// `client_id` / `secret`, with the default synthetic directory.
pub(crate) async fn test_idp(
    client_id: &str,
    secret: &str,
) -> (entconf::idp::RunningIdp, Arc<entconf::sso::SsoWorld>) {
    let settings = entconf::idp::IdpSettings {
        public_url: reqwest::Url::parse("http://127.0.0.1/").expect("url"),
        client_id: client_id.to_owned(),
        client_secret: secret.to_owned(),
        redirect_uris: entconf::idp::Redirects::Any,
        saml: entconf::idp::SamlSettings::default(),
    };
    // The IdPs date their tokens by the real time, as the candidate checks.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let key = entconf::idp::SigningKey::generate("tests", clock.as_ref()).expect("key");
    entconf::sso::launch(
        std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        settings,
        false,
        key,
        None,
        entconf::aaf::generate(&entconf::aaf::GenerateOptions::default()),
        clock,
    )
    .await
    .expect("IdPs start")
}

/// Serves `app` on an ephemeral loopback port until the test ends.
pub(crate) async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A check's outcome and what it says (every assertion's observation, then
/// the reason), to assert on.
pub(crate) fn outcome(record: &RunRecord, id: &str) -> (Outcome, String) {
    let check = record
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} not run"));
    let text = check
        .assertions
        .iter()
        .map(|a| a.actual.clone())
        .chain(check.reason.clone())
        .collect::<Vec<_>>()
        .join(" | ");
    (check.outcome, text)
}
