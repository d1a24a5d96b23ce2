//! Exit codes (README.md, « Outcomes and exit codes »).

use std::process::ExitCode;

use entconf::report::{Conclusion, RunRecord};

/// Why the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// No fail, no error (also: help, list, validate success).
    Conformant = 0,
    /// At least one fail.
    NotConformant = 1,
    /// Errors and no fail, or the harness itself failed.
    Incomplete = 2,
    /// Suite or target description invalid.
    LoadError = 3,
    /// Bad command line.
    Usage = 4,
    /// Strictness: an expired waiver, or a waived failure that did not happen.
    Strict = 5,
    /// `diff` found differences.
    Different = 16,
}

impl Exit {
    /// A run's exit code: a non-waived fail first (1), then stale waivers
    /// (5), then errors (2).
    pub(crate) fn of_record(record: &RunRecord) -> Self {
        match record.summary.conclusion {
            Conclusion::NotConformant => Self::NotConformant,
            _ if !record.strictness.is_empty() => Self::Strict,
            conclusion => Self::from_conclusion(conclusion),
        }
    }

    pub(crate) fn from_conclusion(conclusion: Conclusion) -> Self {
        match conclusion {
            Conclusion::Conformant => Self::Conformant,
            Conclusion::NotConformant => Self::NotConformant,
            Conclusion::Incomplete => Self::Incomplete,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}
