//! The reversibility scenario of a run, played once (`RunOnce`) and shared
//! by every EXPORT check: seed the ground truth, start the school's and the
//! collectivité's exports as the controller, follow them, download the
//! archives into the run's working folder and read them there (never
//! extracted; deleted once read), the school's also taken in by the
//! library's reference reader for the round trip (EXPORT-07: no successor
//! ENT is started); try to start, follow and download as
//! people who must be refused; for the check that asks, try the link again
//! once it has expired.
//!
//! The controller's token goes only to the export API's origin: a link or a
//! follow-up address on another host never receives it. Requests that must
//! be refused follow no redirect and read only the beginning of the answer
//! (a redirect to a login page is a refusal, and an archive served to the
//! wrong person is not downloaded whole).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::sso::world::SsoSetup;
use std::collections::BTreeMap;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::observation::{
    ArchiveRead, AskedDeletion, Attempt, Continuity, Declined, DeletionObservation, ExportJob,
    ExportObservation, Fetched, ObjectProbe, Portability, RoundTrip, ServedCertificate, Working,
};
use crate::probe::{Jar, Request, log_in};
use crate::reversibility::archive::{ZipExport, ZipLimits};
use crate::reversibility::import::reimport;
use crate::reversibility::{GroundTruth, Item, LINK_SLACK_SECONDS, Role, examine, marker};
use crate::suite::{Capability, SecretSlot, SsoService, StatsViewer};

/// Largest archive downloaded.
const MAX_ARCHIVE: u64 = 4 << 30;
/// Longest download of one archive.
const DOWNLOAD_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// The exports of the run, on first call.
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<ExportObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "exports",
            move || async move { gather(&owned).await },
            "exports de réversibilité",
        )
        .await
}

/// The exports of the run with the school's link tried again once expired
/// (only the check judging the link waits for it).
pub(crate) async fn observe_expiry(context: &Arc<Context>) -> Shared<ExportObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "export_expiry",
            move || async move {
                let main = observe(&owned).await;
                let mut observation = main.as_ref().as_ref().map_err(Clone::clone)?.clone();
                let mut exchanges = Vec::new();
                let attempt = after_expiry(&owned, &observation, &mut exchanges).await;
                observation.after_expiry = Some(attempt);
                observation.exchanges.extend(exchanges);
                Ok(observation)
            },
            "expiration du lien d'export",
        )
        .await
}

fn token(account: &StatsViewer) -> Option<String> {
    match &account.token {
        SecretSlot::Available(secret) => Some(secret.expose().to_owned()),
        SecretSlot::Missing(_) => None,
    }
}

/// What a scenario needs at hand: the API it talks to and the target's
/// `[reversibility]` accounts.
struct Scene<'a> {
    context: &'a Context,
    api: reqwest::Url,
    controller: String,
    outsider: Option<String>,
    timeout: Duration,
}

impl<'a> Scene<'a> {
    /// A scenario against the API the target declares as `capability`.
    fn new(context: &'a Context, capability: Capability) -> Result<Self, String> {
        let setup = context
            .target
            .reversibility
            .as_ref()
            .ok_or("section [reversibility] absente de la description de cible")?;
        Ok(Self {
            context,
            api: context.capability(capability)?,
            controller: token(&setup.controller).ok_or("jeton du responsable non fourni")?,
            outsider: setup.outsider.as_ref().and_then(token),
            timeout: setup.job_timeout,
        })
    }

    /// A client sending `token` to the export API's origin only.
    fn jar(&self, token: Option<&String>) -> Jar {
        Jar::default().with_bearer_for(&self.api, token.cloned())
    }

    fn shown(&self, url: &reqwest::Url) -> String {
        self.context.probe.redactor().url(url)
    }

    fn attempt(
        &self,
        who: &str,
        method: &str,
        url: &reqwest::Url,
        status: Result<u16, String>,
    ) -> Attempt {
        Attempt {
            who: who.to_owned(),
            what: format!("{method} {}", self.shown(url)),
            status,
        }
    }

    /// A request that must be refused: its status, no redirect followed.
    async fn try_as(
        &self,
        who: &str,
        token: Option<&String>,
        request: Request,
        exchanges: &mut Vec<String>,
    ) -> Attempt {
        let method = request.method.to_string();
        let url = request.url.clone();
        let status = self
            .context
            .probe
            .status_of(request, &self.jar(token), exchanges)
            .await
            .map_err(|error| error.to_string());
        self.attempt(who, &method, &url, status)
    }

    /// The controller's request and its JSON answer.
    async fn call(
        &self,
        request: Request,
        exchanges: &mut Vec<String>,
    ) -> Result<(u16, Option<Value>), String> {
        let mut jar = self.jar(Some(&self.controller));
        let page = self
            .context
            .probe
            .follow(request, &mut jar, exchanges)
            .await
            .map_err(|error| error.to_string())?;
        let json = page
            .text()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        Ok((page.status, json))
    }

    /// Starts an export as the controller; the follow-up URL, or the
    /// archive's fate.
    async fn start(
        &self,
        body: &Value,
        exchanges: &mut Vec<String>,
    ) -> (Attempt, Result<reqwest::Url, ArchiveRead>) {
        let api = &self.api;
        match self.call(Request::post_json(api, body), exchanges).await {
            Err(why) => (
                self.attempt("responsable", "POST", api, Err(why.clone())),
                Err(ArchiveRead::Unavailable(why)),
            ),
            Ok((status, json)) => {
                let attempt = self.attempt("responsable", "POST", api, Ok(status));
                let follow = json
                    .as_ref()
                    .and_then(|j| j.get("suivi"))
                    .and_then(Value::as_str)
                    .and_then(|s| api.join(s).ok());
                let fate = match (status, follow) {
                    (200..=299, Some(url)) => Ok(url),
                    (200..=299, None) => Err(ArchiveRead::Undelivered(format!(
                        "{} : réponse sans champ « suivi » (URL de l'état du travail)",
                        attempt.describe()
                    ))),
                    _ => Err(ArchiveRead::Declined(Declined {
                        status,
                        attempt: attempt.describe(),
                        consequence: "l'export n'a pas été lancé".to_owned(),
                    })),
                };
                (attempt, fate)
            }
        }
    }

    /// Polls a job until it ends: the URL its `field` gives, and the
    /// announced expiry if any.
    async fn follow_to(
        &self,
        url: &reqwest::Url,
        field: &str,
        exchanges: &mut Vec<String>,
    ) -> Result<(reqwest::Url, Option<String>), ArchiveRead> {
        let shown = self.shown(url);
        // tokio's instant, not the run's clock: a deadline must pass even
        // when the run's clock is fixed (its monotonic reading stays zero).
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut wait = Duration::from_millis(100);
        loop {
            let (status, json) = self
                .call(Request::get(url), exchanges)
                .await
                .map_err(ArchiveRead::Unavailable)?;
            if status != 200 {
                return Err(ArchiveRead::Undelivered(format!(
                    "suivi {shown} → statut {status}"
                )));
            }
            let json = json.ok_or_else(|| {
                ArchiveRead::Undelivered(format!("suivi {shown} : réponse qui n'est pas du JSON"))
            })?;
            match json.get("etat").and_then(Value::as_str) {
                Some("termine") => {
                    let link = json.get(field).and_then(Value::as_str).ok_or_else(|| {
                        ArchiveRead::Undelivered(format!(
                            "suivi {shown} : travail terminé sans « {field} »"
                        ))
                    })?;
                    let link = url.join(link).map_err(|error| {
                        ArchiveRead::Undelivered(format!("lien « {link} » inutilisable : {error}"))
                    })?;
                    let expire = json
                        .get("expire")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    return Ok((link, expire));
                }
                Some("echec") => {
                    let why = json
                        .get("erreur")
                        .and_then(Value::as_str)
                        .unwrap_or("sans raison donnée");
                    return Err(ArchiveRead::Undelivered(format!(
                        "le travail a échoué : {why}"
                    )));
                }
                Some("en_cours") => {}
                other => {
                    return Err(ArchiveRead::Undelivered(format!(
                        "suivi {shown} : état « {} » inconnu (en_cours, termine, echec)",
                        other.unwrap_or("absent")
                    )));
                }
            }
            if tokio::time::Instant::now() + wait > deadline {
                return Err(ArchiveRead::Undelivered(format!(
                    "travail non terminé après {} s",
                    self.timeout.as_secs()
                )));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
        }
    }

    /// Downloads `link` as the controller into the working folder, reads it,
    /// deletes it; with `reimport`, also has the reference reader take it in
    /// (the round trip) while it is there, once it was read.
    async fn fetch(
        &self,
        link: &reqwest::Url,
        name: &str,
        reimport: bool,
        exchanges: &mut Vec<String>,
    ) -> (ArchiveRead, Option<Result<Arc<RoundTrip>, String>>) {
        // The folder itself is removed by the run, once every scenario is done.
        let folder = &self.context.scratch;
        if let Err(error) = std::fs::create_dir_all(folder) {
            let why = format!("dossier de travail {} : {error}", folder.display());
            return (ArchiveRead::Unavailable(why), None);
        }
        let path = folder.join(name);
        let mut jar = self.jar(Some(&self.controller));
        let saved = self
            .context
            .probe
            .download_to(
                link,
                &mut jar,
                &path,
                (MAX_ARCHIVE, DOWNLOAD_DEADLINE),
                exchanges,
            )
            .await
            .and_then(crate::probe::Saved::whole);
        let outcome = match saved {
            Err(error) => ArchiveRead::Unavailable(error.to_string()),
            Ok(saved) if saved.status != 200 => ArchiveRead::Undelivered(format!(
                "{} → statut {} pour le responsable",
                self.shown(&saved.final_url),
                saved.status
            )),
            Ok(_) => read_archive(self.context, &path).await,
        };
        let reimported = match &outcome {
            ArchiveRead::Read(_) if reimport => Some(reimport_archive(self.context, &path).await),
            _ => None,
        };
        let _ = std::fs::remove_file(&path);
        (outcome, reimported)
    }

    /// A read (the public home page) and a write (`write`, a seeding body)
    /// of the service, as it is used every day.
    async fn use_service(&self, write: &Value, exchanges: &mut Vec<String>) -> Working {
        // Redirects followed: a home page that sends to /accueil or to the
        // login page is working.
        let read = match self.context.capability(Capability::HomePage) {
            Ok(home) => self
                .context
                .probe
                .follow(Request::get(&home), &mut Jar::default(), exchanges)
                .await
                .map(|page| page.status)
                .map_err(|error| error.to_string()),
            Err(why) => Err(why),
        };
        let write = match self.context.capability(Capability::SeedApi) {
            Ok(seed) => {
                let mut jar = Jar::default().with_bearer_for(&seed, Some(self.controller.clone()));
                self.context
                    .probe
                    .follow(Request::post_json(&seed, write), &mut jar, exchanges)
                    .await
                    .map(|page| page.status)
                    .map_err(|error| error.to_string())
            }
            Err(why) => Err(why),
        };
        Working { read, write }
    }

    /// Whether the job at `follow` still says `en_cours`.
    async fn running(
        &self,
        follow: &reqwest::Url,
        exchanges: &mut Vec<String>,
    ) -> Result<bool, String> {
        let (status, json) = self.call(Request::get(follow), exchanges).await?;
        if status != 200 {
            return Err(format!("suivi {} → statut {status}", self.shown(follow)));
        }
        Ok(json
            .as_ref()
            .and_then(|j| j.get("etat"))
            .and_then(Value::as_str)
            == Some("en_cours"))
    }

    /// One export as the controller, followed to its archive; with `write`,
    /// the service is used while the job runs and after it (EXPORT-13); with
    /// `reimport`, the archive read is also taken in by the reference reader
    /// (EXPORT-07).
    async fn export(
        &self,
        perimeter: (&str, &str),
        ttl: Duration,
        name: &str,
        (write, reimport): (Option<&Value>, bool),
        exchanges: &mut Vec<String>,
    ) -> (
        ExportJob,
        Option<reqwest::Url>,
        Option<Result<Arc<RoundTrip>, String>>,
    ) {
        let body = json!({ "perimetre": perimeter.0, "id": perimeter.1, "lien_validite_s": ttl.as_secs().max(1) });
        let (started, fate) = self.start(&body, exchanges).await;
        let mut job = ExportJob {
            perimeter: (perimeter.0.to_owned(), perimeter.1.to_owned()),
            started,
            link: None,
            expire: None,
            finished_at: None,
            archive: ArchiveRead::Unavailable(String::new()),
            continuity: None,
        };
        let follow = match fate {
            Ok(url) => url,
            Err(archive) => {
                job.archive = archive;
                return (job, None, None);
            }
        };
        let during = match write {
            Some(write) => {
                let used = self.use_service(write, exchanges).await;
                Some((used, self.running(&follow, exchanges).await))
            }
            None => None,
        };
        let mut reimported = None;
        match self.follow_to(&follow, "lien", exchanges).await {
            Err(archive) => job.archive = archive,
            Ok((link, expire)) => {
                job.finished_at = Some(self.context.clock.now());
                let (archive, taken) = self.fetch(&link, name, reimport, exchanges).await;
                job.archive = archive;
                reimported = taken;
                job.link = Some(link);
                job.expire = expire;
            }
        }
        if let (Some((during, running)), Some(write)) = (during, write) {
            job.continuity = Some(Continuity {
                during,
                running,
                after: self.use_service(write, exchanges).await,
            });
        }
        (job, Some(follow), reimported)
    }
}

/// Reads a downloaded archive on a worker thread, within the target's bounds.
async fn read_archive(context: &Context, path: &std::path::Path) -> ArchiveRead {
    let reading = path.to_owned();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let limits = limits(context);
    match tokio::task::spawn_blocking(move || examine(&reading, &limits, threads)).await {
        Ok(Ok(examined)) => ArchiveRead::Read(Arc::new(examined)),
        Ok(Err(why)) => ArchiveRead::Refused(why),
        Err(error) => ArchiveRead::Unavailable(format!("lecture interrompue : {error}")),
    }
}

/// The reference reader takes the downloaded archive in (EXPORT-07), on a
/// worker thread, within the same bounds as its first reading; no ENT is
/// involved.
async fn reimport_archive(
    context: &Context,
    path: &std::path::Path,
) -> Result<Arc<RoundTrip>, String> {
    let reading = path.to_owned();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let limits = limits(context);
    let read = move || {
        // Opened again: the first reading kept no handle on the file.
        ZipExport::open(&reading, &limits)
            .map(|archive| reimport(&archive, limits.max_record_file, threads))
            .map_err(|refusal| format!("relecture de l'archive : {refusal}"))
    };
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(taken)) => Ok(Arc::new(taken)),
        Ok(Err(why)) => Err(why),
        Err(error) => Err(format!("relecture interrompue : {error}")),
    }
}

/// The bounds an archive of the target is read within.
fn limits(context: &Context) -> ZipLimits {
    ZipLimits {
        max_record_file: context
            .target
            .reversibility
            .as_ref()
            .map_or(ZipLimits::default().max_record_file, |r| r.max_record_file),
        ..ZipLimits::default()
    }
}

/// A parent of the exported school logs in and downloads their own archive
/// (RGPD art. 20); what is theirs and what is not, from the ground truth.
async fn portability(
    context: &Context,
    truth: &GroundTruth,
    exchanges: &mut Vec<String>,
) -> Result<Portability, String> {
    let url = context.capability(Capability::PortabilityExport)?;
    let world = context.sso_world("le parent se connecte par ÉduConnect")?;
    let school = truth.school(Role::Exported).ok_or("aucune école amorcée")?;
    // The first parent seeded wrote a message and a comment and signed a note.
    let parent = school
        .persons
        .iter()
        .find(|p| p.profile == "parent")
        .ok_or("aucun parent amorcé")?;
    let persona =
        crate::sso::world::parent_persona(&world.directory, &parent.jointure, &school.uai)
            .ok_or_else(|| {
                format!(
                    "le parent {} n'est pas dans l'annuaire AAF",
                    parent.jointure
                )
            })?;
    let folder = &context.scratch;
    std::fs::create_dir_all(folder)
        .map_err(|error| format!("dossier de travail {} : {error}", folder.display()))?;
    let path = folder.join("archive-personnelle.zip");
    let mut plan = crate::sso::world::login_plan(
        &context.target,
        &world,
        &persona,
        SsoService::EduConnectOidc,
    )?;
    plan.download = Some((url, path.clone(), MAX_ARCHIVE, DOWNLOAD_DEADLINE));
    let (login, archive) = match log_in(&context.probe, &world.idp, &plan).await {
        Err(failure) => {
            exchanges.extend(failure.exchanges);
            let why = failure.error.to_string();
            (Err(why.clone()), ArchiveRead::Unavailable(why))
        }
        Ok(trace) => {
            exchanges.extend(trace.exchanges());
            let archive = match &trace.download {
                None => ArchiveRead::Unavailable("téléchargement non fait".to_owned()),
                Some(Err(why)) => ArchiveRead::Unavailable(why.clone()),
                Some(Ok(got)) if got.status != 200 => ArchiveRead::Undelivered(format!(
                    "{} → statut {} pour la personne connectée",
                    context.probe.redactor().url(&got.final_url),
                    got.status
                )),
                Some(Ok(_)) => read_archive(context, &path).await,
            };
            (Ok(trace), archive)
        }
    };
    let _ = std::fs::remove_file(&path);
    let who = &parent.jointure;
    let mark = |key: &str| marker(&truth.lot, &school.uai, key);
    let mut own = Vec::new();
    let mut foreign = Vec::new();
    for item in &school.items {
        match item {
            Item::Message {
                key,
                author,
                recipients,
                ..
            } if author == who || recipients.contains(who) => {
                own.push((format!("message {}", mark(key)), mark(key)));
            }
            Item::Post { comments, .. } => {
                for comment in comments {
                    let entry = (
                        format!("commentaire {}", mark(&comment.key)),
                        mark(&comment.key),
                    );
                    if &comment.author == who {
                        own.push(entry);
                    } else if !parent.children.contains(&comment.author) {
                        foreign.push(entry);
                    }
                }
            }
            Item::Note {
                key, signatures, ..
            } if signatures.iter().any(|(p, _)| p == who) => {
                own.push((format!("mot signé {}", mark(key)), mark(key)));
            }
            _ => {}
        }
    }
    let others = school
        .persons
        .iter()
        .filter(|p| {
            &p.jointure != who
                && !parent.children.contains(&p.jointure)
                && p.profile != "enseignant"
        })
        .map(|p| {
            (
                p.jointure.clone(),
                format!("{} {}", p.first_name, p.last_name),
            )
        })
        .collect();
    Ok(Portability {
        who: format!(
            "{} {} (parent, jointure {who})",
            parent.first_name, parent.last_name
        ),
        jointure: who.clone(),
        person: persona.person,
        login,
        archive,
        own,
        foreign,
        others,
    })
}

/// What the run seeded in the candidate, once for every scenario that
/// reads it (exports, SEC-07's reads): the ground truth and the ids the
/// seeding answer gave its items.
#[derive(Debug)]
pub(crate) struct Seeded {
    /// What was seeded.
    pub truth: Arc<GroundTruth>,
    /// The candidate's ids of the items, by `<uai>/<clé>` (empty when its
    /// answer gave none).
    pub ids: BTreeMap<String, String>,
    /// Evidence of the seeding request.
    pub exchanges: Vec<String>,
}

/// The run's seeding, on first call.
pub(crate) async fn observe_seed(context: &Arc<Context>) -> Shared<Seeded> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "seeding",
            move || async move { seed(&owned).await },
            "amorçage du contenu de référence",
        )
        .await
}

async fn seed(context: &Context) -> Result<Seeded, String> {
    let setup = context
        .target
        .reversibility
        .as_ref()
        .ok_or("section [reversibility] absente de la description de cible")?;
    let directory = match context.services.sso() {
        Some(SsoSetup::Ready(world)) => world.directory.clone(),
        _ => {
            return Err(
                "l'annuaire AAF du candidat ([sso] aaf) est nécessaire : le contenu amorcé appartient à ses personnes"
                    .to_owned(),
            );
        }
    };
    let truth = Arc::new(
        GroundTruth::build(&directory, &setup.school, &context.run_id)
            .map_err(|error| error.to_string())?,
    );
    let mut exchanges = Vec::new();
    let seeding = Scene::new(context, Capability::SeedApi)?;
    let seed_api = &seeding.api;
    let (status, answer) = seeding
        .call(
            Request::post_json(seed_api, &truth.request_body()),
            &mut exchanges,
        )
        .await?;
    if !(200..300).contains(&status) {
        return Err(format!(
            "amorçage refusé : POST {} → statut {status} (le contenu de référence n'a pas pu être créé)",
            seeding.shown(seed_api)
        ));
    }
    let ids = answer
        .as_ref()
        .and_then(|answer| answer.get("ids"))
        .and_then(Value::as_object)
        .map(|ids| {
            // A string or a number; anything else is no id (SEC-07 then
            // says which item has none it can use).
            ids.iter()
                .filter_map(|(key, id)| {
                    let id = match id {
                        Value::String(text) => text.clone(),
                        Value::Number(number) => number.to_string(),
                        _ => return None,
                    };
                    Some((key.clone(), id))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Seeded {
        truth,
        ids,
        exchanges,
    })
}

async fn gather(context: &Arc<Context>) -> Result<ExportObservation, String> {
    let setup = context
        .target
        .reversibility
        .as_ref()
        .ok_or("section [reversibility] absente de la description de cible")?;
    let seeded = observe_seed(context).await;
    let seeded = seeded.as_ref().as_ref().map_err(Clone::clone)?;
    let scene = Scene::new(context, Capability::ExportApi)?;
    let truth = Arc::clone(&seeded.truth);
    let mut exchanges = seeded.exchanges.clone();
    let ttl = setup.link_ttl;
    let api = scene.api.clone();
    let (school, follow, reimported) = scene
        .export(
            ("ecole", &setup.school),
            ttl,
            "export-ecole.zip",
            (
                truth
                    .school(Role::OtherCommune)
                    .is_some()
                    .then(|| truth.request_body_of(|role| role == Role::OtherCommune))
                    .as_ref(),
                true,
            ),
            &mut exchanges,
        )
        .await;
    // Taken in whenever the archive was read.
    let round_trip = reimported.unwrap_or_else(|| {
        Err("aucune archive de l'école à réimporter (voir EXPORT-04)".to_owned())
    });
    let school_body = json!({ "perimetre": "ecole", "id": setup.school, "lien_validite_s": ttl.as_secs().max(1) });
    let outsider = scene.outsider.clone();
    let others: Vec<(&str, Option<&String>)> = std::iter::once(("anonyme", None))
        .chain(
            outsider
                .as_ref()
                .map(|t| ("compte d'une autre collectivité", Some(t))),
        )
        .collect();
    let mut foreign_starts = Vec::new();
    let mut foreign_polls = Vec::new();
    let mut foreign_downloads = Vec::new();
    for (who, token) in &others {
        foreign_starts.push(
            scene
                .try_as(
                    who,
                    *token,
                    Request::post_json(&api, &school_body),
                    &mut exchanges,
                )
                .await,
        );
        if let Some(url) = &follow {
            foreign_polls.push(
                scene
                    .try_as(who, *token, Request::get(url), &mut exchanges)
                    .await,
            );
        }
        if let Some(link) = &school.link {
            foreign_downloads.push(
                scene
                    .try_as(who, *token, Request::get(link), &mut exchanges)
                    .await,
            );
        }
    }
    let (commune, _, _) = scene
        .export(
            (setup.controller.level.as_str(), &setup.controller.id),
            Duration::from_secs(600),
            "export-collectivite.zip",
            (None, false),
            &mut exchanges,
        )
        .await;
    let portability = portability(context, &truth, &mut exchanges).await;
    Ok(ExportObservation {
        truth,
        ttl,
        foreign_starts,
        foreign_polls,
        school,
        commune,
        foreign_downloads,
        round_trip,
        portability,
        after_expiry: None,
        exchanges,
    })
}

/// Waits for the announced expiry — at most the validity asked and the
/// clock slack, whatever is announced — then tries the link as the
/// controller. Judging the expiry is the check's business.
async fn after_expiry(
    context: &Context,
    observation: &ExportObservation,
    exchanges: &mut Vec<String>,
) -> Result<Attempt, String> {
    let school = &observation.school;
    let (Some(link), Some(finished)) = (&school.link, school.finished_at) else {
        return Err("aucun lien à essayer : l'export de l'école n'a pas abouti".to_owned());
    };
    let latest = finished
        + chrono::Duration::from_std(observation.ttl).unwrap_or_default()
        + chrono::Duration::seconds(LINK_SLACK_SECONDS);
    let announced = school
        .expire
        .as_deref()
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
        .map(|e| e.with_timezone(&chrono::Utc));
    let until = announced.map_or(
        finished + chrono::Duration::from_std(observation.ttl).unwrap_or_default(),
        |e| e.min(latest),
    );
    let wait = (until - context.clock.now()).to_std().unwrap_or_default() + Duration::from_secs(1);
    tokio::time::sleep(wait).await;
    let scene = Scene::new(context, Capability::ExportApi)?;
    let attempt = scene
        .try_as(
            "responsable, après l'échéance",
            Some(&scene.controller),
            Request::get(link),
            exchanges,
        )
        .await;
    Ok(attempt)
}

/// The deletions of the run, asked once the exports were read (their ids
/// tell which objects to probe afterwards), on first call.
pub(crate) async fn observe_deletion(context: &Arc<Context>) -> Shared<DeletionObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "deletions",
            move || async move {
                let exported = observe(&owned).await;
                // The deletions change what these observe: let them end
                // (a check that timed out leaves its work running).
                owned.shared.settle_others("deletions").await;
                let exported = exported.as_ref().as_ref().map_err(|why| {
                    format!("les exports n'ont pas pu être faits, rien à supprimer ensuite : {why}")
                })?;
                gather_deletion(&owned, exported).await
            },
            "suppressions et certificats",
        )
        .await
}

/// What one deletion should remove and where the probes look.
struct Planned {
    kind: &'static str,
    id: String,
    label: String,
    expected: BTreeMap<String, usize>,
    at_least: Vec<String>,
}

/// The three deletions of the scenario — a parent of the exported school,
/// its class, and the other school of the collectivité — with the counts
/// the ground truth gives (a user's comments and signatures first; the
/// class then holds what is left).
fn plan(truth: &GroundTruth) -> Result<(Vec<Planned>, String), String> {
    let school = truth.school(Role::Exported).ok_or("aucune école amorcée")?;
    let other = truth.school(Role::SameCommune).ok_or(
        "l'annuaire AAF n'a pas d'autre école dans la collectivité où en supprimer une : aucune suppression n'est demandée",
    )?;
    let parent = school
        .persons
        .iter()
        .find(|p| p.profile == "parent")
        .ok_or("aucun parent amorcé")?;
    let (code, label) = school.classes.first().ok_or("aucune classe amorcée")?;
    let who = &parent.jointure;
    let mut user = BTreeMap::new();
    let mut class = BTreeMap::new();
    user.insert("comptes".to_owned(), 1);
    class.insert("classes".to_owned(), 1);
    for item in &school.items {
        match item {
            Item::Message { author, .. } if author == who => {
                *user.entry("messages".to_owned()).or_default() += 1
            }
            Item::Post {
                comments, class: c, ..
            } if c == code => {
                *class.entry("billets".to_owned()).or_default() += 1;
                let by = comments.iter().filter(|m| &m.author == who).count();
                *user.entry("commentaires".to_owned()).or_default() += by;
                *class.entry("commentaires".to_owned()).or_default() += comments.len() - by;
            }
            Item::Homework { class: c, .. } if c == code => {
                *class.entry("seances".to_owned()).or_default() += 1
            }
            Item::Event { class: c, .. } if c == code => {
                *class.entry("evenements".to_owned()).or_default() += 1
            }
            Item::Note {
                signatures,
                class: c,
                ..
            } if c == code => {
                *class.entry("mots".to_owned()).or_default() += 1;
                let by = signatures.iter().filter(|(p, _)| p == who).count();
                *user.entry("signatures".to_owned()).or_default() += by;
                *class.entry("signatures".to_owned()).or_default() += signatures.len() - by;
            }
            _ => {}
        }
    }
    let owned = school.files.iter().filter(|f| &f.owner == who).count();
    user.insert("fichiers".to_owned(), owned);
    let mut whole = BTreeMap::new();
    whole.insert("ecoles".to_owned(), 1);
    whole.insert("classes".to_owned(), other.classes.len());
    whole.insert("comptes".to_owned(), other.persons.len());
    whole.insert("fichiers".to_owned(), other.files.len());
    for item in &other.items {
        let kind = match item {
            Item::Message { .. } => "messages",
            Item::Post { comments, .. } => {
                *whole.entry("commentaires".to_owned()).or_default() += comments.len();
                "billets"
            }
            Item::Homework { .. } => "seances",
            Item::Event { .. } => "evenements",
            Item::Note { signatures, .. } => {
                *whole.entry("signatures".to_owned()).or_default() += signatures.len();
                "mots"
            }
        };
        *whole.entry(kind.to_owned()).or_default() += 1;
    }
    let other_class = other
        .classes
        .first()
        .map(|(c, _)| format!("{}/{c}", other.uai))
        .unwrap_or_default();
    Ok((
        vec![
            Planned {
                kind: "utilisateur",
                id: who.clone(),
                label: format!(
                    "{} {} (parent, jointure {who})",
                    parent.first_name, parent.last_name
                ),
                expected: user,
                at_least: Vec::new(),
            },
            Planned {
                kind: "classe",
                id: format!("{}/{code}", school.uai),
                label: format!("la classe {label} de l'école {}", school.uai),
                expected: class,
                at_least: Vec::new(),
            },
            Planned {
                kind: "ecole",
                id: other.uai.clone(),
                label: format!("l'école {} ({})", other.uai, other.name),
                expected: whole,
                at_least: vec!["comptes".to_owned(), "classes".to_owned()],
            },
        ],
        other_class,
    ))
}

/// What the deletions are checked against.
struct Targets {
    /// (what, the id its export gave it, must still exist).
    probes: Vec<(String, String, bool)>,
    /// Targeted objects without an id in the exports.
    unprobed: Vec<String>,
    /// Markers and names that must be gone from, or kept in, a new export.
    gone: Vec<String>,
    kept: Vec<String>,
    /// Join keys of accounts that must be gone, or kept.
    accounts: (Vec<String>, Vec<String>),
}

/// The objects to probe, with the ids the exports gave them, and the
/// markers that must be gone from (or kept in) a new export.
fn probes_of(
    truth: &GroundTruth,
    exported: &ExportObservation,
    parent: &str,
) -> Result<Targets, String> {
    let (Ok(school), Ok(commune)) = (
        exported.school.archive.examined(""),
        exported.commune.archive.examined(""),
    ) else {
        return Err(
            "les exports n'ont pas été lus : aucun identifiant d'objet à interroger".to_owned(),
        );
    };
    let lot = &truth.lot;
    let mut probes = Vec::new();
    let mut unprobed = Vec::new();
    let mut gone = Vec::new();
    let mut kept = Vec::new();
    let mut accounts: (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for seeded in [
        truth.school(Role::Exported),
        truth.school(Role::SameCommune),
    ]
    .into_iter()
    .flatten()
    {
        let whole = seeded.role == Role::SameCommune;
        let records = if whole {
            &commune.records
        } else {
            &school.records
        };
        // The class deleted is the exported school's first; a second
        // class's items (seeded for SEC-07) stay.
        let deleted_class = seeded.classes.first().map(|(code, _)| code);
        for item in &seeded.items {
            let key = marker(lot, &seeded.uai, item.key());
            let other_class = match item {
                Item::Post { class, .. }
                | Item::Homework { class, .. }
                | Item::Event { class, .. }
                | Item::Note { class, .. } => Some(class) != deleted_class,
                Item::Message { .. } => false,
            };
            let stays = !whole
                && (other_class
                    || matches!(item, Item::Message { author, .. } if author != parent));
            let found = records
                .messages
                .iter()
                .find(|m| m.objet.contains(&key))
                .map(|m| m.id.clone())
                .or_else(|| {
                    records
                        .billets
                        .iter()
                        .find(|p| p.titre.contains(&key))
                        .map(|p| p.id.clone())
                })
                .or_else(|| {
                    records
                        .cahier_textes
                        .iter()
                        .find(|h| h.contenu.contains(&key))
                        .map(|h| h.id.clone())
                })
                .or_else(|| {
                    records
                        .agenda
                        .iter()
                        .find(|e| e.titre.contains(&key))
                        .map(|e| e.id.clone())
                })
                .or_else(|| {
                    records
                        .cahier_liaison
                        .iter()
                        .find(|n| n.texte.contains(&key))
                        .map(|n| n.id.clone())
                });
            match found {
                Some(id) => probes.push((format!("{} {key}", item.kind_fr()), id, stays)),
                None => unprobed.push(format!("{} {key}", item.kind_fr())),
            }
            if let Item::Post { comments, .. } = item {
                for comment in comments {
                    let key = marker(lot, &seeded.uai, &comment.key);
                    let id = records
                        .billets
                        .iter()
                        .flat_map(|p| &p.commentaires)
                        .find(|c| c.texte.contains(&key))
                        .map(|c| c.id.clone());
                    match id {
                        Some(id) => probes.push((format!("commentaire {key}"), id, stays)),
                        None => unprobed.push(format!("commentaire {key}")),
                    }
                    if stays {
                        kept.push(key);
                    } else {
                        gone.push(key);
                    }
                }
            }
            if stays {
                kept.push(key)
            } else {
                gone.push(key)
            }
        }
        for file in &seeded.files {
            let stays = !whole && file.owner != parent;
            match records.fichiers.iter().find(|f| f.nom == file.name) {
                Some(found) => {
                    probes.push((format!("fichier {}", file.name), found.id.clone(), stays))
                }
                None => unprobed.push(format!("fichier {}", file.name)),
            }
            if stays {
                kept.push(file.name.clone());
            } else {
                gone.push(file.name.clone());
            }
        }
        for person in &seeded.persons {
            // A parent of both schools keeps the account of the one that stays.
            let gone_person = person.jointure == parent
                || (whole && !school_parent(truth, &person.jointure, parent));
            let what = format!(
                "compte de {} {} ({})",
                person.first_name, person.last_name, person.jointure
            );
            match records
                .personnes
                .iter()
                .find(|p| p.jointure.as_deref() == Some(&person.jointure))
            {
                Some(found) => probes.push((what, found.id.clone(), !gone_person)),
                None => unprobed.push(what),
            }
            if gone_person {
                accounts.0.push(person.jointure.clone());
            } else {
                accounts.1.push(person.jointure.clone());
            }
        }
    }
    accounts.0.sort();
    accounts.0.dedup();
    accounts.1.retain(|j| !accounts.0.contains(j));
    Ok(Targets {
        probes,
        unprobed,
        gone,
        kept,
        accounts,
    })
}

/// Whether `jointure` is also seeded in the exported school (other than as
/// the deleted parent): its account survives the other school's deletion.
fn school_parent(truth: &GroundTruth, jointure: &str, parent: &str) -> bool {
    jointure != parent
        && truth
            .school(Role::Exported)
            .is_some_and(|s| s.persons.iter().any(|p| p.jointure == jointure))
}

async fn gather_deletion(
    context: &Context,
    exported: &ExportObservation,
) -> Result<DeletionObservation, String> {
    let setup = context
        .target
        .reversibility
        .as_ref()
        .ok_or("section [reversibility] absente de la description de cible")?;
    let truth = &exported.truth;
    let (planned, other_class) = plan(truth)?;
    let objects_api = context.capability(Capability::ObjectsApi)?;
    let keys_url = context.capability(Capability::CertificateKeys)?;
    let scene = Scene::new(context, Capability::DeletionApi)?;
    let controller = scene.controller.clone();
    let mut exchanges = Vec::new();
    let foreign_body = json!({ "perimetre": "classe", "id": other_class });
    let outsider = scene.outsider.clone();
    let mut foreign = vec![
        scene
            .try_as(
                "anonyme",
                None,
                Request::post_json(&scene.api, &foreign_body),
                &mut exchanges,
            )
            .await,
    ];
    if let Some(outsider) = &outsider {
        foreign.push(
            scene
                .try_as(
                    "compte d'une autre collectivité",
                    Some(outsider),
                    Request::post_json(&scene.api, &foreign_body),
                    &mut exchanges,
                )
                .await,
        );
    }
    let parent = planned.first().map(|p| p.id.clone()).unwrap_or_default();
    let witnesses = super::erasure::witnesses(context, truth, &parent);
    let logins_before = match &witnesses {
        Ok((witnesses, _)) => super::erasure::log_in_all(context, witnesses).await,
        Err(_) => Vec::new(),
    };
    let reader = super::erasure::count_reader(context, truth);
    let counts_before = match &reader {
        Ok(reader) => reader.read(context, &mut exchanges).await,
        Err(_) => Vec::new(),
    };
    let mut asked = Vec::new();
    for deletion in &planned {
        let asked_at = context.clock.now();
        let body = json!({ "perimetre": deletion.kind, "id": deletion.id });
        let (started, certificate) = scene.delete(&body, &mut exchanges).await;
        asked.push(AskedDeletion {
            kind: deletion.kind.to_owned(),
            id: deletion.id.clone(),
            label: deletion.label.clone(),
            asked_at,
            started,
            certificate,
            expected: deletion.expected.clone(),
            at_least: deletion.at_least.clone(),
        });
    }
    let keys = scene.text_of(&keys_url, None, &mut exchanges).await;
    let journal = match context.capability(Capability::DeletionLog) {
        Ok(url) => scene.text_of(&url, Some(&controller), &mut exchanges).await,
        Err(why) => Fetched::Unavailable(why),
    };
    let unjournaled = unjournaled(truth, &parent);
    let (probes, unprobed, gone, kept, accounts) = match probes_of(truth, exported, &parent) {
        Ok(targets) => {
            let mut probes = Vec::new();
            for (what, id, kept) in targets.probes {
                let url = reqwest::Url::parse(&format!(
                    "{}/{}",
                    objects_api.as_str().trim_end_matches('/'),
                    utf8_percent_encode(&id, NON_ALPHANUMERIC)
                ))
                .map_err(|error| error.to_string())?;
                let status = context
                    .probe
                    .status_of(
                        Request::get(&url),
                        &Jar::default().with_bearer_for(&objects_api, Some(controller.clone())),
                        &mut exchanges,
                    )
                    .await
                    .map_err(|error| error.to_string());
                probes.push(ObjectProbe {
                    what,
                    id,
                    kept,
                    status,
                });
            }
            (
                Ok(probes),
                targets.unprobed,
                targets.gone,
                targets.kept,
                targets.accounts,
            )
        }
        Err(why) => (
            Err(why),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            (Vec::new(), Vec::new()),
        ),
    };
    let (logins, unwitnessed) = match witnesses {
        Ok((witnesses, left_out)) => {
            let after = super::erasure::log_in_all(context, &witnesses).await;
            let paired = super::erasure::pair(witnesses, logins_before, after, &mut exchanges);
            (Ok(paired), left_out)
        }
        Err(why) => (Err(why), Vec::new()),
    };
    let counts = match reader {
        Ok(reader) => {
            if let Some(stats) = &context.target.stats
                && !stats.latency.is_zero()
            {
                tokio::time::sleep(stats.latency).await;
            }
            let after = reader.read(context, &mut exchanges).await;
            Ok(reader.pair(counts_before, after))
        }
        Err(why) => Err(why),
    };
    let exports = Scene::new(context, Capability::ExportApi)?;
    let (after, _, _) = exports
        .export(
            (setup.controller.level.as_str(), &setup.controller.id),
            Duration::from_secs(600),
            "export-apres-suppression.zip",
            (None, false),
            &mut exchanges,
        )
        .await;
    Ok(DeletionObservation {
        asked,
        foreign,
        keys,
        probes,
        unprobed,
        accounts,
        logins,
        unwitnessed,
        counts,
        journal,
        unjournaled,
        after: after.archive,
        gone,
        kept,
        exchanges,
    })
}

/// What a deletion journal must not re-store: the deleted people's names
/// (the parent, everyone seeded in the deleted school) and the markers of
/// the content seeded there.
fn unjournaled(truth: &GroundTruth, parent: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for school in &truth.schools {
        let whole = school.role == Role::SameCommune;
        for person in &school.persons {
            if whole || person.jointure == parent {
                found.push((
                    format!("le nom d'une personne supprimée ({})", person.jointure),
                    vec![person.first_name.clone(), person.last_name.clone()],
                ));
            }
        }
        if whole {
            for item in &school.items {
                found.push((
                    format!("un contenu supprimé ({})", item.kind_fr()),
                    vec![marker(&truth.lot, &school.uai, item.key())],
                ));
            }
        }
    }
    found
}

impl Scene<'_> {
    /// The text of `url` (200 only), with `token` as bearer for its origin.
    async fn text_of(
        &self,
        url: &reqwest::Url,
        token: Option<&String>,
        exchanges: &mut Vec<String>,
    ) -> Fetched<String> {
        let mut jar = Jar::default().with_bearer_for(url, token.cloned());
        match self
            .context
            .probe
            .follow(Request::get(url), &mut jar, exchanges)
            .await
        {
            Err(error) => Fetched::Unavailable(error.to_string()),
            Ok(page) if page.status != 200 => {
                Fetched::Undelivered(format!("GET {} → statut {}", self.shown(url), page.status))
            }
            Ok(page) => match page.text() {
                Some(text) => Fetched::Got(text.to_owned()),
                // A binary answer is not an empty text: say what came.
                None => Fetched::Undelivered(format!(
                    "GET {} → corps non textuel ({})",
                    self.shown(url),
                    page.media_type.as_deref().unwrap_or("type inconnu")
                )),
            },
        }
    }

    /// Asks for one deletion as the controller and follows it to its
    /// certificate, downloaded twice.
    async fn delete(
        &self,
        body: &Value,
        exchanges: &mut Vec<String>,
    ) -> (Attempt, Fetched<ServedCertificate>) {
        let api = &self.api;
        let (status, json) = match self.call(Request::post_json(api, body), exchanges).await {
            Err(why) => {
                return (
                    self.attempt("responsable", "POST", api, Err(why.clone())),
                    Fetched::Unavailable(why),
                );
            }
            Ok(answer) => answer,
        };
        let attempt = self.attempt("responsable", "POST", api, Ok(status));
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if !(200..=299).contains(&status) {
            let declined = Declined {
                status,
                attempt: attempt.describe(),
                consequence: "demande refusée".to_owned(),
            };
            return (attempt, Fetched::Declined(declined));
        }
        let (Some(reference), Some(follow)) = (field("reference"), field("suivi")) else {
            let why = format!(
                "{} : réponse sans « reference » ou sans « suivi »",
                attempt.describe()
            );
            return (attempt, Fetched::Undelivered(why));
        };
        let Ok(follow) = api.join(&follow) else {
            let why = format!("suivi « {follow} » inutilisable");
            return (attempt, Fetched::Undelivered(why));
        };
        let url = match self.follow_to(&follow, "certificat", exchanges).await {
            Ok((url, _)) => url,
            Err(ArchiveRead::Unavailable(why)) => return (attempt, Fetched::Unavailable(why)),
            Err(ArchiveRead::Undelivered(why) | ArchiveRead::Refused(why)) => {
                return (attempt, Fetched::Undelivered(why));
            }
            Err(ArchiveRead::Declined(declined)) => {
                return (attempt, Fetched::Declined(declined));
            }
            Err(ArchiveRead::Read(_)) => {
                return (attempt, Fetched::Undelivered("suivi sans issue".to_owned()));
            }
        };
        let certified_at = self.context.clock.now();
        let mut copies = Vec::new();
        for _ in 0..2 {
            let mut jar = self.jar(Some(&self.controller));
            match self
                .context
                .probe
                .follow(Request::get(&url), &mut jar, exchanges)
                .await
            {
                Err(error) => return (attempt, Fetched::Unavailable(error.to_string())),
                Ok(page) if page.status != 200 => {
                    let why = format!("certificat {} → statut {}", self.shown(&url), page.status);
                    return (attempt, Fetched::Undelivered(why));
                }
                Ok(page) => copies.push(page.text().map(str::to_owned).unwrap_or_else(|| {
                    format!(
                        "(corps de type « {} » : pas un JWS compact en texte)",
                        page.media_type.as_deref().unwrap_or("inconnu")
                    )
                })),
            }
        }
        let identical = copies.first() == copies.get(1);
        let compact = copies.into_iter().next().unwrap_or_default();
        (
            attempt,
            Fetched::Got(ServedCertificate {
                reference,
                certified_at,
                compact,
                identical,
            }),
        )
    }
}
