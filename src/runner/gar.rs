//! The GAR export of a run, downloaded and read once (`RunOnce`) and shared
//! by every GAR check.

use std::sync::Arc;

use super::execution::Context;
use super::once::Shared;
use super::sso::SsoSetup;
use crate::check::GarObservation;
use crate::gar::{ArchiveLimits, GarExport, TarStream, XSD_1D, examine};
use crate::suite::Capability;

/// Largest archive downloaded: a département's export compresses to tens of
/// megabytes.
const MAX_ARCHIVE: u64 = 256 << 20;

/// The export of the run, read on first call.
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<GarObservation> {
    let owned = Arc::clone(context);
    context
        .gar
        .get(
            move || async move { gather(&owned).await },
            "lecture de l'export GAR",
        )
        .await
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
    let again = match context.probe.download(&url, MAX_ARCHIVE).await {
        Ok((page, bytes)) if page.status == 200 => {
            exchanges.extend(page.exchanges());
            tokio::task::spawn_blocking(move || reread(&bytes))
                .await
                .map_err(|error| error.to_string())
                .and_then(|read| read)
        }
        Ok((page, _)) => {
            exchanges.extend(page.exchanges());
            Err(format!("{} → statut {}", page.final_url, page.status))
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
        let mut observation = read(bytes, status, archive_url, md5_file, directory, exchanges);
        observation.again = again;
        observation
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
        again: Err(String::new()),
        directory,
        exchanges,
    };
    if status != 200 {
        return observation;
    }
    let stream = TarStream::new(
        bytes.as_slice(),
        bytes.len() as u64,
        ArchiveLimits::default(),
    );
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let examined = examine(stream, XSD_1D, threads);
    if let Some(why) = examined.stopped {
        observation.members = Err(why);
        return observation;
    }
    observation.members = Ok(examined.members);
    observation.export = examined.export;
    observation.kinds = examined.kinds;
    observation.bad_names = examined.bad_names;
    observation.unreadable = examined.unreadable;
    observation.xsd = examined.xsd;
    observation
}

/// The records of a second download, for the stability of identifiers.
fn reread(bytes: &[u8]) -> Result<GarExport, String> {
    let stream = TarStream::new(bytes, bytes.len() as u64, ArchiveLimits::default());
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let examined = examine(stream, XSD_1D, threads);
    match examined.stopped {
        Some(why) => Err(why),
        None => Ok(examined.export),
    }
}
