//! Reversibility: what an ENT must give back when a commune changes editor.
//! The harness seeds known content (`seed`), asks for the export in the
//! published exchange format (`format`), reads the archive without
//! extracting it and without trusting it (`archive`, `examine`); the checks
//! compare what came back with what was seeded. The reference reader
//! (`import`) takes an archive in as a successor editor would, for the round
//! trip. Deletion certificates are signed JWS whose signature `jws` verifies.
//!
//! The EXPORT and DELCERT domain: the scenario played once per run
//! (`scenario`: seed, exports as controller and as others, archives read,
//! the link after expiry; then deletions, certificates, probes; `erasure`:
//! the deleted people's logins and the schools' counts before and after),
//! what it observes (`observation`), and the pure judges (`judge_export`,
//! `judge_delcert`).

pub mod archive;
mod erasure;
mod examine;
pub mod format;
pub mod import;
mod judge_delcert;
mod judge_export;
pub mod jws;
mod observation;
mod rules;
mod scenario;
mod seed;

pub use judge_delcert::judge_delcert;
pub use judge_export::judge_export;
pub use observation::{
    ArchiveRead, AskedDeletion, Attempt, Continuity, CountChange, Declined, DeletionObservation,
    ExportJob, ExportObservation, Fetched, ObjectProbe, Portability, RoundTrip, SchoolCount,
    ServedCertificate, WitnessLogin, Working,
};
pub use rules::{DelcertRule, ExportRule};
pub(crate) use scenario::{observe, observe_deletion, observe_expiry, observe_seed};

pub use examine::{Examined, examine, manifest_problems};
pub use seed::{
    GroundTruth, Item, Role, SeedError, SeededComment, SeededFile, SeededPerson, SeededSchool,
    marker,
};

/// Seconds a link may outlive the validity asked, for clocks and queues.
pub const LINK_SLACK_SECONDS: i64 = 30;
