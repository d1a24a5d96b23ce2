//! The académie directory (AAF, "annuaire académique fédérateur") in its 1st
//! degree flavour: the synthetic directory the harness seeds a candidate
//! with, so that every later check knows the ground truth.
//!
//! `generate` builds a deterministic directory of fictional people; `write`
//! renders the four `ficAlimMENESR` files an ENT imports
//! (`ENT1D_Complet_<date>_{EtabEducNat,Eleve,PersEducNat,PersRelEleve}_0000.xml`);
//! `read` parses such files back. Attribute names are those entcore's AAF 1D
//! importer reads (docs/guide/sso.md).

mod generate;
mod read;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use generate::{GenerateOptions, generate};
pub use read::{read_dir, read_files};

/// The DTD the files reference (`SYSTEM "ficAlimMENESR.dtd"`).
pub const DTD: &str = include_str!("../../fixtures/data/aaf/ficAlimMENESR.dtd");

/// A whole directory: schools and people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directory {
    /// The académie the files come from.
    pub academy: Academy,
    /// Schools.
    pub schools: Vec<School>,
    /// Pupils.
    pub pupils: Vec<Pupil>,
    /// Parents' records (one person may have several, see
    /// [`Directory::multi_profile_parents`]).
    pub parents: Vec<Parent>,
    /// Teachers and directors.
    pub teachers: Vec<Teacher>,
}

/// An académie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Academy {
    /// Code, e.g. `99`.
    pub code: String,
    /// Name, upper case, e.g. `BELLERIVE`.
    pub name: String,
}

/// A school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct School {
    /// AAF join key.
    pub jointure: String,
    /// UAI (7 digits and a key letter).
    pub uai: String,
    /// Usual name.
    pub name: String,
    /// Commune.
    pub commune: String,
    /// Classes.
    pub classes: Vec<Class>,
}

/// A class of a school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Class {
    /// Code, e.g. `CPA`.
    pub code: String,
    /// Label, e.g. `CP A`.
    pub label: String,
    /// MEFSTAT4 code of the level.
    pub mefstat4: String,
    /// Level label, e.g. `CP`.
    pub level: String,
}

/// A pupil.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pupil {
    /// AAF join key.
    pub jointure: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Birth date, `dd/mm/yyyy`.
    pub birth_date: String,
    /// School join key.
    pub school: String,
    /// Class code.
    pub class_code: String,
    /// Parents' join keys.
    pub parents: Vec<String>,
}

/// A parent's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parent {
    /// AAF join key.
    pub jointure: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// E-mail (reserved `.test` domain).
    pub email: String,
    /// Children's join keys.
    pub children: Vec<String>,
}

/// A teacher or director.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Teacher {
    /// AAF join key.
    pub jointure: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Academic e-mail: the join key of the agents' guichet (`ctemail`).
    pub email: String,
    /// School join key.
    pub school: String,
    /// Director of the school.
    pub director: bool,
    /// Codes of the classes taught.
    pub classes: Vec<String>,
}

impl Directory {
    /// The school with this join key.
    pub fn school(&self, jointure: &str) -> Option<&School> {
        self.schools.iter().find(|s| s.jointure == jointure)
    }

    /// The pupil with this join key.
    pub fn pupil(&self, jointure: &str) -> Option<&Pupil> {
        self.pupils.iter().find(|p| p.jointure == jointure)
    }

    /// The parent record with this join key.
    pub fn parent(&self, jointure: &str) -> Option<&Parent> {
        self.parents.iter().find(|p| p.jointure == jointure)
    }

    /// The teacher with this join key.
    pub fn teacher(&self, jointure: &str) -> Option<&Teacher> {
        self.teachers.iter().find(|t| t.jointure == jointure)
    }

    /// Pairs of parent records of the same person (same e-mail): a parent
    /// whose children are in two schools, entered by each school.
    pub fn multi_profile_parents(&self) -> Vec<(&Parent, &Parent)> {
        let mut pairs = Vec::new();
        for (i, first) in self.parents.iter().enumerate() {
            for second in &self.parents[i + 1..] {
                if first.email == second.email {
                    pairs.push((first, second));
                }
            }
        }
        pairs
    }
}

/// One rendered file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AafFile {
    /// File name.
    pub name: String,
    /// XML text.
    pub xml: String,
}

/// Problems reading or writing AAF files.
#[derive(Debug, thiserror::Error)]
pub enum AafError {
    /// A file or folder could not be read or written.
    #[error("{path} : {reason}")]
    Io {
        /// Path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file is not well-formed XML (or declares entities).
    #[error("{file}:{line}:{column} : XML invalide : {reason}")]
    Xml {
        /// File name.
        file: String,
        /// Line (1-based).
        line: u32,
        /// Column (1-based).
        column: u32,
        /// Parser message.
        reason: String,
    },
    /// A record lacks an attribute it needs.
    #[error("{file}:{line} : enregistrement {id} sans attribut {attribute}")]
    Missing {
        /// File name.
        file: String,
        /// Line of the record.
        line: u32,
        /// Record identifier.
        id: String,
        /// Attribute name.
        attribute: String,
    },
    /// One of the four kinds of file is absent.
    #[error("aucun fichier *_{kind}_NNNN.xml parmi les fichiers AAF")]
    MissingKind {
        /// `EtabEducNat`, `Eleve`, `PersEducNat` or `PersRelEleve`.
        kind: &'static str,
    },
}

/// Renders the four files of `directory` exported on `date`.
pub fn render(directory: &Directory, date: chrono::NaiveDate) -> Vec<AafFile> {
    generate::render(directory, date)
}

/// Writes the four files and the DTD into `out`; returns their paths.
pub fn write(
    directory: &Directory,
    date: chrono::NaiveDate,
    out: &Path,
) -> Result<Vec<PathBuf>, AafError> {
    let io = |path: &Path, error: std::io::Error| AafError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let mut written = Vec::new();
    for file in render(directory, date) {
        let path = out.join(&file.name);
        std::fs::write(&path, file.xml).map_err(|e| io(&path, e))?;
        written.push(path);
    }
    let dtd = out.join("ficAlimMENESR.dtd");
    std::fs::write(&dtd, DTD).map_err(|e| io(&dtd, e))?;
    written.push(dtd);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_then_read_gives_the_same_directory() {
        let options = GenerateOptions::default();
        let directory = generate(&options);
        let files = render(&directory, options.date);
        assert_eq!(files.len(), 4);
        let back = read_files(&files).expect("rendered files read back");
        assert_eq!(back, directory);
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let one = generate(&GenerateOptions::default());
        let again = generate(&GenerateOptions::default());
        let other = generate(&GenerateOptions {
            seed: 7,
            ..GenerateOptions::default()
        });
        assert_eq!(one, again);
        assert_ne!(one.pupils, other.pupils);
    }

    #[test]
    fn two_schools_give_a_parent_with_two_profiles_in_two_schools() {
        let directory = generate(&GenerateOptions::default());
        let pairs = directory.multi_profile_parents();
        assert_eq!(pairs.len(), 1);
        let (first, second) = pairs[0];
        assert_ne!(first.jointure, second.jointure);
        let school_of = |parent: &Parent| {
            directory
                .pupil(&parent.children[0])
                .map(|p| p.school.clone())
        };
        assert_ne!(school_of(first), school_of(second));
    }

    #[test]
    fn sizes_follow_the_options_and_data_is_synthetic() {
        let options = GenerateOptions {
            schools: 3,
            classes_per_school: 2,
            pupils_per_class: 4,
            ..GenerateOptions::default()
        };
        let directory = generate(&options);
        assert_eq!(directory.schools.len(), 3);
        // One extra pupil: the second child of the two-profile parent.
        assert_eq!(directory.pupils.len(), 3 * 2 * 4 + 1);
        assert_eq!(directory.teachers.len(), 3 * 2 + 3);
        assert!(
            directory
                .teachers
                .iter()
                .all(|t| t.email.ends_with(".test"))
        );
        assert!(directory.parents.iter().all(|p| p.email.ends_with(".test")));
        assert!(directory.schools.iter().all(|s| s.uai.starts_with("099")));
    }

    #[test]
    fn malformed_file_is_reported_with_file_and_line() {
        let mut files = render(
            &generate(&GenerateOptions::default()),
            chrono::NaiveDate::MIN,
        );
        files[1].xml = files[1].xml.replacen("</attributes>", "</attribut>", 1);
        let error = read_files(&files).expect_err("broken XML");
        let text = error.to_string();
        assert!(text.starts_with(&files[1].name), "{text}");
        assert!(text.contains(':'), "{text}");
    }

    #[test]
    fn entity_declarations_are_refused() {
        let mut files = render(
            &generate(&GenerateOptions::default()),
            chrono::NaiveDate::MIN,
        );
        files[0].xml = files[0].xml.replace(
            "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">",
            "<!DOCTYPE ficAlimMENESR [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>",
        );
        assert!(read_files(&files).is_err());
    }
}
