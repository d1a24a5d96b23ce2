//! Reading a candidate's export archive (tar.gz) without trusting it: the
//! gzip stream is expanded against a total-size bound and a ratio bound
//! (a decompression bomb stops early), tar headers are parsed here rather
//! than by a library that would create files, and member names that climb
//! out (`..`, absolute paths), links and duplicates are refused. Nothing is
//! written to disk.

use std::io::Read;

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

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn octal(field: &[u8]) -> Option<u64> {
    let digits = text(field);
    let digits = digits.trim();
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
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

    fn next_member(&mut self) -> Result<Option<Member>, ArchiveError> {
        let mut long_name: Option<String> = None;
        loop {
            let offset = self.expanded;
            let mut header = [0u8; 512];
            if !self.fill(&mut header)? {
                return if offset == 0 {
                    Err(ArchiveError::Truncated("archive vide".to_owned()))
                } else {
                    Ok(None)
                };
            }
            if header.iter().all(|b| *b == 0) {
                return Ok(None);
            }
            let stored: u64 = header[148..156]
                .iter()
                .take_while(|b| **b != 0 && **b != b' ')
                .fold(0u64, |acc, b| acc * 8 + u64::from(b.wrapping_sub(b'0')));
            let computed: u64 = header
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    if (148..156).contains(&i) {
                        u64::from(b' ')
                    } else {
                        u64::from(*b)
                    }
                })
                .sum();
            if stored != computed {
                return Err(ArchiveError::BadHeader(offset));
            }
            let size = octal(&header[124..136]).ok_or(ArchiveError::BadHeader(offset))?;
            let name = match long_name.take() {
                Some(name) => name,
                None if &header[257..262] == b"ustar" && header[345] != 0 => {
                    format!("{}/{}", text(&header[345..500]), text(&header[0..100]))
                }
                None => text(&header[0..100]),
            };
            let kind = header[156];
            if size > self.limits.max_total {
                return Err(ArchiveError::TooLarge {
                    limit: self.limits.max_total,
                });
            }
            if matches!(kind, b'0' | 0) && size > self.limits.max_member {
                return Err(ArchiveError::MemberTooLarge {
                    name: shortened(&name),
                    size,
                    limit: self.limits.max_member,
                });
            }
            if kind == b'L' && size > MAX_NAME {
                return Err(ArchiveError::NameTooLong { length: size });
            }
            let padded = size.div_ceil(512) * 512;
            let size = usize::try_from(size).map_err(|_| ArchiveError::BadHeader(offset))?;
            if matches!(kind, b'0' | 0) {
                if !safe(&name) {
                    return Err(ArchiveError::UnsafeName(name));
                }
                if self.names.contains(&name) {
                    return Err(ArchiveError::Duplicate(name));
                }
                if self.names.len() >= self.limits.max_entries {
                    return Err(ArchiveError::TooManyEntries(self.limits.max_entries));
                }
            }
            let mut data = Vec::with_capacity(
                usize::try_from(padded.min(RESERVED))
                    .map_err(|_| ArchiveError::BadHeader(offset))?,
            );
            let mut chunk = vec![0u8; usize::try_from(padded.min(64 << 10)).unwrap_or(64 << 10)];
            let mut left = padded;
            while left > 0 {
                let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
                if !self.fill(&mut chunk[..take])? {
                    return Err(ArchiveError::Truncated(shortened(&name)));
                }
                data.extend_from_slice(&chunk[..take]);
                left -= take as u64;
            }
            data.truncate(size);
            match kind {
                b'0' | 0 => {
                    self.names.insert(name.clone());
                    return Ok(Some(Member { name, data }));
                }
                b'L' => long_name = Some(text(&data)),
                // Directories hold nothing; pax headers only metadata.
                b'5' | b'x' | b'g' => {
                    if !safe(&name) {
                        return Err(ArchiveError::UnsafeName(name));
                    }
                }
                b'1' => {
                    return Err(ArchiveError::NotRegular {
                        name,
                        kind: "lien physique",
                    });
                }
                b'2' => {
                    return Err(ArchiveError::NotRegular {
                        name,
                        kind: "lien symbolique",
                    });
                }
                _ => {
                    return Err(ArchiveError::NotRegular {
                        name,
                        kind: "fichier spécial",
                    });
                }
            }
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

/// Writes a ustar archive (tests, benchmark, fixtures).
pub fn write_tar(files: &[(&str, &[u8], u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, kind) in files {
        let mut header = [0u8; 512];
        let name_bytes = name.as_bytes();
        let len = name_bytes.len().min(100);
        header[..len].copy_from_slice(&name_bytes[..len]);
        header[100..108].copy_from_slice(b"0000644\0");
        header[108..116].copy_from_slice(b"0000000\0");
        header[116..124].copy_from_slice(b"0000000\0");
        let size = format!("{:011o}\0", data.len());
        header[124..136].copy_from_slice(size.as_bytes());
        header[136..148].copy_from_slice(b"00000000000\0");
        header[156] = *kind;
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
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
