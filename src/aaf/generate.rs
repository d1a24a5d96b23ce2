//! A deterministic synthetic directory and its rendering as `ficAlimMENESR`
//! XML. Every name is fictional, every e-mail on a reserved `.test` domain,
//! every UAI in the non-existent département 099, the académie is "99
//! BELLERIVE": nothing here can be mistaken for a real person or school.

use chrono::NaiveDate;

use super::{AafFile, Academy, Class, Directory, Parent, Pupil, School, Teacher};
use crate::text::escape_xml;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of schools.
    pub schools: usize,
    /// Classes per school.
    pub classes_per_school: usize,
    /// Pupils per class.
    pub pupils_per_class: usize,
    /// Seed: the same options give the same directory.
    pub seed: u64,
    /// Export date written in the file names.
    pub date: NaiveDate,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            schools: 2,
            classes_per_school: 2,
            pupils_per_class: 3,
            seed: 1,
            date: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default(),
        }
    }
}

const FIRST_NAMES: &[&str] = &[
    "Léa", "Louis", "Emma", "Gabriel", "Jade", "Raphaël", "Louise", "Arthur", "Alice", "Jules",
    "Chloé", "Adam", "Lina", "Maël", "Rose", "Lucas", "Anna", "Hugo", "Mila", "Noé", "Inès",
    "Sacha", "Zoé", "Nathan", "Juliette", "Tom", "Ambre", "Léo", "Agathe", "Paul",
];
const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
];
const SCHOOL_NAMES: &[&str] = &[
    "École élémentaire Jules Ferry",
    "École primaire Marie Curie",
    "École élémentaire Jean Jaurès",
    "École primaire Simone Veil",
    "École élémentaire Victor Hugo",
    "École primaire Louise Michel",
];
const COMMUNES: &[&str] = &[
    "Bellerive-sur-Loire",
    "Saint-Aubin-de-Bellerive",
    "Val-de-Bellerive",
];
/// Levels with their MEFSTAT4 codes (the layout entcore's importer reads, inferred).
const LEVELS: &[(&str, &str, &str)] = &[
    ("CP", "1111", "CYCLE II"),
    ("CE1", "1121", "CYCLE II"),
    ("CE2", "1131", "CYCLE II"),
    ("CM1", "1211", "CYCLE III"),
    ("CM2", "1221", "CYCLE III"),
];

/// SplitMix64: small, fast, and the same on every platform.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = items.len().max(1) as u64;
        items
            .get(usize::try_from(self.next() % len).unwrap_or(0))
            .copied()
            .unwrap_or("")
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The UAI key letter of a 7-digit prefix.
fn uai(prefix: u64) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let letter = LETTERS[usize::try_from(prefix % 23).unwrap_or(0)] as char;
    format!("{prefix:07}{letter}")
}

/// ASCII, lower case, for e-mail local parts.
fn mail_part(text: &str) -> String {
    crate::text::fold(text)
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            ' ' | '-' | '\'' => Some('-'),
            _ => None,
        })
        .collect()
}

fn unique_email(name: (&str, &str), domain: &str, taken: &mut Vec<String>) -> String {
    let base = format!("{}.{}", mail_part(name.0), mail_part(name.1));
    let mut candidate = format!("{base}@{domain}");
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{n}@{domain}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// Builds the directory. With two schools or more, the last pupil of the
/// first school has a brother or sister in the second school, and their
/// parent is recorded once per school (two join keys, same person): the
/// case that makes an ENT offer a choice of profile.
pub fn generate(options: &GenerateOptions) -> Directory {
    let mut random = Random(options.seed);
    let mut emails = Vec::new();
    let mut directory = Directory {
        academy: Academy {
            code: "99".to_owned(),
            name: "BELLERIVE".to_owned(),
        },
        schools: Vec::new(),
        pupils: Vec::new(),
        parents: Vec::new(),
        teachers: Vec::new(),
    };
    let (mut next_pupil, mut next_parent, mut next_teacher) =
        (9_100_001_u64, 9_200_001_u64, 9_300_001_u64);
    let year = options
        .date
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026);
    for s in 0..options.schools {
        let jointure = format!("{}", 9_000_001 + s as u64);
        let classes: Vec<Class> = (0..options.classes_per_school)
            .map(|c| {
                let (level, mef, _) = LEVELS[c % LEVELS.len()];
                let letter = (b'A' + u8::try_from(c / LEVELS.len() % 26).unwrap_or(0)) as char;
                Class {
                    code: format!("{level}{letter}"),
                    label: format!("{level} {letter}"),
                    mefstat4: mef.to_owned(),
                    level: level.to_owned(),
                }
            })
            .collect();
        let name = if s < SCHOOL_NAMES.len() {
            SCHOOL_NAMES[s].to_owned()
        } else {
            format!(
                "{} n° {}",
                SCHOOL_NAMES[s % SCHOOL_NAMES.len()],
                s / SCHOOL_NAMES.len() + 1
            )
        };
        directory.schools.push(School {
            jointure: jointure.clone(),
            uai: uai(990_001 + s as u64),
            name,
            commune: COMMUNES[s % COMMUNES.len()].to_owned(),
            classes: classes.clone(),
        });
        for class in &classes {
            let (first, last) = (random.pick(FIRST_NAMES), random.pick(LAST_NAMES));
            directory.teachers.push(Teacher {
                jointure: next_teacher.to_string(),
                last_name: last.to_uppercase(),
                first_name: first.to_owned(),
                email: unique_email((first, last), "ac-bellerive.test", &mut emails),
                school: jointure.clone(),
                director: false,
                classes: vec![class.code.clone()],
            });
            next_teacher += 1;
            for _ in 0..options.pupils_per_class {
                let last = random.pick(LAST_NAMES);
                let pupil_jointure = next_pupil.to_string();
                next_pupil += 1;
                let mut parents = Vec::new();
                for _ in 0..1 + random.below(2) {
                    let first = random.pick(FIRST_NAMES);
                    let parent_jointure = next_parent.to_string();
                    next_parent += 1;
                    directory.parents.push(Parent {
                        jointure: parent_jointure.clone(),
                        last_name: last.to_uppercase(),
                        first_name: first.to_owned(),
                        email: unique_email((first, last), "parents.test", &mut emails),
                        children: vec![pupil_jointure.clone()],
                    });
                    parents.push(parent_jointure);
                }
                directory.pupils.push(Pupil {
                    jointure: pupil_jointure,
                    last_name: last.to_uppercase(),
                    first_name: random.pick(FIRST_NAMES).to_owned(),
                    birth_date: format!(
                        "{:02}/{:02}/{}",
                        1 + random.below(28),
                        1 + random.below(12),
                        year - 6 - i32::try_from(random.below(5)).unwrap_or(0)
                    ),
                    school: jointure.clone(),
                    class_code: class.code.clone(),
                    parents,
                });
            }
        }
        let (first, last) = (random.pick(FIRST_NAMES), random.pick(LAST_NAMES));
        directory.teachers.push(Teacher {
            jointure: next_teacher.to_string(),
            last_name: last.to_uppercase(),
            first_name: first.to_owned(),
            email: unique_email((first, last), "ac-bellerive.test", &mut emails),
            school: jointure.clone(),
            director: true,
            classes: Vec::new(),
        });
        next_teacher += 1;
    }
    for pair in 0..options.schools / 2 {
        let added = add_sibling(
            &mut directory,
            &mut random,
            2 * pair,
            (next_pupil, next_parent),
        );
        if added {
            next_pupil += 1;
            next_parent += 1;
        }
    }
    directory
}

/// Gives the last pupil of school `first` a brother or sister in school
/// `first + 1`, their parent recorded once per school; returns whether it did.
fn add_sibling(
    directory: &mut Directory,
    random: &mut Random,
    first: usize,
    (pupil, parent): (u64, u64),
) -> bool {
    if directory.schools.len() < first + 2 {
        return false;
    }
    let first_school = directory.schools[first].jointure.clone();
    let Some(elder) = directory
        .pupils
        .iter()
        .rev()
        .find(|p| p.school == first_school)
        .cloned()
    else {
        return false;
    };
    let Some(record) = elder
        .parents
        .first()
        .and_then(|j| directory.parent(j))
        .cloned()
    else {
        return false;
    };
    let second = directory.schools[first + 1].clone();
    let Some(class) = second.classes.first() else {
        return false;
    };
    let sibling = pupil.to_string();
    let second_record = parent.to_string();
    directory.parents.push(Parent {
        jointure: second_record.clone(),
        children: vec![sibling.clone()],
        ..record
    });
    directory.pupils.push(Pupil {
        jointure: sibling,
        last_name: elder.last_name.clone(),
        first_name: random.pick(FIRST_NAMES).to_owned(),
        birth_date: elder.birth_date.clone(),
        school: second.jointure.clone(),
        class_code: class.code.clone(),
        parents: vec![second_record],
    });
    true
}

fn header(kind: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n\
         <!-- versionAF=\"AAF-VE2407\" -->\n<!-- versionSDET=\"Annexe 4bis version 6.4\" -->\n\
         <!-- codeAcademieExport=\"99\" -->\n<!-- degre=\"1D\" -->\n\
         <!-- Données fictives générées par entconf (fichier {kind}) : aucune personne réelle. -->\n<ficAlimMENESR>\n"
    )
}

fn record(
    category_attr: &str,
    category: &str,
    id: &str,
    attributes: &[(&str, Vec<String>)],
) -> String {
    let mut out = format!(
        "  <addRequest>\n    <operationalAttributes><attr name=\"{category_attr}\"><value>{category}</value></attr></operationalAttributes>\n    <identifier><id>{}</id></identifier>\n    <attributes>\n",
        escape_xml(id)
    );
    for (name, values) in attributes {
        out.push_str(&format!("      <attr name=\"{name}\">"));
        if values.is_empty() {
            out.push_str("<value/>");
        }
        for value in values {
            out.push_str(&format!("<value>{}</value>", escape_xml(value)));
        }
        out.push_str("</attr>\n");
    }
    out.push_str("    </attributes>\n  </addRequest>\n");
    out
}

fn one(value: &str) -> Vec<String> {
    vec![value.to_owned()]
}

/// The four files, in import order.
pub(super) fn render(directory: &Directory, date: NaiveDate) -> Vec<AafFile> {
    let stamp = date.format("%Y%m%d");
    let name = |kind: &str| format!("ENT1D_Complet_{stamp}_{kind}_0000.xml");
    let academy = &directory.academy;
    let mut etab = header("EtabEducNat");
    for school in &directory.schools {
        etab.push_str(&record(
            "categorieStructure",
            "EtabEducNat",
            &school.jointure,
            &[
                ("ENTStructureJointure", one(&school.jointure)),
                ("ENTStructureUAI", one(&school.uai)),
                ("ENTStructureNomCourant", one(&school.name)),
                ("ENTStructureTypeStruct", one("ECOLE")),
                ("ENTEcoleCommune", one(&school.commune)),
                ("ENTServAcAcademie", one(&academy.name)),
                ("ENTServAcCodeAcademie", one(&academy.code)),
            ],
        ));
    }
    etab.push_str("</ficAlimMENESR>\n");
    let mut eleves = header("Eleve");
    for pupil in &directory.pupils {
        let school = directory.school(&pupil.school);
        let class = school.and_then(|s| s.classes.iter().find(|c| c.code == pupil.class_code));
        let (label, mef, level) = class
            .map(|c| (c.label.clone(), c.mefstat4.clone(), c.level.clone()))
            .unwrap_or_default();
        eleves.push_str(&record(
            "categoriePersonne",
            "Eleve",
            &pupil.jointure,
            &[
                ("ENTPersonJointure", one(&pupil.jointure)),
                ("ENTPersonDateNaissance", one(&pupil.birth_date)),
                ("ENTPersonNom", one(&pupil.last_name)),
                ("ENTPersonPrenom", one(&pupil.first_name)),
                ("ENTEleveAutoriteParentale", pupil.parents.clone()),
                ("ENTPersonStructRattach", one(&pupil.school)),
                (
                    "ENTPersonClasses",
                    one(&format!("{}$$${}${label}", pupil.school, pupil.class_code)),
                ),
                ("ENTEleveNiveau", one(&format!("{mef}${level}"))),
            ],
        ));
    }
    eleves.push_str("</ficAlimMENESR>\n");
    let mut personnels = header("PersEducNat");
    for teacher in &directory.teachers {
        let function = if teacher.director { "DIR" } else { "ENS" };
        personnels.push_str(&record(
            "categoriePersonne",
            "PersEducNat",
            &teacher.jointure,
            &[
                ("ENTPersonJointure", one(&teacher.jointure)),
                ("ENTPersonNom", one(&teacher.last_name)),
                ("ENTPersonPrenom", one(&teacher.first_name)),
                ("ENTPersonMail", one(&teacher.email)),
                ("ENTPersonStructRattach", one(&teacher.school)),
                (
                    "ENTPersonFonctions",
                    one(&format!("{}${function}$$$", teacher.school)),
                ),
                (
                    "ENTEnsFonctionDir",
                    one(if teacher.director { "O" } else { "N" }),
                ),
                (
                    "ENTPersonCategorieEnseignant",
                    one(if teacher.director { "N" } else { "O" }),
                ),
                (
                    "ENTPersonClasses",
                    teacher
                        .classes
                        .iter()
                        .map(|c| format!("{}$$${c}${c}", teacher.school))
                        .collect(),
                ),
            ],
        ));
    }
    personnels.push_str("</ficAlimMENESR>\n");
    let mut responsables = header("PersRelEleve");
    for parent in &directory.parents {
        responsables.push_str(&record(
            "categoriePersonne",
            "PersRelEleve",
            &parent.jointure,
            &[
                ("ENTPersonJointure", one(&parent.jointure)),
                ("ENTPersonNom", one(&parent.last_name)),
                ("ENTPersonPrenom", one(&parent.first_name)),
                ("ENTPersonMail", one(&parent.email)),
                ("ENTPersRelEleveEleve", parent.children.clone()),
            ],
        ));
    }
    responsables.push_str("</ficAlimMENESR>\n");
    vec![
        AafFile {
            name: name("EtabEducNat"),
            xml: etab,
        },
        AafFile {
            name: name("Eleve"),
            xml: eleves,
        },
        AafFile {
            name: name("PersEducNat"),
            xml: personnels,
        },
        AafFile {
            name: name("PersRelEleve"),
            xml: responsables,
        },
    ]
}
