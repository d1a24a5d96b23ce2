//! The PRIV domain: personal data the candidate lets out of its hands, as
//! far as a black box sees it. What belongs here: the judges of the PRIV
//! suite's assertions, pure functions over what the core's steps recorded.
//!
//! - `personal_data` (PRIV-02) reads the requests a logged-in person's
//!   account page made to other origins (the browser's request log of a
//!   `login` step with `render`), or, read as served, the third-party
//!   resources its markup loads, for that person's name, identifiers or
//!   e-mail in the address or in the `Referer`.
//!
//! The notice and the cookies before consent are FOOTER's (FOOTER-02…17);
//! the sessions are SSO's.

mod requests;

pub use requests::PersonalDataRule;
pub(crate) use requests::judge_personal_data;
