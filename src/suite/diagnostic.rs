//! Problems found in suite files and target descriptions, with their place,
//! rendered like compiler errors:
//!
//! ```text
//! erreur : étape inconnue « notcie » (étapes de FOOTER-03 : login, notice)
//!  --> suites/footer.yaml:42:19
//!    |
//! 42 |         - phrases: { step: notcie, any: dpo }
//!    |                            ^
//! ```

use std::fmt;

/// One problem at one place.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// File as displayed to the user.
    pub file: String,
    /// 1-based line (0 when the problem concerns the whole file).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// French explanation: what is wrong and what was expected.
    pub message: String,
    /// The source line, for the snippet.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `line:column` of `source`, copying the line for the snippet.
    pub fn at(
        file: &str,
        source: &str,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        let source_line = usize::try_from(line)
            .ok()
            .and_then(|line| line.checked_sub(1))
            .and_then(|index| source.lines().nth(index))
            .map(str::to_owned);
        Self {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
            source_line,
        }
    }

    /// A diagnostic at a byte offset of `source`.
    pub fn at_offset(file: &str, source: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(source, offset);
        Self::at(file, source, line, column, message)
    }

    /// A diagnostic about a whole file (unreadable, empty, …).
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
            source_line: None,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "erreur : {}", self.message)?;
        if self.line == 0 {
            return write!(f, " --> {}", self.file);
        }
        write!(f, " --> {}:{}:{}", self.file, self.line, self.column)?;
        if let Some(source_line) = &self.source_line {
            let number = self.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_pad: String = source_line
                .chars()
                .take(usize::try_from(self.column.saturating_sub(1)).unwrap_or(0))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{gutter} |\n{number} | {source_line}\n{gutter} | {caret_pad}^"
            )?;
        }
        Ok(())
    }
}

/// Every problem found while loading, reported at once.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}\n")?;
        }
        let count = self.0.len();
        write!(
            f,
            "{count} problème{} trouvé{}",
            plural(count),
            plural(count)
        )
    }
}

fn plural(count: usize) -> &'static str {
    if count > 1 { "s" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_caret_under_the_column() {
        let source = "a: 1\nbé: deux\n";
        let diagnostic = Diagnostic::at("f.yaml", source, 2, 5, "valeur inattendue");
        assert_eq!(
            diagnostic.to_string(),
            "erreur : valeur inattendue\n --> f.yaml:2:5\n  |\n2 | bé: deux\n  |     ^"
        );
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        assert_eq!(line_column("é\nàb", 5), (2, 2));
        assert_eq!(line_column("abc", 99), (1, 4));
    }
}
