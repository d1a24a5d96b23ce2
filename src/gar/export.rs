//! The GAR-ENT 1D files read into what the checks compare: structures,
//! pupils, teachers, groups, memberships and the people who assign
//! resources, each with the file and line it comes from.
//!
//! Files are parsed with roxmltree after refusing any document type
//! declaration: a GAR file has none, and refusing it means no entity is
//! ever expanded and no external resource ever fetched.

use std::fmt;

/// Namespace of the 1D schema.
pub const NAMESPACE: &str = "http://data.education.fr/ns/gar/1d";

/// The five kinds of GAR-ENT 1D files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Structures (`GAR-ENT-Etab`).
    Etab,
    /// Pupils (`GAR-ENT-Eleve`).
    Eleve,
    /// Teachers (`GAR-ENT-Enseignant`).
    Enseignant,
    /// Groups and memberships (`GAR-ENT-Groupe`).
    Groupe,
    /// People who assign resources (`GAR-ENT-RespAff`).
    RespAff,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Etab,
        Self::Eleve,
        Self::Enseignant,
        Self::Groupe,
        Self::RespAff,
    ];

    /// As in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Etab => "Etab",
            Self::Eleve => "Eleve",
            Self::Enseignant => "Enseignant",
            Self::Groupe => "Groupe",
            Self::RespAff => "RespAff",
        }
    }

    /// The root element.
    pub fn root(self) -> &'static str {
        match self {
            Self::Etab => "GAR-ENT-Etab",
            Self::Eleve => "GAR-ENT-Eleve",
            Self::Enseignant => "GAR-ENT-Enseignant",
            Self::Groupe => "GAR-ENT-Groupe",
            Self::RespAff => "GAR-ENT-RespAff",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member name, understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    /// The project code (`idENT`).
    pub id_ent: String,
    /// `YYYYMMDD_HHMMSS`.
    pub stamp: String,
    /// Its kind.
    pub kind: Kind,
    /// Its number in the split (`0000`, `0001`…).
    pub index: u32,
}

fn is_stamp(date: &str, time: &str) -> bool {
    date.len() == 8
        && time.len() == 6
        && date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit())
        && chrono::NaiveDateTime::parse_from_str(&format!("{date}{time}"), "%Y%m%d%H%M%S").is_ok()
}

/// `<idENT>_GAR-ENT_Complet_<YYYYMMDD>_<HHMMSS>_1D_<Kind>_<NNNN>.xml`.
pub fn parse_file_name(name: &str) -> Result<FileName, String> {
    let expected = "<idENT>_GAR-ENT_Complet_<AAAAMMJJ>_<HHMMSS>_1D_<Etab|Eleve|Enseignant|Groupe|RespAff>_<NNNN>.xml";
    let wrong = || format!("« {name} » ne suit pas le modèle {expected}");
    let stem = name.strip_suffix(".xml").ok_or_else(wrong)?;
    let (id_ent, rest) = stem.split_once("_GAR-ENT_Complet_").ok_or_else(wrong)?;
    let parts: Vec<&str> = rest.split('_').collect();
    let [date, time, level, kind, index] = parts.as_slice() else {
        return Err(wrong());
    };
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == *kind)
        .ok_or_else(wrong)?;
    let ok = !id_ent.is_empty()
        && id_ent.bytes().all(|b| b.is_ascii_alphanumeric())
        && is_stamp(date, time)
        && *level == "1D"
        && index.len() == 4;
    let index = index.parse::<u32>().ok().filter(|_| ok).ok_or_else(wrong)?;
    Ok(FileName {
        id_ent: id_ent.to_owned(),
        stamp: format!("{date}_{time}"),
        kind,
        index,
    })
}

/// `<idENT>_GAR-ENT_Complet_<YYYYMMDD>_<HHMMSS>_1D.tar.gz`: the id and stamp.
pub fn parse_archive_name(name: &str) -> Result<(String, String), String> {
    let wrong = || {
        format!(
            "« {name} » ne suit pas le modèle <idENT>_GAR-ENT_Complet_<AAAAMMJJ>_<HHMMSS>_1D.tar.gz"
        )
    };
    let stem = name.strip_suffix("_1D.tar.gz").ok_or_else(wrong)?;
    let (id_ent, rest) = stem.split_once("_GAR-ENT_Complet_").ok_or_else(wrong)?;
    let (date, time) = rest.split_once('_').ok_or_else(wrong)?;
    if id_ent.is_empty() || !is_stamp(date, time) {
        return Err(wrong());
    }
    Ok((id_ent.to_owned(), format!("{date}_{time}")))
}

/// Where a record is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// File name (shared by every record of the file).
    pub file: std::sync::Arc<str>,
    /// Line of the record's element.
    pub line: u32,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A pupil or a teacher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarPerson {
    /// `GARPersonIdentifiant`.
    pub id: String,
    /// (UAI, profile) pairs of `GARPersonProfils`.
    pub profiles: Vec<(String, String)>,
    /// `GARPersonEtab`.
    pub etabs: Vec<String>,
    /// `GARPersonNom`, `GARPersonPrenom`.
    pub name: (String, String),
    /// Where.
    pub at: Place,
}

/// A group (a class is a `DIVISION`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarGroup {
    /// `GARGroupeCode`.
    pub code: String,
    /// `GARStructureUAI`.
    pub uai: String,
    /// `GARGroupeLibelle`.
    pub label: String,
    /// Where.
    pub at: Place,
}

/// A reference from one record to others: (UAI, person, group or MEF code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarLink {
    /// `GARStructureUAI`.
    pub uai: String,
    /// `GARPersonIdentifiant`.
    pub person: String,
    /// `GARGroupeCode` or `GARMEFSTAT4Code`.
    pub code: String,
    /// Where.
    pub at: Place,
}

/// A person who assigns resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarRespAff {
    /// `GARPersonIdentifiant`.
    pub id: String,
    /// `GARRespAffEtab`.
    pub etabs: Vec<String>,
    /// `GARPersonNom`, `GARPersonPrenom`.
    pub name: (String, String),
    /// `GARPersonMail`.
    pub mails: Vec<String>,
    /// Where.
    pub at: Place,
}

/// A whole export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GarExport {
    /// Structures: UAI and where.
    pub etabs: Vec<(String, Place)>,
    /// Pupils.
    pub eleves: Vec<GarPerson>,
    /// Teachers.
    pub enseignants: Vec<GarPerson>,
    /// Groups.
    pub groups: Vec<GarGroup>,
    /// `GARPersonGroupe`.
    pub memberships: Vec<GarLink>,
    /// `GARPersonMEFSTAT4`.
    pub mefstat: Vec<GarLink>,
    /// `GARRespAff`.
    pub resp_aff: Vec<GarRespAff>,
}

impl GarExport {
    /// Appends the records of another part of the same export.
    pub fn absorb(&mut self, other: GarExport) {
        self.etabs.extend(other.etabs);
        self.eleves.extend(other.eleves);
        self.enseignants.extend(other.enseignants);
        self.groups.extend(other.groups);
        self.memberships.extend(other.memberships);
        self.mefstat.extend(other.mefstat);
        self.resp_aff.extend(other.resp_aff);
    }
}

/// Refuses document type declarations before any parser sees the bytes.
/// A GAR file has none; markup declarations cannot appear anywhere else
/// but in comments or CDATA, which a GAR file has no reason to hold, so the
/// plain search errs only on the side of refusing.
pub fn refuse_doctype(name: &str, text: &str) -> Result<(), String> {
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(format!(
            "{name} : déclaration DOCTYPE ou ENTITY refusée (un fichier GAR n'en a pas ; aucune \
             entité n'est développée, aucune ressource externe chargée)"
        ));
    }
    Ok(())
}

fn children_text<'a>(node: roxmltree::Node<'a, 'a>, local: &str) -> Vec<String> {
    node.children()
        .filter(|c| c.is_element() && c.tag_name().name() == local)
        .map(|c| c.text().unwrap_or("").trim().to_owned())
        .collect()
}

fn child_text(node: roxmltree::Node<'_, '_>, local: &str) -> String {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == local)
        .and_then(|c| c.text())
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

/// Most tags one file may hold (before libxml2 and roxmltree build their
/// trees).
pub(crate) const MAX_TAGS: usize = 1_000_000;

/// Parses one member into `export`; returns its kind.
pub fn parse_member(name: &str, data: &[u8], export: &mut GarExport) -> Result<Kind, String> {
    let file = parse_file_name(name)?;
    let text = std::str::from_utf8(data)
        .map_err(|e| format!("{name} : UTF-8 invalide à l'octet {}", e.valid_up_to()))?;
    refuse_doctype(name, text)?;
    // Parsers build a node per tag whatever the bytes cost: a file of
    // `<a/>` would take tens of bytes of memory per byte read. Tags are
    // counted before either parser sees the file.
    let tags = data.iter().filter(|b| **b == b'<').count();
    if tags > MAX_TAGS {
        return Err(format!(
            "{name} : {tags} balises, au-delà de {MAX_TAGS} (un fichier GAR de 10 000 \
             enregistrements en compte environ 250 000) : fichier refusé avant toute analyse"
        ));
    }
    let options = roxmltree::ParsingOptions {
        nodes_limit: u32::try_from(MAX_TAGS * 2).unwrap_or(u32::MAX),
        ..roxmltree::ParsingOptions::default()
    };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        format!("{name}:{}:{} : XML illisible : {e}", pos.row, pos.col)
    })?;
    let root = document.root_element();
    if root.tag_name().name() != file.kind.root() || root.tag_name().namespace() != Some(NAMESPACE)
    {
        return Err(format!(
            "{name} : élément racine « {} » ({}) au lieu de « {} » dans l'espace de noms {NAMESPACE}",
            root.tag_name().name(),
            root.tag_name().namespace().unwrap_or("sans espace de noms"),
            file.kind.root()
        ));
    }
    // Line starts, once: roxmltree's own position lookup rescans the text
    // from the start at every call, quadratic over a 10,000-record file.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect();
    let file_name: std::sync::Arc<str> = name.into();
    let place = |node: roxmltree::Node<'_, '_>| Place {
        file: std::sync::Arc::clone(&file_name),
        line: u32::try_from(line_starts.partition_point(|start| *start <= node.range().start))
            .unwrap_or(u32::MAX),
    };
    for record in root.children().filter(roxmltree::Node::is_element) {
        let link = |code: &str| GarLink {
            uai: child_text(record, "GARStructureUAI"),
            person: child_text(record, "GARPersonIdentifiant"),
            code: child_text(record, code),
            at: place(record),
        };
        match record.tag_name().name() {
            "GAREtab" => export
                .etabs
                .push((child_text(record, "GARStructureUAI"), place(record))),
            "GAREleve" | "GAREnseignant" => {
                let profiles = record
                    .children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "GARPersonProfils")
                    .map(|p| {
                        (
                            child_text(p, "GARStructureUAI"),
                            child_text(p, "GARPersonProfil"),
                        )
                    })
                    .collect();
                let person = GarPerson {
                    id: child_text(record, "GARPersonIdentifiant"),
                    profiles,
                    etabs: children_text(record, "GARPersonEtab"),
                    name: (
                        child_text(record, "GARPersonNom"),
                        child_text(record, "GARPersonPrenom"),
                    ),
                    at: place(record),
                };
                if record.tag_name().name() == "GAREleve" {
                    export.eleves.push(person);
                } else {
                    export.enseignants.push(person);
                }
            }
            "GARGroupe" => export.groups.push(GarGroup {
                code: child_text(record, "GARGroupeCode"),
                uai: child_text(record, "GARStructureUAI"),
                label: child_text(record, "GARGroupeLibelle"),
                at: place(record),
            }),
            "GARPersonGroupe" => export.memberships.push(link("GARGroupeCode")),
            "GARPersonMEFSTAT4" => export.mefstat.push(link("GARMEFSTAT4Code")),
            "GARRespAff" => export.resp_aff.push(GarRespAff {
                id: child_text(record, "GARPersonIdentifiant"),
                etabs: children_text(record, "GARRespAffEtab"),
                name: (
                    child_text(record, "GARPersonNom"),
                    child_text(record, "GARPersonPrenom"),
                ),
                mails: children_text(record, "GARPersonMail"),
                at: place(record),
            }),
            _ => {}
        }
    }
    Ok(file.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_with_more_tags_than_any_real_export_are_refused_before_parsing() {
        let name = "B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0000.xml";
        let data = format!("<r>{}</r>", "<a/>".repeat(MAX_TAGS));
        let error =
            parse_member(name, data.as_bytes(), &mut GarExport::default()).expect_err("refused");
        assert!(error.contains("balises"), "{error}");
    }

    #[test]
    fn names_follow_the_gar_connector_pattern() {
        let name =
            parse_file_name("B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0000.xml").expect("valid");
        assert_eq!(
            (name.id_ent.as_str(), name.kind, name.index),
            ("B0", Kind::Eleve, 0)
        );
        for bad in [
            "B0_GAR-ENT_Complet_20250901_210000_2D_Eleve_0000.xml",
            "B0_GAR-ENT_Complet_20251301_210000_1D_Eleve_0000.xml",
            "B0_GAR-ENT_Complet_20250901_210000_1D_Parent_0000.xml",
            "B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0.xml",
            "eleves.xml",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_archive_name("B0_GAR-ENT_Complet_20250901_210000_1D.tar.gz"),
            Ok(("B0".to_owned(), "20250901_210000".to_owned()))
        );
        assert!(parse_archive_name("export.tar.gz").is_err());
    }

    #[test]
    fn doctype_and_entities_are_refused_before_parsing() {
        let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x>&e;</x>";
        assert!(refuse_doctype("f.xml", xxe).is_err());
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><l>&b;</l>";
        assert!(refuse_doctype("f.xml", laughs).is_err());
        let fine = "<?xml version=\"1.0\"?>\n<!-- commentaire -->\n<men:GAR-ENT-Etab/>";
        assert!(refuse_doctype("f.xml", fine).is_ok());
    }

    #[test]
    fn reads_the_constructed_sample() {
        let mut export = GarExport::default();
        for kind in Kind::ALL {
            let name = format!("B0_GAR-ENT_Complet_20250901_210000_1D_{kind}_0000.xml");
            let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
            let data = std::fs::read(&path).expect("sample");
            assert_eq!(parse_member(&name, &data, &mut export), Ok(kind));
        }
        assert_eq!(export.etabs.len(), 1);
        assert_eq!(export.eleves[0].profiles[0].1, "National_elv");
        assert_eq!(export.memberships.len(), 2);
        assert_eq!(export.eleves[0].at.line, 4);
    }
}
