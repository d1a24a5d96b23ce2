//! The observation a `fetch` step produces: where the browser ended, through
//! which hops, with which cookies, and the decoded body.

use std::sync::Arc;

use reqwest::Url;

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
}

impl Page {
    /// Evidence ids of every exchange of this fetch.
    pub fn exchanges(&self) -> Vec<String> {
        self.hops.iter().map(|hop| hop.exchange.clone()).collect()
    }

    /// The body as text, if it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.body {
            PageBody::Text(text) => Some(text),
            PageBody::Binary { .. } => None,
        }
    }

    /// Whether the final response says it is HTML.
    pub fn is_html(&self) -> bool {
        matches!(
            self.media_type.as_deref(),
            Some("text/html" | "application/xhtml+xml")
        )
    }

    /// A description of the final media type for messages.
    pub fn media_type_label(&self) -> String {
        self.media_type
            .clone()
            .unwrap_or_else(|| "sans Content-Type".to_owned())
    }
}
