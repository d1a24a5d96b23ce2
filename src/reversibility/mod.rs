//! Reversibility: what an ENT must give back when a commune changes editor.
//! The harness seeds known content (`seed`), asks for the export in the
//! published exchange format (`format`), reads the archive without
//! extracting it and without trusting it (`archive`, `examine`); the checks
//! compare what came back with what was seeded. The reference reader
//! (`import`) takes an archive in as a successor editor would, for the round
//! trip. Deletion certificates are signed JWS whose signature `jws` verifies.

pub mod archive;
mod examine;
pub mod format;
pub mod import;
pub mod jws;
mod seed;

pub use examine::{Examined, examine, manifest_problems};
pub use seed::{
    GroundTruth, Item, Role, SeedError, SeededComment, SeededFile, SeededPerson, SeededSchool,
    marker,
};

/// Seconds a link may outlive the validity asked, for clocks and queues.
pub const LINK_SLACK_SECONDS: i64 = 30;
