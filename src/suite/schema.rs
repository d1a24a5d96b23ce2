//! JSON Schemas generated from the same types serde reads, so that editors'
//! tooling, the documentation and the loader can never disagree: suite
//! files (`suites/schema.json`, a committed copy that a test keeps equal)
//! and the target description (`entconf schema --target`, from which
//! `docs/reference/target.md` and `entconf init` are drawn).

use serde_json::Value;

use super::file::SuiteFile;
use super::target::TargetFile;

/// The JSON Schema of a suite file, pretty-printed, ending with a newline.
pub fn suite_schema() -> String {
    pretty(&schemars::schema_for!(SuiteFile))
}

/// The JSON Schema of the target description (`entconf.toml`), as a value.
///
/// TOML has no null: an optional key is one left out. The `null` that
/// schemars adds to every `Option` is therefore removed, so that editors
/// neither offer nor accept it.
pub fn target_schema_value() -> Value {
    let mut schema = schemars::schema_for!(TargetFile).to_value();
    strip_null(&mut schema);
    schema
}

/// The JSON Schema of the target description, pretty-printed, ending with a
/// newline.
pub fn target_schema() -> String {
    // Through `Schema`, whose serialisation puts `$schema`, `title` and
    // `description` first, as in `suites/schema.json`.
    match schemars::Schema::try_from(target_schema_value()) {
        Ok(schema) => pretty(&schema),
        Err(error) => pretty(&Value::String(error.to_string())),
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

/// Removes `null` from `type` lists and `anyOf` alternatives, and `null`
/// defaults, everywhere in a schema.
fn strip_null(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    object.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(choices)) = object.get_mut("anyOf") {
                choices.retain(|choice| choice.get("type").is_none_or(|t| t != "null"));
                if let [only] = choices.as_slice()
                    && let Value::Object(only) = only.clone()
                {
                    object.remove("anyOf");
                    for (key, value) in only {
                        object.entry(key).or_insert(value);
                    }
                }
            }
            if object.get("default").is_some_and(Value::is_null) {
                object.remove("default");
            }
            object.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_schema_has_no_null_and_describes_every_field() {
        let schema = target_schema_value();
        let text = schema.to_string();
        assert!(!text.contains("null"), "{text}");
        let mut tables = vec![&schema];
        tables.extend(
            schema["$defs"]
                .as_object()
                .expect("$defs")
                .values()
                .collect::<Vec<_>>(),
        );
        for table in tables {
            assert!(table.get("description").is_some(), "{table}");
            for (name, field) in table["properties"].as_object().expect("properties") {
                assert!(field.get("description").is_some(), "{name} has no doc");
            }
        }
    }
}
