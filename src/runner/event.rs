//! Progress of a run, for whoever displays it (the CLI's progress bar).

use std::sync::Arc;

use crate::check::Outcome;

/// Something that happened during a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEvent {
    /// The run starts with this many checks.
    Started {
        /// Number of checks planned.
        total: usize,
    },
    /// A check started.
    CheckStarted {
        /// Its id.
        id: String,
    },
    /// A check finished.
    CheckFinished {
        /// Its id.
        id: String,
        /// Its outcome.
        outcome: Outcome,
    },
    /// Cancellation was requested; unfinished checks are abandoned.
    Interrupted,
}

/// Receives events; called from the runner's tasks, so it must be cheap.
pub type EventSink = Arc<dyn Fn(&RunEvent) + Send + Sync>;
