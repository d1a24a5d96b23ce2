//! What the EXPORT and DELCERT scenarios observe (the exports, the
//! archives, the deletions, their certificates and what was left), for
//! their judges.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;

use crate::check::observation::DomainObservation;
use crate::check::{Person, Verdict};

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
    /// The candidate answered the controller's request with a status that
    /// is not 2xx; whose fault that is, the judges say ([`Declined`]).
    Declined(Declined),
    /// Read.
    Read(Arc<crate::reversibility::Examined>),
}

/// A request of the controller the candidate answered with a status that
/// is not 2xx, as the scenario saw it: the judges decide whose it is.
#[derive(Clone, Debug)]
pub struct Declined {
    /// The status.
    pub status: u16,
    /// The request and its answer, described for the reader.
    pub attempt: String,
    /// What did not happen because of it (« l'export n'a pas été lancé »).
    pub consequence: String,
}

impl Declined {
    /// Whether the refusal is the run's set-up rather than the candidate's:
    /// 401 and 403 say the controller's token, which the operator gave in
    /// the target, was not accepted (`error`: the harness could not ask);
    /// any other status is the candidate's (`fail`).
    pub fn on_the_setup(&self) -> bool {
        matches!(self.status, 401 | 403)
    }

    /// What to tell the reader, for either side.
    pub fn why(&self) -> String {
        if self.on_the_setup() {
            format!(
                "{} : jeton du responsable refusé, vérifiez [reversibility] controller",
                self.attempt
            )
        } else {
            format!("{} : {}", self.attempt, self.consequence)
        }
    }
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
            Self::Declined(declined) => Err(Verdict::error(
                expected,
                format!("aucune archive à examiner : {}", declined.why()),
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
    /// The candidate answered the controller's request with a status that
    /// is not 2xx; whose fault that is, the judges say.
    Declined(Declined),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn declined(status: u16) -> Declined {
        Declined {
            status,
            attempt: "responsable POST /api/exports → statut".to_owned(),
            consequence: "l'export n'a pas été lancé".to_owned(),
        }
    }

    #[test]
    fn a_refused_token_is_the_setup_and_any_other_refusal_the_candidate() {
        for status in [401, 403] {
            assert!(declined(status).on_the_setup());
            assert!(
                declined(status)
                    .why()
                    .contains("vérifiez [reversibility] controller")
            );
        }
        for status in [400, 404, 409, 500, 503] {
            assert!(!declined(status).on_the_setup());
            assert!(
                declined(status)
                    .why()
                    .ends_with("l'export n'a pas été lancé")
            );
        }
    }

    #[test]
    fn an_archive_declined_leaves_nothing_to_examine() {
        let read = ArchiveRead::Declined(declined(500));
        let Err(verdict) = read.examined("une archive") else {
            panic!("examined");
        };
        assert_eq!(verdict.status, crate::check::AssertionStatus::Error);
        assert!(
            verdict.actual.contains("aucune archive à examiner"),
            "{}",
            verdict.actual
        );
    }
}
