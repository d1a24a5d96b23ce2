//! Held-out realism: the footer checks against the login page of a real
//! open-source ENT (fixtures/data/login-pages/, with its provenance there),
//! served as is on loopback. Nothing here was written to please the checks:
//! the test records what they conclude about a page nobody tuned for them.

use std::collections::BTreeMap;
use std::sync::Arc;

use entconf::check::Outcome;
use entconf::runner::{Cancellation, Plan, RunEvent, Selection, run};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::support::{catalog, read_request_head, settings, target};

/// Serves `body` as `text/html` on every path; returns the base URL.
async fn serve_everywhere(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let Some(_request) = read_request_head(&mut stream).await else {
                    return;
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

/// Runs the FOOTER suite with `page` as both the login and the home page.
async fn footer_outcomes(page: &str) -> (BTreeMap<String, Outcome>, entconf::report::RunRecord) {
    let body = std::fs::read_to_string(page).expect("fixture");
    let base = serve_everywhere(body).await;
    let catalog = catalog();
    let selection = Selection {
        suites: vec!["FOOTER".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    let record = run(
        &catalog,
        &plan,
        target(&base),
        settings(4),
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    let outcomes = record
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.outcome))
        .collect();
    (outcomes, record)
}

/// The entcore (Edifice) login page is an Angular shell: its footer, legal
/// links and texts only exist once JavaScript has run. entconf does not run
/// it, so the checks that need that content say `error` with that
/// explanation and its evidence (the `ng-include` mount point), or `n/a`
/// naming FOOTER-01 when they only needed a footer link — never `pass`,
/// never a guessed `fail`. What can be judged
/// from the served HTML is judged: no tracker is loaded (FOOTER-17 passes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entcore_login_page_is_an_application_shell() {
    let (outcomes, record) = footer_outcomes("fixtures/data/login-pages/entcore-login.html").await;
    let passed: Vec<&String> = outcomes
        .iter()
        .filter(|(_, o)| **o == Outcome::Pass)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(passed, ["FOOTER-17"], "{outcomes:?}");
    // The missing footer links are reported once, by FOOTER-01 (error:
    // scripts draw them); the checks that only needed a link to reach a
    // page are n/a and name it, not a second error each.
    for (id, outcome) in &outcomes {
        if id == "FOOTER-17" {
            continue;
        }
        match outcome {
            Outcome::Error => {}
            Outcome::NotApplicable => {
                let check = record.checks.iter().find(|c| &c.id == id).expect("check");
                assert!(
                    check
                        .assertions
                        .iter()
                        .any(|a| a.actual.contains("voir FOOTER-01")),
                    "{id}: {:?}",
                    check.assertions
                );
            }
            other => panic!("{id}: {other:?} ({outcomes:?})"),
        }
    }
    assert_eq!(outcomes["FOOTER-01"], Outcome::Error);
    let footer = record
        .checks
        .iter()
        .find(|c| c.id == "FOOTER-01")
        .expect("FOOTER-01");
    let why = &footer.assertions[0].actual;
    assert!(
        why.contains("JavaScript") && why.contains("ng-include=\"template.containers.main\""),
        "{why}"
    );
    assert_eq!(
        record.summary.conclusion,
        entconf::report::Conclusion::Incomplete
    );
}
