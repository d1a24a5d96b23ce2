//! The médiacentre of a run (GAR-08, GAR-09): the GAR "ressources" web
//! service the harness serves for the whole run, and, once per run, the
//! first pupil of the directory opening the médiacentre while the service
//! records what it receives.

use std::sync::Arc;

use super::observation::GarMediacentreObservation;
use crate::evidence::Clock;
use crate::gar::{Asked, RessourcesService, RunningRessources, spawn_ressources};
use crate::idp::{SigningKey, TlsRole};
use crate::probe::ReceivedRequest;
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::suite::{Capability, GarTarget};

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
    let mut hosts = vec![gar.ressources_listen.ip().to_string()];
    if let Some(host) = gar.ressources_public_url.host_str() {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
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
    spawn_ressources(gar.ressources_listen, Arc::new(service))
        .await
        .map_err(|error| error.to_string())
}

/// The médiacentre of the run, opened on first call.
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<GarMediacentreObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "gar_mediacentre",
            move || async move { gather(&owned).await },
            "ouverture du médiacentre",
        )
        .await
}

async fn gather(context: &Arc<Context>) -> Result<GarMediacentreObservation, String> {
    let page_url = context.capability(Capability::GarMediacentre)?;
    let id_ent = context
        .target
        .gar
        .as_ref()
        .map(|gar| gar.id_ent.clone())
        .ok_or_else(|| "la cible ne déclare pas de section [gar]".to_owned())?;
    let service = match context.services.gar() {
        Some(GarSetup::Ready(service)) => Arc::clone(service),
        Some(GarSetup::Failed(why)) => {
            return Err(format!("service ressources du GAR non démarré : {why}"));
        }
        None => return Err("service ressources du GAR non démarré".to_owned()),
    };
    let mut exchanges = Vec::new();
    // Other checks never make the candidate call the service, so what
    // arrives after the mark is the médiacentre's doing.
    let mark = service.mark();
    let visit = super::scenario::pupil_visit(context, vec![page_url], &mut exchanges).await?;
    // Calls a médiacentre makes just after serving its page (a prefetch)
    // count too.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let received = service.since(mark);
    for call in &received.calls {
        // The path as received, on the service's own origin (a path
        // starting with `//` must not name another host in the evidence).
        let mut url = service.public_url();
        let (path, query) = call
            .path
            .split_once('?')
            .map_or((call.path.as_str(), None), |(p, q)| (p, Some(q)));
        url.set_path(path);
        url.set_query(query);
        let mut headers = vec![("x-client-certificate", certificate_label(&call.certificate))];
        if let Some(accept) = &call.accept {
            headers.push(("accept", accept.clone()));
        }
        exchanges.push(context.probe.keep_received(ReceivedRequest {
            method: &call.method,
            url: &url,
            headers,
            status: call.status,
            body: &call.body,
            at: call.at,
        }));
    }
    let page = match (&visit.login, visit.visits.into_iter().next()) {
        (Err(why), _) => Err(format!("pas de connexion : {why}")),
        (Ok(_), None) => Err("médiacentre non ouvert".to_owned()),
        (Ok(_), Some(page)) => page,
    };
    let (_, _, uai) = visit.names;
    Ok(GarMediacentreObservation {
        pupil: visit.pupil,
        login: visit.login,
        page,
        expected: visit.exported_id.map(|person| Asked {
            id_ent,
            uai,
            person,
        }),
        service_url: service.public_url(),
        received,
        exchanges,
    })
}

/// How the evidence shows the certificate a call came with (the header is
/// the harness's notation: TLS carries the certificate, not HTTP).
fn certificate_label(presented: &crate::gar::Presented) -> String {
    match presented {
        crate::gar::Presented::Nothing => "(aucun)".to_owned(),
        crate::gar::Presented::Declared => "certificat déclaré par la cible".to_owned(),
        crate::gar::Presented::Other { sha256, subject } => {
            format!("{subject} (SHA-256 {sha256})")
        }
    }
}
