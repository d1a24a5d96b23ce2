//! A hostile candidate's export archives, served through the conformance
//! API: each is refused by EXPORT-04 with its reason, the rules that read
//! the content are `error`, nothing is written outside the run's working
//! folder and that folder is left empty.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use entconf::check::Outcome;
use entconf::report::RunRecord;
use entconf::runner::{Cancellation, Plan, Selection, run};
use serde_json::json;

use super::support::{catalog, live_settings, outcome, serve, target};

/// A candidate whose API accepts everything and serves `archive` as every
/// export.
async fn candidate(archive: Arc<Vec<u8>>) -> SocketAddr {
    let expire = || {
        (chrono::Utc::now() + chrono::Duration::seconds(1))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let app = Router::new()
        .route(
            "/api/conformance/amorcage",
            // The body is read before answering: a server that answers early and
            // closes would race the harness still writing it (EPIPE).
            post(|_seed: axum::body::Bytes| async {
                (axum::http::StatusCode::CREATED, Json(json!({})))
            }),
        )
        .route(
            "/api/conformance/exports",
            post(|_request: axum::body::Bytes| async {
                (
                    axum::http::StatusCode::ACCEPTED,
                    Json(json!({ "travail": "t", "suivi": "/api/conformance/exports/t" })),
                )
            }),
        )
        .route(
            "/api/conformance/exports/t",
            get(move || async move {
                Json(json!({ "etat": "termine", "lien": "/api/conformance/exports/t/archive", "expire": expire() }))
            }),
        )
        .route(
            "/api/conformance/exports/t/archive",
            get(move || {
                let archive = Arc::clone(&archive);
                async move { archive.as_ref().clone() }
            }),
        );
    serve(app).await
}

/// Runs the EXPORT suite against a candidate serving `archive`; returns the
/// record and the working folder given to the run.
async fn run_export(archive: Vec<u8>, name: &str) -> (RunRecord, std::path::PathBuf) {
    let demo = entconf::demo::start(BTreeSet::new()).await.expect("demo");
    let addr = candidate(Arc::new(archive)).await;
    let catalog = catalog();
    let selection = Selection {
        suites: vec!["EXPORT".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    // The link's expiry is judged against the time the job ended.
    let mut settings = live_settings(2);
    let mut target = target(&format!("http://{addr}"));
    demo.attach(&mut target, &mut settings).expect("attach");
    let scratch =
        std::env::temp_dir().join(format!("entconf-it-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    settings.scratch = Some(scratch.join(".travail"));
    let record = run(
        &catalog,
        &plan,
        target,
        settings,
        Arc::new(|_: &entconf::runner::RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run");
    (record, scratch)
}

/// EXPORT-04 fails naming `reason`, the content rules are errors, and the
/// working folder holds nothing (nothing was extracted anywhere).
async fn refused(archive: Vec<u8>, name: &str, reason: &str) {
    let (record, scratch) = run_export(archive, name).await;
    let (archive_outcome, text) = outcome(&record, "EXPORT-04");
    assert_eq!(archive_outcome, Outcome::Fail, "{name}: {text}");
    assert!(
        text.contains(reason),
        "{name}: « {reason} » absent de : {text}"
    );
    for id in ["EXPORT-02", "EXPORT-05", "EXPORT-06", "EXPORT-12"] {
        assert_eq!(outcome(&record, id).0, Outcome::Error, "{name}: {id}");
    }
    let left: Vec<_> = walk(&scratch);
    assert!(left.is_empty(), "{name}: fichiers laissés : {left:?}");
    let _ = std::fs::remove_dir_all(&scratch);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// A ZIP of (name, bytes, method, symbolic link to the bytes).
fn zip_of(entries: &[(&str, &[u8], zip::CompressionMethod, bool)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, method, link) in entries {
        let options = zip::write::SimpleFileOptions::default().compression_method(*method);
        if *link {
            let target = String::from_utf8_lossy(data).into_owned();
            writer.add_symlink(*name, target, options).expect("link");
            continue;
        }
        writer.start_file(*name, options).expect("entry");
        writer.write_all(data).expect("data");
    }
    writer.finish().expect("finish").into_inner()
}

const STORED: zip::CompressionMethod = zip::CompressionMethod::Stored;
const DEFLATED: zip::CompressionMethod = zip::CompressionMethod::Deflated;

/// Replaces every occurrence of `from` by `to` (same length) in the bytes.
fn patched(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_archives_are_refused_with_their_reason() {
    refused(
        zip_of(&[("../../evasion.txt", b"hors du dossier", STORED, false)]),
        "traversal",
        "..",
    )
    .await;
    refused(
        zip_of(&[("/etc/evasion", b"absolu", STORED, false)]),
        "absolute",
        "evasion",
    )
    .await;
    refused(
        zip_of(&[("donnees/lien", b"/etc/passwd", STORED, true)]),
        "symlink",
        "lien symbolique",
    )
    .await;
    refused(
        patched(
            zip_of(&[
                ("donnees/a.json", b"[]", STORED, false),
                ("donnees/b.json", b"[1]", STORED, false),
            ]),
            b"donnees/b.json",
            b"donnees/a.json",
        ),
        "duplicates",
        "donnees/a.json",
    )
    .await;
    refused(
        patched(
            zip_of(&[("fichiers/photoX.jpg", b"x", STORED, false)]),
            b"photoX",
            b"photo\xff",
        ),
        "utf8",
        "UTF-8",
    )
    .await;
    let whole = zip_of(&[("fichiers/a.bin", &[7u8; 4096], STORED, false)]);
    refused(whole[..whole.len() - 30].to_vec(), "truncated", "tronqu").await;
    let zeros = vec![0u8; 256 << 20];
    refused(
        zip_of(&[("fichiers/bombe.bin", &zeros, DEFLATED, false)]),
        "bomb",
        "taux",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_manifest_is_not_read_into_memory() {
    let huge = vec![b' '; 40 << 20];
    let (record, scratch) = run_export(
        zip_of(&[("manifest.json", &huge, STORED, false)]),
        "manifest",
    )
    .await;
    let (archive_outcome, text) = outcome(&record, "EXPORT-04");
    assert_eq!(archive_outcome, Outcome::Fail, "{text}");
    assert!(text.contains("manifest.json"), "{text}");
    assert!(walk(&scratch).is_empty());
    let _ = std::fs::remove_dir_all(&scratch);
}
