//! The target description (`entconf.toml`): which ENT is tested, where its
//! pages are (capabilities), HTTP limits, and secrets by reference.
//!
//! ```toml
//! id = "ent-bellerive-recette"
//! name = "ENT des écoles de Bellerive (recette)"
//! base_url = "https://recette.ent.example/"
//!
//! [capabilities]
//! login_page = "/auth/login"
//! home_page = "/"
//!
//! [http]
//! request_timeout = "15s"
//! basic_auth = { user = "recette", password = { env = "ENT_RECETTE_PASSWORD" } }
//!
//! [secrets]
//! TEACHER_PASSWORD = { env = "ENT_TEACHER_PASSWORD" }
//! ```
//!
//! Secret values never appear in the file: only the environment variable or
//! file that holds them. The file's SHA-256 is recorded in results, which is
//! therefore free of secrets.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::browser::Readiness;

use super::diagnostic::{Diagnostic, Diagnostics, utf8_text};
use super::quantity::{DURATION_PATTERN, SIZE_PATTERN, parse_duration, parse_size, parse_wait};
use super::read::{
    BoundedReadError, MAX_DESCRIPTION_FILE, MAX_KEY_FILE, MAX_SECRET_FILE, read_bounded,
};

/// Something a target declares it offers, referenced by suites as
/// `${target.<name>}` and `requires: [<name>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// The login page (or WAYF), public.
    LoginPage,
    /// The public home page of the ENT, public.
    HomePage,
    /// Starts an EduConnect login over OpenID Connect.
    EduconnectOidcLogin,
    /// Starts an EduConnect login over SAML.
    EduconnectSamlLogin,
    /// Starts a teacher's login at the agents' guichet (SAML).
    AgentsLogin,
    /// A page only a logged-in person sees, showing who they are.
    AccountPage,
    /// Logs the person out.
    Logout,
    /// Base of the conformance statistics API (`<base>/<niveau>/<id>`).
    StatisticsApi,
    /// The DNMA-shaped CSV export of every school.
    StatisticsDnmaExport,
    /// The latest GAR-ENT export archive (tar.gz; its `.md5` beside it).
    GarExport,
    /// The metadata of the candidate's SAML IdP for the GAR.
    GarIdpMetadata,
    /// The IdP's single sign-on endpoint for the GAR (HTTP-Redirect binding).
    GarSso,
    /// The médiacentre page: the GAR resources of the logged-in person.
    GarMediacentre,
    /// The conformance API that seeds content (`POST`, JSON).
    SeedApi,
    /// The conformance API that starts reversibility exports (`POST`, JSON).
    ExportApi,
    /// The conformance API that receives deletion requests (`POST`, JSON).
    DeletionApi,
    /// The JWKS of the keys that sign deletion certificates (public).
    CertificateKeys,
    /// The conformance API that says whether an object still exists
    /// (`GET <api>/<id>`, the id its export gave it).
    ObjectsApi,
    /// The published reversibility plan (public page).
    ReversibilityPlan,
    /// The journal of deletions (`GET`, controller's token, JSON).
    DeletionLog,
    /// A logged-in person's own archive (RGPD art. 20), in the exchange
    /// format (`GET` in their session).
    PortabilityExport,
}

impl Capability {
    /// Every capability, in documentation order.
    pub const ALL: [Self; 21] = [
        Self::LoginPage,
        Self::HomePage,
        Self::EduconnectOidcLogin,
        Self::EduconnectSamlLogin,
        Self::AgentsLogin,
        Self::AccountPage,
        Self::Logout,
        Self::StatisticsApi,
        Self::StatisticsDnmaExport,
        Self::GarExport,
        Self::GarIdpMetadata,
        Self::GarSso,
        Self::GarMediacentre,
        Self::SeedApi,
        Self::ExportApi,
        Self::DeletionApi,
        Self::CertificateKeys,
        Self::ObjectsApi,
        Self::ReversibilityPlan,
        Self::DeletionLog,
        Self::PortabilityExport,
    ];

    /// Name in suite and target files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginPage => "login_page",
            Self::HomePage => "home_page",
            Self::EduconnectOidcLogin => "educonnect_oidc_login",
            Self::EduconnectSamlLogin => "educonnect_saml_login",
            Self::AgentsLogin => "agents_login",
            Self::AccountPage => "account_page",
            Self::Logout => "logout",
            Self::StatisticsApi => "statistics_api",
            Self::StatisticsDnmaExport => "statistics_dnma_export",
            Self::GarExport => "gar_export",
            Self::GarIdpMetadata => "gar_idp_metadata",
            Self::GarSso => "gar_sso",
            Self::GarMediacentre => "gar_mediacentre",
            Self::SeedApi => "seed_api",
            Self::ExportApi => "export_api",
            Self::DeletionApi => "deletion_api",
            Self::CertificateKeys => "certificate_keys",
            Self::ObjectsApi => "objects_api",
            Self::ReversibilityPlan => "reversibility_plan",
            Self::DeletionLog => "deletion_log",
            Self::PortabilityExport => "portability_export",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// All names, for messages.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.into_iter().map(Self::as_str).collect()
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secret value and its name. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// Name, e.g. `TEACHER_PASSWORD`.
    pub name: String,
    value: String,
}

impl Secret {
    /// Shortest secret accepted: shorter values would be masked in unrelated
    /// text too, and masking is what keeps them out of reports.
    pub const MIN_LEN: usize = 4;

    /// A secret from its value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The value, for the probes that send it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}: [masqué])", self.name)
    }
}

/// A secret the description declares, resolved or with the reason it is not.
#[derive(Clone, Debug)]
pub enum SecretSlot {
    /// Available.
    Available(Secret),
    /// Declared but not provided (e.g. environment variable unset).
    Missing(String),
}

/// HTTP limits and credentials of the run.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Time limit of one request (connection, headers and body).
    pub request_timeout: Duration,
    /// Time limit of one check, unless the check sets its own.
    pub check_timeout: Duration,
    /// Largest response body read; a larger one is an error.
    pub max_body: u64,
    /// Largest number of redirects followed in one fetch.
    pub max_redirects: u32,
    /// HTTP basic credentials sent on every request (staging behind a proxy).
    pub basic_auth: Option<(String, Secret)>,
    /// Origins besides those of `base_url` and the capabilities where a
    /// link of the candidate's pages may be followed (a notice hosted on
    /// the commune's site); a link elsewhere is never fetched.
    pub origins: Vec<url::Origin>,
    /// Host names answered without DNS (a staging ENT on names no DNS
    /// knows), by host: the harness's requests and its browser use them.
    pub resolve: BTreeMap<String, std::net::IpAddr>,
    /// Certificate authorities (DER) the harness's requests and its
    /// browser trust besides the system's: the candidate's `ca` (a staging
    /// ENT under a private CA), and the test CA of the IdPs the harness
    /// serves over TLS.
    pub trusted_roots: Vec<Vec<u8>>,
    /// Where the ENT answers in plain HTTP, to be sent to HTTPS (SEC-01);
    /// `None` means `http://` and the host of `base_url`, port 80.
    pub plain_url: Option<Url>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            check_timeout: Duration::from_secs(60),
            max_body: 2 << 20,
            max_redirects: 10,
            basic_auth: None,
            origins: Vec::new(),
            resolve: BTreeMap::new(),
            trusted_roots: Vec::new(),
            plain_url: None,
        }
    }
}

/// A validated target description.
#[derive(Clone, Debug)]
pub struct Target {
    /// Short identifier (used in waivers and comparisons).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Base URL; relative capabilities resolve against it.
    pub base_url: Url,
    /// Declared capabilities, as absolute URLs.
    pub capabilities: BTreeMap<Capability, Url>,
    /// HTTP settings.
    pub http: HttpSettings,
    /// Declared secrets.
    pub secrets: BTreeMap<String, SecretSlot>,
    /// SHA-256 of the description file (it holds references, not secrets).
    pub description_sha256: String,
    /// How the candidate is registered at the harness's IdPs, if it is.
    pub sso: Option<SsoTarget>,
    /// What the statistics suite may use, if declared.
    pub stats: Option<StatsTarget>,
    /// How the candidate reaches the GAR the harness plays, if declared.
    pub gar: Option<GarTarget>,
    /// What the reversibility suites need (`[reversibility]`).
    pub reversibility: Option<ReversibilityTarget>,
    /// Where the candidate shows a seeded object by its id (`[access]`).
    pub access: Option<AccessTarget>,
    /// The test account of the ENT's own login form (`[local_login]`).
    pub local_login: Option<LocalLoginTarget>,
    /// Whether and how pages are opened in a browser (`[browser]`).
    pub browser: BrowserTarget,
}

/// The `[local_login]` section: the ENT's own login form and the test
/// account SEC-06 may lock.
#[derive(Clone, Debug)]
pub struct LocalLoginTarget {
    /// The page with the form (a `<form>` with a password field).
    pub page: Option<Url>,
    /// The test account's identifier.
    pub account: String,
    /// Its password (the control: one login with it comes first).
    pub password: SecretSlot,
}

/// The `[access]` section: the candidate's addresses of one object by its
/// id, each a template with `{id}`, resolved against `base_url`.
#[derive(Clone, Debug)]
pub struct AccessTarget {
    /// Templates, in the file's order, each with `{id}` once.
    pub object_urls: Vec<String>,
}

impl AccessTarget {
    /// `template` with `id` in place of `{id}` (percent-encoded), resolved
    /// against `base`.
    pub fn resolve(base: &Url, template: &str, id: &str) -> Result<Url, url::ParseError> {
        // RFC 3986's unreserved characters stay as they are.
        const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let id = percent_encoding::utf8_percent_encode(id, ENCODED);
        base.join(&template.replace("{id}", &id.to_string()))
    }
}

/// The `[reversibility]` section: the school whose export is asked, the
/// controller who asks, another collectivité's account that must be
/// refused, and how long the download link may live.
#[derive(Clone, Debug)]
pub struct ReversibilityTarget {
    /// UAI of the school exported (its AAF people own the seeded content).
    pub school: String,
    /// The controller of the school's data (usually its collectivité).
    pub controller: StatsViewer,
    /// An account of another scope, refused by the candidate.
    pub outsider: Option<StatsViewer>,
    /// Validity asked for the download link.
    pub link_ttl: Duration,
    /// Longest wait for an export job.
    pub job_timeout: Duration,
    /// Largest record file of an export parsed (each is read whole).
    pub max_record_file: u64,
}

/// The `[gar]` section: the candidate's project code at the GAR and how its
/// médiacentre reaches the "ressources" web service the harness serves.
#[derive(Clone, Debug)]
pub struct GarTarget {
    /// `idENT`: the project code the GAR gave the ENT.
    pub id_ent: String,
    /// Address the web service listens on (TLS).
    pub ressources_listen: std::net::SocketAddr,
    /// URL the candidate calls it at (default `https://<ressources_listen>`).
    pub ressources_public_url: Url,
    /// Folder of the service's test-only TLS key, kept between runs so the
    /// candidate trusts it once; a fresh key per run otherwise.
    pub ressources_keys: Option<std::path::PathBuf>,
    /// The client certificate the candidate presents (PEM, public).
    pub client_certificate: String,
    /// The SFTP drop the candidate pushes its export to, if it delivers
    /// that way (then `gar_export` is the URL that asks it to push).
    pub sftp: Option<GarSftpTarget>,
}

/// Where the harness's SFTP drop listens and whom it lets in.
#[derive(Clone, Debug)]
pub struct GarSftpTarget {
    /// Address of the drop.
    pub listen: std::net::SocketAddr,
    /// The candidate's public key (one OpenSSH line).
    pub public_key: String,
}

/// The `[stats]` section: the dedicated schools, the service pages the
/// activity opens, and the accounts that read the statistics.
#[derive(Clone, Debug)]
pub struct StatsTarget {
    /// UAIs of the schools no one but the harness uses (in the AAF files).
    pub schools: Vec<String>,
    /// Root of the walk: the académie's id.
    pub academie: String,
    /// Time the candidate needs before activity shows in its statistics.
    pub latency: Duration,
    /// Service name (suite `statistics.services`) → page.
    pub services: BTreeMap<String, Url>,
    /// Accounts that read statistics, one per scope.
    pub viewers: Vec<StatsViewer>,
}

/// An account reading statistics for one scope, with its bearer token.
#[derive(Clone, Debug)]
pub struct StatsViewer {
    /// Level of its scope.
    pub level: crate::stats::Level,
    /// Id of its scope.
    pub id: String,
    /// Bearer token.
    pub token: SecretSlot,
}

/// The `[sso]` section: where the harness serves EduConnect and ARENA for
/// the candidate, and what the candidate was seeded with.
#[derive(Clone, Debug)]
pub struct SsoTarget {
    /// Address the IdPs listen on.
    pub idp_listen: std::net::SocketAddr,
    /// URL the candidate reaches them at (default `http://<idp_listen>`).
    pub idp_public_url: Url,
    /// Folder of the IdPs' test-only key; a fresh key per run otherwise.
    pub idp_keys: Option<std::path::PathBuf>,
    /// Folder of the AAF files the candidate imported.
    pub aaf: std::path::PathBuf,
    /// OpenID Connect client id of the candidate.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: SecretSlot,
    /// Where the candidate's SAML SP metadata is read, if given.
    pub sp_metadata: Option<SpMetadataSource>,
    /// Where the SAML IdPs sign.
    pub saml_signature: crate::idp::SignaturePlacement,
    /// Whether assertions are encrypted for an SP that publishes a key.
    pub encrypt_assertions: bool,
    /// Whether the IdPs serve TLS under a certificate of the test CA.
    pub idp_tls: bool,
    /// The redirect URIs the candidate registered, if it declared them.
    pub redirect_uris: Option<Vec<String>>,
    /// Whether the candidate accepts SAML responses it did not ask for.
    pub unsolicited_sso: bool,
}

/// Where the candidate's SAML SP metadata comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpMetadataSource {
    /// Fetched when the run starts.
    Url(Url),
    /// A file (path resolved against the target file's folder).
    File(PathBuf),
}

impl Target {
    /// The URL the target declares for `capability`, or why there is none.
    pub fn capability(&self, capability: Capability) -> Result<Url, String> {
        self.capabilities
            .get(&capability)
            .cloned()
            .ok_or_else(|| format!("capacité {capability} non déclarée"))
    }

    /// Whether `url` is the candidate's: the origin of `base_url`, of a
    /// capability, or one `[http] origins` declares.
    pub fn owns(&self, url: &Url) -> bool {
        self.own_origins().contains(&url.origin())
    }

    /// The candidate's origins, as [`Target::owns`] recognises them.
    pub fn own_origins(&self) -> Vec<url::Origin> {
        let mut origins = vec![self.base_url.origin()];
        for origin in self
            .capabilities
            .values()
            .map(Url::origin)
            .chain(self.http.origins.iter().cloned())
        {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }

    /// Every secret value available to the run, for redaction.
    pub fn secret_values(&self) -> Vec<Secret> {
        let declared = self.secrets.values().filter_map(|slot| match slot {
            SecretSlot::Available(secret) => Some(secret.clone()),
            SecretSlot::Missing(_) => None,
        });
        declared
            .chain(self.http.basic_auth.iter().flat_map(|(user, secret)| {
                // A page that echoes the request's `Authorization` header
                // shows `base64(user:password)`, not the password.
                use base64::Engine;
                let header = base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", secret.expose()));
                [secret.clone(), Secret::new(secret.name.clone(), header)]
            }))
            .chain(self.local_login.iter().filter_map(|l| match &l.password {
                SecretSlot::Available(secret) => Some(secret.clone()),
                SecretSlot::Missing(_) => None,
            }))
            .chain(self.sso.iter().filter_map(|sso| match &sso.client_secret {
                SecretSlot::Available(secret) => Some(secret.clone()),
                SecretSlot::Missing(_) => None,
            }))
            .chain(
                self.stats
                    .iter()
                    .flat_map(|stats| &stats.viewers)
                    .chain(
                        self.reversibility.iter().flat_map(|r| {
                            std::iter::once(&r.controller).chain(r.outsider.as_ref())
                        }),
                    )
                    .filter_map(|viewer| match &viewer.token {
                        SecretSlot::Available(secret) => Some(secret.clone()),
                        SecretSlot::Missing(_) => None,
                    }),
            )
            .collect()
    }
}

// The file as written. Every struct denies unknown fields and is described
// for people: `entconf schema --target` turns these doc comments into the
// JSON Schema, `docs/reference/target.md` and `entconf init` are drawn from
// it. Defaults and bounds stated here are those `parse_target` applies; a
// literal `default` is checked against the parsed value by a test below.

/// The target description (`entconf.toml`): which candidate ENT is tested,
/// where its pages and APIs are, HTTP limits, secrets by reference, and the
/// sections that set up the national services the harness plays for it.
/// Unknown keys are refused, with their line.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetFile {
    /// Short identifier of the target, written in results; waivers and
    /// comparisons match on it. Letters, digits, `-`, `_` and `.` only, not
    /// empty.
    #[schemars(extend("pattern" = "^[A-Za-z0-9._-]+$"))]
    id: String,
    /// Name shown in reports. Default: the `id`.
    name: Option<String>,
    /// Address of the candidate, `http` or `https`. Relative capabilities and
    /// service pages resolve against it as links in a page do: `auth/login`
    /// under its path, `/auth/login` from the root of the host. Keep the
    /// final `/` of a path (`https://ent.example/portail/`): without it, the
    /// last segment is replaced.
    base_url: String,
    /// Where the candidate's pages and APIs are. A check that needs a
    /// capability the target does not declare is `skip`, with the reason.
    #[serde(default)]
    capabilities: CapabilitiesFile,
    /// HTTP limits of the run and credentials sent on every request. Every
    /// key has a default.
    #[serde(default)]
    http: HttpFile,
    /// Secrets that checks interpolate as `${secret:NAME}`, by name. Names are
    /// upper-case letters, digits and `_`. A declared secret whose variable is
    /// unset makes the checks that use it `skip`; an unreadable file or a
    /// value shorter than 4 characters is a load error.
    #[serde(default)]
    secrets: BTreeMap<String, SecretSource>,
    /// How the candidate is registered at the test ÉduConnect and ARENA the
    /// harness serves during the run, and the directory it imported. Every
    /// check that logs someone in needs it.
    sso: Option<SsoFile>,
    /// What the statistics suite may use: dedicated schools, the service
    /// pages the scripted activity opens, and the accounts that read the
    /// statistics. DELCERT-04 also reads the accounts loaded in the schools
    /// through its `academie` viewer.
    stats: Option<StatsFile>,
    /// How the candidate reaches the GAR the harness plays: its project code,
    /// the "ressources" web service the médiacentre calls, and optionally the
    /// SFTP drop its export is pushed to.
    gar: Option<GarFile>,
    /// What the reversibility and deletion suites need: the exported school,
    /// the data controller who asks, and limits of the export jobs.
    reversibility: Option<ReversibilityFile>,
    /// Where a logged-in person opens one seeded object by its id (SEC-07:
    /// access between schools and classes).
    access: Option<AccessFile>,
    /// The ENT's own login form and a test account that SEC-06 may lock
    /// (login throttling).
    local_login: Option<LocalLoginFile>,
    /// Whether pages are also opened in a browser (Debian's `chromium`):
    /// the public pages, and the account page of the logins that ask for it
    /// (PRIV-02), so that what scripts draw and send is judged. Default:
    /// `auto`.
    #[serde(default)]
    browser: BrowserFile,
}

/// The `[browser]` section.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BrowserFile {
    /// `auto`: open those pages in chromium when it is installed, and read
    /// them as served otherwise (the report says so); `off`: never;
    /// `required`: a missing browser stops the run.
    #[serde(default)]
    #[schemars(extend("default" = "auto"))]
    mode: BrowserMode,
    /// The browser to run, when it is not `chromium` on the `PATH`.
    executable: Option<PathBuf>,
    /// A CSS selector whose presence (in the document or an open shadow
    /// root) means the page is drawn (an application that keeps polling its
    /// server never goes quiet). Without
    /// a readiness condition, a page is settled 500 ms after its last
    /// request once loaded. At most one of `ready_selector`, `ready_text`
    /// and `ready_url`.
    ready_selector: Option<String>,
    /// A text whose presence in the page's text (open shadow roots
    /// included) means it is drawn, e.g. `Mentions légales`.
    ready_text: Option<String>,
    /// A part of the page's address that means it is drawn, once a script
    /// moved there, e.g. `#/accueil`.
    ready_url: Option<String>,
    /// Hard deadline for a page to settle. A duration, not zero.
    #[schemars(extend("pattern" = DURATION_PATTERN, "default" = "10s"))]
    settle_timeout: Option<String>,
}

/// When public pages are opened in a browser.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum BrowserMode {
    /// When chromium is installed.
    #[default]
    Auto,
    /// Never: pages are read as served.
    Off,
    /// Always; a missing browser is a run error.
    Required,
}

/// The validated `[browser]` section.
#[derive(Clone, Debug)]
pub struct BrowserTarget {
    /// When to use it.
    pub mode: BrowserMode,
    /// The executable, when not found on the `PATH`.
    pub executable: Option<PathBuf>,
    /// What makes a page ready besides a quiet network, if anything.
    pub readiness: Option<Readiness>,
    /// The settle deadline.
    pub settle_timeout: Duration,
    /// Resolve no host but loopback (the demonstration and the tests: the
    /// reference ENT's faulty pages name real trackers). Not in the file.
    pub loopback_only: bool,
}

impl Default for BrowserTarget {
    fn default() -> Self {
        Self {
            mode: BrowserMode::Auto,
            executable: None,
            readiness: None,
            settle_timeout: Duration::from_secs(10),
            loopback_only: false,
        }
    }
}

/// The `[reversibility]` section (EXPORT and DELCERT suites).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReversibilityFile {
    /// UAI of the school whose export is asked; its people in the AAF
    /// directory own the seeded content. Not empty, and not one of the
    /// dedicated schools of `[stats]` (the export logs a parent of it in,
    /// which would skew the expected statistics).
    school: String,
    /// The data controller who asks for the exports and deletions: an
    /// account of `niveau = "collectivite"` (any other level is refused).
    /// If its token is not available, every check that plays the export
    /// scenario is `skip`.
    controller: StatsViewerFile,
    /// An account of another collectivité, whose requests the candidate
    /// must refuse. Optional: without it, or when its token is not
    /// available, only anonymous requests are tried.
    outsider: Option<StatsViewerFile>,
    /// Validity asked for the download link of an export, sent in whole
    /// seconds (at least 1). A duration, not zero; no upper bound, but the
    /// check of the link's expiry waits that long.
    #[schemars(extend("pattern" = DURATION_PATTERN, "default" = "5s"))]
    link_ttl: Option<String>,
    /// Longest wait for an export job to finish. A duration, not zero.
    #[schemars(extend("pattern" = DURATION_PATTERN, "default" = "120s"))]
    job_timeout: Option<String>,
    /// Largest manifest or record file of an export archive that is parsed;
    /// each is read whole in memory. A size, not zero, at most `1GiB`.
    #[schemars(extend("pattern" = SIZE_PATTERN, "default" = "32MiB"))]
    max_record_file: Option<String>,
}

/// The `[local_login]` section (SEC-06).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LocalLoginFile {
    /// The page that holds the ENT's own login form (a `<form>` with one
    /// password field), relative to `base_url`. Default: `login_page`.
    page: Option<String>,
    /// Identifier of a test account of that form. SEC-06 logs in with it
    /// once, then sends up to 11 wrong passwords for it: the ENT may lock
    /// it for a while. Never a real person's account; no other account is
    /// ever tried.
    account: String,
    /// The test account's password, by reference.
    password: SecretSource,
}

/// The `[access]` section (SEC-07).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    /// The candidate's addresses of one object, each with `{id}` where the
    /// id goes (the id the seeding answer gave it, percent-encoded), relative
    /// to `base_url` or absolute in `http(s)`: its pages and its JSON API
    /// alike, e.g. `["/blog/billets/{id}", "/cahier-de-textes/{id}",
    /// "/api/objets/{id}"]`. Every seeded class blog post and cahier de
    /// textes entry is asked at each of them. At least one.
    object_urls: Vec<String>,
}

/// The `[gar]` section (GAR suite).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GarFile {
    /// `idENT`: the project code the GAR gave the ENT (e.g. `BEL`). Not
    /// empty, no `/`.
    id_ent: String,
    /// `IP:PORT` where the harness serves the GAR's "ressources" web service
    /// (TLS, client certificate asked) during the run.
    ressources_listen: String,
    /// URL the candidate calls the web service at: `https`, no path (the
    /// service is served at the root, `/ressources/…`). Default:
    /// `https://<ressources_listen>`; required when `ressources_listen` is
    /// a general address (`0.0.0.0`) or port 0.
    ressources_public_url: Option<String>,
    /// Folder, relative to the target file's, that keeps the web service's
    /// test-only TLS key and certificate between runs, so the candidate
    /// trusts it once. A kept certificate that expires within a week is
    /// refused (delete the folder to make a new one). Default: a fresh
    /// certificate at each run.
    ressources_keys: Option<String>,
    /// PEM file, relative to the target file's folder, of the client
    /// certificate the médiacentre presents. Read when the file is loaded;
    /// a file that holds a private key is refused (the key stays with the
    /// editor).
    client_certificate: String,
    /// `IP:PORT` of the SFTP drop (OpenSSH, SFTP only) the harness runs when
    /// the candidate pushes its GAR export, as to the real GAR; then the
    /// `gar_export` capability is the URL that asks for a push (`POST`).
    /// Goes with `sftp_public_key`. Default: the export is downloaded from
    /// `gar_export`.
    sftp_listen: Option<String>,
    /// File, relative to the target file's folder, of the candidate's SSH
    /// public key (one OpenSSH line: `ssh-ed25519 …`, `ssh-rsa …`,
    /// `ecdsa-…`); the only key the drop lets in. Goes with `sftp_listen`.
    sftp_public_key: Option<String>,
}

/// The `[stats]` section (STATS suite).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct StatsFile {
    /// UAIs of the schools of the AAF directory that no one but the harness
    /// uses: the statistics of these schools must equal the activity the
    /// harness plays there. At least one.
    schools: Vec<String>,
    /// Identifier of the académie, the root of the walk of the levels
    /// (e.g. `99`).
    academie: String,
    /// How long the candidate needs before activity shows in its
    /// statistics; the harness waits that long after the activity. A
    /// duration, not zero. Default: no wait.
    #[schemars(extend("pattern" = DURATION_PATTERN))]
    latency: Option<String>,
    /// The page of each service the scripted activity opens, by the name the
    /// suite gives it (`statistics.services` of `suites/stats.yaml`:
    /// `messagerie`, `actualites`, `cahier_textes`); relative to `base_url`
    /// or absolute. A service the activity needs and the target does not map
    /// makes the statistics unplayable (`error`).
    #[serde(default)]
    services: BTreeMap<String, String>,
    /// Accounts that read the statistics, one per level and scope. Default:
    /// none (readings then fail with the reason).
    #[serde(default)]
    viewers: Vec<StatsViewerFile>,
}

/// An account that reads for one scope, with its bearer token (`[stats]`
/// viewers, `[reversibility]` controller and outsider).
#[derive(Deserialize, JsonSchema)]
#[schemars(title = "Scoped account")]
#[serde(deny_unknown_fields)]
struct StatsViewerFile {
    /// Level of its scope.
    #[schemars(extend("enum" = ["ecole", "circonscription", "collectivite", "departement", "academie"]))]
    niveau: String,
    /// Identifier of its scope at that level: a UAI for `ecole`, the
    /// académie's code for `academie`, and so on, as the candidate's
    /// statistics API names them.
    id: String,
    /// Its bearer token. When it is not available (variable unset), a
    /// viewer's readings are `error`, the controller's checks `skip`, and
    /// the outsider is left out.
    token: SecretSource,
}

/// The `[sso]` section: the harness's test ÉduConnect and ARENA, served
/// during the run, as the candidate was registered with them.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SsoFile {
    /// `IP:PORT` where the harness serves the IdPs during the run (stop
    /// `entconf idp` first), e.g. `127.0.0.1:9400`.
    idp_listen: String,
    /// URL the candidate reaches the IdPs at, e.g. behind an HTTPS proxy
    /// (its scheme is not checked unless `idp_tls`, which wants `https`).
    /// Default: `http://<idp_listen>` (`https://` with `idp_tls`); required
    /// when `idp_listen` is a general address (`0.0.0.0`) or port 0.
    idp_public_url: Option<String>,
    /// Serve the IdPs over TLS, as EduConnect is (an `https` issuer, which
    /// OpenID Connect client libraries require), under a certificate issued
    /// at each run by a test CA. The candidate trusts that CA: the file
    /// `test-only-idp-ca.pem` in `idp_keys`, kept from run to run (without
    /// `idp_keys`, a fresh CA each run, which no candidate trusts).
    #[schemars(extend("default" = false))]
    idp_tls: Option<bool>,
    /// The OpenID Connect redirect URIs the candidate registered at
    /// EduConnect: the test ÉduConnect refuses any other, compared as
    /// strings (OIDC Core §3.1.2.1). Default: any URI on one of the
    /// candidate's origins (`base_url`, capabilities, `[http] origins`).
    redirect_uris: Option<Vec<String>>,
    /// Folder, relative to the target file's, of the IdPs' test-only signing
    /// key, the one the candidate registered (same folder as `entconf idp
    /// --keys`). A kept certificate that expires within a week is refused.
    /// Default: a fresh key at each run, which a candidate that registered
    /// the SAML certificate would not trust.
    idp_keys: Option<String>,
    /// Folder, relative to the target file's, of the AAF files the candidate
    /// imported (`entconf aaf generate`). Read when the run starts: if it
    /// cannot be read and a selected check logs someone in, the run stops
    /// with that one error (exit 3).
    aaf: String,
    /// OpenID Connect client id of the candidate at the test ÉduConnect.
    client_id: String,
    /// Its client secret. If the variable is unset, the IdPs cannot start:
    /// a run whose selected checks log someone in stops with that one
    /// error (exit 3).
    client_secret: SecretSource,
    /// The candidate's SAML service-provider metadata: an `http(s)` URL,
    /// fetched when the run starts, or a file relative to the target
    /// file's. The IdPs then answer only at its assertion consumer
    /// services and encrypt for its encryption key. Without it, they
    /// answer at the URL each request names, in clear.
    sp_metadata: Option<String>,
    /// Where EduConnect and ARENA sign: `response` (a Shibboleth IdP's
    /// default, EduConnect's), `assertion` or `both`.
    #[serde(default)]
    #[schemars(extend("default" = "response"))]
    saml_signature: crate::idp::SignaturePlacement,
    /// Encrypt assertions for the SP's key, as EduConnect does. With
    /// `sp_metadata` and no encryption key in it, the run stops with that
    /// error unless this is `false`.
    #[schemars(extend("default" = true))]
    encrypt_assertions: Option<bool>,
    /// The candidate accepts SAML responses it did not ask for (a login
    /// the IdP starts, SAML profiles §4.1.5), as some ENT deployments do
    /// with EduConnect. SSO-09 then expects such a login to work; without
    /// this key it expects it refused, since a candidate that accepts one
    /// undeclared is open to login CSRF.
    #[schemars(extend("default" = false))]
    unsolicited_sso: Option<bool>,
}

/// The `[capabilities]` section: each key the URL of a page or API of the
/// candidate, relative to `base_url` or absolute. None is required; a check
/// that needs one that is missing is `skip`.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CapabilitiesFile {
    /// The login page (or WAYF), public.
    login_page: Option<String>,
    /// The public home page of the ENT.
    home_page: Option<String>,
    /// The URL that starts an ÉduConnect login over OpenID Connect.
    educonnect_oidc_login: Option<String>,
    /// The URL that starts an ÉduConnect login over SAML.
    educonnect_saml_login: Option<String>,
    /// The URL that starts a teacher's login at the agents' guichet (ARENA,
    /// SAML).
    agents_login: Option<String>,
    /// A page only a logged-in person sees, showing their name, school and
    /// profile.
    account_page: Option<String>,
    /// The URL that logs the person out.
    logout: Option<String>,
    /// Base of the conformance statistics API (`GET <api>/<niveau>/<id>`).
    statistics_api: Option<String>,
    /// The DNMA-shaped CSV export of every school.
    statistics_dnma_export: Option<String>,
    /// The latest GAR-ENT export archive (tar.gz, its `.md5` beside it); with
    /// `sftp_listen` in `[gar]`, the URL that asks the candidate to push it
    /// (`POST`).
    gar_export: Option<String>,
    /// The metadata of the candidate's SAML IdP for the GAR.
    gar_idp_metadata: Option<String>,
    /// The IdP's single sign-on endpoint for the GAR (HTTP-Redirect binding).
    gar_sso: Option<String>,
    /// The médiacentre page: the GAR resources of the logged-in person.
    gar_mediacentre: Option<String>,
    /// The conformance API that seeds content (`POST`, JSON).
    seed_api: Option<String>,
    /// The conformance API that starts reversibility exports (`POST`, JSON).
    export_api: Option<String>,
    /// The conformance API that receives deletion requests (`POST`, JSON).
    deletion_api: Option<String>,
    /// The JWKS of the keys that sign deletion certificates (public).
    certificate_keys: Option<String>,
    /// The conformance API that says whether an object still exists (`GET
    /// <api>/<id>`, the id its export gave it).
    objects_api: Option<String>,
    /// The published reversibility plan (public page).
    reversibility_plan: Option<String>,
    /// The journal of deletions (`GET`, controller's token, JSON).
    deletion_log: Option<String>,
    /// A logged-in person's own archive (RGPD art. 20), in the exchange
    /// format (`GET` in their session).
    portability_export: Option<String>,
}

/// The `[http]` section: limits of every request and check, and
/// credentials for a candidate behind HTTP Basic.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    /// Time limit of one request: connection, headers and body (for a
    /// download written to disk, the longest wait for more data). A
    /// duration, not zero.
    #[schemars(extend("pattern" = DURATION_PATTERN, "default" = "15s"))]
    request_timeout: Option<String>,
    /// Time limit of one check, unless the check sets its own. A duration,
    /// not zero.
    #[schemars(extend("pattern" = DURATION_PATTERN, "default" = "60s"))]
    check_timeout: Option<String>,
    /// Largest response body read; a larger one is an error. Downloads
    /// (exports, archives) have their own bounds. A size, not zero.
    #[schemars(extend("pattern" = SIZE_PATTERN, "default" = "2MiB"))]
    max_body: Option<String>,
    /// Largest number of redirects followed in one fetch; `0` follows none.
    #[schemars(extend("default" = 10))]
    max_redirects: Option<u32>,
    /// HTTP Basic credentials sent on every request to the candidate (a
    /// staging tenant behind a proxy). Default: none.
    basic_auth: Option<BasicAuthFile>,
    /// Origins (`https://host[:port]`, no path) besides those of `base_url`
    /// and the capabilities where links of the candidate's pages may be
    /// followed, such as a notice hosted on the commune's site. A link to
    /// any other origin is never fetched: the checks that need its page
    /// are `error`, naming it. Default: none.
    #[serde(default)]
    origins: Vec<String>,
    /// Host names to reach at a given address without asking DNS, as
    /// `curl --resolve` does: a staging ENT whose names (`auth.ent.test`,
    /// `www.ent.test`) no DNS knows. The port stays the URL's. The browser
    /// uses them too. Default: none.
    #[serde(default)]
    #[schemars(example = resolve_example())]
    resolve: BTreeMap<String, String>,
    /// A PEM file (relative to this file) of the certificate authority a
    /// staging ENT's HTTPS certificate comes from, when it is not a public
    /// one: trusted by every request and by the browser, besides the
    /// system's. The chain is still verified: host name, dates, signature.
    /// Default: the system's authorities only.
    ca: Option<String>,
    /// Where the ENT answers in plain HTTP (SEC-01 checks that it sends the
    /// visitor to HTTPS), when not at `http://` and the host of `base_url`
    /// on port 80: a staging ENT on other ports. Default: that address.
    plain_url: Option<String>,
}

fn resolve_example() -> serde_json::Value {
    serde_json::json!({"auth.ent.test": "127.0.0.1", "www.ent.test": "127.0.0.1"})
}

/// HTTP Basic credentials. The password must be available when the file is
/// loaded: an unset variable or unreadable file is a load error.
#[derive(Deserialize, JsonSchema)]
#[schemars(title = "HTTP Basic credentials")]
#[serde(deny_unknown_fields)]
struct BasicAuthFile {
    /// User name, sent as is.
    user: String,
    /// Password, by reference.
    password: SecretSource,
}

/// A secret by reference, never its value: exactly one of `env` (an
/// environment variable) or `file`. The value must be at least 4
/// characters (shorter ones could not be masked in reports without masking
/// ordinary text).
#[derive(Deserialize, JsonSchema)]
#[schemars(title = "Secret reference")]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{ "required": ["env"] }, { "required": ["file"] }]))]
struct SecretSource {
    /// Name of the environment variable that holds the value.
    env: Option<String>,
    /// File that holds the value, relative to the target file's folder; a
    /// final line break is dropped.
    file: Option<String>,
}

/// Where secret values come from: the process environment, injectable for tests.
pub trait Environment {
    /// The value of an environment variable, if set and Unicode.
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Reads and validates a target description file.
pub fn load_target(path: &Path, env: &dyn Environment) -> Result<Target, Diagnostics> {
    let display = path.display().to_string();
    let bytes = read_bounded(path, MAX_DESCRIPTION_FILE).map_err(|error| {
        Diagnostics(vec![Diagnostic::file(
            &display,
            format!("lecture impossible de la description de cible : {error}"),
        )])
    })?;
    let text = utf8_text(&display, bytes).map_err(|diagnostic| Diagnostics(vec![diagnostic]))?;
    parse_target(&display, &text, path.parent(), env)
}

/// Parses a target description; `base_dir` resolves relative secret files.
pub fn parse_target(
    file: &str,
    text: &str,
    base_dir: Option<&Path>,
    env: &dyn Environment,
) -> Result<Target, Diagnostics> {
    let overlong = overlong_texts(file, text);
    if !overlong.is_empty() {
        // Refused before the typed parse, which would copy every text into
        // the target (and from there into every report).
        return Err(Diagnostics(overlong));
    }
    let raw: TargetFile = toml::from_str(text).map_err(|error| {
        let message = error.message().to_owned();
        let diagnostic = match error.span() {
            Some(span) => Diagnostic::at_offset(file, text, span.start, message),
            None => Diagnostic::file(file, message),
        };
        Diagnostics(vec![diagnostic])
    })?;
    let mut problems = Vec::new();
    let mut problem = |key: &str, message: String| {
        let offset = find_key(text, key);
        problems.push(Diagnostic::at_offset(file, text, offset, message));
    };

    if raw.id.is_empty()
        || !raw
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        problem(
            "id",
            format!(
                "identifiant de cible « {} » invalide : lettres, chiffres, - _ . seulement",
                raw.id
            ),
        );
    }
    let base_url = match Url::parse(&raw.base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        Ok(url) => {
            problem(
                "base_url",
                format!(
                    "base_url doit être en http ou https, pas « {} »",
                    url.scheme()
                ),
            );
            None
        }
        Err(error) => {
            problem(
                "base_url",
                format!("base_url « {} » n'est pas une URL : {error}", raw.base_url),
            );
            None
        }
    };

    let mut capabilities = BTreeMap::new();
    if let Some(base) = &base_url {
        let declared = [
            (Capability::LoginPage, &raw.capabilities.login_page),
            (Capability::HomePage, &raw.capabilities.home_page),
            (
                Capability::EduconnectOidcLogin,
                &raw.capabilities.educonnect_oidc_login,
            ),
            (
                Capability::EduconnectSamlLogin,
                &raw.capabilities.educonnect_saml_login,
            ),
            (Capability::AgentsLogin, &raw.capabilities.agents_login),
            (Capability::AccountPage, &raw.capabilities.account_page),
            (Capability::Logout, &raw.capabilities.logout),
            (Capability::StatisticsApi, &raw.capabilities.statistics_api),
            (
                Capability::StatisticsDnmaExport,
                &raw.capabilities.statistics_dnma_export,
            ),
            (Capability::GarExport, &raw.capabilities.gar_export),
            (
                Capability::GarIdpMetadata,
                &raw.capabilities.gar_idp_metadata,
            ),
            (Capability::GarSso, &raw.capabilities.gar_sso),
            (
                Capability::GarMediacentre,
                &raw.capabilities.gar_mediacentre,
            ),
            (Capability::SeedApi, &raw.capabilities.seed_api),
            (Capability::ExportApi, &raw.capabilities.export_api),
            (Capability::DeletionApi, &raw.capabilities.deletion_api),
            (
                Capability::CertificateKeys,
                &raw.capabilities.certificate_keys,
            ),
            (Capability::ObjectsApi, &raw.capabilities.objects_api),
            (
                Capability::ReversibilityPlan,
                &raw.capabilities.reversibility_plan,
            ),
            (Capability::DeletionLog, &raw.capabilities.deletion_log),
            (
                Capability::PortabilityExport,
                &raw.capabilities.portability_export,
            ),
        ];
        for (capability, value) in declared {
            let Some(value) = value else { continue };
            match base.join(value) {
                Ok(url) => {
                    capabilities.insert(capability, url);
                }
                Err(error) => problem(
                    capability.as_str(),
                    format!("{capability} « {value} » n'est pas une URL valide : {error}"),
                ),
            }
        }
    }

    let mut http = HttpSettings::default();
    let durations = [
        (
            "request_timeout",
            &raw.http.request_timeout,
            &mut http.request_timeout,
        ),
        (
            "check_timeout",
            &raw.http.check_timeout,
            &mut http.check_timeout,
        ),
    ];
    for (key, value, slot) in durations {
        if let Some(value) = value {
            match parse_duration(value) {
                Ok(duration) => *slot = duration,
                Err(message) => problem(key, message),
            }
        }
    }
    if let Some(value) = &raw.http.max_body {
        match parse_size(value) {
            Ok(size) => http.max_body = size,
            Err(message) => problem("max_body", message),
        }
    }
    if let Some(max) = raw.http.max_redirects {
        http.max_redirects = max;
    }
    for origin in &raw.http.origins {
        match Url::parse(origin) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.path() == "/" => {
                http.origins.push(url.origin());
            }
            Ok(_) => problem(
                "origins",
                format!(
                    "origine « {origin} » : une origine s'écrit https://hôte[:port], sans chemin"
                ),
            ),
            Err(error) => problem(
                "origins",
                format!("origine « {origin} » invalide : {error}"),
            ),
        }
    }
    for (host, address) in &raw.http.resolve {
        let valid_host = !host.is_empty()
            && host.parse::<std::net::IpAddr>().is_err()
            && host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        match address.parse::<std::net::IpAddr>() {
            Ok(ip) if valid_host => {
                http.resolve.insert(host.to_ascii_lowercase(), ip);
            }
            Ok(_) => problem(
                "resolve",
                format!(
                    "[http] resolve : « {host} » n'est pas un nom d'hôte (lettres, chiffres, - et .)"
                ),
            ),
            Err(_) => problem(
                "resolve",
                format!(
                    "[http] resolve : « {address} » pour {host} n'est pas une adresse IP \
                     (ex. 127.0.0.1 ou ::1)"
                ),
            ),
        }
    }
    if let Some(file) = &raw.http.ca {
        match read_authorities(&relative_to(base_dir, file)) {
            Ok(roots) => http.trusted_roots.extend(roots),
            Err(message) => problem("ca", format!("[http] ca « {file} » : {message}")),
        }
    }
    if let Some(text) = &raw.http.plain_url {
        match Url::parse(text) {
            Ok(url) if url.scheme() == "http" => http.plain_url = Some(url),
            Ok(_) => problem(
                "plain_url",
                format!("[http] plain_url « {text} » : une adresse en http:// est attendue"),
            ),
            Err(error) => problem(
                "plain_url",
                format!("[http] plain_url « {text} » invalide : {error}"),
            ),
        }
    }
    if let Some(basic) = &raw.http.basic_auth {
        match resolve_secret("BASIC_AUTH_PASSWORD", &basic.password, base_dir, env) {
            Ok(SecretSlot::Available(secret)) => {
                http.basic_auth = Some((basic.user.clone(), secret))
            }
            Ok(SecretSlot::Missing(reason)) => problem(
                "basic_auth",
                format!("mot de passe de basic_auth indisponible : {reason}"),
            ),
            Err(message) => problem("basic_auth", message),
        }
    }

    let mut secrets = BTreeMap::new();
    for (name, source) in &raw.secrets {
        if !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            problem(
                name,
                format!("nom de secret « {name} » invalide : majuscules, chiffres, _"),
            );
            continue;
        }
        match resolve_secret(name, source, base_dir, env) {
            Ok(slot) => {
                secrets.insert(name.clone(), slot);
            }
            Err(message) => problem(name, message),
        }
    }

    let sso = raw
        .sso
        .as_ref()
        .and_then(|sso| sso_target(sso, base_dir, env, &mut problem));

    let stats = match (&raw.stats, &base_url) {
        (Some(stats), Some(base)) => stats_target(stats, base, base_dir, env, &mut problem),
        _ => None,
    };

    let gar = raw
        .gar
        .as_ref()
        .and_then(|gar| gar_target(gar, base_dir, &mut problem));

    let reversibility = raw
        .reversibility
        .as_ref()
        .and_then(|r| reversibility_target(r, base_dir, env, &mut problem));
    let access = raw
        .access
        .as_ref()
        .and_then(|access| access_target(access, base_url.as_ref(), &mut problem));
    let local_login = raw.local_login.as_ref().and_then(|raw| {
        if raw.account.trim().is_empty() {
            problem(
                "account",
                "[local_login] account : l'identifiant du compte de test".to_owned(),
            );
        }
        let page = match (&raw.page, &base_url) {
            (Some(page), Some(base)) => match base.join(page) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
                Ok(_) | Err(_) => {
                    problem(
                        "page",
                        format!("[local_login] page : « {page} » n'est pas une adresse http(s)"),
                    );
                    None
                }
            },
            _ => None,
        };
        match resolve_secret("LOCAL_LOGIN", &raw.password, base_dir, env) {
            Ok(password) => Some(LocalLoginTarget {
                page,
                account: raw.account.trim().to_owned(),
                password,
            }),
            Err(message) => {
                problem("password", format!("[local_login] password : {message}"));
                None
            }
        }
    });
    // The EXPORT scenario logs a parent of the exported school in (their
    // own archive): a visit the STATS checks, which count every visit of
    // their dedicated schools, would not expect.
    if let (Some(reversibility), Some(stats)) = (&reversibility, &stats)
        && stats.schools.contains(&reversibility.school)
    {
        problem(
            "school",
            format!(
                "[reversibility] school : {} est aussi une école dédiée de [stats] ; l'export s'y \
                 connecte (archive personnelle d'un parent) et fausserait les statistiques \
                 attendues : choisissez une autre école",
                reversibility.school
            ),
        );
    }

    let conditions = [
        ("ready_selector", &raw.browser.ready_selector),
        ("ready_text", &raw.browser.ready_text),
        ("ready_url", &raw.browser.ready_url),
    ];
    let given: Vec<(&str, &String)> = conditions
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|value| (*key, value)))
        .collect();
    let mut readiness = None;
    match given.as_slice() {
        [] => {}
        [(key, value)] if value.trim().is_empty() => problem(
            key,
            format!(
                "[browser] {key} : vide (retirez la clé, ou donnez ce qui marque la page prête)"
            ),
        ),
        [("ready_selector", css)] => match scraper::Selector::parse(css) {
            Ok(_) => readiness = Some(Readiness::Selector((*css).clone())),
            Err(error) => problem(
                "ready_selector",
                format!("[browser] ready_selector : sélecteur CSS invalide « {css} » ({error})"),
            ),
        },
        [("ready_text", text)] => readiness = Some(Readiness::Text((*text).clone())),
        [(_, part)] => readiness = Some(Readiness::Url((*part).clone())),
        [(first, _), (second, _), ..] => problem(
            second,
            format!(
                "[browser] {first} et {second} : une seule condition de page prête (la page \
                 est prête quand elle est remplie, ou 500 ms après sa dernière requête sans \
                 condition)"
            ),
        ),
    }

    let mut settle_timeout = BrowserTarget::default().settle_timeout;
    if let Some(text) = &raw.browser.settle_timeout {
        match parse_duration(text) {
            Ok(duration) if !duration.is_zero() && duration <= Duration::from_secs(600) => {
                settle_timeout = duration;
            }
            Ok(duration) if !duration.is_zero() => problem(
                "settle_timeout",
                format!(
                    "[browser] settle_timeout : {} s, plus que 10 min (une page qui ne se stabilise \
                     pas en 10 min ne le fera pas)",
                    duration.as_secs()
                ),
            ),
            Ok(_) => problem(
                "settle_timeout",
                "[browser] settle_timeout : une durée non nulle".to_owned(),
            ),
            Err(message) => problem(
                "settle_timeout",
                format!("[browser] settle_timeout : {message}"),
            ),
        }
    }
    let browser = BrowserTarget {
        mode: raw.browser.mode,
        executable: raw
            .browser
            .executable
            .as_ref()
            .map(|path| base_dir.map_or_else(|| path.clone(), |dir| dir.join(path))),
        readiness,
        settle_timeout,
        loopback_only: false,
    };

    match base_url {
        Some(base_url) if problems.is_empty() => Ok(Target {
            browser,
            sso,
            stats,
            gar,
            reversibility,
            access,
            local_login,
            name: raw.name.unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            base_url,
            capabilities,
            http,
            secrets,
            description_sha256: hex_sha256(text.as_bytes()),
        }),
        _ => Err(Diagnostics(problems)),
    }
}

fn sso_target(
    sso: &SsoFile,
    base_dir: Option<&Path>,
    env: &dyn Environment,
    problem: &mut impl FnMut(&str, String),
) -> Option<SsoTarget> {
    let tls = sso.idp_tls.unwrap_or(false);
    let (listen, public) = listen_and_url(
        ("idp_listen", &sso.idp_listen, "127.0.0.1:9400"),
        ("idp_public_url", sso.idp_public_url.as_deref()),
        if tls {
            Reached::HttpsOnly
        } else {
            Reached::HttpOrProxy
        },
        problem,
    );
    for uri in sso.redirect_uris.iter().flatten() {
        if Url::parse(uri).is_err() {
            problem(
                "redirect_uris",
                format!("« {uri} » n'est pas une URL absolue"),
            );
        }
    }
    let relative = |path: &str| relative_to(base_dir, path);
    let secret = match resolve_secret("OIDC_CLIENT_SECRET", &sso.client_secret, base_dir, env) {
        Ok(slot) => slot,
        Err(message) => {
            problem("client_secret", message);
            return None;
        }
    };
    let sp_metadata = match sso.sp_metadata.as_deref().map(str::trim) {
        None => None,
        Some("") => {
            problem(
                "sp_metadata",
                "vide : attendu une URL http(s) ou un fichier de métadonnées SAML".to_owned(),
            );
            return None;
        }
        Some(text) if text.starts_with("http://") || text.starts_with("https://") => {
            match Url::parse(text) {
                Ok(url) => Some(SpMetadataSource::Url(url)),
                Err(error) => {
                    problem("sp_metadata", format!("URL « {text} » invalide : {error}"));
                    return None;
                }
            }
        }
        Some(text) => Some(SpMetadataSource::File(relative(text))),
    };
    Some(SsoTarget {
        idp_listen: listen?,
        idp_public_url: public?,
        idp_keys: sso.idp_keys.as_deref().map(relative),
        aaf: relative(&sso.aaf),
        client_id: sso.client_id.clone(),
        client_secret: secret,
        sp_metadata,
        saml_signature: sso.saml_signature,
        encrypt_assertions: sso.encrypt_assertions.unwrap_or(true),
        idp_tls: tls,
        redirect_uris: sso.redirect_uris.clone(),
        unsolicited_sso: sso.unsolicited_sso.unwrap_or(false),
    })
}

/// A path of the description, relative to its folder.
/// The certificates (DER) of a PEM file of certificate authorities, or why
/// it is unusable (unreadable, no certificate, not PEM).
fn read_authorities(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("illisible : {error}"))?;
    let certificates = openssl::x509::X509::stack_from_pem(&bytes)
        .map_err(|error| format!("certificat PEM illisible : {error}"))?;
    if certificates.is_empty() {
        return Err("aucun certificat (-----BEGIN CERTIFICATE-----) dans le fichier".to_owned());
    }
    certificates
        .iter()
        .map(|c| c.to_der().map_err(|error| error.to_string()))
        .collect()
}

fn relative_to(base_dir: Option<&Path>, path: &str) -> std::path::PathBuf {
    match base_dir {
        Some(dir) => dir.join(path),
        None => std::path::PathBuf::from(path),
    }
}

/// How a harness server is reached: its default scheme, and whether a
/// given URL must use it (the GAR web service is TLS only; the IdPs may sit
/// behind an HTTPS proxy).
#[derive(Clone, Copy)]
enum Reached {
    HttpOrProxy,
    HttpsOnly,
}

/// The `IP:PORT` a harness server listens on, and the URL the candidate
/// reaches it at: as given, or `<scheme>://<listen>`.
fn listen_and_url(
    (listen_key, listen, example): (&str, &str, &str),
    (url_key, url): (&str, Option<&str>),
    reached: Reached,
    problem: &mut impl FnMut(&str, String),
) -> (Option<std::net::SocketAddr>, Option<Url>) {
    let scheme = match reached {
        Reached::HttpOrProxy => "http",
        Reached::HttpsOnly => "https",
    };
    let addr = match listen.parse::<std::net::SocketAddr>() {
        Ok(addr) => Some(addr),
        Err(_) => {
            problem(
                listen_key,
                format!("{listen_key} « {listen} » n'est pas une adresse IP:PORT (ex. {example})"),
            );
            None
        }
    };
    let public = match (url, addr) {
        (Some(text), _) => match Url::parse(text) {
            Ok(url) if matches!(reached, Reached::HttpsOnly) && url.path() != "/" => {
                problem(
                    url_key,
                    format!("{url_key} « {text} » : le service est servi à la racine, sans chemin"),
                );
                None
            }
            Ok(url) if url.scheme() == scheme || matches!(reached, Reached::HttpOrProxy) => {
                Some(url)
            }
            Ok(_) => {
                problem(
                    url_key,
                    format!("{url_key} « {text} » : ce service est en {scheme}"),
                );
                None
            }
            Err(error) => {
                problem(
                    url_key,
                    format!("{url_key} « {text} » n'est pas une URL : {error}"),
                );
                None
            }
        },
        (None, Some(addr)) if addr.port() == 0 || addr.ip().is_unspecified() => {
            problem(
                listen_key,
                format!(
                    "{listen_key} « {listen} » : avec le port 0 ou une adresse d'écoute générale, \
                     donnez aussi {url_key} (l'adresse que le candidat appelle)"
                ),
            );
            None
        }
        (None, Some(addr)) => Url::parse(&format!("{scheme}://{addr}")).ok(),
        (None, None) => None,
    };
    (addr, public)
}

fn gar_target(
    gar: &GarFile,
    base_dir: Option<&Path>,
    problem: &mut impl FnMut(&str, String),
) -> Option<GarTarget> {
    if gar.id_ent.trim().is_empty() || gar.id_ent.contains('/') {
        problem(
            "id_ent",
            format!(
                "id_ent « {} » : le code de projet attribué par le GAR (ex. BEL), sans « / »",
                gar.id_ent
            ),
        );
    }
    let (listen, public) = listen_and_url(
        (
            "ressources_listen",
            &gar.ressources_listen,
            "127.0.0.1:9443",
        ),
        (
            "ressources_public_url",
            gar.ressources_public_url.as_deref(),
        ),
        Reached::HttpsOnly,
        problem,
    );
    let relative = |path: &str| relative_to(base_dir, path);
    let path = relative(&gar.client_certificate);
    let certificate = match read_bounded_text(&path, MAX_KEY_FILE) {
        Ok(text) if text.contains("PRIVATE KEY") => {
            problem(
                "client_certificate",
                format!(
                    "client_certificate {} contient une clé privée : ne donnez que le certificat \
                     (la clé reste chez l'éditeur)",
                    path.display()
                ),
            );
            None
        }
        Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => {
            match openssl::x509::X509::from_pem(text.as_bytes()) {
                Ok(_) => Some(text),
                Err(error) => {
                    problem(
                        "client_certificate",
                        format!(
                            "client_certificate {} : certificat PEM illisible ({error})",
                            path.display()
                        ),
                    );
                    None
                }
            }
        }
        Ok(_) => {
            problem(
                "client_certificate",
                format!(
                    "client_certificate {} : aucun « BEGIN CERTIFICATE » (un certificat PEM est attendu, jamais la clé)",
                    path.display()
                ),
            );
            None
        }
        Err(error) => {
            problem(
                "client_certificate",
                format!("client_certificate {} : {error}", path.display()),
            );
            None
        }
    };
    let sftp = match (&gar.sftp_listen, &gar.sftp_public_key) {
        (None, None) => Ok(None),
        (Some(listen), Some(key)) => {
            let listen = listen.parse::<std::net::SocketAddr>().map_err(|_| {
                problem(
                    "sftp_listen",
                    format!("sftp_listen « {listen} » n'est pas une adresse IP:PORT (ex. 127.0.0.1:2222)"),
                );
            });
            let key_path = relative(key);
            let key = match read_bounded_text(&key_path, MAX_KEY_FILE) {
                Ok(text)
                    if text.trim_start().starts_with("ssh-")
                        || text.trim_start().starts_with("ecdsa-") =>
                {
                    Ok(text.lines().next().unwrap_or_default().to_owned())
                }
                Ok(_) => {
                    problem(
                        "sftp_public_key",
                        format!(
                            "sftp_public_key {} : une clé publique OpenSSH (ssh-ed25519 …, ssh-rsa …) est attendue",
                            key_path.display()
                        ),
                    );
                    Err(())
                }
                Err(error) => {
                    problem(
                        "sftp_public_key",
                        format!("sftp_public_key {} : {error}", key_path.display()),
                    );
                    Err(())
                }
            };
            match (listen, key) {
                (Ok(listen), Ok(public_key)) => Ok(Some(GarSftpTarget { listen, public_key })),
                _ => Err(()),
            }
        }
        (Some(_), None) | (None, Some(_)) => {
            problem(
                if gar.sftp_listen.is_some() { "sftp_listen" } else { "sftp_public_key" },
                "sftp_listen et sftp_public_key vont ensemble (le dépôt SFTP et la clé du candidat)"
                    .to_owned(),
            );
            Err(())
        }
    };
    Some(GarTarget {
        sftp: sftp.ok()?,
        id_ent: gar.id_ent.trim().to_owned(),
        ressources_listen: listen?,
        ressources_public_url: public?,
        ressources_keys: gar.ressources_keys.as_deref().map(relative),
        client_certificate: certificate?,
    })
}

fn stats_target(
    stats: &StatsFile,
    base: &Url,
    base_dir: Option<&Path>,
    env: &dyn Environment,
    problem: &mut impl FnMut(&str, String),
) -> Option<StatsTarget> {
    let before_ok = std::cell::Cell::new(true);
    let mut fail = |key: &str, message: String| {
        before_ok.set(false);
        problem(key, message);
    };
    if stats.schools.is_empty() {
        fail(
            "schools",
            "[stats] schools : au moins une école dédiée (UAI) que personne d'autre n'utilise"
                .to_owned(),
        );
    }
    // The latency is a wait after the activity, not a time limit: zero is
    // the candidate computing its statistics at once (the default), so "0s"
    // says the same thing explicitly.
    let latency = match stats.latency.as_deref().map(parse_wait) {
        None => Duration::ZERO,
        Some(Ok(d)) => d,
        Some(Err(message)) => {
            fail("latency", message);
            Duration::ZERO
        }
    };
    let mut services = BTreeMap::new();
    for (name, path) in &stats.services {
        match base.join(path) {
            Ok(url) => {
                services.insert(name.clone(), url);
            }
            Err(error) => fail(
                name,
                format!("[stats.services] {name} « {path} » n'est pas une URL valide : {error}"),
            ),
        }
    }
    let viewers = stats
        .viewers
        .iter()
        .filter_map(|viewer| {
            let secret = format!("STATS_{}", viewer.niveau.to_ascii_uppercase());
            scoped_account("[stats] viewers", &secret, viewer, base_dir, env, &mut fail)
        })
        .collect();
    before_ok.get().then(|| StatsTarget {
        schools: stats.schools.clone(),
        academie: stats.academie.clone(),
        latency,
        services,
        viewers,
    })
}

/// An account with a scope and a bearer token (`[stats] viewers`,
/// `[reversibility] controller`/`outsider`); `section` names it in
/// messages, `secret` is the name its token is redacted under.
fn scoped_account(
    section: &str,
    secret: &str,
    account: &StatsViewerFile,
    base_dir: Option<&Path>,
    env: &dyn Environment,
    fail: &mut impl FnMut(&str, String),
) -> Option<StatsViewer> {
    let Some(level) = crate::stats::Level::parse(&account.niveau) else {
        fail(
            "niveau",
            format!(
                "{section} : niveau « {} » inconnu (ecole, circonscription, collectivite, departement, academie)",
                account.niveau
            ),
        );
        return None;
    };
    match resolve_secret(secret, &account.token, base_dir, env) {
        Ok(token) => Some(StatsViewer {
            level,
            id: account.id.clone(),
            token,
        }),
        Err(message) => {
            fail("token", message);
            None
        }
    }
}

fn access_target(
    raw: &AccessFile,
    base_url: Option<&Url>,
    problem: &mut impl FnMut(&str, String),
) -> Option<AccessTarget> {
    let mut ok = true;
    if raw.object_urls.is_empty() {
        problem(
            "object_urls",
            "[access] object_urls : au moins une adresse, avec {id} à la place de l'identifiant"
                .to_owned(),
        );
        return None;
    }
    for template in &raw.object_urls {
        if template.matches("{id}").count() != 1 {
            ok = false;
            problem(
                "object_urls",
                format!("[access] object_urls : « {template} » doit contenir {{id}} une fois"),
            );
            continue;
        }
        let Some(base) = base_url else { continue };
        match AccessTarget::resolve(base, template, "x") {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            Ok(url) => {
                ok = false;
                problem(
                    "object_urls",
                    format!(
                        "[access] object_urls : « {template} » mène en {}: ; http ou https attendu",
                        url.scheme()
                    ),
                );
            }
            Err(error) => {
                ok = false;
                problem(
                    "object_urls",
                    format!("[access] object_urls : « {template} » illisible ({error})"),
                );
            }
        }
    }
    ok.then(|| AccessTarget {
        object_urls: raw.object_urls.clone(),
    })
}

fn reversibility_target(
    raw: &ReversibilityFile,
    base_dir: Option<&Path>,
    env: &dyn Environment,
    problem: &mut impl FnMut(&str, String),
) -> Option<ReversibilityTarget> {
    let ok = std::cell::Cell::new(true);
    let mut fail = |key: &str, message: String| {
        ok.set(false);
        problem(key, message);
    };
    let mut duration = |key: &str, value: &Option<String>, default: Duration| match value
        .as_deref()
        .map(parse_duration)
    {
        None => default,
        Some(Ok(d)) if !d.is_zero() => d,
        Some(Ok(_)) => {
            fail(key, format!("[reversibility] {key} : une durée non nulle"));
            default
        }
        Some(Err(message)) => {
            fail(key, format!("[reversibility] {key} : {message}"));
            default
        }
    };
    let link_ttl = duration("link_ttl", &raw.link_ttl, Duration::from_secs(5));
    let job_timeout = duration("job_timeout", &raw.job_timeout, Duration::from_secs(120));
    let max_record_file = match raw.max_record_file.as_deref().map(parse_size) {
        None => crate::reversibility::format::MAX_RECORD_FILE,
        // Each record file is read whole, once per worker thread.
        Some(Ok(size)) if size <= 1 << 30 => size,
        Some(Ok(_)) => {
            fail(
                "max_record_file",
                "[reversibility] max_record_file : au plus 1 GiB (chaque fichier est lu en entier)"
                    .to_owned(),
            );
            0
        }
        Some(Err(message)) => {
            fail(
                "max_record_file",
                format!("[reversibility] max_record_file : {message}"),
            );
            0
        }
    };
    if raw.school.trim().is_empty() {
        fail(
            "school",
            "[reversibility] school : l'UAI de l'école exportée".to_owned(),
        );
    }
    // The collectivité's export is the reversibility a commune asks for.
    if raw.controller.niveau != "collectivite" {
        fail(
            "niveau",
            format!(
                "[reversibility] controller : niveau « {} » ; le responsable des données est la \
                 collectivité (niveau = \"collectivite\")",
                raw.controller.niveau
            ),
        );
    }
    let controller = scoped_account(
        "[reversibility] controller",
        "CONTROLLER",
        &raw.controller,
        base_dir,
        env,
        &mut fail,
    );
    let outsider = raw.outsider.as_ref().and_then(|account| {
        scoped_account(
            "[reversibility] outsider",
            "OUTSIDER",
            account,
            base_dir,
            env,
            &mut fail,
        )
    });
    let controller = controller?;
    ok.get().then(|| ReversibilityTarget {
        school: raw.school.trim().to_owned(),
        controller,
        outsider,
        link_ttl,
        job_timeout,
        max_record_file,
    })
}

fn resolve_secret(
    name: &str,
    source: &SecretSource,
    base_dir: Option<&Path>,
    env: &dyn Environment,
) -> Result<SecretSlot, String> {
    let value = match (&source.env, &source.file) {
        (Some(var), None) => match env.var(var) {
            Some(value) => value,
            None => {
                return Ok(SecretSlot::Missing(format!(
                    "variable d'environnement {var} absente"
                )));
            }
        },
        (None, Some(file)) => {
            let path = base_dir.map_or_else(|| Path::new(file).to_path_buf(), |dir| dir.join(file));
            let text = read_bounded_text(&path, MAX_SECRET_FILE)
                .map_err(|why| format!("secret {name} : {} : {why}", path.display()))?;
            text.trim_end_matches(['\n', '\r']).to_owned()
        }
        _ => {
            return Err(format!(
                "secret {name} : indiquer exactement une source, env = \"VARIABLE\" ou file = \"chemin\""
            ));
        }
    };
    if value.chars().count() < Secret::MIN_LEN {
        return Err(format!(
            "secret {name} : moins de {} caractères, il ne pourrait pas être masqué sans masquer aussi du texte ordinaire",
            Secret::MIN_LEN
        ));
    }
    Ok(SecretSlot::Available(Secret::new(name, value)))
}

/// Characters of the target's id: it names the run's folder
/// (`<id>-<date>`), and a file name stops at 255 bytes.
const MAX_ID_CHARS: usize = 64;
/// Characters of the target's name, repeated in every report.
const MAX_NAME_CHARS: usize = 256;
/// Characters of a key of the description (capability, secret, service).
const MAX_KEY_CHARS: usize = 128;
/// Characters of any other text of the description (URL, path, account id,
/// file name): long URLs exist, but not of a hundred thousand characters.
const MAX_TEXT_CHARS: usize = 2048;

/// Every key and string of the description longer than its bound, each at
/// its `file:line:col`. A text that does not parse is left to the typed
/// parse, which reports the syntax error.
fn overlong_texts(file: &str, text: &str) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if let Ok(table) = toml::de::DeTable::parse(text) {
        overlong_in_table(file, text, "", table.get_ref(), &mut problems);
    }
    problems
}

fn overlong_in_table(
    file: &str,
    text: &str,
    path: &str,
    table: &toml::de::DeTable<'_>,
    problems: &mut Vec<Diagnostic>,
) {
    for (key, value) in table.iter() {
        let chars = key.get_ref().chars().count();
        if chars > MAX_KEY_CHARS {
            let at = if path.is_empty() { "la racine" } else { path };
            problems.push(Diagnostic::at_offset(
                file,
                text,
                key.span().start,
                format!("clé de {chars} caractères dans {at} : au plus {MAX_KEY_CHARS}"),
            ));
            continue;
        }
        let path = if path.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{path}.{}", key.get_ref())
        };
        overlong_in_value(file, text, &path, value, problems);
    }
}

fn overlong_in_value(
    file: &str,
    text: &str,
    path: &str,
    value: &toml::Spanned<toml::de::DeValue<'_>>,
    problems: &mut Vec<Diagnostic>,
) {
    match value.get_ref() {
        toml::de::DeValue::String(string) => {
            let max = match path {
                "id" => MAX_ID_CHARS,
                "name" => MAX_NAME_CHARS,
                _ => MAX_TEXT_CHARS,
            };
            let chars = string.chars().count();
            if chars > max {
                problems.push(Diagnostic::at_offset(
                    file,
                    text,
                    value.span().start,
                    format!("{path} : {chars} caractères, au plus {max}"),
                ));
            }
        }
        toml::de::DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                overlong_in_value(file, text, &format!("{path}[{index}]"), item, problems);
            }
        }
        toml::de::DeValue::Table(table) => overlong_in_table(file, text, path, table, problems),
        _ => {}
    }
}

/// A small text file of the operator (secret, certificate, key), refused
/// beyond `limit` bytes; the error reads after the file's name.
fn read_bounded_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_bounded(path, limit).map_err(|error| match error {
        BoundedReadError::Io(error) => format!("illisible : {error}"),
        too_large @ BoundedReadError::TooLarge { .. } => too_large.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| "illisible : pas de l'UTF-8".to_owned())
}

/// Byte offset of the first `key =` (or `key.`/`[key`) in a TOML text, for
/// placing diagnostics; 0 when not found.
fn find_key(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return offset + (line.len() - trimmed.len());
        }
        if let Some(pos) = line.find(&format!("{key} =")) {
            return offset + pos;
        }
        offset += line.len();
    }
    0
}

/// Lower-case hex SHA-256 of bytes.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FakeEnv(&'static [(&'static str, &'static str)]);

    impl Environment for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    const GOOD: &str = r#"
id = "ent-test"
name = "ENT de test"
base_url = "https://ent.example/portail/"

[capabilities]
login_page = "auth/login"
home_page = "/"

[http]
request_timeout = "2s"
basic_auth = { user = "recette", password = { env = "PW" } }

[secrets]
TEACHER = { env = "TEACHER_PW" }
ABSENT = { env = "NOT_SET" }
"#;

    #[test]
    fn resolves_capabilities_and_secrets() {
        let env = FakeEnv(&[("PW", "s3cret-basic"), ("TEACHER_PW", "azerty123")]);
        let target = parse_target("t.toml", GOOD, None, &env).expect("valid target");
        assert_eq!(
            target.capabilities[&Capability::LoginPage].as_str(),
            "https://ent.example/portail/auth/login"
        );
        assert_eq!(
            target.capabilities[&Capability::HomePage].as_str(),
            "https://ent.example/"
        );
        assert_eq!(target.http.request_timeout, Duration::from_secs(2));
        assert!(matches!(target.secrets["ABSENT"], SecretSlot::Missing(_)));
        // The declared secret, the basic-auth password and its header form.
        assert_eq!(target.secret_values().len(), 3);
        assert!(!format!("{target:?}").contains("azerty123"));
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let text = "id = \"bad id\"\nbase_url = \"ftp://x\"\n[http]\nrequest_timeout = \"15\"\n";
        let errors = parse_target("t.toml", text, None, &FakeEnv(&[])).expect_err("invalid");
        let lines: Vec<u32> = errors.0.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 2, 4], "{errors}");
    }

    /// A minimal target (its line 3 is `header`) with `lines` in that
    /// section, parsed.
    fn with_section(header: &str, lines: &str) -> Result<Target, Diagnostics> {
        let text = format!("id = \"x\"\nbase_url = \"http://www.ent.test/\"\n{header}\n{lines}\n");
        parse_target("t.toml", &text, None, &FakeEnv(&[]))
    }

    #[test]
    fn one_readiness_condition_at_most_and_a_valid_one() {
        let parse = |browser: &str| with_section("[browser]", browser);
        let target = parse("ready_text = \"Mentions légales\"").expect("valid");
        assert_eq!(
            target.browser.readiness,
            Some(Readiness::Text("Mentions légales".to_owned()))
        );
        let target = parse("ready_url = \"#/accueil\"").expect("valid");
        assert_eq!(
            target.browser.readiness,
            Some(Readiness::Url("#/accueil".to_owned()))
        );
        let errors = parse("ready_selector = \"footer\"\nready_url = \"#/a\"").expect_err("two");
        assert_eq!(errors.0[0].line, 5, "{errors}");
        assert!(
            errors.0[0].message.contains("une seule condition"),
            "{errors}"
        );
        let errors = parse("ready_selector = \"footer[\"").expect_err("bad CSS");
        assert!(
            errors.0[0].message.contains("sélecteur CSS invalide"),
            "{errors}"
        );
        let errors = parse("ready_text = \" \"").expect_err("empty");
        assert!(errors.0[0].message.contains("vide"), "{errors}");
    }

    #[test]
    fn resolve_maps_host_names_to_addresses_and_refuses_the_rest() {
        let parse = |http: &str| with_section("[http]", http);
        let target =
            parse("resolve = { \"WWW.ent.test\" = \"127.0.0.1\", \"auth.ent.test\" = \"::1\" }")
                .expect("valid");
        assert_eq!(
            target.http.resolve.get("www.ent.test"),
            Some(&std::net::IpAddr::from([127, 0, 0, 1]))
        );
        assert!(target.http.resolve["auth.ent.test"].is_ipv6());
        let errors = parse("resolve = { \"www.ent.test\" = \"localhost\" }").expect_err("name");
        assert_eq!(errors.0[0].line, 4, "{errors}");
        assert!(
            errors.0[0].message.contains("n'est pas une adresse IP"),
            "{errors}"
        );
        let errors = parse("resolve = { \"10.0.0.1\" = \"127.0.0.1\" }").expect_err("IP key");
        assert!(
            errors.0[0].message.contains("pas un nom d'hôte"),
            "{errors}"
        );
    }

    #[test]
    fn http_ca_is_read_from_a_pem_file_and_plain_url_must_be_http() {
        let dir = std::env::temp_dir().join(format!("entconf-target-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let authority =
            crate::idp::SigningKey::test_authority("AC", &crate::evidence::SystemClock::new())
                .expect("CA");
        std::fs::write(dir.join("ca.pem"), authority.cert_pem()).expect("CA");
        std::fs::write(dir.join("vide.pem"), "pas un certificat\n").expect("file");
        let parse = |http: &str| {
            let text = format!("id = \"x\"\nbase_url = \"https://ent.test/\"\n[http]\n{http}\n");
            parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[]))
        };
        let target =
            parse("ca = \"ca.pem\"\nplain_url = \"http://ent.test:8080/\"").expect("valid");
        assert_eq!(target.http.trusted_roots, vec![authority.cert_der.clone()]);
        assert_eq!(
            target.http.plain_url.map(|u| u.to_string()),
            Some("http://ent.test:8080/".to_owned())
        );
        let errors = parse("ca = \"absente.pem\"").expect_err("missing");
        assert_eq!(errors.0[0].line, 4, "{errors}");
        assert!(errors.0[0].message.contains("illisible"), "{errors}");
        let errors = parse("ca = \"vide.pem\"").expect_err("no certificate");
        assert!(errors.0[0].message.contains("vide.pem"), "{errors}");
        let errors = parse("plain_url = \"https://ent.test/\"").expect_err("https");
        assert!(
            errors.0[0].message.contains("http:// est attendue"),
            "{errors}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_capability_is_an_error_with_position() {
        let text = "id = \"x\"\nbase_url = \"http://a/\"\n[capabilities]\nlogin_pgae = \"/\"\n";
        let errors = parse_target("t.toml", text, None, &FakeEnv(&[])).expect_err("typo");
        assert_eq!(errors.0[0].line, 4);
        assert!(errors.0[0].message.contains("login_pgae"), "{errors}");
    }

    #[test]
    fn gar_section_reads_the_certificate_and_defaults_to_https() {
        let dir = std::env::temp_dir().join(format!("entconf-gar-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let key = crate::idp::SigningKey::generate_tls(
            "client",
            crate::idp::TlsRole::Client,
            &[],
            &crate::evidence::SystemClock::new(),
        )
        .expect("key");
        std::fs::write(dir.join("client.pem"), key.cert_pem()).expect("cert");
        std::fs::write(
            dir.join("key.pem"),
            key.private_pkcs8_pem().expect("pem") + &key.cert_pem(),
        )
        .expect("key");
        std::fs::write(
            dir.join("broken.pem"),
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .expect("broken");
        let section = |listen: &str, url: &str, cert: &str| {
            format!(
                "id = \"x\"\nbase_url = \"http://a/\"\n[gar]\nid_ent = \"BEL\"\n\
                 ressources_listen = \"{listen}\"\n{url}client_certificate = \"{cert}\"\n"
            )
        };
        let text = section("127.0.0.1:9443", "", "client.pem");
        let target = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect("valid");
        let gar = target.gar.expect("[gar]");
        assert_eq!(gar.id_ent, "BEL");
        assert_eq!(
            gar.ressources_public_url.as_str(),
            "https://127.0.0.1:9443/"
        );
        assert!(gar.client_certificate.contains("BEGIN CERTIFICATE"));

        let text = section(
            "9443",
            "ressources_public_url = \"http://gar.test/\"\n",
            "key.pem",
        );
        let errors = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect_err("invalid");
        let messages: Vec<&str> = errors.0.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{errors}");
        assert!(messages[0].contains("IP:PORT"), "{errors}");
        assert!(messages[1].contains("https"), "{errors}");
        assert!(messages[2].contains("clé privée"), "{errors}");
        let lines: Vec<u32> = errors.0.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![5, 6, 7], "{errors}");

        let text = section("127.0.0.1:9443", "", "absent.pem");
        let errors = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect_err("absent");
        assert!(errors.0[0].message.contains("absent.pem"), "{errors}");
        let text = section("127.0.0.1:9443", "", "broken.pem");
        let errors = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect_err("broken");
        assert!(errors.0[0].message.contains("illisible"), "{errors}");
        // Port 0 cannot be called; a path is not served.
        let text = section("127.0.0.1:0", "", "client.pem");
        let errors = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect_err("port 0");
        assert!(
            errors.0[0].message.contains("ressources_public_url"),
            "{errors}"
        );
        let text = section(
            "127.0.0.1:9443",
            "ressources_public_url = \"https://gar.test/prefixe/\"\n",
            "client.pem",
        );
        let errors = parse_target("t.toml", &text, Some(&dir), &FakeEnv(&[])).expect_err("path");
        assert!(errors.0[0].message.contains("racine"), "{errors}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stats_section_resolves_pages_levels_and_tokens() {
        let text = "id = \"x\"\nbase_url = \"http://a/\"\n[capabilities]\nstatistics_api = \"/api/stats\"\n\
                    [stats]\nschools = [\"0990003R\"]\nacademie = \"99\"\nlatency = \"2s\"\n\
                    services = { messagerie = \"/mel\" }\n\
                    viewers = [{ niveau = \"ecole\", id = \"0990003R\", token = { env = \"TOK\" } },\
                    { niveau = \"academie\", id = \"99\", token = { env = \"ABSENT\" } }]\n";
        let target =
            parse_target("t.toml", text, None, &FakeEnv(&[("TOK", "jeton-ecole")])).expect("valid");
        let stats = target.stats.as_ref().expect("[stats]");
        assert_eq!(stats.latency, Duration::from_secs(2));
        assert_eq!(stats.services["messagerie"].as_str(), "http://a/mel");
        assert_eq!(stats.viewers[0].level, crate::stats::Level::Ecole);
        assert!(matches!(stats.viewers[1].token, SecretSlot::Missing(_)));
        // The token is masked in reports like every secret.
        assert!(
            target
                .secret_values()
                .iter()
                .any(|s| s.expose() == "jeton-ecole")
        );
        let bad = "id = \"x\"\nbase_url = \"http://a/\"\n[stats]\nschools = []\nacademie = \"99\"\n\
                   viewers = [{ niveau = \"canton\", id = \"1\", token = { env = \"T\" } }]\n";
        let errors = parse_target("t.toml", bad, None, &FakeEnv(&[])).expect_err("invalid");
        let text = errors.to_string();
        assert!(text.contains("au moins une école dédiée"), "{text}");
        assert!(text.contains("niveau « canton » inconnu"), "{text}");
    }

    #[test]
    fn access_templates_need_one_id_and_resolve_with_it_encoded() {
        let env = FakeEnv(&[]);
        let target = |urls: &str| {
            parse_target(
                "t.toml",
                &format!(
                    "id = \"x\"\nbase_url = \"https://ent.test/ent/\"\n[access]\nobject_urls = {urls}\n"
                ),
                None,
                &env,
            )
        };
        let access = target(r#"["/blog/billets/{id}", "api/objets/{id}?vue=complete"]"#)
            .expect("valid")
            .access
            .expect("section");
        let base = Url::parse("https://ent.test/ent/").expect("url");
        let resolved: Vec<String> = access
            .object_urls
            .iter()
            .map(|t| {
                AccessTarget::resolve(&base, t, "b-0990001N b1/é")
                    .expect("url")
                    .to_string()
            })
            .collect();
        assert_eq!(
            resolved,
            [
                "https://ent.test/blog/billets/b-0990001N%20b1%2F%C3%A9",
                "https://ent.test/ent/api/objets/b-0990001N%20b1%2F%C3%A9?vue=complete"
            ]
        );
        for (urls, said) in [
            ("[]", "au moins une adresse"),
            (r#"["/blog/billets"]"#, "doit contenir {id} une fois"),
            (r#"["/a/{id}/{id}"]"#, "doit contenir {id} une fois"),
            (r#"["ftp://ent.test/{id}"]"#, "http ou https attendu"),
        ] {
            let errors = target(urls).expect_err(urls);
            assert!(errors.to_string().contains(said), "{urls}: {errors}");
            assert!(errors.to_string().contains("t.toml:4"), "{urls}: {errors}");
        }
    }

    #[test]
    fn local_login_names_its_account_and_masks_its_password() {
        let text = "id = \"x\"\nbase_url = \"https://ent.test/\"\n[local_login]\n\
                    account = \"intervenant.test\"\npassword = { env = \"MDP\" }\n";
        let env = FakeEnv(&[("MDP", "mot-de-passe-du-compte-local")]);
        let target = parse_target("t.toml", text, None, &env).expect("valid");
        let local = target.local_login.as_ref().expect("section");
        assert_eq!(local.account, "intervenant.test");
        assert!(local.page.is_none());
        assert!(
            target
                .secret_values()
                .iter()
                .any(|s| s.expose() == "mot-de-passe-du-compte-local"),
            "the password is masked in reports"
        );
        // Unset: the check is skipped later, the file is still valid.
        let target = parse_target("t.toml", text, None, &FakeEnv(&[])).expect("valid");
        assert!(matches!(
            target.local_login.expect("section").password,
            SecretSlot::Missing(_)
        ));
        let errors = parse_target("t.toml", &text.replace("intervenant.test", " "), None, &env)
            .expect_err("empty account");
        assert!(
            errors.to_string().contains("[local_login] account"),
            "{errors}"
        );
    }

    #[test]
    fn reversibility_section_reads_its_bounds_and_wants_a_collectivite() {
        let section = |extra: &str, niveau: &str| {
            format!(
                "id = \"x\"\nbase_url = \"http://a/\"\n[reversibility]\nschool = \"0990001N\"\n\
                 controller = {{ niveau = \"{niveau}\", id = \"99001\", token = {{ env = \"TOKEN\" }} }}\n{extra}"
            )
        };
        let env = FakeEnv(&[("TOKEN", "jeton-du-responsable-0123")]);
        let target =
            parse_target("t.toml", &section("", "collectivite"), None, &env).expect("valid");
        let setup = target.reversibility.expect("section");
        assert_eq!(setup.max_record_file, 32 << 20);
        assert_eq!(setup.link_ttl, Duration::from_secs(5));
        let text = section(
            "max_record_file = \"64 MiB\"\njob_timeout = \"5m\"\n",
            "collectivite",
        );
        let setup = parse_target("t.toml", &text, None, &env)
            .expect("valid")
            .reversibility
            .expect("section");
        assert_eq!(setup.max_record_file, 64 << 20);
        assert_eq!(setup.job_timeout, Duration::from_secs(300));
        for (extra, niveau, key) in [
            (
                "max_record_file = \"0 MiB\"\n",
                "collectivite",
                "max_record_file",
            ),
            ("max_record_file = \"2 GiB\"\n", "collectivite", "1 GiB"),
            (
                "max_record_file = \"beaucoup\"\n",
                "collectivite",
                "max_record_file",
            ),
            ("", "ecole", "collectivité"),
        ] {
            let errors = parse_target("t.toml", &section(extra, niveau), None, &env)
                .expect_err("invalid section");
            assert!(errors.to_string().contains(key), "{errors}");
        }
        // The exported school cannot be one of the statistics' dedicated schools.
        let shared = format!(
            "{}[stats]\nschools = [\"0990001N\"]\nacademie = \"99\"\n\
             viewers = [{{ niveau = \"academie\", id = \"99\", token = {{ env = \"TOKEN\" }} }}]\n",
            section("", "collectivite")
        );
        let errors = parse_target("t.toml", &shared, None, &env).expect_err("shared school");
        assert!(
            errors.to_string().contains("école dédiée de [stats]"),
            "{errors}"
        );
    }

    #[test]
    fn documented_defaults_are_the_parsed_ones() {
        let env = FakeEnv(&[("TOKEN", "jeton-du-responsable-0123")]);
        let head = "id = \"x\"\nbase_url = \"http://a/\"\n";
        let schema = super::super::schema::target_schema_value();
        let mut checked = 0;
        for (table, definition) in schema["$defs"].as_object().expect("$defs") {
            for (key, field) in definition["properties"].as_object().expect("properties") {
                let Some(default) = field.get("default") else {
                    continue;
                };
                // The smallest section that parses, and what it yields.
                let (section, parsed): (&str, fn(&Target) -> String) = match table.as_str() {
                    "HttpFile" => ("[http]\n", |t| format!("{:?}", t.http)),
                    "BrowserFile" => ("[browser]\n", |t| format!("{:?}", t.browser)),
                    "ReversibilityFile" => (
                        "[reversibility]\nschool = \"0990001N\"\ncontroller = { niveau = \
                         \"collectivite\", id = \"99001\", token = { env = \"TOKEN\" } }\n",
                        |t| format!("{:?}", t.reversibility),
                    ),
                    "StatsFile" => (
                        "[stats]\nschools = [\"0990003R\"]\nacademie = \"99\"\n",
                        |t| format!("{:?}", t.stats),
                    ),
                    "SsoFile" => (
                        "[sso]\nidp_listen = \"127.0.0.1:9400\"\naaf = \"aaf\"\nclient_id = \"c\"\n\
                         client_secret = { env = \"TOKEN\" }\n",
                        |t| format!("{:?}", t.sso),
                    ),
                    other => panic!("{other}.{key} has a default: add its section here"),
                };
                let without = format!("{head}{section}");
                let with = format!("{head}{section}{key} = {default}\n");
                let without = parse_target("t.toml", &without, None, &env).expect("valid");
                let with = parse_target("t.toml", &with, None, &env).expect("valid default");
                assert_eq!(parsed(&with), parsed(&without), "{table}.{key} = {default}");
                checked += 1;
            }
        }
        assert_eq!(checked, 16, "every documented default is checked");
    }

    #[test]
    fn documented_levels_are_the_known_ones() {
        let schema = super::super::schema::target_schema_value();
        let levels = &schema["$defs"]["StatsViewerFile"]["properties"]["niveau"]["enum"];
        let known: Vec<&str> = crate::stats::Level::ALL
            .into_iter()
            .map(crate::stats::Level::as_str)
            .collect();
        assert_eq!(levels, &serde_json::json!(known));
    }

    #[test]
    fn short_or_missing_basic_auth_secret_is_refused() {
        let text = "id = \"x\"\nbase_url = \"http://a/\"\n[http]\nbasic_auth = { user = \"u\", password = { env = \"PW\" } }\n";
        assert!(parse_target("t.toml", text, None, &FakeEnv(&[("PW", "abc")])).is_err());
        assert!(parse_target("t.toml", text, None, &FakeEnv(&[])).is_err());
    }
}
