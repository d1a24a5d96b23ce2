//! A value read from a suite file together with where it was written, so that
//! semantic diagnostics can point at `file:line:col` like syntax errors do.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

/// A deserialized value and its 1-based line and column in the source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    /// The value itself.
    pub value: T,
    /// 1-based line of the value's first character.
    pub line: u32,
    /// 1-based column of the value's first character.
    pub column: u32,
}

impl<T> Located<T> {
    /// Wraps a value with a position (tests and programmatic suites).
    pub fn new(value: T, line: u32, column: u32) -> Self {
        Self {
            value,
            line,
            column,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        Ok(Self {
            line: u32::try_from(spanned.referenced.line()).unwrap_or(u32::MAX),
            column: u32::try_from(spanned.referenced.column()).unwrap_or(u32::MAX),
            value: spanned.value,
        })
    }
}

// The position is an artefact of parsing: in the JSON Schema a located value
// is exactly the value.
impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
