//! Reading `ficAlimMENESR` files back into a [`Directory`]. Files are
//! recognised by name as entcore's importer does (`…_Eleve_NNNN.xml`); a
//! DTD with declarations is refused (no entity expansion), the external
//! DTD reference is never fetched.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

use super::{AafError, AafFile, Academy, Class, Directory, Parent, Pupil, School, Teacher};

const KINDS: [&str; 4] = ["EtabEducNat", "Eleve", "PersEducNat", "PersRelEleve"];

/// Reads the `.xml` files of a folder.
pub fn read_dir(dir: &Path) -> Result<Directory, AafError> {
    let io = |path: &Path, error: std::io::Error| AafError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            let xml = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(AafFile { name, xml });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    read_files(&files)
}

/// One record: its id, line and attributes (name → values).
struct Record {
    id: String,
    line: u32,
    attributes: BTreeMap<String, Vec<String>>,
}

impl Record {
    fn values(&self, name: &str) -> Vec<String> {
        self.attributes
            .get(name)
            .map(|values| values.iter().filter(|v| !v.is_empty()).cloned().collect())
            .unwrap_or_default()
    }

    fn first(&self, file: &str, name: &str) -> Result<String, AafError> {
        self.values(name)
            .into_iter()
            .next()
            .ok_or_else(|| AafError::Missing {
                file: file.to_owned(),
                line: self.line,
                id: self.id.clone(),
                attribute: name.to_owned(),
            })
    }
}

fn records(file: &AafFile) -> Result<Vec<Record>, AafError> {
    if file.xml.contains("<!ENTITY") {
        let line = file.xml[..file.xml.find("<!ENTITY").unwrap_or(0)]
            .matches('\n')
            .count()
            + 1;
        return Err(AafError::Xml {
            file: file.name.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: 1,
            reason: "déclaration d'entité refusée (aucune expansion d'entité)".to_owned(),
        });
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 5_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let document =
        roxmltree::Document::parse_with_options(&file.xml, options).map_err(|error| {
            let position = error.pos();
            AafError::Xml {
                file: file.name.clone(),
                line: position.row,
                column: position.col,
                reason: error.to_string(),
            }
        })?;
    let mut out = Vec::new();
    for request in document
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("addRequest"))
    {
        let line = document.text_pos_at(request.range().start).row;
        let id = request
            .descendants()
            .find(|n| n.has_tag_name("id"))
            .and_then(|n| n.text())
            .unwrap_or("")
            .trim()
            .to_owned();
        let mut attributes = BTreeMap::new();
        if let Some(block) = request.children().find(|n| n.has_tag_name("attributes")) {
            for attr in block.children().filter(|n| n.has_tag_name("attr")) {
                let name = attr.attribute("name").unwrap_or("").to_owned();
                let values = attr
                    .children()
                    .filter(|n| n.has_tag_name("value"))
                    .map(|v| v.text().unwrap_or("").trim().to_owned())
                    .collect();
                attributes.insert(name, values);
            }
        }
        out.push(Record {
            id,
            line,
            attributes,
        });
    }
    Ok(out)
}

/// Reads files given in memory (name and text).
pub fn read_files(files: &[AafFile]) -> Result<Directory, AafError> {
    let mut by_kind: BTreeMap<&str, Vec<(&str, Vec<Record>)>> = BTreeMap::new();
    for kind in KINDS {
        let pattern =
            Regex::new(&format!(r"_{kind}_[0-9]{{4}}\.xml$")).map_err(|e| AafError::Io {
                path: kind.to_owned(),
                reason: e.to_string(),
            })?;
        for file in files.iter().filter(|f| pattern.is_match(&f.name)) {
            by_kind
                .entry(kind)
                .or_default()
                .push((file.name.as_str(), records(file)?));
        }
    }
    let kind = |name: &'static str| {
        by_kind
            .get(name)
            .filter(|files| !files.is_empty())
            .ok_or(AafError::MissingKind { kind: name })
    };
    let mut academy = Academy {
        code: String::new(),
        name: String::new(),
    };
    let mut schools = Vec::new();
    for (file, records) in kind("EtabEducNat")? {
        for record in records {
            academy.code = record.first(file, "ENTServAcCodeAcademie")?;
            academy.name = record.first(file, "ENTServAcAcademie")?;
            schools.push(School {
                jointure: record.first(file, "ENTStructureJointure")?,
                uai: record.first(file, "ENTStructureUAI")?,
                name: record.first(file, "ENTStructureNomCourant")?,
                commune: record.values("ENTEcoleCommune").join(" "),
                classes: Vec::new(),
            });
        }
    }
    let mut pupils = Vec::new();
    for (file, records) in kind("Eleve")? {
        for record in records {
            let classes = record.first(file, "ENTPersonClasses")?;
            let parts: Vec<&str> = classes.split('$').collect();
            let code = parts.get(3).copied().unwrap_or("").to_owned();
            let label = parts.get(4).copied().unwrap_or("").to_owned();
            let school = record.first(file, "ENTPersonStructRattach")?;
            let niveau = record.values("ENTEleveNiveau").join("");
            let (mef, level) = niveau.split_once('$').unwrap_or((niveau.as_str(), ""));
            if let Some(entry) = schools.iter_mut().find(|s| s.jointure == school)
                && !entry.classes.iter().any(|c| c.code == code)
            {
                entry.classes.push(Class {
                    code: code.clone(),
                    label,
                    mefstat4: mef.to_owned(),
                    level: level.to_owned(),
                });
            }
            pupils.push(Pupil {
                jointure: record.first(file, "ENTPersonJointure")?,
                last_name: record.first(file, "ENTPersonNom")?,
                first_name: record.first(file, "ENTPersonPrenom")?,
                birth_date: record.values("ENTPersonDateNaissance").join(""),
                school,
                class_code: code,
                parents: record.values("ENTEleveAutoriteParentale"),
            });
        }
    }
    let mut teachers = Vec::new();
    for (file, records) in kind("PersEducNat")? {
        for record in records {
            teachers.push(Teacher {
                jointure: record.first(file, "ENTPersonJointure")?,
                last_name: record.first(file, "ENTPersonNom")?,
                first_name: record.first(file, "ENTPersonPrenom")?,
                email: record.first(file, "ENTPersonMail")?,
                school: record.first(file, "ENTPersonStructRattach")?,
                director: record
                    .values("ENTEnsFonctionDir")
                    .first()
                    .map(String::as_str)
                    == Some("O"),
                classes: record
                    .values("ENTPersonClasses")
                    .iter()
                    .filter_map(|v| v.split('$').nth(3).map(str::to_owned))
                    .collect(),
            });
        }
    }
    let mut parents = Vec::new();
    for (file, records) in kind("PersRelEleve")? {
        for record in records {
            parents.push(Parent {
                jointure: record.first(file, "ENTPersonJointure")?,
                last_name: record.first(file, "ENTPersonNom")?,
                first_name: record.first(file, "ENTPersonPrenom")?,
                email: record.values("ENTPersonMail").join(""),
                children: record.values("ENTPersRelEleveEleve"),
            });
        }
    }
    Ok(Directory {
        academy,
        schools,
        pupils,
        parents,
        teachers,
    })
}
