//! How the harness talks to the candidate. Probes record what it answered
//! (every exchange goes to the evidence store, redacted) and return
//! observations; they never decide whether the candidate conforms.

mod cache;
mod document;
mod error;
mod http;
mod jar;
mod login;
mod page;
mod statistics;

pub use cache::PageCache;
pub use document::{AutoForm, Document, Link, ParseRefused, Resource};
pub use error::{FetchError, ProbeError};
pub use http::HttpProbe;
pub(crate) use http::{ReceivedRequest, Request, Saved};
pub use jar::{Jar, fingerprint};
pub use login::{Downloaded, LoginPlan, LoginTrace, LogoutTrace, log_in};
pub use page::{DocumentGuard, Hop, Page, PageBody, Parsed as ParsedHtml, SetCookie};
pub use statistics::{
    ActivityLog, ActivityVisit, Answer, Asked, MAX_ENTITIES, MAX_WALK_BYTES, Parsed, ReadPlan,
    StatsReading, parent_of, read_entity, read_statistics, subtree,
};
