//! Judging reversibility exports: pure functions comparing what the
//! `export_job` step downloaded with what it seeded.
//!
//! An archive refused as a whole (unsafe name, link, bomb, truncated) fails
//! the `archive` rule and makes the rules reading its content `error`:
//! nothing in it could be trusted. Seeded items are recognised by their
//! marker, whatever ids the candidate gave them; people by their AAF join
//! key, schools by their UAI.

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;

use crate::reversibility::format::{FORMAT, FileRecord, MANIFEST, Records, VERSION};
use crate::reversibility::import::{Kind, LeftOut};
use crate::reversibility::{Examined, Item, Role, SeededSchool, marker};
use crate::suite::ExportRule;

use super::observation::{ArchiveRead, Attempt, ExportJob, ExportObservation};
use crate::check::outcome::{Verdict, verdict};

/// Evaluates one rule.
pub fn judge_export(rule: ExportRule, observed: &ExportObservation) -> Verdict {
    match rule {
        ExportRule::Access => access(observed),
        ExportRule::Archive => archive(observed),
        ExportRule::Link => link(observed),
        ExportRule::Complete => complete(observed),
        ExportRule::Manifest => on_archives(observed, rule, manifest),
        ExportRule::Identifiers => on_archives(observed, rule, identifiers),
        ExportRule::Scope => scope(observed),
        ExportRule::RoundTrip => round_trip(observed),
        ExportRule::Continuity => continuity(observed),
        ExportRule::Portability => portability(observed),
    }
}

/// Problems of attempts that should have been refused; `Err` when one of
/// them could not be made (a harness problem, not the candidate's).
fn not_refused(attempts: &[Attempt], effect: &str) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for attempt in attempts {
        match attempt.refused() {
            Ok(true) => {}
            Ok(false) => problems.push(format!("{} ({effect})", attempt.describe())),
            Err(why) => return Err(format!("{} : {why}", attempt.describe())),
        }
    }
    Ok(problems)
}

fn access(observed: &ExportObservation) -> Verdict {
    let expected = "un export lancé et suivi par le seul responsable des données : 401, 403 ou 404 \
                    (ou une redirection) pour un anonyme et pour le compte d'une autre \
                    collectivité, 2xx pour le responsable";
    let mut problems = Vec::new();
    for job in jobs(observed) {
        match (&job.started.status, &job.archive) {
            (Ok(200..=299), _) => {}
            (_, ArchiveRead::Unavailable(why)) => return Verdict::error(expected, why.clone()),
            (_, ArchiveRead::Declined(declined)) if declined.on_the_setup() => {
                return Verdict::error(expected, declined.why());
            }
            _ => problems.push(format!(
                "{} ({} refusé au responsable)",
                job.started.describe(),
                label(job)
            )),
        }
    }
    if observed.foreign_starts.is_empty() {
        return Verdict::error(expected, "aucune tentative étrangère n'a été faite");
    }
    match not_refused(&observed.foreign_starts, "export lancé") {
        Ok(more) => problems.extend(more),
        Err(why) => return Verdict::error(expected, why),
    }
    match not_refused(&observed.foreign_polls, "suivi du travail d'un autre") {
        Ok(more) => problems.extend(more),
        Err(why) => return Verdict::error(expected, why),
    }
    let tried: Vec<String> = observed
        .foreign_starts
        .iter()
        .chain(&observed.foreign_polls)
        .map(Attempt::describe)
        .collect();
    verdict(expected, &problems, tried.join(" ; "))
}

/// Both exports, school first.
fn jobs(observed: &ExportObservation) -> [&ExportJob; 2] {
    [&observed.school, &observed.commune]
}

fn label(job: &ExportJob) -> String {
    format!("export {} {}", job.perimeter.0, job.perimeter.1)
}

fn archive(observed: &ExportObservation) -> Verdict {
    let expected = "une archive ZIP sûre (aucun nom qui sort du dossier, aucun lien, aucune \
                    bombe), un manifest.json « entconf-reversibilite » version 1, des fichiers \
                    de données JSON conformes au format publié";
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for job in jobs(observed) {
        let examined = match &job.archive {
            ArchiveRead::Unavailable(why) => {
                return Verdict::error(expected, format!("{} non obtenu : {why}", label(job)));
            }
            ArchiveRead::Declined(declined) if declined.on_the_setup() => {
                return Verdict::error(
                    expected,
                    format!("{} non obtenu : {}", label(job), declined.why()),
                );
            }
            ArchiveRead::Undelivered(why) => {
                problems.push(format!("{} non livré : {why}", label(job)));
                continue;
            }
            ArchiveRead::Declined(declined) => {
                problems.push(format!("{} non livré : {}", label(job), declined.why()));
                continue;
            }
            ArchiveRead::Refused(why) => {
                problems.push(format!("{} : archive refusée : {why}", label(job)));
                continue;
            }
            ArchiveRead::Read(examined) => examined,
        };
        match &examined.manifest {
            Err(why) => problems.push(format!("{} : {why}", label(job))),
            Ok(manifest) if manifest.format != FORMAT || manifest.version != VERSION => {
                problems.push(format!(
                    "{} : {MANIFEST} annonce le format « {} » version « {} », attendu « {FORMAT} » version « {VERSION} »",
                    label(job), manifest.format, manifest.version
                ));
            }
            Ok(_) => {}
        }
        problems.extend(
            examined
                .record_problems
                .iter()
                .map(|p| format!("{} : {p}", label(job))),
        );
        for (name, digest) in &examined.digests {
            if let Err(why) = digest {
                problems.push(format!("{} : {name} illisible : {why}", label(job)));
            }
        }
        seen.push(format!(
            "{} : {} octets, {} fichiers",
            label(job),
            examined.size,
            examined.entries.len()
        ));
    }
    verdict(expected, &problems, seen.join(" ; "))
}

/// Runs `judge` over each archive read. An archive not read makes the rule
/// `error` (the `archive` rule says why), unless the other one already
/// shows problems: they are reported, with the note.
fn on_archives(
    observed: &ExportObservation,
    rule: ExportRule,
    judge: fn(&ExportJob, &Examined, &mut Vec<String>),
) -> Verdict {
    let expected = rule.label_fr();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let mut unread = None;
    for job in jobs(observed) {
        let examined = match job.archive.examined(expected) {
            Ok(examined) => examined,
            Err(verdict) => {
                unread = Some(format!("{} : {}", label(job), verdict.actual));
                continue;
            }
        };
        let before = problems.len();
        judge(job, examined, &mut problems);
        for problem in &mut problems[before..] {
            *problem = format!("{} : {problem}", label(job));
        }
        seen.push(format!(
            "{} : {} fichiers",
            label(job),
            examined.entries.len()
        ));
    }
    match unread {
        Some(note) if problems.is_empty() => Verdict::error(expected, note),
        Some(note) => {
            problems.push(note);
            verdict(expected, &problems, "")
        }
        None => verdict(expected, &problems, seen.join(" ; ")),
    }
}

fn manifest(job: &ExportJob, examined: &Examined, problems: &mut Vec<String>) {
    if let Ok(manifest) = &examined.manifest {
        let (kind, id) = &job.perimeter;
        if manifest.perimetre.kind != *kind || manifest.perimetre.id != *id {
            problems.push(format!(
                "{MANIFEST} annonce le périmètre {} {}, l'export demandé est {kind} {id}",
                manifest.perimetre.kind, manifest.perimetre.id
            ));
        }
    }
    problems.extend(crate::reversibility::manifest_problems(examined));
}

fn is_uai(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 8 && bytes[..7].iter().all(u8::is_ascii_digit) && bytes[7].is_ascii_uppercase()
}

fn identifiers(_job: &ExportJob, examined: &Examined, problems: &mut Vec<String>) {
    let records = &examined.records;
    let schools: BTreeSet<&str> = records.ecoles.iter().map(|s| s.id.as_str()).collect();
    let classes: BTreeSet<&str> = records.classes.iter().map(|c| c.id.as_str()).collect();
    let persons: BTreeSet<&str> = records.personnes.iter().map(|p| p.id.as_str()).collect();
    let files: BTreeSet<&str> = records.fichiers.iter().map(|f| f.id.as_str()).collect();
    for school in &records.ecoles {
        match &school.uai {
            Some(uai) if is_uai(uai) => {}
            Some(uai) => problems.push(format!("école {} : UAI « {uai} » mal formé", school.id)),
            None => problems.push(format!("école {} ({}) sans UAI", school.id, school.nom)),
        }
    }
    for person in &records.personnes {
        if person
            .jointure
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
        {
            problems.push(format!(
                "personne {} ({} {}) sans jointure AAF",
                person.id, person.prenom, person.nom
            ));
        }
    }
    let mut check = |kind: &str, owner: &str, field: &str, target: &str, set: &BTreeSet<&str>| {
        if !set.contains(target) {
            problems.push(format!(
                "{kind} {owner} : {field} « {target} » ne renvoie à rien"
            ));
        }
    };
    for class in &records.classes {
        check("classe", &class.id, "ecole", &class.ecole, &schools);
    }
    for person in &records.personnes {
        for id in &person.ecoles {
            check("personne", &person.id, "ecoles", id, &schools);
        }
        for id in &person.classes {
            check("personne", &person.id, "classes", id, &classes);
        }
        for id in &person.enfants {
            check("personne", &person.id, "enfants", id, &persons);
        }
    }
    for message in &records.messages {
        check("message", &message.id, "auteur", &message.auteur, &persons);
        for id in &message.destinataires {
            check("message", &message.id, "destinataires", id, &persons);
        }
        for id in &message.pieces_jointes {
            check("message", &message.id, "pieces_jointes", id, &files);
        }
    }
    for post in &records.billets {
        check("billet", &post.id, "classe", &post.classe, &classes);
        check("billet", &post.id, "auteur", &post.auteur, &persons);
        for comment in &post.commentaires {
            check(
                "commentaire",
                &comment.id,
                "auteur",
                &comment.auteur,
                &persons,
            );
        }
    }
    for entry in &records.cahier_textes {
        check("séance", &entry.id, "classe", &entry.classe, &classes);
        check("séance", &entry.id, "auteur", &entry.auteur, &persons);
    }
    for event in &records.agenda {
        check("événement", &event.id, "classe", &event.classe, &classes);
    }
    for note in &records.cahier_liaison {
        check("mot", &note.id, "classe", &note.classe, &classes);
        check("mot", &note.id, "auteur", &note.auteur, &persons);
        for signature in &note.signatures {
            check(
                "mot",
                &note.id,
                "signatures",
                &signature.responsable,
                &persons,
            );
        }
    }
    let entries: BTreeSet<&str> = examined.entries.keys().map(String::as_str).collect();
    for file in &records.fichiers {
        check(
            "fichier",
            &file.id,
            "proprietaire",
            &file.proprietaire,
            &persons,
        );
        check("fichier", &file.id, "chemin", &file.chemin, &entries);
    }
}

/// Two RFC 3339 dates are the same instant.
fn same_instant(a: &str, b: &str) -> bool {
    match (
        DateTime::parse_from_rfc3339(a),
        DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The records of an export, indexed for the comparison with the seed.
struct Index<'a> {
    jointure: BTreeMap<&'a str, &'a str>,
    class_code: BTreeMap<&'a str, &'a str>,
}

impl<'a> Index<'a> {
    fn new(records: &'a Records) -> Self {
        Self {
            jointure: records
                .personnes
                .iter()
                .filter_map(|p| Some((p.id.as_str(), p.jointure.as_deref()?)))
                .collect(),
            class_code: records
                .classes
                .iter()
                .map(|c| (c.id.as_str(), c.code.as_str()))
                .collect(),
        }
    }

    /// The join key of a person id, or why there is none.
    fn who(&self, id: &str) -> String {
        self.jointure.get(id).map_or_else(
            || format!("« {id} » (absent de personnes.json ou sans jointure)"),
            |j| (*j).to_owned(),
        )
    }

    /// The code of a class id, or why there is none.
    fn class(&self, id: &str) -> String {
        self.class_code.get(id).map_or_else(
            || format!("« {id} » (absent de classes.json)"),
            |c| (*c).to_owned(),
        )
    }
}

/// Notes a relation that did not survive the export.
fn wrong(problems: &mut Vec<String>, what: String, field: &str, expected: &str, found: &str) {
    if expected != found {
        problems.push(format!(
            "{what} : {field} attendu {expected}, trouvé {found}"
        ));
    }
}

/// The class and the author of an item, as the export relates them
/// (seeded value, the export's id).
fn placed(
    problems: &mut Vec<String>,
    what: &str,
    index: &Index<'_>,
    (class, class_id): (&str, &str),
    author: Option<(&str, &str)>,
) {
    wrong(
        problems,
        what.to_owned(),
        "classe",
        class,
        &index.class(class_id),
    );
    if let Some((author, author_id)) = author {
        wrong(
            problems,
            what.to_owned(),
            "auteur",
            author,
            &index.who(author_id),
        );
    }
}

/// Every seeded item of `school`, relation and file of `school` in `examined`.
fn compare(school: &SeededSchool, lot: &str, examined: &Examined, problems: &mut Vec<String>) {
    let records = &examined.records;
    let index = Index::new(records);
    let uai = &school.uai;
    if !records.ecoles.iter().any(|s| s.uai.as_deref() == Some(uai)) {
        problems.push(format!("école {uai} absente de ecoles.json"));
    }
    for (code, label) in &school.classes {
        match records.classes.iter().find(|c| &c.code == code) {
            None => problems.push(format!("classe {code} ({label}) absente")),
            Some(found) if &found.libelle != label => problems.push(format!(
                "classe {code} : libellé « {} » au lieu de « {label} »",
                found.libelle
            )),
            Some(_) => {}
        }
    }
    for person in &school.persons {
        let Some(record) = records
            .personnes
            .iter()
            .find(|p| p.jointure.as_deref() == Some(&person.jointure))
        else {
            problems.push(format!(
                "{} {} ({}, jointure {}) absent(e)",
                person.first_name, person.last_name, person.profile, person.jointure
            ));
            continue;
        };
        if record.nom != person.last_name || record.prenom != person.first_name {
            problems.push(format!(
                "{} : nommé(e) « {} {} » au lieu de « {} {} »",
                person.jointure, record.prenom, record.nom, person.first_name, person.last_name
            ));
        }
        let codes: BTreeSet<String> = record.classes.iter().map(|c| index.class(c)).collect();
        for code in &person.classes {
            if !codes.contains(code) {
                problems.push(format!(
                    "{} : n'est plus rattaché(e) à la classe {code}",
                    person.jointure
                ));
            }
        }
        let children: BTreeSet<String> = record.enfants.iter().map(|c| index.who(c)).collect();
        for child in &person.children {
            if !children.contains(child) {
                problems.push(format!(
                    "{} : l'enfant {child} n'est plus relié",
                    person.jointure
                ));
            }
        }
    }
    let mark = |key: &str| marker(lot, uai, key);
    let mut missing = Vec::new();
    for item in &school.items {
        let key = mark(item.key());
        let what = format!("{} {}", item.kind_fr(), key);
        match item {
            Item::Message {
                author,
                recipients,
                subject,
                body,
                date,
                attachments,
                ..
            } => {
                let Some(found) = records
                    .messages
                    .iter()
                    .find(|m| m.objet.contains(&key) || m.corps.contains(&key))
                else {
                    missing.push(what);
                    continue;
                };
                wrong(
                    problems,
                    what.clone(),
                    "auteur",
                    author,
                    &index.who(&found.auteur),
                );
                if &found.objet != subject || &found.corps != body {
                    problems.push(format!("{what} : objet ou corps modifié"));
                }
                let to: BTreeSet<String> =
                    found.destinataires.iter().map(|d| index.who(d)).collect();
                for recipient in recipients {
                    if !to.contains(recipient) {
                        problems.push(format!("{what} : destinataire {recipient} perdu"));
                    }
                }
                if !same_instant(date, &found.date) {
                    wrong(problems, what.clone(), "date", date, &found.date);
                }
                for file_key in attachments {
                    let Some(seeded) = school.files.iter().find(|f| &f.key == file_key) else {
                        continue;
                    };
                    let attached = found.pieces_jointes.iter().any(|id| {
                        records
                            .fichiers
                            .iter()
                            .any(|f| &f.id == id && f.nom == seeded.name)
                    });
                    if !attached {
                        problems.push(format!("{what} : pièce jointe {} perdue", seeded.name));
                    }
                }
            }
            Item::Post {
                class,
                author,
                title,
                content,
                date,
                comments,
                ..
            } => {
                let Some(found) = records
                    .billets
                    .iter()
                    .find(|p| p.titre.contains(&key) || p.contenu.contains(&key))
                else {
                    missing.push(what);
                    continue;
                };
                if &found.titre != title || &found.contenu != content {
                    problems.push(format!("{what} : titre ou contenu modifié"));
                }
                placed(
                    problems,
                    &what,
                    &index,
                    (class, &found.classe),
                    Some((author, &found.auteur)),
                );
                if !same_instant(date, &found.date) {
                    wrong(problems, what.clone(), "date", date, &found.date);
                }
                for comment in comments {
                    let comment_key = mark(&comment.key);
                    match found
                        .commentaires
                        .iter()
                        .find(|c| c.texte.contains(&comment_key))
                    {
                        None => problems.push(format!("{what} : commentaire {comment_key} absent")),
                        Some(c) => {
                            if c.texte != comment.text {
                                problems.push(format!("commentaire {comment_key} : texte modifié"));
                            }
                            wrong(
                                problems,
                                format!("commentaire {comment_key}"),
                                "auteur",
                                &comment.author,
                                &index.who(&c.auteur),
                            );
                            if !same_instant(&comment.date, &c.date) {
                                wrong(
                                    problems,
                                    format!("commentaire {comment_key}"),
                                    "date",
                                    &comment.date,
                                    &c.date,
                                );
                            }
                        }
                    }
                }
            }
            Item::Homework {
                class,
                author,
                lesson,
                content,
                due,
                ..
            } => {
                let Some(found) = records
                    .cahier_textes
                    .iter()
                    .find(|h| h.contenu.contains(&key))
                else {
                    missing.push(what);
                    continue;
                };
                placed(
                    problems,
                    &what,
                    &index,
                    (class, &found.classe),
                    Some((author, &found.auteur)),
                );
                if !same_instant(lesson, &found.seance) {
                    wrong(problems, what.clone(), "séance", lesson, &found.seance);
                }
                if &found.contenu != content {
                    problems.push(format!("{what} : contenu modifié"));
                }
                match &found.pour_le {
                    Some(when) if same_instant(due, when) => {}
                    other => wrong(
                        problems,
                        what.clone(),
                        "pour_le",
                        due,
                        other.as_deref().unwrap_or("absent"),
                    ),
                }
            }
            Item::Event {
                class,
                title,
                start,
                end,
                place,
                ..
            } => {
                let Some(found) = records.agenda.iter().find(|e| e.titre.contains(&key)) else {
                    missing.push(what);
                    continue;
                };
                placed(problems, &what, &index, (class, &found.classe), None);
                if &found.titre != title {
                    problems.push(format!("{what} : titre modifié"));
                }
                wrong(
                    problems,
                    what.clone(),
                    "lieu",
                    place,
                    found.lieu.as_deref().unwrap_or("absent"),
                );
                if !same_instant(start, &found.debut) || !same_instant(end, &found.fin) {
                    problems.push(format!(
                        "{what} : horaires {}–{} au lieu de {start}–{end}",
                        found.debut, found.fin
                    ));
                }
            }
            Item::Note {
                class,
                author,
                text,
                signatures,
                ..
            } => {
                let Some(found) = records
                    .cahier_liaison
                    .iter()
                    .find(|n| n.texte.contains(&key))
                else {
                    missing.push(what);
                    continue;
                };
                placed(
                    problems,
                    &what,
                    &index,
                    (class, &found.classe),
                    Some((author, &found.auteur)),
                );
                if &found.texte != text || !found.signature_requise {
                    problems.push(format!("{what} : texte modifié ou signature plus demandée"));
                }
                for (parent, date) in signatures {
                    let signed = found.signatures.iter().any(|s| {
                        index.who(&s.responsable) == *parent && same_instant(date, &s.date)
                    });
                    if !signed {
                        problems.push(format!("{what} : signature de {parent} du {date} absente"));
                    }
                }
            }
        }
    }
    problems.extend(missing.into_iter().map(|what| format!("{what} absent")));
    for file in &school.files {
        let Some(found) = records.fichiers.iter().find(|f| f.nom == file.name) else {
            problems.push(format!("fichier {} absent de fichiers.json", file.name));
            continue;
        };
        if index.who(&found.proprietaire) != file.owner {
            problems.push(format!(
                "fichier {} : propriétaire attendu {}, trouvé {}",
                file.name,
                file.owner,
                index.who(&found.proprietaire)
            ));
        }
        match examined.digests.get(&found.chemin) {
            None => problems.push(format!("fichier {} : {} absent de l'archive", file.name, found.chemin)),
            Some(Err(why)) => problems.push(format!("fichier {} illisible : {why}", file.name)),
            Some(Ok((sha256, bytes))) if *sha256 != file.sha256 => problems.push(format!(
                "fichier {} : contenu différent de l'original ({bytes} octets, SHA-256 {sha256} au lieu de {}, {} octets)",
                file.name, file.sha256, file.bytes.len()
            )),
            Some(Ok(_)) => {}
        }
    }
}

fn complete(observed: &ExportObservation) -> Verdict {
    let expected = "chaque élément amorcé (messages, billets et commentaires, cahier de textes, \
                    agenda, cahier de liaison et signatures, fichiers) avec son auteur, sa classe, \
                    ses dates et ses liens ; chaque personne et classe amorcée ; chaque fichier \
                    identique octet pour octet";
    let examined = match observed.school.archive.examined(expected) {
        Ok(examined) => examined,
        Err(verdict) => return verdict,
    };
    let Some(school) = observed.truth.school(Role::Exported) else {
        return Verdict::error(expected, "aucune école amorcée");
    };
    let mut problems = Vec::new();
    compare(school, &observed.truth.lot, examined, &mut problems);
    verdict(
        expected,
        &problems,
        format!(
            "{} éléments, {} personnes et {} fichiers de l'école {} retrouvés avec leurs liens",
            school.items.len(),
            school.persons.len(),
            school.files.len(),
            school.uai
        ),
    )
}

/// Traces of `school` in `examined`: markers, members' join keys, UAI, files.
fn traces(school: &SeededSchool, lot: &str, examined: &Examined) -> Vec<String> {
    let records = &examined.records;
    let prefix = marker(lot, &school.uai, "");
    let prefix = prefix.trim_end_matches('⟧');
    let mut found = Vec::new();
    for (file, text) in records.texts() {
        if text.contains(prefix) {
            found.push(format!("{file} : « {} »", excerpt(text)));
        }
    }
    if records
        .ecoles
        .iter()
        .any(|s| s.uai.as_deref() == Some(&school.uai))
    {
        found.push(format!("ecoles : l'école {}", school.uai));
    }
    let members: BTreeSet<&str> = school.members.iter().map(String::as_str).collect();
    for person in &records.personnes {
        if let Some(j) = person.jointure.as_deref()
            && members.contains(j)
        {
            found.push(format!(
                "personnes : {} {} (jointure {j})",
                person.prenom, person.nom
            ));
        }
    }
    for file in &school.files {
        if examined
            .digests
            .values()
            .any(|d| matches!(d, Ok((sha, _)) if *sha == file.sha256))
        {
            found.push(format!("fichiers : {}", file.name));
        }
    }
    found
}

fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// A person listed twice (a multi-school parent or teacher must appear once,
/// with every attachment).
fn duplicates(which: &str, examined: &Examined, problems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for person in &examined.records.personnes {
        if let Some(jointure) = person.jointure.as_deref()
            && !seen.insert(jointure)
        {
            problems.push(format!(
                "{which} : {} {} (jointure {jointure}) figure deux fois",
                person.prenom, person.nom
            ));
        }
    }
}

fn scope(observed: &ExportObservation) -> Verdict {
    let expected = "l'export d'une école ne contient que cette école ; celui de la collectivité, \
                    ses écoles et aucune autre ; personne n'y figure deux fois";
    for role in [Role::SameCommune, Role::OtherCommune] {
        if observed.truth.school(role).is_none() {
            return Verdict::error(
                expected,
                format!(
                    "l'annuaire AAF n'a pas d'{} où amorcer un témoin : cloisonnement non vérifiable",
                    role.label_fr()
                ),
            );
        }
    }
    let lot = &observed.truth.lot;
    let school = match observed.school.archive.examined(expected) {
        Ok(examined) => examined,
        Err(verdict) => return verdict,
    };
    let commune = match observed.commune.archive.examined(expected) {
        Ok(examined) => examined,
        Err(verdict) => return verdict,
    };
    let mut problems = Vec::new();
    for seeded in &observed.truth.schools {
        let which = format!("{} ({})", seeded.uai, seeded.role.label_fr());
        if seeded.role != Role::Exported {
            for trace in traces(seeded, lot, school) {
                problems.push(format!("export de l'école : donnée de {which} : {trace}"));
            }
        }
        let traces = traces(seeded, lot, commune);
        // Presence only: what each school holds is EXPORT-02's business.
        match seeded.role {
            Role::OtherCommune => problems.extend(
                traces
                    .into_iter()
                    .map(|t| format!("export de la collectivité : donnée de {which} : {t}")),
            ),
            _ if traces.is_empty() => problems.push(format!(
                "export de la collectivité : aucune donnée de l'école {which}"
            )),
            _ => {}
        }
    }
    duplicates("export de l'école", school, &mut problems);
    duplicates("export de la collectivité", commune, &mut problems);
    verdict(
        expected,
        &problems,
        "export de l'école : rien des deux autres écoles ; export de la collectivité : ses deux \
         écoles, rien de l'école de l'autre collectivité",
    )
}

fn link(observed: &ExportObservation) -> Verdict {
    let expected = "un lien de téléchargement refusé (401, 403, 404 ou 410) à un anonyme et au \
                    compte d'une autre collectivité, qui expire à l'échéance annoncée, au plus \
                    tard après la validité demandée, et servi en HTTPS hors boucle locale";
    let job = &observed.school;
    let Some(url) = &job.link else {
        return Verdict::error(expected, "le travail d'export n'a pas donné de lien");
    };
    let mut problems = match not_refused(&observed.foreign_downloads, "archive servie") {
        Ok(problems) => problems,
        Err(why) => return Verdict::error(expected, why),
    };
    let loopback = url
        .host_str()
        .is_some_and(|h| h == "localhost" || h.starts_with("127.") || h == "[::1]");
    if url.scheme() != "https" && !loopback {
        problems.push(format!("{url} : lien en clair ({})", url.scheme()));
    }
    match (&job.expire, job.finished_at) {
        (None, _) => problems.push("aucune échéance (expire) annoncée pour le lien".to_owned()),
        (Some(expire), Some(finished)) => match DateTime::parse_from_rfc3339(expire) {
            Err(error) => problems.push(format!("échéance « {expire} » illisible : {error}")),
            Ok(at) => {
                let allowed = finished
                    + chrono::Duration::from_std(observed.ttl).unwrap_or_default()
                    + chrono::Duration::seconds(crate::reversibility::LINK_SLACK_SECONDS);
                if at > allowed {
                    problems.push(format!(
                        "le lien expire le {expire}, au-delà de la validité demandée ({} s)",
                        observed.ttl.as_secs()
                    ));
                }
            }
        },
        (Some(_), None) => {}
    }
    match &observed.after_expiry {
        None => {
            return Verdict::error(
                expected,
                "l'étape export_job ne demande pas link_expiry : expiration non essayée",
            );
        }
        Some(Ok(attempt)) => match attempt.refused() {
            Ok(true) => {}
            Ok(false) => problems.push(format!(
                "{} (lien encore valide après son échéance)",
                attempt.describe()
            )),
            Err(why) => return Verdict::error(expected, why),
        },
        Some(Err(why)) => problems.push(why.clone()),
    }
    let tried: Vec<String> = observed
        .foreign_downloads
        .iter()
        .chain(observed.after_expiry.as_ref().and_then(|a| a.as_ref().ok()))
        .map(Attempt::describe)
        .collect();
    verdict(expected, &problems, tried.join(" ; "))
}

/// An RFC 3339 date as its UTC instant, so that two writings of the same
/// instant agree; anything else as written.
fn instant(date: &str) -> String {
    DateTime::parse_from_rfc3339(date).map_or_else(
        |_| format!("« {date} »"),
        |d| d.with_timezone(&chrono::Utc).to_rfc3339(),
    )
}

/// Every record of an export written with natural keys only (UAI, join
/// keys, class codes, file hashes, instants), so that two exports made by
/// different ENTs, with different ids, compare.
fn canonical(records: &Records, sha: &dyn Fn(&FileRecord) -> String) -> BTreeSet<String> {
    let index = Index::new(records);
    let uai: BTreeMap<&str, &str> = records
        .ecoles
        .iter()
        .map(|s| (s.id.as_str(), s.uai.as_deref().unwrap_or("?")))
        .collect();
    let file_name: BTreeMap<&str, String> = records
        .fichiers
        .iter()
        .map(|f| (f.id.as_str(), format!("{} {}", f.nom, sha(f))))
        .collect();
    let sorted = |items: Vec<String>| {
        let mut items = items;
        items.sort();
        items.join(", ")
    };
    let mut out = BTreeSet::new();
    for school in &records.ecoles {
        out.insert(format!(
            "école {} « {} »",
            school.uai.as_deref().unwrap_or("?"),
            school.nom
        ));
    }
    for class in &records.classes {
        let place = uai.get(class.ecole.as_str()).copied().unwrap_or("?");
        out.insert(format!(
            "classe {place}/{} « {} »",
            class.code, class.libelle
        ));
    }
    for person in &records.personnes {
        out.insert(format!(
            "personne {} ({}) {} {}, classes [{}], enfants [{}]",
            person.jointure.as_deref().unwrap_or("?"),
            person.profil,
            person.prenom,
            person.nom,
            sorted(person.classes.iter().map(|c| index.class(c)).collect()),
            sorted(person.enfants.iter().map(|c| index.who(c)).collect()),
        ));
    }
    for m in &records.messages {
        out.insert(format!(
            "message « {} » de {} à [{}] le {}, pièces [{}] : « {} »",
            m.objet,
            index.who(&m.auteur),
            sorted(m.destinataires.iter().map(|d| index.who(d)).collect()),
            instant(&m.date),
            sorted(
                m.pieces_jointes
                    .iter()
                    .map(|f| file_name
                        .get(f.as_str())
                        .cloned()
                        .unwrap_or_else(|| "?".to_owned()))
                    .collect()
            ),
            m.corps,
        ));
    }
    for p in &records.billets {
        out.insert(format!(
            "billet « {} » de {} en {} le {} : « {} »",
            p.titre,
            index.who(&p.auteur),
            index.class(&p.classe),
            instant(&p.date),
            p.contenu
        ));
        for c in &p.commentaires {
            out.insert(format!(
                "commentaire « {} » de {} le {} sous « {} »",
                c.texte,
                index.who(&c.auteur),
                instant(&c.date),
                p.titre
            ));
        }
    }
    for h in &records.cahier_textes {
        out.insert(format!(
            "séance « {} » de {} en {} le {} pour le {}",
            h.contenu,
            index.who(&h.auteur),
            index.class(&h.classe),
            instant(&h.seance),
            h.pour_le.as_deref().map_or_else(|| "—".to_owned(), instant)
        ));
    }
    for e in &records.agenda {
        out.insert(format!(
            "événement « {} » en {} du {} au {} à « {} »",
            e.titre,
            index.class(&e.classe),
            instant(&e.debut),
            instant(&e.fin),
            e.lieu.as_deref().unwrap_or("")
        ));
    }
    for n in &records.cahier_liaison {
        out.insert(format!(
            "mot « {} » de {} en {} (signature demandée : {})",
            n.texte,
            index.who(&n.auteur),
            index.class(&n.classe),
            n.signature_requise
        ));
        for signature in &n.signatures {
            out.insert(format!(
                "signature de {} le {} sous « {} »",
                index.who(&signature.responsable),
                instant(&signature.date),
                n.texte
            ));
        }
    }
    for f in &records.fichiers {
        out.insert(format!(
            "fichier {} ({}) de {}, SHA-256 {}",
            f.nom,
            f.media_type,
            index.who(&f.proprietaire),
            sha(f)
        ));
    }
    out
}

fn round_trip(observed: &ExportObservation) -> Verdict {
    let expected = "l'export de l'école, relu par le lecteur de référence d'entconf (un \
                    successeur strict qui ne connaît que le format publié), redonne chaque école, \
                    classe, personne, élément, lien, date et fichier";
    let original = match observed.school.archive.examined(expected) {
        Ok(examined) => examined,
        Err(verdict) => return verdict,
    };
    let reimported = match &observed.round_trip {
        Ok(reimported) => reimported,
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    let before = canonical(
        &original.records,
        &|f| match original.digests.get(&f.chemin) {
            Some(Ok((sha, _))) => sha.clone(),
            _ => "?".to_owned(),
        },
    );
    let (after, ignored) = match reimported.as_ref() {
        // The reader's files carry the digest of the bytes it read.
        Ok(imported) => (
            canonical(&imported.records, &|f| f.sha256.clone()),
            left_out(&imported.left_out),
        ),
        Err(refusal) => (
            BTreeSet::new(),
            vec![format!("archive illisible, rien n'est repris : {refusal}")],
        ),
    };
    let mut problems: Vec<String> = before
        .difference(&after)
        .map(|lost| format!("perdu : {}", excerpt(lost)))
        .collect();
    if !problems.is_empty() && !ignored.is_empty() {
        // First: it says why the losses below happened.
        problems.insert(
            0,
            format!(
                "le lecteur de référence a laissé de côté : {}",
                ignored.join(" ; ")
            ),
        );
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} enregistrements repris à l'identique par le lecteur de référence",
            before.len()
        ),
    )
}

/// What the reader left out, one line per kind and rule, with the first
/// few records concerned.
fn left_out(left: &[LeftOut]) -> Vec<String> {
    const SHOWN: usize = 3;
    let mut groups: BTreeMap<(Kind, String), Vec<&str>> = BTreeMap::new();
    for item in left {
        groups
            .entry((item.kind, item.why.rule()))
            .or_default()
            .push(&item.record);
    }
    groups
        .into_iter()
        .map(|((kind, rule), records)| {
            let mut shown = records
                .iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if records.len() > SHOWN {
                shown.push_str(", …");
            }
            format!("{} × {kind} {rule} ({shown})", records.len())
        })
        .collect()
}

fn continuity(observed: &ExportObservation) -> Verdict {
    let expected = "pendant l'export de l'école et après, la page d'accueil répond (200) et une \
                    écriture est acceptée (2xx) : le service ne passe pas en lecture seule";
    let Some(used) = &observed.school.continuity else {
        let why = if observed.truth.school(Role::OtherCommune).is_none() {
            "l'annuaire n'a pas d'école d'une autre collectivité où écrire sans toucher aux exports"
        } else {
            "l'export de l'école n'a pas été lancé : rien à observer pendant (voir EXPORT-04)"
        };
        return Verdict::error(expected, why);
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    for (when, working) in [
        ("pendant l'export", &used.during),
        ("après l'export", &used.after),
    ] {
        match &working.read {
            Ok(200..=299) => {}
            Ok(status) => problems.push(format!("{when} : page d'accueil → statut {status}")),
            Err(why) => unknown.push(format!("{when} : page d'accueil : {why}")),
        }
        match &working.write {
            Ok(200..=299) => {}
            Ok(status) => problems.push(format!("{when} : écriture refusée → statut {status}")),
            Err(why) => unknown.push(format!("{when} : écriture : {why}")),
        }
    }
    match &used.running {
        Ok(true) => {}
        Ok(false) => unknown.push(
            "le travail était déjà terminé après l'écriture : rien n'a pu être observé pendant \
             l'export"
                .to_owned(),
        ),
        Err(why) => unknown.push(format!("suivi du travail : {why}")),
    }
    crate::check::outcome::with_note(
        expected,
        problems,
        &unknown,
        "lecture et écriture acceptées pendant l'export (le travail était encore en cours) et \
         après"
            .to_owned(),
    )
}

fn portability(observed: &ExportObservation) -> Verdict {
    let expected = "un parent connecté télécharge son archive personnelle au format publié \
                    (périmètre « utilisateur », sa jointure) : sa fiche, ses messages envoyés et \
                    reçus, ses commentaires, les mots qu'il a signés ; rien des autres élèves ou \
                    parents, rien des autres écoles";
    let own = match &observed.portability {
        Ok(own) => own,
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    match &own.login {
        Err(why) => {
            return Verdict::error(
                expected,
                format!("connexion de {} non jouée : {why}", own.who),
            );
        }
        Ok(trace) if !crate::check::login::lets_in(&trace.account, &own.person) => {
            return Verdict::error(
                expected,
                format!(
                    "la connexion de {} n'ouvre pas son compte ({}) : l'archive ne peut pas être \
                     demandée en son nom (voir la suite SSO)",
                    own.who,
                    crate::check::login::where_it_ended(&trace.account)
                ),
            );
        }
        Ok(_) => {}
    }
    let examined = match &own.archive {
        ArchiveRead::Read(examined) => examined,
        ArchiveRead::Undelivered(why) | ArchiveRead::Refused(why) => {
            return Verdict::fail(expected, format!("archive de {} : {why}", own.who));
        }
        ArchiveRead::Unavailable(why) => return Verdict::error(expected, why.clone()),
        ArchiveRead::Declined(declined) if declined.on_the_setup() => {
            return Verdict::error(expected, declined.why());
        }
        ArchiveRead::Declined(declined) => {
            return Verdict::fail(
                expected,
                format!("archive de {} : {}", own.who, declined.why()),
            );
        }
    };
    let mut problems = examined.record_problems.clone();
    match &examined.manifest {
        Ok(manifest)
            if manifest.perimetre.kind == "utilisateur"
                && manifest.perimetre.id == own.jointure => {}
        Ok(manifest) => problems.push(format!(
            "manifeste : périmètre « {} {} » au lieu de « utilisateur {} »",
            manifest.perimetre.kind, manifest.perimetre.id, own.jointure
        )),
        Err(why) => problems.push(format!("manifeste : {why}")),
    }
    let records = &examined.records;
    if !records
        .personnes
        .iter()
        .any(|p| p.jointure.as_deref() == Some(own.jointure.as_str()))
    {
        problems.push(format!("sa fiche (jointure {}) manque", own.jointure));
    }
    let texts: Vec<&str> = records.texts().into_iter().map(|(_, text)| text).collect();
    for (what, needle) in &own.own {
        if !texts.iter().any(|text| text.contains(needle.as_str())) {
            problems.push(format!("{what} manque"));
        }
    }
    for (what, needle) in &own.foreign {
        if texts.iter().any(|text| text.contains(needle.as_str())) {
            problems.push(format!("{what} : donnée d'autrui dans l'archive"));
        }
    }
    for (jointure, name) in &own.others {
        if records
            .personnes
            .iter()
            .any(|p| p.jointure.as_deref() == Some(jointure.as_str()))
        {
            problems.push(format!(
                "fiche de {name} (jointure {jointure}) : une autre personne dans l'archive"
            ));
        }
    }
    for role in [Role::SameCommune, Role::OtherCommune] {
        if let Some(school) = observed.truth.school(role) {
            for trace in traces(school, &observed.truth.lot, examined) {
                problems.push(format!("autre école {} : {trace}", school.uai));
            }
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "archive de {} : sa fiche et {} contenus à lui, rien d'autrui",
            own.who,
            own.own.len()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reversibility::import::Why;

    #[test]
    fn what_the_reader_left_out_is_grouped_by_rule() {
        let item = |kind, record: &str, why| LeftOut {
            kind,
            record: record.to_owned(),
            why,
        };
        let lines = left_out(&[
            item(Kind::Message, "« m1 »", Why::NotRfc3339("date")),
            item(Kind::Person, "« p1 »", Why::NoJoinKey),
            item(Kind::Person, "« p2 »", Why::NoJoinKey),
            item(Kind::Person, "« p3 »", Why::NoJoinKey),
            item(Kind::Person, "n° 7", Why::NoJoinKey),
        ]);
        assert_eq!(
            lines,
            [
                "4 × personne sans jointure (« p1 », « p2 », « p3 », …)",
                "1 × message « date » absent ou qui n'est pas une date RFC 3339 avec décalage \
                 (« m1 »)",
            ]
        );
    }
}
