//! The FOOTER domain: what the footer of every page and the notices it
//! links to must say (the information notice of RGPD art. 13, the legal
//! notice of LCEN art. 6, the accessibility statement of RGAA), and what a
//! page may set or load before anyone consents (ePrivacy art. 5(3)).
//!
//! Its scenario is the core's: `fetch` steps through the run's page cache.
//! Its judges are pure functions over the pages fetched: `mention`
//! (phrases, patterns, exactly one of, readability), `accessibility` (the
//! declared rate against the stated compliance), `privacy` (cookies,
//! third-party hosts). The page assertions any suite uses (status, element,
//! lang, links) are the core's (`check::page`, `check::link`).

pub(crate) mod accessibility;
pub mod mention;
pub(crate) mod privacy;
