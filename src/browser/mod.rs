//! The browser probe: Debian's `chromium`, driven over the DevTools
//! protocol, opens a page as a person would (scripts run, shadow DOM drawn)
//! and records what happened, as evidence redacted like HTTP exchanges.
//!
//! What belongs here: launching and reaping the browser ([`Browser`]), the
//! protocol connection (`cdp`), the per-page log (`recorder`), the settle
//! rule and the capture of a page (`render`), and the record of a rendered
//! page ([`Rendering`]). Nothing here judges: the judges read a
//! [`Rendering`] attached to the page a step fetched.
//!
//! Every wait is bounded ([`BrowserSettings`]); the browser runs with a
//! fresh profile folder removed once it is reaped, one browser context per
//! page (its own cookie jar), and never ignores certificate errors: a bad
//! certificate is a finding, not a nuisance.

mod cdp;
mod probe;
mod recorder;
mod render;
mod rendering;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

pub use cdp::CdpError;
pub use probe::{BrowserProbe, FirstParty};
pub use render::{Readiness, render_page};
#[cfg(test)]
pub(crate) use rendering::sample;
pub use rendering::{
    BrowserCookie, BrowserRequest, ConsoleEntry, Party, Rendering, RenderingFiles, Screenshot,
    Sent, Settled,
};

use cdp::Cdp;

/// Names tried, in order, when no executable is given.
pub const EXECUTABLES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Bounds and choices of the browser probe.
#[derive(Clone, Debug)]
pub struct BrowserSettings {
    /// The browser to run; found on `PATH` among [`EXECUTABLES`] if `None`.
    pub executable: Option<PathBuf>,
    /// Longest wait for the browser to start and answer.
    pub launch: Duration,
    /// Longest wait for one protocol command.
    pub command: Duration,
    /// Longest wait for a navigation to commit.
    pub navigation: Duration,
    /// Hard deadline for a page to settle, from navigation.
    pub settle: Duration,
    /// Time without a request in flight after `load` that settles a page.
    pub quiet: Duration,
    /// Largest rendered DOM read, in characters; a larger one is an error.
    pub max_dom_chars: usize,
    /// Tallest screenshot, in CSS pixels.
    pub max_screenshot_height: u32,
    /// Pages rendered at once (each costs a renderer process).
    pub pages_at_once: usize,
    /// Resolve no host but loopback: the demonstration and tests, whose
    /// pages may name real trackers that must not be contacted.
    pub loopback_only: bool,
    /// Host names answered without DNS (`[http] resolve`).
    pub resolve: std::collections::BTreeMap<String, std::net::IpAddr>,
    /// HTTP Basic credentials of a staging gate, answered for this origin
    /// only (never for a third party that asks).
    pub basic_auth: Option<BasicGate>,
    /// Certificate authorities (DER) trusted besides the system's: the
    /// candidate's `[http] ca`.
    pub trusted_roots: Vec<Vec<u8>>,
}

/// The staging gate's credentials and the one origin they go to.
#[derive(Clone, Debug)]
pub struct BasicGate {
    /// The candidate's origin.
    pub origin: url::Origin,
    /// User name.
    pub user: String,
    /// Password (its `Debug` is masked).
    pub password: crate::suite::Secret,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        Self {
            executable: None,
            launch: Duration::from_secs(15),
            command: Duration::from_secs(10),
            navigation: Duration::from_secs(30),
            settle: Duration::from_secs(10),
            quiet: Duration::from_millis(500),
            max_dom_chars: 4 << 20,
            max_screenshot_height: 16_000,
            pages_at_once: 2,
            loopback_only: false,
            resolve: std::collections::BTreeMap::new(),
            basic_auth: None,
            trusted_roots: Vec::new(),
        }
    }
}

/// Why the browser could not be used.
#[derive(Clone, Debug, thiserror::Error)]
pub enum BrowserError {
    /// No executable found.
    #[error("navigateur introuvable : {0}")]
    Missing(String),
    /// It did not start or did not answer.
    #[error("le navigateur n'a pas démarré : {0}")]
    Launch(String),
    /// The protocol failed.
    #[error("{0}")]
    Cdp(#[from] CdpError),
    /// A page could not be rendered.
    #[error("{0}")]
    Page(String),
}

impl BrowserSettings {
    /// The executable to run, or why there is none.
    pub fn find_executable(&self) -> Result<PathBuf, BrowserError> {
        if let Some(path) = &self.executable {
            if path.is_file() {
                return Ok(path.clone());
            }
            return Err(BrowserError::Missing(format!(
                "{} n'existe pas",
                path.display()
            )));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        for name in EXECUTABLES {
            for folder in std::env::split_paths(&path) {
                let candidate = folder.join(name);
                if candidate.is_file() {
                    return Ok(candidate);
                }
            }
        }
        Err(BrowserError::Missing(format!(
            "aucun de {} dans le PATH (Debian : apt install chromium)",
            EXECUTABLES.join(", ")
        )))
    }
}

/// A running browser, owned: its process, its profile folder and its
/// protocol connection. [`Browser::close`] ends it within bounds; dropping
/// it kills the process.
pub struct Browser {
    child: tokio::sync::Mutex<Child>,
    pid: Option<u32>,
    cdp: Cdp,
    profile: Mutex<Option<tempfile::TempDir>>,
    profile_path: PathBuf,
    product: String,
    settings: BrowserSettings,
    pages: tokio::sync::Semaphore,
    stderr: Arc<Mutex<String>>,
}

/// The base64 SHA-256 of each certificate's public key (its
/// SubjectPublicKeyInfo), as Chromium's key list wants them; a certificate
/// that cannot be read is left out (the harness's own requests report it).
fn authority_keys(roots: &[Vec<u8>]) -> Vec<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    roots
        .iter()
        .filter_map(|der| {
            let certificate = openssl::x509::X509::from_der(der).ok()?;
            let key = certificate.public_key().ok()?.public_key_to_der().ok()?;
            Some(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&key)))
        })
        .collect()
}

/// Characters kept of the browser's error output, for messages.
const STDERR_TAIL: usize = 2_000;

impl Browser {
    /// Starts the browser with a fresh profile and connects to it.
    pub async fn launch(settings: &BrowserSettings) -> Result<Self, BrowserError> {
        let executable = settings.find_executable()?;
        let profile = tempfile::Builder::new()
            .prefix("entconf-chromium-")
            .tempdir()
            .map_err(|e| BrowserError::Launch(format!("dossier de profil : {e}")))?;
        let mut arguments: Vec<String> = vec![
            "--headless".into(),
            "--remote-debugging-pipe".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-extensions".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--disable-breakpad".into(),
            "--disable-crash-reporter".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--mute-audio".into(),
            "--hide-scrollbars".into(),
            "--password-store=basic".into(),
            "--use-mock-keychain".into(),
            "--window-size=1280,900".into(),
            "--lang=fr-FR".into(),
            // Pages are judged as served over the scheme asked for: no
            // silent upgrade of http:// links.
            "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable".into(),
        ];
        if running_as_root() {
            // Chromium refuses to start as root with its sandbox.
            arguments.push("--no-sandbox".into());
        }
        // The target's own names first (`[http] resolve`), then, for the
        // demonstration and the tests, every other name unresolved.
        let mut rules: Vec<String> = settings
            .resolve
            .iter()
            .map(|(host, ip)| match ip {
                std::net::IpAddr::V4(v4) => format!("MAP {host} {v4}"),
                std::net::IpAddr::V6(v6) => format!("MAP {host} [{v6}]"),
            })
            .collect();
        if settings.loopback_only {
            rules.push("MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost".to_owned());
        }
        if !rules.is_empty() {
            arguments.push(format!("--host-resolver-rules={}", rules.join(", ")));
        }
        // Chromium takes no extra authority by flag; it takes keys whose
        // presence in a chain lifts certificate errors. The candidate's
        // authority's key is given, so only a chain that carries it is
        // accepted: its HTTPS is judged by SEC-01 through the harness's own
        // verified connection, not here.
        let keys = authority_keys(&settings.trusted_roots);
        if !keys.is_empty() {
            arguments.push(format!(
                "--ignore-certificate-errors-spki-list={}",
                keys.join(",")
            ));
        }
        arguments.push("about:blank".into());
        // The protocol pipe is the browser's descriptors 3 (commands in)
        // and 4 (answers out); the shell maps them onto our stdin and
        // stdout and then becomes the browser (same PID, reaped by us).
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null >/dev/null")
            .arg(&executable)
            .args(&arguments)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| BrowserError::Launch(format!("{} : {e}", executable.display())))?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut output) = child.stderr.take() {
            let tail = Arc::clone(&stderr);
            tokio::spawn(async move {
                let mut chunk = vec![0u8; 8 << 10];
                while let Ok(read) = output.read(&mut chunk).await {
                    if read == 0 {
                        break;
                    }
                    let mut tail = tail
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    tail.push_str(&String::from_utf8_lossy(&chunk[..read]));
                    if tail.len() > STDERR_TAIL * 2 {
                        let cut = tail.len() - STDERR_TAIL;
                        let cut = (cut..tail.len())
                            .find(|i| tail.is_char_boundary(*i))
                            .unwrap_or(0);
                        tail.drain(..cut);
                    }
                }
            });
        }
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(BrowserError::Launch(
                "tubes du protocole absents".to_owned(),
            ));
        };
        let cdp = Cdp::new(input, output);
        let mut browser = Self {
            pid: child.id(),
            child: tokio::sync::Mutex::new(child),
            cdp,
            profile_path: profile.path().to_owned(),
            profile: Mutex::new(Some(profile)),
            product: String::new(),
            settings: settings.clone(),
            pages: tokio::sync::Semaphore::new(settings.pages_at_once.max(1)),
            stderr,
        };
        match browser
            .cdp
            .call(None, "Browser.getVersion", json!({}), settings.launch)
            .await
        {
            Ok(version) => {
                browser.product = version
                    .get("product")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("Chromium")
                    .to_owned();
                Ok(browser)
            }
            Err(error) => {
                let tail = browser.stderr_tail();
                browser.close().await;
                Err(BrowserError::Launch(format!("{error}{tail}")))
            }
        }
    }

    /// The browser's product and version (`Chrome/156.0…`).
    pub fn product(&self) -> &str {
        &self.product
    }

    /// The browser's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The profile folder (removed by [`Browser::close`]).
    pub fn profile(&self) -> &Path {
        &self.profile_path
    }

    /// The settings it was launched with.
    pub fn settings(&self) -> &BrowserSettings {
        &self.settings
    }

    pub(crate) fn cdp(&self) -> &Cdp {
        &self.cdp
    }

    pub(crate) async fn page_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.pages.acquire().await.ok()
    }

    /// The end of the browser's error output, for messages.
    fn stderr_tail(&self) -> String {
        let tail = self
            .stderr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let meaningful: Vec<&str> = tail
            .lines()
            .filter(|line| !line.contains("dbus") && !line.trim().is_empty())
            .collect();
        match meaningful.last() {
            Some(line) => format!(" ; sortie du navigateur : {line}"),
            None => String::new(),
        }
    }

    /// Why the connection closed, with the browser's last words.
    pub(crate) fn gone(&self) -> Option<String> {
        self.cdp
            .closed()
            .map(|why| format!("{why}{}", self.stderr_tail()))
    }

    /// Asks the browser to quit, then kills its process group if it has
    /// not within two seconds, reaps it, and removes the profile folder.
    pub async fn close(&self) {
        let asked = self
            .cdp
            .call(None, "Browser.close", json!({}), Duration::from_secs(2))
            .await;
        let mut child = self.child.lock().await;
        if asked.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
        }
        // Whatever the leader did, its helpers (renderers, GPU and network
        // processes) may outlive it for a moment: the group goes too, and
        // close returns once none of it runs.
        self.kill_group(&mut child).await;
        let profile = self
            .profile
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(profile) = profile {
            let path = profile.path().to_owned();
            if profile.close().is_err() {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }

    async fn kill_group(&self, child: &mut Child) {
        if let Some(pid) = self.pid {
            signal_group(pid);
        }
        let _ = child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        if let Some(group) = self.pid {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while group_alive(group) && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Not closed (a panic, a cancelled run): the process group is
        // killed (the helpers too); tokio reaps the leader in the background.
        if let Some(pid) = self.pid {
            signal_group(pid);
        }
        if let Ok(mut child) = self.child.try_lock() {
            let _ = child.start_kill();
        }
    }
}

/// Sends SIGKILL to process group `group`: the browser leads its own (its
/// renderers and helpers are in it), so one signal ends them all. `kill`
/// returns at once; it is waited for so that it leaves no zombie.
fn signal_group(group: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether a process of group `group` still runs (not a zombie), read from
/// `/proc/<pid>/stat` (Linux).
fn group_alive(group: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // After the command's closing parenthesis: state, ppid, pgrp.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|f| f.parse::<u32>().ok());
        pgrp == Some(group) && state != Some("Z") && state != Some("X")
    })
}

/// Whether this process runs as root (Linux: `/proc/self/status`).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .map(|line| line.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
