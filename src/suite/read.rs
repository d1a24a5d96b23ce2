//! Reading the operator's files within bounds: a suite, a target
//! description, a secret or a certificate is small, and a path that names
//! something endless (`/dev/zero`, a huge file by mistake) must be refused
//! with its name rather than exhaust memory.

use std::io::Read;
use std::path::Path;

/// A suite file or a target description: the shipped suites are a few
/// dozen KiB each, so 4 MiB leaves room for any real one.
pub const MAX_DESCRIPTION_FILE: u64 = 4 << 20;

/// A secret (password, token) read from a file: a few hundred bytes at most.
pub const MAX_SECRET_FILE: u64 = 64 << 10;

/// A PEM certificate (chain) or an OpenSSH public key.
pub const MAX_KEY_FILE: u64 = 1 << 20;

/// Why a bounded read failed.
#[derive(Debug, thiserror::Error)]
pub enum BoundedReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than the bound.
    #[error("fichier de plus de {}, refusé", display_bound(*.limit))]
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
}

/// The bytes of `path`, refused beyond `limit` bytes; never reads more than
/// `limit + 1` bytes whatever the file is.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BoundedReadError> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// `64 KiB`, `4 MiB`: a bound as the operator reads it.
pub fn display_bound(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} octets")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_after_the_bound() {
        let error = read_bounded(Path::new("/dev/zero"), 1024).expect_err("endless");
        assert_eq!(error.to_string(), "fichier de plus de 1 KiB, refusé");
        assert_eq!(display_bound(MAX_DESCRIPTION_FILE), "4 MiB");
        assert_eq!(display_bound(MAX_SECRET_FILE), "64 KiB");
    }
}
