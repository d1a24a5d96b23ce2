//! Time as the harness reads it: wall-clock instants for records and a
//! monotonic reading for durations. Injected so that snapshot tests get the
//! same report on every run.
//!
//! The only place that reads the system's date: everything else takes it
//! from a [`Clock`] it was given — the run's (`RunSettings::clock`: the
//! record and the times scenarios observe), or the services' own (the IdPs
//! and the GAR web service, which the candidate checks against real time),
//! and judges receive the time in their observation. A test of tests/it
//! fails on any other read (docs/design.md, « HTTP and evidence »).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A duration in whole milliseconds, as records keep them (saturating).
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Source of time for a run.
pub trait Clock: Send + Sync {
    /// Current wall-clock time.
    fn now(&self) -> DateTime<Utc>;
    /// Monotonic time since an arbitrary origin, for durations.
    fn monotonic(&self) -> Duration;
}

/// The system clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock stopped at one instant: every duration is zero. For tests and
/// reproducible reports.
#[derive(Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }

    fn monotonic(&self) -> Duration {
        Duration::ZERO
    }
}
