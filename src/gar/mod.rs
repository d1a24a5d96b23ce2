//! The GAR (Gestionnaire d'Accès aux Ressources) side of an ENT, as the
//! harness receives it: the nightly GAR-ENT 1D export (a tar.gz and its
//! `.md5`), read without trusting it (`archive`), validated against the
//! ministry's schema by libxml2 (`schema`), and understood record by record
//! for the integrity checks (`export`); and the GAR's "ressources" web
//! service that the candidate's médiacentre calls (`ressources`); the SFTP
//! drop the candidate may push its export to instead (`drop`).

mod archive;
mod drop;
mod examine;
mod export;
mod ressources;
mod schema;

pub use archive::{ArchiveError, ArchiveLimits, Member, TarStream, read_tar_gz, write_tar};
pub use drop::{DropError, SftpDrop};
pub use examine::{Examined, examine};
pub use export::{
    FileName, GarExport, GarGroup, GarLink, GarPerson, GarRespAff, Kind, NAMESPACE, Place,
    parse_archive_name, parse_file_name, parse_member, refuse_doctype,
};
pub use ressources::{
    Asked, FailedHandshake, Presented, Received, Resource, RessourcesCall, RessourcesError,
    RessourcesService, RunningRessources, resources_for, spawn as spawn_ressources,
};
pub use schema::{Validator, XSD_1D, XsdFinding, validate};
