//! How the harness talks to the candidate. Probes record what it answered
//! (every exchange goes to the evidence store, redacted) and return
//! observations; they never decide whether the candidate conforms.

mod cache;
mod document;
mod error;
pub(crate) mod http;
pub(crate) mod jar;
pub(crate) mod login;
pub(crate) mod page;

pub use cache::PageCache;
pub use document::{
    AutoForm, Document, Link, ParseRefused, PasswordForm, Reading, Resource, Scope, Section,
};
pub use error::{FetchError, ProbeError};
pub use http::HttpProbe;
pub(crate) use http::{ReceivedRequest, Request, Saved, client_builder, trusting};
pub use jar::{HeldCookie, Jar, fingerprint};
pub use login::{Downloaded, IdpLogoutTrace, LoginPlan, LoginTrace, LogoutTrace, log_in};
pub use page::{DocumentGuard, Hop, Page, PageBody, Parsed as ParsedHtml, SetCookie};
