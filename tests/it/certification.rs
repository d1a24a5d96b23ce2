//! The GTCN reviewers' bundle: what it holds, when it calls itself
//! certifiable, its ed25519 signature, tampering anywhere detected, and
//! reviewers' decisions recorded without touching the automated results.

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use ent_server::Fault;
use entconf::bundle::{self, Bundle, SignatureState};
use entconf::report::{self, Format};
use entconf::runner::Selection;

use super::support::run_selected;

const BIN: &str = env!("CARGO_BIN_EXE_entconf");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entconf-paquet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

async fn bundle_of(faults: &[Fault], name: &str) -> (Bundle, bundle::Certification) {
    let mut record = run_selected(faults, 4, &Selection::default()).await;
    // The demo marks its faults; a certification run has none.
    record.options.demo_faults.clear();
    let folder = scratch(name);
    report::write(
        &record,
        &folder,
        &[Format::Json, Format::Junit, Format::Html],
    )
    .expect("reports");
    let content = bundle::create(&folder, &record).expect("bundle");
    let _ = std::fs::remove_dir_all(&folder);
    (content, bundle::certification(&record))
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_run_is_certifiable_and_a_failed_must_is_not() {
    let (content, certification) = bundle_of(&[], "propre").await;
    assert!(certification.certifiable, "{:?}", certification.reasons);
    for name in [
        "results.json",
        "index.html",
        "junit.xml",
        bundle::CERTIFICATION,
        bundle::MANIFEST,
    ] {
        assert!(content.entries.contains_key(name), "{name} missing");
    }
    assert!(content.entries.keys().any(|n| n.starts_with("evidence/")));
    let html = String::from_utf8_lossy(&content.entries["index.html"]);
    assert!(html.contains("Relecture humaine"), "reviewer section");
    let manifest = String::from_utf8_lossy(&content.entries[bundle::MANIFEST]).into_owned();
    assert_eq!(manifest.lines().count(), content.entries.len() - 1);

    let (_, failed) = bundle_of(&[Fault::NoticeMissingDpo], "echec").await;
    assert!(!failed.certifiable);
    assert!(
        failed
            .reasons
            .iter()
            .any(|r| r.starts_with("FOOTER-07 (obligatoire) : échec")),
        "{:?}",
        failed.reasons
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_changed_byte_anywhere_fails_verification_and_names_the_file() {
    let (mut content, _) = bundle_of(&[], "signature").await;
    let signer = key(7);
    content.sign(&signer);
    let expected = signer.verifying_key();
    let verification = bundle::verify(&content, Some(&expected));
    assert!(verification.is_valid(), "{verification:?}");
    assert!(matches!(
        verification.signature,
        SignatureState::Valid { trusted: true, .. }
    ));
    // Another reviewer's key does not authenticate it.
    let other = key(8).verifying_key();
    assert!(!bundle::verify(&content, Some(&other)).is_valid());

    // One byte changed in each entry (every report, the manifest, the
    // signature, the key, and a sample of the evidence), one at a time.
    let names: Vec<String> = content
        .entries
        .keys()
        .filter(|n| !n.starts_with("evidence/"))
        .chain(
            content
                .entries
                .keys()
                .filter(|n| n.starts_with("evidence/"))
                .step_by(25),
        )
        .cloned()
        .collect();
    for name in names {
        let mut altered = content.clone();
        let bytes = altered.entries.get_mut(&name).expect("entry");
        let at = bytes.len() / 2;
        bytes[at] ^= 0x20;
        let verification = bundle::verify(&altered, Some(&expected));
        assert!(!verification.is_valid(), "{name} altered but valid");
        if ![bundle::MANIFEST, bundle::SIGNATURE, bundle::PUBLIC_KEY].contains(&name.as_str()) {
            assert_eq!(
                verification.first_difference.as_deref(),
                Some(format!("{name} (empreinte différente)").as_str())
            );
        }
    }
    // An extra file is named too.
    let mut extra = content.clone();
    extra
        .entries
        .insert("evidence/ajout.txt".to_owned(), b"x".to_vec());
    assert_eq!(
        bundle::verify(&extra, Some(&expected))
            .first_difference
            .as_deref(),
        Some("evidence/ajout.txt (absent du manifeste)")
    );
    // And one byte changed in the zip file itself, wherever it is.
    let zip = content.to_zip().expect("zip");
    assert!(
        bundle::verify_file(&zip, Some(&expected))
            .expect("readable")
            .is_valid()
    );
    for at in [30, zip.len() / 3, zip.len() / 2, zip.len() - 30] {
        let mut bytes = zip.clone();
        bytes[at] ^= 0x01;
        let still_valid = bundle::verify_file(&bytes, Some(&expected))
            .map(|v| v.is_valid())
            .unwrap_or(false);
        assert!(
            !still_valid,
            "byte {at} of the zip changed, yet the bundle verifies"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_adds_signed_decisions_and_keeps_the_automated_results() {
    let (mut content, _) = bundle_of(&[], "relecture").await;
    content.sign(&key(7));
    let reviewer = key(9);
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .expect("date");
    let decisions = [
        ("FOOTER-03".to_owned(), true),
        ("FOOTER-04".to_owned(), false),
    ];
    let reviewed = bundle::review(
        &content,
        &decisions,
        "Notice relue : droits incomplets",
        at,
        &reviewer,
    )
    .expect("review");
    assert_eq!(
        reviewed.entries["results.json"],
        content.entries["results.json"]
    );
    assert_eq!(
        reviewed.entries["index.html"],
        content.entries["index.html"]
    );
    let recorded: Vec<bundle::Decision> =
        serde_json::from_slice(&reviewed.entries[bundle::REVIEW]).expect("REVIEW.json");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1].decision, "fail");
    assert!(bundle::verify(&reviewed, Some(&reviewer.verifying_key())).is_valid());
    let unknown = bundle::review(
        &content,
        &[("NOPE-01".to_owned(), true)],
        "x",
        at,
        &reviewer,
    );
    assert!(matches!(unknown, Err(bundle::BundleError::UnknownCheck(_))));
}

#[test]
fn the_cli_certifies_signs_verifies_and_reviews() {
    let dir = scratch("cli");
    let run = Command::new(BIN)
        .args([
            "demo",
            "--suite",
            "FOOTER",
            "--certify",
            "--format",
            "console",
            "--out",
        ])
        .arg(dir.join("reports"))
        .output()
        .expect("demo");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("non certifiable"),
        "partial run"
    );
    let bundle_path = std::fs::read_dir(dir.join("reports"))
        .expect("reports")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bundle.zip"))
        .find(|p| p.exists())
        .expect("bundle.zip written");
    let (secret, public) = (dir.join("gtcn.key"), dir.join("gtcn.pub"));
    let keygen = Command::new(BIN)
        .args(["bundle", "keygen", "--secret"])
        .arg(&secret)
        .arg("--public")
        .arg(&public)
        .output()
        .expect("keygen");
    assert_eq!(keygen.status.code(), Some(0));
    let sign = Command::new(BIN)
        .args(["bundle", "sign"])
        .arg(&bundle_path)
        .arg("--key")
        .arg(&secret)
        .output()
        .expect("sign");
    assert_eq!(
        sign.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sign.stderr)
    );
    let verify = |path: &PathBuf| {
        Command::new(BIN)
            .args(["bundle", "verify"])
            .arg(path)
            .arg("--pubkey")
            .arg(&public)
            .output()
            .expect("verify")
    };
    let ok = verify(&bundle_path);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("par la clé attendue"));

    let mut content = Bundle::open(&bundle_path).expect("open");
    content.entries.get_mut("junit.xml").expect("junit")[10] ^= 0x20;
    let altered = dir.join("altere.zip");
    content.save(&altered).expect("save");
    let bad = verify(&altered);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("junit.xml"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    let reviewed = dir.join("relu.zip");
    let review = Command::new(BIN)
        .arg("review")
        .arg(&bundle_path)
        .args([
            "--decide",
            "FOOTER-03=pass",
            "--note",
            "Notice relue",
            "--key",
        ])
        .arg(&secret)
        .arg("--out")
        .arg(&reviewed)
        .output()
        .expect("review");
    assert_eq!(
        review.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&review.stderr)
    );
    assert_eq!(verify(&reviewed).status.code(), Some(0));
    let refused = Command::new(BIN)
        .arg("review")
        .arg(&altered)
        .args(["--decide", "FOOTER-03=pass", "--note", "x", "--key"])
        .arg(&secret)
        .output()
        .expect("review");
    assert_eq!(
        refused.status.code(),
        Some(1),
        "a tampered bundle is not reviewed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
