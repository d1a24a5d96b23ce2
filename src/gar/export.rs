//! The GAR-ENT 1D files read into what the checks compare: structures,
//! pupils, teachers, groups, memberships and the people who assign
//! resources, each with the file and line it comes from.
//!
//! Each file is parsed once, by libxml2, which validates it against the
//! schema in the same pass ([`read_member`]), after any document type
//! declaration is refused: a GAR file has none, and refusing it means no
//! entity is ever expanded and no external resource ever fetched.

use std::fmt;

use super::schema::{Validator, XsdFinding};
use super::stream::Events;

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

/// A text of an export (an identifier, a UAI, a name, a file name), held
/// once however often it occurs: read it with [`GarExport::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

/// Several texts of one record (its schools, its e-mails, its profiles as
/// (UAI, profile) pairs): read them with [`GarExport::items`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct List {
    start: u32,
    len: u32,
}

/// Where a record is: show it with [`GarExport::at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// File name.
    pub file: Sym,
    /// Line of the record's element (where its start tag ends).
    pub line: u32,
}

/// A pupil or a teacher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarPerson {
    /// `GARPersonIdentifiant`.
    pub id: Sym,
    /// `GARPersonProfils`, as (UAI, profile) pairs: see [`GarExport::profiles`].
    pub profiles: List,
    /// `GARPersonEtab`.
    pub etabs: List,
    /// `GARPersonNom`, `GARPersonPrenom`.
    pub name: (Sym, Sym),
    /// Where.
    pub at: Place,
}

/// A group (a class is a `DIVISION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarGroup {
    /// `GARGroupeCode`.
    pub code: Sym,
    /// `GARStructureUAI`.
    pub uai: Sym,
    /// `GARGroupeLibelle`.
    pub label: Sym,
    /// Where.
    pub at: Place,
}

/// A reference from one record to others: (UAI, person, group or MEF code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarLink {
    /// `GARStructureUAI`.
    pub uai: Sym,
    /// `GARPersonIdentifiant`.
    pub person: Sym,
    /// `GARGroupeCode` or `GARMEFSTAT4Code`.
    pub code: Sym,
    /// Where.
    pub at: Place,
}

/// A person who assigns resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarRespAff {
    /// `GARPersonIdentifiant`.
    pub id: Sym,
    /// `GARRespAffEtab`.
    pub etabs: List,
    /// `GARPersonNom`, `GARPersonPrenom`.
    pub name: (Sym, Sym),
    /// `GARPersonMail`.
    pub mails: List,
    /// Where.
    pub at: Place,
}

/// The texts of an export, each stored once: bytes end to end, where each
/// ends, and a table from a text to its [`Sym`].
#[derive(Clone, Default)]
struct Texts {
    bytes: String,
    ends: Vec<u32>,
    index: hashbrown::HashTable<u32>,
    // Keyed by a random seed: identifiers come from the candidate, and a
    // predictable hash would let crafted ones collide on purpose.
    hasher: std::hash::RandomState,
}

/// The `i`-th text of `bytes`, whose texts end at `ends`.
fn nth_text<'a>(bytes: &'a str, ends: &[u32], i: usize) -> &'a str {
    let start = i
        .checked_sub(1)
        .and_then(|p| ends.get(p))
        .map_or(0, |e| *e as usize);
    let end = ends.get(i).map_or(start, |e| *e as usize);
    bytes.get(start..end).unwrap_or("")
}

impl Texts {
    fn get(&self, sym: Sym) -> &str {
        nth_text(&self.bytes, &self.ends, sym.0 as usize)
    }

    fn intern(&mut self, text: &str) -> Sym {
        use std::hash::BuildHasher as _;
        let hash = self.hasher.hash_one(text);
        let Self {
            bytes,
            ends,
            index,
            hasher,
        } = self;
        if let Some(found) = index.find(hash, |i| nth_text(bytes, ends, *i as usize) == text) {
            return Sym(*found);
        }
        // An archive is refused beyond 1 GiB of members (`ArchiveLimits`),
        // so the offsets of one export stay below 4 GiB.
        let sym = u32::try_from(ends.len()).unwrap_or(u32::MAX);
        bytes.push_str(text);
        ends.push(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        index.insert_unique(hash, sym, |i| {
            hasher.hash_one(nth_text(bytes, ends, *i as usize))
        });
        Sym(sym)
    }
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Texts({} textes)", self.ends.len())
    }
}

/// A whole export: its records, whose texts are held once for all
/// ([`Sym`]), so that an académie's export stays a few tens of megabytes.
#[derive(Clone, Debug, Default)]
pub struct GarExport {
    texts: Texts,
    lists: Vec<Sym>,
    /// Structures: UAI and where.
    pub etabs: Vec<(Sym, Place)>,
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

/// A place, shown as `file:line`.
pub struct At<'a> {
    file: &'a str,
    line: u32,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl GarExport {
    /// The text of `sym`.
    pub fn text(&self, sym: Sym) -> &str {
        self.texts.get(sym)
    }

    /// The `Sym` of `text` in this export, added if new.
    pub fn sym(&mut self, text: &str) -> Sym {
        self.texts.intern(text)
    }

    /// The texts of a list.
    pub fn items(&self, list: List) -> &[Sym] {
        let start = list.start as usize;
        self.lists
            .get(start..start + list.len as usize)
            .unwrap_or(&[])
    }

    /// A new list of `texts`.
    pub fn list(&mut self, texts: &[&str]) -> List {
        self.list_of(texts.iter().copied())
    }

    /// A new list of the texts `texts` yields, interned one by one, with no
    /// list in between.
    fn list_of<'t>(&mut self, texts: impl Iterator<Item = &'t str>) -> List {
        let start = self.lists.len();
        for text in texts {
            let sym = self.texts.intern(text);
            self.lists.push(sym);
        }
        List {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(self.lists.len() - start).unwrap_or(0),
        }
    }

    /// A person's (UAI, profile) pairs.
    pub fn profiles(&self, person: &GarPerson) -> impl Iterator<Item = (Sym, Sym)> + '_ {
        self.items(person.profiles)
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1]))
    }

    /// A place in `file`.
    pub fn place(&mut self, file: &str, line: u32) -> Place {
        Place {
            file: self.sym(file),
            line,
        }
    }

    /// `file:line`.
    pub fn at(&self, place: Place) -> At<'_> {
        At {
            file: self.text(place.file),
            line: place.line,
        }
    }

    /// Appends the records of another part of the same export, its texts
    /// taken into this one's.
    pub fn absorb(&mut self, other: GarExport) {
        // Each of the other's texts once, by its symbol there.
        let mapped: Vec<Sym> = (0..other.texts.ends.len())
            .map(|i| {
                let text = nth_text(&other.texts.bytes, &other.texts.ends, i);
                self.texts.intern(text)
            })
            .collect();
        let sym = |s: Sym| mapped.get(s.0 as usize).copied().unwrap_or(s);
        let offset = u32::try_from(self.lists.len()).unwrap_or(u32::MAX);
        self.lists.extend(other.lists.iter().map(|s| sym(*s)));
        let list = |l: List| List {
            start: l.start.saturating_add(offset),
            len: l.len,
        };
        let place = |p: Place| Place {
            file: sym(p.file),
            line: p.line,
        };
        let person = |p: &GarPerson| GarPerson {
            id: sym(p.id),
            profiles: list(p.profiles),
            etabs: list(p.etabs),
            name: (sym(p.name.0), sym(p.name.1)),
            at: place(p.at),
        };
        let link = |l: &GarLink| GarLink {
            uai: sym(l.uai),
            person: sym(l.person),
            code: sym(l.code),
            at: place(l.at),
        };
        self.etabs
            .extend(other.etabs.iter().map(|(u, at)| (sym(*u), place(*at))));
        self.eleves.extend(other.eleves.iter().map(person));
        self.enseignants
            .extend(other.enseignants.iter().map(person));
        self.groups.extend(other.groups.iter().map(|g| GarGroup {
            code: sym(g.code),
            uai: sym(g.uai),
            label: sym(g.label),
            at: place(g.at),
        }));
        self.memberships.extend(other.memberships.iter().map(link));
        self.mefstat.extend(other.mefstat.iter().map(link));
        self.resp_aff
            .extend(other.resp_aff.iter().map(|r| GarRespAff {
                id: sym(r.id),
                etabs: list(r.etabs),
                name: (sym(r.name.0), sym(r.name.1)),
                mails: list(r.mails),
                at: place(r.at),
            }));
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

/// Most tags one file may hold: every known record read is kept, even an
/// empty `<men:GARPersonGroupe/>`, so their number is bounded before the
/// parser starts.
pub(crate) const MAX_TAGS: usize = 1_000_000;

/// Longest stretch of bytes between two `<` (a text, a comment): the
/// schema's longest field is 500 characters. libxml2's streaming validator
/// appends each piece of a text to what it holds with a scan of the whole
/// (`xmlStrncat`), and a text comes in pieces of 300 bytes or one per
/// reference: without a bound, one long text costs its square.
pub(crate) const MAX_STRETCH: usize = 64 * 1024;

/// Most references (`&amp;`, `&#233;`…) in one stretch, each a piece.
pub(crate) const MAX_REFERENCES: usize = 256;

/// What must hold before libxml2 reads a GAR file: UTF-8 (the bytes, and
/// the declaration if there is one: the parser would obey another one),
/// no NUL byte (UTF-16 without a byte order mark, or a document cut short
/// at a NUL), no document type declaration, and bounded tags, texts and
/// references. `Ok` with the text.
pub fn screen<'a>(name: &str, data: &'a [u8]) -> Result<&'a str, String> {
    let text = std::str::from_utf8(data)
        .map_err(|e| format!("{name} : UTF-8 invalide à l'octet {}", e.valid_up_to()))?;
    if let Some(at) = data.iter().position(|b| *b == 0) {
        return Err(format!(
            "{name} : octet nul à l'octet {at} (un fichier GAR est en UTF-8, sans octet nul)"
        ));
    }
    if let Some(declared) = declared_encoding(text)
        && !declared.eq_ignore_ascii_case("UTF-8")
        && !declared.eq_ignore_ascii_case("UTF8")
    {
        return Err(format!(
            "{name} : encodage déclaré « {} » ; un fichier GAR est en UTF-8",
            declared.chars().take(40).collect::<String>()
        ));
    }
    refuse_doctype(name, text)?;
    let mut tags = 0usize;
    let mut at = 0usize;
    for (i, stretch) in data.split(|b| *b == b'<').enumerate() {
        tags += usize::from(i > 0);
        if stretch.len() > MAX_STRETCH
            || stretch.iter().filter(|b| **b == b'&').count() > MAX_REFERENCES
        {
            return Err(format!(
                "{name} : à partir de l'octet {at}, plus de {MAX_STRETCH} octets ou de {MAX_REFERENCES} \
                 références (&…;) entre deux balises (le plus long champ du schéma fait 500 \
                 caractères) : fichier refusé avant toute analyse"
            ));
        }
        at += stretch.len() + 1;
    }
    if tags > MAX_TAGS {
        return Err(format!(
            "{name} : {tags} balises, au-delà de {MAX_TAGS} (un fichier GAR de 10 000 \
             enregistrements en compte environ 250 000) : fichier refusé avant toute analyse"
        ));
    }
    Ok(text)
}

/// The `encoding` of the XML declaration, if the text starts with one.
fn declared_encoding(text: &str) -> Option<&str> {
    let body = text.trim_start_matches('\u{feff}').strip_prefix("<?xml")?;
    let declaration = &body[..body.find("?>")?];
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next()?;
    let value = after.get(1..)?;
    Some(&value[..value.find(quote)?])
}

/// A file read in one pass: its kind, its records and the schema's findings.
#[derive(Debug)]
pub struct ReadMember {
    /// The kind its name gives.
    pub kind: Kind,
    /// Its records.
    pub export: GarExport,
    /// What the schema says of it (empty when valid).
    pub findings: Vec<XsdFinding>,
}

/// Reads one member in a single libxml2 pass that both validates it and
/// reads its records; `Err` when it cannot be read (name, encoding,
/// document type declaration, size, well-formedness, root element).
pub fn read_member(
    name: &str,
    data: &[u8],
    validator: &mut Validator,
) -> Result<ReadMember, String> {
    let file = parse_file_name(name)?;
    screen(name, data)?;
    let mut reader = Records::new(name, file.kind);
    let pass = validator.pass(data, &mut reader);
    if let Some(problem) = pass.malformed {
        return Err(match problem.line {
            Some(line) => format!("{name}:{line} : XML illisible : {}", problem.message),
            None => format!("{name} : XML illisible : {}", problem.message),
        });
    }
    if let Some(why) = reader.wrong_root {
        return Err(why);
    }
    // libxml2 stops without a well-formedness error when its validator
    // fails inside: records read up to there must not be judged as whole.
    if !reader.closed {
        return Err(format!(
            "{name} : lecture interrompue avant la fin de l'élément racine{}",
            pass.invalid
                .last()
                .map(|p| format!(" ({})", p.message))
                .unwrap_or_default()
        ));
    }
    let findings = super::schema::findings(name, pass.invalid);
    Ok(ReadMember {
        kind: file.kind,
        export: reader.export,
        findings,
    })
}

/// The children of a record the checks read (local names; the schema
/// checks their namespace).
const FIELDS: [&str; 10] = [
    "GARStructureUAI",
    "GARPersonIdentifiant",
    "GARGroupeCode",
    "GARMEFSTAT4Code",
    "GARPersonEtab",
    "GARPersonNom",
    "GARPersonPrenom",
    "GARGroupeLibelle",
    "GARRespAffEtab",
    "GARPersonMail",
];
/// The record child that holds (UAI, profile) pairs.
const PROFILES: &str = "GARPersonProfils";

/// The records the checks read, by their element's local name.
const RECORDS: [&str; 7] = [
    "GAREtab",
    "GAREleve",
    "GAREnseignant",
    "GARGroupe",
    "GARPersonGroupe",
    "GARPersonMEFSTAT4",
    "GARRespAff",
];

/// The record being read. Its texts go end to end in one buffer kept from
/// record to record, so reading allocates nothing once warm.
#[derive(Default)]
struct Record {
    tag: Option<&'static str>,
    line: u32,
    text: String,
    fields: Vec<(&'static str, std::ops::Range<usize>)>,
    profiles: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Record {
    fn slice(&self, range: &std::ops::Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or("")
    }

    /// The first such child's text, trimmed, or empty.
    fn one(&self, field: &str) -> &str {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, range)| self.slice(range))
    }

    /// Every such child's text, trimmed.
    fn all<'r>(&'r self, field: &'r str) -> impl Iterator<Item = &'r str> {
        self.fields
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, range)| self.slice(range))
    }

    /// Appends `bytes`, trimmed, and says where.
    fn keep(&mut self, bytes: &[u8]) -> std::ops::Range<usize> {
        let start = self.text.len();
        self.text.push_str(String::from_utf8_lossy(bytes).trim());
        start..self.text.len()
    }
}

/// Reads records from the parser's events: the root (depth 1) is checked,
/// each child of the root is a record (depth 2), their children the fields
/// (depth 3), and a profile's children its UAI and profile (depth 4).
struct Records {
    kind: Kind,
    file: Sym,
    depth: usize,
    wrong_root: Option<String>,
    record: Record,
    /// The field being read, if it is one the checks use.
    field: Option<&'static str>,
    in_profiles: bool,
    profile: (
        Option<std::ops::Range<usize>>,
        Option<std::ops::Range<usize>>,
    ),
    part: Option<&'static str>,
    text: Vec<u8>,
    export: GarExport,
    /// The root element ended: the parser read the file to its end.
    closed: bool,
}

impl Records {
    fn new(name: &str, kind: Kind) -> Self {
        let mut export = GarExport::default();
        Self {
            kind,
            file: export.sym(name),
            depth: 0,
            wrong_root: None,
            record: Record::default(),
            field: None,
            in_profiles: false,
            profile: (None, None),
            part: None,
            text: Vec::new(),
            export,
            closed: false,
        }
    }

    /// The record just ended, into the export.
    fn finish(&mut self) {
        let Self {
            record,
            export,
            file,
            ..
        } = self;
        let Some(tag) = record.tag else {
            return;
        };
        let at = Place {
            file: *file,
            line: record.line,
        };
        let link = |export: &mut GarExport, code: &str| GarLink {
            uai: export.sym(record.one("GARStructureUAI")),
            person: export.sym(record.one("GARPersonIdentifiant")),
            code: export.sym(record.one(code)),
            at,
        };
        match tag {
            "GAREtab" => {
                let uai = export.sym(record.one("GARStructureUAI"));
                export.etabs.push((uai, at));
            }
            "GAREleve" | "GAREnseignant" => {
                let pairs = record
                    .profiles
                    .iter()
                    .flat_map(|(uai, profile)| [record.slice(uai), record.slice(profile)]);
                let person = GarPerson {
                    id: export.sym(record.one("GARPersonIdentifiant")),
                    profiles: export.list_of(pairs),
                    etabs: export.list_of(record.all("GARPersonEtab")),
                    name: (
                        export.sym(record.one("GARPersonNom")),
                        export.sym(record.one("GARPersonPrenom")),
                    ),
                    at,
                };
                if tag == "GAREleve" {
                    export.eleves.push(person);
                } else {
                    export.enseignants.push(person);
                }
            }
            "GARGroupe" => {
                let group = GarGroup {
                    code: export.sym(record.one("GARGroupeCode")),
                    uai: export.sym(record.one("GARStructureUAI")),
                    label: export.sym(record.one("GARGroupeLibelle")),
                    at,
                };
                export.groups.push(group);
            }
            "GARPersonGroupe" => {
                let membership = link(export, "GARGroupeCode");
                export.memberships.push(membership);
            }
            "GARPersonMEFSTAT4" => {
                let mef = link(export, "GARMEFSTAT4Code");
                export.mefstat.push(mef);
            }
            "GARRespAff" => {
                let resp = GarRespAff {
                    id: export.sym(record.one("GARPersonIdentifiant")),
                    etabs: export.list_of(record.all("GARRespAffEtab")),
                    name: (
                        export.sym(record.one("GARPersonNom")),
                        export.sym(record.one("GARPersonPrenom")),
                    ),
                    mails: export.list_of(record.all("GARPersonMail")),
                    at,
                };
                export.resp_aff.push(resp);
            }
            _ => {}
        }
    }
}

impl Events for Records {
    fn start(&mut self, local: &[u8], namespace: Option<&[u8]>, line: u32) {
        self.depth += 1;
        match self.depth {
            1 if local != self.kind.root().as_bytes()
                || namespace != Some(NAMESPACE.as_bytes()) =>
            {
                self.wrong_root = Some(format!(
                    "{} : élément racine « {} » ({}) au lieu de « {} » dans l'espace de noms {NAMESPACE}",
                    self.export.text(self.file),
                    String::from_utf8_lossy(local),
                    namespace.map_or_else(|| "sans espace de noms".into(), String::from_utf8_lossy),
                    self.kind.root()
                ));
            }
            2 => {
                let record = &mut self.record;
                record.tag = RECORDS.into_iter().find(|t| t.as_bytes() == local);
                record.line = line;
                record.text.clear();
                record.fields.clear();
                record.profiles.clear();
            }
            3 => {
                self.in_profiles = local == PROFILES.as_bytes();
                self.profile = (None, None);
                self.field = FIELDS.into_iter().find(|f| f.as_bytes() == local);
                self.text.clear();
            }
            4 if self.in_profiles => {
                self.part = ["GARStructureUAI", "GARPersonProfil"]
                    .into_iter()
                    .find(|f| f.as_bytes() == local);
                self.text.clear();
            }
            _ => {}
        }
    }

    fn end(&mut self) {
        match self.depth {
            4 if self.in_profiles => {
                // The first of each, as for any field.
                match self.part.take() {
                    Some("GARStructureUAI") if self.profile.0.is_none() => {
                        self.profile.0 = Some(self.record.keep(&self.text));
                    }
                    Some("GARPersonProfil") if self.profile.1.is_none() => {
                        self.profile.1 = Some(self.record.keep(&self.text));
                    }
                    _ => {}
                }
            }
            3 => {
                if self.in_profiles {
                    let (uai, profile) = std::mem::take(&mut self.profile);
                    self.record
                        .profiles
                        .push((uai.unwrap_or_default(), profile.unwrap_or_default()));
                    self.in_profiles = false;
                } else if let Some(field) = self.field.take() {
                    let range = self.record.keep(&self.text);
                    self.record.fields.push((field, range));
                }
            }
            2 if self.wrong_root.is_none() => self.finish(),
            1 => self.closed = true,
            _ => {}
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn text(&mut self, text: &[u8]) {
        let reading = match self.depth {
            3 => self.field.is_some() && !self.in_profiles,
            4 => self.in_profiles && self.part.is_some(),
            _ => false,
        };
        if reading {
            self.text.extend_from_slice(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_with_more_tags_than_any_real_export_are_refused_before_parsing() {
        let name = "B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0000.xml";
        let data = format!("<r>{}</r>", "<a/>".repeat(MAX_TAGS));
        let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
        let error = read_member(name, data.as_bytes(), &mut validator).expect_err("refused");
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

    fn eleve_sample() -> (String, String) {
        let name = "B0_GAR-ENT_Complet_20250901_210000_1D_Eleve_0000.xml".to_owned();
        let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
        (name, std::fs::read_to_string(path).expect("sample"))
    }

    #[test]
    fn records_and_findings_beyond_line_65535_keep_their_line() {
        // A GAR file of 10,000 records runs past 110,000 lines, where
        // libxml2's tree keeps no line for an element (it stops at 65,535).
        let (name, text) = eleve_sample();
        let at = text.find("  <men:GAREleve>").expect("first record");
        let padded = format!(
            "{}{}{}",
            &text[..at],
            "<!-- -->\n".repeat(70_000),
            &text[at..]
        );
        let broken = padded.replacen("<men:GARPersonNom>MARTIN</men:GARPersonNom>", "", 1);
        let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
        let read = read_member(&name, broken.as_bytes(), &mut validator).expect("readable");
        assert_eq!(read.export.eleves[0].at.line, 70_004);
        assert_eq!(
            read.export.at(read.export.eleves[0].at).to_string(),
            format!("{name}:70004")
        );
        let line = read
            .findings
            .first()
            .and_then(|f| f.line)
            .expect("a finding");
        assert!((70_004..70_020).contains(&line), "{:?}", read.findings);
    }

    #[test]
    fn a_file_that_is_not_well_formed_or_has_the_wrong_root_is_unreadable_with_its_line() {
        let (name, text) = eleve_sample();
        let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
        let cut = &text[..text.find("</men:GARPersonIdentifiant>").expect("end tag")];
        let error = read_member(&name, cut.as_bytes(), &mut validator).expect_err("cut");
        assert!(
            error.starts_with(&format!("{name}:5 : XML illisible : ")),
            "{error}"
        );
        let mismatched = text.replacen("</men:GARPersonNom>", "</men:GARPersonPrenom>", 1);
        let error = read_member(&name, mismatched.as_bytes(), &mut validator).expect_err("tags");
        assert!(error.contains("XML illisible"), "{error}");
        let wrong = text.replace("GAR-ENT-Eleve", "GAR-ENT-Etab");
        let error = read_member(&name, wrong.as_bytes(), &mut validator).expect_err("root");
        assert!(error.contains("élément racine « GAR-ENT-Etab »"), "{error}");
        // The validator is left clean for the next file.
        let read = read_member(&name, text.as_bytes(), &mut validator).expect("whole");
        assert_eq!((read.findings.len(), read.export.eleves.len()), (0, 1));
    }

    #[test]
    fn cdata_is_read_as_text() {
        let (name, text) = eleve_sample();
        let cdata = text.replacen(
            "<men:GARPersonNom>MARTIN<",
            "<men:GARPersonNom><![CDATA[MAR]]>TIN<",
            1,
        );
        let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
        let read = read_member(&name, cdata.as_bytes(), &mut validator).expect("readable");
        let pupil = read.export.eleves[0];
        assert_eq!(read.export.text(pupil.name.0), "MARTIN");
    }

    #[test]
    fn bytes_libxml2_would_read_otherwise_are_refused_before_it_does() {
        let (name, text) = eleve_sample();
        let refused = |bytes: &[u8], why: &str| {
            let error = screen(&name, bytes).expect_err(why);
            assert!(error.contains(why), "{error}");
            let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
            assert!(read_member(&name, bytes, &mut validator).is_err());
            // The public validation refuses them too.
            let lossy = String::from_utf8_lossy(bytes);
            let findings = validator.validate(&name, &lossy);
            assert_eq!(findings.len(), 1, "{findings:?}");
        };
        // A document cut at a NUL, or UTF-16 without a byte order mark.
        refused(format!("{text}\0<x/>").as_bytes(), "octet nul");
        let utf16: Vec<u8> = "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"x\"><r/>"
            .bytes()
            .flat_map(|b| [b, 0])
            .collect();
        refused(&utf16, "octet nul");
        // Another declared encoding would be obeyed by the parser.
        refused(
            "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE r+AD4-<r/>".as_bytes(),
            "encodage déclaré « UTF-7 »",
        );
        refused(
            text.replacen("encoding=\"UTF-8\"", "encoding='ISO-8859-1'", 1)
                .as_bytes(),
            "encodage déclaré « ISO-8859-1 »",
        );
        // Texts whose validation would cost their square.
        let long = text.replacen("MARTIN", &"M".repeat(MAX_STRETCH + 1), 1);
        refused(long.as_bytes(), "entre deux balises");
        let references = text.replacen("MARTIN", &"&amp;".repeat(MAX_REFERENCES + 1), 1);
        refused(references.as_bytes(), "entre deux balises");
        refused(
            "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>".as_bytes(),
            "DOCTYPE",
        );
        assert_eq!(screen(&name, text.as_bytes()), Ok(text.as_str()));
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
        let mut validator = Validator::new(super::super::XSD_1D).expect("schema");
        for kind in Kind::ALL {
            let name = format!("B0_GAR-ENT_Complet_20250901_210000_1D_{kind}_0000.xml");
            let path = format!("{}/fixtures/data/gar/{name}", env!("CARGO_MANIFEST_DIR"));
            let data = std::fs::read(&path).expect("sample");
            let read = read_member(&name, &data, &mut validator).expect("readable");
            assert_eq!((read.kind, read.findings), (kind, Vec::new()));
            export.absorb(read.export);
        }
        assert_eq!(export.etabs.len(), 1);
        let first = export.eleves[0];
        let (_, profile) = export.profiles(&first).next().expect("a profile");
        assert_eq!(export.text(profile), "National_elv");
        assert_eq!(export.memberships.len(), 2);
        assert_eq!(export.eleves[0].at.line, 4);
    }
}
