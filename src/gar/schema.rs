//! XSD validation of GAR-ENT files by libxml2, the library the GAR and
//! `xmllint` use: the answer is the one the GAR would give, identity
//! constraints (`xs:key`) included.
//!
//! libxml2 is thread-safe as long as each thread has its own validation
//! context, hence one [`Validator`] per thread. It validates in one pass as
//! the parser goes ([`super::stream`]), and the same pass reads the records
//! ([`super::export::read_member`]). Documents reach libxml2 only after
//! [`super::export::screen`]: UTF-8, no DTD, bounded tags and texts.

use libxml::parser::Parser;
use libxml::schemas::{SchemaParserContext, SchemaValidationContext};

use super::stream::{Events, Pass, Problem, pass};

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
/// parse, a schema compilation and one validating pass touch everything the
/// validators use; other threads wait for them here.
fn initialise(xsd: &str) {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        let _ = Parser::default().parse_string("<entconf/>");
        let mut schema_parser = SchemaParserContext::from_buffer(xsd);
        if let Ok(mut context) = SchemaValidationContext::from_parser(&mut schema_parser) {
            let _ = pass(&mut context, b"<entconf/>", &mut Ignored);
        }
    });
}

/// One thread's libxml2 context: the compiled schema.
pub struct Validator {
    context: SchemaValidationContext,
}

/// Events nobody reads: validation alone.
struct Ignored;

impl Events for Ignored {
    fn start(&mut self, _: &[u8], _: Option<&[u8]>, _: u32) {}
    fn end(&mut self) {}
    fn text(&mut self, _: &[u8]) {}
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
        Ok(Self { context })
    }

    /// One pass over `data`: validated, and its events told to `events`.
    pub(crate) fn pass(&mut self, data: &[u8], events: &mut dyn Events) -> Pass {
        pass(&mut self.context, data, events)
    }

    /// libxml2's findings on one document (empty when valid); a document
    /// that is not well-formed gives one finding, where the parser stopped.
    pub fn validate(&mut self, name: &str, text: &str) -> Vec<XsdFinding> {
        // The same refusals as for a member: no DTD, UTF-8 only, bounded.
        if let Err(why) = super::export::screen(name, text.as_bytes()) {
            let prefix = format!("{name} : ");
            return vec![XsdFinding {
                file: name.to_owned(),
                line: None,
                message: why.strip_prefix(&prefix).unwrap_or(&why).to_owned(),
            }];
        }
        let found = self.pass(text.as_bytes(), &mut Ignored);
        if let Some(problem) = found.malformed {
            return vec![XsdFinding {
                file: name.to_owned(),
                line: problem.line,
                message: format!("XML illisible : {}", problem.message),
            }];
        }
        findings(name, found.invalid)
    }
}

/// The schema's findings on the file `name`.
pub(crate) fn findings(name: &str, problems: Vec<Problem>) -> Vec<XsdFinding> {
    problems
        .into_iter()
        .map(|problem| XsdFinding {
            file: name.to_owned(),
            line: problem.line,
            message: problem.message,
        })
        .collect()
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
