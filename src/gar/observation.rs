//! What the GAR scenarios observe (the export as delivered, the SSO as
//! played, the médiacentre as opened), for the GAR judges.

use reqwest::Url;

use crate::check::Person;
use crate::check::observation::DomainObservation;
use crate::probe::Page;

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
