//! The JSON Schema of suite files, generated from the same types serde reads,
//! so that editors' YAML tooling and the loader can never disagree.
//! `suites/schema.json` is a committed copy that a test keeps equal.

use super::file::SuiteFile;

/// The JSON Schema of a suite file, pretty-printed, ending with a newline.
pub fn suite_schema() -> String {
    let schema = schemars::schema_for!(SuiteFile);
    let mut text = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
