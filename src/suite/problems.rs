//! The problems found while validating one suite file, each placed at its
//! `file:line:col`: shared by the core's validation and the domains that
//! validate their own part of the format (e.g. the `statistics:` block).

use super::diagnostic::Diagnostic;
use super::located::Located;

/// Collects diagnostics for one file.
pub(crate) struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Diagnostic>,
}

impl<'a> Problems<'a> {
    /// A problem at `at`.
    pub(crate) fn error<T>(&mut self, at: &Located<T>, message: impl Into<String>) {
        self.problems.push(Diagnostic::at(
            self.file, self.text, at.line, at.column, message,
        ));
    }

    /// Error inside a string scalar, `offset` bytes after its first character.
    pub(crate) fn error_inside(
        &mut self,
        at: &Located<String>,
        offset: usize,
        message: impl Into<String>,
    ) {
        let quoted = self
            .text
            .lines()
            .nth(usize::try_from(at.line.saturating_sub(1)).unwrap_or(0))
            .and_then(|line| {
                line.chars()
                    .nth(usize::try_from(at.column.saturating_sub(1)).unwrap_or(0))
            })
            .is_some_and(|c| c == '"' || c == '\'');
        let shift = at.value.get(..offset).map_or(0, |s| s.chars().count()) + usize::from(quoted);
        let column = at
            .column
            .saturating_add(u32::try_from(shift).unwrap_or(u32::MAX));
        self.problems.push(Diagnostic::at(
            self.file, self.text, at.line, column, message,
        ));
    }

    /// An empty collection for `file`, whose text is `text`.
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            problems: Vec::new(),
        }
    }

    /// How many problems were found so far (a part is valid when a
    /// validation added none).
    pub(crate) fn count(&self) -> usize {
        self.problems.len()
    }

    /// Whether no problem was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems found, in the order found.
    pub(crate) fn into_problems(self) -> Vec<Diagnostic> {
        self.problems
    }

    /// The rule of `all` named `name`, or an error listing the known ones.
    pub(crate) fn rule_named<R: Copy>(
        &mut self,
        all: &[R],
        as_str: fn(R) -> &'static str,
        name: &Located<String>,
    ) -> Option<R> {
        let found = all.iter().copied().find(|r| as_str(*r) == name.value);
        if found.is_none() {
            let names: Vec<&str> = all.iter().map(|r| as_str(*r)).collect();
            self.error(
                name,
                format!(
                    "règle « {} » inconnue (connues : {})",
                    name.value,
                    names.join(", ")
                ),
            );
        }
        found
    }
}
