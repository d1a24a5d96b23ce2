//! Interpolation inside string values of suite files, after YAML parsing.
//!
//! Three namespaces exist: `${target.<capability>}`, `${capture.<name>}` and
//! `${secret:<NAME>}`. Anything else after `${` is a load error, never a
//! literal, so a typo cannot silently become part of a URL. A `$` not
//! followed by `{` is literal text.

use std::fmt;

use super::target::Capability;

/// A parsed string with interpolations.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// The text as written.
    pub source: String,
    /// Literal and variable parts in order.
    pub segments: Vec<Segment>,
}

/// A part of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    /// Literal text.
    Text(String),
    /// A capability of the target (a URL).
    Target(Capability),
    /// A value captured by an earlier step of the same check.
    Capture(String),
    /// A secret from the target description (environment or file).
    Secret(String),
}

/// Why a template does not parse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// Byte offset in the template text where the problem starts.
    pub offset: usize,
    /// French explanation.
    pub message: String,
}

impl Template {
    /// Parses `source`; see the module documentation for the syntax.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        let mut offset = 0;
        while let Some(pos) = rest.find("${") {
            literal.push_str(&rest[..pos]);
            let start = offset + pos;
            let after = &rest[pos + 2..];
            let Some(close) = after.find('}') else {
                return Err(TemplateError {
                    offset: start,
                    message: "« ${ » sans « } » fermante".to_owned(),
                });
            };
            let variable = parse_variable(&after[..close]).map_err(|message| TemplateError {
                offset: start,
                message,
            })?;
            if !literal.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut literal)));
            }
            segments.push(variable);
            let consumed = pos + 2 + close + 1;
            rest = &rest[consumed..];
            offset += consumed;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        Ok(Self {
            source: source.to_owned(),
            segments,
        })
    }

    /// Capabilities this template needs.
    pub fn capabilities(&self) -> impl Iterator<Item = Capability> + '_ {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Target(capability) => Some(*capability),
            _ => None,
        })
    }

    /// Captures this template reads.
    pub fn captures(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Capture(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Secrets this template reads.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Secret(name) => Some(name.as_str()),
            _ => None,
        })
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn parse_variable(inner: &str) -> Result<Segment, String> {
    if let Some(name) = inner.strip_prefix("target.") {
        return Capability::parse(name).map(Segment::Target).ok_or_else(|| {
            format!(
                "capacité de cible inconnue « {name} » (connues : {})",
                Capability::names().join(", ")
            )
        });
    }
    if let Some(name) = inner.strip_prefix("capture.") {
        return if is_identifier(name) {
            Ok(Segment::Capture(name.to_owned()))
        } else {
            Err(format!(
                "nom de capture invalide « {name} » (lettres minuscules, chiffres, _)"
            ))
        };
    }
    if let Some(name) = inner.strip_prefix("secret:") {
        return if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            Ok(Segment::Secret(name.to_owned()))
        } else {
            Err(format!(
                "nom de secret invalide « {name} » (majuscules, chiffres, _)"
            ))
        };
    }
    Err(format!(
        "variable inconnue « ${{{inner}}} » : attendu ${{target.…}}, ${{capture.…}} ou ${{secret:…}}"
    ))
}

/// Lower-case ASCII identifier: letters, digits, `_`, starting with a letter.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_namespaces() {
        let template = Template::parse("${target.login_page}?u=${capture.user}&p=${secret:PW}$x")
            .expect("valid template");
        assert_eq!(
            template.segments,
            vec![
                Segment::Target(Capability::LoginPage),
                Segment::Text("?u=".to_owned()),
                Segment::Capture("user".to_owned()),
                Segment::Text("&p=".to_owned()),
                Segment::Secret("PW".to_owned()),
                Segment::Text("$x".to_owned()),
            ]
        );
    }

    #[test]
    fn rejects_unknown_variables_with_their_offset() {
        let error = Template::parse("/a/${target.nope}").expect_err("unknown capability");
        assert_eq!(error.offset, 3);
        assert!(error.message.contains("nope"), "{}", error.message);
        assert!(Template::parse("${env.HOME}").is_err());
        assert!(Template::parse("${capture.Bad}").is_err());
        assert!(Template::parse("${secret:low}").is_err());
        let unclosed = Template::parse("x${target.login_page").expect_err("unclosed");
        assert_eq!(unclosed.offset, 1);
    }
}
