//! What the STATS scenario observes: the activity played and the
//! statistics read back.

use crate::check::observation::DomainObservation;
use crate::stats::{ActivityLog, StatsReading};

/// What a `statistics` step observed: the activity the harness played and
/// everything it read back.
#[derive(Clone, Debug)]
pub struct StatsObservation {
    /// The scripted activity.
    pub activity: ActivityLog,
    /// The statistics read.
    pub reading: StatsReading,
    /// UAIs of the dedicated schools.
    pub schools: Vec<String>,
    /// Values that would identify a person of the directory (names both
    /// ways round, e-mails, AAF join keys). In memory only.
    pub identifiers: Vec<String>,
}

impl DomainObservation for StatsObservation {
    fn exchanges(&self) -> Vec<String> {
        self.reading.exchanges()
    }
}
