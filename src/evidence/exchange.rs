//! One HTTP exchange as it is kept for reviewers: request, response, body
//! excerpt with the hash of the whole body, timing. Already redacted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A header name and its (redacted) value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Name as received, lower case.
    pub name: String,
    /// Value, redacted when sensitive.
    pub value: String,
}

/// What the response body was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// Bytes received.
    pub size: u64,
    /// SHA-256 of the whole body as received, hex; absent when reading
    /// stopped at the size limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Beginning of the body as text (redacted), or a description of binary content.
    pub excerpt: String,
    /// The excerpt is shorter than the body.
    pub truncated: bool,
    /// The body is not text (or not in a known encoding).
    pub binary: bool,
}

/// A request and its response (or the transport error that replaced it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Identifier within the run, e.g. `x0003`.
    pub id: String,
    /// HTTP method.
    pub method: String,
    /// Requested URL (redacted).
    pub url: String,
    /// Request headers sent (redacted).
    pub request_headers: Vec<Header>,
    /// Request body (redacted), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// Response status, absent when no response arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response headers (redacted).
    #[serde(default)]
    pub response_headers: Vec<Header>,
    /// Response body summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// When the request was sent.
    pub started_at: DateTime<Utc>,
    /// Time until the body was read or the error occurred.
    pub duration_ms: u64,
    /// Transport problem, when there was one (French).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whole body as text (redacted, bounded by the run's body limit), written
    /// to `evidence/` but kept out of `results.json` to keep it small.
    #[serde(skip)]
    pub full_text: Option<String>,
}

impl Exchange {
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
