//! GAR exports delivered in hostile or unlucky ways: a decompression bomb
//! on a link that stalls after the first kilobytes, an export larger than
//! the pages' body bound, concatenated gzip members. The verdict must be the
//! one the bytes that arrived allow, whatever the link did to the rest.

use std::sync::Arc;
use std::time::Duration;

use entconf::check::Outcome;
use entconf::report::RunRecord;
use entconf::runner::{Cancellation, Plan, RunEvent, Selection, run};
use entconf::suite::parse_target;

use super::support::{NoEnvironment, catalog, outcome, settings};

const ARCHIVE: &str = "/gar/BEN_GAR-ENT_Complet_20260901_210000_1D.tar.gz";

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A candidate that answers every request with a 200 whose body is
/// `first` and then nothing, the connection held open: a link that stalls.
async fn stalling(first: Vec<u8>) -> std::net::SocketAddr {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let first = Arc::new(first);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let first = Arc::clone(&first);
            tokio::spawn(async move {
                if super::support::read_request_head(&mut stream)
                    .await
                    .is_none()
                {
                    return;
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/gzip\r\n\
                            content-length: 1073741824\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(&first).await.is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    addr
}

/// Runs GAR-01 and GAR-02 against a candidate at `addr`.
async fn gar_checks(addr: std::net::SocketAddr) -> RunRecord {
    let text = format!(
        "id = \"hostile-gar\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
         gar_export = \"{ARCHIVE}\"\n[http]\nrequest_timeout = \"2s\"\ncheck_timeout = \"120s\"\n"
    );
    let target = parse_target("hostile.toml", &text, None, &NoEnvironment).expect("target");
    let catalog = catalog();
    let selection = Selection {
        checks: vec!["GAR-01".to_owned(), "GAR-02".to_owned()],
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
    run(
        &catalog,
        &plan,
        target,
        settings(2),
        Arc::new(|_: &RunEvent| {}),
        Cancellation::new(),
    )
    .await
    .expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bomb_whose_transfer_stalls_is_judged_on_what_arrived() {
    // 60 MiB of zeros (under the member bound): about 60 KiB once
    // compressed. The server sends the first 32 KiB, then nothing more,
    // ever: the harness's idle bound cuts the transfer, and the first bytes
    // already prove the bomb.
    let zeros = vec![0u8; 60 << 20];
    let tar = entconf::gar::write_tar(&[(
        "BEN_GAR-ENT_Complet_20260901_210000_1D_Eleve_0000.xml",
        &zeros,
        b'0',
    )]);
    drop(zeros);
    let mut bomb = gzip(&tar);
    drop(tar);
    bomb.truncate(32 << 10);
    let record = gar_checks(stalling(bomb).await).await;
    let (delivery, why) = outcome(&record, "GAR-01");
    assert_eq!(delivery, Outcome::Fail, "{why}");
    assert!(why.contains("taux de compression"), "{why}");
    assert!(why.contains("la suite du téléchargement a échoué"), "{why}");
    let (schema, why) = outcome(&record, "GAR-02");
    assert_eq!(schema, Outcome::Error, "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_cut_before_any_refusal_is_an_error() {
    // A plain archive whose transfer stalls in the middle: nothing wrong
    // was seen, nothing can be concluded.
    let records: String = (0..20_000)
        .map(|n| format!("<!-- {n:x}{:x} -->\n", n * 7919))
        .collect();
    let tar = entconf::gar::write_tar(&[(
        "BEN_GAR-ENT_Complet_20260901_210000_1D_Etab_0000.xml",
        records.as_bytes(),
        b'0',
    )]);
    let mut archive = gzip(&tar);
    archive.truncate(archive.len() / 2);
    let record = gar_checks(stalling(archive).await).await;
    let (delivery, why) = outcome(&record, "GAR-01");
    assert_eq!(delivery, Outcome::Error, "{why}");
    assert!(why.contains("téléchargement interrompu"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_larger_than_the_page_bound_is_still_read() {
    // The pages' body bound (here 1 KiB) is not the archives' bound: the
    // reference ENT's export, several kilobytes, is judged in full.
    let demo = entconf::demo::start(std::collections::BTreeSet::new())
        .await
        .expect("reference ENT");
    let mut target = super::support::target(&demo.server.base_url());
    target.http.max_body = 1024;
    let mut settings = settings(2);
    demo.attach(&mut target, &mut settings).expect("attach");
    let catalog = catalog();
    let selection = Selection {
        checks: (1..=5).map(|n| format!("GAR-{n:02}")).collect(),
        ..Selection::default()
    };
    let plan = Plan::new(&catalog, &selection).expect("plan");
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
    for n in 1..=5 {
        let id = format!("GAR-{n:02}");
        let (got, why) = outcome(&record, &id);
        assert_eq!(got, Outcome::Pass, "{id}: {why}");
    }
    let size = record
        .exchanges
        .iter()
        .filter_map(|e| e.body().map(|b| b.size()))
        .max()
        .unwrap_or(0);
    assert!(size > 1024, "the export should exceed the bound: {size}");
}

/// Serves `archive` as the export and runs GAR-01 and GAR-02 through the
/// binary under the memory limit.
async fn through_the_binary(name: &'static str, archive: Vec<u8>) -> RunRecord {
    let archive = Arc::new(archive);
    let app = axum::Router::new().route(
        ARCHIVE,
        axum::routing::get(move || {
            let archive = Arc::clone(&archive);
            async move { archive.as_ref().clone() }
        }),
    );
    let addr = super::support::serve(app).await;
    let dir = std::env::temp_dir().join(format!("entconf-gar-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let target = dir.join("cible.toml");
    std::fs::write(
        &target,
        format!(
            "id = \"gar\"\nbase_url = \"http://{addr}/\"\n[capabilities]\n\
             gar_export = \"{ARCHIVE}\"\n[http]\nrequest_timeout = \"20s\"\ncheck_timeout = \"300s\"\n"
        ),
    )
    .expect("target");
    let target = target.display().to_string();
    let (code, said, record) = tokio::task::spawn_blocking(move || {
        super::hostile_pages::run_limited(
            name,
            &[
                "run", "--target", &target, "--check", "GAR-01", "--check", "GAR-02",
            ],
        )
    })
    .await
    .expect("run");
    let _ = std::fs::remove_dir_all(&dir);
    record.unwrap_or_else(|| panic!("no results.json (exit {code:?}):\n{said}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_empty_elements_is_refused_within_the_memory_bound() {
    // 340 MiB of `<a/>` in about 2 MB: a ratio of 177, under the ratio
    // bound, but hundreds of bytes of parser memory per element.
    let mut tar = Vec::new();
    {
        let body = "<a/>".repeat((340 << 20) / 4);
        tar.extend(entconf::gar::write_tar(&[(
            "BEN_GAR-ENT_Complet_20260901_210000_1D_Eleve_0000.xml",
            body.as_bytes(),
            b'0',
        )]));
    }
    let record = through_the_binary("elements", gzip(&tar)).await;
    let (delivery, why) = outcome(&record, "GAR-01");
    assert_eq!(delivery, Outcome::Fail, "{why}");
    assert!(why.contains("au-delà de"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gnu_long_name_of_hundreds_of_megabytes_is_refused_and_not_quoted() {
    let name = "n".repeat(340 << 20);
    let tar = entconf::gar::write_tar(&[("././@LongLink", name.as_bytes(), b'L')]);
    drop(name);
    let record = through_the_binary("long-name", gzip(&tar)).await;
    let (delivery, why) = outcome(&record, "GAR-01");
    assert_eq!(delivery, Outcome::Fail, "{why}");
    assert!(why.contains("nom de fichier de"), "{why}");
    assert!(
        why.len() < 10_000,
        "the name is not quoted whole: {} bytes",
        why.len()
    );
}

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

/// A tar.gz whose first entry is a `kind` header (GNU long name `L`, pax
/// `x` or `g`) of `size` bytes, mostly `n` with one `m` in about 2,048 (so
/// that it compresses under the ratio bound), then a small file. Gzipped as
/// it is written: the entry is never whole in memory, here either.
fn huge_extension(kind: u8, size: u64) -> Vec<u8> {
    use std::io::Write;
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_cksum();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(header.as_bytes()).expect("gzip");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut chunk = vec![0u8; 1 << 20];
    let mut left = size.next_multiple_of(512);
    while left > 0 {
        let take = usize::try_from(left.min(chunk.len() as u64)).expect("chunk");
        for byte in &mut chunk[..take] {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *byte = if (state >> 33).is_multiple_of(2048) {
                b'm'
            } else {
                b'n'
            };
        }
        encoder.write_all(&chunk[..take]).expect("gzip");
        left -= take as u64;
    }
    let file = entconf::gar::write_tar(&[("a.xml", b"<a/>", b'0')]);
    encoder.write_all(&file).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn long_names_and_pax_headers_of_hundreds_of_megabytes_cost_a_few_mebibytes() {
    use entconf::gar::{ArchiveError, ArchiveLimits, TarStream};
    // 340 MiB in about 2 MB: a ratio of some 150, under the ratio bound.
    let size = 340 << 20;
    let archives = [b'L', b'x', b'g'].map(|kind| (kind, huge_extension(kind, size)));
    let before = peak_memory();
    for (kind, archive) in &archives {
        assert!(
            (1 << 20..3 << 20).contains(&archive.len()),
            "{} bytes",
            archive.len()
        );
        let mut stream = TarStream::new(archive.as_slice(), ArchiveLimits::default());
        let error = match stream.next() {
            Some(Err(error)) => error,
            other => panic!("{} refused, got {other:?}", char::from(*kind)),
        };
        match kind {
            b'L' => assert_eq!(error, ArchiveError::NameTooLong { length: size }),
            _ => assert_eq!(error, ArchiveError::PaxTooLong { length: size }),
        }
        assert!(error.is_refusal());
        // Refused from the header: nothing of the entry was expanded.
        assert!(stream.consumed() < 64 << 10, "{} read", stream.consumed());
    }
    let grown = peak_memory().saturating_sub(before);
    assert!(grown < 8 << 20, "reading took {} KiB more", grown >> 10);
}
