//! Property tests over every reader of candidate input: HTML documents, GAR
//! archives and XML files, reversibility ZIP archives, statistics JSON and
//! CSV, deletion-certificate JWS, SAML responses. Each is fed arbitrary
//! bytes and mutations of a valid input, within size bounds: it must never
//! panic, and each case must end within its time bound.
//!
//! CI runs a modest number of cases (`PROPTEST_CASES`, default 48 here);
//! `ci/bench.sh` runs many more.

use proptest::prelude::*;
use proptest::test_runner::Config;

use entconf::check::Person;
use entconf::gar::GarRule;
use entconf::gar::{ForeignAnswer, GarSsoObservation, judge_gar_sso};

/// Cases per property unless `PROPTEST_CASES` says otherwise, and the
/// time one case may take (a reader stuck on hostile input fails it).
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    Config {
        cases,
        timeout: 20_000,
        failure_persistence: None,
        ..Config::default()
    }
}

fn url() -> reqwest::Url {
    reqwest::Url::parse("https://ent.test/page").expect("url")
}

/// `valid` with a few bytes changed (mostly in place, so that the
/// structure around them still holds and the reader goes deep), removed or
/// inserted.
fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len().max(1);
    proptest::collection::vec((0..len, any::<u8>(), 0u8..8), 1..8).prop_map(move |edits| {
        let mut bytes = valid.clone();
        for (at, byte, kind) in edits {
            let at = at.min(bytes.len());
            match kind {
                6 if at < bytes.len() => {
                    bytes.remove(at);
                }
                7 => bytes.insert(at, byte),
                _ if at < bytes.len() => bytes[at] = byte,
                _ => bytes.push(byte),
            }
        }
        bytes
    })
}

/// Tag soup: fragments of markup in any order and nesting.
fn markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<footer>".to_owned()),
        Just("</footer>".to_owned()),
        Just("<a href=\"/x\">".to_owned()),
        Just("</a>".to_owned()),
        Just("<b><i>".to_owned()),
        Just("</b></i>".to_owned()),
        Just("<table><tr><td>".to_owned()),
        Just("<form><input type=hidden name=SAMLResponse value=x>".to_owned()),
        Just("<script>".to_owned()),
        Just("&#83;&amp;&#x10FFFF;".to_owned()),
        Just("<!--".to_owned()),
        Just("<![CDATA[".to_owned()),
        "[a-zé <>&\"'=/]{0,12}",
    ];
    proptest::collection::vec(piece, 0..400).prop_map(|pieces| pieces.concat())
}

fn read_html(text: &str) {
    use entconf::probe::Scope;
    if let Ok(document) = entconf::probe::Document::parse(text, &url()) {
        let footer = Scope::Css(scraper::Selector::parse("footer").expect("selector"));
        let _ = document.text(None);
        let _ = document.text(Some(&footer));
        let _ = document.links(Some(&footer));
        let _ = document.text(Some(&Scope::Contentinfo));
        let _ = document.links(Some(&Scope::Contentinfo));
        let _ = document.resources();
        let _ = document.auto_submit_form();
        let _ = document.lang();
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn html_documents_never_panic(text in markup()) {
        read_html(&text);
    }

    #[test]
    fn html_documents_from_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        read_html(&String::from_utf8_lossy(&bytes));
    }
}

fn gar_sample(kind: &str) -> (String, Vec<u8>) {
    let name = format!("B0_GAR-ENT_Complet_20250901_210000_1D_{kind}_0000.xml");
    let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(path).expect("sample");
    (name, data)
}

fn gar_archive() -> Vec<u8> {
    use std::io::Write;
    let files: Vec<(String, Vec<u8>)> = ["Etab", "Eleve", "Enseignant", "Groupe", "RespAff"]
        .iter()
        .map(|kind| gar_sample(kind))
        .collect();
    let entries: Vec<(&str, &[u8], u8)> = files
        .iter()
        .map(|(name, data)| (name.as_str(), data.as_slice(), b'0'))
        .collect();
    let tar = entconf::gar::write_tar(&entries);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&tar).expect("gzip");
    encoder.finish().expect("gzip")
}

fn read_gar(bytes: &[u8]) {
    let stream = entconf::gar::TarStream::new(bytes, entconf::gar::ArchiveLimits::default());
    let _ = entconf::gar::examine(stream, entconf::gar::XSD_1D, 1);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gar_archives_never_panic(bytes in mutated(gar_archive())) {
        read_gar(&bytes);
    }

    #[test]
    fn gar_archives_of_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        read_gar(&bytes);
    }

    #[test]
    fn gar_xml_files_never_panic(bytes in mutated(gar_sample("Eleve").1)) {
        let (name, _) = gar_sample("Eleve");
        let mut validator = entconf::gar::Validator::new(entconf::gar::XSD_1D).expect("schema");
        let _ = entconf::gar::read_member(&name, &bytes, &mut validator);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = entconf::gar::validate(entconf::gar::XSD_1D, &[(name.as_str(), text)]);
        }
    }
}

fn zip_archive() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in [
        (
            "manifest.json",
            &b"{\"format\": \"entconf-reversibilite\", \"version\": 1, \"entrees\": []}"[..],
        ),
        (
            "donnees/ecoles.json",
            &b"[{\"uai\": \"0990001N\", \"nom\": \"Ecole\"}]"[..],
        ),
        ("fichiers/a.bin", &[7u8; 300][..]),
    ] {
        zip.start_file(name, options).expect("entry");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reversibility_archives_never_panic(bytes in mutated(zip_archive())) {
        let dir = std::env::temp_dir().join(format!("entconf-prop-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch");
        let path = dir.join(format!("{:016x}.zip", bytes.iter().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(*b))));
        std::fs::write(&path, &bytes).expect("write");
        let _ = entconf::reversibility::examine(&path, &entconf::reversibility::archive::ZipLimits::default(), 1);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn statistics_json_never_panics(text in "[\\[\\]{}\",:0-9a-z \\-.eE]{0,600}") {
        let _ = entconf::stats::StatsDocument::parse_json(&text);
    }

    #[test]
    fn statistics_json_mutations_never_panic(bytes in mutated(
        br#"{"niveau": "ecole", "id": "0990001N", "lignes": [{"semaine": "2026-W36", "visites_globales": 12, "service": "messagerie"}], "enfants": [{"niveau": "ecole", "id": "x"}]}"#.to_vec()
    )) {
        let _ = entconf::stats::StatsDocument::parse_json(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn statistics_csv_reads_back_what_a_writer_quotes(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9é ;,\t\"\r\n]{0,12}", 3),
            0..12,
        ),
        separator in prop_oneof![Just(';'), Just(','), Just('\t')],
        crlf in any::<bool>(),
    ) {
        // Every field quoted as RFC 4180 writers do (separators, quotes
        // and line ends inside), each line ended by CRLF or LF: the reader
        // gives the fields back as they were.
        let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
        let end = if crlf { "\r\n" } else { "\n" };
        let sep = separator.to_string();
        let mut text = ["a", "b", "c"].join(&sep) + end;
        for row in &rows {
            let line: Vec<String> = row.iter().map(|f| quote(f)).collect();
            text.push_str(&line.join(&sep));
            text.push_str(end);
        }
        let table = entconf::stats::parse_csv(&text, separator).expect("well-formed CSV");
        prop_assert_eq!(table.records, rows);
    }

    #[test]
    fn statistics_csv_never_panics(text in "[;,\"\\n\\r a-z0-9é]{0,600}", separator in prop_oneof![Just(';'), Just(','), Just('\t')]) {
        let _ = entconf::stats::parse_csv(&text, separator);
    }

    #[test]
    fn jws_never_panic(text in "[A-Za-z0-9_\\-.=]{0,400}", jwks in "[\\[\\]{}\",:A-Za-z0-9_\\-]{0,300}") {
        let _ = entconf::reversibility::jws::verify(&text, &jwks);
        let _ = entconf::reversibility::jws::verify_detached(&text, b"charge", &jwks);
        let _ = entconf::reversibility::jws::verify(&text, r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#);
    }

    #[test]
    fn saml_responses_never_panic(bytes in mutated(saml_response().into_bytes())) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let observation = sso_observation(text);
        for rule in [GarRule::Assertion, GarRule::OnlyTheGar, GarRule::IdpMetadata] {
            let _ = judge_gar_sso(rule, &observation);
        }
    }
}

fn saml_response() -> String {
    r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" InResponseTo="_q" Destination="https://sp.gar.entconf.test/saml/acs" Version="2.0" IssueInstant="2026-09-01T08:30:00Z"><saml:Issuer>https://ent.test</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a" Version="2.0" IssueInstant="2026-09-01T08:30:00Z"><saml:Issuer>https://ent.test</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">_t</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="_q" NotOnOrAfter="2026-09-01T08:35:00Z" Recipient="https://sp.gar.entconf.test/saml/acs"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2026-09-01T08:29:00Z" NotOnOrAfter="2026-09-01T08:35:00Z"><saml:AudienceRestriction><saml:Audience>https://sp.gar.entconf.test</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement><saml:Attribute Name="GARPersonIdentifiant"><saml:AttributeValue>e1</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#.to_owned()
}

fn sso_observation(response: String) -> GarSsoObservation {
    let url = url();
    GarSsoObservation {
        metadata_url: url.clone(),
        metadata: Ok(response.clone()),
        certificates: Vec::new(),
        checked_at: chrono::DateTime::UNIX_EPOCH,
        sp_entity: "https://sp.gar.entconf.test".to_owned(),
        acs: "https://sp.gar.entconf.test/saml/acs".to_owned(),
        request_id: "_q".to_owned(),
        person: Default::default(),
        pupil: Person::default(),
        exported_id: Ok("e1".to_owned()),
        login: Err("non joué".to_owned()),
        response: Ok(response.clone()),
        signed: Ok(response),
        foreign: Vec::<ForeignAnswer>::new(),
        exchanges: Vec::new(),
    }
}
