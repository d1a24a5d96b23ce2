//! The GAR (Gestionnaire d'Accès aux Ressources) side of an ENT, as the
//! harness receives it: the nightly GAR-ENT 1D export (a tar.gz and its
//! `.md5`), read without trusting it (`archive`), validated against the
//! ministry's schema by libxml2 (`schema`) in the same single pass that
//! reads it record by record for the integrity checks (`export`, over
//! `stream`); and the GAR's "ressources" web service that the candidate's
//! médiacentre calls (`ressources`); the SFTP drop the candidate may push
//! its export to instead (`drop`).
//!
//! The GAR domain of the harness: its scenarios (`scenario`: the export
//! downloaded and read once, the GAR's SAML service provider; `mediacentre`:
//! a pupil opening the médiacentre while the web service listens), what
//! they observe (`observation`) and the pure judges of GAR-01…GAR-12
//! (`judge`, `judge_mediacentre`).

mod archive;
mod drop;
mod examine;
mod export;
mod judge;
mod judge_mediacentre;
mod mediacentre;
mod observation;
mod ressources;
mod rules;
mod scenario;
mod schema;
mod service;
mod stream;

pub use judge::{judge_gar, judge_gar_sso};
pub use judge_mediacentre::judge_mediacentre;
pub(crate) use mediacentre::observe as observe_mediacentre;
pub use observation::{
    ForeignAnswer, ForeignOutcome, GarMediacentreObservation, GarObservation, GarSsoObservation,
};
pub use rules::{GarRule, GarStep};
pub(crate) use scenario::{observe, observe_sso};
pub use service::{GarSetup, start_ressources};

pub use archive::{ArchiveError, ArchiveLimits, Member, TarStream, read_tar_gz, write_tar};
pub use drop::{DropError, SftpDrop};
pub use examine::{Examined, examine};
pub use export::{
    At, FileName, GarExport, GarGroup, GarLink, GarPerson, GarRespAff, Kind, List, NAMESPACE,
    Place, ReadMember, Sym, parse_archive_name, parse_file_name, read_member, refuse_doctype,
    screen,
};
pub use ressources::{
    Asked, FailedHandshake, Presented, Received, Resource, RessourcesCall, RessourcesError,
    RessourcesService, RunningRessources, resources_for, spawn as spawn_ressources,
};
pub use schema::{Validator, XSD_1D, XsdFinding, validate};
