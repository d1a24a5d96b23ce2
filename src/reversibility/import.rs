//! The library's reference reader of the exchange format
//! "entconf-reversibilite/1": what a successor editor that knows only the
//! published format takes in from an archive, and what it must leave out.
//! EXPORT-07 (the round trip) compares what this reader takes in from the
//! candidate's school export with what the archive holds, record by record
//! on natural keys; no ENT is started for it, so no test fixture decides a
//! verdict.
//!
//! What belongs here: the reader's rules. Schools are taken in by UAI,
//! classes by (UAI, code), people by AAF join key; content is attached to
//! its class, its author or its owner, files are read from their `chemin`.
//! A record that cannot be attached that way is left out and reported
//! ([`LeftOut`]), never repaired:
//!
//! - a school without `id` or UAI; a class without `id`, code, or whose
//!   school is not taken in; a person without `id` or join key, or none of
//!   whose schools is taken in;
//! - a message, post, comment, cahier de textes entry, event, note or
//!   signature whose class or author (the `proprietaire` of a file) is not
//!   taken in, or whose date is not RFC 3339 with an offset;
//! - a file whose bytes cannot be read from the archive;
//! - a second record with the same natural key (or the same `id`): a
//!   successor holds one account per join key, one school per UAI.
//!
//! A kept record loses, and reports, a link to a record not taken in (a
//! recipient, a child, an attachment, a class of a person) and an optional
//! date that is not RFC 3339 (`pour_le`). A missing text (a name, a title)
//! is read as empty: the comparison shows what that loses.
//!
//! What does not belong here: trusting the archive. It is opened through
//! [`ZipExport`] (bounded, vetted, never extracted); record files are read
//! whole within `max_record_file` and parsed one record at a time, keeping
//! only the fields the format defines; file contents are only streamed
//! into SHA-256. Judging the losses is the EXPORT-07 check's business.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use super::archive::{EntryProblem, ZipExport};
use super::format::{
    ClassRecord, CommentRecord, EventRecord, FileRecord, HomeworkRecord, MessageRecord, NoteRecord,
    PersonRecord, PostRecord, Records, SchoolRecord, SignatureRecord,
};

/// What the reader took in from an archive, and what it left out.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// The records taken in, in the archive's order, with the archive's ids.
    /// Every link points to a record taken in (a link to a record left out,
    /// or to the second record of a natural key, is resolved to the record
    /// kept for that key, or dropped); every file carries the SHA-256 and
    /// size of the bytes the reader read, not the ones the archive claims.
    pub records: Records,
    /// Records, links and dates left out, with why, in reading order.
    pub left_out: Vec<LeftOut>,
}

/// The kind of a record, as the reports name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `donnees/ecoles.json`.
    School,
    /// `donnees/classes.json`.
    Class,
    /// `donnees/personnes.json`.
    Person,
    /// `donnees/fichiers.json`.
    File,
    /// `donnees/messages.json`.
    Message,
    /// `donnees/billets.json`.
    Post,
    /// A post's `commentaires`.
    Comment,
    /// `donnees/cahier_textes.json`.
    Homework,
    /// `donnees/agenda.json`.
    Event,
    /// `donnees/cahier_liaison.json`.
    Note,
    /// A note's `signatures`.
    Signature,
}

impl Kind {
    /// French name, singular.
    #[must_use]
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::School => "école",
            Self::Class => "classe",
            Self::Person => "personne",
            Self::File => "fichier",
            Self::Message => "message",
            Self::Post => "billet",
            Self::Comment => "commentaire",
            Self::Homework => "séance",
            Self::Event => "événement",
            Self::Note => "mot",
            Self::Signature => "signature",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_fr())
    }
}

/// Why something was left out. Field names are the format's.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// No `id`: nothing could refer to it.
    NoId,
    /// A school without `uai`.
    NoUai,
    /// A person without `jointure`.
    NoJoinKey,
    /// A class without `code`.
    NoCode,
    /// A file without `chemin`.
    NoPath,
    /// A comment without `texte`.
    NoText,
    /// The same natural key or `id` as a record already taken in: the key.
    Duplicate(String),
    /// The `ecole` of a class is absent or not taken in.
    SchoolNotTaken,
    /// None of the `ecoles` of a person is taken in.
    NoSchoolTaken,
    /// The `classe` of an item is absent or not taken in.
    ClassNotTaken,
    /// The person this field names is absent or not taken in.
    PersonNotTaken(&'static str),
    /// This date field is absent or not RFC 3339 with an offset.
    NotRfc3339(&'static str),
    /// The file's bytes could not be read: why.
    Unreadable(String),
    /// The record is kept; its link (field, target id) to a record not
    /// taken in is dropped.
    LinkDropped(&'static str, String),
    /// The record is kept; its optional date (field, value) that is not RFC
    /// 3339 with an offset is dropped.
    DateDropped(&'static str, String),
}

impl Why {
    /// The rule, without the values of this record (to group reports).
    #[must_use]
    pub fn rule(&self) -> String {
        match self {
            Self::NoId => "sans identifiant (id)".to_owned(),
            Self::NoUai => "sans UAI".to_owned(),
            Self::NoJoinKey => "sans jointure".to_owned(),
            Self::NoCode => "sans code".to_owned(),
            Self::NoPath => "sans chemin".to_owned(),
            Self::NoText => "sans texte".to_owned(),
            Self::Duplicate(_) => "clé naturelle ou id déjà repris".to_owned(),
            Self::SchoolNotTaken => "école absente ou non reprise".to_owned(),
            Self::NoSchoolTaken => "aucune de ses écoles n'est reprise".to_owned(),
            Self::ClassNotTaken => "classe absente ou non reprise".to_owned(),
            Self::PersonNotTaken(field) => format!("« {field} » absent ou non repris"),
            Self::NotRfc3339(field) => {
                format!("« {field} » absent ou qui n'est pas une date RFC 3339 avec décalage")
            }
            Self::Unreadable(_) => "contenu illisible dans l'archive".to_owned(),
            Self::LinkDropped(field, _) => {
                format!("lien « {field} » vers un enregistrement non repris, ignoré")
            }
            Self::DateDropped(field, _) => {
                format!("« {field} » qui n'est pas une date RFC 3339 avec décalage, ignoré")
            }
        }
    }

    /// Whether the record itself was kept (only a link or a date dropped).
    #[must_use]
    pub fn record_kept(&self) -> bool {
        matches!(self, Self::LinkDropped(..) | Self::DateDropped(..))
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate(key) => write!(f, "{key} déjà repris par un autre enregistrement"),
            Self::Unreadable(why) => write!(f, "contenu illisible : {why}"),
            Self::LinkDropped(field, target) => write!(
                f,
                "lien « {field} » vers « {target} », enregistrement non repris, ignoré"
            ),
            Self::DateDropped(field, value) => write!(
                f,
                "« {field} » = « {value} » n'est pas une date RFC 3339 avec décalage, ignoré"
            ),
            other => f.write_str(&other.rule()),
        }
    }
}

/// One thing the reader left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The kind of record concerned.
    pub kind: Kind,
    /// Which one: « its id », or its position when it has none.
    pub record: String,
    /// Why.
    pub why: Why,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} : {}", self.kind, self.record, self.why)
    }
}

/// Why the reader could take nothing in: a record file is missing, cannot
/// be read, or is not a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    /// A record file of the format is not in the archive.
    #[error("{0} absent de l'archive")]
    Missing(&'static str),
    /// A record file could not be read (size, CRC, truncated).
    #[error("{0}")]
    Unreadable(EntryProblem),
    /// A record file is not a JSON array.
    #[error("{name}, ligne {line} colonne {column} : {error}")]
    NotArray {
        /// The record file.
        name: &'static str,
        /// Where the parser stopped.
        line: usize,
        /// Where the parser stopped.
        column: usize,
        /// The parser's message.
        error: String,
    },
}

/// Reads `archive` as a successor would: the records it takes in and what
/// it leaves out. Record files are read within `max_record_file` bytes;
/// files are hashed on `threads` workers.
///
/// # Errors
/// [`ImportRefusal`] when a record file is missing, unreadable or not a
/// JSON array: nothing is taken in.
pub fn reimport(
    archive: &ZipExport,
    max_record_file: u64,
    threads: usize,
) -> Result<Imported, ImportRefusal> {
    let raw = Raw::read(archive, max_record_file)?;
    let mut reader = Reader::default();
    reader.schools(&raw.ecoles);
    reader.classes(&raw.classes);
    reader.persons(&raw.personnes);
    reader.files(&raw.fichiers, archive, threads);
    reader.messages(&raw.messages);
    reader.posts(&raw.billets);
    reader.homework(&raw.cahier_textes);
    reader.events(&raw.agenda);
    reader.notes(&raw.cahier_liaison);
    Ok(Imported {
        records: reader.records,
        left_out: reader.left_out,
    })
}

/// A date kept only if it is RFC 3339, with its offset (what the format says).
fn rfc3339(date: Option<&String>) -> Option<String> {
    date.filter(|d| chrono::DateTime::parse_from_rfc3339(d).is_ok())
        .cloned()
}

/// How a record is named in a report: « its id », or its position.
fn label(id: Option<&String>, position: usize) -> String {
    id.map_or_else(|| format!("n° {}", position + 1), |id| format!("« {id} »"))
}

/// A person taken, before its children are resolved: its position in the
/// file, its id, and its schools as (kept id, UAI).
type Placed = (usize, String, Vec<(String, String)>);

/// What has been taken in so far, and the maps from the archive's ids to
/// what was kept.
#[derive(Default)]
struct Reader {
    records: Records,
    left_out: Vec<LeftOut>,
    /// School id (every record with a UAI) → its UAI.
    school_uai: BTreeMap<String, String>,
    /// UAI → id of the school record taken in.
    school_of_uai: BTreeMap<String, String>,
    /// Class id → (UAI, id of the class record taken in).
    class_of: BTreeMap<String, (String, String)>,
    /// Person id → id of the person record taken in for its join key
    /// (persons left out are absent).
    person_of: BTreeMap<String, String>,
    /// Ids of the files taken in.
    files: BTreeSet<String>,
}

impl Reader {
    fn leave(&mut self, kind: Kind, record: String, why: Why) {
        self.left_out.push(LeftOut { kind, record, why });
    }

    fn person(&self, id: Option<&String>) -> Option<String> {
        id.and_then(|id| self.person_of.get(id)).cloned()
    }

    /// The (UAI, kept class id) of a class reference.
    fn class(&self, id: Option<&String>) -> Option<(String, String)> {
        id.and_then(|id| self.class_of.get(id)).cloned()
    }

    /// Person references resolved to persons taken in; the others reported.
    fn people(
        &mut self,
        kind: Kind,
        record: &str,
        field: &'static str,
        ids: &[String],
    ) -> Vec<String> {
        let mut kept = Vec::new();
        for id in ids {
            match self.person_of.get(id) {
                Some(person) => kept.push(person.clone()),
                None => self.leave(kind, record.to_owned(), Why::LinkDropped(field, id.clone())),
            }
        }
        kept
    }

    fn schools(&mut self, raw: &[RawSchool]) {
        for (n, school) in raw.iter().enumerate() {
            let record = label(school.id.as_ref(), n);
            let why = match (&school.id, &school.uai) {
                (None, _) => Some(Why::NoId),
                (Some(_), None) => Some(Why::NoUai),
                (Some(id), Some(_)) if self.school_uai.contains_key(id) => {
                    Some(Why::Duplicate(format!("l'id « {id} »")))
                }
                (Some(id), Some(uai)) => {
                    // A second record of a UAI is left out, but what refers
                    // to it is attached to the school kept for that UAI.
                    self.school_uai.insert(id.clone(), uai.clone());
                    if self.school_of_uai.contains_key(uai) {
                        Some(Why::Duplicate(format!("l'UAI {uai}")))
                    } else {
                        self.school_of_uai.insert(uai.clone(), id.clone());
                        self.records.ecoles.push(SchoolRecord {
                            id: id.clone(),
                            uai: Some(uai.clone()),
                            nom: school.nom.clone().unwrap_or_default(),
                        });
                        None
                    }
                }
            };
            if let Some(why) = why {
                self.leave(Kind::School, record, why);
            }
        }
    }

    fn classes(&mut self, raw: &[RawClass]) {
        let mut by_code: BTreeMap<(String, String), String> = BTreeMap::new();
        for (n, class) in raw.iter().enumerate() {
            let record = label(class.id.as_ref(), n);
            let Some(id) = &class.id else {
                self.leave(Kind::Class, record, Why::NoId);
                continue;
            };
            let Some(uai) = class
                .ecole
                .as_ref()
                .and_then(|s| self.school_uai.get(s))
                .cloned()
            else {
                self.leave(Kind::Class, record, Why::SchoolNotTaken);
                continue;
            };
            let Some(code) = &class.code else {
                self.leave(Kind::Class, record, Why::NoCode);
                continue;
            };
            if self.class_of.contains_key(id) {
                self.leave(
                    Kind::Class,
                    record,
                    Why::Duplicate(format!("l'id « {id} »")),
                );
                continue;
            }
            let key = (uai.clone(), code.clone());
            if let Some(kept) = by_code.get(&key) {
                self.class_of
                    .insert(id.clone(), (uai.clone(), kept.clone()));
                let why = Why::Duplicate(format!("la classe {uai}/{code}"));
                self.leave(Kind::Class, record, why);
                continue;
            }
            by_code.insert(key, id.clone());
            self.class_of.insert(id.clone(), (uai.clone(), id.clone()));
            let school = self.school_of_uai.get(&uai).cloned().unwrap_or_default();
            self.records.classes.push(ClassRecord {
                id: id.clone(),
                ecole: school,
                code: code.clone(),
                libelle: class.libelle.clone().unwrap_or_default(),
            });
        }
    }

    fn persons(&mut self, raw: &[RawPerson]) {
        // First the keys and the schools, so that children can be resolved
        // to persons taken in whatever the order of the records.
        let mut by_key: BTreeMap<String, String> = BTreeMap::new();
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut aliases: Vec<(String, String)> = Vec::new();
        let mut placed: Vec<Placed> = Vec::new();
        for (n, person) in raw.iter().enumerate() {
            let record = label(person.id.as_ref(), n);
            let (Some(id), Some(jointure)) = (&person.id, &person.jointure) else {
                let why = if person.id.is_none() {
                    Why::NoId
                } else {
                    Why::NoJoinKey
                };
                self.leave(Kind::Person, record, why);
                continue;
            };
            if !ids.insert(id.clone()) {
                self.leave(
                    Kind::Person,
                    record,
                    Why::Duplicate(format!("l'id « {id} »")),
                );
                continue;
            }
            if let Some(kept) = by_key.get(jointure) {
                aliases.push((id.clone(), kept.clone()));
                let why = Why::Duplicate(format!("la jointure {jointure}"));
                self.leave(Kind::Person, record, why);
                continue;
            }
            let mut schools: Vec<(String, String)> = Vec::new();
            for school in &person.ecoles {
                if let Some(uai) = self.school_uai.get(school)
                    && let Some(kept) = self.school_of_uai.get(uai)
                    && !schools.iter().any(|(k, _)| k == kept)
                {
                    schools.push((kept.clone(), uai.clone()));
                }
            }
            if schools.is_empty() {
                self.leave(Kind::Person, record, Why::NoSchoolTaken);
                continue;
            }
            by_key.insert(jointure.clone(), id.clone());
            placed.push((n, id.clone(), schools));
        }
        for (_, id, _) in &placed {
            self.person_of.insert(id.clone(), id.clone());
        }
        // A second record of a join key stands for the person kept for it.
        for (alias, kept) in aliases {
            if self.person_of.contains_key(&kept) {
                self.person_of.insert(alias, kept);
            }
        }
        for (n, id, schools) in placed {
            let Some(person) = raw.get(n) else {
                continue;
            };
            let record = format!("« {id} »");
            for school in &person.ecoles {
                if !self.school_uai.contains_key(school) {
                    self.leave(
                        Kind::Person,
                        record.clone(),
                        Why::LinkDropped("ecoles", school.clone()),
                    );
                }
            }
            let mut classes: Vec<String> = Vec::new();
            for class in &person.classes {
                // A class of a school the person does not belong to is not
                // theirs in the successor either.
                match self.class_of.get(class) {
                    Some((uai, kept)) if schools.iter().any(|(_, u)| u == uai) => {
                        if !classes.contains(kept) {
                            classes.push(kept.clone());
                        }
                    }
                    _ => self.leave(
                        Kind::Person,
                        record.clone(),
                        Why::LinkDropped("classes", class.clone()),
                    ),
                }
            }
            let mut children: Vec<String> = Vec::new();
            for child in self.people(Kind::Person, &record, "enfants", &person.enfants) {
                if !children.contains(&child) {
                    children.push(child);
                }
            }
            self.records.personnes.push(PersonRecord {
                id: id.clone(),
                jointure: person.jointure.clone(),
                profil: person.profil.clone().unwrap_or_default(),
                nom: person.nom.clone().unwrap_or_default(),
                prenom: person.prenom.clone().unwrap_or_default(),
                ecoles: schools.into_iter().map(|(kept, _)| kept).collect(),
                classes,
                enfants: children,
            });
        }
    }

    fn files(&mut self, raw: &[RawFile], archive: &ZipExport, threads: usize) {
        if raw.is_empty() {
            return;
        }
        let digests: BTreeMap<usize, Result<(String, u64), String>> = archive
            .digest_all(threads)
            .into_iter()
            .map(|(index, digest)| {
                (
                    index,
                    digest
                        .map(|d| (d.sha256, d.bytes))
                        .map_err(|problem| problem.to_string()),
                )
            })
            .collect();
        for (n, file) in raw.iter().enumerate() {
            let record = label(file.id.as_ref(), n);
            let Some(id) = &file.id else {
                self.leave(Kind::File, record, Why::NoId);
                continue;
            };
            let Some(owner) = self.person(file.proprietaire.as_ref()) else {
                self.leave(Kind::File, record, Why::PersonNotTaken("proprietaire"));
                continue;
            };
            let Some(path) = &file.chemin else {
                self.leave(Kind::File, record, Why::NoPath);
                continue;
            };
            if self.files.contains(id) {
                self.leave(Kind::File, record, Why::Duplicate(format!("l'id « {id} »")));
                continue;
            }
            let read = match archive.find(path) {
                None => Err(format!("{path} absent de l'archive")),
                Some(entry) if entry.directory => Err(format!("{path} est un répertoire")),
                Some(entry) => digests
                    .get(&entry.index)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("{path} : empreinte non calculée"))),
            };
            let (sha256, octets) = match read {
                Ok(digest) => digest,
                Err(why) => {
                    self.leave(Kind::File, record, Why::Unreadable(why));
                    continue;
                }
            };
            self.files.insert(id.clone());
            self.records.fichiers.push(FileRecord {
                id: id.clone(),
                nom: file.nom.clone().unwrap_or_default(),
                media_type: file.media_type.clone().unwrap_or_default(),
                sha256,
                octets,
                proprietaire: owner,
                chemin: path.clone(),
            });
        }
    }

    fn messages(&mut self, raw: &[RawMessage]) {
        for (n, message) in raw.iter().enumerate() {
            let record = label(message.id.as_ref(), n);
            let Some(id) = &message.id else {
                self.leave(Kind::Message, record, Why::NoId);
                continue;
            };
            let Some(author) = self.person(message.auteur.as_ref()) else {
                self.leave(Kind::Message, record, Why::PersonNotTaken("auteur"));
                continue;
            };
            let Some(date) = rfc3339(message.date.as_ref()) else {
                self.leave(Kind::Message, record, Why::NotRfc3339("date"));
                continue;
            };
            let recipients = self.people(
                Kind::Message,
                &record,
                "destinataires",
                &message.destinataires,
            );
            let mut attachments = Vec::new();
            for file in &message.pieces_jointes {
                if self.files.contains(file) {
                    attachments.push(file.clone());
                } else {
                    let why = Why::LinkDropped("pieces_jointes", file.clone());
                    self.leave(Kind::Message, record.clone(), why);
                }
            }
            self.records.messages.push(MessageRecord {
                id: id.clone(),
                auteur: author,
                destinataires: recipients,
                objet: message.objet.clone().unwrap_or_default(),
                corps: message.corps.clone().unwrap_or_default(),
                date,
                pieces_jointes: attachments,
            });
        }
    }

    /// The id, class, author of an item that has them, or why not.
    fn placed(
        &self,
        id: Option<&String>,
        class: Option<&String>,
        author: Option<Option<&String>>,
    ) -> Result<(String, String, String), Why> {
        let id = id.ok_or(Why::NoId)?;
        let (_, class) = self.class(class).ok_or(Why::ClassNotTaken)?;
        let author = match author {
            None => String::new(),
            Some(author) => self.person(author).ok_or(Why::PersonNotTaken("auteur"))?,
        };
        Ok((id.clone(), class, author))
    }

    fn posts(&mut self, raw: &[RawPost]) {
        for (n, post) in raw.iter().enumerate() {
            let record = label(post.id.as_ref(), n);
            let placed = self
                .placed(
                    post.id.as_ref(),
                    post.classe.as_ref(),
                    Some(post.auteur.as_ref()),
                )
                .and_then(|placed| {
                    rfc3339(post.date.as_ref())
                        .map(|date| (placed, date))
                        .ok_or(Why::NotRfc3339("date"))
                });
            let ((id, class, author), date) = match placed {
                Ok(placed) => placed,
                Err(why) => {
                    self.leave(Kind::Post, record, why);
                    continue;
                }
            };
            let mut comments = Vec::new();
            for (k, comment) in post.commentaires.iter().enumerate() {
                match self.comment(comment) {
                    Ok(comment) => comments.push(comment),
                    Err(why) => {
                        let which = comment.id.as_ref().map_or_else(
                            || format!("n° {} du billet « {id} »", k + 1),
                            |c| format!("« {c} »"),
                        );
                        self.leave(Kind::Comment, which, why);
                    }
                }
            }
            self.records.billets.push(PostRecord {
                id,
                classe: class,
                auteur: author,
                titre: post.titre.clone().unwrap_or_default(),
                contenu: post.contenu.clone().unwrap_or_default(),
                date,
                commentaires: comments,
            });
        }
    }

    fn comment(&self, comment: &RawComment) -> Result<CommentRecord, Why> {
        let id = comment.id.clone().ok_or(Why::NoId)?;
        let author = self
            .person(comment.auteur.as_ref())
            .ok_or(Why::PersonNotTaken("auteur"))?;
        let text = comment.texte.clone().ok_or(Why::NoText)?;
        let date = rfc3339(comment.date.as_ref()).ok_or(Why::NotRfc3339("date"))?;
        Ok(CommentRecord {
            id,
            auteur: author,
            texte: text,
            date,
        })
    }

    fn homework(&mut self, raw: &[RawHomework]) {
        for (n, entry) in raw.iter().enumerate() {
            let record = label(entry.id.as_ref(), n);
            let placed = self
                .placed(
                    entry.id.as_ref(),
                    entry.classe.as_ref(),
                    Some(entry.auteur.as_ref()),
                )
                .and_then(|placed| {
                    rfc3339(entry.seance.as_ref())
                        .map(|lesson| (placed, lesson))
                        .ok_or(Why::NotRfc3339("seance"))
                });
            let ((id, class, author), lesson) = match placed {
                Ok(placed) => placed,
                Err(why) => {
                    self.leave(Kind::Homework, record, why);
                    continue;
                }
            };
            let due = match &entry.pour_le {
                None => None,
                Some(due) => {
                    let kept = rfc3339(Some(due));
                    if kept.is_none() {
                        let why = Why::DateDropped("pour_le", due.clone());
                        self.leave(Kind::Homework, record, why);
                    }
                    kept
                }
            };
            self.records.cahier_textes.push(HomeworkRecord {
                id,
                classe: class,
                auteur: author,
                seance: lesson,
                contenu: entry.contenu.clone().unwrap_or_default(),
                pour_le: due,
            });
        }
    }

    fn events(&mut self, raw: &[RawEvent]) {
        for (n, event) in raw.iter().enumerate() {
            let record = label(event.id.as_ref(), n);
            let placed = self
                .placed(event.id.as_ref(), event.classe.as_ref(), None)
                .and_then(|placed| {
                    let start = rfc3339(event.debut.as_ref()).ok_or(Why::NotRfc3339("debut"))?;
                    let end = rfc3339(event.fin.as_ref()).ok_or(Why::NotRfc3339("fin"))?;
                    Ok((placed, start, end))
                });
            let ((id, class, _), start, end) = match placed {
                Ok(placed) => placed,
                Err(why) => {
                    self.leave(Kind::Event, record, why);
                    continue;
                }
            };
            self.records.agenda.push(EventRecord {
                id,
                classe: class,
                titre: event.titre.clone().unwrap_or_default(),
                debut: start,
                fin: end,
                lieu: event.lieu.clone(),
            });
        }
    }

    fn notes(&mut self, raw: &[RawNote]) {
        for (n, note) in raw.iter().enumerate() {
            let record = label(note.id.as_ref(), n);
            let (id, class, author) = match self.placed(
                note.id.as_ref(),
                note.classe.as_ref(),
                Some(note.auteur.as_ref()),
            ) {
                Ok(placed) => placed,
                Err(why) => {
                    self.leave(Kind::Note, record, why);
                    continue;
                }
            };
            let mut signatures = Vec::new();
            for (k, signature) in note.signatures.iter().enumerate() {
                let which = format!("n° {} du mot « {id} »", k + 1);
                let Some(parent) = self.person(signature.responsable.as_ref()) else {
                    self.leave(Kind::Signature, which, Why::PersonNotTaken("responsable"));
                    continue;
                };
                let Some(date) = rfc3339(signature.date.as_ref()) else {
                    self.leave(Kind::Signature, which, Why::NotRfc3339("date"));
                    continue;
                };
                signatures.push(SignatureRecord {
                    responsable: parent,
                    date,
                });
            }
            self.records.cahier_liaison.push(NoteRecord {
                id,
                classe: class,
                auteur: author,
                texte: note.texte.clone().unwrap_or_default(),
                signature_requise: note.signature_requise,
                signatures,
            });
        }
    }
}

// What the reader keeps of each record as written: the format's fields
// only, a field of the wrong type read as absent (a list as empty), so that
// one bad record is left out alone instead of failing its whole file.

fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn list(value: &Value, field: &str) -> Vec<String> {
    value
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn nested<T: FromValue>(value: &Value, field: &str) -> Vec<T> {
    value
        .get(field)
        .and_then(Value::as_array)
        .map(|items| items.iter().map(T::of).collect())
        .unwrap_or_default()
}

/// A record as written, read from its JSON value.
trait FromValue {
    fn of(value: &Value) -> Self;
}

struct RawSchool {
    id: Option<String>,
    uai: Option<String>,
    nom: Option<String>,
}

impl FromValue for RawSchool {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            uai: text(v, "uai"),
            nom: text(v, "nom"),
        }
    }
}

struct RawClass {
    id: Option<String>,
    ecole: Option<String>,
    code: Option<String>,
    libelle: Option<String>,
}

impl FromValue for RawClass {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            ecole: text(v, "ecole"),
            code: text(v, "code"),
            libelle: text(v, "libelle"),
        }
    }
}

struct RawPerson {
    id: Option<String>,
    jointure: Option<String>,
    profil: Option<String>,
    nom: Option<String>,
    prenom: Option<String>,
    ecoles: Vec<String>,
    classes: Vec<String>,
    enfants: Vec<String>,
}

impl FromValue for RawPerson {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            jointure: text(v, "jointure"),
            profil: text(v, "profil"),
            nom: text(v, "nom"),
            prenom: text(v, "prenom"),
            ecoles: list(v, "ecoles"),
            classes: list(v, "classes"),
            enfants: list(v, "enfants"),
        }
    }
}

struct RawMessage {
    id: Option<String>,
    auteur: Option<String>,
    destinataires: Vec<String>,
    objet: Option<String>,
    corps: Option<String>,
    date: Option<String>,
    pieces_jointes: Vec<String>,
}

impl FromValue for RawMessage {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            auteur: text(v, "auteur"),
            destinataires: list(v, "destinataires"),
            objet: text(v, "objet"),
            corps: text(v, "corps"),
            date: text(v, "date"),
            pieces_jointes: list(v, "pieces_jointes"),
        }
    }
}

struct RawPost {
    id: Option<String>,
    classe: Option<String>,
    auteur: Option<String>,
    titre: Option<String>,
    contenu: Option<String>,
    date: Option<String>,
    commentaires: Vec<RawComment>,
}

impl FromValue for RawPost {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            classe: text(v, "classe"),
            auteur: text(v, "auteur"),
            titre: text(v, "titre"),
            contenu: text(v, "contenu"),
            date: text(v, "date"),
            commentaires: nested(v, "commentaires"),
        }
    }
}

struct RawComment {
    id: Option<String>,
    auteur: Option<String>,
    texte: Option<String>,
    date: Option<String>,
}

impl FromValue for RawComment {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            auteur: text(v, "auteur"),
            texte: text(v, "texte"),
            date: text(v, "date"),
        }
    }
}

struct RawHomework {
    id: Option<String>,
    classe: Option<String>,
    auteur: Option<String>,
    seance: Option<String>,
    contenu: Option<String>,
    pour_le: Option<String>,
}

impl FromValue for RawHomework {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            classe: text(v, "classe"),
            auteur: text(v, "auteur"),
            seance: text(v, "seance"),
            contenu: text(v, "contenu"),
            pour_le: text(v, "pour_le"),
        }
    }
}

struct RawEvent {
    id: Option<String>,
    classe: Option<String>,
    titre: Option<String>,
    debut: Option<String>,
    fin: Option<String>,
    lieu: Option<String>,
}

impl FromValue for RawEvent {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            classe: text(v, "classe"),
            titre: text(v, "titre"),
            debut: text(v, "debut"),
            fin: text(v, "fin"),
            lieu: text(v, "lieu"),
        }
    }
}

struct RawNote {
    id: Option<String>,
    classe: Option<String>,
    auteur: Option<String>,
    texte: Option<String>,
    signature_requise: bool,
    signatures: Vec<RawSignature>,
}

impl FromValue for RawNote {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            classe: text(v, "classe"),
            auteur: text(v, "auteur"),
            texte: text(v, "texte"),
            // Not a boolean: no signature asked, as the fixture read it.
            signature_requise: v
                .get("signature_requise")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            signatures: nested(v, "signatures"),
        }
    }
}

struct RawSignature {
    responsable: Option<String>,
    date: Option<String>,
}

impl FromValue for RawSignature {
    fn of(v: &Value) -> Self {
        Self {
            responsable: text(v, "responsable"),
            date: text(v, "date"),
        }
    }
}

struct RawFile {
    id: Option<String>,
    nom: Option<String>,
    media_type: Option<String>,
    proprietaire: Option<String>,
    chemin: Option<String>,
}

impl FromValue for RawFile {
    fn of(v: &Value) -> Self {
        Self {
            id: text(v, "id"),
            nom: text(v, "nom"),
            media_type: text(v, "type"),
            proprietaire: text(v, "proprietaire"),
            chemin: text(v, "chemin"),
        }
    }
}

/// A record file parsed one element at a time: each element becomes a JSON
/// value only while its fields are copied out, so memory follows what is
/// kept, not the size of the whole tree.
struct Each<T>(Vec<T>);

impl<'de, T: FromValue> Deserialize<'de> for Each<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T>(PhantomData<T>);
        impl<'de, T: FromValue> Visitor<'de> for Elements<T> {
            type Value = Each<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("un tableau JSON d'enregistrements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Each<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(value) = seq.next_element::<Value>()? {
                    items.push(T::of(&value));
                }
                Ok(Each(items))
            }
        }
        deserializer.deserialize_seq(Elements(PhantomData))
    }
}

/// Every record file, as written.
struct Raw {
    ecoles: Vec<RawSchool>,
    classes: Vec<RawClass>,
    personnes: Vec<RawPerson>,
    messages: Vec<RawMessage>,
    billets: Vec<RawPost>,
    cahier_textes: Vec<RawHomework>,
    agenda: Vec<RawEvent>,
    cahier_liaison: Vec<RawNote>,
    fichiers: Vec<RawFile>,
}

impl Raw {
    fn read(archive: &ZipExport, max: u64) -> Result<Self, ImportRefusal> {
        fn file<T: FromValue>(
            archive: &ZipExport,
            name: &'static str,
            max: u64,
        ) -> Result<Vec<T>, ImportRefusal> {
            let entry = archive
                .find(name)
                .filter(|e| !e.directory)
                .ok_or(ImportRefusal::Missing(name))?;
            let bytes = archive
                .read(entry.index, max)
                .map_err(ImportRefusal::Unreadable)?;
            serde_json::from_slice::<Each<T>>(&bytes)
                .map(|each| each.0)
                .map_err(|error| ImportRefusal::NotArray {
                    name,
                    line: error.line(),
                    column: error.column(),
                    error: error.to_string(),
                })
        }
        Ok(Self {
            ecoles: file(archive, "donnees/ecoles.json", max)?,
            classes: file(archive, "donnees/classes.json", max)?,
            personnes: file(archive, "donnees/personnes.json", max)?,
            messages: file(archive, "donnees/messages.json", max)?,
            billets: file(archive, "donnees/billets.json", max)?,
            cahier_textes: file(archive, "donnees/cahier_textes.json", max)?,
            agenda: file(archive, "donnees/agenda.json", max)?,
            cahier_liaison: file(archive, "donnees/cahier_liaison.json", max)?,
            fichiers: file(archive, "donnees/fichiers.json", max)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::{Cursor, Write};
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    use serde_json::{Value, json};
    use zip::ZipWriter;
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::reversibility::archive::ZipLimits;

    static COUNTER: AtomicU32 = AtomicU32::new(0);

    const DATE: &str = "2024-03-04T08:30:00+01:00";
    const LOCAL: &str = "2024-03-04T08:30:00";

    /// An archive in the format, built by hand: record files and entries.
    struct Archive {
        records: BTreeMap<&'static str, Value>,
        entries: Vec<(String, Vec<u8>)>,
    }

    impl Archive {
        /// One school, one class, a teacher, a parent and their child, and
        /// one record of every other kind, all valid.
        fn clean() -> Self {
            let mut records = BTreeMap::new();
            records.insert(
                "ecoles",
                json!([{ "id": "e1", "uai": "0750001A", "nom": "École des Tilleuls" }]),
            );
            records.insert(
                "classes",
                json!([{ "id": "k1", "ecole": "e1", "code": "CM1A", "libelle": "CM1 A" }]),
            );
            records.insert(
                "personnes",
                json!([
                    { "id": "p1", "jointure": "J1", "profil": "enseignant", "nom": "Martin",
                      "prenom": "Anne", "ecoles": ["e1"], "classes": ["k1"], "enfants": [] },
                    { "id": "p2", "jointure": "J2", "profil": "parent", "nom": "Durand",
                      "prenom": "Paul", "ecoles": ["e1"], "classes": [], "enfants": ["p3"] },
                    { "id": "p3", "jointure": "J3", "profil": "eleve", "nom": "Durand",
                      "prenom": "Léa", "ecoles": ["e1"], "classes": ["k1"], "enfants": [] }
                ]),
            );
            records.insert(
                "fichiers",
                json!([{ "id": "f1", "nom": "a.txt", "type": "text/plain",
                         "sha256": "annoncé", "octets": 99, "proprietaire": "p1",
                         "chemin": "fichiers/a.txt" }]),
            );
            records.insert(
                "messages",
                json!([{ "id": "m1", "auteur": "p1", "destinataires": ["p2"], "objet": "Sortie",
                         "corps": "Bonjour", "date": DATE, "pieces_jointes": ["f1"] }]),
            );
            records.insert(
                "billets",
                json!([{ "id": "b1", "classe": "k1", "auteur": "p1", "titre": "Visite",
                         "contenu": "Au musée", "date": "2024-03-04T07:30:00Z",
                         "commentaires": [{ "id": "r1", "auteur": "p2", "texte": "Merci",
                                            "date": DATE }] }]),
            );
            records.insert(
                "cahier_textes",
                json!([{ "id": "t1", "classe": "k1", "auteur": "p1", "seance": DATE,
                         "contenu": "Poésie", "pour_le": DATE }]),
            );
            records.insert(
                "agenda",
                json!([{ "id": "a1", "classe": "k1", "titre": "Piscine", "debut": DATE,
                         "fin": DATE, "lieu": "Bassin" }]),
            );
            records.insert(
                "cahier_liaison",
                json!([{ "id": "n1", "classe": "k1", "auteur": "p1", "texte": "Signez",
                         "signature_requise": true,
                         "signatures": [{ "responsable": "p2", "date": DATE }] }]),
            );
            Self {
                records,
                entries: vec![("fichiers/a.txt".to_owned(), b"abc".to_vec())],
            }
        }

        /// The first record of `file`, to change.
        fn first(&mut self, file: &str) -> &mut Value {
            self.records.get_mut(file).unwrap().get_mut(0).unwrap()
        }

        /// Appends a record to `file`.
        fn push(&mut self, file: &str, record: Value) {
            self.records
                .get_mut(file)
                .unwrap()
                .as_array_mut()
                .unwrap()
                .push(record);
        }

        fn bytes(&self) -> Vec<u8> {
            let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
            let options = SimpleFileOptions::default();
            for (name, value) in &self.records {
                writer
                    .start_file(format!("donnees/{name}.json"), options)
                    .unwrap();
                writer
                    .write_all(&serde_json::to_vec(value).unwrap())
                    .unwrap();
            }
            for (name, bytes) in &self.entries {
                writer.start_file(name.as_str(), options).unwrap();
                writer.write_all(bytes).unwrap();
            }
            writer.finish().unwrap().into_inner()
        }

        fn read(&self) -> Result<Imported, ImportRefusal> {
            read_bytes(&self.bytes(), ZipLimits::default().max_record_file)
        }

        fn taken(&self) -> Imported {
            self.read().unwrap()
        }
    }

    fn read_bytes(bytes: &[u8], max: u64) -> Result<Imported, ImportRefusal> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path: PathBuf = std::env::temp_dir().join(format!(
            "entconf-import-test-{}-{n}.zip",
            std::process::id()
        ));
        std::fs::write(&path, bytes).unwrap();
        let archive = ZipExport::open(&path, &ZipLimits::default());
        let _ = std::fs::remove_file(&path);
        reimport(&archive.unwrap(), max, 2)
    }

    fn left(imported: &Imported) -> Vec<(Kind, Why)> {
        imported
            .left_out
            .iter()
            .map(|l| (l.kind, l.why.clone()))
            .collect()
    }

    fn ids<T>(records: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
        records.iter().map(|r| id(r).to_owned()).collect()
    }

    #[test]
    fn a_clean_archive_is_taken_in_whole() {
        let imported = Archive::clean().taken();
        assert_eq!(imported.left_out, Vec::new());
        let records = &imported.records;
        assert_eq!(records.ecoles.len(), 1);
        assert_eq!(records.classes.len(), 1);
        assert_eq!(ids(&records.personnes, |p| &p.id), ["p1", "p2", "p3"]);
        assert_eq!(records.personnes[1].enfants, ["p3"]);
        assert_eq!(records.personnes[0].classes, ["k1"]);
        assert_eq!(records.messages[0].destinataires, ["p2"]);
        assert_eq!(records.messages[0].pieces_jointes, ["f1"]);
        assert_eq!(records.billets[0].commentaires.len(), 1);
        assert_eq!(records.cahier_textes[0].pour_le.as_deref(), Some(DATE));
        assert_eq!(records.agenda.len(), 1);
        assert_eq!(records.cahier_liaison[0].signatures.len(), 1);
        // The digest of the bytes read, not the one the record claims.
        let file = &records.fichiers[0];
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(file.octets, 3);
    }

    /// Each rule, broken once: the record named is left out with its reason
    /// (the clean archive above is the same rules holding).
    #[test]
    fn every_rule_leaves_its_record_out() {
        type Change = fn(&mut Archive);
        let cases: Vec<(&str, Change, (Kind, Why))> = vec![
            (
                "école sans UAI",
                |a| {
                    a.first("ecoles").as_object_mut().unwrap().remove("uai");
                },
                (Kind::School, Why::NoUai),
            ),
            (
                "UAI qui n'est pas un texte",
                |a| a.first("ecoles")["uai"] = json!(750001),
                (Kind::School, Why::NoUai),
            ),
            (
                "école sans id",
                |a| {
                    a.first("ecoles").as_object_mut().unwrap().remove("id");
                },
                (Kind::School, Why::NoId),
            ),
            (
                "classe d'une école inconnue",
                |a| a.first("classes")["ecole"] = json!("e9"),
                (Kind::Class, Why::SchoolNotTaken),
            ),
            (
                "classe sans code",
                |a| a.first("classes")["code"] = Value::Null,
                (Kind::Class, Why::NoCode),
            ),
            (
                "personne sans jointure",
                |a| {
                    a.first("personnes")
                        .as_object_mut()
                        .unwrap()
                        .remove("jointure");
                },
                (Kind::Person, Why::NoJoinKey),
            ),
            (
                "personne sans école reprise",
                |a| a.first("personnes")["ecoles"] = json!(["e9"]),
                (Kind::Person, Why::NoSchoolTaken),
            ),
            (
                "fichier sans chemin",
                |a| {
                    a.first("fichiers")
                        .as_object_mut()
                        .unwrap()
                        .remove("chemin");
                },
                (Kind::File, Why::NoPath),
            ),
            (
                "fichier d'un propriétaire inconnu",
                |a| a.first("fichiers")["proprietaire"] = json!("p9"),
                (Kind::File, Why::PersonNotTaken("proprietaire")),
            ),
            (
                "fichier absent de l'archive",
                |a| a.entries.clear(),
                (
                    Kind::File,
                    Why::Unreadable("fichiers/a.txt absent de l'archive".to_owned()),
                ),
            ),
            (
                "message à date locale",
                |a| a.first("messages")["date"] = json!(LOCAL),
                (Kind::Message, Why::NotRfc3339("date")),
            ),
            (
                "message sans date",
                |a| a.first("messages")["date"] = Value::Null,
                (Kind::Message, Why::NotRfc3339("date")),
            ),
            (
                "message d'un auteur inconnu",
                |a| a.first("messages")["auteur"] = json!("p9"),
                (Kind::Message, Why::PersonNotTaken("auteur")),
            ),
            (
                "billet d'une classe inconnue",
                |a| a.first("billets")["classe"] = json!("k9"),
                (Kind::Post, Why::ClassNotTaken),
            ),
            (
                "billet à date locale",
                |a| a.first("billets")["date"] = json!(LOCAL),
                (Kind::Post, Why::NotRfc3339("date")),
            ),
            (
                "commentaire à date locale",
                |a| a.first("billets")["commentaires"][0]["date"] = json!(LOCAL),
                (Kind::Comment, Why::NotRfc3339("date")),
            ),
            (
                "commentaire sans texte",
                |a| a.first("billets")["commentaires"][0]["texte"] = Value::Null,
                (Kind::Comment, Why::NoText),
            ),
            (
                "séance à date locale",
                |a| a.first("cahier_textes")["seance"] = json!(LOCAL),
                (Kind::Homework, Why::NotRfc3339("seance")),
            ),
            (
                "séance d'un auteur inconnu",
                |a| a.first("cahier_textes")["auteur"] = json!("p9"),
                (Kind::Homework, Why::PersonNotTaken("auteur")),
            ),
            (
                "événement qui finit à une date locale",
                |a| a.first("agenda")["fin"] = json!(LOCAL),
                (Kind::Event, Why::NotRfc3339("fin")),
            ),
            (
                "événement sans classe",
                |a| {
                    a.first("agenda").as_object_mut().unwrap().remove("classe");
                },
                (Kind::Event, Why::ClassNotTaken),
            ),
            (
                "mot d'un auteur inconnu",
                |a| a.first("cahier_liaison")["auteur"] = json!("p9"),
                (Kind::Note, Why::PersonNotTaken("auteur")),
            ),
            (
                "signature à date locale",
                |a| a.first("cahier_liaison")["signatures"][0]["date"] = json!(LOCAL),
                (Kind::Signature, Why::NotRfc3339("date")),
            ),
            (
                "signature d'un inconnu",
                |a| a.first("cahier_liaison")["signatures"][0]["responsable"] = json!("p9"),
                (Kind::Signature, Why::PersonNotTaken("responsable")),
            ),
            (
                "enregistrement qui n'est pas un objet",
                |a| a.push("messages", json!("m2")),
                (Kind::Message, Why::NoId),
            ),
        ];
        for (name, change, expected) in cases {
            let mut archive = Archive::clean();
            change(&mut archive);
            let imported = archive.taken();
            let found = left(&imported);
            assert!(
                found.contains(&expected),
                "{name}: {expected:?} not in {found:?}"
            );
            assert!(!expected.1.record_kept(), "{name}");
        }
    }

    #[test]
    fn what_depends_on_a_record_left_out_goes_with_it() {
        let mut archive = Archive::clean();
        archive.first("ecoles")["uai"] = Value::Null;
        let imported = archive.taken();
        let found = left(&imported);
        assert!(found.contains(&(Kind::Class, Why::SchoolNotTaken)));
        assert!(found.contains(&(Kind::Person, Why::NoSchoolTaken)));
        assert!(found.contains(&(Kind::File, Why::PersonNotTaken("proprietaire"))));
        assert!(found.contains(&(Kind::Message, Why::PersonNotTaken("auteur"))));
        assert!(found.contains(&(Kind::Post, Why::ClassNotTaken)));
        let records = &imported.records;
        assert!(records.ecoles.is_empty() && records.personnes.is_empty());
        assert!(records.messages.is_empty() && records.fichiers.is_empty());
    }

    #[test]
    fn a_dated_item_keeps_its_offset_whatever_it_is() {
        let mut archive = Archive::clean();
        archive.first("messages")["date"] = json!("2024-03-04T07:30:00.250Z");
        archive.first("agenda")["debut"] = json!("2024-03-04T08:30:00-05:00");
        let imported = archive.taken();
        assert_eq!(imported.left_out, Vec::new());
        assert_eq!(
            imported.records.messages[0].date,
            "2024-03-04T07:30:00.250Z"
        );
        assert_eq!(
            imported.records.agenda[0].debut,
            "2024-03-04T08:30:00-05:00"
        );
    }

    #[test]
    fn a_kept_record_loses_only_its_broken_links() {
        let mut archive = Archive::clean();
        archive.first("messages")["destinataires"] = json!(["p2", "p9"]);
        archive.first("messages")["pieces_jointes"] = json!(["f1", "f9"]);
        archive.first("cahier_textes")["pour_le"] = json!(LOCAL);
        archive.first("personnes")["enfants"] = json!(["p8"]);
        // A class of a school the person is not in is not theirs.
        archive.push(
            "ecoles",
            json!({ "id": "e2", "uai": "0750002B", "nom": "École des Chênes" }),
        );
        archive.push(
            "classes",
            json!({ "id": "k2", "ecole": "e2", "code": "CE2", "libelle": "CE2" }),
        );
        archive.first("personnes")["classes"] = json!(["k1", "k2"]);
        let imported = archive.taken();
        let found = left(&imported);
        for expected in [
            (
                Kind::Message,
                Why::LinkDropped("destinataires", "p9".to_owned()),
            ),
            (
                Kind::Message,
                Why::LinkDropped("pieces_jointes", "f9".to_owned()),
            ),
            (
                Kind::Homework,
                Why::DateDropped("pour_le", LOCAL.to_owned()),
            ),
            (Kind::Person, Why::LinkDropped("enfants", "p8".to_owned())),
            (Kind::Person, Why::LinkDropped("classes", "k2".to_owned())),
        ] {
            assert!(expected.1.record_kept());
            assert!(found.contains(&expected), "{expected:?} not in {found:?}");
        }
        assert_eq!(found.len(), 5, "{found:?}");
        let records = &imported.records;
        assert_eq!(records.messages[0].destinataires, ["p2"]);
        assert_eq!(records.messages[0].pieces_jointes, ["f1"]);
        assert_eq!(records.cahier_textes[0].pour_le, None);
        assert_eq!(records.personnes[0].classes, ["k1"]);
        assert!(records.personnes[0].enfants.is_empty());
    }

    #[test]
    fn a_natural_key_is_taken_in_once() {
        let mut archive = Archive::clean();
        archive.push(
            "ecoles",
            json!({ "id": "e1bis", "uai": "0750001A", "nom": "Tilleuls (doublon)" }),
        );
        archive.push(
            "classes",
            json!({ "id": "k1bis", "ecole": "e1bis", "code": "CM1A", "libelle": "CM1 A" }),
        );
        archive.push(
            "personnes",
            json!({ "id": "p1bis", "jointure": "J1", "profil": "enseignant", "nom": "Martin",
                    "prenom": "Anne", "ecoles": ["e1bis"], "classes": ["k1bis"] }),
        );
        archive.first("messages")["auteur"] = json!("p1bis");
        let imported = archive.taken();
        let found = left(&imported);
        for expected in [
            (Kind::School, Why::Duplicate("l'UAI 0750001A".to_owned())),
            (
                Kind::Class,
                Why::Duplicate("la classe 0750001A/CM1A".to_owned()),
            ),
            (Kind::Person, Why::Duplicate("la jointure J1".to_owned())),
        ] {
            assert!(found.contains(&expected), "{expected:?} not in {found:?}");
        }
        assert_eq!(found.len(), 3, "{found:?}");
        let records = &imported.records;
        assert_eq!(records.ecoles.len(), 1);
        assert_eq!(records.classes.len(), 1);
        assert_eq!(records.personnes.len(), 3);
        // What referred to the second record refers to the one kept.
        assert_eq!(records.messages[0].auteur, "p1");
    }

    #[test]
    fn an_unusable_record_file_refuses_the_archive() {
        let mut missing = Archive::clean();
        missing.records.remove("agenda");
        assert_eq!(
            missing.read().unwrap_err(),
            ImportRefusal::Missing("donnees/agenda.json")
        );
        let mut object = Archive::clean();
        object.records.insert("agenda", json!({ "id": "a1" }));
        let refusal = object.read().unwrap_err();
        assert!(
            matches!(
                refusal,
                ImportRefusal::NotArray {
                    name: "donnees/agenda.json",
                    ..
                }
            ),
            "{refusal}"
        );
        let refusal = read_bytes(&Archive::clean().bytes(), 10).unwrap_err();
        assert!(
            matches!(
                refusal,
                ImportRefusal::Unreadable(EntryProblem::OverMax { .. })
            ),
            "{refusal}"
        );
    }

    #[test]
    fn reports_name_the_record_and_the_rule() {
        let mut archive = Archive::clean();
        archive.first("messages")["date"] = json!(LOCAL);
        archive.push("personnes", json!({ "nom": "Sans id" }));
        let imported = archive.taken();
        let texts: Vec<String> = imported.left_out.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "personne n° 4 : sans identifiant (id)",
                "message « m1 » : « date » absent ou qui n'est pas une date RFC 3339 avec \
                 décalage",
            ]
        );
    }
}
