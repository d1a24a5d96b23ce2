//! `entconf`: a conformance harness for French primary-school ENTs.
//!
//! The library holds everything but the command line (`src/cli`, part of the
//! binary). Data flows one way:
//!
//! ```text
//! suites/*.yaml --suite::load--> Catalog --runner::Plan--> runner (async)
//!     step: probe (HTTP, records Evidence, never judges) --> Observation
//!     checks (pure functions over observations) --> AssertionResult
//!     fold --> CheckRecord --> RunRecord (results.json, canonical)
//!     report::{junit, html, console} read only the finished RunRecord
//! ```
//!
//! A core that knows no domain (`suite`, `runner`, `probe`, `check`,
//! `evidence`, `report`) and one folder per domain (`footer`, `sso`, `gar`,
//! `reversibility`, `stats`), each with its scenario, its observations and
//! its judges (docs/design.md, « One folder per domain »).
//!
//! Architecture invariants:
//! - `suite` is plain data plus loading; it never touches the network.
//! - `probe` records what the candidate answered; it never decides pass/fail.
//! - `check` functions are pure: no IO, no clock, no async.
//! - `evidence` redacts secrets when an exchange is captured, never later, so
//!   no reporter can leak them.
//! - `report` renders a finished [`report::RunRecord`]; it never calls probes.
//! - Only the binary prints and chooses exit codes.

pub mod aaf;
pub mod browser;
pub mod bundle;
pub mod check;
pub mod demo;
pub mod evidence;
pub mod footer;
pub mod gar;
pub mod idp;
pub mod privacy;
pub mod probe;
pub mod report;
pub mod reversibility;
pub mod runner;
pub mod sec;
pub mod sso;
pub mod stats;
pub mod suite;
pub mod text;
pub mod waiver;
pub mod xmlsec;
