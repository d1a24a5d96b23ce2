//! Everything read from the members of an export, file by file, on every
//! core: names checked, document type declarations refused, records read,
//! schema validated by libxml2 (one parser and one validation context per
//! thread, as libxml2 requires for concurrent use).

use std::sync::Mutex;

use super::archive::Member;
use super::export::{GarExport, Kind, parse_file_name, parse_member};
use super::schema::{Validator, XsdFinding};

/// What the members hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Examined {
    /// Every member read (name, size), in archive order.
    pub members: Vec<(String, u64)>,
    /// Why the source stopped early (archive refused), if it did.
    pub stopped: Option<String>,
    /// Records of every readable file, in member order.
    pub export: GarExport,
    /// Kinds of the files read.
    pub kinds: Vec<Kind>,
    /// Names that do not follow the pattern.
    pub bad_names: Vec<String>,
    /// Files refused before validation.
    pub unreadable: Vec<String>,
    /// Schema findings, or why the schema could not be compiled.
    pub xsd: Result<Vec<XsdFinding>, String>,
}

/// One member's share.
enum Part {
    BadName(String),
    Unreadable(String),
    Read(Kind, Box<GarExport>, Vec<XsdFinding>),
}

fn examine_one(member: &Member, validator: &mut Validator) -> Part {
    if let Err(why) = parse_file_name(&member.name) {
        return Part::BadName(why);
    }
    let mut export = GarExport::default();
    let kind = match parse_member(&member.name, &member.data, &mut export) {
        Ok(kind) => kind,
        Err(why) => return Part::Unreadable(why),
    };
    // parse_member checked UTF-8 and refused document type declarations;
    // should that ever change, the member is unreadable, never empty.
    let Ok(text) = std::str::from_utf8(&member.data) else {
        return Part::Unreadable(format!("{} : pas de l'UTF-8", member.name));
    };
    Part::Read(
        kind,
        Box::new(export),
        validator.validate(&member.name, text),
    )
}

/// Examines the members `source` yields on up to `threads` threads, each
/// pulling the next member when it is free: only the members being
/// examined are in memory.
pub fn examine<I, E>(source: I, xsd: &str, threads: usize) -> Examined
where
    I: Iterator<Item = Result<Member, E>> + Send,
    E: std::fmt::Display,
{
    struct Source<I> {
        iter: I,
        index: usize,
        members: Vec<(String, u64)>,
        stopped: Option<String>,
    }
    let source = Mutex::new(Source {
        iter: source,
        index: 0,
        members: Vec::new(),
        stopped: None,
    });
    let pull = || -> Option<(usize, Member)> {
        let mut source = source
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if source.stopped.is_some() {
            return None;
        }
        match source.iter.next()? {
            Ok(member) => {
                let index = source.index;
                source.index += 1;
                source
                    .members
                    .push((member.name.clone(), member.data.len() as u64));
                Some((index, member))
            }
            Err(error) => {
                source.stopped = Some(error.to_string());
                None
            }
        }
    };
    let results: Vec<Result<Vec<(usize, Part)>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut validator = Validator::new(xsd)?;
                    let mut parts = Vec::new();
                    while let Some((index, member)) = pull() {
                        parts.push((index, examine_one(&member, &mut validator)));
                    }
                    Ok(parts)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("validation interrompue (panique)".to_owned()))
            })
            .collect()
    });
    let source = source
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut examined = Examined {
        members: source.members,
        stopped: source.stopped,
        export: GarExport::default(),
        kinds: Vec::new(),
        bad_names: Vec::new(),
        unreadable: Vec::new(),
        xsd: Ok(Vec::new()),
    };
    let mut parts = Vec::new();
    for result in results {
        match result {
            Ok(mine) => parts.extend(mine),
            Err(why) => examined.xsd = Err(why),
        }
    }
    parts.sort_by_key(|(index, _)| *index);
    let mut findings = Vec::new();
    for (_, part) in parts {
        match part {
            Part::BadName(why) => examined.bad_names.push(why),
            Part::Unreadable(why) => examined.unreadable.push(why),
            Part::Read(kind, export, found) => {
                examined.kinds.push(kind);
                examined.export.absorb(*export);
                findings.extend(found);
            }
        }
    }
    if let Ok(all) = &mut examined.xsd {
        *all = findings;
    }
    examined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gar::XSD_1D;

    fn sample(kind: &str) -> Member {
        let name = format!("B0_GAR-ENT_Complet_20250901_210000_1D_{kind}_0000.xml");
        let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
        Member {
            name,
            data: std::fs::read(path).unwrap_or_default(),
        }
    }

    #[test]
    fn each_member_is_sorted_into_what_it_is() {
        let xxe = Member {
            name: "B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0001.xml".into(),
            data: b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".to_vec(),
        };
        let stray = Member {
            name: "notes.txt".into(),
            data: b"bonjour".to_vec(),
        };
        let source: Vec<Result<Member, String>> = vec![
            Ok(sample("Etab")),
            Ok(xxe),
            Ok(stray),
            Ok(sample("Groupe")),
            Err("bombe de décompression".into()),
            Ok(sample("Eleve")),
        ];
        let examined = examine(source.into_iter(), XSD_1D, 2);
        assert_eq!(
            examined.members.len(),
            4,
            "nothing is read after the source stops"
        );
        assert_eq!(examined.stopped.as_deref(), Some("bombe de décompression"));
        assert_eq!(examined.kinds, vec![Kind::Etab, Kind::Groupe]);
        assert_eq!(examined.bad_names.len(), 1);
        assert!(
            examined.unreadable[0].contains("DOCTYPE"),
            "{:?}",
            examined.unreadable
        );
        assert_eq!(examined.xsd, Ok(Vec::new()));
        assert_eq!(examined.export.groups.len(), 1);
    }
}
