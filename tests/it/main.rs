//! The one integration-test binary: the fault matrix, suites, reports, the
//! command line, the scheduler, and hostile candidates.

mod cli;
mod fault_matrix;
mod realism;
mod reports;
mod scheduler;
mod suites;
mod support;
