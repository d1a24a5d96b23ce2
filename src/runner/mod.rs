//! Runs a plan of checks against a target: selection, scheduling (a
//! concurrency limit, `serial` checks alone, a time limit per check,
//! cancellation), the steps of each check and the assembly of the
//! [`RunRecord`](crate::report::RunRecord).
//!
//! The runner reports progress as [`RunEvent`]s and never prints.

pub(crate) mod context;
mod event;
mod execution;
pub(crate) mod once;
mod scheduler;
mod selection;
mod services;

pub use event::{EventSink, RunEvent};
pub use scheduler::{Cancellation, RunSettings, run};
pub use selection::{Plan, Selection, SelectionError, Shard};
pub use services::{DropSetup, RunServices, ServiceNotice};
