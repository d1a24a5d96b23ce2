//! Proof by peers no one here wrote: the `xmlsec1` command verifies the
//! harness's SAML responses and decrypts their assertions, PyJWT and
//! jwcrypto verify its ID tokens, and two third-party relying parties log
//! in against the harness's EduConnect: Authlib over OpenID Connect,
//! pysaml2 over SAML (in clear and encrypted); a candidate ENT whose SSO is
//! pysaml2 alone is judged by the SSO suite; curl (OpenSSL) calls the
//! harness's GAR web service with and without client certificates; OpenSSH
//! (sshd as the GAR's drop, sftp in the reference ENT) carries the export;
//! Info-ZIP's unzip, Python's zipfile and jsonschema read the reference
//! ENT's reversibility export against the published format; the MDN HTTP
//! Observatory's scanner reads the reference ENT's security headers beside
//! SEC-04.
//!
//! `bash ci/run.sh` installs them (Debian xmlsec1, a Python venv from
//! `ci/peers/requirements.txt`). A missing peer fails the test, unless
//! `ENTCONF_SKIP_PEERS=1` says the developer knowingly runs without them.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use ent_server::Fault;
use entconf::evidence::SystemClock;
use entconf::idp::{Attack, EDUCONNECT_PATH, Identity, SamlService, SigningKey, SpMetadata};
use entconf::sso::SsoWorld;

use super::support::test_idp;

const CLIENT_ID: &str = "rp-tiers";
const SECRET: &str = "secret-de-test-du-client";

fn skip_allowed(peer: &str) -> bool {
    if std::env::var("ENTCONF_SKIP_PEERS").as_deref() == Ok("1") {
        return true;
    }
    panic!(
        "{peer} absent : lancez `bash ci/run.sh` (ou ENTCONF_SKIP_PEERS=1 pour s'en passer sciemment)"
    );
}

fn python() -> Option<PathBuf> {
    let path = std::env::var_os("ENTCONF_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/peer-venv/bin/python")
        });
    if path.exists() {
        Some(path)
    } else {
        let _ = skip_allowed("le Python des pairs (target/peer-venv)");
        None
    }
}

fn xmlsec1() -> Option<&'static str> {
    let found = Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        Some("xmlsec1")
    } else {
        let _ = skip_allowed("xmlsec1 (paquet Debian xmlsec1)");
        None
    }
}

async fn world() -> (entconf::idp::RunningIdp, Arc<SsoWorld>) {
    test_idp(CLIENT_ID, SECRET).await
}

fn pupil(world: &SsoWorld) -> Identity {
    let pupil = &world.directory.pupils[0];
    Identity::EduConnect {
        sub: "ect-pair-1".to_owned(),
        given_name: pupil.first_name.clone(),
        family_name: pupil.last_name.clone(),
        affiliation: "eleve1d".to_owned(),
        ref_ids: vec![format!("{{AAF}}99|x|{}", pupil.jointure)],
        uai: None,
        legacy_vectors: vec![format!(
            "3|{}|{}|{}|0990001N",
            pupil.last_name, pupil.first_name, pupil.jointure
        )],
    }
}

/// Another pupil, whom wrapping attacks name.
fn victim(world: &SsoWorld) -> Identity {
    let pupil = &world.directory.pupils[1];
    Identity::EduConnect {
        sub: "ect-pair-2".to_owned(),
        given_name: pupil.first_name.clone(),
        family_name: pupil.last_name.clone(),
        affiliation: "eleve1d".to_owned(),
        ref_ids: vec![format!("{{AAF}}99|x|{}", pupil.jointure)],
        uai: None,
        legacy_vectors: Vec::new(),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entconf-pairs-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmlsec1_verifies_signed_responses_and_rejects_the_forged_ones() {
    let Some(xmlsec) = xmlsec1() else { return };
    let (_running, world) = world().await;
    let dir = scratch("xmlsec");
    let cert = dir.join("idp.pem");
    std::fs::write(&cert, world.idp.key().cert_pem()).expect("cert");
    let verify_with = |attack: Option<Attack>, key: &[&str]| {
        let xml = world
            .idp
            .issue_saml_response(
                SamlService::EduConnect,
                [
                    "http://127.0.0.1:1/auth/saml/acs",
                    "http://127.0.0.1:1/auth/saml/metadata",
                    "_demande1",
                ],
                &pupil(&world),
                Some(&victim(&world)),
                attack,
            )
            .expect("response");
        let file = dir.join("reponse.xml");
        std::fs::write(&file, &xml).expect("write");
        let output = Command::new(xmlsec)
            .arg("--verify")
            .args(key)
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            ])
            .arg(&file)
            .output()
            .expect("xmlsec1 runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let cert_path = cert.display().to_string();
    // A careful SP takes no key from the message: xmlsec1 1.2 would read a
    // bare KeyValue by default (1.3.3 disabled that), hence the key-data
    // list.
    let verify = |attack: Option<Attack>| {
        verify_with(
            attack,
            &[
                "--enabled-key-data",
                "x509",
                "--pubkey-cert-pem",
                &cert_path,
            ],
        )
    };
    let (ok, log) = verify(None);
    assert!(ok, "xmlsec1 must verify a genuine response: {log}");
    assert!(log.contains("OK"), "{log}");
    // The wrapping shapes keep a signature xmlsec1 accepts: the attack is
    // in what an SP reads beside it, not in a broken signature. (XSW1, 5, 6
    // and 8 move the signature out of what it signs, and the duplicate ID
    // makes its reference ambiguous: xmlsec1's own lookup refuses those.)
    for attack in [
        Attack::SamlSignatureWrapping,
        Attack::SamlXsw2,
        Attack::SamlXsw4,
        Attack::SamlXsw7,
        Attack::SamlCommentInjection,
    ] {
        let (ok, log) = verify(Some(attack));
        assert!(
            ok,
            "{attack:?}: the genuine signature must still verify: {log}"
        );
    }
    for attack in [
        Attack::SamlUnsigned,
        Attack::SamlUnknownKey,
        Attack::SamlKeyValue,
        Attack::SamlHmacPublicCert,
    ] {
        let (ok, log) = verify(Some(attack));
        assert!(
            !ok,
            "{attack:?} must not verify with the IdP's certificate: {log}"
        );
    }
    // The SHA-1 response is a true signature by the IdP's key: refusing it
    // is about the algorithm alone.
    let (ok, log) = verify(Some(Attack::SamlSha1Signature));
    assert!(ok, "the RSA-SHA1 response is signed by the IdP: {log}");
    assert!(log.contains("OK"), "{log}");
    // Yet each forgery is a true signature for the key it names: the bare
    // key value by the rogue key, the HMAC under the certificate's PEM text
    // (xmlsec1's own exclusive c14n of the SignedInfo agrees with ours).
    let rogue = dir.join("rogue.pem");
    std::fs::write(&rogue, world.idp.rogue_public_pem().expect("pem")).expect("rogue key");
    let (ok, log) = verify_with(
        Some(Attack::SamlKeyValue),
        &["--pubkey-pem", &rogue.display().to_string()],
    );
    assert!(
        ok,
        "the key-value variant is signed by the rogue key: {log}"
    );
    let (ok, log) = verify_with(Some(Attack::SamlHmacPublicCert), &["--hmackey", &cert_path]);
    assert!(
        ok,
        "the HMAC variant is keyed with the certificate's PEM: {log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The metadata of an SP that publishes `key` for encryption and asks for
/// `methods` (XML `EncryptionMethod` elements).
fn sp_metadata(entity: &str, acs: &str, key: &SigningKey, methods: &str) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{methods}</md:KeyDescriptor><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
        cert = key.cert_base64()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmlsec1_decrypts_the_assertions_encrypted_for_the_sp_and_verifies_the_response() {
    let Some(xmlsec) = xmlsec1() else { return };
    let (_running, world) = world().await;
    let dir = scratch("xmlsec-decrypt");
    let sp_key = SigningKey::generate("sp tiers", &SystemClock::new()).expect("key");
    let private = dir.join("sp-key.pem");
    std::fs::write(&private, sp_key.private_pkcs8_pem().expect("pem")).expect("key");
    let idp_cert = dir.join("idp.pem");
    std::fs::write(&idp_cert, world.idp.key().cert_pem()).expect("cert");
    let entity = "http://127.0.0.1:1/auth/saml/metadata";
    let acs = "http://127.0.0.1:1/auth/saml/acs";
    let identity = pupil(&world);
    let Identity::EduConnect { ref ref_ids, .. } = identity else {
        unreachable!("a pupil is an EduConnect identity")
    };
    // The Shibboleth defaults, and the legacy CBC an SP may still ask for.
    // (Debian's xmlsec1 1.2 does not know XML Encryption 1.1's
    // `xmlenc11#rsa-oaep`: a unit test unwraps that one with OpenSSL.)
    let cases = [
        ("", "aes128-gcm", "rsa-oaep-mgf1p"),
        (
            r#"<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>"#,
            "aes256-cbc",
            "rsa-oaep-mgf1p",
        ),
    ];
    for (methods, cipher, transport) in cases {
        let metadata =
            SpMetadata::parse(&sp_metadata(entity, acs, &sp_key, methods)).expect("metadata");
        world.idp.set_saml_sp(metadata);
        let xml = world
            .idp
            .issue_saml_response(
                SamlService::EduConnect,
                [acs, entity, "_demande1"],
                &identity,
                None,
                None,
            )
            .expect("response");
        assert!(xml.contains(cipher) && xml.contains(transport), "{xml}");
        assert!(
            !xml.contains(&ref_ids[0]),
            "the join key travels in clear: {xml}"
        );
        let file = dir.join(format!("chiffree-{cipher}.xml"));
        std::fs::write(&file, &xml).expect("write");
        // The response signature covers the encrypted assertion as sent.
        let verified = Command::new(xmlsec)
            .args(["--verify", "--pubkey-cert-pem"])
            .arg(&idp_cert)
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            ])
            .arg(&file)
            .output()
            .expect("xmlsec1 runs");
        assert!(
            verified.status.success(),
            "xmlsec1 --verify ({cipher}): {}",
            String::from_utf8_lossy(&verified.stderr)
        );
        let decrypted = Command::new(xmlsec)
            .args(["--decrypt", "--privkey-pem"])
            .arg(&private)
            .arg(&file)
            .output()
            .expect("xmlsec1 runs");
        let clear = String::from_utf8_lossy(&decrypted.stdout);
        assert!(
            decrypted.status.success(),
            "xmlsec1 --decrypt ({cipher}, {transport}): {}",
            String::from_utf8_lossy(&decrypted.stderr)
        );
        assert!(clear.contains("<saml:Assertion"), "{clear}");
        assert!(clear.contains(&ref_ids[0]), "{clear}");
        assert!(
            clear.contains("SessionIndex=") && clear.contains("SPNameQualifier=\""),
            "{clear}"
        );
        // Another key cannot open it.
        let stranger = SigningKey::generate("autre sp", &SystemClock::new()).expect("key");
        let other = dir.join("autre-key.pem");
        std::fs::write(&other, stranger.private_pkcs8_pem().expect("pem")).expect("key");
        let refused = Command::new(xmlsec)
            .args(["--decrypt", "--privkey-pem"])
            .arg(&other)
            .arg(&file)
            .output()
            .expect("xmlsec1 runs");
        assert!(
            !refused.status.success(),
            "another key decrypted ({cipher})"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_python(python: &PathBuf, script: &str, args: &[&str], stdin: &str) -> String {
    let (ok, stdout, stderr) = try_python(python, script, args, stdin);
    assert!(ok, "{script}: {stderr}");
    stdout
}

/// Runs a peer script; returns whether it succeeded, its stdout and stderr.
fn try_python(
    python: &PathBuf,
    script: &str,
    args: &[&str],
    stdin: &str,
) -> (bool, String, String) {
    try_python_with(python, script, args, stdin, &[])
}

/// As [`try_python`], with environment variables set for the script.
fn try_python_with(
    python: &PathBuf,
    script: &str,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &std::path::Path)],
) -> (bool, String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("ci/peers")
        .join(script);
    let mut child = Command::new(python)
        .arg(path)
        .args(args)
        .envs(env.iter().map(|(name, value)| (*name, *value)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("python ends");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyjwt_and_jwcrypto_accept_good_id_tokens_and_refuse_the_attacks() {
    let Some(python) = python() else { return };
    let (_running, world) = world().await;
    let issuer = world.idp.educonnect_issuer();
    let jwks = format!("{issuer}/profile/oidc/keyset");
    let nonce = "nonce-des-pairs";
    let cases = [
        (None, true),
        (Some(Attack::IdTokenBadSignature), false),
        (Some(Attack::IdTokenAlgNone), false),
        (Some(Attack::IdTokenWrongIssuer), false),
        (Some(Attack::IdTokenWrongAudience), false),
        (Some(Attack::IdTokenExpired), false),
        (Some(Attack::NonceMismatch), false),
    ];
    for (attack, accepted) in cases {
        let token = world
            .idp
            .issue_id_token(&pupil(&world), Some(nonce), attack)
            .expect("token");
        let python = python.clone();
        let args = [
            jwks.clone(),
            issuer.clone(),
            CLIENT_ID.to_owned(),
            nonce.to_owned(),
        ];
        let answer = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_python(&python, "verify_id_token.py", &args, &token)
        })
        .await
        .expect("join");
        let verdicts: serde_json::Value = serde_json::from_str(&answer).expect("json");
        for library in ["pyjwt", "jwcrypto"] {
            let ok = verdicts[library] == "ok";
            assert_eq!(
                ok, accepted,
                "{library} on {attack:?}: {}",
                verdicts[library]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authlib_relying_party_logs_in_against_the_harness_educonnect() {
    let Some(python) = python() else { return };
    let (_running, world) = world().await;
    let identity = pupil(&world);
    let token = world.idp.open(entconf::idp::Scenario {
        identity: identity.clone(),
        attack: None,
        victim: None,
    });
    let issuer = format!("{}{EDUCONNECT_PATH}", entconf::idp::base(&world.public_url));
    let args = [
        issuer,
        CLIENT_ID.to_owned(),
        SECRET.to_owned(),
        token.clone(),
    ];
    let answer = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_python(&python, "oidc_rp.py", &args, "")
    })
    .await
    .expect("join");
    let result: serde_json::Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(result["claims"]["sub"], "ect-pair-1");
    let Identity::EduConnect {
        ref_ids,
        given_name,
        ..
    } = identity
    else {
        unreachable!("a pupil is an EduConnect identity")
    };
    assert_eq!(result["claims"]["FrEduCtRefId"][0], ref_ids[0]);
    assert_eq!(result["userinfo"]["given_name"], given_name);
    let log = world.idp.log(&token);
    assert_eq!(log.codes_redeemed, 1);
    assert!(
        log.events.iter().any(|e| e.contains("PKCE présent")),
        "{:?}",
        log.events
    );
}

/// pysaml2 logs in through the scenario `token`; (succeeded, stdout, stderr).
async fn pysaml2_login(
    python: &std::path::Path,
    world: &SsoWorld,
    token: String,
    dir: &std::path::Path,
    key_pair: Option<&(PathBuf, PathBuf)>,
) -> (bool, String, String) {
    let metadata = format!(
        "{}{EDUCONNECT_PATH}/shibboleth",
        entconf::idp::base(&world.public_url)
    );
    let mut args = vec![metadata, token, dir.display().to_string()];
    if let Some((key, cert)) = key_pair {
        args.extend([key.display().to_string(), cert.display().to_string()]);
    }
    let python = python.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        try_python(&python, "saml_sp.py", &args, "")
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysaml2_service_provider_logs_in_against_the_harness_educonnect() {
    let Some(python) = python() else { return };
    if xmlsec1().is_none() {
        return;
    }
    let (_running, world) = world().await;
    let identity = pupil(&world);
    let token = world.idp.open(entconf::idp::Scenario {
        identity: identity.clone(),
        attack: None,
        victim: None,
    });
    let dir = scratch("pysaml2");
    let (ok, answer, stderr) = pysaml2_login(&python, &world, token.clone(), &dir, None).await;
    assert!(ok, "pysaml2: {stderr}");
    let result: serde_json::Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(
        result["name_id_format"],
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    );
    let Identity::EduConnect {
        ref_ids,
        legacy_vectors,
        ..
    } = identity
    else {
        unreachable!("a pupil is an EduConnect identity")
    };
    assert_eq!(
        result["attributes"]["FrEduCtRefId"][0], ref_ids[0],
        "{result}"
    );
    // The legacy vector, as entcore's `SSOAten` reads it: profil 3, a pupil.
    assert_eq!(
        result["attributes"]["FrEduVecteur"][0], legacy_vectors[0],
        "{result}"
    );
    assert!(legacy_vectors[0].starts_with("3|"), "{legacy_vectors:?}");
    assert!(
        result["issuer"]
            .as_str()
            .is_some_and(|i| i.ends_with(EDUCONNECT_PATH))
    );
    assert_eq!(world.idp.log(&token).authn_requests, 1);
    // The same SP refuses the assertion signed by a key its metadata lacks:
    // pysaml2 really checks what the harness signs.
    let forged = world.idp.open(entconf::idp::Scenario {
        identity: pupil(&world),
        attack: Some(Attack::SamlUnknownKey),
        victim: None,
    });
    let (ok, _, stderr) = pysaml2_login(&python, &world, forged, &dir, None).await;
    assert!(!ok, "pysaml2 accepted a response signed by an unknown key");
    assert!(
        stderr.contains("Signature") || stderr.contains("signature"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// EduConnect as real ENTs meet it: pysaml2 publishes its own metadata
/// with an encryption certificate, the harness registers it, and pysaml2
/// decrypts the assertion (through xmlsec1) and checks the response
/// signature itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysaml2_decrypts_the_assertion_encrypted_for_the_metadata_it_published() {
    let Some(python) = python() else { return };
    if xmlsec1().is_none() {
        return;
    }
    let (_running, world) = world().await;
    let dir = scratch("pysaml2-chiffre");
    let sp_key = SigningKey::generate("sp pysaml2", &SystemClock::new()).expect("key");
    let key_pair = (dir.join("sp-key.pem"), dir.join("sp-cert.pem"));
    std::fs::write(&key_pair.0, sp_key.private_pkcs8_pem().expect("pem")).expect("key");
    std::fs::write(&key_pair.1, sp_key.cert_pem()).expect("cert");
    let key_path = key_pair.0.display().to_string();
    let cert_path = key_pair.1.display().to_string();
    let metadata = run_python(
        &python,
        "saml_sp.py",
        &["--metadata", &key_path, &cert_path],
        "",
    );
    let registered = SpMetadata::parse(&metadata).expect("pysaml2's metadata reads");
    assert!(registered.encryption.is_some(), "{metadata}");
    world.idp.set_saml_sp(registered);
    let identity = pupil(&world);
    let token = world.idp.open(entconf::idp::Scenario {
        identity: identity.clone(),
        attack: None,
        victim: None,
    });
    let (ok, answer, stderr) =
        pysaml2_login(&python, &world, token.clone(), &dir, Some(&key_pair)).await;
    assert!(ok, "pysaml2: {stderr}");
    let result: serde_json::Value = serde_json::from_str(&answer).expect("json");
    let Identity::EduConnect { ref_ids, .. } = identity else {
        unreachable!("a pupil is an EduConnect identity")
    };
    assert_eq!(
        result["attributes"]["FrEduCtRefId"][0], ref_ids[0],
        "{result}"
    );
    let posted = world
        .idp
        .log(&token)
        .saml_post
        .expect("a response was posted");
    let sent = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &posted.response)
            .expect("base64"),
    )
    .expect("utf-8");
    assert!(
        sent.contains("EncryptedAssertion") && !sent.contains(&ref_ids[0]),
        "{sent}"
    );
    // The same SP refuses a response signed by a key its IdP metadata lacks.
    let forged = world.idp.open(entconf::idp::Scenario {
        identity: pupil(&world),
        attack: Some(Attack::SamlUnknownKey),
        victim: None,
    });
    let (ok, _, stderr) = pysaml2_login(&python, &world, forged, &dir, Some(&key_pair)).await;
    assert!(!ok, "pysaml2 accepted a response signed by an unknown key");
    assert!(stderr.to_lowercase().contains("signature"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn curl() -> Option<&'static str> {
    let found = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        Some("curl")
    } else {
        let _ = skip_allowed("curl (paquet Debian curl)");
        None
    }
}

/// curl (OpenSSL's TLS, not rustls) calls the harness's GAR web service as
/// a médiacentre would: with the declared certificate it gets the list made
/// for the person asked about; without one, or with another, a GAR `Erreur`
/// — and the service records which certificate each call came with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reaches_the_gar_web_service_only_with_the_declared_certificate() {
    use entconf::evidence::{Clock, SystemClock};
    use entconf::gar::{Asked, Presented, RessourcesService, resources_for, spawn_ressources};
    use entconf::idp::{SigningKey, TlsRole};
    let Some(curl) = curl() else { return };
    let dir = scratch("gar-ws");
    // curl checks the certificates against the real time.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let declared =
        SigningKey::generate_tls("médiacentre déclaré", TlsRole::Client, &[], clock.as_ref())
            .expect("client key");
    let other = SigningKey::generate_tls("autre client", TlsRole::Client, &[], clock.as_ref())
        .expect("other key");
    let server = SigningKey::generate_tls(
        "service ressources",
        TlsRole::Server,
        &["127.0.0.1".to_owned()],
        clock.as_ref(),
    )
    .expect("server key");
    for (name, key) in [("declared", &declared), ("other", &other)] {
        std::fs::write(dir.join(format!("{name}.pem")), key.cert_pem()).expect("cert");
        std::fs::write(
            dir.join(format!("{name}-key.pem")),
            key.private_pkcs8_pem().expect("pem"),
        )
        .expect("key");
    }
    let placeholder = reqwest::Url::parse("https://127.0.0.1/").expect("url");
    let service =
        RessourcesService::new(&declared.cert_pem(), server, placeholder, clock).expect("service");
    std::fs::write(dir.join("ca.pem"), service.certificate_pem()).expect("ca");
    let running = spawn_ressources(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        Arc::new(service),
    )
    .await
    .expect("listen");
    let url = format!("https://{}/ressources/BEL/0990001A/u-42", running.addr());
    let folder = dir.clone();
    let call = move |client: Option<&str>| {
        let dir = &folder;
        let mut command = Command::new(curl);
        command
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(dir.join("ca.pem"))
            .args(["-H", "Accept: application/json", "-w", "\n%{http_code}"]);
        if let Some(name) = client {
            command
                .arg("--cert")
                .arg(dir.join(format!("{name}.pem")))
                .arg("--key")
                .arg(dir.join(format!("{name}-key.pem")));
        }
        let output = command.arg(&url).output().expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "curl : {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (body, status) = text.rsplit_once('\n').expect("status line");
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
        (status.to_owned(), json)
    };
    let (status, body) = tokio::task::spawn_blocking({
        let call = call.clone();
        move || call(Some("declared"))
    })
    .await
    .expect("curl");
    assert_eq!(status, "200");
    let asked = Asked {
        id_ent: "BEL".to_owned(),
        uai: "0990001A".to_owned(),
        person: "u-42".to_owned(),
    };
    let expected = resources_for(&asked);
    assert_eq!(
        body["listeRessources"]["ressource"][0]["urlAccesRessource"],
        expected[0].url.as_str()
    );
    assert_eq!(
        body["listeRessources"]["ressource"][2]["nomRessource"],
        expected[2].name.as_str()
    );
    let (status, body) = tokio::task::spawn_blocking({
        let call = call.clone();
        move || call(None)
    })
    .await
    .expect("curl");
    assert_eq!(status, "403");
    assert_eq!(body["Erreur"]["Message"], "certificat client absent");
    let (status, _) = tokio::task::spawn_blocking(move || call(Some("other")))
        .await
        .expect("curl");
    assert_eq!(status, "403");
    let calls = running.service.since(0).calls;
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[0].certificate, Presented::Declared);
    assert_eq!(calls[0].asked.as_ref(), Some(&asked));
    assert_eq!(calls[1].certificate, Presented::Nothing);
    assert!(
        matches!(&calls[2].certificate, Presented::Other { subject, .. } if subject.contains("autre client")),
        "{:?}",
        calls[2].certificate
    );
    // curl without the service's CA refuses its certificate (TLS alert
    // unknown_ca): the service records that the client distrusted it, the
    // fact GAR-08 reads to call it a set-up problem, from rustls's error.
    let refused = std::process::Command::new(curl)
        .args(["-sS", "--max-time", "10"])
        .arg(format!(
            "https://{}/ressources/BEL/0990001A/u-42",
            running.addr()
        ))
        .output()
        .expect("curl runs");
    assert!(!refused.status.success(), "curl trusted an unknown CA");
    let mut handshakes = Vec::new();
    for _ in 0..50 {
        handshakes = running.service.since(0).handshakes;
        if !handshakes.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(handshakes.len(), 1, "{handshakes:?}");
    assert!(handshakes[0].distrusted, "{:?}", handshakes[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// pysaml2 as the GAR's service provider in front of the reference ENT's
/// IdP for the GAR (the peer of GAR-06): a pupil logged in, the assertion
/// validated by pysaml2 itself; unsigned, pysaml2 refuses it as GAR-06 does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysaml2_as_the_gar_accepts_the_reference_ent_assertion() {
    let Some(python) = python() else { return };
    if xmlsec1().is_none() {
        return;
    }
    for (faults, accepted) in [
        (Vec::new(), true),
        (vec![ent_server::Fault::GarAssertionUnsigned], false),
    ] {
        // EduConnect in clear: the script's browser passes through it, and
        // its TLS is the subject of another test.
        let demo = entconf::demo::start_over(
            faults.into_iter().collect(),
            entconf::demo::IdpTransport::Plain,
        )
        .await
        .expect("reference ENT");
        let token = demo.world.idp.open(entconf::idp::Scenario {
            identity: pupil(&demo.world),
            attack: None,
            victim: None,
        });
        let dir = scratch("gar-sp");
        // Python's `requests` reaches the ENT's HTTPS trusting its test CA.
        let ca = dir.join("ent-ca.pem");
        let pem = openssl::x509::X509::from_der(demo.ent_ca_der())
            .and_then(|c| c.to_pem())
            .expect("CA PEM");
        std::fs::write(&ca, pem).expect("CA file");
        let args = [
            demo.server.base_url(),
            demo.world
                .public_url
                .host_str()
                .unwrap_or("127.0.0.1")
                .to_owned(),
            token,
            dir.display().to_string(),
        ];
        let python = python.clone();
        let (ok, answer, stderr) = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            try_python_with(
                &python,
                "gar_sp.py",
                &args,
                "",
                &[("REQUESTS_CA_BUNDLE", ca.as_path())],
            )
        })
        .await
        .expect("join");
        let _ = std::fs::remove_dir_all(&dir);
        if !accepted {
            assert!(!ok, "pysaml2 accepted an unsigned assertion: {answer}");
            assert!(stderr.contains("ignature"), "{stderr}");
            continue;
        }
        assert!(ok, "pysaml2: {stderr}");
        let result: serde_json::Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(
            result["name_id_format"],
            "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
        );
        let attributes = result["attributes"].as_object().expect("attributes");
        let names: Vec<&String> = attributes.keys().collect();
        assert_eq!(names, ["GARPersonIdentifiant", "idEnt"], "{result}");
        assert_eq!(result["attributes"]["idEnt"][0], ent_server::GAR_ID_ENT);
        assert!(
            result["attributes"]["GARPersonIdentifiant"][0]
                .as_str()
                .is_some_and(|id| id.starts_with("u-")),
            "{result}"
        );
    }
}

/// OpenSSH (Debian's sshd as the GAR's drop, `sftp` in the reference ENT)
/// carries the export: GAR-01…05 judge what was pushed, a wrong `.md5`
/// pushed that way fails GAR-01 as it does over HTTP, and a push request
/// the candidate refuses (404) fails GAR-01 on its status, as an HTTP
/// export answering 404 does, the others having no archive to read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_pushed_to_the_harness_sftp_drop_is_judged() {
    use entconf::check::Outcome;
    use entconf::gar::SftpDrop;
    use entconf::runner::{Cancellation, Plan, Selection, run};
    use entconf::suite::{Capability, GarSftpTarget};
    if !std::path::Path::new("/usr/sbin/sshd").exists() {
        let _ = skip_allowed("sshd (paquet Debian openssh-server)");
        return;
    }
    let dir = scratch("sftp");
    let key = dir.join("ent");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(made.success());
    let public_key = std::fs::read_to_string(dir.join("ent.pub")).expect("public key");
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let drop = Arc::new(SftpDrop::start(listen, &public_key).expect("sshd starts"));
    let catalog = super::support::catalog();
    let selection = Selection {
        checks: (1..=5).map(|n| format!("GAR-0{n}")).collect(),
        ..Selection::default()
    };
    for (faults, path, failing, erring) in [
        (Vec::new(), "/gar/export/depot", Vec::new(), Vec::new()),
        (
            vec![ent_server::Fault::GarExportBadMd5],
            "/gar/export/depot",
            vec!["GAR-01"],
            Vec::new(),
        ),
        (
            Vec::new(),
            "/gar/export/depot-inconnu",
            vec!["GAR-01"],
            vec!["GAR-02", "GAR-03", "GAR-04", "GAR-05"],
        ),
    ] {
        let sftp = ent_server::GarSftp {
            destination: format!("{}@127.0.0.1", drop.user()),
            port: listen.port(),
            key: key.clone(),
        };
        let demo = entconf::demo::start_with(faults.into_iter().collect(), Some(sftp))
            .await
            .expect("reference ENT");
        let mut target = super::support::target(&demo.server.base_url());
        let mut settings = super::support::settings(2);
        demo.attach(&mut target, &mut settings).expect("attach");
        let push = reqwest::Url::parse(&format!("{}{path}", demo.server.base_url())).expect("url");
        target.capabilities.insert(Capability::GarExport, push);
        if let Some(gar) = target.gar.as_mut() {
            gar.sftp = Some(GarSftpTarget {
                listen,
                public_key: public_key.clone(),
            });
        }
        settings.services = settings.services.with_gar_drop(Ok(Arc::clone(&drop)));
        let plan = Plan::new(&catalog, &selection).expect("plan");
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
        for check in &record.checks {
            let expected = if failing.contains(&check.id.as_str()) {
                Outcome::Fail
            } else if erring.contains(&check.id.as_str()) {
                Outcome::Error
            } else {
                Outcome::Pass
            };
            assert_eq!(
                check.outcome, expected,
                "{} : {:?} {:?}",
                check.id, check.reason, check.assertions
            );
        }
        assert_eq!(record.checks.len(), 5);
        // Asked twice by POST (two exports for the stable ids) unless the
        // first request was refused, never downloaded over HTTP.
        let urls: Vec<&str> = record.exchanges.iter().map(|e| e.url()).collect();
        assert_eq!(
            urls.iter().filter(|u| u.ends_with(path)).count(),
            if erring.is_empty() { 2 } else { 1 },
            "{urls:?}"
        );
        assert!(!urls.iter().any(|u| u.contains(".tar.gz")), "{urls:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The reference ENT's collectivité export, fetched through the conformance
/// API as the harness does, written to `path`; then the certificate of the
/// deletion of the exported school's class and the published keys.
async fn reference_export(
    faults: &[ent_server::Fault],
    path: &std::path::Path,
) -> (String, String) {
    let demo = entconf::demo::start(faults.iter().copied().collect())
        .await
        .expect("demo");
    let setup = demo.reversibility_target();
    let entconf::suite::SecretSlot::Available(token) = &setup.controller.token else {
        panic!("jeton du responsable");
    };
    let token = token.expose().to_owned();
    let truth =
        entconf::reversibility::GroundTruth::build(&demo.world.directory, &setup.school, "pair")
            .expect("vérité terrain");
    let base = demo.server.base_url();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .tls_certs_merge([reqwest::Certificate::from_der(demo.ent_ca_der()).expect("CA")])
        .build()
        .expect("client");
    let seeded = client
        .post(format!("{base}/api/conformance/amorcage"))
        .bearer_auth(&token)
        .json(&truth.request_body())
        .send()
        .await
        .expect("amorçage");
    assert_eq!(seeded.status().as_u16(), 201);
    let started: serde_json::Value = client
        .post(format!("{base}/api/conformance/exports"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "perimetre": "collectivite", "id": setup.controller.id }))
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("JSON");
    let get_json = |url: &str| {
        let request = client.get(url).bearer_auth(&token).send();
        async move {
            request
                .await
                .expect("suivi")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        }
    };
    let follow = format!("{base}{}", started["suivi"].as_str().expect("suivi"));
    let mut link = None;
    for _ in 0..50 {
        let state = get_json(&follow).await;
        if state["etat"] == "termine" {
            link = state["lien"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let link = link.expect("travail terminé");
    let bytes = client
        .get(format!("{base}{link}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("archive")
        .bytes()
        .await
        .expect("octets");
    std::fs::write(path, &bytes).expect("écriture");
    let class = format!("{}/{}", setup.school, truth.schools[0].classes[0].0);
    let asked: serde_json::Value = client
        .post(format!("{base}/api/conformance/suppressions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "perimetre": "classe", "id": class }))
        .send()
        .await
        .expect("suppression")
        .json()
        .await
        .expect("JSON");
    let state = get_json(&format!(
        "{base}{}",
        asked["suivi"].as_str().expect("suivi")
    ))
    .await;
    let certificate = client
        .get(format!(
            "{base}{}",
            state["certificat"].as_str().expect("certificat")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("certificat")
        .text()
        .await
        .expect("texte");
    let keys = client
        .get(format!("{base}/api/conformance/cles"))
        .send()
        .await
        .expect("clés")
        .text()
        .await
        .expect("texte");
    (certificate, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unzip_zipfile_jsonschema_and_jwcrypto_read_the_reference_export_and_certificate() {
    let Some(python) = python() else { return };
    let unzip = Command::new("unzip")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !unzip {
        let _ = skip_allowed("unzip (paquet Debian unzip)");
    }
    let dir = scratch("export-zip");
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites/api/export-format.schema.json");
    let clean = dir.join("propre.zip");
    let (certificate, keys) = reference_export(&[], &clean).await;
    // The reference ENT's deletion certificate, verified by jwcrypto.
    let jwks = dir.join("cles.json");
    std::fs::write(&jwks, &keys).expect("JWKS");
    let jwks_text = jwks.to_string_lossy().into_owned();
    let payload = run_python(&python, "verify_jws.py", &[&jwks_text], &certificate);
    assert!(payload.contains("\"perimetre\""), "{payload}");
    if unzip {
        let tested = Command::new("unzip")
            .arg("-tq")
            .arg(&clean)
            .output()
            .expect("unzip");
        assert!(
            tested.status.success(),
            "unzip -t : {}",
            String::from_utf8_lossy(&tested.stdout)
        );
    }
    let clean_text = clean.to_string_lossy().into_owned();
    let schema_text = schema.to_string_lossy().into_owned();
    let summary = run_python(&python, "export_zip.py", &[&clean_text, &schema_text], "");
    // Two schools: the exported one has two classes with a post each
    // (the second for SEC-07), the other one class.
    assert!(summary.contains("\"billets\": 3"), "{summary}");
    assert!(summary.contains("\"classes\": 3"), "{summary}");
    // The corrupted file is found by the peer too, from the manifest alone.
    let corrupted = dir.join("abime.zip");
    let (unsigned, keys) = reference_export(
        &[
            ent_server::Fault::ExportFileCorrupted,
            ent_server::Fault::DelcertUnsigned,
        ],
        &corrupted,
    )
    .await;
    std::fs::write(&jwks, &keys).expect("JWKS");
    let (ok, _, stderr) = try_python(&python, "verify_jws.py", &[&jwks_text], &unsigned);
    assert!(!ok, "jwcrypto accepte un certificat non signé : {stderr}");
    let corrupted_text = corrupted.to_string_lossy().into_owned();
    let (ok, _, stderr) = try_python(
        &python,
        "export_zip.py",
        &[&corrupted_text, &schema_text],
        "",
    );
    assert!(!ok && stderr.contains("empreinte différente"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwcrypto_signed_certificates_verify_and_forgeries_do_not() {
    let Some(python) = python() else { return };
    let payload = r#"{"certificat":"c-42","perimetre":{"type":"utilisateur"}}"#;
    let out = run_python(&python, "jws_okp.py", &[], payload);
    let made: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let jwks = made["jwks"].to_string();
    let compact = made["jws"].as_str().expect("jws");
    let kid = made["kid"].as_str().expect("kid");
    let x = made["jwks"]["keys"][0]["x"].as_str().expect("x");
    assert_eq!(
        entconf::reversibility::jws::thumbprint(x),
        kid,
        "RFC 7638, as jwcrypto computes it"
    );
    let verified =
        entconf::reversibility::jws::verify(compact, &jwks).expect("signature de jwcrypto");
    assert_eq!(verified.payload, payload.as_bytes());
    // The same certificate with one byte of its payload changed.
    let parts: Vec<&str> = compact.split('.').collect();
    use base64::Engine as _;
    let forged_payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.replace("c-42", "c-43"));
    let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert!(matches!(
        entconf::reversibility::jws::verify(&forged, &jwks),
        Err(entconf::reversibility::jws::JwsError::BadSignature(_))
    ));
}

/// A free loopback port (bound then released: the run binds it again).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The candidate app, killed when dropped.
struct Candidate(std::process::Child);

impl Drop for Candidate {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How a peer candidate ENT is started and declared.
struct PeerCandidate<'a> {
    /// Its name (target id and scratch folder).
    name: &'a str,
    /// Its script under `ci/peers/`.
    script: &'a str,
    /// Its arguments after the port: from the IdPs' base URL and the AAF folder.
    args: &'a dyn Fn(&str, &std::path::Path) -> Vec<String>,
    /// Its `[capabilities]` lines.
    capabilities: &'a str,
    /// More `[sso]` lines (its port is `{port}`).
    sso: &'a str,
    /// The IdPs in TLS under a test CA kept in `cles-idp/`, made before
    /// the candidate starts, which trusts it as an operator would make
    /// Python's `requests` trust it: `REQUESTS_CA_BUNDLE`.
    tls: bool,
}

/// A SAML candidate's arguments: the IdP's metadata, the AAF folder, and
/// its work folder (where [`sp_key_pair`] wrote its keys).
fn saml_candidate_args(idp: &str, dir: &std::path::Path) -> Vec<String> {
    vec![
        format!("{idp}{EDUCONNECT_PATH}/shibboleth"),
        dir.join("aaf").display().to_string(),
        dir.display().to_string(),
    ]
}

/// A SAML candidate's key pair, `sp-key.pem` and `sp-cert.pem` in `dir`,
/// made here (the `openssl` command may be absent).
fn sp_key_pair(dir: &std::path::Path) {
    let key = SigningKey::generate("candidat SAML", &SystemClock::new()).expect("key");
    std::fs::write(
        dir.join("sp-key.pem"),
        key.private_pkcs8_pem().expect("pem"),
    )
    .expect("key");
    std::fs::write(dir.join("sp-cert.pem"), key.cert_pem()).expect("cert");
}

/// Starts `candidate` beside a fresh AAF directory and judges it with
/// `entconf run --suite SSO`: the outcome of every check not skipped, and
/// the run's output.
fn judge_candidate(
    interpreter: &std::path::Path,
    candidate: &PeerCandidate<'_>,
    prepare: impl FnOnce(&std::path::Path),
) -> (
    std::collections::BTreeMap<String, String>,
    std::process::Output,
) {
    const BIN: &str = env!("CARGO_BIN_EXE_entconf");
    let dir = scratch(candidate.name);
    let aaf = dir.join("aaf");
    let generated = Command::new(BIN)
        .args(["aaf", "generate", "--out"])
        .arg(&aaf)
        .output()
        .expect("entconf runs");
    assert!(generated.status.success(), "{generated:?}");
    prepare(&dir);
    let (port, idp_port) = (free_port(), free_port());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("ci/peers")
        .join(candidate.script);
    let keys = dir.join("cles-idp");
    let (scheme, tls_lines) = if candidate.tls {
        SigningKey::idp_authority(Some(&keys), &SystemClock::new()).expect("test CA");
        ("https", "idp_tls = true\nidp_keys = \"cles-idp\"\n")
    } else {
        ("http", "")
    };
    let mut command = Command::new(interpreter);
    if candidate.tls {
        command.env("REQUESTS_CA_BUNDLE", keys.join(entconf::idp::CA_CERT_FILE));
    }
    let mut child = command
        .arg(&script)
        .arg(port.to_string())
        .args((candidate.args)(
            &format!("{scheme}://127.0.0.1:{idp_port}"),
            &dir,
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the candidate starts");
    let stdout = child.stdout.take().expect("stdout");
    let _candidate = Candidate(child);
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut ready)
        .expect("candidate output");
    assert_eq!(ready.trim(), "prêt", "{} did not start", candidate.script);
    let target = dir.join("cible.toml");
    std::fs::write(
        &target,
        format!(
            "id = \"{name}\"\nname = \"Candidat {name}\"\nbase_url = \"http://127.0.0.1:{port}/\"\n\
             [capabilities]\n{capabilities}\n\
             [sso]\nidp_listen = \"127.0.0.1:{idp_port}\"\naaf = \"aaf\"\nclient_id = \"{name}\"\n\
             client_secret = {{ env = \"ENTCONF_PEER_SECRET\" }}\n{tls_lines}{sso}\n\
             [browser]\nmode = \"off\"\n",
            name = candidate.name,
            capabilities = candidate.capabilities,
            sso = candidate.sso.replace("{port}", &port.to_string()),
        ),
    )
    .expect("target");
    let out = dir.join("rapports");
    let run = Command::new(BIN)
        .args(["run", "--target"])
        .arg(&target)
        .args(["--suite", "SSO", "--out"])
        .arg(&out)
        .env("ENTCONF_PEER_SECRET", PEER_SECRET)
        .output()
        .expect("entconf runs");
    let folder = std::fs::read_dir(&out)
        .expect("reports")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("results.json").exists())
        .unwrap_or_else(|| panic!("no report: {}", String::from_utf8_lossy(&run.stderr)));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("results.json")).expect("read"))
            .expect("json");
    let judged = record["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["outcome"] != "skip")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_owned(),
                c["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (judged, run)
}

/// The client secret the OpenID Connect peer candidate and the run share.
const PEER_SECRET: &str = "secret-du-candidat-pair";

fn outcomes(table: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    table
        .iter()
        .map(|(id, outcome)| ((*id).to_owned(), (*outcome).to_owned()))
        .collect()
}

/// A candidate ENT whose SSO is pysaml2 alone (`ci/peers/candidate_saml.py`),
/// judged by the SSO suite. Every verdict agrees with the library: it
/// passes all it really does (encrypted assertions included, and the ten
/// wrapping variants), and fails SSO-23, a true defect of pysaml2 7.5.2:
/// `verify_recipient` accepts any `Recipient` unless the application passes
/// `conv_info` to `parse_authn_request_response`, which its documented use
/// does not (IdentityPython/pysaml2 issue #769, open). It warns on SSO-28,
/// a should: it verifies RSA-SHA1 signatures, having no setting to restrict
/// the signature and digest algorithms it accepts (issue #421, open). The
/// three unknown-key forms of SSO-21 are refused, since pysaml2 runs xmlsec1
/// with only `raw-x509-cert` key data (its fix for CVE-2021-21239). An
/// unsolicited response is refused (SSO-09): `allow_unsolicited` is off,
/// pysaml2's default, and the target declares no `unsolicited_sso`.
#[test]
fn pysaml2_candidate_ent_is_judged_by_the_sso_suite() {
    let Some(python) = python() else { return };
    if xmlsec1().is_none() {
        return;
    }
    let candidate = PeerCandidate {
        name: "pysaml2",
        script: "candidate_saml.py",
        args: &saml_candidate_args,
        capabilities: "educonnect_saml_login = \"/auth/educonnect/saml\"\naccount_page = \"/compte\"",
        // The metadata is fetched by a host name only `[http] resolve`
        // knows: the harness's fetch goes through it, as every request.
        sso: "sp_metadata = \"http://sp.ent.test:{port}/auth/saml/metadata\"\n\
              [http]\nresolve = { \"sp.ent.test\" = \"127.0.0.1\" }",
        tls: false,
    };
    let (judged, run) = judge_candidate(&python, &candidate, sp_key_pair);
    let expected = outcomes(&[
        ("SSO-03", "pass"),
        ("SSO-09", "pass"),
        ("SSO-20", "pass"),
        ("SSO-21", "pass"),
        ("SSO-22", "pass"),
        ("SSO-23", "fail"),
        ("SSO-24", "pass"),
        ("SSO-25", "pass"),
        ("SSO-26", "pass"),
        ("SSO-27", "pass"),
        ("SSO-28", "warn"),
        ("SSO-29", "pass"),
    ]);
    assert_eq!(judged, expected, "{}", String::from_utf8_lossy(&run.stdout));
    assert_eq!(run.status.code(), Some(1), "a must failed: exit 1");
}

/// pysaml2 set as a deployment that takes logins EduConnect starts
/// (`allow_unsolicited`): the test ÉduConnect's unsolicited response is
/// one pysaml2 believes, so SSO-09 passes where the target declares
/// `unsolicited_sso` and warns (a login CSRF) where it does not. The
/// second run proves the first: the library did take the response.
#[test]
fn pysaml2_taking_unsolicited_responses_is_judged_by_its_declaration() {
    let Some(python) = python() else { return };
    if xmlsec1().is_none() {
        return;
    }
    let args = |idp: &str, dir: &std::path::Path| {
        let mut args = saml_candidate_args(idp, dir);
        args.push("--unsolicited".to_owned());
        args
    };
    for (declared, expected) in [(true, "pass"), (false, "warn")] {
        let sso = format!(
            "sp_metadata = \"http://127.0.0.1:{{port}}/auth/saml/metadata\"\nunsolicited_sso = {declared}"
        );
        let candidate = PeerCandidate {
            name: "pysaml2-non-sollicite",
            script: "candidate_saml.py",
            args: &args,
            capabilities: "educonnect_saml_login = \"/auth/educonnect/saml\"\naccount_page = \"/compte\"",
            sso: &sso,
            tls: false,
        };
        let (judged, run) = judge_candidate(&python, &candidate, sp_key_pair);
        assert_eq!(
            judged.get("SSO-09").map(String::as_str),
            Some(expected),
            "declared: {declared}\n{}",
            String::from_utf8_lossy(&run.stdout)
        );
    }
}

/// node, with node-saml installed in `ci/peers/node` by `ci/peers.sh`.
fn node_saml() -> Option<PathBuf> {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("ci/peers/node/node_modules/@node-saml/node-saml/package.json")
        .exists();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        Some(PathBuf::from("node"))
    } else {
        let _ = skip_allowed("node-saml (ci/peers/node, `bash ci/peers.sh`)");
        None
    }
}

/// A candidate ENT whose SSO is node-saml alone
/// (`ci/peers/node/candidate_node_saml.mjs`), with encrypted assertions,
/// judged by the SSO suite. Every verdict agrees with the library: all ten
/// wrapping variants and the three unknown-key forms are refused, and its
/// three findings are true defects of node-saml 5.1.0:
/// - SSO-23: `Recipient` is never compared with the consumer URL
///   (node-saml/node-saml#405, open; passport-saml#509 before the split);
/// - SSO-24: `Destination` is never read on a received response
///   (node-saml/node-saml#437, open);
/// - SSO-28 (a should): RSA-SHA1 is verified, since node-saml builds
///   xml-crypto's `SignedXml` with its default algorithms, SHA-1 included,
///   and has no option to narrow them (lib/xml.js).
///
/// An unsolicited response is refused (SSO-09): the candidate sets
/// `validateInResponseTo: always`, so a response without `InResponseTo`
/// fails node-saml's own check.
#[test]
fn node_saml_candidate_ent_is_judged_by_the_sso_suite() {
    let Some(node) = node_saml() else { return };
    let candidate = PeerCandidate {
        name: "node-saml",
        script: "node/candidate_node_saml.mjs",
        args: &saml_candidate_args,
        capabilities: "educonnect_saml_login = \"/auth/educonnect/saml\"\naccount_page = \"/compte\"",
        sso: "sp_metadata = \"http://127.0.0.1:{port}/auth/saml/metadata\"",
        tls: false,
    };
    let (judged, run) = judge_candidate(&node, &candidate, sp_key_pair);
    let expected = outcomes(&[
        ("SSO-03", "pass"),
        ("SSO-09", "pass"),
        ("SSO-20", "pass"),
        ("SSO-21", "pass"),
        ("SSO-22", "pass"),
        ("SSO-23", "fail"),
        ("SSO-24", "fail"),
        ("SSO-25", "pass"),
        ("SSO-26", "pass"),
        ("SSO-27", "pass"),
        ("SSO-28", "warn"),
        ("SSO-29", "pass"),
    ]);
    assert_eq!(judged, expected, "{}", String::from_utf8_lossy(&run.stdout));
    assert_eq!(run.status.code(), Some(1), "a must failed: exit 1");
}

/// A candidate ENT whose SSO is Authlib alone (`ci/peers/candidate_oidc.py`),
/// judged by the SSO suite, its profile chooser drawn as buttons. Every
/// verdict agrees with the library: it fails SSO-11 only, a true defect of
/// Authlib 1.6.5: its default `authlib.jose.jwt` accepts `alg: none`, which
/// Authlib removed later (authlib/authlib pull request #860, merged
/// 2026-02-14, after the version pinned here).
#[test]
fn authlib_candidate_ent_is_judged_by_the_sso_suite() {
    let Some(python) = python() else { return };
    let candidate = PeerCandidate {
        name: "authlib",
        script: "candidate_oidc.py",
        args: &|idp, dir| {
            vec![
                format!("{idp}{EDUCONNECT_PATH}"),
                "authlib".to_owned(),
                PEER_SECRET.to_owned(),
                dir.join("aaf").display().to_string(),
            ]
        },
        capabilities: "educonnect_oidc_login = \"/auth/educonnect\"\naccount_page = \"/compte\"\n\
                       logout = \"/auth/deconnexion\"",
        // Registered as EduConnect registers a client: its one redirect URI.
        sso: "redirect_uris = [\"http://127.0.0.1:{port}/auth/oidc/callback\"]",
        tls: true,
    };
    let (judged, run) = judge_candidate(&python, &candidate, |_| {});
    let expected = outcomes(&[
        ("SSO-01", "pass"),
        ("SSO-02", "pass"),
        ("SSO-05", "pass"),
        ("SSO-06", "pass"),
        ("SSO-07", "pass"),
        ("SSO-08", "pass"),
        ("SSO-10", "pass"),
        ("SSO-11", "fail"),
        ("SSO-12", "pass"),
        ("SSO-13", "pass"),
        ("SSO-14", "pass"),
        ("SSO-15", "pass"),
        ("SSO-16", "pass"),
        ("SSO-17", "pass"),
        ("SSO-18", "pass"),
        ("SSO-19", "pass"),
        ("SSO-30", "pass"),
        ("SSO-31", "pass"),
        ("SSO-32", "pass"),
        ("SSO-33", "pass"),
    ]);
    let report = String::from_utf8_lossy(&run.stdout);
    assert_eq!(judged, expected, "{report}");
    assert_eq!(run.status.code(), Some(1), "a must failed: exit 1");
    // Of SSO-11's family only `alg: none` gets in: Authlib refuses an HS256
    // token checked against an RSA key (algorithm confusion).
    assert!(report.contains("malgré : alg none"), "{report}");
    assert!(!report.contains("confusion d'algorithme"), "{report}");
}

/// The IdPs in TLS under the test CA, as Python's `ssl` (OpenSSL, with the
/// strict X.509 checks Python 3.13 turns on by default) sees them: trusted
/// through the CA alone, refused without it, and the refusal kept by the
/// IdPs for the diagnosis. The test ÉduConnect also refuses a redirect URI
/// the candidate did not register, with an error page and no redirect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idps_tls_is_trusted_through_the_test_ca_alone_and_redirect_uris_are_enforced() {
    let Some(python) = python() else { return };
    let clock: Arc<dyn entconf::evidence::Clock> = Arc::new(SystemClock::new());
    let dir = scratch("idp-tls");
    let authority = SigningKey::idp_authority(Some(&dir), clock.as_ref()).expect("test CA");
    let settings = entconf::idp::IdpSettings {
        public_url: reqwest::Url::parse("https://127.0.0.1/").expect("url"),
        client_id: CLIENT_ID.to_owned(),
        client_secret: SECRET.to_owned(),
        redirect_uris: entconf::idp::Redirects::Registered(vec![
            "https://ent.test/auth/oidc/callback".to_owned(),
        ]),
        saml: entconf::idp::SamlSettings::default(),
    };
    let (running, world) = entconf::sso::launch(
        std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)),
        settings,
        false,
        SigningKey::generate("tests", clock.as_ref()).expect("key"),
        Some(authority),
        entconf::aaf::generate(&entconf::aaf::GenerateOptions::default()),
        clock,
    )
    .await
    .expect("IdPs start");
    assert_eq!(world.public_url.scheme(), "https");
    let discovery = format!(
        "https://{}{EDUCONNECT_PATH}/.well-known/openid-configuration",
        running.addr()
    );
    let fetch = |cafile: Option<PathBuf>| {
        let python = python.clone();
        let discovery = discovery.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(python)
                    .args([
                        "-c",
                        "import ssl, sys, urllib.request\n\
                         ctx = ssl.create_default_context(cafile=sys.argv[2] or None)\n\
                         ctx.verify_flags |= ssl.VERIFY_X509_STRICT\n\
                         print(urllib.request.urlopen(sys.argv[1], context=ctx).read().decode())",
                        &discovery,
                    ])
                    .arg(cafile.map(|p| p.display().to_string()).unwrap_or_default())
                    .output()
                    .expect("python runs")
            })
            .await
            .expect("join")
        }
    };
    let trusted = fetch(Some(dir.join(entconf::idp::CA_CERT_FILE))).await;
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    let document: serde_json::Value =
        serde_json::from_slice(&trusted.stdout).expect("discovery JSON");
    assert!(
        document["issuer"]
            .as_str()
            .is_some_and(|issuer| issuer.starts_with("https://")),
        "{document}"
    );
    assert_eq!(world.idp.failed_handshake_count(), 0);
    let distrusted = fetch(None).await;
    assert!(!distrusted.status.success());
    assert!(
        String::from_utf8_lossy(&distrusted.stderr).contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        String::from_utf8_lossy(&distrusted.stderr)
    );
    // The server may note the broken-off handshake a moment after the
    // client gave up.
    for _ in 0..50 {
        if world.idp.failed_handshake_count() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(world.idp.failed_handshakes_since(0).len(), 1);
    // A redirect URI the candidate did not register: an error page, as
    // EduConnect shows, and no redirect toward it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca =
        reqwest::Certificate::from_pem(world.idp.authority().expect("CA").cert_pem().as_bytes())
            .expect("CA");
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (uri, registered) in [
        ("https://ent.test/auth/oidc/callback", true),
        ("https://evil.test/auth/oidc/callback", false),
    ] {
        let mut url = reqwest::Url::parse(&format!(
            "https://{}{EDUCONNECT_PATH}/profile/oidc/authorize",
            running.addr()
        ))
        .expect("url");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CLIENT_ID)
            .append_pair("scope", "openid")
            .append_pair("redirect_uri", uri)
            .append_pair("state", "s")
            .append_pair("nonce", "n");
        let answer = client.get(url).send().await.expect("authorize answers");
        let status = answer.status();
        let body = answer.text().await.expect("body");
        assert_eq!(
            body.contains("redirect_uri non enregistré"),
            !registered,
            "{uri}: {status} {body}"
        );
        if !registered {
            assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{body}");
        }
    }
}

/// Runs `check` alone against the reference ENT with `faults`: whether
/// each of its assertions held, in the suite's order, and the record.
async fn assertions_held(
    faults: &[Fault],
    check: &str,
) -> (Vec<bool>, entconf::report::CheckRecord) {
    let selection = entconf::runner::Selection {
        checks: vec![check.to_owned()],
        ..entconf::runner::Selection::default()
    };
    let record = super::support::run_selected(faults, 2, &selection).await;
    let found = record
        .checks
        .into_iter()
        .find(|c| c.id == check)
        .unwrap_or_else(|| panic!("{check} ran"));
    let held = found
        .assertions
        .iter()
        .map(|a| a.status == entconf::check::AssertionStatus::Passed)
        .collect();
    (held, found)
}

/// The MDN HTTP Observatory's command-line scanner, installed in
/// `ci/peers/observatory` by `ci/peers.sh`.
fn observatory() -> Option<PathBuf> {
    let scanner = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("ci/peers/observatory/node_modules/@mdn/mdn-http-observatory/bin/wrapper.js");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if scanner.exists() && node {
        Some(scanner)
    } else {
        let _ = skip_allowed("MDN HTTP Observatory (ci/peers/observatory, `bash ci/peers.sh`)");
        None
    }
}

/// The Observatory's tests that SEC-04's four assertions stand beside, in
/// the suite's order (scripts, nosniff, frames, referrer).
const OBSERVATORY_TESTS: [&str; 4] = [
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
];

/// Scans `host:port` and gives, for each of [`OBSERVATORY_TESTS`], whether
/// it passed and its result name.
fn observatory_scan(scanner: &std::path::Path, address: &str) -> Vec<(bool, String)> {
    let output = Command::new("node")
        .arg(scanner)
        .arg(address)
        .output()
        .expect("node runs the Observatory scanner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("Observatory: not JSON ({e}): {stdout}"));
    assert!(
        output.status.success() && report["error"].is_null(),
        "Observatory failed: {stdout}"
    );
    OBSERVATORY_TESTS
        .iter()
        .map(|test| {
            let found = &report["tests"][*test];
            (
                found["pass"].as_bool().expect("pass is a boolean"),
                found["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The MDN HTTP Observatory (`@mdn/mdn-http-observatory` 1.4.8, Mozilla's
/// scanner) and SEC-04 read the reference ENT's headers, clean and with each
/// header fault: on the home page the scanner grades, they agree test by
/// test. Their rules differ on purpose in three places, which no reference
/// ENT variant here exercises (the judge's unit tests pin our side):
/// - `Referrer-Policy: origin` or `origin-when-cross-origin` is
///   `referrer-policy-unsafe` for the Observatory; SEC-04 passes it, since
///   neither sends a path (what ASVS V14.4.6 and the issue ask about);
/// - `X-Frame-Options: ALLOW-FROM` passes the Observatory; current browsers
///   ignore it, so SEC-04 fails it. A `frame-ancestors *` passes the
///   Observatory (any `frame-ancestors` does); SEC-04 fails it;
/// - a CSP without `object-src` (nor `default-src`) is `unsafe-inline` for
///   the Observatory; SEC-04 does not ask for `object-src`, since no
///   current browser runs plugins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mdn_observatory_and_sec_04_agree_on_the_security_headers() {
    let Some(scanner) = observatory() else {
        return;
    };
    // Which of scripts, nosniff, frames, referrer hold.
    let cases: [(Option<Fault>, [bool; 4]); 6] = [
        (None, [true, true, true, true]),
        (Some(Fault::CspMissing), [false, true, true, true]),
        (Some(Fault::CspUnsafeInline), [false, true, true, true]),
        (Some(Fault::NosniffMissing), [true, false, true, true]),
        (
            Some(Fault::FrameProtectionMissing),
            [true, true, false, true],
        ),
        (
            Some(Fault::ReferrerPolicyUnsafeUrl),
            [true, true, true, false],
        ),
    ];
    for (fault, expected) in cases {
        let faults: Vec<Fault> = fault.into_iter().collect();
        let name = fault.map_or("aucun défaut", Fault::name);
        let (ours, check) = assertions_held(&faults, "SEC-04").await;
        let server = ent_server::spawn(ent_server::ServerConfig {
            faults: faults.iter().copied().collect(),
            ..ent_server::ServerConfig::default()
        })
        .await
        .expect("reference ENT starts");
        let address = server.addr().to_string();
        let scanner = scanner.clone();
        let theirs = tokio::task::spawn_blocking(move || observatory_scan(&scanner, &address))
            .await
            .expect("scan finished");
        server.shutdown();
        let theirs_passed: Vec<bool> = theirs.iter().map(|(pass, _)| *pass).collect();
        assert_eq!(ours, expected, "{name}: SEC-04 {check:?}");
        assert_eq!(
            theirs_passed, expected,
            "{name}: Observatory {theirs:?} ({OBSERVATORY_TESTS:?})"
        );
    }
}

/// testssl.sh (Debian's `testssl.sh`, 3.0), the scanner reviewers run on
/// a TLS endpoint; `None` (with the CI check) when it is not installed.
fn testssl() -> Option<PathBuf> {
    let found = ["/usr/bin/testssl", "/usr/bin/testssl.sh"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        let _ = skip_allowed("testssl.sh (Debian, `bash ci/deps.sh`)");
    }
    found
}

/// testssl.sh's findings on `address`, trusting `ca` (PEM file): its JSON
/// findings, by id, as (severity, finding).
fn testssl_scan(
    scanner: &std::path::Path,
    address: &str,
    ca: &std::path::Path,
) -> std::collections::BTreeMap<String, (String, String)> {
    let json = std::env::temp_dir().join(format!(
        "entconf-testssl-{}-{}.json",
        std::process::id(),
        address.replace([':', '.'], "-")
    ));
    let _ = std::fs::remove_file(&json);
    // Protocols, cipher categories, server defaults (certificate), headers.
    let output = Command::new(scanner)
        .args(["--quiet", "--color", "0", "--warnings", "off", "--add-ca"])
        .arg(ca)
        .arg("--jsonfile")
        .arg(&json)
        .args(["-p", "-s", "-S", "-h", address])
        .output()
        .expect("testssl.sh runs");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!(
            "testssl.sh wrote no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let _ = std::fs::remove_file(&json);
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&text).expect("testssl.sh JSON is a list of findings");
    findings
        .iter()
        .filter_map(|f| {
            Some((
                f["id"].as_str()?.to_owned(),
                (
                    f["severity"].as_str().unwrap_or_default().to_owned(),
                    f["finding"].as_str().unwrap_or_default().to_owned(),
                ),
            ))
        })
        .collect()
}

/// What testssl.sh's findings say of SEC-01's last four rules (hsts,
/// protocols, suites, certificate): whether each holds.
fn testssl_verdicts(found: &std::collections::BTreeMap<String, (String, String)>) -> [bool; 4] {
    let finding = |id: &str| found.get(id).map_or("", |(_, f)| f.as_str());
    let severity = |id: &str| found.get(id).map_or("", |(s, _)| s.as_str());
    let not_offered = |id: &str| finding(id).starts_with("not offered");
    let hsts = severity("HSTS_time") == "OK";
    let protocols = not_offered("TLS1") && not_offered("TLS1_1") && !not_offered("TLS1_2");
    // testssl.sh files the CBC suites under "AVERAGE" (and 3DES, RC4,
    // export and null suites under their own): none may be offered.
    let suites = [
        "cipherlist_NULL",
        "cipherlist_aNULL",
        "cipherlist_EXPORT",
        "cipherlist_LOW",
        "cipherlist_3DES_IDEA",
        "cipherlist_AVERAGE",
    ]
    .iter()
    .all(|id| not_offered(id));
    let certificate = severity("cert_chain_of_trust") == "OK"
        && severity("cert_trust") == "OK"
        && finding("cert_keySize")
            .split_whitespace()
            .nth(1)
            .and_then(|bits| bits.parse::<u32>().ok())
            .is_some_and(|bits| bits >= 2048);
    [hsts, protocols, suites, certificate]
}

/// testssl.sh and SEC-01 read the reference ENT's HTTPS, clean and with
/// each TLS fault, and agree on HSTS, protocol versions, TLS 1.2 suites
/// and the certificate. Two differences, by design, that no variant here
/// exercises:
/// - testssl.sh grades HSTS at 180 days (15,552,000 s); SEC-01 asks for
///   ASVS's 182 (15,724,800 s): a `max-age` between the two passes
///   testssl.sh and fails SEC-01;
/// - testssl.sh files static-RSA suites with AES-GCM as "strong"; SEC-01
///   fails them, since they have no forward secrecy (the ANSSI guide).
///
/// testssl.sh does not ask the plain-HTTP address: SEC-01's `redirect`
/// stands beside curl's view of the same answer instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testssl_and_sec_01_agree_on_the_tls_set_up() {
    let Some(scanner) = testssl() else {
        return;
    };
    // Which of redirect, hsts, protocols, suites, certificate hold.
    let cases: [(Option<Fault>, [bool; 5]); 5] = [
        (None, [true, true, true, true, true]),
        (
            Some(Fault::TlsOldVersions),
            [true, true, false, false, true],
        ),
        (Some(Fault::TlsCbcSuites), [true, true, true, false, true]),
        (Some(Fault::NoHsts), [true, false, true, true, true]),
        (Some(Fault::HttpNoRedirect), [false, true, true, true, true]),
    ];
    // The reference ENT's certificate, as the demo makes it.
    let (certificate, ca) =
        entconf::demo::ent_certificate(&SystemClock::new()).expect("certificate");
    let ca_file =
        std::env::temp_dir().join(format!("entconf-testssl-ca-{}.pem", std::process::id()));
    let ca_pem = openssl::x509::X509::from_der(&ca)
        .and_then(|c| c.to_pem())
        .expect("CA PEM");
    std::fs::write(&ca_file, ca_pem).expect("CA file");
    for (fault, expected) in cases {
        let faults: Vec<Fault> = fault.into_iter().collect();
        let name = fault.map_or("aucun défaut", Fault::name);
        let (ours, check) = assertions_held(&faults, "SEC-01").await;
        assert_eq!(ours, expected, "{name}: SEC-01 {check:?}");
        let server = ent_server::spawn(ent_server::ServerConfig {
            faults: faults.iter().copied().collect(),
            tls: Some(certificate.clone()),
            ..ent_server::ServerConfig::default()
        })
        .await
        .expect("reference ENT starts");
        let address = server.addr().to_string();
        let plain = server.plain_url().expect("plain listener");
        let (scanner, ca) = (scanner.clone(), ca_file.clone());
        let found = tokio::task::spawn_blocking(move || testssl_scan(&scanner, &address, &ca))
            .await
            .expect("scan finished");
        // curl, for the plain-HTTP address testssl.sh does not ask.
        let curl = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
            ])
            .arg(format!("{plain}/"))
            .output()
            .expect("curl runs");
        let curl = String::from_utf8_lossy(&curl.stdout).into_owned();
        server.shutdown();
        let redirect = curl.starts_with("301 https://");
        let theirs = testssl_verdicts(&found);
        let theirs = [redirect, theirs[0], theirs[1], theirs[2], theirs[3]];
        assert_eq!(
            theirs, expected,
            "{name}: testssl.sh and curl ({curl}) {found:?}"
        );
    }
    let _ = std::fs::remove_file(&ca_file);
}
