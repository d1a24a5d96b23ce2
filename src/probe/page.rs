//! The observation a `fetch` step produces: where the browser ended, through
//! which hops, with which cookies, and the decoded body.

use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::Url;

use super::document::{Document, ParseRefused};

/// One response of a fetch, redirects included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// URL requested.
    pub url: Url,
    /// Method used (`GET`, `POST`).
    pub method: String,
    /// Status answered.
    pub status: u16,
    /// Evidence id of this exchange.
    pub exchange: String,
}

/// A cookie the candidate set during the fetch. The value itself stays in
/// the browser's jar: observations keep only a fingerprint, enough to tell
/// whether a session id changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie {
    /// Host that set it.
    pub host: String,
    /// Cookie name.
    pub name: String,
    /// First 16 hex digits of the value's SHA-256.
    pub fingerprint: String,
    /// Attributes as sent (`Path=/`, `HttpOnly`, `Max-Age=…`).
    pub attributes: Vec<String>,
    /// Evidence id of the exchange that set it.
    pub exchange: String,
}

/// The final body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageBody {
    /// Decoded text.
    Text(Arc<str>),
    /// Not text (image, PDF, archive…): only its size.
    Binary {
        /// Size in bytes.
        size: u64,
    },
}

/// The response headers a page keeps for the checks: what a server says
/// about itself (SEC-08) and the security headers SEC-04 reads. Never
/// `Set-Cookie` or anything else that can carry a secret.
pub(crate) const JUDGED_HEADERS: [&str; 8] = [
    "server",
    "x-powered-by",
    "content-security-policy",
    "content-security-policy-report-only",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "strict-transport-security",
];

/// What an anonymous browser saw when opening a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// URL asked for.
    pub requested: Url,
    /// URL of the final response, after redirects.
    pub final_url: Url,
    /// Final status.
    pub status: u16,
    /// Every response in order; the last is the final one.
    pub hops: Vec<Hop>,
    /// Media type of the final response (`text/html`), lower case, no parameters.
    pub media_type: Option<String>,
    /// Final body.
    pub body: PageBody,
    /// Cookies set along the way.
    pub set_cookies: Vec<SetCookie>,
    /// The body's HTML, parsed on first use and shared by every reader.
    pub parsed: Parsed,
    /// The final answer's `Retry-After`, in seconds, when it gave one.
    pub retry_after: Option<u64>,
    /// Those of the final answer's headers that checks read
    /// ([`JUDGED_HEADERS`]), names in lower case, in order: none that can
    /// carry a credential, so nothing here needs redacting.
    pub headers: Vec<(String, String)>,
    /// The page as the browser rendered it, when the run has one: the body
    /// above is then the rendered DOM, and this says how it was reached
    /// (requests, cookies, console, settling).
    pub rendering: Option<Arc<crate::browser::Rendering>>,
}

impl Page {
    /// A page answered at `url` directly (no redirect, no cookie), not yet
    /// parsed: what a scenario builds from an answer it read itself, and
    /// what judges' tests build by hand.
    pub fn served(url: Url, status: u16, media_type: Option<String>, body: PageBody) -> Self {
        Self {
            requested: url.clone(),
            final_url: url,
            status,
            hops: Vec::new(),
            media_type,
            body,
            set_cookies: Vec::new(),
            parsed: Parsed::default(),
            retry_after: None,
            headers: Vec::new(),
            rendering: None,
        }
    }
}

/// A page's parsed HTML, made once: every check that reads the page reads
/// the same tree. A parsed tree can move between threads but not be read
/// from two at once, so it sits behind a lock that its readers hold while
/// they judge. Equality ignores it (it follows from the body); clones share
/// it.
#[derive(Clone, Default)]
pub struct Parsed(Arc<Mutex<Option<Result<Document, ParseRefused>>>>);

impl PartialEq for Parsed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Parsed {}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parsed")
    }
}

/// A page's document, locked: parsed, or why it was not.
pub struct DocumentGuard<'a>(MutexGuard<'a, Option<Result<Document, ParseRefused>>>);

impl DocumentGuard<'_> {
    /// The document, or why the page could not be parsed.
    pub fn get(&self) -> Result<&Document, &ParseRefused> {
        match self.0.as_ref() {
            Some(Ok(document)) => Ok(document),
            Some(Err(refused)) => Err(refused),
            // Filled by `Page::document` before the guard is handed out.
            None => Err(&ParseRefused::NotParsed),
        }
    }
}

impl Page {
    /// Evidence ids of every exchange of this fetch, and of its rendering
    /// by the browser.
    pub fn exchanges(&self) -> Vec<String> {
        self.hops
            .iter()
            .map(|hop| hop.exchange.clone())
            .chain(self.rendering.iter().map(|r| r.id.clone()))
            .collect()
    }

    /// This page as the browser rendered it: same answer, the rendered
    /// DOM as its body.
    pub fn rendered(&self, rendering: Arc<crate::browser::Rendering>, dom: String) -> Self {
        Self {
            body: PageBody::Text(dom.into()),
            parsed: Parsed::default(),
            rendering: Some(rendering),
            ..self.clone()
        }
    }

    /// The body as text, if it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.body {
            PageBody::Text(text) => Some(text),
            PageBody::Binary { .. } => None,
        }
    }

    /// The page's HTML document, parsed on first use and locked for the
    /// caller: `None` when the answer is not HTML text. Parsing is CPU work
    /// (bounded): callers on the async runtime call it from a blocking
    /// thread. Whoever holds two guards takes them in `Arc::as_ptr` order
    /// of their pages, so that two readers never wait on each other.
    pub fn document(&self) -> Option<DocumentGuard<'_>> {
        let text = self.text().filter(|_| self.is_html())?;
        let mut slot = self
            .parsed
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(Document::parse(text, &self.final_url));
        }
        Some(DocumentGuard(slot))
    }

    /// Whether the final response says it is HTML.
    pub fn is_html(&self) -> bool {
        matches!(
            self.media_type.as_deref(),
            Some("text/html" | "application/xhtml+xml")
        )
    }

    /// Whether the run's browser opens this page again: an HTML page
    /// answered 2xx (an error page or a file is read as served).
    pub fn is_rendered_by_browser(&self) -> bool {
        self.is_html() && (200..300).contains(&self.status)
    }

    /// A description of the final media type for messages.
    pub fn media_type_label(&self) -> String {
        self.media_type
            .clone()
            .unwrap_or_else(|| "sans Content-Type".to_owned())
    }
}
