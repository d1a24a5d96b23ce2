//! Everything read from the members of an export, file by file, on every
//! core: names checked, document type declarations refused, then one
//! libxml2 pass per file that validates it and reads its records (one
//! validation context per thread, as libxml2 requires for concurrent use).

use std::sync::Mutex;

use super::archive::Member;
use super::export::{GarExport, Kind, parse_file_name, read_member};
use super::schema::{Validator, XsdFinding};

/// What the members hold.
#[derive(Clone, Debug)]
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
    match read_member(&member.name, &member.data, validator) {
        Ok(read) => Part::Read(read.kind, Box::new(read.export), read.findings),
        Err(why) => Part::Unreadable(why),
    }
}

/// The parts examined so far, taken in member order as they come: a part
/// that finishes early waits for those before it, and only those.
struct Merge {
    next: usize,
    waiting: std::collections::BTreeMap<usize, Part>,
    export: GarExport,
    kinds: Vec<Kind>,
    bad_names: Vec<String>,
    unreadable: Vec<String>,
    findings: Vec<XsdFinding>,
}

impl Merge {
    fn take(&mut self, index: usize, part: Part) {
        self.waiting.insert(index, part);
        while let Some(part) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.apply(part);
        }
    }

    fn apply(&mut self, part: Part) {
        match part {
            Part::BadName(why) => self.bad_names.push(why),
            Part::Unreadable(why) => self.unreadable.push(why),
            Part::Read(kind, export, found) => {
                self.kinds.push(kind);
                self.export.absorb(*export);
                self.findings.extend(found);
            }
        }
    }
}

/// Examines the members `source` yields on up to `threads` threads, each
/// pulling the next member when it is free: only the members being
/// examined, and the records read so far, are in memory.
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
    let merge = Mutex::new(Merge {
        next: 0,
        waiting: std::collections::BTreeMap::new(),
        export: GarExport::default(),
        kinds: Vec::new(),
        bad_names: Vec::new(),
        unreadable: Vec::new(),
        findings: Vec::new(),
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
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut validator = Validator::new(xsd)?;
                    while let Some((index, member)) = pull() {
                        let part = examine_one(&member, &mut validator);
                        // The member's bytes go before the wait for the lock.
                        drop(member);
                        merge
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .take(index, part);
                    }
                    Ok(())
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
    let mut merge = merge
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Parts left waiting behind one a panicking thread never finished.
    for (_, part) in std::mem::take(&mut merge.waiting) {
        merge.apply(part);
    }
    let mut xsd = Ok(merge.findings);
    for result in results {
        if let Err(why) = result {
            xsd = Err(why);
        }
    }
    Examined {
        members: source.members,
        stopped: source.stopped,
        export: merge.export,
        kinds: merge.kinds,
        bad_names: merge.bad_names,
        unreadable: merge.unreadable,
        xsd,
    }
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
