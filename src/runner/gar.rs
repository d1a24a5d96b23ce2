//! The GAR export of a run, downloaded and read once, in its own task, and
//! shared by every GAR check (same pattern as `statistics`).

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;

use super::execution::Context;
use super::sso::SsoSetup;
use crate::check::GarObservation;
use crate::gar::{ArchiveLimits, GarExport, XSD_1D, parse_file_name, parse_member, read_tar_gz};
use crate::suite::Capability;

/// Largest archive downloaded: a département's export compresses to tens of
/// megabytes.
const MAX_ARCHIVE: u64 = 256 << 20;

/// The shared result.
pub(crate) type Shared = Arc<Result<GarObservation, String>>;

/// The once-per-run GAR work.
#[derive(Default)]
pub(crate) struct GarRun {
    result: OnceLock<watch::Receiver<Option<Shared>>>,
}

/// The export of the run, read on first call.
pub(crate) async fn observe(context: &Arc<Context>) -> Shared {
    let mut receiver = context
        .gar
        .result
        .get_or_init(|| {
            let (sender, receiver) = watch::channel(None);
            let context = Arc::clone(context);
            tokio::spawn(async move {
                let result = gather(&context).await;
                let _ = sender.send(Some(Arc::new(result)));
            });
            receiver
        })
        .clone();
    match receiver.wait_for(Option::is_some).await {
        Ok(value) => value
            .clone()
            .unwrap_or_else(|| Arc::new(Err("export GAR non lu".to_owned()))),
        Err(_) => Arc::new(Err(
            "la lecture de l'export GAR s'est arrêtée avant d'aboutir".to_owned(),
        )),
    }
}

async fn gather(context: &Context) -> Result<GarObservation, String> {
    let url = context
        .target
        .capabilities
        .get(&Capability::GarExport)
        .cloned()
        .ok_or_else(|| "capacité gar_export non déclarée".to_owned())?;
    let (page, bytes) = context
        .probe
        .download(&url, MAX_ARCHIVE)
        .await
        .map_err(|failure| failure.error.to_string())?;
    let mut exchanges = page.exchanges();
    let md5_url = reqwest::Url::parse(&format!("{}.md5", page.final_url))
        .map_err(|error| error.to_string())?;
    let md5_file = match context.probe.download(&md5_url, 4096).await {
        Ok((md5_page, body)) => {
            exchanges.extend(md5_page.exchanges());
            if md5_page.status == 200 {
                Ok(String::from_utf8_lossy(&body).into_owned())
            } else {
                Err(format!("{md5_url} → statut {}", md5_page.status))
            }
        }
        Err(failure) => {
            exchanges.extend(failure.exchanges);
            Err(failure.error.to_string())
        }
    };
    let directory = match &context.sso {
        Some(SsoSetup::Ready(world)) => Some(world.directory.clone()),
        _ => None,
    };
    let status = page.status;
    let archive_url = page.final_url.clone();
    tokio::task::spawn_blocking(move || {
        read(bytes, status, archive_url, md5_file, directory, exchanges)
    })
    .await
    .map_err(|error| format!("lecture de l'export interrompue : {error}"))
}

/// Unpacks, validates and reads the archive (CPU only).
fn read(
    bytes: Vec<u8>,
    status: u16,
    archive_url: reqwest::Url,
    md5_file: Result<String, String>,
    directory: Option<crate::aaf::Directory>,
    exchanges: Vec<String>,
) -> GarObservation {
    let md5 = openssl::hash::hash(openssl::hash::MessageDigest::md5(), &bytes)
        .map(|d| crate::suite::hex(&d))
        .unwrap_or_default();
    let mut observation = GarObservation {
        archive_url,
        status,
        size: bytes.len() as u64,
        md5,
        md5_file,
        members: Err(format!("statut {status}")),
        bad_names: Vec::new(),
        unreadable: Vec::new(),
        xsd: Ok(Vec::new()),
        export: GarExport::default(),
        kinds: Vec::new(),
        directory,
        exchanges,
    };
    if status != 200 {
        return observation;
    }
    let members = match read_tar_gz(&bytes, &ArchiveLimits::default()) {
        Ok(members) => members,
        Err(error) => {
            observation.members = Err(error.to_string());
            return observation;
        }
    };
    observation.members = Ok(members
        .iter()
        .map(|m| (m.name.clone(), m.data.len() as u64))
        .collect());
    let mut valid: Vec<(&str, &str)> = Vec::new();
    for member in &members {
        if let Err(why) = parse_file_name(&member.name) {
            observation.bad_names.push(why);
            continue;
        }
        match parse_member(&member.name, &member.data, &mut observation.export) {
            Ok(kind) => {
                observation.kinds.push(kind);
                if let Ok(text) = std::str::from_utf8(&member.data) {
                    valid.push((member.name.as_str(), text));
                }
            }
            Err(why) => observation.unreadable.push(why),
        }
    }
    observation.xsd = crate::gar::validate(XSD_1D, &valid);
    observation
}
