//! The scheduler against a loopback server that records when each request
//! is being served: the concurrency limit holds, `serial` checks run alone,
//! a check over its time limit is `error`, and cancellation keeps finished
//! results while marking the rest `error`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entconf::check::Outcome;
use entconf::runner::{Cancellation, Plan, RunEvent, Selection, run};
use entconf::suite::{SuiteSource, load};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::support::{read_request_head, settings, target};

/// When a path was being served.
#[derive(Clone, Debug)]
struct Served {
    path: String,
    start: Instant,
    end: Instant,
}

#[derive(Default)]
struct Log {
    served: Vec<Served>,
    active: usize,
    max_active: usize,
}

/// Serves every path after `delay`; paths containing `hang` never answer.
async fn recording_server(delay: Duration) -> (String, Arc<Mutex<Log>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let log = Arc::new(Mutex::new(Log::default()));
    let shared = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = Arc::clone(&shared);
            tokio::spawn(async move {
                let Some(head) = read_request_head(&mut stream).await else {
                    return;
                };
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                if path.contains("hang") {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                let start = Instant::now();
                {
                    let mut log = log.lock().expect("log");
                    log.active += 1;
                    log.max_active = log.max_active.max(log.active);
                }
                tokio::time::sleep(delay).await;
                let body = "<!DOCTYPE html><html lang=\"fr\"><body><main><p>Bonjour</p></main></body></html>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                // Logged before answering: once the harness has the answer
                // it may finish the run, and the log must already be complete.
                {
                    let mut log = log.lock().expect("log");
                    log.active -= 1;
                    log.served.push(Served {
                        path,
                        start,
                        end: Instant::now(),
                    });
                }
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), log)
}

/// A suite of `paths.len()` checks, each fetching one path.
fn suite(checks: &[(&str, bool, Option<&str>)]) -> SuiteSource {
    let mut text = String::from(
        "schema: 1\nsuite: SCHED\ntitle: Ordonnancement\nsources:\n  TEST: {title: Test}\nchecks:\n",
    );
    for (n, (path, serial, timeout)) in checks.iter().enumerate() {
        text.push_str(&format!(
            "  - id: SCHED-{:02}\n    title: Page {path}\n    severity: must\n    serial: {serial}\n{}    refs: [{{source: TEST, article: \"1\"}}]\n    steps:\n      - id: page\n        fetch: {{url: \"${{target.home_page}}{path}\"}}\n    assert:\n      - status: {{step: page, in: [200]}}\n",
            n + 1,
            timeout.map(|t| format!("    timeout: {t}\n")).unwrap_or_default(),
        ));
    }
    SuiteSource {
        path: "sched.yaml".to_owned(),
        text,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_holds_and_serial_checks_run_alone() {
    let (base, log) = recording_server(Duration::from_millis(120)).await;
    let checks = [
        ("?n=1", false, None),
        ("?n=2", false, None),
        ("?n=3", true, None),
        ("?n=4", false, None),
        ("?n=5", false, None),
        ("?n=6", true, None),
        ("?n=7", false, None),
        ("?n=8", false, None),
    ];
    let catalog = load(&[suite(&checks)]).expect("suite loads");
    let plan = Plan::new(&catalog, &Selection::default()).expect("plan");
    let record = run(
        &catalog,
        &plan,
        target(&base),
        settings(3),
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    assert!(
        record.checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{:?}",
        record.checks
    );
    let log = log.lock().expect("log");
    assert_eq!(log.served.len(), 8);
    assert!(
        log.max_active <= 3,
        "concurrency limit exceeded: {}",
        log.max_active
    );
    assert!(log.max_active >= 2, "checks never ran concurrently");
    for serial in log
        .served
        .iter()
        .filter(|s| s.path.ends_with("n=3") || s.path.ends_with("n=6"))
    {
        for other in log.served.iter().filter(|o| o.path != serial.path) {
            let overlap = other.start < serial.end && serial.start < other.end;
            assert!(!overlap, "{} overlapped serial {}", other.path, serial.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_over_its_time_limit_is_an_error() {
    let (base, _log) = recording_server(Duration::from_millis(10)).await;
    let checks = [("?hang", false, Some("1s")), ("?n=1", false, None)];
    let catalog = load(&[suite(&checks)]).expect("suite loads");
    let plan = Plan::new(&catalog, &Selection::default()).expect("plan");
    let mut target = target(&base);
    target.http.request_timeout = Duration::from_secs(30);
    let record = run(
        &catalog,
        &plan,
        target,
        settings(2),
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    assert_eq!(record.checks[0].outcome, Outcome::Error);
    assert!(
        record.checks[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("délai")),
        "{:?}",
        record.checks[0]
    );
    assert_eq!(record.checks[1].outcome, Outcome::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_keeps_finished_checks_and_marks_the_rest() {
    let (base, _log) = recording_server(Duration::from_millis(10)).await;
    let checks = [
        ("?n=1", false, None),
        ("?hang=1", false, None),
        ("?hang=2", false, None),
    ];
    let catalog = load(&[suite(&checks)]).expect("suite loads");
    let plan = Plan::new(&catalog, &Selection::default()).expect("plan");
    let cancellation = Cancellation::new();
    let trigger = cancellation.clone();
    let sink = Arc::new(move |event: &RunEvent| {
        if let RunEvent::CheckFinished { .. } = event {
            trigger.cancel();
        }
    });
    let record = tokio::time::timeout(
        Duration::from_secs(20),
        run(
            &catalog,
            &plan,
            target(&base),
            settings(3),
            sink,
            cancellation,
        ),
    )
    .await
    .expect("cancellation stops the run")
    .expect("run");
    assert!(record.interrupted);
    assert_eq!(record.checks.len(), 3);
    assert_eq!(record.checks[0].outcome, Outcome::Pass);
    for check in &record.checks[1..] {
        assert_eq!(check.outcome, Outcome::Error);
        assert!(
            check
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("interrompu"))
        );
    }
}
