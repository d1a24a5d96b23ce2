//! The observations of one check, with each HTML page parsed once, and the
//! rules shared by every assertion that reads a page: non-HTML answers and
//! content missing from script-rendered pages are `error`, not `fail`.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;

use super::outcome::Verdict;
use crate::probe::{
    ActivityLog, Document, DocumentGuard, LoginTrace, Page, ParseRefused, StatsReading,
};
use crate::suite::Zone;

/// Below this many visible characters, a page that carries scripts is taken
/// for an application shell whose content JavaScript would build.
const SHELL_MAX_VISIBLE_CHARS: usize = 200;

/// Facts about the target that some assertions need.
#[derive(Clone, Debug, Default)]
pub struct TargetFacts {
    /// The declared login page, to recognise a login wall.
    pub login_page: Option<Url>,
}

struct Observed<'a> {
    page: Arc<Page>,
    /// `None` when the page is not HTML text.
    document: Option<Result<&'a Document, ParseRefused>>,
}

/// The parsed documents of a check's pages, locked while the check is
/// judged: parsed once per run, shared by every check, read by one at a
/// time. Locks are taken in one global order (the pages' addresses), so
/// two checks judging the same pages never wait on each other.
pub struct Documents<'p> {
    locked: Vec<(usize, DocumentGuard<'p>)>,
}

impl<'p> Documents<'p> {
    /// Locks the documents of `pages` (parsing those not parsed yet).
    pub fn lock(pages: impl IntoIterator<Item = &'p Arc<Page>>) -> Self {
        let mut unique: Vec<&'p Arc<Page>> = pages.into_iter().collect();
        unique.sort_by_key(|page| Arc::as_ptr(page) as usize);
        unique.dedup_by_key(|page| Arc::as_ptr(page) as usize);
        let locked = unique
            .into_iter()
            .filter_map(|page| Some((Arc::as_ptr(page) as usize, page.document()?)))
            .collect();
        Self { locked }
    }

    /// No document.
    pub fn none() -> Self {
        Self { locked: Vec::new() }
    }

    fn of(&self, page: &Arc<Page>) -> Option<Result<&Document, ParseRefused>> {
        let key = Arc::as_ptr(page) as usize;
        self.locked
            .iter()
            .find(|(at, _)| *at == key)
            .map(|(_, guard)| guard.get().map_err(Clone::clone))
    }
}

/// Someone as the candidate should show them on the account page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// "Prénom Nom".
    pub name: String,
    /// Name of the school.
    pub school: String,
    /// Names of the children a parent's account must list.
    pub children: Vec<String>,
}

/// What a `login` step observed, with what the check must compare it to.
#[derive(Clone, Debug)]
pub struct LoginObservation {
    /// The login as played (with its attack, if any).
    pub trace: LoginTrace,
    /// The same person logging in with a well-behaved IdP, run first so
    /// that a refusal proves something.
    pub control: Option<LoginTrace>,
    /// Who the IdP authenticated.
    pub expected: Person,
    /// Who must not get in: the person the bad answer names.
    pub intruder: Person,
    /// The bad answer, described (French), if any.
    pub attack: Option<String>,
    /// The service, described (French).
    pub service: String,
}

/// What a `statistics` step observed: the activity the harness played and
/// everything it read back.
#[derive(Clone, Debug)]
pub struct StatsObservation {
    /// The scripted activity.
    pub activity: ActivityLog,
    /// The statistics read.
    pub reading: StatsReading,
    /// UAIs of the dedicated schools.
    pub schools: Vec<String>,
    /// Values that would identify a person of the directory (names both
    /// ways round, e-mails, AAF join keys). In memory only.
    pub identifiers: Vec<String>,
}

/// What a `gar_export` step observed: the archive as delivered and what it
/// holds, with the directory the candidate was seeded with.
#[derive(Clone, Debug)]
pub struct GarObservation {
    /// Where the archive was finally served from.
    pub archive_url: Url,
    /// Final HTTP status of the archive.
    pub status: u16,
    /// Size in bytes.
    pub size: u64,
    /// MD5 computed by the harness, lowercase hex.
    pub md5: String,
    /// The `.md5` file's content, or why it could not be read.
    pub md5_file: Result<String, String>,
    /// Why the transfer stopped before the archive's end, if it did: the
    /// archive was then read as far as it arrived.
    pub cut: Option<String>,
    /// `members` holds a refusal of the archive's own content (bomb, unsafe
    /// name, link, corrupt header), found in what arrived.
    pub refused: bool,
    /// Members (name, size), or why the archive was refused.
    pub members: Result<Vec<(String, u64)>, String>,
    /// Member names that do not follow the GAR pattern.
    pub bad_names: Vec<String>,
    /// Files refused before validation (document type declaration, not
    /// UTF-8, not XML, wrong root).
    pub unreadable: Vec<String>,
    /// libxml2's findings, or why the schema could not be used.
    pub xsd: Result<Vec<crate::gar::XsdFinding>, String>,
    /// The records read.
    pub export: crate::gar::GarExport,
    /// Kinds of the files read.
    pub kinds: Vec<crate::gar::Kind>,
    /// The records of the next export, downloaded again right after (the
    /// data unchanged), or why it could not be read.
    pub again: Result<crate::gar::GarExport, String>,
    /// The directory the candidate was seeded with, if the run knows it.
    pub directory: Option<crate::aaf::Directory>,
    /// Evidence of the two downloads.
    pub exchanges: Vec<String>,
}

/// What a `gar_sso` step observed: the harness as the GAR's service
/// provider asking the candidate's IdP about a logged-in pupil.
#[derive(Clone, Debug)]
pub struct GarSsoObservation {
    /// Where the metadata was read.
    pub metadata_url: Url,
    /// The metadata text, or why it could not be read.
    pub metadata: Result<String, String>,
    /// Signing certificates found in the metadata (DER).
    pub certificates: Vec<Vec<u8>>,
    /// When the harness judged the times against.
    pub checked_at: chrono::DateTime<chrono::Utc>,
    /// The harness's service provider entity id (expected audience).
    pub sp_entity: String,
    /// Its assertion consumer service (expected destination and recipient).
    pub acs: String,
    /// ID of the AuthnRequest (expected `InResponseTo`).
    pub request_id: String,
    /// The pupil logged in, as the export shows them: name and UAI.
    pub person: (String, String, String),
    /// Their `GARPersonIdentifiant` in the export, or why it is unknown.
    pub exported_id: Result<String, String>,
    /// The pupil as their account page must show them.
    pub pupil: Person,
    /// The account page after the pupil's login, or why the login could
    /// not be played.
    pub login: Result<Page, String>,
    /// The SAML response's XML, or why there is none.
    pub response: Result<String, String>,
    /// The part of the response the metadata's key signs (the assertion),
    /// or why no signature verifies.
    pub signed: Result<String, String>,
    /// What the IdP answered, in the same session, to requests it must not
    /// answer with an assertion (unknown SP, foreign return address).
    pub foreign: Vec<ForeignAnswer>,
    /// Evidence.
    pub exchanges: Vec<String>,
}

/// The IdP's answer to a request from a service provider it must not
/// serve.
#[derive(Clone, Debug)]
pub struct ForeignAnswer {
    /// What is wrong with the request.
    pub label: String,
    /// Where an assertion may still be posted (the GAR's registered
    /// address), if anywhere.
    pub allowed: Option<String>,
    /// What the IdP did, or why the page could not be opened.
    pub answer: Result<ForeignOutcome, String>,
}

/// What an IdP did with a foreign request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignOutcome {
    /// It posted a SAML response (to `action`), with or without an assertion.
    Posted {
        /// Where the form posts.
        action: String,
        /// Whether the response carries an assertion.
        assertion: bool,
    },
    /// It sent the browser to the foreign return address (redirect).
    Redirected {
        /// The address.
        to: String,
    },
    /// It answered without a SAML response.
    NoResponse {
        /// Status of the page.
        status: u16,
        /// Where the browser ended.
        url: String,
    },
}

/// What a `gar_mediacentre` step observed: a pupil opening the médiacentre
/// while the harness plays the GAR's "ressources" web service.
#[derive(Clone, Debug)]
pub struct GarMediacentreObservation {
    /// The pupil as their account page must show them.
    pub pupil: Person,
    /// The account page after login, or why the login could not be played.
    pub login: Result<Page, String>,
    /// The médiacentre (page or the JSON it is drawn from), or why it could
    /// not be opened.
    pub page: Result<Page, String>,
    /// The only call the médiacentre should make (idENT declared, the
    /// pupil's UAI, their `GARPersonIdentifiant` in the export), or why it
    /// is unknown.
    pub expected: Result<crate::gar::Asked, String>,
    /// Where the harness served the web service.
    pub service_url: Url,
    /// What the service received while the pupil opened the médiacentre.
    pub received: crate::gar::Received,
    /// Evidence (the pupil's exchanges and the calls received).
    pub exchanges: Vec<String>,
}

/// A request made to see whether the candidate refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Who asked, in French (`anonyme`, `compte d'une autre collectivité`…).
    pub who: String,
    /// Method and URL.
    pub what: String,
    /// The status answered, or the transport error.
    pub status: Result<u16, String>,
}

impl Attempt {
    /// Refused as it should be: 401, 403, 404 or 410.
    pub fn refused(&self) -> Result<bool, String> {
        match &self.status {
            // A redirect (to a login page, typically) is a refusal too: the
            // requests judged here follow none.
            Ok(code) => Ok(matches!(code, 300..=399 | 401 | 403 | 404 | 410)),
            Err(why) => Err(why.clone()),
        }
    }

    /// "anonyme : POST … → 202".
    pub fn describe(&self) -> String {
        match &self.status {
            Ok(code) => format!("{} : {} → {code}", self.who, self.what),
            Err(why) => format!("{} : {} → {why}", self.who, self.what),
        }
    }
}

/// An export archive as the harness got it.
#[derive(Clone, Debug)]
pub enum ArchiveRead {
    /// The candidate did not deliver one (refused the controller, failed
    /// or never ended the job, gave no link, did not serve it): why.
    Undelivered(String),
    /// The harness could not get or keep it (transport, disk, its own
    /// configuration): why.
    Unavailable(String),
    /// Downloaded, and refused as a whole (unsafe, truncated, not a ZIP).
    Refused(String),
    /// Read.
    Read(Arc<crate::reversibility::Examined>),
}

impl ArchiveRead {
    /// The archive read, or the verdict that nothing can be judged.
    pub fn examined(&self, expected: &str) -> Result<&crate::reversibility::Examined, Verdict> {
        match self {
            Self::Read(examined) => Ok(examined),
            Self::Undelivered(why) | Self::Unavailable(why) => Err(Verdict::error(
                expected,
                format!("aucune archive à examiner : {why}"),
            )),
            Self::Refused(why) => Err(Verdict::error(
                expected,
                format!("archive refusée, rien à examiner (voir la règle « archive ») : {why}"),
            )),
        }
    }
}

/// One export job followed to its end.
#[derive(Clone, Debug)]
pub struct ExportJob {
    /// Scope asked: (`ecole`|`collectivite`, id).
    pub perimeter: (String, String),
    /// The controller's request that started it.
    pub started: Attempt,
    /// The download link given when the job ended.
    pub link: Option<Url>,
    /// Its announced expiry, as given.
    pub expire: Option<String>,
    /// When the harness saw the job end.
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The archive.
    pub archive: ArchiveRead,
    /// The service used while the job ran and after it (school export only).
    pub continuity: Option<Continuity>,
}

/// A read and a write of the service: the public home page's status, and
/// the status of a write through the seeding API (the same content again,
/// in the school of another collectivité, which no export includes).
#[derive(Clone, Debug)]
pub struct Working {
    /// `GET` of the home page.
    pub read: Result<u16, String>,
    /// The write.
    pub write: Result<u16, String>,
}

/// The service used during an export job and after it.
#[derive(Clone, Debug)]
pub struct Continuity {
    /// Right after the job started.
    pub during: Working,
    /// Whether the job still said `en_cours` after that use (when it was
    /// already done, nothing was observed during it).
    pub running: Result<bool, String>,
    /// Once the archive was downloaded.
    pub after: Working,
}

/// A person's own archive (RGPD art. 20), downloaded in their session.
#[derive(Clone, Debug)]
pub struct Portability {
    /// Who, for messages.
    pub who: String,
    /// Their AAF join key (the archive's scope).
    pub jointure: String,
    /// How their account page shows them.
    pub person: Person,
    /// Their login (the download is made in it), or why it failed.
    pub login: Result<crate::probe::LoginTrace, String>,
    /// The archive.
    pub archive: ArchiveRead,
    /// (what, marker) of the content that is theirs: sent and received
    /// messages, their comments, the notes they signed.
    pub own: Vec<(String, String)>,
    /// (what, marker) of what others wrote that is not theirs to take.
    pub foreign: Vec<(String, String)>,
    /// (join key, name) of the people of the school who are not them,
    /// their children or their correspondent teacher.
    pub others: Vec<(String, String)>,
}

/// What an `export_job` step observed.
#[derive(Clone, Debug)]
pub struct ExportObservation {
    /// What was seeded.
    pub truth: Arc<crate::reversibility::GroundTruth>,
    /// Link validity asked.
    pub ttl: std::time::Duration,
    /// Starts by people who are not the controller.
    pub foreign_starts: Vec<Attempt>,
    /// The controller's job followed by someone else.
    pub foreign_polls: Vec<Attempt>,
    /// The school's export.
    pub school: ExportJob,
    /// The collectivité's export.
    pub commune: ExportJob,
    /// The school's link tried by others.
    pub foreign_downloads: Vec<Attempt>,
    /// The school's export as the library's reference reader took it in
    /// (or why it took nothing in); `Err` when it could not be read again
    /// (no archive, or the reading was interrupted).
    pub round_trip: Result<Arc<RoundTrip>, String>,
    /// A parent's own archive, or why it could not be asked for.
    pub portability: Result<Portability, String>,
    /// The controller tries the link once expired (`Err`: there was no
    /// link); `None` when the step did not ask for it (`link_expiry`).
    pub after_expiry: Option<Result<Attempt, String>>,
    /// Evidence.
    pub exchanges: Vec<String>,
}

/// What the reference reader made of an archive: the records it took in
/// and what it left out, or why it could take nothing in.
pub type RoundTrip =
    Result<crate::reversibility::import::Imported, crate::reversibility::import::ImportRefusal>;

/// Something the candidate should have served: what it served, or why not.
#[derive(Clone, Debug)]
pub enum Fetched<T> {
    /// Served.
    Got(T),
    /// The candidate did not serve it (status, missing field): why.
    Undelivered(String),
    /// The harness could not ask (transport): why.
    Unavailable(String),
}

/// A certificate as served.
#[derive(Clone, Debug)]
pub struct ServedCertificate {
    /// The reference the candidate gave the request.
    pub reference: String,
    /// When the harness saw the deletion done.
    pub certified_at: chrono::DateTime<chrono::Utc>,
    /// The compact JWS, as served.
    pub compact: String,
    /// A second download gave the same bytes.
    pub identical: bool,
}

/// One deletion asked by the controller, followed to its certificate.
#[derive(Clone, Debug)]
pub struct AskedDeletion {
    /// `utilisateur`, `classe` or `ecole`.
    pub kind: String,
    /// Join key, `UAI/code` or UAI.
    pub id: String,
    /// What it is, in French.
    pub label: String,
    /// When the harness asked.
    pub asked_at: chrono::DateTime<chrono::Utc>,
    /// The request.
    pub started: Attempt,
    /// The certificate.
    pub certificate: Fetched<ServedCertificate>,
    /// What the ground truth says the deletion removes, by kind.
    pub expected: BTreeMap<String, usize>,
    /// Kinds whose expected count is a minimum: a candidate also deletes
    /// the school's directory accounts and classes, which were not seeded.
    pub at_least: Vec<String>,
}

/// An object probed after the deletions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectProbe {
    /// What it is (with its marker or name).
    pub what: String,
    /// The id its export gave it.
    pub id: String,
    /// It must still exist (else: it must be gone).
    pub kept: bool,
    /// The status answered.
    pub status: Result<u16, String>,
}

/// What a `deletion` step observed.
#[derive(Clone, Debug)]
pub struct DeletionObservation {
    /// The three deletions, in order: a user, a class, a school.
    pub asked: Vec<AskedDeletion>,
    /// Deletion requests by people who are not the controller.
    pub foreign: Vec<Attempt>,
    /// The published keys (JWKS).
    pub keys: Fetched<String>,
    /// The objects probed, or why none could be (no export to take ids from).
    pub probes: Result<Vec<ObjectProbe>, String>,
    /// Targeted objects the exports gave no id for (not probed).
    pub unprobed: Vec<String>,
    /// Join keys of the deleted accounts, and of accounts that must remain.
    pub accounts: (Vec<String>, Vec<String>),
    /// The deleted people's logins before and after the deletions, or why
    /// none could be played (no `[sso]`).
    pub logins: Result<Vec<WitnessLogin>, String>,
    /// Witnesses left out, and why (their login is not declared).
    pub unwitnessed: Vec<String>,
    /// The schools' loaded accounts in the statistics before and after, or
    /// why they could not be read (no `[stats]`, no académie viewer).
    pub counts: Result<Vec<SchoolCount>, String>,
    /// The deletion journal as the controller read it after the deletions
    /// (JSON text), or why not.
    pub journal: Fetched<String>,
    /// What the journal must not hold: (what, words all found in one
    /// entry) — the deleted people's first and last names, the markers of
    /// the deleted content.
    pub unjournaled: Vec<(String, Vec<String>)>,
    /// The collectivité's export after the deletions.
    pub after: ArchiveRead,
    /// Markers and file names that must be gone from it.
    pub gone: Vec<String>,
    /// Markers and file names that must still be in it.
    pub kept: Vec<String>,
    /// Evidence.
    pub exchanges: Vec<String>,
}

/// A person whose account a deletion removes, logged in before it (the
/// control) and after it.
#[derive(Clone, Debug)]
pub struct WitnessLogin {
    /// Who, and why they are a witness.
    pub who: String,
    /// How the candidate's account page shows them.
    pub person: Person,
    /// Their account is not targeted: they must still get in after.
    pub kept: bool,
    /// The login before the deletions, or why it could not be played.
    pub before: Result<crate::probe::LoginTrace, String>,
    /// The login after them.
    pub after: Result<crate::probe::LoginTrace, String>,
}

/// What a school's count of loaded accounts must become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountChange {
    /// This many fewer (the deleted user's account).
    Minus(u64),
    /// None left, or the school no longer known (the deleted school).
    Zero,
    /// Unchanged (a school no deletion touched).
    Same,
}

/// A school's loaded accounts (sum of the `comptes_charges*` columns of
/// the current week) before and after the deletions.
#[derive(Clone, Debug)]
pub struct SchoolCount {
    /// UAI.
    pub uai: String,
    /// What the count must become.
    pub change: CountChange,
    /// Before, or why it could not be read.
    pub before: Result<u64, String>,
    /// After (`None`: the school is no longer known), or why not read.
    pub after: Result<Option<u64>, String>,
}

impl DomainObservation for GarObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

impl DomainObservation for GarSsoObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

impl DomainObservation for GarMediacentreObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

impl DomainObservation for ExportObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

impl DomainObservation for DeletionObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

impl DomainObservation for StatsObservation {
    fn exchanges(&self) -> Vec<String> {
        self.reading.exchanges()
    }
}

/// The pages a check fetched, by step id.
pub struct Observations<'a> {
    steps: BTreeMap<String, Observed<'a>>,
    logins: BTreeMap<String, Arc<LoginObservation>>,
    /// Each domain's once-per-run observations, by step id.
    shared: BTreeMap<String, Arc<dyn SharedObservation>>,
    /// Facts about the target.
    pub target: TargetFacts,
}

/// A domain's once-per-run observation (the GAR export, the statistics,
/// the exports…), as the core holds it without knowing its type: the
/// evidence it rests on, and its type for the domain's judges to get it
/// back ([`Observations::shared`]).
pub trait DomainObservation: std::any::Any + Send + Sync {
    /// Ids of the evidence exchanges it rests on.
    fn exchanges(&self) -> Vec<String>;
}

/// A step's shared observation, or why the work failed, type erased.
pub trait SharedObservation: Send + Sync {
    /// For the domain's judges, which know the type.
    fn as_any(&self) -> &dyn std::any::Any;
    /// Why there is no observation, if the work failed.
    fn failure(&self) -> Option<&str>;
    /// Ids of the evidence exchanges it rests on (none if it failed).
    fn exchanges(&self) -> Vec<String>;
}

impl<T: DomainObservation> SharedObservation for Result<T, String> {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn failure(&self) -> Option<&str> {
        self.as_ref().err().map(String::as_str)
    }

    fn exchanges(&self) -> Vec<String> {
        self.as_ref()
            .map(DomainObservation::exchanges)
            .unwrap_or_default()
    }
}

impl<'a> Observations<'a> {
    /// The pages of a check, with their documents as `documents` holds
    /// them locked.
    pub fn new(
        pages: &BTreeMap<String, Arc<Page>>,
        documents: &'a Documents<'_>,
        target: TargetFacts,
    ) -> Self {
        let steps = pages
            .iter()
            .map(|(step, page)| {
                (
                    step.clone(),
                    Observed {
                        page: Arc::clone(page),
                        document: documents.of(page),
                    },
                )
            })
            .collect();
        Self {
            steps,
            logins: BTreeMap::new(),
            shared: BTreeMap::new(),
            target,
        }
    }

    /// Adds the once-per-run observations of the check's steps.
    #[must_use]
    pub fn with_shared(mut self, shared: BTreeMap<String, Arc<dyn SharedObservation>>) -> Self {
        self.shared = shared;
        self
    }

    /// The observation of type `T` a step shares, or the verdict saying why
    /// there is none: the work failed (`what` names what was expected), the
    /// step is unknown, or it observes something else.
    pub fn shared<T: DomainObservation>(&self, step: &str, what: &str) -> Result<&T, Verdict> {
        let Some(shared) = self.shared.get(step) else {
            return Err(missing_step(step));
        };
        match shared.as_any().downcast_ref::<Result<T, String>>() {
            Some(Ok(observation)) => Ok(observation),
            Some(Err(why)) => Err(Verdict::error(what, why.clone())),
            None => Err(Verdict::error(
                what,
                format!("l'étape « {step} » n'observe pas cela (fichier de suite à corriger)"),
            )),
        }
    }

    /// Adds the logins of the check.
    #[must_use]
    pub fn with_logins(mut self, logins: BTreeMap<String, Arc<LoginObservation>>) -> Self {
        self.logins = logins;
        self
    }

    /// The login of a step.
    pub fn login(&self, step: &str) -> Result<&LoginObservation, Verdict> {
        self.logins
            .get(step)
            .map(Arc::as_ref)
            .ok_or_else(|| missing_step(step))
    }

    /// The page of a step.
    pub fn page(&self, step: &str) -> Result<&Page, Verdict> {
        self.steps
            .get(step)
            .map(|o| o.page.as_ref())
            .ok_or_else(|| missing_step(step))
    }

    /// The page of a step and its parsed HTML; an error verdict when the
    /// answer is not HTML, since nothing HTML can be judged in it.
    pub fn document(&self, step: &str, expected: &str) -> Result<(&Page, &Document), Verdict> {
        let observed = self.steps.get(step).ok_or_else(|| missing_step(step))?;
        match &observed.document {
            Some(Ok(document)) => Ok((&observed.page, document)),
            Some(Err(refused)) => Err(Verdict::error(
                expected,
                format!(
                    "la page « {step} » ({}) n'a pas pu être lue : {refused}",
                    observed.page.final_url
                ),
            )),
            None => Err(Verdict::error(
                expected,
                format!(
                    "la réponse de la page « {step} » ({}) n'est pas du HTML ({}) : rien à y lire",
                    observed.page.final_url,
                    observed.page.media_type_label()
                ),
            )),
        }
    }

    /// Evidence exchanges of these steps.
    pub fn exchanges(&self, steps: &[&str]) -> Vec<String> {
        let pages = steps
            .iter()
            .filter_map(|step| self.steps.get(*step))
            .flat_map(|o| o.page.exchanges());
        let logins = steps
            .iter()
            .filter_map(|step| self.logins.get(*step))
            .flat_map(|login| {
                let mut ids = login.trace.exchanges();
                if let Some(control) = &login.control {
                    ids.extend(control.exchanges());
                }
                ids
            });
        let shared = steps
            .iter()
            .filter_map(|step| self.shared.get(*step))
            .flat_map(|shared| shared.exchanges());
        let mut ids: Vec<String> = pages
            .chain(logins)
            .chain(shared)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The text of a zone, or the verdict saying why there is none.
    pub fn zone_text(&self, zone: &Zone, expected: &str) -> Result<String, Verdict> {
        let (page, document) = self.document(&zone.step, expected)?;
        let within = zone.within.as_ref().map(|css| &css.selector);
        document
            .text(within)
            .ok_or_else(|| absent(zone, page, document, expected))
    }
}

fn missing_step(step: &str) -> Verdict {
    Verdict::error(
        "une observation de l'étape",
        format!("l'étape « {step} » n'a rien observé"),
    )
}

/// The verdict for a zone or element that the served HTML does not contain.
///
/// When the page carries scripts, the element may well exist once
/// JavaScript has run, which entconf does not do: the honest outcome is
/// `error` with that explanation, never a guess either way.
pub(crate) fn absent(zone: &Zone, page: &Page, document: &Document, expected: &str) -> Verdict {
    let what = match &zone.within {
        Some(css) => format!("aucun élément « {} »", css.source),
        None => "page vide".to_owned(),
    };
    absent_element(&what, page, document, expected)
}

/// Like [`absent`], for a described element.
pub(crate) fn absent_element(
    what: &str,
    page: &Page,
    document: &Document,
    expected: &str,
) -> Verdict {
    let scripts = document.script_count();
    if scripts > 0 {
        Verdict::error(
            expected,
            format!(
                "{what} dans le HTML servi par {}, qui contient {scripts} script(s) : ce contenu est \
                 probablement produit par JavaScript, qu'entconf n'exécute pas. À vérifier dans un \
                 navigateur, ou servir ce contenu dans le HTML initial.",
                page.final_url
            ),
        )
    } else {
        Verdict::fail(expected, format!("{what} dans {}", page.final_url))
    }
}

/// Turns a failing whole-page verdict into an error when the page looks like
/// an application shell filled by scripts (see [`absent`]).
pub(crate) fn unless_script_shell(
    verdict: Verdict,
    zone: &Zone,
    observations: &Observations,
) -> Verdict {
    if verdict.status != super::outcome::AssertionStatus::Failed || zone.within.is_some() {
        return verdict;
    }
    let Ok((page, document)) = observations.document(&zone.step, &verdict.expected) else {
        return verdict;
    };
    let scripts = document.script_count();
    let visible = document.visible_chars();
    if scripts > 0 && visible < SHELL_MAX_VISIBLE_CHARS {
        Verdict::error(
            verdict.expected,
            format!(
                "{} — mais la page {} n'a que {visible} caractères visibles et {scripts} script(s) : \
                 son contenu est probablement produit par JavaScript, qu'entconf n'exécute pas",
                verdict.actual, page.final_url
            ),
        )
    } else {
        verdict
    }
}
