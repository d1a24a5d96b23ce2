//! Reports rendered from a finished [`RunRecord`]: `results.json` (the
//! canonical record), JUnit XML, a self-contained French HTML page, the
//! console summary, and the evidence files. Reporters only read the record.

mod causes;
pub mod compare;
pub mod console;
pub mod diff;
mod finding;
pub mod html;
pub mod junit;
pub mod merge;
mod output;
mod record;

pub use causes::{Cause, causes};
pub use finding::{explanation, headline, references};
pub use output::{Format, ReportError, from_json, to_json, write};
pub use record::{
    AppliedWaiver, CheckRecord, Conclusion, FORMAT, FORMAT_VERSION, Harness, RunOptionsInfo,
    RunRecord, SuiteInfo, Summary, TargetInfo,
};
