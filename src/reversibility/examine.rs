//! An export archive read once, without extracting it: the manifest and the
//! record files parsed, every other entry hashed on worker threads. What is
//! kept is small (records, one digest per entry); judging is left to the
//! checks.

use std::collections::BTreeMap;
use std::path::Path;

use super::archive::{EntryProblem, ZipExport, ZipLimits};
use super::format::{MANIFEST, Manifest, RECORD_FILES, Records};

/// What an export archive holds.
#[derive(Clone, Debug)]
pub struct Examined {
    /// Size of the archive, in bytes.
    pub size: u64,
    /// Every file entry (directories left out): name → declared size.
    pub entries: BTreeMap<String, u64>,
    /// SHA-256 and size of every file entry, or why it could not be read.
    pub digests: BTreeMap<String, Result<(String, u64), String>>,
    /// The manifest, or why it is missing or unreadable.
    pub manifest: Result<Manifest, String>,
    /// The records of the record files that could be read.
    pub records: Records,
    /// Record files missing, unreadable or not in the format.
    pub record_problems: Vec<String>,
}

/// Opens and reads `path`; `Err` when the archive as a whole is refused
/// (unsafe, truncated, not a ZIP), with the reason.
pub fn examine(path: &Path, limits: &ZipLimits, threads: usize) -> Result<Examined, String> {
    let size = std::fs::metadata(path)
        .map_err(|error| format!("archive illisible : {error}"))?
        .len();
    let archive = ZipExport::open(path, limits).map_err(|refusal| refusal.to_string())?;
    let mut examined = Examined {
        size,
        entries: BTreeMap::new(),
        digests: BTreeMap::new(),
        manifest: Err(format!("{MANIFEST} absent de l'archive")),
        records: Records::default(),
        record_problems: Vec::new(),
    };
    for entry in archive.entries().iter().filter(|e| !e.directory) {
        examined.entries.insert(entry.name.clone(), entry.size);
    }
    let read = |name: &str| -> Option<Result<Vec<u8>, String>> {
        archive.find(name).map(|entry| {
            archive
                .read(entry.index, limits.max_record_file)
                .map_err(|problem: EntryProblem| format!("{name} : {problem}"))
        })
    };
    if let Some(bytes) = read(MANIFEST) {
        examined.manifest = bytes.and_then(|bytes| {
            serde_json::from_slice::<Manifest>(&bytes).map_err(|error| {
                format!(
                    "{MANIFEST}, ligne {} colonne {} : {error}",
                    error.line(),
                    error.column()
                )
            })
        });
    }
    for name in RECORD_FILES {
        match read(name) {
            None => examined
                .record_problems
                .push(format!("{name} absent de l'archive")),
            Some(Err(why)) => examined.record_problems.push(why),
            Some(Ok(bytes)) => {
                if let Err(why) = examined.records.absorb(name, &bytes) {
                    examined.record_problems.push(why);
                }
            }
        }
    }
    let by_index: BTreeMap<usize, &str> = archive
        .entries()
        .iter()
        .map(|e| (e.index, e.name.as_str()))
        .collect();
    for (index, digest) in archive.digest_all(threads) {
        let Some(name) = by_index.get(&index) else {
            continue;
        };
        examined.digests.insert(
            (*name).to_owned(),
            digest
                .map(|d| (d.sha256, d.bytes))
                .map_err(|problem| problem.to_string()),
        );
    }
    Ok(examined)
}

/// What the manifest gets wrong about the archive: entries listed twice,
/// listed but absent, with another size or SHA-256, or not listed.
pub fn manifest_problems(examined: &Examined) -> Vec<String> {
    let manifest = match &examined.manifest {
        Ok(manifest) => manifest,
        Err(why) => return vec![why.clone()],
    };
    let mut problems = Vec::new();
    let mut listed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for entry in &manifest.fichiers {
        if !listed.insert(&entry.chemin) {
            problems.push(format!("{} listé deux fois", entry.chemin));
            continue;
        }
        match examined.digests.get(&entry.chemin) {
            None => problems.push(format!("{} listé mais absent de l'archive", entry.chemin)),
            Some(Err(_)) => {}
            Some(Ok((sha256, bytes))) => {
                if *bytes != entry.octets {
                    problems.push(format!(
                        "{} : {bytes} octets, le manifeste en annonce {}",
                        entry.chemin, entry.octets
                    ));
                }
                if !sha256.eq_ignore_ascii_case(&entry.sha256) {
                    problems.push(format!(
                        "{} : SHA-256 {sha256}, le manifeste annonce {}",
                        entry.chemin, entry.sha256
                    ));
                }
            }
        }
    }
    for name in examined.entries.keys() {
        if name != MANIFEST && !listed.contains(name.as_str()) {
            problems.push(format!("{name} absent du manifeste"));
        }
    }
    problems
}
