//! Reading a candidate's reversibility export (ZIP) without trusting it and
//! without extracting it: the end of central directory is located and
//! bounded by hand before the `zip` crate parses anything, every entry is
//! vetted (name, type, encryption, compression, declared sizes) before a
//! single byte is decompressed, and contents are only ever streamed — into
//! a bounded buffer ([`ZipExport::read`], for the small JSON members the
//! checks parse) or into SHA-256 ([`ZipExport::digest_all`], for the bulk).
//!
//! What belongs here: the archive-level defences (zip bombs by ratio, by
//! total size, by overlapping entries; path traversal; symlinks; duplicate
//! and case-colliding names; cloaked or prefixed archives) and the
//! entry-level integrity checks (CRC-32, exact declared size). What does not:
//! the meaning of the members (manifest format, JSON schemas), which the
//! reversibility checks build on top of [`ZipExport::read`] and
//! [`ZipExport::digest_all`].
//!
//! Nothing is written to disk and nothing is mapped: the file is read with
//! positioned reads (`pread`) through a shared [`File`], so every digest
//! worker has its own cursor without reopening the path (which a candidate
//! could have replaced in the meantime).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest as _, Sha256};
use zip::read::{ArchiveOffset, Config};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive, ZipReadOptions};

const MIB: u64 = 1 << 20;
/// One buffer of this size per digest worker, whatever the entry sizes.
const DIGEST_BUFFER: usize = 256 * 1024;
/// Entries at most this large are never refused by ratio: a 1 MiB JSON file
/// of repeated records legitimately deflates several hundred times.
const RATIO_EXEMPT: u64 = MIB;

const EOCD_SIGNATURE: [u8; 4] = *b"PK\x05\x06";
const ZIP64_LOCATOR_SIGNATURE: [u8; 4] = *b"PK\x06\x07";
const ZIP64_EOCD_SIGNATURE: [u8; 4] = *b"PK\x06\x06";
const EOCD_LEN: u64 = 22;
const MAX_COMMENT: u64 = 65_535;
const ZIP64_LOCATOR_LEN: u64 = 20;
/// Fixed part of the ZIP64 end of central directory record.
const ZIP64_EOCD_LEN: u64 = 56;
/// Smallest central directory header (no name, no extra field, no comment).
const CENTRAL_HEADER_MIN: u64 = 46;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;

/// Bounds applied to an export before anything in it is decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipLimits {
    /// Largest archive file accepted, in bytes (default 4 GiB).
    pub max_archive: u64,
    /// Most entries accepted, directories included (default 100 000).
    pub max_entries: usize,
    /// Largest central directory accepted, in bytes (default 16 MiB); the
    /// `zip` crate holds all of it in memory.
    pub max_central_directory: u64,
    /// Largest sum of the declared uncompressed sizes (default 8 GiB).
    pub max_total: u64,
    /// Highest declared-size / compressed-size ratio of a deflated entry
    /// declaring more than 1 MiB (default 200).
    pub max_ratio: u64,
    /// Largest manifest or record file parsed, in bytes (default 32 MiB):
    /// each is parsed whole, so this bounds the memory of the reading.
    pub max_record_file: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        Self {
            max_archive: 4 << 30,
            max_entries: 100_000,
            max_central_directory: 16 * MIB,
            max_total: 8 << 30,
            max_ratio: 200,
            max_record_file: super::format::MAX_RECORD_FILE,
        }
    }
}

/// One entry of the central directory, as vetted by [`ZipExport::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the central directory (and in [`ZipExport::entries`]).
    pub index: usize,
    /// Name, valid UTF-8 and a confined relative path; directories end in `/`.
    pub name: String,
    /// Declared uncompressed size, which reads enforce exactly.
    pub size: u64,
    /// Compressed size as stored in the archive.
    pub compressed: u64,
    /// Whether the entry is deflated (otherwise it is stored).
    pub deflated: bool,
    /// Whether the entry is a directory (name ending in `/`, no content).
    pub directory: bool,
    /// Offset of the entry's local header in the archive.
    pub offset: u64,
    /// Declared CRC-32 of the uncompressed content.
    pub crc32: u32,
}

/// SHA-256 of an entry's content, as streamed out of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Lower-case hexadecimal SHA-256.
    pub sha256: String,
    /// Number of bytes hashed (always the declared size when `Ok`).
    pub bytes: u64,
}

/// Why a whole export is refused; nothing in it has been decompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipRefusal {
    /// The file could not be opened or read.
    #[error("lecture impossible de l'archive : {0}")]
    Io(String),
    /// The file is larger than [`ZipLimits::max_archive`].
    #[error("archive de {size} octets, au-delà de la limite de {max} octets")]
    ArchiveTooLarge {
        /// Size of the file.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// No end of central directory record in the last 65 557 bytes.
    #[error("archive tronquée ou qui n'est pas un ZIP (fin de répertoire central introuvable)")]
    NotZip,
    /// The end of central directory record is cut short.
    #[error("archive tronquée (fin de répertoire central incomplète)")]
    Truncated,
    /// The archive comment does not end exactly at the end of the file.
    #[error(
        "archive tronquée ou complétée : le commentaire final annonce {declared} octets, {present} sont présents"
    )]
    TrailingBytes {
        /// Comment length declared by the record.
        declared: u64,
        /// Bytes actually present after the record.
        present: u64,
    },
    /// The archive spans several disks (volumes).
    #[error(
        "archive en plusieurs volumes (disque {disk}, répertoire central sur le disque {directory_disk})"
    )]
    MultiDisk {
        /// Number of this disk.
        disk: u64,
        /// Disk holding the start of the central directory.
        directory_disk: u64,
    },
    /// Entries on this disk and total entries differ.
    #[error("nombre d'entrées incohérent : {on_disk} sur ce disque, {total} au total")]
    EntryCounts {
        /// Entries declared on this disk.
        on_disk: u64,
        /// Entries declared in total.
        total: u64,
    },
    /// The ZIP64 records are missing, misplaced or contradict the classic ones.
    #[error("enregistrements ZIP64 incohérents : {0}")]
    Zip64(String),
    /// The central directory does not end where the end record starts.
    #[error(
        "répertoire central mal placé : {offset} + {size} ≠ {expected} (octets ajoutés avant l'archive, ou archive altérée)"
    )]
    DirectoryMisplaced {
        /// Declared offset of the central directory.
        offset: u64,
        /// Declared size of the central directory.
        size: u64,
        /// Where it should end.
        expected: u64,
    },
    /// The central directory is larger than [`ZipLimits::max_central_directory`].
    #[error("répertoire central de {size} octets, au-delà de la limite de {max} octets")]
    DirectoryTooLarge {
        /// Declared size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// More entries than [`ZipLimits::max_entries`].
    #[error("{count} entrées, au-delà de la limite de {max}")]
    TooManyEntries {
        /// Declared number of entries.
        count: u64,
        /// The limit.
        max: usize,
    },
    /// The declared entries cannot fit in the declared central directory.
    #[error(
        "{count} entrées annoncées ne tiennent pas dans un répertoire central de {size} octets"
    )]
    DirectoryTooSmall {
        /// Declared number of entries.
        count: u64,
        /// Declared size of the central directory.
        size: u64,
    },
    /// The `zip` crate could not parse the central directory.
    #[error("répertoire central illisible : {0}")]
    Unreadable(String),
    /// Several entries share a name (the `zip` crate would keep only one).
    #[error(
        "noms en double : {entries} entrées pour {names} noms distincts (« {first} » plusieurs fois)"
    )]
    Duplicates {
        /// Entries in the central directory.
        entries: u64,
        /// Distinct names.
        names: usize,
        /// The first name found twice (escaped), or `?` if none is found.
        first: String,
    },
    /// An entry name is not UTF-8.
    #[error("entrée n° {index} : nom qui n'est pas de l'UTF-8 (octets {hex})")]
    NameNotUtf8 {
        /// Position of the entry.
        index: usize,
        /// The raw name in hexadecimal.
        hex: String,
    },
    /// An entry name is not a confined relative path.
    #[error("entrée « {name} » : nom refusé ({reason})")]
    BadName {
        /// The name, control characters escaped.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An entry is neither a regular file nor a directory.
    #[error("entrée « {name} » : {kind} refusé (seuls les fichiers et les répertoires sont admis)")]
    NotRegular {
        /// The name.
        name: String,
        /// What it is ("lien symbolique", …).
        kind: String,
    },
    /// A directory entry with content, or a directory mode on a file name.
    #[error("entrée « {name} » : {reason}")]
    DirectoryMismatch {
        /// The name.
        name: String,
        /// What is inconsistent.
        reason: String,
    },
    /// An entry is encrypted.
    #[error("entrée « {name} » : chiffrée")]
    Encrypted {
        /// The name.
        name: String,
    },
    /// An entry uses a compression method other than stored or deflate.
    #[error(
        "entrée « {name} » : méthode de compression {method} non admise (seules « stockée » et « deflate » le sont)"
    )]
    Compression {
        /// The name.
        name: String,
        /// The method, as the `zip` crate names it.
        method: String,
    },
    /// A stored entry whose compressed and uncompressed sizes differ.
    #[error(
        "entrée « {name} » : stockée sans compression mais {compressed} octets pour {size} annoncés"
    )]
    StoredSizes {
        /// The name.
        name: String,
        /// Compressed size.
        compressed: u64,
        /// Declared size.
        size: u64,
    },
    /// A deflated entry expands more than [`ZipLimits::max_ratio`].
    #[error(
        "entrée « {name} » : {size} octets annoncés pour {compressed} compressés, taux au-delà de {max} (bombe de décompression ?)"
    )]
    Ratio {
        /// The name.
        name: String,
        /// Declared size.
        size: u64,
        /// Compressed size.
        compressed: u64,
        /// The limit.
        max: u64,
    },
    /// The declared sizes add up to more than [`ZipLimits::max_total`].
    #[error(
        "taille décompressée annoncée au-delà de {max} octets, atteinte à l'entrée « {name} » (bombe de décompression ?)"
    )]
    TotalTooLarge {
        /// The entry that crosses the limit.
        name: String,
        /// The limit.
        max: u64,
    },
    /// Two names denote the same path on a case-insensitive file system.
    #[error("entrées « {first} » et « {second} » : même chemin à la casse près")]
    CaseClash {
        /// The first name.
        first: String,
        /// The second name.
        second: String,
    },
    /// A file name is also used as a directory by another entry.
    #[error("entrée « {entry} » : « {file} » est un fichier, pas un répertoire")]
    FileAsDirectory {
        /// The file.
        file: String,
        /// The entry placed under it.
        entry: String,
    },
    /// Entries share bytes, which lets a small archive expand many times.
    #[error("entrées qui se recouvrent (bombe par recouvrement) : {0}")]
    Overlap(String),
    /// A local header contradicts the central directory, or is hidden from it.
    #[error("en-têtes locaux incohérents avec le répertoire central : {0}")]
    Inconsistent(String),
}

/// Why one entry could not be read; the other entries may still be fine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    /// No entry at this index.
    #[error("aucune entrée n° {index}")]
    NoSuchEntry {
        /// The index asked for.
        index: usize,
    },
    /// The declared size is larger than the caller accepts.
    #[error(
        "« {name} » : {size} octets annoncés, au-delà des {max} octets admis pour cette lecture"
    )]
    OverMax {
        /// The name.
        name: String,
        /// Declared size.
        size: u64,
        /// The caller's limit.
        max: u64,
    },
    /// The content does not match the declared CRC-32.
    #[error("« {name} » : somme de contrôle CRC-32 incorrecte (contenu altéré)")]
    Crc {
        /// The name.
        name: String,
    },
    /// The content goes on past the declared size.
    #[error("« {name} » : contenu plus long que les {size} octets annoncés")]
    Longer {
        /// The name.
        name: String,
        /// Declared size.
        size: u64,
    },
    /// The content stops before the declared size.
    #[error("« {name} » : {bytes} octets au lieu des {size} annoncés (contenu tronqué)")]
    Shorter {
        /// The name.
        name: String,
        /// Bytes actually produced.
        bytes: u64,
        /// Declared size.
        size: u64,
    },
    /// The compressed data or the local header is malformed.
    #[error("« {name} » : données illisibles ({detail})")]
    Corrupt {
        /// The name.
        name: String,
        /// The decoder's or the `zip` crate's message.
        detail: String,
    },
    /// Reading the archive file failed.
    #[error("« {name} » : erreur de lecture ({detail})")]
    Io {
        /// The name.
        name: String,
        /// The system's message.
        detail: String,
    },
    /// The digest worker handling the entry stopped before reaching it.
    #[error("« {name} » : empreinte non calculée (tâche interrompue)")]
    Interrupted {
        /// The name.
        name: String,
    },
}

/// A vetted export: its central directory is parsed and every entry passed
/// the checks of [`ZipExport::open`]; contents are read on demand.
#[derive(Debug)]
pub struct ZipExport {
    archive: ZipArchive<PositionedReader>,
    entries: Vec<Entry>,
    length: u64,
}

impl ZipExport {
    /// Opens and vets the export at `path`, reading only its central
    /// directory and local headers.
    ///
    /// # Errors
    /// [`ZipRefusal`] naming the first problem found; the whole export is
    /// then to be considered unusable.
    pub fn open(path: &Path, limits: &ZipLimits) -> Result<Self, ZipRefusal> {
        let file = File::open(path).map_err(|e| ZipRefusal::Io(e.to_string()))?;
        let length = file
            .metadata()
            .map_err(|e| ZipRefusal::Io(e.to_string()))?
            .len();
        if length > limits.max_archive {
            return Err(ZipRefusal::ArchiveTooLarge {
                size: length,
                max: limits.max_archive,
            });
        }
        let reader = PositionedReader {
            file: Arc::new(file),
            len: length,
            pos: 0,
        };
        let directory = locate_directory(&reader, limits)?;

        // Offset known to be 0: the crate's own detection would otherwise
        // accept a prefixed archive by shifting every offset.
        let config = Config {
            archive_offset: ArchiveOffset::Known(0),
        };
        let mut archive = ZipArchive::with_config(config, reader)
            .map_err(|e| ZipRefusal::Unreadable(e.to_string()))?;
        if archive.central_directory_start() != directory.offset {
            return Err(ZipRefusal::Unreadable(format!(
                "le répertoire central lu commence à {} et non à {}",
                archive.central_directory_start(),
                directory.offset
            )));
        }
        // The crate keeps one entry per name: the entries it dropped would be
        // invisible to us yet extracted by other tools.
        if archive.has_duplicate_names() || archive.len() as u64 != directory.entries {
            return Err(ZipRefusal::Duplicates {
                entries: directory.entries,
                names: archive.len(),
                first: first_duplicate(&reader_of(&archive), &directory),
            });
        }

        let entries = vet_entries(&archive, limits)?;
        check_paths(&entries)?;
        check_headers(&mut archive, &entries, directory.offset)?;
        Ok(Self {
            archive,
            entries,
            length,
        })
    }

    /// Entries in central-directory order, directories included.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with exactly this name (directories end in `/`).
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.archive
            .index_for_name(name)
            .and_then(|index| self.entries.get(index))
    }

    /// Size of the archive file, in bytes.
    #[must_use]
    pub fn archive_len(&self) -> u64 {
        self.length
    }

    /// Sum of the declared uncompressed sizes.
    #[must_use]
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// Whole entry in memory, refusing more than `max` bytes (read through
    /// `take(max + 1)`), checking the CRC-32 and that exactly the declared
    /// size came out.
    ///
    /// # Errors
    /// [`EntryProblem`] when the entry is missing, too large, altered,
    /// shorter or longer than declared, or unreadable.
    pub fn read(&self, index: usize, max: u64) -> Result<Vec<u8>, EntryProblem> {
        let entry = self
            .entries
            .get(index)
            .ok_or(EntryProblem::NoSuchEntry { index })?;
        if entry.size > max {
            return Err(EntryProblem::OverMax {
                name: entry.name.clone(),
                size: entry.size,
                max,
            });
        }
        // A clone shares the parsed directory and the file; only the cursor
        // is its own, so `read` needs no `&mut self`.
        let mut archive = self.archive.clone();
        let file = archive.by_index(index).map_err(|e| zip_problem(entry, e))?;
        let mut content = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        file.take(max.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| io_problem(entry, &e))?;
        let bytes = content.len() as u64;
        if bytes > max {
            return Err(EntryProblem::OverMax {
                name: entry.name.clone(),
                size: bytes,
                max,
            });
        }
        if bytes != entry.size {
            return Err(EntryProblem::Shorter {
                name: entry.name.clone(),
                bytes,
                size: entry.size,
            });
        }
        Ok(content)
    }

    /// SHA-256 and byte count of every non-directory entry, streamed with a
    /// 256 KiB buffer on `threads` workers (the calling thread is one of
    /// them), each with its own clone of the archive; entries are handed out
    /// in order of their local header offset so that reads stay sequential
    /// on disk. Results come back in entry-index order.
    #[must_use]
    pub fn digest_all(&self, threads: usize) -> Vec<(usize, Result<Digest, EntryProblem>)> {
        let mut order: Vec<&Entry> = self.entries.iter().filter(|e| !e.directory).collect();
        order.sort_by_key(|e| e.offset);
        let workers = threads.clamp(1, order.len().max(1));
        let next = AtomicUsize::new(0);
        let work = || {
            let mut archive = self.archive.clone();
            let mut buffer = vec![0_u8; DIGEST_BUFFER];
            let mut done = Vec::new();
            while let Some(entry) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                done.push((entry.index, digest(&mut archive, entry, &mut buffer)));
            }
            done
        };

        let mut slots: Vec<Option<Result<Digest, EntryProblem>>> = vec![None; self.entries.len()];
        std::thread::scope(|scope| {
            // A worker that cannot be spawned is no loss: the others (at
            // least this thread) drain the shared queue.
            let handles: Vec<_> = (1..workers)
                .filter_map(|n| {
                    std::thread::Builder::new()
                        .name(format!("zip-digest-{n}"))
                        .spawn_scoped(scope, work)
                        .ok()
                })
                .collect();
            let mut batches = vec![work()];
            batches.extend(handles.into_iter().filter_map(|h| h.join().ok()));
            for (index, result) in batches.into_iter().flatten() {
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(result);
                }
            }
        });
        self.entries
            .iter()
            .filter(|e| !e.directory)
            .map(|e| {
                let result = slots
                    .get_mut(e.index)
                    .and_then(Option::take)
                    .unwrap_or_else(|| {
                        Err(EntryProblem::Interrupted {
                            name: e.name.clone(),
                        })
                    });
                (e.index, result)
            })
            .collect()
    }
}

/// Streams one entry into SHA-256.
fn digest(
    archive: &mut ZipArchive<PositionedReader>,
    entry: &Entry,
    buffer: &mut [u8],
) -> Result<Digest, EntryProblem> {
    let mut file = archive
        .by_index(entry.index)
        .map_err(|e| zip_problem(entry, e))?;
    let mut hasher = Sha256::new();
    let mut bytes = 0_u64;
    loop {
        // The CRC-32 is checked by the `zip` reader when it reports the end;
        // a size beyond the declared one is an error from it too.
        let n = match file.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_problem(entry, &e)),
        };
        hasher.update(buffer.get(..n).unwrap_or_default());
        bytes += n as u64;
    }
    if bytes > entry.size {
        return Err(EntryProblem::Longer {
            name: entry.name.clone(),
            size: entry.size,
        });
    }
    if bytes < entry.size {
        return Err(EntryProblem::Shorter {
            name: entry.name.clone(),
            bytes,
            size: entry.size,
        });
    }
    Ok(Digest {
        sha256: hex(&hasher.finalize()),
        bytes,
    })
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

fn io_problem(entry: &Entry, error: &io::Error) -> EntryProblem {
    let name = entry.name.clone();
    let detail = error.to_string();
    // The `zip` crate signals both conditions with plain InvalidData errors;
    // their messages are the only way to tell them apart.
    if detail == "Invalid checksum" {
        EntryProblem::Crc { name }
    } else if detail.contains("larger than its declared uncompressed size") {
        EntryProblem::Longer {
            name,
            size: entry.size,
        }
    } else if matches!(
        error.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof
    ) {
        EntryProblem::Corrupt { name, detail }
    } else {
        EntryProblem::Io { name, detail }
    }
}

fn zip_problem(entry: &Entry, error: ZipError) -> EntryProblem {
    match error {
        ZipError::Io(e) => io_problem(entry, &e),
        other => EntryProblem::Corrupt {
            name: entry.name.clone(),
            detail: other.to_string(),
        },
    }
}

/// Read-and-seek view of the archive over positioned reads: clones share the
/// file and the length fixed at opening, each with its own cursor.
#[derive(Debug, Clone)]
struct PositionedReader {
    file: Arc<File>,
    len: u64,
    pos: u64,
}

impl PositionedReader {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<(), ZipRefusal> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| ZipRefusal::Io(e.to_string()))
    }
}

impl Read for PositionedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Bytes appended after opening are not part of the vetted archive.
        let left = self.len.saturating_sub(self.pos);
        let want = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for PositionedReader {
    fn seek(&mut self, from: SeekFrom) -> io::Result<u64> {
        let target = match from {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "position hors de l'archive")
        })?;
        self.pos = target;
        Ok(target)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

/// Central directory as declared by the end records.
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

/// The reader under an archive (a clone: each has its own cursor).
fn reader_of(archive: &ZipArchive<PositionedReader>) -> PositionedReader {
    archive.clone().into_inner()
}

/// The first name the central directory holds twice, escaped; `?` when the
/// directory cannot be walked. The directory is already bounded in size.
fn first_duplicate(reader: &PositionedReader, directory: &Directory) -> String {
    let Ok(size) = usize::try_from(directory.size) else {
        return "?".to_owned();
    };
    let mut bytes = vec![0u8; size];
    if reader.read_exact_at(&mut bytes, directory.offset).is_err() {
        return "?".to_owned();
    }
    let mut seen = HashSet::new();
    let mut at = 0usize;
    while bytes.get(at..at + 4) == Some(&[0x50, 0x4b, 0x01, 0x02][..]) {
        let name_len = le16(&bytes, at + 28) as usize;
        let extra_len = le16(&bytes, at + 30) as usize;
        let comment_len = le16(&bytes, at + 32) as usize;
        let Some(name) = bytes.get(at + 46..at + 46 + name_len) else {
            break;
        };
        if !seen.insert(name) {
            return shown(&String::from_utf8_lossy(name));
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    "?".to_owned()
}

fn le16(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b: [u8; 2]| u64::from(u16::from_le_bytes(b)))
}

fn le32(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b: [u8; 4]| u64::from(u32::from_le_bytes(b)))
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Finds and bounds the central directory from the end records alone, so
/// that the `zip` crate is only handed archives whose directory is where it
/// claims to be and of a size we accept.
fn locate_directory(
    reader: &PositionedReader,
    limits: &ZipLimits,
) -> Result<Directory, ZipRefusal> {
    let len = reader.len;
    let tail_len = len.min(EOCD_LEN + MAX_COMMENT);
    let tail_start = len - tail_len;
    let mut tail = vec![0_u8; usize::try_from(tail_len).unwrap_or(0)];
    reader.read_exact_at(&mut tail, tail_start)?;
    // The last signature, as the `zip` crate tries first; a comment that
    // does not then end exactly at the end of the file is refused rather
    // than searched past (other readers would pick another record).
    let at = tail
        .windows(4)
        .rposition(|w| w == EOCD_SIGNATURE)
        .ok_or(ZipRefusal::NotZip)?;
    let eocd = tail.get(at..).unwrap_or_default();
    if (eocd.len() as u64) < EOCD_LEN {
        return Err(ZipRefusal::Truncated);
    }
    let eocd_pos = tail_start + at as u64;
    let comment = le16(eocd, 20);
    let present = eocd.len() as u64 - EOCD_LEN;
    if comment != present {
        return Err(ZipRefusal::TrailingBytes {
            declared: comment,
            present,
        });
    }
    let (mut disk, mut directory_disk) = (le16(eocd, 4), le16(eocd, 6));
    let (mut on_disk, mut total) = (le16(eocd, 8), le16(eocd, 10));
    let (mut size, mut offset) = (le32(eocd, 12), le32(eocd, 16));
    let mut expected_end = eocd_pos;

    let mut locator = [0_u8; ZIP64_LOCATOR_LEN as usize];
    let has_locator = eocd_pos >= ZIP64_LOCATOR_LEN && {
        reader.read_exact_at(&mut locator, eocd_pos - ZIP64_LOCATOR_LEN)?;
        locator[..4] == ZIP64_LOCATOR_SIGNATURE
    };
    let saturated = disk == 0xFFFF
        || directory_disk == 0xFFFF
        || on_disk == 0xFFFF
        || total == 0xFFFF
        || size == 0xFFFF_FFFF
        || offset == 0xFFFF_FFFF;
    if saturated && !has_locator {
        return Err(ZipRefusal::Zip64(
            "valeurs saturées sans localisateur ZIP64".to_owned(),
        ));
    }
    if has_locator {
        let locator_pos = eocd_pos - ZIP64_LOCATOR_LEN;
        if le32(&locator, 4) != 0 || le32(&locator, 16) > 1 {
            return Err(ZipRefusal::MultiDisk {
                disk: le32(&locator, 16),
                directory_disk: le32(&locator, 4),
            });
        }
        let record_pos = le64(&locator, 8);
        if record_pos
            .checked_add(ZIP64_EOCD_LEN)
            .is_none_or(|end| end > locator_pos)
        {
            return Err(ZipRefusal::Zip64(format!(
                "fin de répertoire ZIP64 annoncée à {record_pos}, hors de l'archive"
            )));
        }
        let mut record = [0_u8; ZIP64_EOCD_LEN as usize];
        reader.read_exact_at(&mut record, record_pos)?;
        if record[..4] != ZIP64_EOCD_SIGNATURE {
            return Err(ZipRefusal::Zip64(format!(
                "pas de fin de répertoire ZIP64 à {record_pos}"
            )));
        }
        if record_pos
            .checked_add(12)
            .and_then(|p| p.checked_add(le64(&record, 4)))
            != Some(locator_pos)
        {
            return Err(ZipRefusal::Zip64(
                "la fin de répertoire ZIP64 ne s'achève pas au localisateur".to_owned(),
            ));
        }
        let wide = [
            (disk, 0xFFFF, le32(&record, 16)),
            (directory_disk, 0xFFFF, le32(&record, 20)),
            (on_disk, 0xFFFF, le64(&record, 24)),
            (total, 0xFFFF, le64(&record, 32)),
            (size, 0xFFFF_FFFF, le64(&record, 40)),
            (offset, 0xFFFF_FFFF, le64(&record, 48)),
        ];
        // A classic field that is neither saturated nor equal to its ZIP64
        // counterpart means two readers could see two different archives.
        if wide
            .iter()
            .any(|&(narrow, full, value)| narrow != full && narrow != value)
        {
            return Err(ZipRefusal::Zip64(
                "valeurs classiques et ZIP64 contradictoires".to_owned(),
            ));
        }
        [disk, directory_disk, on_disk, total, size, offset] = wide.map(|(_, _, value)| value);
        expected_end = record_pos;
    }

    if disk != 0 || directory_disk != 0 {
        return Err(ZipRefusal::MultiDisk {
            disk,
            directory_disk,
        });
    }
    if on_disk != total {
        return Err(ZipRefusal::EntryCounts { on_disk, total });
    }
    if offset.checked_add(size) != Some(expected_end) {
        return Err(ZipRefusal::DirectoryMisplaced {
            offset,
            size,
            expected: expected_end,
        });
    }
    if size > limits.max_central_directory {
        return Err(ZipRefusal::DirectoryTooLarge {
            size,
            max: limits.max_central_directory,
        });
    }
    if total > limits.max_entries as u64 {
        return Err(ZipRefusal::TooManyEntries {
            count: total,
            max: limits.max_entries,
        });
    }
    if total.saturating_mul(CENTRAL_HEADER_MIN) > size {
        return Err(ZipRefusal::DirectoryTooSmall { count: total, size });
    }
    Ok(Directory {
        offset,
        size,
        entries: total,
    })
}

/// Control characters escaped, so that a hostile name cannot rewrite the
/// report line that quotes it.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:04x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Why `name` is not a confined relative path, if it is not.
fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("nom vide".to_owned());
    }
    if name.starts_with('/') {
        return Some("chemin absolu".to_owned());
    }
    if name.contains('\0') {
        return Some("caractère NUL".to_owned());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!("caractère de contrôle U+{:04X}", u32::from(c)));
    }
    if name.contains('\\') {
        return Some("barre oblique inverse (séparateur Windows)".to_owned());
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for (position, component) in body.split('/').enumerate() {
        let reason = match component {
            "" => "composant vide (« // » ou « / » final en double)",
            "." => "composant « . »",
            ".." => "composant « .. » (sortie du dossier d'extraction)",
            _ if position == 0 && component.contains(':') => {
                "deux-points dans le premier composant (lecteur Windows)"
            }
            _ => continue,
        };
        return Some(reason.to_owned());
    }
    None
}

/// What a Unix file type other than file and directory is called.
fn special_kind(mode: u32) -> Option<String> {
    match mode & S_IFMT {
        0 | S_IFREG | S_IFDIR => None,
        0o120_000 => Some("lien symbolique".to_owned()),
        0o010_000 => Some("tube nommé".to_owned()),
        0o020_000 => Some("périphérique caractère".to_owned()),
        0o060_000 => Some("périphérique bloc".to_owned()),
        0o140_000 => Some("socket".to_owned()),
        other => Some(format!("type de fichier inconnu ({other:o})")),
    }
}

/// Checks every central directory entry on its own and builds the list.
fn vet_entries(
    archive: &ZipArchive<PositionedReader>,
    limits: &ZipLimits,
) -> Result<Vec<Entry>, ZipRefusal> {
    let mut entries = Vec::with_capacity(archive.len());
    let mut total = 0_u64;
    for index in 0..archive.len() {
        let data = archive
            .by_index_data(index)
            .map_err(|e| ZipRefusal::Unreadable(e.to_string()))?;
        let name = std::str::from_utf8(data.name_raw()).map_err(|_| ZipRefusal::NameNotUtf8 {
            index,
            hex: hex(data.name_raw()),
        })?;
        if let Some(reason) = name_problem(name) {
            return Err(ZipRefusal::BadName {
                name: shown(name),
                reason,
            });
        }
        // Second opinion only: it resolves `a/../b` instead of refusing it.
        if data.enclosed_name().is_none() {
            return Err(ZipRefusal::BadName {
                name: shown(name),
                reason: "chemin non confiné selon le crate zip".to_owned(),
            });
        }
        let directory = name.ends_with('/');
        let mode = data.unix_mode().unwrap_or(0);
        if let Some(kind) = special_kind(mode) {
            return Err(ZipRefusal::NotRegular {
                name: name.to_owned(),
                kind,
            });
        }
        let (size, compressed) = (data.size(), data.compressed_size());
        if mode & S_IFMT == S_IFDIR && !directory {
            return Err(ZipRefusal::DirectoryMismatch {
                name: name.to_owned(),
                reason: "répertoire dont le nom ne finit pas par « / »".to_owned(),
            });
        }
        if directory && size > 0 {
            return Err(ZipRefusal::DirectoryMismatch {
                name: name.to_owned(),
                reason: format!("répertoire avec un contenu de {size} octets"),
            });
        }
        if data.encrypted() {
            return Err(ZipRefusal::Encrypted {
                name: name.to_owned(),
            });
        }
        let deflated = match data.compression() {
            CompressionMethod::Stored => false,
            CompressionMethod::Deflated => true,
            other => {
                return Err(ZipRefusal::Compression {
                    name: name.to_owned(),
                    method: format!("{other:?}"),
                });
            }
        };
        if !deflated && compressed != size {
            return Err(ZipRefusal::StoredSizes {
                name: name.to_owned(),
                compressed,
                size,
            });
        }
        if deflated && size > RATIO_EXEMPT && size > compressed.saturating_mul(limits.max_ratio) {
            return Err(ZipRefusal::Ratio {
                name: name.to_owned(),
                size,
                compressed,
                max: limits.max_ratio,
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_total {
            return Err(ZipRefusal::TotalTooLarge {
                name: name.to_owned(),
                max: limits.max_total,
            });
        }
        entries.push(Entry {
            index,
            name: name.to_owned(),
            size,
            compressed,
            deflated,
            directory,
            offset: data.header_start(),
            crc32: data.crc32(),
        });
    }
    Ok(entries)
}

/// Checks the names against each other as a case-insensitive file system
/// would see them once extracted.
fn check_paths(entries: &[Entry]) -> Result<(), ZipRefusal> {
    let mut folded: HashMap<String, &str> = HashMap::with_capacity(entries.len());
    let mut files: HashSet<String> = HashSet::new();
    for entry in entries {
        let path = entry.name.strip_suffix('/').unwrap_or(&entry.name);
        let key = path.to_ascii_lowercase();
        if !entry.directory {
            files.insert(key.clone());
        }
        if let Some(first) = folded.insert(key, &entry.name) {
            return Err(ZipRefusal::CaseClash {
                first: first.to_owned(),
                second: entry.name.clone(),
            });
        }
    }
    for entry in entries {
        let path = entry.name.strip_suffix('/').unwrap_or(&entry.name);
        let key = path.to_ascii_lowercase();
        for (at, _) in key.match_indices('/') {
            let parent = key.get(..at).unwrap_or_default();
            if files.contains(parent) {
                return Err(ZipRefusal::FileAsDirectory {
                    file: entry.name.get(..at).unwrap_or_default().to_owned(),
                    entry: entry.name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Local headers against the central directory, then byte ranges against
/// each other, through the `zip` crate's own consistency check.
fn check_headers(
    archive: &mut ZipArchive<PositionedReader>,
    entries: &[Entry],
    directory_start: u64,
) -> Result<(), ZipRefusal> {
    let Err(error) = archive.validate_header_consistency() else {
        return Ok(());
    };
    let message = error.to_string();
    if message.contains("overlapping entries") {
        return Err(ZipRefusal::Overlap(overlap_culprits(
            archive,
            entries,
            directory_start,
        )));
    }
    if message.contains("local file header missing") {
        return Err(ZipRefusal::Inconsistent(
            "en-tête local absent du répertoire central (entrée cachée)".to_owned(),
        ));
    }
    // The crate's check does not say which entry failed: find it again.
    for entry in entries {
        let options = ZipReadOptions::new().enforce_header_consistency(true);
        if let Err(e) = archive.by_index_with_options(entry.index, options) {
            return Err(ZipRefusal::Inconsistent(format!(
                "entrée « {} » : {e}",
                entry.name
            )));
        }
    }
    Err(ZipRefusal::Inconsistent(message))
}

/// Names two entries that share bytes, or one that runs into the central
/// directory.
fn overlap_culprits(
    archive: &mut ZipArchive<PositionedReader>,
    entries: &[Entry],
    directory_start: u64,
) -> String {
    let mut ranges = Vec::with_capacity(entries.len());
    for entry in entries {
        let Ok(file) = archive.by_index_raw(entry.index) else {
            continue;
        };
        if let Some(data) = file.data_start() {
            ranges.push((
                entry.offset,
                data.saturating_add(entry.compressed),
                &entry.name,
            ));
        }
    }
    ranges.sort_unstable();
    if let Some(pair) = ranges.windows(2).find(|w| w[0].1 > w[1].0) {
        return format!("« {} » et « {} »", pair[0].2, pair[1].2);
    }
    if let Some(range) = ranges.iter().find(|r| r.1 > directory_start) {
        return format!("« {} » déborde sur le répertoire central", range.2);
    }
    "entrées non identifiées".to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::{Cursor, Write};
    use std::path::PathBuf;
    use std::sync::atomic::AtomicU32;
    use zip::ZipWriter;
    use zip::write::SimpleFileOptions;

    static COUNTER: AtomicU32 = AtomicU32::new(0);

    /// A file under the temporary directory, removed on drop.
    struct TempZip(PathBuf);

    impl TempZip {
        fn new(bytes: &[u8]) -> Self {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "entconf-archive-test-{}-{n}.zip",
                std::process::id()
            ));
            std::fs::write(&path, bytes).unwrap();
            Self(path)
        }
    }

    impl Drop for TempZip {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn stored() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
    }

    fn deflated() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
    }

    fn build(files: &[(&str, &[u8], SimpleFileOptions)]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, options) in files {
            if name.ends_with('/') {
                writer.add_directory(*name, *options).unwrap();
            } else {
                writer.start_file(*name, *options).unwrap();
                writer.write_all(data).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    fn open(bytes: &[u8]) -> Result<ZipExport, ZipRefusal> {
        open_with(bytes, &ZipLimits::default())
    }

    fn open_with(bytes: &[u8], limits: &ZipLimits) -> Result<ZipExport, ZipRefusal> {
        let temp = TempZip::new(bytes);
        ZipExport::open(&temp.0, limits)
    }

    fn refusal(bytes: &[u8]) -> String {
        open(bytes).unwrap_err().to_string()
    }

    /// Replaces every occurrence of `from` (local header and central
    /// directory alike) by `to`, of the same length.
    fn patch_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
        assert_eq!(from.len(), to.len());
        let mut count = 0;
        let mut at = 0;
        while at + from.len() <= bytes.len() {
            if &bytes[at..at + from.len()] == from {
                bytes[at..at + from.len()].copy_from_slice(to);
                count += 1;
                at += from.len();
            } else {
                at += 1;
            }
        }
        count
    }

    /// Offsets of the first local header and of the first central header.
    fn headers(bytes: &[u8]) -> (usize, usize) {
        let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        (0, central)
    }

    /// Where the data of the entry whose local header is at `header` starts.
    fn data_start(bytes: &[u8], header: usize) -> usize {
        let field = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        header + 30 + field(header + 26) + field(header + 28)
    }

    fn put32(bytes: &mut [u8], at: usize, value: u32) {
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn sha256_hex(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    fn noise(len: usize, mut state: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn clean_archive_round_trips() {
        let json = br#"{"eleves":[{"id":1,"nom":"Dupont"},{"id":2,"nom":"Martin"}]}"#.repeat(50);
        let photo = noise(300_000, 7);
        let text = "Compte rendu du conseil d'école.\n".repeat(2_000);
        let bytes = build(&[
            ("donnees/", b"", stored()),
            ("donnees/eleves.json", &json, deflated()),
            ("fichiers/photo.jpg", &photo, stored()),
            ("fichiers/compte-rendu.txt", text.as_bytes(), deflated()),
            ("vide.txt", b"", deflated()),
        ]);
        let export = open(&bytes).unwrap();
        let names: Vec<&str> = export.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "donnees/",
                "donnees/eleves.json",
                "fichiers/photo.jpg",
                "fichiers/compte-rendu.txt",
                "vide.txt"
            ]
        );
        assert!(export.entries()[0].directory);
        assert!(export.entries()[1].deflated && !export.entries()[2].deflated);
        assert_eq!(export.entries()[2].size, 300_000);
        assert_eq!(
            export.total_size(),
            (json.len() + photo.len() + text.len()) as u64
        );
        assert_eq!(export.archive_len(), bytes.len() as u64);

        let member = export.find("donnees/eleves.json").unwrap();
        assert_eq!(export.read(member.index, 1 << 20).unwrap(), json);
        assert!(export.find("absent.json").is_none());

        let expected: Vec<(usize, Result<Digest, EntryProblem>)> = [
            (1, &json[..]),
            (2, &photo[..]),
            (3, text.as_bytes()),
            (4, &b""[..]),
        ]
        .into_iter()
        .map(|(i, data)| {
            let digest = Digest {
                sha256: sha256_hex(data),
                bytes: data.len() as u64,
            };
            (i, Ok(digest))
        })
        .collect();
        for threads in [0, 1, 2, 16] {
            assert_eq!(export.digest_all(threads), expected, "{threads} tâches");
        }
    }

    #[test]
    fn empty_archive_opens() {
        let export = open(&build(&[])).unwrap();
        assert!(export.entries().is_empty());
        assert!(export.digest_all(4).is_empty());
    }

    /// Rewrites the end of a classic archive as ZIP64 end records followed
    /// by a classic record whose fields are saturated (`entries_field` lets
    /// a test put a contradicting count there instead).
    fn to_zip64(bytes: &[u8], entries_field: u16) -> Vec<u8> {
        let eocd = bytes.len() - 22;
        let field16 = |at: usize| u64::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        let field32 =
            |at: usize| u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()));
        let (entries, size, offset) = (field16(eocd + 10), field32(eocd + 12), field32(eocd + 16));
        let mut out = bytes[..eocd].to_vec();
        let record = out.len() as u64;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44_u64.to_le_bytes());
        out.extend_from_slice(&[45, 3, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for value in [entries, entries, size, offset] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
        out.extend_from_slice(&record.to_le_bytes());
        out.extend_from_slice(&1_u32.to_le_bytes());
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&entries_field.to_le_bytes());
        out.extend_from_slice(&entries_field.to_le_bytes());
        out.extend_from_slice(&[0xFF; 8]);
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn zip64_end_records_are_followed() {
        let bytes = build(&[
            ("a.txt", b"contenu", stored()),
            ("b.txt", b"autre", deflated()),
        ]);
        let export = open(&to_zip64(&bytes, 0xFFFF)).unwrap();
        assert_eq!(export.entries().len(), 2);
        assert_eq!(export.read(1, 100).unwrap(), b"autre");
        // Two readers must not see two archives.
        assert_eq!(
            refusal(&to_zip64(&bytes, 1)),
            "enregistrements ZIP64 incohérents : valeurs classiques et ZIP64 contradictoires"
        );
        let mut saturated = bytes.clone();
        let eocd = saturated.len() - 22;
        saturated[eocd + 16..eocd + 20].copy_from_slice(&[0xFF; 4]);
        assert_eq!(
            refusal(&saturated),
            "enregistrements ZIP64 incohérents : valeurs saturées sans localisateur ZIP64"
        );
    }

    #[test]
    fn deflate_bomb_is_refused_by_ratio() {
        let zeros = vec![0_u8; 8 << 20];
        let bytes = build(&[("bombe.bin", &zeros, deflated())]);
        let message = refusal(&bytes);
        assert!(message.contains("« bombe.bin »"), "{message}");
        assert!(message.contains("taux au-delà de 200"), "{message}");
        // Small entries are exempt: JSON legitimately deflates that well.
        let small = vec![0_u8; 1 << 20];
        assert!(open(&build(&[("petit.bin", &small, deflated())])).is_ok());
    }

    #[test]
    fn declared_total_is_bounded() {
        let data = vec![b'x'; 600];
        let bytes = build(&[("a.txt", &data, stored()), ("b.txt", &data, stored())]);
        let limits = ZipLimits {
            max_total: 1_000,
            ..ZipLimits::default()
        };
        let message = open_with(&bytes, &limits).unwrap_err().to_string();
        assert_eq!(
            message,
            "taille décompressée annoncée au-delà de 1000 octets, atteinte à l'entrée « b.txt » (bombe de décompression ?)"
        );
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..11).map(|i| format!("f{i}.txt")).collect();
        let files: Vec<(&str, &[u8], SimpleFileOptions)> = names
            .iter()
            .map(|n| (n.as_str(), &b"x"[..], stored()))
            .collect();
        let bytes = build(&files);
        let limits = ZipLimits {
            max_entries: 10,
            ..ZipLimits::default()
        };
        let message = open_with(&bytes, &limits).unwrap_err().to_string();
        assert_eq!(message, "11 entrées, au-delà de la limite de 10");
    }

    #[test]
    fn central_directory_is_bounded() {
        let bytes = build(&[("a.txt", b"a", stored()), ("b.txt", b"b", stored())]);
        let limits = ZipLimits {
            max_central_directory: 100,
            ..ZipLimits::default()
        };
        let message = open_with(&bytes, &limits).unwrap_err().to_string();
        assert!(message.starts_with("répertoire central de 1"), "{message}");
        assert!(
            message.ends_with("au-delà de la limite de 100 octets"),
            "{message}"
        );
    }

    #[test]
    fn entry_count_must_fit_the_directory() {
        let mut bytes = build(&[("a.txt", b"a", stored())]);
        let eocd = bytes.len() - 22;
        bytes[eocd + 8..eocd + 12].copy_from_slice(&[200, 0, 200, 0]);
        let message = refusal(&bytes);
        assert!(
            message.starts_with("200 entrées annoncées ne tiennent pas"),
            "{message}"
        );
    }

    #[test]
    fn symlinks_are_refused() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer.start_file("a.txt", stored()).unwrap();
        writer.write_all(b"a").unwrap();
        writer.add_symlink("lien", "/etc/passwd", stored()).unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        assert_eq!(
            refusal(&bytes),
            "entrée « lien » : lien symbolique refusé (seuls les fichiers et les répertoires sont admis)"
        );
        // `unix_permissions` keeps only the permission bits: the type has to
        // go through the external attributes.
        let fifo = build(&[("tube", b"", stored().external_attributes(0o010_644 << 16))]);
        assert!(refusal(&fifo).contains("tube nommé"));
    }

    #[test]
    fn escaping_names_are_refused() {
        let cases = [
            ("../x", "composant « .. »"),
            ("/x", "chemin absolu"),
            ("a/../x", "composant « .. »"),
            ("a\\..\\x", "barre oblique inverse"),
            ("C:x", "deux-points dans le premier composant"),
            ("a//x", "composant vide"),
            ("./x", "composant « . »"),
            ("a\u{1b}[2Jx", "caractère de contrôle U+001B"),
        ];
        for (name, reason) in cases {
            // Build with a harmless name of the same length, then patch, so
            // that the writer's own checks do not interfere.
            let placeholder = "q".repeat(name.len());
            let mut bytes = build(&[(placeholder.as_str(), b"contenu", stored())]);
            assert_eq!(
                patch_all(&mut bytes, placeholder.as_bytes(), name.as_bytes()),
                2
            );
            let message = refusal(&bytes);
            let expected = format!("entrée « {} » : nom refusé (", shown(name));
            assert!(message.starts_with(&expected), "{name}: {message}");
            assert!(message.contains(reason), "{name}: {message}");
        }
        let nul = "a\0b";
        let mut bytes = build(&[("aqb", b"contenu", stored())]);
        patch_all(&mut bytes, b"aqb", nul.as_bytes());
        assert!(refusal(&bytes).contains("caractère NUL"));
    }

    #[test]
    fn duplicate_names_are_refused() {
        let mut bytes = build(&[
            ("a.txt", b"premier", stored()),
            ("b.txt", b"second", stored()),
        ]);
        assert_eq!(patch_all(&mut bytes, b"b.txt", b"a.txt"), 2);
        assert_eq!(
            refusal(&bytes),
            "noms en double : 2 entrées pour 1 noms distincts (« a.txt » plusieurs fois)"
        );
    }

    #[test]
    fn names_must_be_utf8() {
        let mut bytes = build(&[("caf?.txt", b"contenu", stored())]);
        assert_eq!(patch_all(&mut bytes, b"caf?.txt", b"caf\xe9.txt"), 2);
        assert_eq!(
            refusal(&bytes),
            "entrée n° 0 : nom qui n'est pas de l'UTF-8 (octets 636166e92e747874)"
        );
    }

    #[test]
    fn names_equal_under_case_folding_are_refused() {
        let bytes = build(&[("Notes.txt", b"a", stored()), ("notes.TXT", b"b", stored())]);
        assert_eq!(
            refusal(&bytes),
            "entrées « Notes.txt » et « notes.TXT » : même chemin à la casse près"
        );
        let bytes = build(&[("Photos/", b"", stored()), ("photos", b"b", stored())]);
        assert!(refusal(&bytes).contains("même chemin à la casse près"));
    }

    #[test]
    fn a_file_cannot_be_a_directory() {
        let bytes = build(&[("a", b"a", stored()), ("A/b.txt", b"b", stored())]);
        assert_eq!(
            refusal(&bytes),
            "entrée « A/b.txt » : « A » est un fichier, pas un répertoire"
        );
    }

    #[test]
    fn truncated_archives_are_refused() {
        let bytes = build(&[
            ("a.txt", &noise(10_000, 3), stored()),
            ("b.txt", b"b", stored()),
        ]);
        for cut in [1, 10, 18] {
            assert_eq!(
                refusal(&bytes[..bytes.len() - cut]),
                "archive tronquée (fin de répertoire central incomplète)"
            );
        }
        for kept in [bytes.len() - 30, bytes.len() / 2, 3, 0] {
            assert_eq!(
                refusal(&bytes[..kept]),
                "archive tronquée ou qui n'est pas un ZIP (fin de répertoire central introuvable)"
            );
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = build(&[("a.txt", b"a", stored())]);
        bytes.extend_from_slice(b"ajout");
        assert_eq!(
            refusal(&bytes),
            "archive tronquée ou complétée : le commentaire final annonce 0 octets, 5 sont présents"
        );
    }

    #[test]
    fn junk_prefix_is_refused() {
        let bytes = build(&[("a.txt", b"a", stored())]);
        let mut prefixed = b"#!/bin/sh\nexec something\n".to_vec();
        prefixed.extend_from_slice(&bytes);
        let message = refusal(&prefixed);
        assert!(
            message.starts_with("répertoire central mal placé"),
            "{message}"
        );
        assert!(
            message.contains("octets ajoutés avant l'archive"),
            "{message}"
        );
    }

    #[test]
    fn flipped_crc_is_reported_on_read() {
        let mut bytes = build(&[
            ("a.txt", b"bonjour tout le monde", stored()),
            ("b.txt", b"b", stored()),
        ]);
        let (local, central) = headers(&bytes);
        // Both copies, so that only the content contradicts the CRC.
        bytes[local + 14] ^= 0x01;
        bytes[central + 16] ^= 0x01;
        let export = open(&bytes).unwrap();
        let problem = export.read(0, 1_000).unwrap_err();
        assert_eq!(
            problem.to_string(),
            "« a.txt » : somme de contrôle CRC-32 incorrecte (contenu altéré)"
        );
        let digests = export.digest_all(2);
        assert_eq!(digests[0], (0, Err(problem)));
        assert!(digests[1].1.is_ok());
    }

    #[test]
    fn altered_content_is_reported_on_read() {
        let text = "Liste des élèves de CM2.\n".repeat(400);
        let mut bytes = build(&[("liste.txt", text.as_bytes(), deflated())]);
        let (local, _) = headers(&bytes);
        let data = data_start(&bytes, local) + 10;
        bytes[data] ^= 0x55;
        let export = open(&bytes).unwrap();
        let message = export.read(0, 1 << 20).unwrap_err().to_string();
        assert!(message.starts_with("« liste.txt » : "), "{message}");
    }

    /// Declared uncompressed size patched in both headers, CRC left valid.
    fn with_declared_size(declared: u32) -> (Vec<u8>, usize) {
        let text = "x".repeat(1_000);
        let mut bytes = build(&[("court.txt", text.as_bytes(), deflated())]);
        let (local, central) = headers(&bytes);
        put32(&mut bytes, local + 22, declared);
        put32(&mut bytes, central + 24, declared);
        (bytes, text.len())
    }

    #[test]
    fn entry_shorter_than_declared_is_reported() {
        let (bytes, _) = with_declared_size(1_010);
        let export = open(&bytes).unwrap();
        let expected = EntryProblem::Shorter {
            name: "court.txt".to_owned(),
            bytes: 1_000,
            size: 1_010,
        };
        assert_eq!(
            expected.to_string(),
            "« court.txt » : 1000 octets au lieu des 1010 annoncés (contenu tronqué)"
        );
        assert_eq!(export.read(0, 1 << 20), Err(expected.clone()));
        assert_eq!(export.digest_all(1), vec![(0, Err(expected))]);
    }

    #[test]
    fn entry_longer_than_declared_is_reported() {
        let (bytes, _) = with_declared_size(990);
        let export = open(&bytes).unwrap();
        let expected = EntryProblem::Longer {
            name: "court.txt".to_owned(),
            size: 990,
        };
        assert_eq!(
            expected.to_string(),
            "« court.txt » : contenu plus long que les 990 octets annoncés"
        );
        assert_eq!(export.read(0, 1 << 20), Err(expected.clone()));
        assert_eq!(export.digest_all(1), vec![(0, Err(expected))]);
    }

    #[test]
    fn read_refuses_more_than_asked() {
        let bytes = build(&[("a.txt", &[b'a'; 1_000], deflated())]);
        let export = open(&bytes).unwrap();
        assert_eq!(
            export.read(0, 999).unwrap_err().to_string(),
            "« a.txt » : 1000 octets annoncés, au-delà des 999 octets admis pour cette lecture"
        );
        assert_eq!(export.read(0, 1_000).unwrap().len(), 1_000);
        assert_eq!(
            export.read(5, 1_000).unwrap_err().to_string(),
            "aucune entrée n° 5"
        );
    }

    #[test]
    fn encrypted_entries_are_refused() {
        let mut bytes = build(&[("secret.txt", b"chut", stored())]);
        let (local, central) = headers(&bytes);
        bytes[local + 6] |= 0x01;
        bytes[central + 8] |= 0x01;
        assert_eq!(refusal(&bytes), "entrée « secret.txt » : chiffrée");
    }

    #[test]
    fn other_compression_methods_are_refused() {
        let mut bytes = build(&[("a.bz2", b"contenu", stored())]);
        let (local, central) = headers(&bytes);
        bytes[local + 8] = 12;
        bytes[central + 10] = 12;
        let message = refusal(&bytes);
        assert!(
            message.starts_with("entrée « a.bz2 » : méthode de compression"),
            "{message}"
        );
    }

    #[test]
    fn overlapping_entries_are_refused() {
        let mut bytes = build(&[("a", &[b'a'; 10], stored()), ("b", &[b'b'; 10], stored())]);
        let (local, central) = headers(&bytes);
        // "a" now also covers the local header and data of "b"; its CRC is
        // fixed up so that only the overlap is wrong.
        let data_a = data_start(&bytes, local);
        let span = data_start(&bytes, data_a + 10) + 10 - data_a;
        let crc = {
            let mut hasher = flate2::Crc::new();
            hasher.update(&bytes[data_a..data_a + span]);
            hasher.sum()
        };
        for (header, sizes, crc_at) in [(local, 18, 14), (central, 20, 16)] {
            put32(&mut bytes, header + sizes, span as u32);
            put32(&mut bytes, header + sizes + 4, span as u32);
            put32(&mut bytes, header + crc_at, crc);
        }
        assert_eq!(
            refusal(&bytes),
            "entrées qui se recouvrent (bombe par recouvrement) : « a » et « b »"
        );
    }

    #[test]
    fn local_header_contradicting_directory_is_refused() {
        let mut bytes = build(&[("a.txt", b"contenu", stored())]);
        let (local, _) = headers(&bytes);
        bytes[local + 14] ^= 0x01;
        let message = refusal(&bytes);
        assert!(
            message.starts_with(
                "en-têtes locaux incohérents avec le répertoire central : entrée « a.txt »"
            ),
            "{message}"
        );
    }

    #[test]
    fn archive_size_is_bounded() {
        let bytes = build(&[("a.txt", b"contenu", stored())]);
        let limits = ZipLimits {
            max_archive: 50,
            ..ZipLimits::default()
        };
        let message = open_with(&bytes, &limits).unwrap_err().to_string();
        assert!(
            message.ends_with("au-delà de la limite de 50 octets"),
            "{message}"
        );
    }
}
