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

/// Characters of a source line quoted under a diagnostic: a longer line (a
/// minified or hostile file) is quoted around the column, so that one
/// diagnostic stays a few lines whatever the file.
pub const EXCERPT_CHARS: usize = 200;

/// Characters of a message: messages quote values of the file (serde quotes
/// a mistyped string whole), which may be as large as the file.
pub const MESSAGE_CHARS: usize = 1000;

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
    /// The source line, or an excerpt of it, for the snippet.
    pub source_line: Option<Snippet>,
}

/// The part of a source line shown under a diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Snippet {
    /// The line, or [`EXCERPT_CHARS`] characters of it around the column
    /// between « … » marks.
    pub text: String,
    /// 1-based column of the caret in `text`.
    pub caret: u32,
    /// Length in characters of the whole line, when `text` is an excerpt.
    pub line_chars: Option<usize>,
}

impl Snippet {
    /// The snippet of `line` for a caret at 1-based `column`.
    pub fn of(line: &str, column: u32) -> Self {
        let chars = line.chars().count();
        if chars <= EXCERPT_CHARS {
            return Self {
                text: line.to_owned(),
                caret: column,
                line_chars: None,
            };
        }
        let at = usize::try_from(column.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .min(chars);
        let start = at
            .saturating_sub(EXCERPT_CHARS / 2)
            .min(chars - EXCERPT_CHARS);
        let end = start + EXCERPT_CHARS;
        let mut text = String::new();
        if start > 0 {
            text.push('…');
        }
        text.extend(line.chars().skip(start).take(EXCERPT_CHARS));
        if end < chars {
            text.push('…');
        }
        let caret = at - start + usize::from(start > 0) + 1;
        Self {
            text,
            caret: u32::try_from(caret).unwrap_or(u32::MAX),
            line_chars: Some(chars),
        }
    }
}

/// `message`, cut at [`MESSAGE_CHARS`] characters with its length stated.
fn bounded(message: String) -> String {
    let chars = message.chars().count();
    if chars <= MESSAGE_CHARS {
        return message;
    }
    let kept: String = message.chars().take(MESSAGE_CHARS).collect();
    format!("{kept}… (message de {chars} caractères, coupé)")
}

impl Diagnostic {
    /// A diagnostic at `line:column` of `source`, copying the line (or an
    /// excerpt of it) for the snippet.
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
            .and_then(|index| source.lines().nth(index));
        Self::in_line(file, line, column, source_line, message)
    }

    /// A diagnostic at `line:column`, given the text of that line.
    pub fn in_line(
        file: &str,
        line: u32,
        column: u32,
        source_line: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            line,
            column,
            message: bounded(message.into()),
            source_line: source_line.map(|text| Snippet::of(text, column)),
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
            message: bounded(message.into()),
            source_line: None,
        }
    }
}

/// The text of a file that must be UTF-8, or a diagnostic at the line and
/// column of its first invalid byte.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let valid = error.utf8_error().valid_up_to();
        // The prefix up to the invalid byte is valid UTF-8 by definition.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let (line, column) = line_column(before, before.len());
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = bytes[valid..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| valid + i);
        let text = String::from_utf8_lossy(&bytes[line_start..line_end]);
        Diagnostic::in_line(
            file,
            line,
            column,
            Some(text.trim_end_matches('\r')),
            format!(
                "octet 0x{:02X} invalide : le fichier doit être en UTF-8",
                bytes.get(valid).copied().unwrap_or_default()
            ),
        )
    })
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
        if let Some(snippet) = &self.source_line {
            let number = self.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_pad: String = snippet
                .text
                .chars()
                .take(usize::try_from(snippet.caret.saturating_sub(1)).unwrap_or(0))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{gutter} |\n{number} | {}\n{gutter} | {caret_pad}^",
                snippet.text
            )?;
            if let Some(chars) = snippet.line_chars {
                write!(
                    f,
                    "\n{gutter} = extrait : la ligne compte {chars} caractères"
                )?;
            }
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
    fn a_long_line_is_quoted_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5_000), "b".repeat(5_000));
        let diagnostic = Diagnostic::at("f.yaml", &line, 1, 5_001, "ici");
        let shown = diagnostic.to_string();
        assert!(shown.len() < 1_000, "{shown}");
        assert!(
            shown.contains("la ligne compte 10001 caractères"),
            "{shown}"
        );
        // The caret is still under the column.
        let lines: Vec<&str> = shown.lines().collect();
        let (quoted, caret) = (lines[3], lines[4]);
        let at = caret.chars().count() - 1;
        assert_eq!(quoted.chars().nth(at), Some('X'), "{shown}");
        // A line start is quoted without the mark on its side.
        let start = Diagnostic::at("f.yaml", &line, 1, 1, "début").to_string();
        assert!(start.contains("1 | aaa") && start.contains("a…"), "{start}");
    }

    #[test]
    fn invalid_utf8_is_placed_at_its_byte() {
        let diagnostic =
            utf8_text("f.yaml", b"a: 1\nb\xc3\xa9: d\xffeux\n".to_vec()).expect_err("invalid");
        assert_eq!((diagnostic.line, diagnostic.column), (2, 6));
        assert!(diagnostic.message.contains("0xFF"), "{diagnostic}");
        assert!(
            diagnostic.to_string().contains("bé: d\u{fffd}eux"),
            "{diagnostic}"
        );
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        assert_eq!(line_column("é\nàb", 5), (2, 2));
        assert_eq!(line_column("abc", 99), (1, 4));
    }
}
