//! The médiacentre of a run (GAR-08, GAR-09): once per run, the first
//! pupil of the directory opening the médiacentre while the run's GAR
//! "ressources" web service (`service`) records what it receives.

use std::sync::Arc;

use super::observation::GarMediacentreObservation;
use super::service::GarSetup;
use crate::gar::Asked;
use crate::probe::ReceivedRequest;
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::suite::Capability;

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
        (Ok(_), Some(page)) => page.map_err(|error| error.to_string()),
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
