//! The ground truth of a reversibility scenario: what the harness seeds in
//! the candidate (content across modules, owned by people of the AAF
//! directory it was fed) and therefore knows must come back in an export.
//!
//! Everything is derived from the directory and the run's lot id, so two
//! runs with the same id seed the same data. Every text carries a marker
//! `⟦entconf <lot> <uai> <clé>⟧`, so that an item is recognised whatever id
//! the candidate gave it, and a leak of another school is recognised too.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::aaf::Directory;

/// The part a school plays in the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The school whose export is asked.
    Exported,
    /// Another school of the same collectivité: in the commune's export,
    /// never in the school's.
    SameCommune,
    /// A school of another collectivité: in neither export.
    OtherCommune,
}

impl Role {
    /// French label for messages.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Exported => "école exportée",
            Self::SameCommune => "autre école de la collectivité",
            Self::OtherCommune => "école d'une autre collectivité",
        }
    }
}

/// A person the harness seeds (an account of the AAF directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededPerson {
    /// AAF join key.
    pub jointure: String,
    /// `eleve`, `parent` or `enseignant`.
    pub profile: &'static str,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Class codes.
    pub classes: Vec<String>,
    /// Children's join keys (parents).
    pub children: Vec<String>,
}

/// A comment the harness posts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededComment {
    /// Key within the school.
    pub key: String,
    /// Author's join key.
    pub author: String,
    /// Text, with its marker.
    pub text: String,
    /// Date (RFC 3339).
    pub date: String,
}

/// A content item the harness seeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A message, with attachments (file keys).
    Message {
        /// Key within the school.
        key: String,
        /// Sender's join key.
        author: String,
        /// Recipients' join keys.
        recipients: Vec<String>,
        /// Subject, with the marker.
        subject: String,
        /// Body.
        body: String,
        /// Date (RFC 3339).
        date: String,
        /// File keys.
        attachments: Vec<String>,
    },
    /// A class blog post with comments.
    Post {
        /// Key within the school.
        key: String,
        /// Class code.
        class: String,
        /// Author's join key.
        author: String,
        /// Title, with the marker.
        title: String,
        /// Content.
        content: String,
        /// Date (RFC 3339).
        date: String,
        /// Comments.
        comments: Vec<SeededComment>,
    },
    /// A cahier de textes entry.
    Homework {
        /// Key within the school.
        key: String,
        /// Class code.
        class: String,
        /// Teacher's join key.
        author: String,
        /// Lesson date (RFC 3339).
        lesson: String,
        /// Content, with the marker.
        content: String,
        /// Due date (RFC 3339).
        due: String,
    },
    /// A calendar event.
    Event {
        /// Key within the school.
        key: String,
        /// Class code.
        class: String,
        /// Title, with the marker.
        title: String,
        /// Start (RFC 3339).
        start: String,
        /// End (RFC 3339).
        end: String,
        /// Place.
        place: String,
    },
    /// A cahier de liaison note with the parents' signatures.
    Note {
        /// Key within the school.
        key: String,
        /// Class code.
        class: String,
        /// Author's join key.
        author: String,
        /// Text, with the marker.
        text: String,
        /// (parent's join key, date).
        signatures: Vec<(String, String)>,
    },
}

impl Item {
    /// Key within the school.
    pub fn key(&self) -> &str {
        match self {
            Self::Message { key, .. }
            | Self::Post { key, .. }
            | Self::Homework { key, .. }
            | Self::Event { key, .. }
            | Self::Note { key, .. } => key,
        }
    }

    /// French name of the kind.
    pub fn kind_fr(&self) -> &'static str {
        match self {
            Self::Message { .. } => "message",
            Self::Post { .. } => "billet de blog",
            Self::Homework { .. } => "séance du cahier de textes",
            Self::Event { .. } => "événement de l'agenda",
            Self::Note { .. } => "mot du cahier de liaison",
        }
    }
}

/// A file the harness uploads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededFile {
    /// Key within the school.
    pub key: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: &'static str,
    /// Owner's join key.
    pub owner: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// One school of the scenario and what was seeded in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededSchool {
    /// Its part.
    pub role: Role,
    /// UAI.
    pub uai: String,
    /// Name.
    pub name: String,
    /// Commune.
    pub commune: String,
    /// Classes seeded: (code, label).
    pub classes: Vec<(String, String)>,
    /// People seeded.
    pub persons: Vec<SeededPerson>,
    /// Content seeded.
    pub items: Vec<Item>,
    /// Files seeded.
    pub files: Vec<SeededFile>,
    /// Join keys of every pupil and teacher of the school in the directory:
    /// none may appear in another school's export.
    pub members: Vec<String>,
}

/// What the harness seeded, and so knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroundTruth {
    /// Lot id (the run id), in every marker.
    pub lot: String,
    /// The schools, the exported one first.
    pub schools: Vec<SeededSchool>,
}

/// Why no scenario can be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    /// The declared school is not in the directory.
    #[error("l'école {0} ([reversibility] school) n'est pas dans l'annuaire AAF du candidat")]
    UnknownSchool(String),
    /// The school has no class, teacher or pupil to seed with.
    #[error("l'école {0} n'a pas de classe avec un enseignant et des élèves dans l'annuaire AAF")]
    EmptySchool(String),
}

/// The marker of an item.
pub fn marker(lot: &str, uai: &str, key: &str) -> String {
    format!("⟦entconf {lot} {uai} {key}⟧")
}

impl GroundTruth {
    /// The scenario for `school` (UAI): it, another school of its commune
    /// and one of another commune, when the directory has them.
    pub fn build(directory: &Directory, school: &str, lot: &str) -> Result<Self, SeedError> {
        let exported = directory
            .schools
            .iter()
            .find(|s| s.uai == school)
            .ok_or_else(|| SeedError::UnknownSchool(school.to_owned()))?;
        let mut schools = vec![seed_school(directory, exported, Role::Exported, lot)?];
        let same = directory
            .schools
            .iter()
            .find(|s| s.uai != exported.uai && s.commune == exported.commune);
        let other = directory
            .schools
            .iter()
            .find(|s| s.commune != exported.commune);
        for (candidate, role) in [(same, Role::SameCommune), (other, Role::OtherCommune)] {
            if let Some(candidate) = candidate
                && let Ok(seeded) = seed_school(directory, candidate, role, lot)
            {
                schools.push(seeded);
            }
        }
        Ok(Self {
            lot: lot.to_owned(),
            schools,
        })
    }

    /// The school of a role.
    pub fn school(&self, role: Role) -> Option<&SeededSchool> {
        self.schools.iter().find(|s| s.role == role)
    }

    /// The body of the seeding request (`POST` on `seed_api`).
    pub fn request_body(&self) -> Value {
        self.request_body_of(|_| true)
    }

    /// The body of a seeding request for the schools whose role `keep`s.
    pub fn request_body_of(&self, keep: impl Fn(Role) -> bool) -> Value {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let schools: Vec<Value> = self
            .schools
            .iter()
            .filter(|s| keep(s.role))
            .map(|s| {
                let mut messages = Vec::new();
                let mut posts = Vec::new();
                let mut homework = Vec::new();
                let mut events = Vec::new();
                let mut notes = Vec::new();
                for item in &s.items {
                    match item {
                        Item::Message { key, author, recipients, subject, body, date, attachments } => {
                            messages.push(json!({"cle": key, "auteur": author, "destinataires": recipients,
                                "objet": subject, "corps": body, "date": date, "pieces_jointes": attachments}));
                        }
                        Item::Post { key, class, author, title, content, date, comments } => {
                            let comments: Vec<Value> = comments.iter().map(|c| json!({"cle": c.key,
                                "auteur": c.author, "texte": c.text, "date": c.date})).collect();
                            posts.push(json!({"cle": key, "classe": class, "auteur": author, "titre": title,
                                "contenu": content, "date": date, "commentaires": comments}));
                        }
                        Item::Homework { key, class, author, lesson, content, due } => {
                            homework.push(json!({"cle": key, "classe": class, "auteur": author,
                                "seance": lesson, "contenu": content, "pour_le": due}));
                        }
                        Item::Event { key, class, title, start, end, place } => {
                            events.push(json!({"cle": key, "classe": class, "titre": title,
                                "debut": start, "fin": end, "lieu": place}));
                        }
                        Item::Note { key, class, author, text, signatures } => {
                            let signatures: Vec<Value> = signatures.iter().map(|(who, date)|
                                json!({"responsable": who, "date": date})).collect();
                            notes.push(json!({"cle": key, "classe": class, "auteur": author, "texte": text,
                                "signature_requise": true, "signatures": signatures}));
                        }
                    }
                }
                json!({
                    "uai": s.uai,
                    "nom": s.name,
                    "classes": s.classes.iter().map(|(code, label)| json!({"code": code, "libelle": label})).collect::<Vec<_>>(),
                    "personnes": s.persons.iter().map(|p| json!({"jointure": p.jointure, "nom": p.last_name,
                        "prenom": p.first_name, "profil": p.profile, "classes": p.classes, "enfants": p.children})).collect::<Vec<_>>(),
                    "messages": messages,
                    "billets": posts,
                    "cahier_textes": homework,
                    "agenda": events,
                    "cahier_liaison": notes,
                    "fichiers": s.files.iter().map(|f| json!({"cle": f.key, "nom": f.name, "type": f.media_type,
                        "sha256": f.sha256, "proprietaire": f.owner, "contenu_base64": b64.encode(&f.bytes)})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "lot": self.lot, "ecoles": schools })
    }
}

/// Pseudo-random bytes from a label: chained SHA-256 blocks, so that a file's
/// content is known without being stored.
fn bytes_of(label: &str, len: usize, header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(header);
    let mut block = Sha256::digest(label.as_bytes());
    while out.len() < len {
        out.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    out.truncate(len);
    out
}

fn seed_school(
    directory: &Directory,
    school: &crate::aaf::School,
    role: Role,
    lot: &str,
) -> Result<SeededSchool, SeedError> {
    let empty = || SeedError::EmptySchool(school.uai.clone());
    let (class, teacher) = school
        .classes
        .iter()
        .find_map(|class| {
            directory
                .teachers
                .iter()
                .find(|t| t.school == school.jointure && t.classes.contains(&class.code))
                .map(|t| (class, t))
        })
        .ok_or_else(empty)?;
    let pupils: Vec<&crate::aaf::Pupil> = directory
        .pupils
        .iter()
        .filter(|p| p.school == school.jointure && p.class_code == class.code)
        .take(3)
        .collect();
    let first_pupil = pupils.first().ok_or_else(empty)?;
    let parents: Vec<&crate::aaf::Parent> = pupils
        .iter()
        .flat_map(|p| &p.parents)
        .filter_map(|j| directory.parent(j))
        .fold(Vec::new(), |mut acc: Vec<&crate::aaf::Parent>, p| {
            if !acc.iter().any(|q| q.jointure == p.jointure) {
                acc.push(p);
            }
            acc
        })
        .into_iter()
        .take(3)
        .collect();
    let first_parent = parents.first().ok_or_else(empty)?;
    let mut persons = vec![SeededPerson {
        jointure: teacher.jointure.clone(),
        profile: "enseignant",
        last_name: teacher.last_name.clone(),
        first_name: teacher.first_name.clone(),
        classes: vec![class.code.clone()],
        children: Vec::new(),
    }];
    let pupil_keys: Vec<String> = pupils.iter().map(|p| p.jointure.clone()).collect();
    for pupil in &pupils {
        persons.push(SeededPerson {
            jointure: pupil.jointure.clone(),
            profile: "eleve",
            last_name: pupil.last_name.clone(),
            first_name: pupil.first_name.clone(),
            classes: vec![class.code.clone()],
            children: Vec::new(),
        });
    }
    for parent in &parents {
        persons.push(SeededPerson {
            jointure: parent.jointure.clone(),
            profile: "parent",
            last_name: parent.last_name.clone(),
            first_name: parent.first_name.clone(),
            classes: Vec::new(),
            // Only the children seeded here: a parent may have others elsewhere.
            children: parent
                .children
                .iter()
                .filter(|c| pupil_keys.contains(c))
                .cloned()
                .collect(),
        });
    }
    let uai = &school.uai;
    let mark = |key: &str| marker(lot, uai, key);
    let at = |day: u32, hour: u32| format!("2026-11-{day:02}T{hour:02}:30:00+01:00");
    let parent_keys: Vec<String> = parents.iter().map(|p| p.jointure.clone()).collect();
    let files = vec![
        file(
            lot,
            uai,
            "f1",
            &format!("sortie-musee-{uai}.jpg"),
            "image/jpeg",
            &teacher.jointure,
            48 << 10,
            b"\xFF\xD8\xFF\xE0",
        ),
        file(
            lot,
            uai,
            "f2",
            &format!("dessin-{}-{uai}.png", first_pupil.first_name.to_lowercase()),
            "image/png",
            &first_pupil.jointure,
            96 << 10,
            b"\x89PNG\r\n\x1a\n",
        ),
    ];
    let mut items = vec![
        Item::Message {
            key: "m1".into(),
            author: teacher.jointure.clone(),
            recipients: parent_keys.clone(),
            subject: format!("Sortie au musée jeudi {}", mark("m1")),
            body: format!(
                "Bonjour, la classe de {} visitera le musée jeudi. Autorisation jointe.",
                class.label
            ),
            date: at(16, 8),
            attachments: vec!["f1".into()],
        },
        Item::Message {
            key: "m2".into(),
            author: first_parent.jointure.clone(),
            recipients: vec![teacher.jointure.clone()],
            subject: format!("Absence lundi matin {}", mark("m2")),
            body: format!(
                "{} aura rendez-vous chez le médecin lundi matin.",
                first_pupil.first_name
            ),
            date: at(17, 19),
            attachments: Vec::new(),
        },
        Item::Post {
            key: "b1".into(),
            class: class.code.clone(),
            author: teacher.jointure.clone(),
            title: format!("Nos plantations d'automne {}", mark("b1")),
            content: "Les élèves ont planté des bulbes de tulipes dans le jardin de l'école."
                .into(),
            date: at(18, 16),
            comments: vec![
                SeededComment {
                    key: "c1".into(),
                    author: first_pupil.jointure.clone(),
                    text: format!("J'ai planté trois bulbes ! {}", mark("c1")),
                    date: at(18, 17),
                },
                SeededComment {
                    key: "c2".into(),
                    author: first_parent.jointure.clone(),
                    text: format!("Bravo à toute la classe. {}", mark("c2")),
                    date: at(18, 20),
                },
            ],
        },
        Item::Homework {
            key: "t1".into(),
            class: class.code.clone(),
            author: teacher.jointure.clone(),
            lesson: at(19, 9),
            content: format!("Lire la page 12 du livre de lecture {}", mark("t1")),
            due: at(20, 8),
        },
        Item::Event {
            key: "e1".into(),
            class: class.code.clone(),
            title: format!("Visite du musée {}", mark("e1")),
            start: at(26, 9),
            end: at(26, 11),
            place: "Musée de Bellerive".into(),
        },
        Item::Note {
            key: "n1".into(),
            class: class.code.clone(),
            author: teacher.jointure.clone(),
            text: format!("Merci de signer l'autorisation de sortie {}", mark("n1")),
            signatures: parents
                .iter()
                .take(2)
                .enumerate()
                .map(|(i, p)| (p.jointure.clone(), at(20 + i as u32, 20)))
                .collect(),
        },
    ];
    let mut classes = vec![(class.code.clone(), class.label.clone())];
    // The exported school also gets a second class with its own post and
    // homework: what SEC-07 asks for as a member of the first class.
    if role == Role::Exported
        && let Some((other, other_teacher)) = school.classes.iter().find_map(|c| {
            directory
                .teachers
                .iter()
                .find(|t| {
                    t.school == school.jointure
                        && t.classes.contains(&c.code)
                        && !t.classes.contains(&class.code)
                })
                .filter(|_| c.code != class.code)
                .map(|t| (c, t))
        })
    {
        classes.push((other.code.clone(), other.label.clone()));
        persons.push(SeededPerson {
            jointure: other_teacher.jointure.clone(),
            profile: "enseignant",
            last_name: other_teacher.last_name.clone(),
            first_name: other_teacher.first_name.clone(),
            classes: vec![other.code.clone()],
            children: Vec::new(),
        });
        items.push(Item::Post {
            key: "b2".into(),
            class: other.code.clone(),
            author: other_teacher.jointure.clone(),
            title: format!("Notre correspondance avec l'Italie {}", mark("b2")),
            content: format!("La classe de {} a reçu ses premières lettres.", other.label),
            date: at(18, 15),
            comments: Vec::new(),
        });
        items.push(Item::Homework {
            key: "t2".into(),
            class: other.code.clone(),
            author: other_teacher.jointure.clone(),
            lesson: at(19, 10),
            content: format!("Apprendre la poésie « Le hérisson » {}", mark("t2")),
            due: at(20, 9),
        });
    }
    let members = directory
        .pupils
        .iter()
        .filter(|p| p.school == school.jointure)
        .map(|p| p.jointure.clone())
        .chain(
            directory
                .teachers
                .iter()
                .filter(|t| t.school == school.jointure)
                .map(|t| t.jointure.clone()),
        )
        .collect();
    Ok(SeededSchool {
        role,
        uai: uai.clone(),
        name: school.name.clone(),
        commune: school.commune.clone(),
        classes,
        persons,
        items,
        files,
        members,
    })
}

#[allow(clippy::too_many_arguments)]
fn file(
    lot: &str,
    uai: &str,
    key: &str,
    name: &str,
    media_type: &'static str,
    owner: &str,
    len: usize,
    header: &[u8],
) -> SeededFile {
    let bytes = bytes_of(&marker(lot, uai, key), len, header);
    SeededFile {
        key: key.to_owned(),
        name: name.to_owned(),
        media_type,
        owner: owner.to_owned(),
        sha256: crate::suite::hex_sha256(&bytes),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        crate::aaf::generate(&crate::aaf::GenerateOptions {
            schools: 4,
            ..crate::aaf::GenerateOptions::default()
        })
    }

    #[test]
    fn three_schools_with_content_and_distinct_markers() {
        let directory = directory();
        let uai = directory.schools[0].uai.clone();
        let truth = GroundTruth::build(&directory, &uai, "lot1").expect("scénario");
        let roles: Vec<Role> = truth.schools.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            [Role::Exported, Role::SameCommune, Role::OtherCommune]
        );
        let exported = &truth.schools[0];
        assert_eq!(
            exported.items.len(),
            8,
            "six items, and a post and homework of a second class"
        );
        assert_eq!(exported.classes.len(), 2);
        assert_eq!(truth.schools[1].items.len(), 6);
        assert_eq!(exported.files[0].bytes.len(), 48 << 10);
        assert_eq!(
            exported.files[0].sha256,
            crate::suite::hex_sha256(&exported.files[0].bytes)
        );
        assert!(
            exported
                .persons
                .iter()
                .any(|p| p.profile == "parent" && !p.children.is_empty())
        );
        let again = GroundTruth::build(&directory, &uai, "lot1").expect("scénario");
        assert_eq!(truth, again, "déterministe");
        let body = truth.request_body().to_string();
        assert!(body.contains(&marker("lot1", &truth.schools[2].uai, "c2")));
    }

    #[test]
    fn unknown_school_is_named() {
        let error = GroundTruth::build(&directory(), "0000000X", "lot").expect_err("inconnue");
        assert!(error.to_string().contains("0000000X"));
    }
}
