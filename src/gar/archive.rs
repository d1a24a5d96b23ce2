//! Reading a candidate's export archive (tar.gz) without trusting it: the
//! gzip stream is expanded against a total-size bound and a ratio bound
//! (a decompression bomb stops early), member names that climb out (`..`,
//! absolute paths), links and duplicates are refused, and every size is
//! judged from its header before a byte of it is read. Nothing is written
//! to disk.
//!
//! The `tar` crate reads the headers and pax records; the stream itself is
//! walked here, because the crate's iterator reads GNU long names and pax
//! headers whole before handing them over (a 340 MiB name took 350 MiB),
//! and borrows the archive, so it cannot be the `Send` source the examining
//! threads pull members from (docs/design.md).

use std::io::Read;

use tar::{EntryType, Header, PaxExtensions};

/// Bounds on what one archive may expand to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest expanded size, in bytes.
    pub max_total: u64,
    /// Largest expanded / compressed size ratio.
    pub max_ratio: u64,
    /// Largest number of members.
    pub max_entries: usize,
    /// Largest member (a file is read whole to be validated).
    pub max_member: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_total: 1 << 30,
            max_ratio: 200,
            max_entries: 10_000,
            max_member: 64 << 20,
        }
    }
}

/// A regular file of the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its name, as stored.
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a gzip stream, or a corrupt one.
    #[error("flux gzip illisible : {0}")]
    Gzip(String),
    /// Expands beyond the size bound.
    #[error("l'archive dépasse {limit} octets une fois décompressée (décompression arrêtée)")]
    TooLarge {
        /// The bound.
        limit: u64,
    },
    /// Expands beyond the ratio bound.
    #[error(
        "taux de compression supérieur à {limit} pour 1 (bombe de décompression probable, \
         décompression arrêtée à {expanded} octets)"
    )]
    Ratio {
        /// The bound.
        limit: u64,
        /// Bytes expanded when stopped.
        expanded: u64,
    },
    /// The tar stream ends in the middle of a member.
    #[error("archive tar tronquée : {0}")]
    Truncated(String),
    /// A header is not a tar header.
    #[error("en-tête tar invalide à l'octet {0}")]
    BadHeader(u64),
    /// A GNU long name beyond `PATH_MAX`.
    #[error("nom de fichier de {length} octets dans l'archive (au plus 4096) : refusé")]
    NameTooLong {
        /// Its length in bytes.
        length: u64,
    },
    /// A pax header beyond the bound.
    #[error("en-tête pax de {length} octets dans l'archive (au plus 4096) : refusé")]
    PaxTooLong {
        /// Its length in bytes.
        length: u64,
    },
    /// A name that would leave the extraction folder.
    #[error("nom de fichier refusé « {0} » : chemin absolu ou remontée « .. »")]
    UnsafeName(String),
    /// A link or device instead of a file.
    #[error("« {name} » n'est pas un fichier ordinaire ({kind}) : refusé")]
    NotRegular {
        /// Member name.
        name: String,
        /// What it is.
        kind: &'static str,
    },
    /// A member larger than the member bound.
    #[error("« {name} » pèse {size} octets, au-delà de {limit} pour un fichier (refusé)")]
    MemberTooLarge {
        /// Member name (shortened).
        name: String,
        /// Its declared size.
        size: u64,
        /// The bound.
        limit: u64,
    },
    /// The same name twice.
    #[error("« {0} » figure deux fois dans l'archive")]
    Duplicate(String),
    /// Too many members.
    #[error("plus de {0} fichiers dans l'archive")]
    TooManyEntries(usize),
}

impl ArchiveError {
    /// Whether the archive's content is at fault (a refusal), rather than
    /// its end missing: a cut transfer also ends in a truncated stream.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Gzip(_) | Self::Truncated(_))
    }
}

/// A long name (GNU or pax) as UTF-8 (lossy): its terminating NULs
/// dropped, any other left for [`safe`] to refuse.
fn long_name_of(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|b| *b != 0)
        .map_or(0, |last| last + 1);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// A name as messages quote it: at most 200 characters, with its length
/// when cut.
fn shortened(name: &str) -> String {
    crate::text::shortened(name, 200)
}

fn safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name.split('/').all(|part| part != "..")
}

/// Compressed bytes the gzip decoder has pulled so far.
struct Counted<R> {
    inner: R,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.consumed
            .fetch_add(read as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(read)
    }
}

/// Expanded bytes below which the ratio is not judged: a few kilobytes of
/// repeated markup may compress far better than the whole.
const RATIO_FREE: u64 = 1 << 20;
/// Longest member name (GNU long names included): `PATH_MAX`.
const MAX_NAME: u64 = 4096;
/// Largest pax header: a path of `PATH_MAX` and a few short records.
const MAX_PAX: u64 = 4096;
/// Bytes read at a time into a member, or skipped.
const CHUNK: u64 = 64 << 10;
/// Largest buffer reserved ahead of a member's data: a header may lie about
/// the size, so the rest grows as bytes really arrive.
const RESERVED: u64 = 1 << 20;

/// The members of a tar.gz, one at a time, as the gzip stream is expanded:
/// at most one member is in memory, and the bounds are checked at every
/// read against what was read so far, so a bomb stops early, even in an
/// archive whose end never arrives. Concatenated gzip members (`pigz`,
/// `cat a.gz b.gz`) are one stream, as for `tar xzf`.
pub struct TarStream<R: Read> {
    gzip: flate2::read::MultiGzDecoder<Counted<R>>,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    limits: ArchiveLimits,
    expanded: u64,
    names: std::collections::BTreeSet<String>,
    done: bool,
}

impl<R: Read> TarStream<R> {
    /// A stream over the gzip bytes `compressed` yields.
    pub fn new(compressed: R, limits: ArchiveLimits) -> Self {
        let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        Self {
            gzip: flate2::read::MultiGzDecoder::new(Counted {
                inner: compressed,
                consumed: std::sync::Arc::clone(&consumed),
            }),
            consumed,
            limits,
            expanded: 0,
            names: std::collections::BTreeSet::new(),
            done: false,
        }
    }

    /// Compressed bytes read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Reads exactly `buf.len()` bytes; `Ok(false)` at a clean end of stream
    /// before the first byte.
    fn fill(&mut self, buf: &mut [u8]) -> Result<bool, ArchiveError> {
        let mut filled = 0;
        while filled < buf.len() {
            let read = self
                .gzip
                .read(&mut buf[filled..])
                .map_err(|error| ArchiveError::Gzip(error.to_string()))?;
            if read == 0 {
                return if filled == 0 {
                    Ok(false)
                } else {
                    Err(ArchiveError::Truncated(format!(
                        "fin du flux après {} octets",
                        self.expanded
                    )))
                };
            }
            filled += read;
            self.expanded += read as u64;
            if self.expanded > self.limits.max_total {
                return Err(ArchiveError::TooLarge {
                    limit: self.limits.max_total,
                });
            }
            if self.expanded > RATIO_FREE
                && self.expanded > self.consumed().saturating_mul(self.limits.max_ratio)
            {
                return Err(ArchiveError::Ratio {
                    limit: self.limits.max_ratio,
                    expanded: self.expanded,
                });
            }
        }
        Ok(true)
    }

    /// Reads `size` bytes of data, then the padding to the next block.
    fn read_data(&mut self, size: u64, name: &str) -> Result<Vec<u8>, ArchiveError> {
        let reserved = usize::try_from(size.min(RESERVED)).unwrap_or(0);
        let mut data = Vec::with_capacity(reserved);
        let mut left = size;
        while left > 0 {
            let take = usize::try_from(left.min(CHUNK)).unwrap_or(0);
            let start = data.len();
            data.resize(start + take, 0);
            if !self.fill(&mut data[start..])? {
                return Err(ArchiveError::Truncated(shortened(name)));
            }
            left -= take as u64;
        }
        self.skip(size.next_multiple_of(512) - size, name)?;
        Ok(data)
    }

    /// Reads and drops `size` bytes.
    fn skip(&mut self, size: u64, name: &str) -> Result<(), ArchiveError> {
        let mut chunk = [0u8; 8 << 10];
        let mut left = size;
        while left > 0 {
            let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(0);
            if !self.fill(&mut chunk[..take])? {
                return Err(ArchiveError::Truncated(shortened(name)));
            }
            left -= take as u64;
        }
        Ok(())
    }

    fn next_member(&mut self) -> Result<Option<Member>, ArchiveError> {
        // What a GNU long name or a pax header says of the next member.
        let mut long_name: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let offset = self.expanded;
            let mut header = Header::new_old();
            if !self.fill(header.as_mut_bytes())? {
                return if offset == 0 {
                    Err(ArchiveError::Truncated("archive vide".to_owned()))
                } else {
                    Ok(None)
                };
            }
            if header.as_bytes().iter().all(|b| *b == 0) {
                return Ok(None);
            }
            let bad = |_| ArchiveError::BadHeader(offset);
            // The checksum the crate writes, against the one stored.
            let mut sealed = header.clone();
            sealed.set_cksum();
            if header.cksum().map_err(bad)? != sealed.cksum().map_err(bad)? {
                return Err(ArchiveError::BadHeader(offset));
            }
            let size = header.entry_size().map_err(bad)?;
            // The crate cuts the header's name at its first NUL and joins a
            // ustar prefix (not the GNU header's access times).
            let stored = String::from_utf8_lossy(&header.path_bytes()).into_owned();
            let kind = header.entry_type();
            if size > self.limits.max_total {
                return Err(ArchiveError::TooLarge {
                    limit: self.limits.max_total,
                });
            }
            if kind.is_gnu_longname() {
                if size > MAX_NAME {
                    return Err(ArchiveError::NameTooLong { length: size });
                }
                long_name = Some(long_name_of(&self.read_data(size, &stored)?));
                continue;
            }
            if kind.is_pax_local_extensions() || kind.is_pax_global_extensions() {
                if !safe(&stored) {
                    return Err(ArchiveError::UnsafeName(stored));
                }
                if size > MAX_PAX {
                    return Err(ArchiveError::PaxTooLong { length: size });
                }
                let records = self.read_data(size, &stored)?;
                // A global header's records apply to no one member: only
                // metadata, left aside.
                if kind.is_pax_local_extensions() {
                    for record in PaxExtensions::new(&records) {
                        let record = record.map_err(bad)?;
                        match record.key() {
                            // The name tar(1) would extract, not the
                            // header's (which may be cut to 100 bytes).
                            Ok("path") => long_name = Some(long_name_of(record.value_bytes())),
                            Ok("size") => {
                                let value = record.value().ok().and_then(|v| v.parse().ok());
                                pax_size = Some(value.ok_or(ArchiveError::BadHeader(offset))?);
                            }
                            _ => {}
                        }
                    }
                }
                continue;
            }
            let name = long_name.take().unwrap_or(stored);
            // A pax size overrides the header's: the data would be framed
            // differently from what is read here.
            if let Some(declared) = pax_size.take().filter(|declared| *declared != size) {
                return Err(if declared > self.limits.max_member {
                    ArchiveError::MemberTooLarge {
                        name: shortened(&name),
                        size: declared,
                        limit: self.limits.max_member,
                    }
                } else {
                    ArchiveError::BadHeader(offset)
                });
            }
            if kind.is_dir() {
                // A directory holds nothing; its name is checked all the same.
                if !safe(&name) {
                    return Err(ArchiveError::UnsafeName(name));
                }
                self.skip(size.next_multiple_of(512), &name)?;
                continue;
            }
            if !kind.is_file() {
                let kind = match kind {
                    EntryType::Link => "lien physique",
                    EntryType::Symlink => "lien symbolique",
                    _ => "fichier spécial",
                };
                return Err(ArchiveError::NotRegular { name, kind });
            }
            if size > self.limits.max_member {
                return Err(ArchiveError::MemberTooLarge {
                    name: shortened(&name),
                    size,
                    limit: self.limits.max_member,
                });
            }
            if !safe(&name) {
                return Err(ArchiveError::UnsafeName(name));
            }
            if self.names.contains(&name) {
                return Err(ArchiveError::Duplicate(name));
            }
            if self.names.len() >= self.limits.max_entries {
                return Err(ArchiveError::TooManyEntries(self.limits.max_entries));
            }
            let data = self.read_data(size, &name)?;
            self.names.insert(name.clone());
            return Ok(Some(Member { name, data }));
        }
    }
}

impl<R: Read> Iterator for TarStream<R> {
    type Item = Result<Member, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_member() {
            Ok(Some(member)) => Some(Ok(member)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

/// The regular files of a tar.gz, in archive order (all in memory: for
/// small archives and tests; [`TarStream`] for the rest).
pub fn read_tar_gz(compressed: &[u8], limits: &ArchiveLimits) -> Result<Vec<Member>, ArchiveError> {
    TarStream::new(compressed, *limits).collect()
}

/// Writes a ustar archive (tests, benchmark, fixtures). Names are copied
/// as given (cut to 100 bytes), hostile ones included, and `kind` is the
/// raw type byte: the crate's `Builder` would refuse to write them.
pub fn write_tar(files: &[(&str, &[u8], u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, kind) in files {
        let mut header = Header::new_ustar();
        let name = name.as_bytes();
        let len = name.len().min(100);
        header.as_old_mut().name[..len].copy_from_slice(&name[..len]);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(data.len() as u64);
        header.set_entry_type(EntryType::new(*kind));
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = encoder.write_all(data);
        encoder.finish().unwrap_or_default()
    }

    #[test]
    fn reads_regular_files() {
        let archive = gzip(&write_tar(&[
            ("a.xml", b"<a/>", b'0'),
            ("b.xml", b"<b/>", b'0'),
        ]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].name, "b.xml");
        assert_eq!(members[1].data, b"<b/>");
    }

    #[test]
    fn refuses_traversal_links_and_duplicates() {
        let limits = ArchiveLimits::default();
        for (files, expected) in [
            (vec![("../../etc/passwd", &b"x"[..], b'0')], "remontée"),
            (vec![("/etc/passwd", &b"x"[..], b'0')], "chemin absolu"),
            (vec![("lien.xml", &b""[..], b'2')], "lien symbolique"),
            (
                vec![("a.xml", &b"1"[..], b'0'), ("a.xml", &b"2"[..], b'0')],
                "deux fois",
            ),
        ] {
            let error = read_tar_gz(&gzip(&write_tar(&files)), &limits).expect_err("refused");
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn stops_decompression_bombs_early() {
        // 64 MiB of zeros compress to about 64 KiB: a ratio near 1000.
        let zeros = vec![0u8; 64 << 20];
        let bomb = gzip(&write_tar(&[("zeros.xml", &zeros, b'0')]));
        let error = read_tar_gz(&bomb, &ArchiveLimits::default()).expect_err("bomb");
        assert!(
            matches!(error, ArchiveError::Ratio { limit: 200, .. }),
            "{error}"
        );
        let small = ArchiveLimits {
            max_total: 1 << 20,
            max_ratio: 100_000,
            max_entries: 10,
            max_member: u64::MAX,
        };
        let error = read_tar_gz(&bomb, &small).expect_err("too large");
        assert!(matches!(error, ArchiveError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let tar = write_tar(&[("a.xml", b"<a/>", b'0'), ("b.xml", b"<b/>", b'0')]);
        let mut archive = gzip(&tar[..512 + 512]);
        archive.extend_from_slice(&gzip(&tar[1024..]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        assert_eq!(members.len(), 2, "the second member was dropped");
    }

    #[test]
    fn a_bomb_is_seen_in_the_first_bytes_of_a_cut_stream() {
        let zeros = vec![0u8; 64 << 20];
        let mut bomb = gzip(&write_tar(&[("zeros.xml", &zeros, b'0')]));
        bomb.truncate(bomb.len() / 4);
        let error = read_tar_gz(&bomb, &ArchiveLimits::default()).expect_err("bomb");
        assert!(matches!(error, ArchiveError::Ratio { .. }), "{error}");
        assert!(error.is_refusal());
    }

    #[test]
    fn long_names_are_bounded_and_not_quoted_whole() {
        let name = "n".repeat(1 << 20);
        let archive = gzip(&write_tar(&[("././@LongLink", name.as_bytes(), b'L')]));
        let error = read_tar_gz(&archive, &ArchiveLimits::default()).expect_err("long");
        assert!(
            matches!(error, ArchiveError::NameTooLong { length } if length == 1 << 20),
            "{error}"
        );
        assert!(error.to_string().len() < 200, "{error}");
        let big = vec![b'x'; 2000];
        let cut = gzip(&write_tar(&[(&"m".repeat(99), &big[..], b'0')])[..1024]);
        let error = read_tar_gz(&cut, &ArchiveLimits::default()).expect_err("cut");
        assert!(!error.is_refusal(), "{error}");
    }

    /// One pax record: its length counts itself.
    fn pax(key: &str, value: &str) -> Vec<u8> {
        let rest = format!(" {key}={value}\n");
        let mut length = rest.len() + 1;
        while format!("{length}{rest}").len() != length {
            length += 1;
        }
        format!("{length}{rest}").into_bytes()
    }

    fn refusal(files: &[(&str, &[u8], u8)]) -> ArchiveError {
        read_tar_gz(&gzip(&write_tar(files)), &ArchiveLimits::default()).expect_err("refused")
    }

    #[test]
    fn pax_paths_name_the_member_and_are_checked_like_any_name() {
        let long = format!("{}/BEN_GAR-ENT_Complet_Eleve.xml", "dossier".repeat(20));
        let records = pax("path", &long);
        let archive = gzip(&write_tar(&[
            ("PaxHeaders/1", &records, b'x'),
            ("coupé.xml", b"<a/>", b'0'),
            ("b.xml", b"<b/>", b'0'),
        ]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [long.as_str(), "b.xml"]);
        // The header's own name is harmless; the one tar(1) would use is not.
        let climbs = pax("path", "../../etc/cron.d/x");
        assert_eq!(
            refusal(&[("PaxHeaders/1", &climbs, b'x'), ("ok.xml", b"1", b'0')]),
            ArchiveError::UnsafeName("../../etc/cron.d/x".to_owned())
        );
        let nul = pax("path", "a.xml\0../x");
        assert!(matches!(
            refusal(&[("PaxHeaders/1", &nul, b'x'), ("ok.xml", b"1", b'0')]),
            ArchiveError::UnsafeName(_)
        ));
        // A global header's path names no member.
        let global = pax("path", "../x");
        let archive = gzip(&write_tar(&[
            ("PaxHeaders/g", &global, b'g'),
            ("a.xml", b"1", b'0'),
        ]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        assert_eq!(members[0].name, "a.xml");
    }

    #[test]
    fn pax_sizes_that_disagree_with_the_header_are_refused() {
        let same = pax("size", "1");
        let archive = gzip(&write_tar(&[
            ("PaxHeaders/1", &same, b'x'),
            ("a.xml", b"1", b'0'),
        ]));
        assert_eq!(
            read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid")[0].data,
            b"1"
        );
        let other = pax("size", "2");
        assert_eq!(
            refusal(&[("PaxHeaders/1", &other, b'x'), ("a.xml", b"1", b'0')]),
            ArchiveError::BadHeader(1024)
        );
        let huge = pax("size", "99999999999");
        assert!(matches!(
            refusal(&[("PaxHeaders/1", &huge, b'x'), ("a.xml", b"1", b'0')]),
            ArchiveError::MemberTooLarge {
                size: 99_999_999_999,
                ..
            }
        ));
        let garbage = b"12 size=x\n".to_vec();
        assert!(matches!(
            refusal(&[("PaxHeaders/1", &garbage, b'x'), ("a.xml", b"1", b'0')]),
            ArchiveError::BadHeader(0)
        ));
        let big = vec![b'1'; 4097];
        assert_eq!(
            refusal(&[("PaxHeaders/1", &big, b'x')]),
            ArchiveError::PaxTooLong { length: 4097 }
        );
    }

    #[test]
    fn gnu_long_names_name_the_next_member() {
        let long = "n".repeat(300) + ".xml";
        let mut stored = long.clone().into_bytes();
        stored.push(0);
        let archive = gzip(&write_tar(&[
            ("././@LongLink", &stored, b'L'),
            ("n.xml", b"<a/>", b'0'),
        ]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        assert_eq!(members[0].name, long);
        let inside = b"a.xml\0/../../x\0".to_vec();
        assert!(matches!(
            refusal(&[("././@LongLink", &inside, b'L'), ("a.xml", b"1", b'0')]),
            ArchiveError::UnsafeName(name) if name.contains('\0')
        ));
        assert!(matches!(
            refusal(&[("dossier\\a.xml", b"1", b'0')]),
            ArchiveError::UnsafeName(_)
        ));
    }

    #[test]
    fn sizes_and_kinds_are_judged_from_the_header_alone() {
        // Headers only: their data never comes. Each is refused for what
        // it declares, not reported as a truncated stream.
        let header = |name: &str, kind: u8, size: u64| {
            let mut header = Header::new_gnu();
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_size(size);
            header.set_entry_type(EntryType::new(kind));
            header.set_cksum();
            gzip(header.as_bytes())
        };
        let limits = ArchiveLimits::default();
        let read = |archive: Vec<u8>| read_tar_gz(&archive, &limits).expect_err("refused");
        assert_eq!(
            read(header("a.xml", b'0', 100 << 20)),
            ArchiveError::MemberTooLarge {
                name: "a.xml".to_owned(),
                size: 100 << 20,
                limit: 64 << 20
            }
        );
        // Beyond 8 GiB the size is written in binary (GNU): still read.
        assert!(matches!(
            read(header("a.xml", b'0', 9 << 30)),
            ArchiveError::TooLarge { .. }
        ));
        for (kind, what) in [
            (b'1', "lien physique"),
            (b'2', "lien symbolique"),
            (b'3', "fichier spécial"),
            (b'6', "fichier spécial"),
            (b'7', "fichier spécial"),
            (b'K', "fichier spécial"),
            (b'S', "fichier spécial"),
        ] {
            assert_eq!(
                read(header("x", kind, 500 << 20)),
                ArchiveError::NotRegular {
                    name: "x".to_owned(),
                    kind: what
                },
                "{}",
                char::from(kind)
            );
        }
        assert_eq!(
            read(header("../d", b'5', 0)),
            ArchiveError::UnsafeName("../d".to_owned())
        );
    }

    #[test]
    fn a_gnu_header_has_no_ustar_prefix() {
        // GNU headers keep access and change times where ustar keeps the
        // name's prefix: they are not part of the name.
        let mut header = Header::new_gnu();
        header.as_old_mut().name[..5].copy_from_slice(b"a.xml");
        header.set_size(1);
        header.set_mode(0o644);
        if let Some(gnu) = header.as_gnu_mut() {
            gnu.set_atime(1_700_000_000);
        }
        header.set_cksum();
        let mut tar = header.as_bytes().to_vec();
        tar.extend_from_slice(&[b'1'; 512]);
        tar.resize(tar.len() + 1024, 0);
        let members = read_tar_gz(&gzip(&tar), &ArchiveLimits::default()).expect("valid");
        assert_eq!(members[0].name, "a.xml");
        assert_eq!(members[0].data, b"1");
        // Directories are passed over.
        let archive = gzip(&write_tar(&[("d/", b"", b'5'), ("d/a.xml", b"1", b'0')]));
        let members = read_tar_gz(&archive, &ArchiveLimits::default()).expect("valid");
        assert_eq!(members.len(), 1);
    }

    #[test]
    fn truncated_and_corrupt_archives_are_reported() {
        let tar = write_tar(&[("a.xml", &[b'x'; 2000], b'0')]);
        let cut = gzip(&tar[..1024]);
        assert!(matches!(
            read_tar_gz(&cut, &ArchiveLimits::default()),
            Err(ArchiveError::Truncated(_))
        ));
        let mut bad = tar.clone();
        bad[10] ^= 0xFF;
        assert!(matches!(
            read_tar_gz(&gzip(&bad), &ArchiveLimits::default()),
            Err(ArchiveError::BadHeader(0))
        ));
        assert!(matches!(
            read_tar_gz(b"pas du gzip", &ArchiveLimits::default()),
            Err(ArchiveError::Gzip(_))
        ));
    }
}
