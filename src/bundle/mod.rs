//! Certification bundles: one zip a GTCN reviewer can file and trust.
//!
//! A bundle holds a run's reports (results.json, index.html, junit.xml,
//! evidence/), a `CERTIFICATION.json` that says whether the run may support
//! a certification and why not, and `MANIFEST.sha256` listing every other
//! file with its SHA-256. `sign` adds a detached ed25519 signature of the
//! manifest and the public key; `verify` recomputes every hash and the
//! signature and names the first file that differs; `review` records a
//! reviewer's decisions in `REVIEW.json` of a new, re-signed bundle, never
//! touching the automated results.
//!
//! Bundles read here may come from anyone: entries are read in memory with
//! bounded sizes, names are checked (no absolute path, no `..`), nothing is
//! extracted to disk.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::check::Outcome;
use crate::report::{RunRecord, SuiteInfo};
use crate::suite::{Severity, hex};

/// The manifest of every other file.
pub const MANIFEST: &str = "MANIFEST.sha256";
/// Detached ed25519 signature of the manifest (hex).
pub const SIGNATURE: &str = "MANIFEST.sha256.sig";
/// Public key that made the signature (hex).
pub const PUBLIC_KEY: &str = "PUBLIC_KEY.ed25519";
/// Whether the run may support a certification.
pub const CERTIFICATION: &str = "CERTIFICATION.json";
/// Reviewers' decisions.
pub const REVIEW: &str = "REVIEW.json";

/// Largest bundle entry read (evidence transcripts are bounded well below).
const MAX_ENTRY: u64 = 64 << 20;
/// Largest total read.
const MAX_TOTAL: u64 = 512 << 20;
/// Most entries read.
const MAX_ENTRIES: usize = 100_000;

/// Problems with a bundle or a key.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{path} : {reason}")]
    Io {
        /// Path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The archive is not a readable zip, or breaks a bound.
    #[error("archive illisible : {0}")]
    Archive(String),
    /// A key file is not a hex ed25519 key.
    #[error("clé {path} invalide : {reason}")]
    Key {
        /// Path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A review names a check the run does not have.
    #[error("vérification inconnue dans ce paquet : {0}")]
    UnknownCheck(String),
}

fn io(path: &Path, error: &std::io::Error) -> BundleError {
    BundleError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// Whether a run may support a certification, and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certification {
    /// `entconf-certification`.
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Run id.
    pub run_id: String,
    /// Harness version and commit.
    pub harness: String,
    /// Target id, name, URL.
    pub target: String,
    /// SHA-256 of the target description (it holds references to secrets,
    /// never their values).
    pub target_description_sha256: String,
    /// Each suite file and its SHA-256.
    pub suites: Vec<SuiteInfo>,
    /// Start of the run.
    pub started_at: DateTime<Utc>,
    /// End of the run.
    pub finished_at: DateTime<Utc>,
    /// True only when every `must` check ran and passed (or awaits review).
    pub certifiable: bool,
    /// Why not (French), one line per reason.
    pub reasons: Vec<String>,
}

/// Judges a finished run for certification.
pub fn certification(record: &RunRecord) -> Certification {
    let mut reasons = Vec::new();
    if !record.options.selection.is_empty() || record.options.shard.is_some() {
        reasons.push(format!(
            "exécution partielle ({}) : une certification porte sur toutes les vérifications",
            record
                .options
                .selection
                .iter()
                .cloned()
                .chain(record.options.shard.iter().map(|s| format!("--shard {s}")))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if record.interrupted {
        reasons.push("exécution interrompue avant la fin".to_owned());
    }
    if !record.options.demo_faults.is_empty() {
        reasons.push("ENT de démonstration avec défauts injectés".to_owned());
    }
    for check in record
        .checks
        .iter()
        .filter(|c| c.severity == Severity::Must)
    {
        let why = match check.outcome {
            Outcome::Fail => "échec",
            Outcome::Error => "erreur d'évaluation",
            Outcome::Skip => "non exécutée",
            Outcome::Waived => "échec couvert par une dérogation",
            _ => continue,
        };
        reasons.push(format!("{} (obligatoire) : {why}", check.id));
    }
    let harness = match &record.harness.commit {
        Some(commit) => format!("entconf {} ({commit})", record.harness.version),
        None => format!("entconf {}", record.harness.version),
    };
    Certification {
        format: "entconf-certification".to_owned(),
        version: 1,
        run_id: record.run_id.clone(),
        harness,
        target: format!(
            "{} — {} ({})",
            record.target.id, record.target.name, record.target.base_url
        ),
        target_description_sha256: record.target.description_sha256.clone(),
        suites: record.suites.clone(),
        started_at: record.started_at,
        finished_at: record.finished_at,
        certifiable: reasons.is_empty(),
        reasons,
    }
}

/// A bundle in memory: entry name → bytes, in name order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// The entries.
    pub entries: BTreeMap<String, Vec<u8>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Bundle {
    /// The manifest of every entry but the manifest, signature and key.
    fn manifest(&self) -> String {
        self.entries
            .iter()
            .filter(|(name, _)| ![MANIFEST, SIGNATURE, PUBLIC_KEY].contains(&name.as_str()))
            .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
            .collect()
    }

    /// Recomputes the manifest and drops any signature.
    fn seal(&mut self) {
        self.entries.remove(SIGNATURE);
        self.entries.remove(PUBLIC_KEY);
        let manifest = self.manifest();
        self.entries
            .insert(MANIFEST.to_owned(), manifest.into_bytes());
    }

    /// Signs the manifest with `key`.
    pub fn sign(&mut self, key: &SigningKey) {
        self.seal();
        let manifest = self.entries.get(MANIFEST).cloned().unwrap_or_default();
        let signature = key.sign(&manifest);
        self.entries.insert(
            SIGNATURE.to_owned(),
            hex(&signature.to_bytes()).into_bytes(),
        );
        self.entries.insert(
            PUBLIC_KEY.to_owned(),
            hex(key.verifying_key().as_bytes()).into_bytes(),
        );
    }

    /// The zip file in canonical form: entries in name order, stored
    /// uncompressed, fixed timestamps. The same content always gives the
    /// same bytes, whatever compression library a later version links, so
    /// `verify_file` can demand that a bundle be exactly that.
    pub fn to_zip(&self) -> Result<Vec<u8>, BundleError> {
        let archive = |e: zip::result::ZipError| BundleError::Archive(e.to_string());
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default());
        for (name, bytes) in &self.entries {
            writer.start_file(name.as_str(), options).map_err(archive)?;
            writer
                .write_all(bytes)
                .map_err(|e| BundleError::Archive(e.to_string()))?;
        }
        Ok(writer.finish().map_err(archive)?.into_inner())
    }

    /// Writes the zip to `path`.
    pub fn save(&self, path: &Path) -> Result<(), BundleError> {
        std::fs::write(path, self.to_zip()?).map_err(|e| io(path, &e))
    }

    /// Reads a zip, within bounds.
    pub fn from_zip(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| BundleError::Archive(e.to_string()))?;
        if archive.len() > MAX_ENTRIES {
            return Err(BundleError::Archive(format!(
                "{} entrées (au plus {MAX_ENTRIES})",
                archive.len()
            )));
        }
        let mut entries = BTreeMap::new();
        let mut total = 0u64;
        for index in 0..archive.len() {
            let mut file = archive
                .by_index(index)
                .map_err(|e| BundleError::Archive(e.to_string()))?;
            if file.is_dir() {
                continue;
            }
            let name = file
                .name()
                .map_err(|e| BundleError::Archive(e.to_string()))?
                .into_owned();
            if name.starts_with('/') || name.split(['/', '\\']).any(|part| part == "..") {
                return Err(BundleError::Archive(format!(
                    "nom d'entrée refusé : {name}"
                )));
            }
            let mut bytes = Vec::new();
            let read = (&mut file)
                .take(MAX_ENTRY + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| BundleError::Archive(format!("{name} : {e}")))?;
            total += read as u64;
            if read as u64 > MAX_ENTRY || total > MAX_TOTAL {
                return Err(BundleError::Archive(format!(
                    "{name} : taille décompressée au-delà des limites ({MAX_ENTRY} octets par entrée, {MAX_TOTAL} au total)"
                )));
            }
            if entries.insert(name.clone(), bytes).is_some() {
                return Err(BundleError::Archive(format!("entrée en double : {name}")));
            }
        }
        Ok(Self { entries })
    }

    /// Reads a bundle file.
    pub fn open(path: &Path) -> Result<Self, BundleError> {
        let bytes = std::fs::read(path).map_err(|e| io(path, &e))?;
        Self::from_zip(&bytes)
    }
}

/// Builds the bundle of a run from its report folder (results.json,
/// index.html, junit.xml, evidence/) and the record.
pub fn create(folder: &Path, record: &RunRecord) -> Result<Bundle, BundleError> {
    let mut bundle = Bundle::default();
    for name in ["results.json", "index.html", "junit.xml"] {
        let path = folder.join(name);
        let bytes = std::fs::read(&path).map_err(|e| io(&path, &e))?;
        bundle.entries.insert(name.to_owned(), bytes);
    }
    let evidence = folder.join("evidence");
    if evidence.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&evidence)
            .map_err(|e| io(&evidence, &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for path in files {
            let name = format!(
                "evidence/{}",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            let bytes = std::fs::read(&path).map_err(|e| io(&path, &e))?;
            bundle.entries.insert(name, bytes);
        }
    }
    let certification = serde_json::to_vec_pretty(&certification(record))
        .map_err(|e| BundleError::Archive(e.to_string()))?;
    bundle
        .entries
        .insert(CERTIFICATION.to_owned(), certification);
    bundle.seal();
    Ok(bundle)
}

/// The signature's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureState {
    /// No signature in the bundle.
    Absent,
    /// Valid; `trusted` when it was made by the key the verifier expected.
    Valid {
        /// Public key, hex.
        key: String,
        /// Matches the expected key.
        trusted: bool,
    },
    /// Present but does not verify (or was made by another key than expected).
    Invalid(String),
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The first file that differs from the manifest (or is missing from
    /// it, or listed but absent), if any.
    pub first_difference: Option<String>,
    /// The signature.
    pub signature: SignatureState,
}

impl Verification {
    /// Intact and signed by the expected key (or by the embedded key when
    /// none was expected).
    pub fn is_valid(&self) -> bool {
        self.first_difference.is_none() && matches!(self.signature, SignatureState::Valid { .. })
    }
}

/// Verifies a bundle file: its content as [`verify`] does, and that the
/// archive is byte for byte the canonical encoding of that content, so that
/// a byte changed anywhere — even in zip metadata no reader uses — fails.
pub fn verify_file(
    bytes: &[u8],
    expected: Option<&VerifyingKey>,
) -> Result<Verification, BundleError> {
    let bundle = Bundle::from_zip(bytes)?;
    let mut verification = verify(&bundle, expected);
    if verification.first_difference.is_none() && bundle.to_zip()? != bytes {
        verification.first_difference = Some(
            "structure de l'archive (octets modifiés hors des fichiers : ce n'est plus l'archive écrite par entconf)"
                .to_owned(),
        );
    }
    Ok(verification)
}

/// Recomputes every hash and the signature.
pub fn verify(bundle: &Bundle, expected: Option<&VerifyingKey>) -> Verification {
    let manifest = bundle
        .entries
        .get(MANIFEST)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned());
    let first_difference = match &manifest {
        None => Some(format!("{MANIFEST} (absent)")),
        Some(listed) => first_difference(bundle, listed),
    };
    let signature = match (
        bundle.entries.get(SIGNATURE),
        bundle.entries.get(PUBLIC_KEY),
    ) {
        (None, _) => SignatureState::Absent,
        (Some(signature), key) => check_signature(
            manifest.as_deref().unwrap_or("").as_bytes(),
            signature,
            key.map(Vec::as_slice),
            expected,
        ),
    };
    Verification {
        first_difference,
        signature,
    }
}

fn first_difference(bundle: &Bundle, manifest: &str) -> Option<String> {
    let mut listed = BTreeMap::new();
    for line in manifest.lines() {
        let Some((digest, name)) = line.split_once("  ") else {
            return Some(format!("{MANIFEST} (ligne illisible : {line})"));
        };
        listed.insert(name.to_owned(), digest.to_owned());
    }
    for (name, bytes) in &bundle.entries {
        if [MANIFEST, SIGNATURE, PUBLIC_KEY].contains(&name.as_str()) {
            continue;
        }
        match listed.get(name) {
            None => return Some(format!("{name} (absent du manifeste)")),
            Some(digest) if *digest != sha256_hex(bytes) => {
                return Some(format!("{name} (empreinte différente)"));
            }
            Some(_) => {}
        }
    }
    listed
        .keys()
        .find(|name| !bundle.entries.contains_key(*name))
        .map(|name| format!("{name} (listé mais absent)"))
}

fn check_signature(
    manifest: &[u8],
    signature: &[u8],
    embedded: Option<&[u8]>,
    expected: Option<&VerifyingKey>,
) -> SignatureState {
    let Some(signature) = parse_hex::<64>(signature).map(|b| Signature::from_bytes(&b)) else {
        return SignatureState::Invalid("signature illisible".to_owned());
    };
    let embedded = match embedded {
        None => None,
        Some(raw) => match parse_hex::<32>(raw).and_then(|b| VerifyingKey::from_bytes(&b).ok()) {
            Some(key) => Some(key),
            None => {
                return SignatureState::Invalid(
                    "clé publique jointe au paquet illisible".to_owned(),
                );
            }
        },
    };
    if let (Some(expected), Some(embedded)) = (expected, embedded)
        && expected != &embedded
    {
        return SignatureState::Invalid(
            "la clé publique jointe au paquet n'est pas la clé attendue".to_owned(),
        );
    }
    if expected.is_none() && embedded.is_none() {
        return SignatureState::Invalid("clé publique jointe illisible ou absente".to_owned());
    }
    let Some(key) = expected.copied().or(embedded) else {
        return SignatureState::Invalid("aucune clé publique pour vérifier".to_owned());
    };
    if key.verify(manifest, &signature).is_err() {
        return SignatureState::Invalid(if expected.is_some() {
            "la signature n'est pas celle de la clé attendue, ou le manifeste a changé".to_owned()
        } else {
            "le manifeste ne correspond pas à sa signature".to_owned()
        });
    }
    SignatureState::Valid {
        key: hex(key.as_bytes()),
        trusted: expected.is_some(),
    }
}

fn parse_hex<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    let text = std::str::from_utf8(bytes).ok()?.trim_end_matches('\n');
    // Canonical lower-case hex only: any changed byte must be a different key.
    if text.len() != N * 2 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A reviewer's decision on a `review` check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Check id.
    pub check: String,
    /// `pass` or `fail`.
    pub decision: String,
    /// The reviewer's note.
    pub note: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// Records decisions in a copy of `bundle` (REVIEW.json keeps earlier ones),
/// sealed and signed by `key`.
pub fn review(
    bundle: &Bundle,
    decisions: &[(String, bool)],
    note: &str,
    at: DateTime<Utc>,
    key: &SigningKey,
) -> Result<Bundle, BundleError> {
    let record: RunRecord = bundle
        .entries
        .get("results.json")
        .and_then(|b| crate::report::from_json(&String::from_utf8_lossy(b)).ok())
        .ok_or_else(|| BundleError::Archive("results.json absent ou illisible".to_owned()))?;
    let mut recorded: Vec<Decision> = bundle
        .entries
        .get(REVIEW)
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    for (check, pass) in decisions {
        if !record.checks.iter().any(|c| &c.id == check) {
            return Err(BundleError::UnknownCheck(check.clone()));
        }
        recorded.push(Decision {
            check: check.clone(),
            decision: if *pass { "pass" } else { "fail" }.to_owned(),
            note: note.to_owned(),
            at,
        });
    }
    let mut copy = bundle.clone();
    copy.entries.insert(
        REVIEW.to_owned(),
        serde_json::to_vec_pretty(&recorded).map_err(|e| BundleError::Archive(e.to_string()))?,
    );
    copy.sign(key);
    Ok(copy)
}

/// A new signing key from the OS generator; the private half goes to
/// `secret` (hex, mode 0600), the public half to `public` (hex).
pub fn keygen(secret: &Path, public: &Path) -> Result<VerifyingKey, BundleError> {
    let mut seed = [0u8; 32];
    openssl::rand::rand_bytes(&mut seed).map_err(|e| BundleError::Key {
        path: secret.display().to_string(),
        reason: e.to_string(),
    })?;
    let key = SigningKey::from_bytes(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(secret).map_err(|e| io(secret, &e))?;
    file.write_all(format!("{}\n", hex(&seed)).as_bytes())
        .map_err(|e| io(secret, &e))?;
    std::fs::write(public, format!("{}\n", hex(key.verifying_key().as_bytes())))
        .map_err(|e| io(public, &e))?;
    Ok(key.verifying_key())
}

/// Reads a private key file (64 hex digits).
pub fn signing_key(path: &Path) -> Result<SigningKey, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| io(path, &e))?;
    parse_hex::<32>(&bytes)
        .map(|seed| SigningKey::from_bytes(&seed))
        .ok_or_else(|| BundleError::Key {
            path: path.display().to_string(),
            reason: "64 chiffres hexadécimaux attendus (entconf bundle keygen)".to_owned(),
        })
}

/// Reads a public key file (64 hex digits).
pub fn verifying_key(path: &Path) -> Result<VerifyingKey, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| io(path, &e))?;
    parse_hex::<32>(&bytes)
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| BundleError::Key {
            path: path.display().to_string(),
            reason: "clé publique ed25519 attendue : 64 chiffres hexadécimaux".to_owned(),
        })
}
