//! The GAR export of a run, downloaded and read once (`RunOnce`) and shared
//! by every GAR check.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::observation::{ForeignAnswer, ForeignOutcome, GarObservation, GarSsoObservation};
use crate::gar::{ArchiveError, ArchiveLimits, GarExport, TarStream, XSD_1D, examine};
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::sso::world::SsoSetup;
use crate::suite::Capability;

/// Largest archive downloaded: a département's export compresses to tens of
/// megabytes.
const MAX_ARCHIVE: u64 = 256 << 20;
/// The whole transfer of one archive, on a slow link.
const DOWNLOAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// The export of the run, read on first call.
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<GarObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "gar",
            move || async move { gather(&owned).await },
            "lecture de l'export GAR",
        )
        .await
}

/// What came of asking the candidate to push its export.
enum Pushed {
    /// The archive's name, bytes and `.md5` arrived at the drop.
    Arrived(String, Vec<u8>, String),
    /// The candidate answered the request with this status (not 2xx) at
    /// this URL: it did not deliver, as an HTTP export answering it would
    /// not have.
    Refused(u16, reqwest::Url),
}

/// Asks the candidate to push its export (`POST` on `gar_export`) to the
/// emptied drop, then waits for the archive and its `.md5`. An error is
/// the harness's or the transport's (nothing to judge); a refusal is
/// recorded for the judge.
async fn pushed(
    context: &Context,
    url: &reqwest::Url,
    drop: &Arc<crate::gar::SftpDrop>,
    exchanges: &mut Vec<String>,
) -> Result<Pushed, String> {
    drop.clear();
    let mut jar = crate::probe::Jar::default();
    let page = context
        .probe
        .follow(
            crate::probe::Request::post_form(url, &[]),
            &mut jar,
            exchanges,
        )
        .await
        .map_err(|error| error.to_string())?;
    if !(200..300).contains(&page.status) {
        return Ok(Pushed::Refused(page.status, page.final_url.clone()));
    }
    let drop = Arc::clone(drop);
    let (name, bytes, md5) = tokio::task::spawn_blocking(move || {
        drop.wait_for_export(std::time::Duration::from_secs(60), MAX_ARCHIVE)
    })
    .await
    .map_err(|error| error.to_string())??;
    Ok(Pushed::Arrived(name, bytes, md5))
}

/// The export pushed twice to the harness's SFTP drop. A push the
/// candidate refuses is judged as an HTTP export answering the same status
/// would be: GAR-01 fails on the status, the other checks have no archive.
async fn gather_pushed(
    context: &Context,
    url: &reqwest::Url,
    drop: &Arc<crate::gar::SftpDrop>,
) -> Result<GarObservation, String> {
    let mut exchanges = Vec::new();
    let directory = match context.services.sso() {
        Some(SsoSetup::Ready(world)) => Some(world.directory.clone()),
        _ => None,
    };
    let (name, bytes, md5) = match pushed(context, url, drop, &mut exchanges).await? {
        Pushed::Arrived(name, bytes, md5) => (name, bytes, md5),
        Pushed::Refused(status, at) => {
            let delivered = Delivered {
                status,
                archive_url: at,
                cut: None,
                md5_file: Err("aucun dépôt : la demande a été refusée".to_owned()),
            };
            return Ok(read(
                Archive::Bytes(Vec::new()),
                delivered,
                directory,
                exchanges,
            ));
        }
    };
    let again = match pushed(context, url, drop, &mut exchanges).await {
        Ok(Pushed::Arrived(_, bytes, _)) => {
            tokio::task::spawn_blocking(move || reread(Archive::Bytes(bytes)))
                .await
                .map_err(|error| error.to_string())
                .and_then(|read| read)
        }
        Ok(Pushed::Refused(status, at)) => Err(format!(
            "{} → statut {status}",
            context.probe.redactor().url(&at)
        )),
        Err(why) => Err(why),
    };
    let archive_url =
        reqwest::Url::parse(&format!("{}{name}", drop.url())).map_err(|error| error.to_string())?;
    let delivered = Delivered {
        status: 200,
        archive_url,
        cut: None,
        md5_file: Ok(md5),
    };
    tokio::task::spawn_blocking(move || {
        let mut observation = read(Archive::Bytes(bytes), delivered, directory, exchanges);
        observation.again = again;
        observation
    })
    .await
    .map_err(|error| format!("lecture de l'export interrompue : {error}"))
}

async fn gather(context: &Context) -> Result<GarObservation, String> {
    let url = context.capability(Capability::GarExport)?;
    if context
        .target
        .gar
        .as_ref()
        .is_some_and(|g| g.sftp.is_some())
    {
        return match context.services.gar_drop() {
            Some(Ok(drop)) => gather_pushed(context, &url, drop).await,
            Some(Err(why)) => Err(format!("dépôt SFTP non démarré : {why}")),
            None => Err("dépôt SFTP non démarré".to_owned()),
        };
    }
    let folder = &context.scratch;
    std::fs::create_dir_all(folder)
        .map_err(|error| format!("dossier de travail {} : {error}", folder.display()))?;
    let mut exchanges = Vec::new();
    let first = folder.join("gar-export.tar.gz");
    let saved = download(context, &url, &first, &mut exchanges).await?;
    let md5_url = reqwest::Url::parse(&format!("{}.md5", saved.final_url))
        .map_err(|error| error.to_string())?;
    let md5_file = body_of(context, &md5_url, 4096, &mut exchanges)
        .await
        .map(|body| String::from_utf8_lossy(&body).into_owned());
    let second = folder.join("gar-export-2.tar.gz");
    let again = match download(context, &url, &second, &mut exchanges).await {
        Ok(again) if again.status != 200 => Err(format!(
            "{} → statut {}",
            context.probe.redactor().url(&again.final_url),
            again.status
        )),
        Ok(again) => match again.cut {
            Some(cut) => Err(format!("téléchargement interrompu : {cut}")),
            None => {
                let path = second.clone();
                tokio::task::spawn_blocking(move || reread(Archive::File(path)))
                    .await
                    .map_err(|error| error.to_string())
                    .and_then(|read| read)
            }
        },
        Err(why) => Err(why),
    };
    let _ = std::fs::remove_file(&second);
    let directory = match context.services.sso() {
        Some(SsoSetup::Ready(world)) => Some(world.directory.clone()),
        _ => None,
    };
    let delivered = Delivered {
        status: saved.status,
        archive_url: saved.final_url,
        cut: saved.cut.map(|error| error.to_string()),
        md5_file,
    };
    let path = first.clone();
    let observation = tokio::task::spawn_blocking(move || {
        let mut observation = read(Archive::File(path), delivered, directory, exchanges);
        observation.again = again;
        observation
    })
    .await
    .map_err(|error| format!("lecture de l'export interrompue : {error}"));
    let _ = std::fs::remove_file(&first);
    observation
}

/// Downloads the export into `path`, redirects followed, within the
/// archive bound; a transfer cut after its first byte keeps what arrived.
async fn download(
    context: &Context,
    url: &reqwest::Url,
    path: &std::path::Path,
    exchanges: &mut Vec<String>,
) -> Result<crate::probe::Saved, String> {
    let mut jar = crate::probe::Jar::default();
    context
        .probe
        .download_to(
            url,
            &mut jar,
            path,
            (MAX_ARCHIVE, DOWNLOAD_DEADLINE),
            exchanges,
        )
        .await
        .map_err(|error| error.to_string())
}

/// The body of `url` if it answers 200 (redirects followed), at most
/// `limit` bytes; every exchange is kept as evidence, whatever the outcome.
async fn body_of(
    context: &Context,
    url: &reqwest::Url,
    limit: u64,
    exchanges: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    match context.probe.download(url, limit).await {
        Ok((page, body)) => {
            exchanges.extend(page.exchanges());
            if page.status == 200 {
                Ok(body)
            } else {
                Err(format!("{} → statut {}", page.final_url, page.status))
            }
        }
        Err(failure) => {
            exchanges.extend(failure.exchanges);
            Err(failure.error.to_string())
        }
    }
}

/// Where an archive's bytes are: pushed to the SFTP drop (in memory), or
/// downloaded into the run's working folder.
enum Archive {
    Bytes(Vec<u8>),
    File(std::path::PathBuf),
}

impl Archive {
    fn reader(&self) -> Result<Box<dyn std::io::Read + Send + '_>, String> {
        match self {
            Self::Bytes(bytes) => Ok(Box::new(bytes.as_slice())),
            Self::File(path) => std::fs::File::open(path)
                .map(|file| {
                    Box::new(std::io::BufReader::with_capacity(1 << 16, file))
                        as Box<dyn std::io::Read + Send>
                })
                .map_err(|error| format!("{} : {error}", path.display())),
        }
    }

    /// Size and MD5 (lowercase hex), read once.
    fn digest(&self) -> Result<(u64, String), String> {
        let mut reader = self.reader()?;
        let mut hasher = openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5())
            .map_err(|error| error.to_string())?;
        let mut buffer = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let read = reader
                .read(&mut buffer)
                .map_err(|error| error.to_string())?;
            if read == 0 {
                break;
            }
            size += read as u64;
            hasher
                .update(&buffer[..read])
                .map_err(|error| error.to_string())?;
        }
        let digest = hasher.finish().map_err(|error| error.to_string())?;
        Ok((size, crate::suite::hex(&digest)))
    }
}

/// How the archive was delivered.
struct Delivered {
    status: u16,
    archive_url: reqwest::Url,
    /// Why the transfer stopped before its end, if it did.
    cut: Option<String>,
    md5_file: Result<String, String>,
}

/// Unpacks, validates and reads the archive (CPU only). A cut transfer is
/// read as far as it arrived: a refusal found there (a decompression bomb,
/// an unsafe name) is the candidate's, whatever happened to the rest.
fn read(
    archive: Archive,
    delivered: Delivered,
    directory: Option<crate::aaf::Directory>,
    exchanges: Vec<String>,
) -> GarObservation {
    let (size, md5) = archive.digest().unwrap_or_else(|why| (0, why));
    let status = delivered.status;
    let mut observation = GarObservation {
        archive_url: delivered.archive_url,
        status,
        size,
        md5,
        md5_file: delivered.md5_file,
        cut: delivered.cut,
        refused: false,
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
    let examined = match examine_archive(&archive) {
        Ok(examined) => examined,
        Err(why) => {
            observation.members = Err(why);
            return observation;
        }
    };
    if let Some((why, error)) = examined.1 {
        observation.refused = error.as_ref().is_some_and(ArchiveError::is_refusal);
        observation.members = Err(why);
        return observation;
    }
    let examined = examined.0;
    if observation.cut.is_some() {
        // Every member read, but the stream's end never came: unread.
        observation.members = Err("fin de l'archive jamais reçue".to_owned());
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

/// The archive examined, and why it stopped with the archive's own error
/// when that was the cause.
type ExaminedArchive = (crate::gar::Examined, Option<(String, Option<ArchiveError>)>);

fn examine_archive(archive: &Archive) -> Result<ExaminedArchive, String> {
    let first_error = std::sync::Mutex::new(None);
    let stream = TarStream::new(archive.reader()?, ArchiveLimits::default()).inspect(|item| {
        if let Err(error) = item {
            let mut slot = first_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.get_or_insert_with(|| error.clone());
        }
    });
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut examined = examine(stream, XSD_1D, threads);
    let stopped = examined.stopped.take().map(|why| {
        let error = first_error
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (why, error)
    });
    Ok((examined, stopped))
}

/// The records of a second export, for the stability of identifiers.
fn reread(archive: Archive) -> Result<GarExport, String> {
    let (examined, stopped) = examine_archive(&archive)?;
    match stopped {
        Some((why, _)) => Err(why),
        None => Ok(examined.export),
    }
}

/// The harness's service provider, as the candidate registers it for the GAR.
pub(crate) const GAR_SP_ENTITY: &str = "https://sp.gar.entconf.test";
/// Its assertion consumer service (the browser is not sent there: the
/// harness reads the response from the self-posting form).
pub(crate) const GAR_SP_ACS: &str = "https://sp.gar.entconf.test/saml/acs";

/// The GAR SSO of the run, played on first call.
pub(crate) async fn observe_sso(context: &Arc<Context>) -> Shared<GarSsoObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "gar_sso",
            move || async move { gather_sso(&owned).await },
            "connexion au GAR",
        )
        .await
}

/// Signing certificates of SAML metadata (DER), those marked for signing
/// or for no use in particular.
fn certificates(metadata: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let Ok(document) = roxmltree::Document::parse(metadata) else {
        return Vec::new();
    };
    document
        .descendants()
        .filter(|n| n.tag_name().name() == "KeyDescriptor")
        .filter(|n| n.attribute("use").is_none_or(|u| u == "signing"))
        .flat_map(|n| {
            n.descendants()
                .filter(|c| c.tag_name().name() == "X509Certificate")
        })
        .filter_map(|c| {
            let text: String = c.text()?.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        })
        .collect()
}

/// The GAR's `AuthnRequest`, issued at `issued`.
fn authn_request(id: &str, destination: &reqwest::Url, issued: DateTime<Utc>) -> String {
    authn_request_from(id, destination, GAR_SP_ENTITY, GAR_SP_ACS, issued)
}

fn authn_request_from(
    id: &str,
    destination: &reqwest::Url,
    issuer: &str,
    acs: &str,
    issued: DateTime<Utc>,
) -> String {
    let now = issued.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{now}" Destination="{destination}" AssertionConsumerServiceURL="{acs}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" AllowCreate="true"/></samlp:AuthnRequest>"#,
        destination = crate::text::escape_xml(destination.as_str()),
        issuer = crate::text::escape_xml(issuer),
        acs = crate::text::escape_xml(acs),
    )
}

/// The HTTP-Redirect encoding: raw DEFLATE, then base64. Compressing into
/// memory does not fail in practice; if it did, the request is not sent
/// (an empty `SAMLRequest` would be judged as the candidate's answer).
fn redirect_encoded(xml: &str) -> Result<String, String> {
    use base64::Engine;
    use std::io::Write;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(xml.as_bytes())
        .and_then(|()| encoder.finish())
        .map(|deflated| base64::engine::general_purpose::STANDARD.encode(deflated))
        .map_err(|error| format!("AuthnRequest du GAR non compressée : {error}"))
}

fn verify(response: &str, certificates: &[Vec<u8>]) -> Result<String, String> {
    use samael::crypto::{
        AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
    };
    if certificates.is_empty() {
        return Err("aucun certificat dans les métadonnées".to_owned());
    }
    let certs: Vec<CertificateDer> = certificates
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        response,
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(|_| "aucune signature ne se vérifie avec le certificat des métadonnées".to_owned())
}

/// The first pupil of the seeded directory, logged in through EduConnect,
/// then opening some pages of the candidate: what the GAR checks know of
/// them.
pub(super) struct PupilVisit {
    /// As their account page must show them.
    pub(super) pupil: crate::check::Person,
    /// Last name, first name and UAI, as the export must hold them.
    pub(super) names: (String, String, String),
    /// Their `GARPersonIdentifiant` in the export, or why it is unknown.
    pub(super) exported_id: Result<String, String>,
    /// The account page after login, or why the login could not be played.
    pub(super) login: Result<crate::probe::Page, String>,
    /// The pages opened after login, in order, or why each could not be
    /// opened (empty if the login failed).
    pub(super) visits: Vec<Result<crate::probe::Page, crate::probe::ProbeError>>,
}

/// Logs the pupil in and opens `visit`; every exchange is kept.
pub(super) async fn pupil_visit(
    context: &Arc<Context>,
    visit: Vec<reqwest::Url>,
    exchanges: &mut Vec<String>,
) -> Result<PupilVisit, String> {
    use crate::probe::{LoginPlan, log_in};
    let world = context.sso_world("l'élève se connecte par ÉduConnect")?;
    let directory = &world.directory;
    let pupil = directory
        .pupils
        .first()
        .ok_or_else(|| "l'annuaire AAF ne contient aucun élève".to_owned())?;
    let uai = directory
        .school(&pupil.school)
        .map(|s| s.uai.clone())
        .unwrap_or_default();
    let persona = crate::sso::world::persona(directory, crate::suite::VirtualUser::Pupil)?;
    let export = observe(context).await;
    let exported_id = match export.as_ref() {
        Ok(export) => export
            .export
            .eleves
            .iter()
            .find(|p| {
                let text = |sym| export.export.text(sym);
                crate::text::fold(text(p.name.0)) == crate::text::fold(&pupil.last_name)
                    && crate::text::fold(text(p.name.1)) == crate::text::fold(&pupil.first_name)
                    && export.export.items(p.etabs).iter().any(|e| text(*e) == uai)
            })
            .map(|p| export.export.text(p.id).to_owned())
            .ok_or_else(|| {
                format!(
                    "{} {} ({uai}) absent de l'export",
                    pupil.first_name, pupil.last_name
                )
            }),
        Err(why) => Err(format!("export non lu : {why}")),
    };
    let plan = LoginPlan {
        logout: None,
        visit,
        ..crate::sso::world::login_plan(
            &context.target,
            &world,
            &persona,
            crate::suite::SsoService::EduConnectOidc,
        )?
    };
    let (login, visits) = match log_in(&context.probe, &world.idp, &plan).await {
        Err(failure) => {
            exchanges.extend(failure.exchanges);
            (Err(failure.error.to_string()), Vec::new())
        }
        Ok(trace) => {
            exchanges.extend(trace.exchanges());
            (Ok(trace.account.clone()), trace.visits)
        }
    };
    Ok(PupilVisit {
        pupil: persona.person,
        names: (pupil.last_name.clone(), pupil.first_name.clone(), uai),
        exported_id,
        login,
        visits,
    })
}

/// The SAML response posted by the page's self-submitting form (XML).
fn posted_response(page: &crate::probe::Page) -> Result<String, String> {
    posted(page).map(|(_, xml)| xml)
}

/// Where the page's form posts a SAML response, and the response (XML):
/// the first form holding a `SAMLResponse` field, self-submitting or not.
fn posted(page: &crate::probe::Page) -> Result<(String, String), String> {
    let text = page.text().filter(|_| page.is_html()).ok_or_else(|| {
        format!(
            "{} → statut {}, pas de formulaire",
            page.final_url, page.status
        )
    })?;
    let html = scraper::Html::parse_document(text);
    let (Ok(forms), Ok(field)) = (
        scraper::Selector::parse("form"),
        scraper::Selector::parse(r#"input[name="SAMLResponse"]"#),
    ) else {
        return Err("sélecteurs invalides".to_owned());
    };
    let (form, encoded) = html
        .select(&forms)
        .find_map(|form| {
            let value = form.select(&field).next()?.value().attr("value")?;
            Some((form, value.to_owned()))
        })
        .ok_or_else(|| {
            format!(
                "{} → statut {}, aucun formulaire SAML",
                page.final_url, page.status
            )
        })?;
    let action = form
        .value()
        .attr("action")
        .and_then(|action| page.final_url.join(action).ok())
        .map_or_else(|| page.final_url.to_string(), |url| url.to_string());
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.split_whitespace().collect::<String>())
        .map_err(|_| "SAMLResponse n'est pas du base64".to_owned())?;
    let xml =
        String::from_utf8(bytes).map_err(|_| "SAMLResponse n'est pas de l'UTF-8".to_owned())?;
    Ok((action, xml))
}

/// A request the candidate must not answer with an assertion sent where it
/// asks.
struct Foreign {
    /// What is wrong with it.
    label: &'static str,
    issuer: &'static str,
    acs: &'static str,
    /// Where an assertion may still go: an IdP that ignores the foreign
    /// return address and posts to the GAR's registered one does right.
    allowed: Option<&'static str>,
}

const FOREIGN_REQUESTS: [Foreign; 2] = [
    Foreign {
        label: "fournisseur de service inconnu",
        issuer: "https://sp.inconnu.entconf.test",
        acs: "https://sp.inconnu.entconf.test/saml/acs",
        allowed: None,
    },
    Foreign {
        label: "émetteur du GAR, adresse de retour étrangère",
        issuer: GAR_SP_ENTITY,
        acs: "https://collecte.entconf.test/saml/acs",
        allowed: Some(GAR_SP_ACS),
    },
];

/// Whether a SAML response carries an assertion, encrypted or not.
fn carries_assertion(xml: &str) -> bool {
    const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
    match roxmltree::Document::parse(xml) {
        Ok(document) => document.descendants().any(|n| {
            n.tag_name().namespace() == Some(ASSERTION_NS)
                && matches!(n.tag_name().name(), "Assertion" | "EncryptedAssertion")
        }),
        // Unreadable: judged on its words rather than passed.
        Err(_) => xml.contains("Assertion"),
    }
}

/// What the IdP answered to a foreign request whose return address is `acs`.
fn foreign_answer(
    request: &Foreign,
    page: Option<&Result<crate::probe::Page, crate::probe::ProbeError>>,
) -> ForeignAnswer {
    let Foreign {
        label,
        acs,
        allowed,
        ..
    } = *request;
    let foreign_host = reqwest::Url::parse(acs)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    let answer = match page {
        None => Err("page non ouverte".to_owned()),
        // The browser could not reach the foreign address (it does not
        // exist): the IdP sent it there. Told by the URL of the request
        // that failed, not by the words of its error.
        Some(Err(error))
            if !foreign_host.is_empty()
                && error
                    .url()
                    .and_then(|url| reqwest::Url::parse(url).ok())
                    .is_some_and(|url| url.host_str() == Some(foreign_host.as_str())) =>
        {
            Ok(ForeignOutcome::Redirected { to: acs.to_owned() })
        }
        Some(Err(error)) => Err(error.to_string()),
        Some(Ok(page)) => Ok(match posted(page) {
            Ok((action, xml)) => ForeignOutcome::Posted {
                action,
                assertion: carries_assertion(&xml),
            },
            Err(_) => ForeignOutcome::NoResponse {
                status: page.status,
                url: page.final_url.to_string(),
            },
        }),
    };
    ForeignAnswer {
        label: label.to_owned(),
        allowed: allowed.map(str::to_owned),
        answer,
    }
}

async fn gather_sso(context: &Arc<Context>) -> Result<GarSsoObservation, String> {
    let (metadata_url, sso_url) = (
        context.capability(Capability::GarIdpMetadata)?,
        context.capability(Capability::GarSso)?,
    );
    let mut exchanges = Vec::new();
    let metadata = body_of(context, &metadata_url, 1 << 20, &mut exchanges)
        .await
        .and_then(|body| String::from_utf8(body).map_err(|_| "métadonnées non UTF-8".to_owned()));
    let certificates = metadata.as_deref().map(certificates).unwrap_or_default();
    let request_id = format!("_gar{}", crate::idp::random_token().replace(['-', '_'], ""));
    // The requests are dated as the services the harness plays date what
    // they send (the IdPs' clock, the system's), not by the run's clock:
    // the candidate's IdP checks IssueInstant against its real time.
    let issued = context
        .sso_world("l'élève se connecte par ÉduConnect")?
        .idp
        .clock()
        .now();
    let mut request_url = sso_url.clone();
    request_url
        .query_pairs_mut()
        .append_pair(
            "SAMLRequest",
            &redirect_encoded(&authn_request(&request_id, &sso_url, issued))?,
        )
        .append_pair("RelayState", "entconf-gar");
    let mut visit_urls = vec![request_url];
    for Foreign { issuer, acs, .. } in FOREIGN_REQUESTS {
        let mut url = sso_url.clone();
        let id = format!(
            "_autre{}",
            crate::idp::random_token().replace(['-', '_'], "")
        );
        url.query_pairs_mut().append_pair(
            "SAMLRequest",
            &redirect_encoded(&authn_request_from(&id, &sso_url, issuer, acs, issued))?,
        );
        visit_urls.push(url);
    }
    let visit = pupil_visit(context, visit_urls, &mut exchanges).await?;
    let foreign = FOREIGN_REQUESTS
        .iter()
        .enumerate()
        .map(|(n, request)| foreign_answer(request, visit.visits.get(n + 1)))
        .collect();
    let response = match (&visit.login, visit.visits.first()) {
        (Err(_), _) => Err("pas de connexion".to_owned()),
        (Ok(_), None) => Err("page SSO non ouverte".to_owned()),
        (Ok(_), Some(Err(error))) => Err(error.to_string()),
        (Ok(_), Some(Ok(page))) => posted_response(page),
    };
    let signed = match &response {
        Ok(xml) => verify(xml, &certificates),
        Err(why) => Err(why.clone()),
    };
    Ok(GarSsoObservation {
        metadata_url,
        metadata,
        certificates,
        // The run's time, which a test fixes: GAR-07 judges the
        // certificates' and the assertion's validity at this instant.
        checked_at: context.clock.now(),
        sp_entity: GAR_SP_ENTITY.to_owned(),
        acs: GAR_SP_ACS.to_owned(),
        request_id,
        person: visit.names,
        pupil: visit.pupil,
        exported_id: visit.exported_id,
        login: visit.login,
        response,
        signed,
        foreign,
        exchanges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_are_found_encrypted_or_not() {
        let ns = "urn:oasis:names:tc:SAML:2.0:assertion";
        let plain = format!(
            r#"<p:Response xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol"><a:Assertion xmlns:a="{ns}"/></p:Response>"#
        );
        let encrypted = format!(r#"<Response><EncryptedAssertion xmlns="{ns}"/></Response>"#);
        let none = r#"<p:Response xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol"><p:Status/></p:Response>"#;
        assert!(carries_assertion(&plain));
        assert!(carries_assertion(&encrypted));
        assert!(!carries_assertion(none));
    }

    #[test]
    fn a_saml_response_is_read_from_any_form() {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode("<Response/>");
        let html = format!(
            r#"<form method="post" action="/acs"><input type="hidden" name="SAMLResponse" value="{encoded}"><button>Continuer</button></form>"#
        );
        let url = reqwest::Url::parse("https://idp.test/sso").expect("url");
        let page = crate::probe::Page::served(
            url,
            200,
            Some("text/html".into()),
            crate::probe::PageBody::Text(html.into()),
        );
        assert_eq!(
            posted(&page),
            Ok(("https://idp.test/acs".to_owned(), "<Response/>".to_owned()))
        );
    }
}
