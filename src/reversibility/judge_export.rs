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

use crate::reversibility::ExportRule;
use crate::reversibility::format::{FORMAT, FileRecord, MANIFEST, Records, VERSION};
use crate::reversibility::import::{Kind, LeftOut};
use crate::reversibility::{Examined, Item, Role, SeededSchool, marker};

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
    use std::sync::Arc;

    use sha2::{Digest as _, Sha256};

    use super::*;
    use crate::check::observation::Person;
    use crate::check::outcome::AssertionStatus;
    use crate::probe::LoginTrace;
    use crate::reversibility::format::{
        ClassRecord, Manifest, ManifestEntry, MessageRecord, Perimeter, PersonRecord, SchoolRecord,
    };
    use crate::reversibility::import::{Imported, Why};
    use crate::reversibility::{
        Continuity, GroundTruth, Portability, SeededFile, SeededPerson, Working,
    };

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

    /// Judges `rule`, and checks its status and that its message says
    /// `said`: a judge that reaches the right status for another reason
    /// does not pass.
    #[track_caller]
    fn expect(
        rule: ExportRule,
        observed: &ExportObservation,
        status: AssertionStatus,
        said: &str,
    ) -> Verdict {
        let verdict = judge_export(rule, observed);
        assert_eq!(verdict.status, status, "{rule:?} : {}", verdict.actual);
        assert!(
            verdict.actual.contains(said),
            "{rule:?} : « {said} » absent de « {} »",
            verdict.actual
        );
        verdict
    }

    const LOT: &str = "L1";
    /// The exported school, another of its collectivité, one of another.
    const EXPORTED: &str = "0990001N";
    const SAME: &str = "0990002P";
    const OTHER: &str = "0990003R";
    const COMMUNE: &str = "21990001";

    fn sha256(bytes: &[u8]) -> String {
        format!("{:x}", Sha256::digest(bytes))
    }

    fn person(
        jointure: &str,
        profile: &'static str,
        name: (&str, &str),
        classes: &[&str],
        children: &[&str],
    ) -> SeededPerson {
        SeededPerson {
            jointure: jointure.to_owned(),
            profile,
            first_name: name.0.to_owned(),
            last_name: name.1.to_owned(),
            classes: classes.iter().map(|c| (*c).to_owned()).collect(),
            children: children.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// A school with one class, a pupil (`J-<uai>`) and their parent
    /// (`P-<uai>`), a message from the parent to the pupil with the
    /// pupil's drawing attached.
    fn seeded(role: Role, uai: &str) -> SeededSchool {
        let pupil = format!("J-{uai}");
        let parent = format!("P-{uai}");
        let drawing = format!("dessin du {uai}");
        SeededSchool {
            role,
            uai: uai.to_owned(),
            name: format!("École {uai}"),
            commune: COMMUNE.to_owned(),
            classes: vec![("CM1".to_owned(), "CM1 A".to_owned())],
            persons: vec![
                person(&pupil, "eleve", ("Léa", uai), &["CM1"], &[]),
                person(&parent, "parent", ("Camille", uai), &[], &[&pupil]),
            ],
            items: vec![Item::Message {
                key: "m1".to_owned(),
                author: parent,
                recipients: vec![pupil.clone()],
                subject: format!("Sortie {}", marker(LOT, uai, "m1")),
                body: "Rendez-vous à 8 h".to_owned(),
                date: "2026-09-01T08:00:00Z".to_owned(),
                attachments: vec!["f1".to_owned()],
            }],
            files: vec![SeededFile {
                key: "f1".to_owned(),
                name: format!("dessin-{uai}.png"),
                media_type: "image/png",
                owner: pupil.clone(),
                bytes: drawing.clone().into_bytes(),
                sha256: sha256(drawing.as_bytes()),
            }],
            members: vec![pupil],
        }
    }

    fn truth() -> GroundTruth {
        GroundTruth {
            lot: LOT.to_owned(),
            schools: vec![
                seeded(Role::Exported, EXPORTED),
                seeded(Role::SameCommune, SAME),
                seeded(Role::OtherCommune, OTHER),
            ],
        }
    }

    /// The records an exact export of `schools` holds, with ids of its own.
    fn records_of(schools: &[&SeededSchool]) -> Records {
        let mut records = Records::default();
        for school in schools {
            let uai = &school.uai;
            let school_id = format!("e-{uai}");
            let class_id = |code: &str| format!("c-{uai}-{code}");
            let person_id = |jointure: &str| format!("p-{jointure}");
            let file_id = |key: &str| format!("f-{uai}-{key}");
            records.ecoles.push(SchoolRecord {
                id: school_id.clone(),
                uai: Some(uai.clone()),
                nom: school.name.clone(),
            });
            for (code, label) in &school.classes {
                records.classes.push(ClassRecord {
                    id: class_id(code),
                    ecole: school_id.clone(),
                    code: code.clone(),
                    libelle: label.clone(),
                });
            }
            for p in &school.persons {
                records.personnes.push(PersonRecord {
                    id: person_id(&p.jointure),
                    jointure: Some(p.jointure.clone()),
                    profil: p.profile.to_owned(),
                    nom: p.last_name.clone(),
                    prenom: p.first_name.clone(),
                    ecoles: vec![school_id.clone()],
                    classes: p.classes.iter().map(|c| class_id(c)).collect(),
                    enfants: p.children.iter().map(|c| person_id(c)).collect(),
                });
            }
            for f in &school.files {
                records.fichiers.push(FileRecord {
                    id: file_id(&f.key),
                    nom: f.name.clone(),
                    media_type: f.media_type.to_owned(),
                    sha256: f.sha256.clone(),
                    octets: f.bytes.len() as u64,
                    proprietaire: person_id(&f.owner),
                    chemin: format!("fichiers/{}", f.name),
                });
            }
            for item in &school.items {
                if let Item::Message {
                    key,
                    author,
                    recipients,
                    subject,
                    body,
                    date,
                    attachments,
                } = item
                {
                    records.messages.push(MessageRecord {
                        id: format!("m-{uai}-{key}"),
                        auteur: person_id(author),
                        destinataires: recipients.iter().map(|r| person_id(r)).collect(),
                        objet: subject.clone(),
                        corps: body.clone(),
                        date: date.clone(),
                        pieces_jointes: attachments.iter().map(|a| file_id(a)).collect(),
                    });
                }
            }
        }
        records
    }

    /// An archive of `records` whose manifest announces `perimeter` and
    /// lists each file with its true size and digest.
    fn archive_of(records: Records, perimeter: (&str, &str)) -> Examined {
        let digests: BTreeMap<String, Result<(String, u64), String>> = records
            .fichiers
            .iter()
            .map(|f| (f.chemin.clone(), Ok((f.sha256.clone(), f.octets))))
            .collect();
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            version: VERSION.to_owned(),
            perimetre: Perimeter {
                kind: perimeter.0.to_owned(),
                id: perimeter.1.to_owned(),
            },
            genere: None,
            fichiers: records
                .fichiers
                .iter()
                .map(|f| ManifestEntry {
                    chemin: f.chemin.clone(),
                    octets: f.octets,
                    sha256: f.sha256.clone(),
                })
                .collect(),
        };
        Examined {
            size: 4096,
            entries: digests
                .keys()
                .map(|name| (name.clone(), 1))
                .chain([(MANIFEST.to_owned(), 1)])
                .collect(),
            digests,
            manifest: Ok(manifest),
            records,
            record_problems: Vec::new(),
        }
    }

    fn attempt(who: &str, what: &str, status: Result<u16, String>) -> Attempt {
        Attempt {
            who: who.to_owned(),
            what: what.to_owned(),
            status,
        }
    }

    fn finished() -> chrono::DateTime<chrono::Utc> {
        DateTime::parse_from_rfc3339("2026-09-01T10:00:00Z")
            .expect("a date")
            .with_timezone(&chrono::Utc)
    }

    fn job(perimeter: (&str, &str), archive: Examined) -> ExportJob {
        ExportJob {
            perimeter: (perimeter.0.to_owned(), perimeter.1.to_owned()),
            started: attempt("responsable", "POST /api/exports", Ok(202)),
            link: Some(reqwest::Url::parse("https://ent.test/exports/1.zip").expect("url")),
            expire: Some("2026-09-01T10:10:00Z".to_owned()),
            finished_at: Some(finished()),
            archive: ArchiveRead::Read(Arc::new(archive)),
            continuity: None,
        }
    }

    fn working() -> Working {
        Working {
            read: Ok(200),
            write: Ok(201),
        }
    }

    /// The exported school's parent, logged in, with an archive of their
    /// own: their record, their child's, their message.
    fn portability() -> Portability {
        let truth = truth();
        let school = &truth.schools[0];
        let mut records = records_of(&[school]);
        records.classes.clear();
        records.personnes.iter_mut().for_each(|p| p.classes.clear());
        let parent = format!("P-{EXPORTED}");
        Portability {
            who: "le parent".to_owned(),
            jointure: parent.clone(),
            person: Person {
                name: format!("Camille {EXPORTED}"),
                school: school.name.clone(),
                children: Vec::new(),
            },
            login: Ok(LoginTrace::showing(&format!("Bonjour Camille {EXPORTED}"))),
            archive: ArchiveRead::Read(Arc::new(archive_of(records, ("utilisateur", &parent)))),
            own: vec![("son message envoyé".to_owned(), marker(LOT, EXPORTED, "m1"))],
            foreign: vec![(
                "le message d'un autre parent".to_owned(),
                marker(LOT, EXPORTED, "m2"),
            )],
            others: vec![("J-AUTRE".to_owned(), "Paul Autre".to_owned())],
        }
    }

    /// Everything as it should be: each rule passes on it, and each
    /// failing test breaks one part of it.
    fn observation() -> ExportObservation {
        let truth = truth();
        let [exported, same, _] = [&truth.schools[0], &truth.schools[1], &truth.schools[2]];
        let school = archive_of(records_of(&[exported]), ("ecole", EXPORTED));
        let commune = archive_of(records_of(&[exported, same]), ("collectivite", COMMUNE));
        let round_trip = Imported {
            records: school.records.clone(),
            left_out: Vec::new(),
        };
        let mut school = job(("ecole", EXPORTED), school);
        school.continuity = Some(Continuity {
            during: working(),
            running: Ok(true),
            after: working(),
        });
        ExportObservation {
            truth: Arc::new(truth.clone()),
            ttl: std::time::Duration::from_secs(900),
            foreign_starts: vec![
                attempt("anonyme", "POST /api/exports", Ok(401)),
                attempt(
                    "compte d'une autre collectivité",
                    "POST /api/exports",
                    Ok(403),
                ),
            ],
            foreign_polls: vec![attempt(
                "compte d'une autre collectivité",
                "GET /api/exports/1",
                Ok(404),
            )],
            school,
            commune: job(("collectivite", COMMUNE), commune),
            foreign_downloads: vec![attempt("anonyme", "GET /exports/1.zip", Ok(403))],
            round_trip: Ok(Arc::new(Ok(round_trip))),
            portability: Ok(portability()),
            after_expiry: Some(Ok(attempt("responsable", "GET /exports/1.zip", Ok(410)))),
            exchanges: Vec::new(),
        }
    }

    /// `observed`'s school export replaced by `examined`.
    fn school_archive(observed: &mut ExportObservation, examined: Examined) {
        observed.school.archive = ArchiveRead::Read(Arc::new(examined));
    }

    #[test]
    fn an_export_as_it_should_be_passes_every_rule() {
        let observed = observation();
        for (rule, said) in [
            (ExportRule::Access, "anonyme : POST /api/exports → 401"),
            (ExportRule::Archive, "export ecole 0990001N : 4096 octets"),
            (
                ExportRule::Manifest,
                "export collectivite 21990001 : 3 fichiers",
            ),
            (
                ExportRule::Identifiers,
                "export ecole 0990001N : 2 fichiers",
            ),
            (ExportRule::Link, "anonyme : GET /exports/1.zip → 403"),
            (
                ExportRule::Complete,
                "1 éléments, 2 personnes et 1 fichiers de l'école 0990001N",
            ),
            (
                ExportRule::Scope,
                "ses deux écoles, rien de l'école de l'autre collectivité",
            ),
            (
                ExportRule::RoundTrip,
                "enregistrements repris à l'identique",
            ),
            (
                ExportRule::Continuity,
                "lecture et écriture acceptées pendant l'export",
            ),
            (
                ExportRule::Portability,
                "archive de le parent : sa fiche et 1 contenus à lui",
            ),
        ] {
            expect(rule, &observed, AssertionStatus::Passed, said);
        }
        assert_eq!(
            ExportRule::ALL.len(),
            10,
            "a rule without a passing case here"
        );
    }

    #[test]
    fn access_fails_a_stranger_who_starts_or_follows_an_export_or_a_controller_refused() {
        let mut observed = observation();
        observed.foreign_starts[0].status = Ok(202);
        expect(
            ExportRule::Access,
            &observed,
            AssertionStatus::Failed,
            "anonyme : POST /api/exports → 202 (export lancé)",
        );
        let mut observed = observation();
        observed.foreign_polls[0].status = Ok(200);
        expect(
            ExportRule::Access,
            &observed,
            AssertionStatus::Failed,
            "GET /api/exports/1 → 200 (suivi du travail d'un autre)",
        );
        let mut observed = observation();
        observed.school.started.status = Ok(403);
        observed.school.archive = ArchiveRead::Undelivered("export refusé".to_owned());
        expect(
            ExportRule::Access,
            &observed,
            AssertionStatus::Failed,
            "responsable : POST /api/exports → 403 (export ecole 0990001N refusé au responsable)",
        );
    }

    #[test]
    fn access_is_error_without_a_stranger_tried_or_a_request_not_made() {
        let mut observed = observation();
        observed.foreign_starts.clear();
        expect(
            ExportRule::Access,
            &observed,
            AssertionStatus::Error,
            "aucune tentative étrangère n'a été faite",
        );
        let mut observed = observation();
        observed.foreign_starts[1].status = Err("connexion refusée".to_owned());
        expect(
            ExportRule::Access,
            &observed,
            AssertionStatus::Error,
            "compte d'une autre collectivité : POST /api/exports → connexion refusée : connexion \
             refusée",
        );
    }

    #[test]
    fn archive_fails_one_refused_undelivered_of_another_format_or_with_bad_records() {
        let mut observed = observation();
        observed.commune.archive = ArchiveRead::Refused("nom « ../x » hors du dossier".to_owned());
        expect(
            ExportRule::Archive,
            &observed,
            AssertionStatus::Failed,
            "export collectivite 21990001 : archive refusée : nom « ../x » hors du dossier",
        );
        let mut observed = observation();
        observed.commune.archive = ArchiveRead::Undelivered("travail en échec".to_owned());
        expect(
            ExportRule::Archive,
            &observed,
            AssertionStatus::Failed,
            "export collectivite 21990001 non livré : travail en échec",
        );
        let mut observed = observation();
        let mut examined = archive_of(records_of(&[&truth().schools[0]]), ("ecole", EXPORTED));
        if let Ok(manifest) = &mut examined.manifest {
            manifest.version = "2".to_owned();
        }
        examined
            .record_problems
            .push("donnees/messages.json, ligne 1 colonne 2 : champ « objet » absent".to_owned());
        school_archive(&mut observed, examined);
        let verdict = expect(
            ExportRule::Archive,
            &observed,
            AssertionStatus::Failed,
            "annonce le format « entconf-reversibilite » version « 2 »",
        );
        assert!(
            verdict.actual.contains("champ « objet » absent"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn archive_is_error_when_the_harness_could_not_get_it() {
        let mut observed = observation();
        observed.school.archive = ArchiveRead::Unavailable("disque plein".to_owned());
        expect(
            ExportRule::Archive,
            &observed,
            AssertionStatus::Error,
            "export ecole 0990001N non obtenu : disque plein",
        );
    }

    #[test]
    fn manifest_fails_another_scope_or_a_file_listed_wrong() {
        let mut observed = observation();
        let examined = archive_of(records_of(&[&truth().schools[0]]), ("ecole", SAME));
        school_archive(&mut observed, examined);
        expect(
            ExportRule::Manifest,
            &observed,
            AssertionStatus::Failed,
            "export ecole 0990001N : manifest.json annonce le périmètre ecole 0990002P, l'export \
             demandé est ecole 0990001N",
        );
        let mut observed = observation();
        let mut examined = archive_of(records_of(&[&truth().schools[0]]), ("ecole", EXPORTED));
        if let Ok(manifest) = &mut examined.manifest {
            manifest.fichiers[0].sha256 = "00".repeat(32);
        }
        school_archive(&mut observed, examined);
        expect(
            ExportRule::Manifest,
            &observed,
            AssertionStatus::Failed,
            "fichiers/dessin-0990001N.png : SHA-256",
        );
    }

    #[test]
    fn manifest_is_error_with_an_archive_unread_and_nothing_else_wrong() {
        let mut observed = observation();
        observed.commune.archive = ArchiveRead::Refused("archive tronquée".to_owned());
        expect(
            ExportRule::Manifest,
            &observed,
            AssertionStatus::Error,
            "archive refusée, rien à examiner",
        );
    }

    #[test]
    fn identifiers_fails_a_school_without_uai_a_person_without_join_key_or_a_dangling_reference() {
        let mut records = records_of(&[&truth().schools[0]]);
        records.ecoles[0].uai = Some("99-001".to_owned());
        records.personnes[0].jointure = None;
        records.messages[0]
            .destinataires
            .push("p-personne".to_owned());
        let mut observed = observation();
        school_archive(&mut observed, archive_of(records, ("ecole", EXPORTED)));
        let verdict = expect(
            ExportRule::Identifiers,
            &observed,
            AssertionStatus::Failed,
            "école e-0990001N : UAI « 99-001 » mal formé",
        );
        for said in [
            "personne p-J-0990001N (Léa 0990001N) sans jointure AAF",
            "message m-0990001N-m1 : destinataires « p-personne » ne renvoie à rien",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
        // The record names an entry the archive does not hold.
        let mut examined = archive_of(records_of(&[&truth().schools[0]]), ("ecole", EXPORTED));
        examined.records.fichiers[0].chemin = "fichiers/ailleurs.png".to_owned();
        let mut observed = observation();
        school_archive(&mut observed, examined);
        expect(
            ExportRule::Identifiers,
            &observed,
            AssertionStatus::Failed,
            "fichier f-0990001N-f1 : chemin « fichiers/ailleurs.png » ne renvoie à rien",
        );
    }

    #[test]
    fn link_fails_a_clear_link_an_expiry_too_late_or_none_or_a_link_still_valid_after_it() {
        let mut observed = observation();
        observed.school.link =
            Some(reqwest::Url::parse("http://ent.test/exports/1.zip").expect("url"));
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Failed,
            "lien en clair (http)",
        );
        // The loopback is not a network: a plain link there is fine.
        observed.school.link =
            Some(reqwest::Url::parse("http://127.0.0.1:8443/exports/1.zip").expect("url"));
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Passed,
            "anonyme : GET /exports/1.zip → 403",
        );
        let mut observed = observation();
        // Fifteen minutes asked, and thirty seconds of slack: 10:15:30.
        observed.school.expire = Some("2026-09-01T10:16:00Z".to_owned());
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Failed,
            "le lien expire le 2026-09-01T10:16:00Z, au-delà de la validité demandée (900 s)",
        );
        observed.school.expire = None;
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Failed,
            "aucune échéance (expire) annoncée pour le lien",
        );
        let mut observed = observation();
        observed.after_expiry = Some(Ok(attempt("responsable", "GET /exports/1.zip", Ok(200))));
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Failed,
            "responsable : GET /exports/1.zip → 200 (lien encore valide après son échéance)",
        );
        let mut observed = observation();
        observed.foreign_downloads[0].status = Ok(200);
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Failed,
            "anonyme : GET /exports/1.zip → 200 (archive servie)",
        );
    }

    #[test]
    fn link_is_error_without_a_link_or_without_trying_it_after_expiry() {
        let mut observed = observation();
        observed.school.link = None;
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Error,
            "le travail d'export n'a pas donné de lien",
        );
        let mut observed = observation();
        observed.after_expiry = None;
        expect(
            ExportRule::Link,
            &observed,
            AssertionStatus::Error,
            "expiration non essayée",
        );
    }

    #[test]
    fn complete_fails_an_item_lost_a_relation_broken_or_a_file_changed() {
        let truth = truth();
        let mut records = records_of(&[&truth.schools[0]]);
        records.messages.clear();
        let mut observed = observation();
        school_archive(&mut observed, archive_of(records, ("ecole", EXPORTED)));
        expect(
            ExportRule::Complete,
            &observed,
            AssertionStatus::Failed,
            "message ⟦entconf L1 0990001N m1⟧ absent",
        );
        let mut records = records_of(&[&truth.schools[0]]);
        records.messages[0].auteur = "p-J-0990001N".to_owned();
        records.personnes[1].enfants.clear();
        let mut observed = observation();
        school_archive(&mut observed, archive_of(records, ("ecole", EXPORTED)));
        let verdict = expect(
            ExportRule::Complete,
            &observed,
            AssertionStatus::Failed,
            "message ⟦entconf L1 0990001N m1⟧ : auteur attendu P-0990001N, trouvé J-0990001N",
        );
        assert!(
            verdict
                .actual
                .contains("P-0990001N : l'enfant J-0990001N n'est plus relié"),
            "{}",
            verdict.actual
        );
        let mut examined = archive_of(records_of(&[&truth.schools[0]]), ("ecole", EXPORTED));
        examined.digests.insert(
            "fichiers/dessin-0990001N.png".to_owned(),
            Ok(("ff".repeat(32), 3)),
        );
        let mut observed = observation();
        school_archive(&mut observed, examined);
        expect(
            ExportRule::Complete,
            &observed,
            AssertionStatus::Failed,
            "fichier dessin-0990001N.png : contenu différent de l'original",
        );
    }

    #[test]
    fn complete_is_error_without_an_archive_or_a_school_seeded() {
        let mut observed = observation();
        observed.school.archive = ArchiveRead::Undelivered("aucun lien".to_owned());
        expect(
            ExportRule::Complete,
            &observed,
            AssertionStatus::Error,
            "aucune archive à examiner : aucun lien",
        );
        let mut observed = observation();
        let mut truth = truth();
        truth.schools.retain(|s| s.role != Role::Exported);
        observed.truth = Arc::new(truth);
        expect(
            ExportRule::Complete,
            &observed,
            AssertionStatus::Error,
            "aucune école amorcée",
        );
    }

    #[test]
    fn scope_fails_another_schools_data_a_school_missing_or_a_person_twice() {
        let truth = truth();
        let [exported, same, other] = [&truth.schools[0], &truth.schools[1], &truth.schools[2]];
        let mut observed = observation();
        school_archive(
            &mut observed,
            archive_of(records_of(&[exported, same]), ("ecole", EXPORTED)),
        );
        expect(
            ExportRule::Scope,
            &observed,
            AssertionStatus::Failed,
            "export de l'école : donnée de 0990002P (autre école de la collectivité) : ecoles : \
             l'école 0990002P",
        );
        let mut observed = observation();
        observed.commune.archive = ArchiveRead::Read(Arc::new(archive_of(
            records_of(&[exported, other]),
            ("collectivite", COMMUNE),
        )));
        let verdict = expect(
            ExportRule::Scope,
            &observed,
            AssertionStatus::Failed,
            "export de la collectivité : donnée de 0990003R (école d'une autre collectivité) : \
             personnes : Léa 0990003R (jointure J-0990003R)",
        );
        assert!(
            verdict
                .actual
                .contains("export de la collectivité : aucune donnée de l'école 0990002P"),
            "{}",
            verdict.actual
        );
        let mut records = records_of(&[exported]);
        let twice = records.personnes[0].clone();
        records.personnes.push(twice);
        let mut observed = observation();
        school_archive(&mut observed, archive_of(records, ("ecole", EXPORTED)));
        expect(
            ExportRule::Scope,
            &observed,
            AssertionStatus::Failed,
            "export de l'école : Léa 0990001N (jointure J-0990001N) figure deux fois",
        );
    }

    #[test]
    fn scope_is_error_without_a_witness_school() {
        let mut observed = observation();
        let mut truth = truth();
        truth.schools.retain(|s| s.role != Role::OtherCommune);
        observed.truth = Arc::new(truth);
        expect(
            ExportRule::Scope,
            &observed,
            AssertionStatus::Error,
            "cloisonnement non vérifiable",
        );
    }

    #[test]
    fn round_trip_fails_what_the_reader_lost_and_says_what_it_left_out() {
        let mut observed = observation();
        let mut records = records_of(&[&truth().schools[0]]);
        records.messages.clear();
        observed.round_trip = Ok(Arc::new(Ok(Imported {
            records,
            left_out: vec![LeftOut {
                kind: Kind::Message,
                record: "« m-0990001N-m1 »".to_owned(),
                why: Why::NotRfc3339("date"),
            }],
        })));
        let verdict = expect(
            ExportRule::RoundTrip,
            &observed,
            AssertionStatus::Failed,
            "le lecteur de référence a laissé de côté : 1 × message « date »",
        );
        assert!(
            verdict
                .actual
                .contains("perdu : message « Sortie ⟦entconf L1 0990001N m1⟧ »"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn round_trip_is_error_when_the_archive_could_not_be_read_again() {
        let mut observed = observation();
        observed.round_trip = Err("lecture interrompue".to_owned());
        expect(
            ExportRule::RoundTrip,
            &observed,
            AssertionStatus::Error,
            "lecture interrompue",
        );
    }

    #[test]
    fn continuity_fails_a_service_that_stops_reading_or_writing() {
        let mut observed = observation();
        if let Some(used) = &mut observed.school.continuity {
            used.during.write = Ok(503);
            used.after.read = Ok(500);
        }
        let verdict = expect(
            ExportRule::Continuity,
            &observed,
            AssertionStatus::Failed,
            "pendant l'export : écriture refusée → statut 503",
        );
        assert!(
            verdict
                .actual
                .contains("après l'export : page d'accueil → statut 500"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn continuity_is_error_when_nothing_was_seen_during_the_export() {
        let mut observed = observation();
        if let Some(used) = &mut observed.school.continuity {
            used.running = Ok(false);
        }
        expect(
            ExportRule::Continuity,
            &observed,
            AssertionStatus::Error,
            "le travail était déjà terminé après l'écriture",
        );
        let mut observed = observation();
        observed.school.continuity = None;
        expect(
            ExportRule::Continuity,
            &observed,
            AssertionStatus::Error,
            "l'export de l'école n'a pas été lancé",
        );
    }

    #[test]
    fn portability_fails_another_scope_someone_elses_data_or_ones_own_missing() {
        let mut observed = observation();
        if let Ok(own) = &mut observed.portability {
            own.others.push((format!("J-{EXPORTED}"), "Léa".to_owned()));
            own.foreign.push((
                "le message du parent".to_owned(),
                marker(LOT, EXPORTED, "m1"),
            ));
            own.own
                .push(("son commentaire".to_owned(), marker(LOT, EXPORTED, "c9")));
        }
        let verdict = expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Failed,
            "fiche de Léa (jointure J-0990001N) : une autre personne dans l'archive",
        );
        for said in [
            "le message du parent : donnée d'autrui dans l'archive",
            "son commentaire manque",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
        let mut observed = observation();
        let records = records_of(&[&truth().schools[0]]);
        if let Ok(own) = &mut observed.portability {
            own.archive = ArchiveRead::Read(Arc::new(archive_of(records, ("ecole", EXPORTED))));
        }
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Failed,
            "manifeste : périmètre « ecole 0990001N » au lieu de « utilisateur P-0990001N »",
        );
        let mut observed = observation();
        if let Ok(own) = &mut observed.portability {
            own.archive = ArchiveRead::Undelivered("statut 404".to_owned());
        }
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Failed,
            "archive de le parent : statut 404",
        );
    }

    #[test]
    fn portability_fails_another_schools_data_in_ones_archive() {
        let truth = truth();
        let mut records = records_of(&[&truth.schools[0]]);
        records
            .messages
            .extend(records_of(&[&truth.schools[2]]).messages);
        let mut observed = observation();
        if let Ok(own) = &mut observed.portability {
            own.archive = ArchiveRead::Read(Arc::new(archive_of(
                records,
                ("utilisateur", &format!("P-{EXPORTED}")),
            )));
        }
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Failed,
            "autre école 0990003R : messages : « Sortie ⟦entconf L1 0990003R m1⟧ »",
        );
    }

    #[test]
    fn portability_is_error_when_the_person_could_not_log_in() {
        let mut observed = observation();
        if let Ok(own) = &mut observed.portability {
            own.login = Ok(LoginTrace::showing("Identifiez-vous"));
        }
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Error,
            "la connexion de le parent n'ouvre pas son compte",
        );
        let mut observed = observation();
        if let Ok(own) = &mut observed.portability {
            own.login = Err("IdP injoignable".to_owned());
        }
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Error,
            "connexion de le parent non jouée : IdP injoignable",
        );
        let mut observed = observation();
        observed.portability = Err("aucun parent déclaré".to_owned());
        expect(
            ExportRule::Portability,
            &observed,
            AssertionStatus::Error,
            "aucun parent déclaré",
        );
    }
}
