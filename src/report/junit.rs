//! JUnit XML for CI servers: one `<testsuite>` per suite, one `<testcase>`
//! per check named `<ID> <title>`. `fail` is a failure and `error` an error;
//! `skip` and `n/a` are skipped with their reason; `warn` and `review` pass
//! (they do not break a build) but say so in a property and in system-out.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::finding::{explanation, headline, references};
use super::record::{CheckRecord, RunRecord};
use crate::check::Outcome;

/// Renders the JUnit document.
pub fn render(record: &RunRecord) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new(format!("entconf {}", record.target.id));
    report.set_timestamp(record.started_at);
    report.set_time(Duration::from_millis(record.duration_ms));
    for suite in &record.suites {
        let mut testsuite = TestSuite::new(format!("{} {}", suite.id, suite.title));
        testsuite.set_timestamp(record.started_at);
        testsuite.add_property(Property::new("entconf.target", record.target.id.as_str()));
        testsuite.add_property(Property::new("entconf.run_id", record.run_id.as_str()));
        testsuite.add_property(Property::new("entconf.suite_sha256", suite.sha256.as_str()));
        let checks = record.checks.iter().filter(|c| c.suite == suite.id);
        testsuite.add_test_cases(checks.map(test_case));
        report.add_test_suite(testsuite);
    }
    report.to_string().map(|xml| xml_chars_only(&xml))
}

/// Whether XML 1.0 allows `c` at all (production `Char`).
fn xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// The document with every character XML 1.0 forbids shown as `\u{…}`.
/// quick-junit escapes markup and drops C0 controls but lets noncharacters
/// (U+FFFE, U+FFFF) through, and one of them in a candidate's link name makes
/// the whole file unreadable to CI servers. The markup itself is ASCII, so
/// only text and attribute values change.
fn xml_chars_only(xml: &str) -> String {
    if xml.chars().all(xml_char) {
        return xml.to_owned();
    }
    let mut out = String::with_capacity(xml.len());
    for c in xml.chars() {
        if xml_char(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

fn test_case(check: &CheckRecord) -> TestCase {
    let status = match check.outcome {
        Outcome::Pass | Outcome::Review | Outcome::Warn | Outcome::Waived => {
            TestCaseStatus::success()
        }
        Outcome::Skip | Outcome::NotApplicable => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "{} : {}",
                check.outcome.label_fr(),
                headline(check)
            ));
            status
        }
        Outcome::Fail | Outcome::Error => {
            let kind = if check.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(format!("[{}] {}", check.severity.as_str(), headline(check)));
            status.set_type(check.outcome.as_str());
            status.set_description(explanation(check));
            status
        }
    };
    let mut case = TestCase::new(format!("{} {}", check.id, check.title), status);
    case.set_classname(check.suite.as_str());
    case.set_time(Duration::from_millis(check.duration_ms));
    case.set_assertions(check.assertions.len());
    case.add_property(Property::new("entconf.outcome", check.outcome.as_str()));
    case.add_property(Property::new("entconf.severity", check.severity.as_str()));
    case.add_property(Property::new("entconf.refs", references(check)));
    if let Some(waiver) = &check.waiver {
        case.add_property(Property::new(
            "entconf.waived-from",
            waiver.original.as_str(),
        ));
        case.set_system_out(format!(
            "dérogation ({}, jusqu'au {}) : {}\n{}",
            waiver.source,
            waiver.expires,
            waiver.justification,
            explanation(check)
        ));
    } else if matches!(check.outcome, Outcome::Warn | Outcome::Review) {
        case.set_system_out(explanation(check));
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_outside_xml_are_shown_escaped() {
        assert_eq!(
            xml_chars_only("<a b=\"x\u{fffe}\">\u{ffff}\u{1}é\t</a>"),
            "<a b=\"x\\u{fffe}\">\\u{ffff}\\u{1}é\t</a>"
        );
    }
}
