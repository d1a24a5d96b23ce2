//! Reports: console and JUnit snapshots of a real run (fixed clock and ids),
//! JUnit parsed back, JSON round trip, and HTML escaping of hostile text.

use chrono::{TimeZone, Utc};
use ent_server::Fault;
use entconf::check::{AssertionResult, AssertionStatus, Outcome};
use entconf::evidence::{Address, Exchange, Raw, RawBody, Redactor};
use entconf::report::{self, CheckRecord, Summary};
use entconf::runner::Selection;
use entconf::suite::{Reference, Severity};
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use regex::Regex;

use super::support::{run_selected, run_selected_with, settings};

/// The reference ENT listens on a random port, and the suite digest changes
/// with every edit of the suite file.
fn stable(text: &str) -> String {
    let port = Regex::new(r"127\.0\.0\.1:\d+").expect("constant regex");
    let digest = Regex::new(r"\b[0-9a-f]{64}\b").expect("constant regex");
    let text = port.replace_all(text, "127.0.0.1:PORT");
    digest.replace_all(&text, "SHA256").into_owned()
}

const FAULTS: [Fault; 3] = [
    Fault::NoticeMissingDpo,
    Fault::TrackerBeforeConsent,
    Fault::NoCharterLink,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_and_junit_of_a_faulty_run() {
    // The fixed clock: the snapshot's dates and durations do not move.
    let record = run_selected_with(&FAULTS, &footer(), settings(1)).await;
    insta::assert_snapshot!(
        "console_faulty_run",
        stable(&report::console::render(&record))
    );
    let junit = report::junit::render(&record).expect("junit");
    insta::assert_snapshot!("junit_faulty_run", stable(&junit));

    let parsed = Report::deserialize_from_str(&junit).expect("JUnit parses back");
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.test_cases.len(), record.checks.len());
    let case = |prefix: &str| {
        suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str().starts_with(prefix))
            .unwrap_or_else(|| panic!("no test case {prefix}"))
    };
    assert!(case("FOOTER-07 ").name.as_str().contains("délégué"));
    match &case("FOOTER-07 ").status {
        TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, NonSuccessKind::Failure);
            assert!(
                message
                    .as_ref()
                    .is_some_and(|m| m.as_str().starts_with("[must]"))
            );
            let text = description
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default();
            assert!(text.contains("RGPD art. 13(1)(b)"), "{text}");
            assert!(
                text.contains("attendu :") && text.contains("constaté :"),
                "{text}"
            );
        }
        other => panic!("FOOTER-07 should be a failure, got {other:?}"),
    }
    assert!(matches!(
        case("FOOTER-17 ").status,
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Failure,
            ..
        }
    ));
    // warn does not break a build, but it is visible.
    assert!(matches!(
        case("FOOTER-18 ").status,
        TestCaseStatus::Success { .. }
    ));
    assert!(case("FOOTER-18 ").system_out.is_some());
    assert!(matches!(
        case("FOOTER-01 ").status,
        TestCaseStatus::Success { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_json_round_trips_and_reports_are_written() {
    // The fixed clock: the snapshot's dates and durations do not move.
    let record = run_selected_with(&FAULTS, &footer(), settings(2)).await;
    let json = report::to_json(&record).expect("json");
    let back = report::from_json(&json).expect("parse back");
    assert_eq!(back.checks, record.checks);
    assert_eq!(back.summary, record.summary);
    let folder = std::env::temp_dir().join(format!("entconf-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let written = report::write(&record, &folder, &report::Format::ALL).expect("write");
    assert_eq!(written.len(), 3);
    for exchange in &record.exchanges {
        assert!(
            folder
                .join("evidence")
                .join(format!("{}.txt", exchange.id()))
                .is_file()
        );
    }
    let html = std::fs::read_to_string(folder.join("index.html")).expect("index.html");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(!html.contains("<script"), "the report needs no script");
    assert!(html.contains("Non conforme"));
    let _ = std::fs::remove_dir_all(&folder);
}

/// The HTML report opens each suite with its findings grouped by cause: a
/// missing notice link is one item, with the checks it left unjudged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_groups_a_suites_findings_by_cause() {
    let record = run_selected_with(&[Fault::NoticeLinkMissing], &footer(), settings(2)).await;
    let causes = report::causes(&record.checks.iter().collect::<Vec<_>>());
    assert_eq!(causes.len(), 1, "{causes:#?}");
    assert_eq!(causes[0].roots, ["FOOTER-01"]);
    for unjudged in ["FOOTER-02", "FOOTER-03", "FOOTER-12", "FOOTER-20"] {
        assert!(
            causes[0].consequences.iter().any(|c| c == unjudged),
            "{unjudged}: {causes:#?}"
        );
    }
    let html = report::html::render(&record).expect("html");
    let section = html
        .split_once("Écarts de la suite FOOTER, par cause")
        .map(|(_, after)| after.split_once("</section>").map_or(after, |(s, _)| s))
        .expect("causes section");
    assert!(
        section.contains("<a href=\"#v-FOOTER-01\">FOOTER-01</a>"),
        "{section}"
    );
    assert!(
        section.contains("Non jugées par conséquence : <a href=\"#v-FOOTER-02\">"),
        "{section}"
    );
}

const HOSTILE: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";

/// A record whose every candidate-controlled string is hostile.
fn hostile_record() -> report::RunRecord {
    let at = Utc
        .with_ymd_and_hms(2026, 9, 1, 8, 30, 0)
        .single()
        .expect("date");
    let address = format!("http://127.0.0.1:9/{HOSTILE}");
    let page = format!("<html><body>{HOSTILE}</body></html>");
    let digest = "00".repeat(32);
    let exchange = Exchange::capture(
        &Redactor::new(Vec::new()),
        Raw {
            id: "x0001".to_owned(),
            method: "GET",
            address: Address::Text(&address),
            request_headers: vec![("accept".to_owned(), "text/html".to_owned())],
            request_body: None,
            status: Some(200),
            response_headers: vec![("x-hostile".to_owned(), HOSTILE.to_owned())],
            body: Some(RawBody::Text {
                media_type: Some("text/html"),
                text: &page,
                size: 120,
                sha256: Some(&digest),
                whole: false,
            }),
            started_at: at,
            duration_ms: 0,
            error: None,
        },
    );
    let check = CheckRecord {
        id: "FOOTER-07".to_owned(),
        suite: "FOOTER".to_owned(),
        title: "La notice donne les coordonnées du délégué à la protection des données".to_owned(),
        description: None,
        severity: Severity::Must,
        refs: vec![Reference {
            source: "RGPD".to_owned(),
            title: "Règlement (UE) 2016/679".to_owned(),
            url: Some("https://eur-lex.europa.eu/".to_owned()),
            article: "art. 13(1)(b)".to_owned(),
            note: None,
        }],
        tags: vec!["rgpd".to_owned()],
        review: false,
        outcome: Outcome::Fail,
        reason: None,
        assertions: vec![AssertionResult {
            label: "délégué à la protection des données mentionné".to_owned(),
            article: None,
            severity: Severity::Must,
            status: AssertionStatus::Failed,
            expected: "« DPO »".to_owned(),
            actual: format!("aucune trouvée ; texte lu : {HOSTILE}"),
            exchanges: vec!["x0001".to_owned()],
        }],
        exchanges: vec!["x0001".to_owned()],
        duration_ms: 0,
        waiver: None,
    };
    let checks = vec![check];
    report::RunRecord {
        format: report::FORMAT.to_owned(),
        version: report::FORMAT_VERSION,
        run_id: "hostile-20260901-083000".to_owned(),
        harness: report::Harness {
            version: "0.0.0-test".to_owned(),
            commit: None,
        },
        target: report::TargetInfo {
            id: "hostile".to_owned(),
            name: HOSTILE.to_owned(),
            base_url: "http://127.0.0.1:9/".to_owned(),
            capabilities: Default::default(),
            description_sha256: "11".repeat(32),
        },
        suites: vec![report::SuiteInfo {
            id: "FOOTER".to_owned(),
            title: "Pied de page".to_owned(),
            file: "suites/footer.yaml".to_owned(),
            sha256: "22".repeat(32),
        }],
        options: Default::default(),
        started_at: at,
        finished_at: at,
        duration_ms: 0,
        interrupted: false,
        strictness: Vec::new(),
        evidence_dropped: None,
        browser: None,
        renderings: Vec::new(),
        summary: Summary::of(&checks),
        checks,
        exchanges: vec![exchange],
    }
}

#[test]
fn html_escapes_everything_the_candidate_controls() {
    let html = report::html::render(&hostile_record()).expect("html");
    assert!(
        !html.contains("<script"),
        "a candidate string reached the page unescaped"
    );
    assert!(
        !html.contains("<img"),
        "a candidate string reached the page unescaped"
    );
    assert!(html.contains("&lt;script&gt;"));
    let junit = report::junit::render(&hostile_record()).expect("junit");
    let parsed = Report::deserialize_from_str(&junit).expect("hostile JUnit still parses");
    assert_eq!(parsed.test_suites[0].test_cases.len(), 1);
    insta::assert_snapshot!("html_hostile", html);
}

fn footer() -> Selection {
    Selection {
        suites: vec!["FOOTER".to_owned()],
        ..Selection::default()
    }
}

/// A refused SAML response: the report shows what the IdP signed (decoded,
/// signature values shortened) and what the browser posted (redacted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_failure_shows_the_request_the_harness_sent() {
    let selection = Selection {
        checks: vec!["SSO-20".to_owned(), "SSO-10".to_owned()],
        ..Selection::default()
    };
    let record = run_selected(
        &[Fault::SamlAcceptUnsigned, Fault::OidcSkipSignature],
        1,
        &selection,
    )
    .await;
    let check = |id: &str| {
        record
            .checks
            .iter()
            .find(|c| c.id == id)
            .expect("check ran")
    };
    let exchange = |id: &String| {
        record
            .exchanges
            .iter()
            .find(|e| e.id() == id.as_str())
            .expect("exchange recorded")
    };
    let saml = check("SSO-20");
    assert_eq!(saml.outcome, Outcome::Fail);
    let failure = &saml.assertions[0];
    assert!(
        failure.actual.contains("session ouverte pour"),
        "{}",
        failure.actual
    );
    assert!(
        failure.actual.contains("sans aucune signature"),
        "{}",
        failure.actual
    );
    let signed_by_idp: Vec<_> = saml
        .exchanges
        .iter()
        .map(exchange)
        .filter(|e| e.url().contains("réponse SAML remise au navigateur"))
        .collect();
    assert_eq!(
        signed_by_idp.len(),
        2,
        "control response and attack response"
    );
    let attack = signed_by_idp[1].body().expect("body").excerpt().to_owned();
    assert!(attack.contains("<saml:Assertion"), "{attack}");
    assert!(
        !attack.contains("ds:Signature"),
        "the attack is unsigned: {attack}"
    );
    let posted: Vec<_> = saml
        .exchanges
        .iter()
        .map(exchange)
        .filter(|e| e.method() == "POST" && e.url().ends_with("/auth/saml/acs"))
        .collect();
    assert!(!posted.is_empty());
    for post in posted {
        let body = post.request_body().unwrap_or("");
        assert!(body.contains("SAMLResponse=[masqué]"), "{body}");
    }
    let oidc = check("SSO-10");
    // Over TLS from the token endpoint: a warning (OIDC Core §3.1.3.7 (6)).
    assert_eq!(oidc.outcome, Outcome::Warn);
    let token_answers: Vec<String> = oidc
        .exchanges
        .iter()
        .map(exchange)
        .filter(|e| e.url().contains("(reçu du candidat par l'IdP)"))
        .map(|e| e.body().map(|b| b.excerpt().to_owned()).unwrap_or_default())
        .collect();
    assert_eq!(token_answers.len(), 2, "control and attack token answers");
    assert!(
        token_answers[1].contains("\"alg\": \"RS256\""),
        "{}",
        token_answers[1]
    );
    assert!(token_answers[1].contains("\"access_token\": \"[masqué]\""));
    let json = report::to_json(&record).expect("json");
    let bearer =
        Regex::new(r"(code|SAMLResponse|id_token_hint)=[A-Za-z0-9_.-][A-Za-z0-9_%.-]{15,}")
            .expect("regex");
    assert!(
        !bearer.is_match(&json),
        "an authorization code, ID token or SAML response escaped redaction: {:?}",
        bearer.find(&json)
    );
    let junit = report::junit::render(&record).expect("junit");
    assert!(junit.contains("session ouverte pour"));
    let html = report::html::render(&record).expect("html");
    assert!(
        html.contains("&lt;saml:Assertion"),
        "decoded assertion in the evidence annex"
    );
}

/// A page the browser rendered, with a thumbnail of `thumbnail_len` bytes of
/// base64; its URL is the candidate's hostile string.
fn rendered(id: &str, thumbnail_len: usize) -> entconf::browser::Rendering {
    entconf::browser::Rendering {
        id: id.to_owned(),
        url: format!("http://127.0.0.1:9/{HOSTILE}"),
        final_url: format!("http://127.0.0.1:9/{HOSTILE}"),
        browser: "Chrome/156.0".to_owned(),
        settled: entconf::browser::Settled::Quiet { after_ms: 640 },
        requests: Vec::new(),
        requests_dropped: 0,
        cookies: Vec::new(),
        console: vec![entconf::browser::ConsoleEntry {
            kind: "exception".to_owned(),
            text: HOSTILE.to_owned(),
            source: None,
        }],
        console_dropped: 0,
        dom_chars: 12,
        dom_file: format!("{id}.html"),
        screenshot: Some(entconf::browser::Screenshot {
            file: format!("{id}.png"),
            width: 1280,
            height: 3000,
            clipped: false,
            thumbnail: "A".repeat(thumbnail_len),
        }),
        screenshot_missing: None,
        files: entconf::browser::RenderingFiles {
            dom: "<p>rendu</p>".into(),
            png: Some(std::sync::Arc::new(b"\x89PNG fake".to_vec())),
        },
    }
}

#[test]
fn screenshots_sit_beside_their_checks_once_each_within_the_budget() {
    let mut record = hostile_record();
    let budget = report::html::THUMBNAIL_BUDGET;
    // Two thumbnails fit the budget together; the third does not.
    record.renderings = vec![
        rendered("r0001", budget / 2),
        rendered("r0002", budget / 2),
        rendered("r0003", 10),
    ];
    for check in &mut record.checks {
        check
            .exchanges
            .extend(["r0001", "r0002", "r0003"].map(str::to_owned));
    }
    let html = report::html::render(&record).expect("html");
    assert!(!html.contains("<script"), "escaped");
    // Each embedded once, drawn beside the check by reference.
    assert_eq!(html.matches("<image id=\"img-r0001\"").count(), 1);
    assert_eq!(html.matches("<image id=\"img-r0002\"").count(), 1);
    assert_eq!(html.matches("<use href=\"#img-r0001\"/>").count(), 1);
    assert!(!html.contains("img-r0003"), "past the budget: not embedded");
    assert!(html.contains("<a href=\"evidence/r0003.png\">Capture complète</a> (capture réduite non incluse : budget de 3 Mio du rapport atteint)"));
    // Alt text names the page (escaped, as everything the candidate sent).
    assert_eq!(
        html.matches("<svg role=\"img\" aria-label=\"Capture réduite de http:")
            .count(),
        2
    );
    assert!(
        html.len() < budget + 200_000,
        "the report stays within its budget"
    );

    // The files go to evidence/, not into results.json.
    let dir = std::env::temp_dir().join(format!("entconf-shots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    report::write(&record, &dir, &[report::Format::Json]).expect("written");
    assert_eq!(
        std::fs::read(dir.join("evidence/r0001.png")).expect("png"),
        b"\x89PNG fake"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("evidence/r0001.html")).expect("dom"),
        "<p>rendu</p>"
    );
    let json = std::fs::read_to_string(dir.join("results.json")).expect("json");
    assert!(!json.contains("rendu</p>"));
    let back = report::from_json(&json).expect("reads back");
    assert_eq!(back.renderings.len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}
