//! One HTTP exchange as it is kept for reviewers: request, response, body
//! excerpt with the hash of the whole body, timing.
//!
//! Redacted by construction: an [`Exchange`] is made only by
//! [`Exchange::capture`], which takes what was sent and received as it was
//! ([`Raw`]) and masks every part with the run's [`Redactor`]; its fields
//! are private, so no code can put an unmasked value in afterwards.
//! Deserialisation only reads back a run record the harness wrote itself
//! (`merge`), whose exchanges were captured that way.

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::redact::Redactor;

/// Characters of body kept in `results.json`; the whole body goes to
/// `evidence/`.
pub const EXCERPT_CHARS: usize = 16 * 1024;
/// Longest request body kept (a seeding request carries whole files in
/// base64).
pub const REQUEST_BODY_KEPT: usize = 16 << 10;
/// Media type of form bodies.
const FORM: &str = "application/x-www-form-urlencoded";

/// A header name and its (redacted) value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    name: String,
    value: String,
}

impl Header {
    /// Name as received, lower case.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Value, redacted when sensitive.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// What the response body was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    excerpt: String,
    truncated: bool,
    binary: bool,
}

impl Body {
    /// Bytes received.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// SHA-256 of the whole body as received, hex; absent when reading
    /// stopped at the size limit.
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    /// Beginning of the body as text (redacted), or a description of
    /// binary content.
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }

    /// The excerpt is shorter than the body.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The body is not text (or not in a known encoding).
    pub fn binary(&self) -> bool {
        self.binary
    }
}

/// A request and its response (or the transport error that replaced it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    id: String,
    method: String,
    url: String,
    request_headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default)]
    response_headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<Body>,
    started_at: DateTime<Utc>,
    duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Whole body as text (redacted, bounded by the run's body limit), written
    /// to `evidence/` but kept out of `results.json` to keep it small.
    #[serde(skip)]
    full_text: Option<String>,
}

/// Where an exchange went.
#[derive(Clone, Copy, Debug)]
pub enum Address<'a> {
    /// A URL the harness asked.
    Url(&'a Url),
    /// A URL, with what happened there (a request one of the harness's own
    /// servers received, an answer its IdP handed to the browser).
    Described(&'a Url, &'a str),
    /// Free text naming the address (masked as a message is).
    Text(&'a str),
}

/// A body as received, before redaction.
#[derive(Clone, Copy, Debug)]
pub enum RawBody<'a> {
    /// Text, decoded: masked according to its media type (by value only
    /// when `None`); the whole of it kept for `evidence/` when `whole`.
    Text {
        /// Media type, lower case, if known.
        media_type: Option<&'a str>,
        /// The text.
        text: &'a str,
        /// Bytes received.
        size: u64,
        /// SHA-256 of the bytes, hex, when they were all read.
        sha256: Option<&'a str>,
        /// Keep the whole text, not only its excerpt.
        whole: bool,
    },
    /// Not text, or not kept: described (`[contenu binaire : …]`).
    Described {
        /// Bytes received.
        size: u64,
        /// SHA-256 of the bytes, hex, when they were all read.
        sha256: Option<&'a str>,
        /// What it was (French), holding nothing the candidate wrote.
        description: &'a str,
    },
}

/// An exchange as it happened, before redaction.
#[derive(Clone, Debug)]
pub struct Raw<'a> {
    /// Identifier within the run, e.g. `x0003`.
    pub id: String,
    /// HTTP method.
    pub method: &'a str,
    /// Where it went.
    pub address: Address<'a>,
    /// Request headers sent, as sent.
    pub request_headers: Vec<(String, String)>,
    /// Request body and its media type, as sent.
    pub request_body: Option<(&'a str, &'a str)>,
    /// Response status, absent when no response arrived.
    pub status: Option<u16>,
    /// Response headers, as received.
    pub response_headers: Vec<(String, String)>,
    /// Response body.
    pub body: Option<RawBody<'a>>,
    /// When the request was sent.
    pub started_at: DateTime<Utc>,
    /// Time until the body was read or the error occurred.
    pub duration_ms: u64,
    /// Transport problem, when there was one (French).
    pub error: Option<String>,
}

impl Exchange {
    /// The exchange `raw` describes, every part masked by `redactor`: the
    /// URL (password, sensitive query and fragment fields, known secrets),
    /// the headers (credentials, cookie values), the request body (by field
    /// name for forms and JSON, by value everywhere), the response body's
    /// excerpt and whole text, the error.
    pub fn capture(redactor: &Redactor, raw: Raw<'_>) -> Self {
        let url = match raw.address {
            Address::Url(url) => redactor.url(url),
            Address::Described(url, what) => {
                format!("{} ({})", redactor.url(url), redactor.message(what))
            }
            Address::Text(text) => redactor.message(text),
        };
        let headers = |pairs: Vec<(String, String)>| -> Vec<Header> {
            pairs
                .into_iter()
                .map(|(name, value)| Header {
                    value: redactor.header(&name, &value),
                    name,
                })
                .collect()
        };
        let request_body = raw.request_body.map(|(content_type, text)| {
            if content_type == FORM {
                redactor.form_body(text)
            } else {
                let mut kept = redactor.body(Some(content_type), text);
                if kept.len() > REQUEST_BODY_KEPT {
                    let cut = (0..=REQUEST_BODY_KEPT)
                        .rev()
                        .find(|i| kept.is_char_boundary(*i))
                        .unwrap_or(0);
                    kept.truncate(cut);
                    kept.push_str(&format!(" … ({} octets en tout)", text.len()));
                }
                kept
            }
        });
        let (body, full_text) = match raw.body {
            None => (None, None),
            Some(RawBody::Described {
                size,
                sha256,
                description,
            }) => (
                Some(Body {
                    size,
                    sha256: sha256.map(str::to_owned),
                    excerpt: redactor.message(description),
                    truncated: false,
                    binary: true,
                }),
                None,
            ),
            Some(RawBody::Text {
                media_type,
                text,
                size,
                sha256,
                whole,
            }) => {
                let full = match media_type {
                    Some(_) => redactor.body(media_type, text),
                    None => redactor.text(text),
                };
                let truncated = full.chars().count() > EXCERPT_CHARS;
                let excerpt = if truncated {
                    full.chars().take(EXCERPT_CHARS).collect()
                } else {
                    full.clone()
                };
                let body = Body {
                    size,
                    sha256: sha256.map(str::to_owned),
                    excerpt,
                    truncated,
                    binary: false,
                };
                (Some(body), whole.then_some(full))
            }
        };
        Self {
            id: raw.id,
            method: raw.method.to_owned(),
            url,
            request_headers: headers(raw.request_headers),
            request_body,
            status: raw.status,
            response_headers: headers(raw.response_headers),
            body,
            started_at: raw.started_at,
            duration_ms: raw.duration_ms,
            error: raw.error.map(|error| redactor.message(&error)),
            full_text,
        }
    }

    /// Identifier within the run, e.g. `x0003`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HTTP method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Requested URL (redacted).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Request headers sent (redacted).
    pub fn request_headers(&self) -> &[Header] {
        &self.request_headers
    }

    /// Request body (redacted), if any.
    pub fn request_body(&self) -> Option<&str> {
        self.request_body.as_deref()
    }

    /// Response status, absent when no response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Response headers (redacted).
    pub fn response_headers(&self) -> &[Header] {
        &self.response_headers
    }

    /// Response body summary.
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }

    /// When the request was sent.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// Time until the body was read or the error occurred.
    pub fn duration_ms(&self) -> u64 {
        self.duration_ms
    }

    /// Transport problem, when there was one (French).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Whole body (redacted), when it was kept.
    pub fn full_text(&self) -> Option<&str> {
        self.full_text.as_deref()
    }

    /// Gives the exchange another identifier (the shards of a campaign
    /// are merged with a prefix).
    pub fn renamed(&mut self, id: String) {
        self.id = id;
    }

    /// Drops the whole body (the run's budget is spent).
    pub(super) fn drop_full_text(&mut self) {
        self.full_text = None;
    }

    /// Replaces the excerpt by `note` (the run's budget is spent).
    pub(super) fn drop_excerpt(&mut self, note: String) {
        if let Some(body) = &mut self.body {
            body.excerpt = note;
            body.truncated = true;
        }
    }

    /// One-line summary for reports: `GET https://… → 302`.
    pub fn summary(&self) -> String {
        match (self.status, &self.error) {
            (Some(status), _) => format!("{} {} → {status}", self.method, self.url),
            (None, Some(error)) => format!("{} {} → erreur : {error}", self.method, self.url),
            (None, None) => format!("{} {}", self.method, self.url),
        }
    }

    /// The exchange as an HTTP-like transcript, for `evidence/<id>.txt`.
    pub fn transcript(&self) -> String {
        let mut out = format!(
            "# {} — {} ({} ms)\n{} {}\n",
            self.id,
            self.started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.duration_ms,
            self.method,
            self.url
        );
        for header in &self.request_headers {
            out.push_str(&format!("{}: {}\n", header.name, header.value));
        }
        if let Some(body) = &self.request_body {
            out.push('\n');
            out.push_str(body);
            out.push('\n');
        }
        out.push('\n');
        if let Some(error) = &self.error {
            out.push_str(&format!("# erreur : {error}\n"));
        }
        if let Some(status) = self.status {
            out.push_str(&format!("HTTP {status}\n"));
            for header in &self.response_headers {
                out.push_str(&format!("{}: {}\n", header.name, header.value));
            }
        }
        if let Some(body) = &self.body {
            out.push_str(&format!(
                "\n# corps : {} octets, sha256 {}\n",
                body.size,
                body.sha256
                    .as_deref()
                    .unwrap_or("non calculé (limite atteinte)")
            ));
            out.push_str(self.full_text.as_deref().unwrap_or(&body.excerpt));
            out.push('\n');
        }
        out
    }
}
