//! The GAR "ressources" web service of a run, started from the target's
//! `[gar]` section: listening for the whole run, or why it could not.

use std::sync::Arc;

use super::ressources::{RessourcesService, RunningRessources, spawn};
use crate::evidence::Clock;
use crate::idp::{SigningKey, TlsRole, server_names};
use crate::suite::GarTarget;

/// The GAR web service of a run: listening, or why not.
#[derive(Clone, Debug)]
pub enum GarSetup {
    /// Serving.
    Ready(Arc<RessourcesService>),
    /// It could not start (the checks that need it are `error`).
    Failed(String),
}

/// Starts the service a target's `[gar]` section describes, dating its
/// certificate and its log by `clock` (the system clock: the candidate
/// checks the certificate against its own real time).
pub async fn start_ressources(
    gar: &GarTarget,
    clock: Arc<dyn Clock>,
) -> Result<RunningRessources, String> {
    let hosts = server_names(gar.ressources_listen.ip(), &gar.ressources_public_url);
    let name = "entconf — service ressources du GAR (test uniquement)";
    let identity = match &gar.ressources_keys {
        Some(dir) => SigningKey::load_or_create_tls(dir, name, &hosts, clock.as_ref()),
        None => SigningKey::generate_tls(name, TlsRole::Server, &hosts, clock.as_ref()),
    }
    .map_err(|error| error.to_string())?;
    let service = RessourcesService::new(
        &gar.client_certificate,
        identity,
        gar.ressources_public_url.clone(),
        clock,
    )
    .map_err(|error| error.to_string())?;
    spawn(gar.ressources_listen, Arc::new(service))
        .await
        .map_err(|error| error.to_string())
}
