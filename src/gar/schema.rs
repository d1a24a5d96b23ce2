//! XSD validation of GAR-ENT files by libxml2, the library the GAR and
//! `xmllint` use: the answer is the one the GAR would give, identity
//! constraints (`xs:key`) included.
//!
//! libxml2 is thread-safe as long as each thread has its own parser and
//! validation contexts, hence one [`Validator`] per thread. Documents reach
//! it only after [`super::export::refuse_doctype`], and the parser runs
//! with network access forbidden.

use libxml::parser::{Parser, ParserOptions};
use libxml::schemas::{SchemaParserContext, SchemaValidationContext};

/// The GAR-ENT 1D schema, version 1.4.
pub const XSD_1D: &str = include_str!("../../fixtures/data/gar/GAR-ENT-1D.xsd");

/// One problem libxml2 reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XsdFinding {
    /// File name.
    pub file: String,
    /// Line, when libxml2 gives one.
    pub line: Option<u32>,
    /// libxml2's message.
    pub message: String,
}

impl std::fmt::Display for XsdFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line} : {}", self.file, self.message),
            None => write!(f, "{} : {}", self.file, self.message),
        }
    }
}

/// Brings libxml2's globals up once, on one thread, before any validator is
/// made. They are initialised lazily and without a lock (the dictionary's
/// mutex, the schema types): two threads compiling their first schema at
/// the same time deadlocked in `__xmlRandom` (seen in the benchmark). A
/// parse and a schema compilation touch everything the validators use;
/// other threads wait for them here.
fn initialise(xsd: &str) {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        let _ = Parser::default().parse_string("<entconf/>");
        let mut schema_parser = SchemaParserContext::from_buffer(xsd);
        let _ = SchemaValidationContext::from_parser(&mut schema_parser);
    });
}

/// One thread's libxml2 contexts: the compiled schema and a parser.
pub struct Validator {
    context: SchemaValidationContext,
    parser: Parser,
}

impl Validator {
    /// Compiles `xsd`; `Err` with libxml2's messages when it cannot.
    pub fn new(xsd: &str) -> Result<Self, String> {
        initialise(xsd);
        let mut schema_parser = SchemaParserContext::from_buffer(xsd);
        let context =
            SchemaValidationContext::from_parser(&mut schema_parser).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        e.message
                            .as_deref()
                            .unwrap_or("erreur sans message")
                            .trim()
                            .to_owned()
                    })
                    .collect::<Vec<_>>()
                    .join(" ; ")
            })?;
        Ok(Self {
            context,
            parser: Parser::default(),
        })
    }

    /// libxml2's findings on one document (empty when valid).
    pub fn validate(&mut self, name: &str, text: &str) -> Vec<XsdFinding> {
        // Blank text between elements means nothing to the schema (element
        // content only) but costs a node each; compact nodes hold short
        // texts without an allocation. Both halve libxml2's allocations.
        let options = ParserOptions {
            no_net: true,
            no_blanks: true,
            compact: true,
            ..ParserOptions::default()
        };
        let document = match self.parser.parse_string_with_options(text, options) {
            Ok(document) => document,
            Err(error) => {
                return vec![XsdFinding {
                    file: name.to_owned(),
                    line: None,
                    message: format!("XML illisible : {error:?}"),
                }];
            }
        };
        match self.context.validate_document(&document) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| XsdFinding {
                    file: name.to_owned(),
                    line: e.line.and_then(|l| u32::try_from(l).ok()),
                    message: e
                        .message
                        .as_deref()
                        .unwrap_or("erreur sans message")
                        .trim()
                        .to_owned(),
                })
                .collect(),
        }
    }
}

/// Validates each (name, text) against `xsd` on this thread; `Err` when
/// the schema itself cannot be compiled.
pub fn validate(xsd: &str, files: &[(&str, &str)]) -> Result<Vec<XsdFinding>, String> {
    let mut validator = Validator::new(xsd)?;
    Ok(files
        .iter()
        .flat_map(|(name, text)| validator.validate(name, text))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: &str) -> (String, String) {
        let name = format!("B0_GAR-ENT_Complet_20250901_210000_1D_{kind}_0000.xml");
        let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
        (name, std::fs::read_to_string(path).expect("sample"))
    }

    #[test]
    fn the_constructed_sample_validates_and_a_broken_copy_does_not() {
        let files: Vec<(String, String)> = ["Etab", "Eleve", "Enseignant", "Groupe", "RespAff"]
            .iter()
            .map(|k| sample(k))
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        assert_eq!(validate(XSD_1D, &refs), Ok(Vec::new()));

        let (name, groupe) = sample("Groupe");
        // The same membership twice breaks the key GAR-ENT-Cle-Fonctionnelle-GARPersonGroupe.
        let start = groupe.find("<men:GARPersonGroupe>").expect("membership");
        let end = groupe[start..].find("</men:GARPersonGroupe>").expect("end") + start + 22;
        let twice = format!(
            "{}{}{}",
            &groupe[..end],
            &groupe[start..end],
            &groupe[end..]
        );
        let findings = validate(XSD_1D, &[(&name, &twice)]).expect("schema compiles");
        assert!(!findings.is_empty());
        assert!(findings[0].line.is_some(), "{findings:?}");

        let (name, eleve) = sample("Eleve");
        let nameless = eleve.replace("<men:GARPersonNom>MARTIN</men:GARPersonNom>", "");
        let findings = validate(XSD_1D, &[(&name, &nameless)]).expect("schema compiles");
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("GARPersonPrenom")),
            "{findings:?}"
        );
    }
}
