//! What the harness saw, stored once and referenced by id: HTTP exchanges,
//! redacted at capture, and the clock that timestamps them.

mod clock;
mod exchange;
mod redact;
mod store;

pub use clock::{Clock, FixedClock, SystemClock, millis};
pub use exchange::{
    Address, Body, EXCERPT_CHARS, Exchange, Header, REQUEST_BODY_KEPT, Raw, RawBody,
};
pub use redact::{MASK, Redactor, is_sensitive_name};
pub use store::{EXCERPT_BUDGET, EvidenceStore, FULL_TEXT_BUDGET};
