//! A page as Chromium rendered it, as the run record keeps it: redacted at
//! capture ([`super::render`] builds it from the raw log through the run's
//! redactor), bounded, with its screenshot.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How waiting for the page ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Settled {
    /// `load` fired, then no request was in flight for the quiet period.
    Quiet {
        /// Milliseconds from navigation to settling.
        after_ms: u64,
    },
    /// `load` fired and the suite's readiness condition held.
    Condition {
        /// Milliseconds from navigation to settling.
        after_ms: u64,
    },
    /// The hard deadline came first.
    Deadline {
        /// The deadline, in milliseconds.
        after_ms: u64,
        /// Whether `load` had fired.
        loaded: bool,
        /// Requests still in flight (redacted URLs).
        inflight: Vec<String>,
    },
}

/// Whether a request went to the candidate or elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// One of the candidate's declared origins.
    First,
    /// Anyone else.
    Third,
}

/// One request the page made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserRequest {
    /// URL (redacted).
    pub url: String,
    /// Host, lower case.
    pub host: String,
    /// Method.
    pub method: String,
    /// What the browser loaded it as (`Document`, `Script`, `Fetch`…).
    pub resource: String,
    /// Who asked: the parser, or a script and its place.
    pub initiator: String,
    /// Final status, when an answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed (`net::ERR_…`), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The `Referer` sent with a request to a third party (redacted),
    /// when the browser sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// First or third party.
    pub party: Party,
    /// A third-party request as the page sent it, unredacted, for the
    /// judges of the run only: never serialised, so never in a report.
    #[serde(skip)]
    pub sent: Option<Sent>,
}

/// A request to a third party as sent: what the judges look for
/// personal data in (the record keeps it cut and redacted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The URL.
    pub url: String,
    /// The `Referer`, if any.
    pub referer: Option<String>,
    /// Whether either was longer than what is kept (8,000 characters).
    pub cut: bool,
}

impl BrowserRequest {
    /// Whether the request brought no usable answer (failed, or 4xx/5xx).
    pub fn failed(&self) -> bool {
        self.failure.is_some() || self.status.is_some_and(|s| s >= 400)
    }

    /// The request as one line for messages.
    pub fn describe(&self) -> String {
        let fate = match (&self.failure, self.status) {
            (Some(failure), Some(status)) => format!("{status}, {failure}"),
            (Some(failure), None) => failure.clone(),
            (None, Some(status)) => status.to_string(),
            (None, None) => "sans réponse".to_owned(),
        };
        format!(
            "{} {} ({fate}, demandée par {})",
            self.resource, self.url, self.initiator
        )
    }
}

/// A cookie in the page's jar after settling (set by a response or by a
/// script). Its value never leaves the browser: only a fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserCookie {
    /// Name.
    pub name: String,
    /// Domain it is set for.
    pub domain: String,
    /// First 16 hex digits of the value's SHA-256.
    pub fingerprint: String,
    /// `Path=…`, `Secure`, `HttpOnly`, `SameSite=…`, `Expires=…`.
    pub attributes: Vec<String>,
    /// Set for a domain other than the candidate's.
    pub party: Party,
}

/// A console error or an uncaught exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleEntry {
    /// `console.error`, `exception` or `journal` (the browser's own log).
    pub kind: String,
    /// Text (redacted, cut at 500 characters).
    pub text: String,
    /// Script and line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The page's screenshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screenshot {
    /// File in `evidence/` with the full image (PNG).
    pub file: String,
    /// Full image width in pixels.
    pub width: u32,
    /// Full image height in pixels.
    pub height: u32,
    /// The page was taller than the bound and the image stops there.
    pub clipped: bool,
    /// The top of the page (2,400 CSS pixels at most) reduced to a quarter, PNG in base64, for the
    /// HTML report.
    pub thumbnail: String,
}

/// One page rendered by the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendering {
    /// Identifier (`r0001`), listed with the exchanges of the checks that
    /// read the page.
    pub id: String,
    /// URL opened (redacted).
    pub url: String,
    /// URL of the document shown after settling (redacted).
    pub final_url: String,
    /// The browser's product and version.
    pub browser: String,
    /// How waiting ended.
    pub settled: Settled,
    /// Every request, in order, up to the bound.
    pub requests: Vec<BrowserRequest>,
    /// Requests past the bound, counted only.
    #[serde(default)]
    pub requests_dropped: usize,
    /// Cookies in the jar after settling.
    pub cookies: Vec<BrowserCookie>,
    /// Console errors and uncaught exceptions, up to the bound.
    pub console: Vec<ConsoleEntry>,
    /// Entries past the bound, counted only.
    #[serde(default)]
    pub console_dropped: usize,
    /// Characters of the rendered DOM (open shadow roots flattened).
    pub dom_chars: usize,
    /// File in `evidence/` with the rendered DOM (redacted).
    pub dom_file: String,
    /// The screenshot, unless taking it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<Screenshot>,
    /// Why there is no screenshot, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot_missing: Option<String>,
    /// The files themselves, written to `evidence/` with the report and
    /// not kept in `results.json`.
    #[serde(skip)]
    pub files: RenderingFiles,
}

/// The rendered DOM (redacted) and the full screenshot.
#[derive(Clone, Debug, Default)]
pub struct RenderingFiles {
    /// The DOM as HTML.
    pub dom: Arc<str>,
    /// The PNG.
    pub png: Option<Arc<Vec<u8>>>,
}

impl PartialEq for RenderingFiles {
    fn eq(&self, _: &Self) -> bool {
        // Derived from the recorded fields; never compared.
        true
    }
}

impl Eq for RenderingFiles {}

impl Rendering {
    /// Requests of the page that brought nothing usable and can explain
    /// missing content: the candidate's scripts, calls and frames, and
    /// scripts from elsewhere (a component library on a CDN). Not a
    /// missing icon or image; not a call refused for want of a session
    /// (401, 403: a public page asks who is there); not a request the page
    /// itself abandoned (`net::ERR_ABORTED` without an error status); not
    /// a third party's call, which draws no part of the candidate's page.
    pub fn failed_requests(&self) -> Vec<&BrowserRequest> {
        self.requests
            .iter()
            .filter(|r| r.failed())
            .filter(|r| match (r.party, r.resource.as_str()) {
                (Party::First, "Script" | "Document") => true,
                (Party::First, "Fetch" | "XHR") => !matches!(r.status, Some(401 | 403)),
                (Party::Third, "Script") => true,
                _ => false,
            })
            .filter(|r| {
                let abandoned = r.failure.as_deref() == Some("net::ERR_ABORTED")
                    && r.status.is_none_or(|s| s < 400);
                !abandoned
            })
            .collect()
    }

    /// Hosts of the third-party requests, in order of first contact.
    pub fn third_party_hosts(&self) -> Vec<&str> {
        let mut hosts: Vec<&str> = Vec::new();
        for request in &self.requests {
            if request.party == Party::Third && !hosts.contains(&request.host.as_str()) {
                hosts.push(&request.host);
            }
        }
        hosts
    }
}

/// Renderings built by hand, for the judges' unit tests.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    /// A request of the page at `url`, from `host`, loaded as `resource`.
    pub(crate) fn request(
        url: &str,
        resource: &str,
        status: Option<u16>,
        failure: Option<&str>,
    ) -> BrowserRequest {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        BrowserRequest {
            party: if host == "ent.test" {
                Party::First
            } else {
                Party::Third
            },
            url: url.to_owned(),
            host,
            method: "GET".to_owned(),
            resource: resource.to_owned(),
            initiator: "script https://ent.test/app.js:3".to_owned(),
            status,
            failure: failure.map(str::to_owned),
            referer: None,
            sent: None,
        }
    }

    /// A page settled `settled`, having made `requests`.
    pub(crate) fn rendering(settled: Settled, requests: Vec<BrowserRequest>) -> Rendering {
        Rendering {
            id: "r0001".to_owned(),
            url: "https://ent.test/accueil".to_owned(),
            final_url: "https://ent.test/accueil".to_owned(),
            browser: "Chrome/156".to_owned(),
            settled,
            requests,
            requests_dropped: 0,
            cookies: Vec::new(),
            console: Vec::new(),
            console_dropped: 0,
            dom_chars: 0,
            dom_file: "r0001.html".to_owned(),
            screenshot: None,
            screenshot_missing: None,
            files: RenderingFiles::default(),
        }
    }
}
