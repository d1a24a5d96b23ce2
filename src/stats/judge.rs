//! Judging statistics: pure functions over what the `statistics` probe read
//! and the activity the harness played.
//!
//! Which measures add up across levels, which count people (never summed:
//! someone active in two schools is one user above them), which cells the
//! confidentiality rule hides: all of it comes from the suite's
//! `statistics:` block, not from here. A document that could not be read
//! at all is `error`; a readable one that is wrong is a failure that names
//! the entity, the week and the column.

use std::collections::{BTreeMap, BTreeSet};

use super::reading::{ActivityVisit, Answer, Asked, StatsReading, subtree};
use crate::stats::{Cell, Entity, Level, StatsDocument, Total, WEEK_COLUMN};
use crate::stats::{Column, Counted, Dimension, StatsRule, StatsSpec};
use crate::text::{contains_phrase, fold};

use super::observation::StatsObservation;
use crate::check::login::shows_at_school;
use crate::check::observation::Person;
#[cfg(test)]
use crate::check::outcome::AssertionStatus;
use crate::check::outcome::{Verdict, listed, verdict, with_note};

/// Evaluates one rule.
pub fn judge_statistics(rule: StatsRule, spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let reading = &observed.reading;
    match rule {
        StatsRule::Anonymous => return anonymous(reading),
        StatsRule::Scoped => return scoped(reading),
        StatsRule::Csv => return csv(spec, observed),
        StatsRule::Dnma => return dnma(spec, observed),
        StatsRule::NoIdentifiers => return no_identifiers(spec, observed),
        _ => {}
    }
    if let Some(verdict) = unreadable(reading, rule.label_fr()) {
        return verdict;
    }
    match rule {
        StatsRule::Levels => levels(reading),
        StatsRule::Indicators => indicators(spec, reading),
        StatsRule::Definitions => definitions(spec, reading),
        StatsRule::GroundTruth => ground_truth(spec, observed),
        StatsRule::Additive => additive(spec, reading),
        StatsRule::UniqueUsers => unique_users(spec, observed),
        StatsRule::SmallCells => small_cells(spec, reading),
        StatsRule::Weeks => weeks(reading),
        StatsRule::Anonymous
        | StatsRule::Scoped
        | StatsRule::Csv
        | StatsRule::Dnma
        | StatsRule::NoIdentifiers => Verdict::error(rule.label_fr(), "règle non aiguillée"),
    }
}

/// An error verdict when a walked document could not be read at all
/// (nothing can be judged from a tree with holes the harness cannot
/// explain), or when not one document was read: an answer that is not a
/// 2xx statistics document is never counted as read, and a rule with
/// nothing read to judge proves nothing.
fn unreadable(reading: &StatsReading, expected: &str) -> Option<Verdict> {
    let problems: Vec<String> = reading
        .tree
        .iter()
        .filter(|a| {
            matches!(
                a.answer,
                Answer::Transport(_)
                    | Answer::Http {
                        parsed: Some(Err(_)),
                        ..
                    }
            )
        })
        .filter_map(|a| a.answer.problem().map(|p| format!("{} : {p}", a.entity)))
        .collect();
    if !problems.is_empty() {
        return Some(Verdict::error(
            expected,
            format!("statistiques illisibles — {}", listed(&problems)),
        ));
    }
    documents(reading).next().is_none().then(|| {
        Verdict::error(
            expected,
            format!("aucune statistique lue{}", unread(reading)),
        )
    })
}

/// " — <what could not be read>" for the walked answers that are not
/// documents, or "" when every answer was one.
fn unread(reading: &StatsReading) -> String {
    let problems: Vec<String> = reading
        .tree
        .iter()
        .filter_map(|a| a.answer.problem().map(|p| format!("{} : {p}", a.entity)))
        .collect();
    if problems.is_empty() {
        String::new()
    } else {
        format!(" — {}", listed(&problems))
    }
}

/// Where each expected column is in `doc`, looked up once per document.
fn positions(doc: &StatsDocument, columns: &[Column]) -> Vec<Option<usize>> {
    columns.iter().map(|c| doc.column(&c.name)).collect()
}

/// The walked documents by entity, for the rules that go from parents to
/// children (a linear search per child would be quadratic at académie scale).
fn index(reading: &StatsReading) -> BTreeMap<&Entity, &StatsDocument> {
    documents(reading).collect()
}

fn documents(reading: &StatsReading) -> impl Iterator<Item = (&Entity, &StatsDocument)> {
    reading
        .tree
        .iter()
        .filter_map(|a| a.answer.document().map(|doc| (&a.entity, doc)))
}

fn levels(reading: &StatsReading) -> Verdict {
    let expected = "chaque niveau (école, circonscription, collectivité, département, académie) \
                    servi avec des lignes pour la période, atteint depuis l'académie";
    let mut problems = Vec::new();
    let mut served: BTreeMap<Level, usize> = BTreeMap::new();
    for asked in &reading.tree {
        match asked.answer.document() {
            Some(doc) if doc.rows.is_empty() => problems.push(format!(
                "{} : aucune ligne pour la période {} – {}",
                asked.entity, reading.period.from, reading.period.to
            )),
            Some(doc) => {
                *served.entry(asked.entity.level).or_default() += 1;
                if !doc.unknown_children.is_empty() {
                    problems.push(format!(
                        "{} : enfants de niveau inconnu ({})",
                        asked.entity,
                        doc.unknown_children.join(", ")
                    ));
                }
            }
            None => problems.push(format!(
                "{} annoncé mais non servi au compte académie ({})",
                asked.entity,
                asked.answer.problem().unwrap_or_default()
            )),
        }
    }
    for level in Level::ALL {
        if !served.contains_key(&level) {
            problems.push(format!("aucune entité de niveau {}", level.label_fr()));
        }
    }
    if reading.truncated {
        // First: the rest of the list is about a tree read only in part.
        problems.insert(0, format!(
            "arborescence de plus de {} entités ou de plus de {} Mio de réponses : parcours arrêté",
            super::reading::MAX_ENTITIES,
            super::reading::MAX_WALK_BYTES >> 20
        ));
    }
    let summary = Level::ALL
        .iter()
        .rev()
        .map(|l| format!("{} {}", served.get(l).copied().unwrap_or(0), l.label_fr()))
        .collect::<Vec<_>>()
        .join(", ");
    verdict(expected, &problems, summary)
}

fn indicators(spec: &StatsSpec, reading: &StatsReading) -> Verdict {
    let expected = "dans chaque ligne, les colonnes attendues (mesures par profil, service, \
                    appareil ; indicateurs de déploiement), chaque valeur un entier positif ou \
                    vide (masquée)";
    let columns = spec.columns();
    let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut invalid = Vec::new();
    let mut rows = 0;
    for (entity, doc) in documents(reading) {
        let at = positions(doc, &columns);
        for row in &doc.rows {
            rows += 1;
            for (column, at) in columns.iter().zip(&at) {
                if at
                    .and_then(|i| row.values.get(i))
                    .is_none_or(Option::is_none)
                {
                    missing
                        .entry(column.name.as_str())
                        .or_default()
                        .push(entity.to_string());
                }
            }
            for (name, cell) in doc.cells(row) {
                if let Cell::Invalid(what) = cell {
                    invalid.push(format!(
                        "{entity}, semaine {} : {name} invalide ({what})",
                        row.week
                    ));
                }
            }
        }
    }
    if rows == 0 {
        return Verdict::error(
            expected,
            format!(
                "aucune ligne lue dans les documents servis : aucune colonne à vérifier{}",
                unread(reading)
            ),
        );
    }
    let mut problems: Vec<String> = missing
        .iter()
        .map(|(name, where_)| {
            let mut entities = where_.clone();
            entities.dedup();
            format!(
                "colonne {name} absente ({} document(s), ex. {})",
                entities.len(),
                entities.first().cloned().unwrap_or_default()
            )
        })
        .collect();
    problems.extend(invalid);
    verdict(
        expected,
        &problems,
        format!(
            "{} colonnes présentes et valides dans {rows} ligne(s)",
            columns.len()
        ),
    )
}

fn definitions(spec: &StatsSpec, reading: &StatsReading) -> Verdict {
    let expected = format!(
        "des définitions publiées pour : {}",
        spec.definitions.join(", ")
    );
    let mut problems = Vec::new();
    for (entity, doc) in documents(reading) {
        let absent: Vec<&str> = spec
            .definitions
            .iter()
            .filter(|name| {
                doc.definitions
                    .get(*name)
                    .is_none_or(|t| t.trim().is_empty())
            })
            .map(String::as_str)
            .collect();
        if !absent.is_empty() {
            problems.push(format!("{entity} : {}", absent.join(", ")));
        }
    }
    let shown = documents(reading)
        .next()
        .map(|(_, doc)| {
            spec.definitions
                .iter()
                .filter_map(|name| {
                    doc.definitions
                        .get(name)
                        .map(|t| format!("{name} = « {t} »"))
                })
                .collect::<Vec<_>>()
                .join(" ; ")
        })
        .unwrap_or_default();
    Verdict::from_problems(&expected, "définitions absentes — ", &problems, shown)
}

/// Whether a visit of the activity happened as scripted: the account page
/// showed the person, in the school the script meant. A visit that landed
/// elsewhere (wrong profile chosen, login refused) proves nothing.
fn landed(visit: &ActivityVisit) -> bool {
    let person = Person {
        name: visit.name.clone(),
        school: visit.school_name.clone(),
        children: Vec::new(),
    };
    visit
        .trace
        .as_ref()
        .is_ok_and(|trace| shows_at_school(&trace.account, &person))
}

/// What the harness expects in a column of a dedicated school.
enum Expect {
    Exactly(u64),
    AtMost(u64),
    AtLeast(u64),
}

fn expected_value(
    spec: &StatsSpec,
    column: &Column,
    observed: &StatsObservation,
    school: &str,
) -> Expect {
    let visits: Vec<_> = observed
        .activity
        .visits
        .iter()
        .filter(|v| v.school == school)
        .filter(|v| match column.dimension {
            Dimension::Total => true,
            Dimension::Profile => v.profile == column.value,
            Dimension::Service => v.services.contains(&column.value),
            Dimension::Device => v.device == column.value,
        })
        .collect();
    let people = || {
        visits
            .iter()
            .map(|v| v.person.as_str())
            .collect::<BTreeSet<_>>()
            .len() as u64
    };
    match column.counts {
        Counted::Visits => Expect::Exactly(visits.len() as u64),
        Counted::People => Expect::Exactly(people()),
        Counted::Activated => Expect::AtLeast(people()),
        Counted::Seconds => {
            let allowance = spec.duration_tolerance.as_secs_f64();
            let bound: f64 = visits.iter().map(|v| v.seconds + allowance).sum();
            Expect::AtMost(bound.ceil() as u64)
        }
        Counted::Loaded => Expect::Exactly(
            observed
                .activity
                .loaded
                .iter()
                .filter(|(s, profile, _)| s == school && *profile == column.value)
                .map(|(_, _, n)| n)
                .sum(),
        ),
    }
}

fn ground_truth(spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let expected = "pour chaque école dédiée, les compteurs de la période égaux à l'activité jouée \
                    (visites, utilisateurs, par profil, service et appareil ; comptes chargés) et \
                    les durées dans la tolérance";
    let activity = &observed.activity;
    if let Some(problem) = &activity.problem {
        return Verdict::error(
            expected,
            format!("activité de référence non jouée : {problem}"),
        );
    }
    let failed: Vec<String> = activity
        .visits
        .iter()
        .filter_map(|v| match &v.trace {
            Err(why) => Some(format!("{} ({}) : {why}", v.name, v.school)),
            Ok(trace) => (!landed(v)).then(|| {
                format!(
                    "{} n'a pas atteint son compte dans l'école {} ({} → {})",
                    v.name, v.school, trace.account.final_url, trace.account.status
                )
            }),
        })
        .collect();
    if !failed.is_empty() {
        return Verdict::error(
            expected,
            format!(
                "l'activité de référence n'a pas pu être jouée entièrement, les compteurs ne \
                 prouveraient rien (voir la suite SSO) — {}",
                listed(&failed)
            ),
        );
    }
    let mut problems = Vec::new();
    let mut compared = 0;
    for school in &observed.schools {
        let entity = Entity::new(Level::Ecole, school.clone());
        let Some(doc) = observed.reading.document(&entity) else {
            problems.push(format!("{entity} : statistiques non servies"));
            continue;
        };
        for column in spec.columns() {
            let found = doc.total(&column.name);
            if matches!(found, Total::Missing | Total::Invalid(_)) {
                continue;
            }
            compared += 1;
            let want = expected_value(spec, &column, observed, school);
            let ok = match (&want, &found) {
                (Expect::Exactly(e), Total::Count(n)) => n == e,
                (Expect::Exactly(e), Total::AtLeast(n)) => {
                    spec.hidden(&column, Level::Ecole, *e) && n <= e
                }
                (Expect::AtMost(e), Total::Count(n) | Total::AtLeast(n)) => n <= e,
                (Expect::AtLeast(e), Total::Count(n)) => n >= e,
                (Expect::AtLeast(e), Total::AtLeast(_)) => spec.hidden(&column, Level::Ecole, *e),
                _ => false,
            };
            if !ok {
                let wanted = match want {
                    Expect::Exactly(e) if spec.hidden(&column, Level::Ecole, e) => {
                        format!("{e} (ou masqué)")
                    }
                    Expect::Exactly(e) => e.to_string(),
                    Expect::AtMost(e) => format!("au plus {e}"),
                    Expect::AtLeast(e) => format!("au moins {e}"),
                };
                problems.push(format!(
                    "{entity} : {} attendu {wanted}, constaté {found}",
                    column.name
                ));
            }
        }
    }
    if compared == 0 && problems.is_empty() {
        problems.push("aucune colonne attendue à comparer dans les écoles dédiées".to_owned());
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} visites jouées dans {} école(s) ; {compared} compteurs conformes",
            activity.visits.len(),
            observed.schools.len()
        ),
    )
}

/// A parent and its children, all read.
type Family<'a> = (
    &'a Entity,
    &'a StatsDocument,
    Vec<(&'a Entity, &'a StatsDocument)>,
);

fn families(reading: &StatsReading) -> Vec<Family<'_>> {
    let index = index(reading);
    documents(reading)
        .filter(|(_, doc)| !doc.children.is_empty())
        .filter_map(|(entity, doc)| {
            let children: Option<Vec<_>> = doc
                .children
                .iter()
                .map(|child| index.get(child).map(|d| (child, *d)))
                .collect();
            children.map(|children| (entity, doc, children))
        })
        .collect()
}

fn additive(spec: &StatsSpec, reading: &StatsReading) -> Verdict {
    let expected =
        "pour chaque mesure additive, la valeur d'un niveau égale à la somme de ses enfants";
    let mut problems = Vec::new();
    let mut compared = 0;
    let columns = spec.columns();
    for (entity, doc, children) in families(reading) {
        for column in columns.iter().filter(|c| c.additive) {
            let parent = doc.total(&column.name);
            let (mut sum, mut partial, mut usable) = (0u64, false, true);
            for (_, child) in &children {
                match child.total(&column.name) {
                    Total::Count(n) => sum = sum.saturating_add(n),
                    Total::AtLeast(n) => {
                        sum = sum.saturating_add(n);
                        partial = true;
                    }
                    Total::Missing | Total::Invalid(_) => usable = false,
                }
            }
            if !usable {
                continue;
            }
            let ok = match parent {
                Total::Count(p) if partial => p >= sum,
                Total::Count(p) => p == sum,
                Total::AtLeast(p) => p <= sum || partial,
                Total::Missing | Total::Invalid(_) => continue,
            };
            compared += 1;
            if !ok {
                problems.push(format!(
                    "{entity} : {} = {parent}, somme de ses {} enfant(s) = {sum}{}",
                    column.name,
                    children.len(),
                    if partial {
                        " (au moins, cellules masquées)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    if compared == 0 {
        return Verdict::error(
            expected,
            format!(
                "aucune somme vérifiable : aucun niveau lu dont tous les enfants ont été lus avec \
                 des valeurs{}",
                unread(reading)
            ),
        );
    }
    verdict(expected, &problems, format!("{compared} sommes vérifiées"))
}

/// People of the activity active under two or more of `children`, counted
/// (k − 1) each: what a unique count above them must be below the sum by.
fn overlap(observed: &StatsObservation, column: &Column, children: &[BTreeSet<String>]) -> u64 {
    let mut where_: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for visit in &observed.activity.visits {
        let matches = match column.dimension {
            Dimension::Total => true,
            Dimension::Profile => visit.profile == column.value,
            Dimension::Service => visit.services.contains(&column.value),
            Dimension::Device => visit.device == column.value,
        };
        if !matches || !landed(visit) {
            continue;
        }
        for (index, schools) in children.iter().enumerate() {
            if schools.contains(&visit.school) {
                where_
                    .entry(visit.person.as_str())
                    .or_default()
                    .insert(index);
            }
        }
    }
    where_
        .values()
        .map(|set| set.len().saturating_sub(1) as u64)
        .sum()
}

fn unique_users(spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let expected = "pour chaque mesure de personnes : au moins le plus grand de ses enfants, au \
                    plus leur somme moins les personnes actives dans plusieurs d'entre eux (comptées \
                    une seule fois)";
    let reading = &observed.reading;
    let mut problems = Vec::new();
    let (mut compared, mut overlapping) = (0, 0);
    let columns = spec.columns();
    for (entity, doc, children) in families(reading) {
        let schools: Vec<BTreeSet<String>> = children
            .iter()
            .map(|(child, _)| {
                subtree(&reading.tree, child)
                    .into_iter()
                    .filter(|e| e.level == Level::Ecole)
                    .map(|e| e.id.clone())
                    .collect()
            })
            .collect();
        for column in columns.iter().filter(|c| c.counts == Counted::People) {
            let Total::Count(parent) = doc.total(&column.name) else {
                continue;
            };
            let values: Option<Vec<u64>> = children
                .iter()
                .map(|(_, d)| match d.total(&column.name) {
                    Total::Count(n) => Some(n),
                    _ => None,
                })
                .collect();
            let Some(values) = values else { continue };
            let sum: u64 = values.iter().sum();
            let max = values.iter().copied().max().unwrap_or(0);
            let shared = overlap(observed, column, &schools);
            compared += 1;
            if shared > 0 {
                overlapping += 1;
            }
            if parent < max {
                problems.push(format!(
                    "{entity} : {} = {parent}, moins que l'un de ses enfants ({max})",
                    column.name
                ));
            } else if parent.saturating_add(shared) > sum {
                problems.push(format!(
                    "{entity} : {} = {parent} ; somme des enfants {sum}, dont {shared} personne(s) \
                     active(s) dans plusieurs d'entre eux qui ne comptent qu'une fois : au plus {}",
                    column.name,
                    sum.saturating_sub(shared)
                ));
            }
        }
    }
    if compared == 0 {
        return Verdict::error(
            expected,
            format!(
                "aucun compte de personnes vérifiable : aucun niveau lu dont tous les enfants ont \
                 été lus avec des valeurs{}",
                unread(reading)
            ),
        );
    }
    verdict(
        expected,
        &problems,
        format!(
            "{compared} comptes de personnes vérifiés, dont {overlapping} avec des personnes \
             actives dans plusieurs entités"
        ),
    )
}

fn small_cells(spec: &StatsSpec, reading: &StatsReading) -> Verdict {
    let rule = &spec.small_cells;
    let expected = format!(
        "aux niveaux {}, aucune valeur de {} entre 1 et {} (masquée)",
        rule.levels
            .iter()
            .map(|l| l.label_fr())
            .collect::<Vec<_>>()
            .join(", "),
        rule.measures.join(", "),
        rule.below.saturating_sub(1)
    );
    let columns = spec.columns();
    let mut problems = Vec::new();
    let (mut hidden, mut rows) = (0, 0);
    for (entity, doc) in documents(reading).filter(|(e, _)| rule.levels.contains(&e.level)) {
        let at = positions(doc, &columns);
        for row in &doc.rows {
            rows += 1;
            for (column, at) in columns.iter().zip(&at) {
                match at.and_then(|i| row.values.get(i)).and_then(Option::as_ref) {
                    Some(Cell::Count(n)) if spec.hidden(column, entity.level, *n) => problems.push(
                        format!("{entity}, semaine {} : {} = {n}", row.week, column.name),
                    ),
                    Some(Cell::Suppressed) => hidden += 1,
                    _ => {}
                }
            }
        }
    }
    if rows == 0 {
        return Verdict::error(
            &expected,
            format!(
                "aucune ligne lue aux niveaux où la règle s'applique{}",
                unread(reading)
            ),
        );
    }
    verdict(
        &expected,
        &problems,
        format!("{hidden} cellule(s) masquée(s), aucune petite valeur visible"),
    )
}

fn weeks(reading: &StatsReading) -> Verdict {
    let expected = format!(
        "des semaines du lundi au dimanche (heure de Paris), « {WEEK_COLUMN} » un lundi entre {} et {}",
        reading.period.from, reading.period.to
    );
    let mut problems = Vec::new();
    let mut rows = 0;
    for (entity, doc) in documents(reading) {
        for row in &doc.rows {
            rows += 1;
            if !reading.period.has_week(&row.week) {
                problems.push(format!("{entity} : {WEEK_COLUMN} = « {} »", row.week));
            }
        }
    }
    if rows == 0 {
        return Verdict::error(
            &expected,
            format!(
                "aucune ligne lue : aucune semaine à vérifier{}",
                unread(reading)
            ),
        );
    }
    verdict(
        &expected,
        &problems,
        "toutes les lignes commencent un lundi de la période",
    )
}

/// A request that got statistics when it should have got nothing.
fn served(asked: &Asked) -> Option<String> {
    asked.answer.document().map(|doc| {
        format!(
            "{} → {} ({} ligne(s) servies)",
            asked.entity,
            asked.answer.status().unwrap_or(0),
            doc.rows.len()
        )
    })
}

/// An error verdict when some answer could not be read: no answer at all,
/// or (unless `format_judged`, where a malformed body is the very failure
/// looked for) a 200 whose body is not a statistics document: served or
/// not, the harness cannot tell.
fn transport_errors(asked: &[&Asked], expected: &str, format_judged: bool) -> Option<Verdict> {
    let errors: Vec<String> = asked
        .iter()
        .filter_map(|a| match &a.answer {
            Answer::Transport(why) => Some(format!("{} : {why}", a.entity)),
            Answer::Http {
                parsed: Some(Err(why)),
                ..
            } if !format_judged => Some(format!("{} : {why}", a.entity)),
            Answer::Http { .. } => None,
        })
        .collect();
    (!errors.is_empty()).then(|| Verdict::error(expected, listed(&errors)))
}

fn anonymous(reading: &StatsReading) -> Verdict {
    let expected = "sans authentification, aucune statistique à aucun niveau (401 ou 403)";
    let asked: Vec<&Asked> = reading.anonymous.iter().collect();
    if asked.is_empty() {
        return Verdict::error(
            expected,
            "aucune entité lue : rien à demander sans authentification",
        );
    }
    if let Some(verdict) = transport_errors(&asked, expected, false) {
        return verdict;
    }
    let problems: Vec<String> = asked.iter().filter_map(|a| served(a)).collect();
    let statuses = asked
        .iter()
        .map(|a| format!("{} → {}", a.entity, a.answer.status().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ");
    Verdict::from_problems(
        expected,
        "servi sans authentification : ",
        &problems,
        statuses,
    )
}

fn scoped(reading: &StatsReading) -> Verdict {
    let expected = "chaque compte lit son périmètre et se voit refuser tout autre (entité voisine, \
                    niveau supérieur, école hors périmètre)";
    let asked: Vec<&Asked> = reading.own.iter().chain(&reading.foreign).collect();
    if reading.own.is_empty() {
        return Verdict::error(
            expected,
            "aucun compte de lecture déclaré dans [stats] viewers",
        );
    }
    if let Some(verdict) = transport_errors(&asked, expected, false) {
        return verdict;
    }
    let mut problems = Vec::new();
    for own in &reading.own {
        if own.answer.document().is_none_or(|doc| doc.rows.is_empty()) {
            problems.push(format!(
                "le compte {} ne lit pas son propre périmètre ({})",
                own.entity,
                own.answer
                    .problem()
                    .unwrap_or_else(|| "aucune ligne".to_owned())
            ));
        }
    }
    for foreign in &reading.foreign {
        if let Some(what) = served(foreign) {
            let viewer = foreign
                .viewer
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            problems.push(format!("le compte {viewer} lit {what}"));
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} compte(s) : périmètre propre servi, {} demande(s) hors périmètre refusée(s)",
            reading.own.len(),
            reading.foreign.len()
        ),
    )
}

fn csv(spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let expected = format!(
        "pour chaque école dédiée, un CSV UTF-8 séparé par « {} », avec les colonnes et les \
         valeurs du JSON",
        spec.csv_separator
    );
    let reading = &observed.reading;
    let asked: Vec<&Asked> = reading.csv.iter().collect();
    if let Some(verdict) = transport_errors(&asked, &expected, true) {
        return verdict;
    }
    let mut problems = Vec::new();
    // CSVs whose school's JSON was not read: compared with nothing, they
    // prove nothing, and must not pass as identical to it.
    let mut unread = Vec::new();
    for asked in &reading.csv {
        let Some(table) = asked.answer.table() else {
            problems.push(format!(
                "{} : {}",
                asked.entity,
                asked.answer.problem().unwrap_or_default()
            ));
            continue;
        };
        let Some(doc) = reading.document(&asked.entity) else {
            unread.push(format!(
                "{} : JSON non lu, rien à comparer au CSV",
                asked.entity
            ));
            continue;
        };
        let missing: Vec<&str> = std::iter::once(WEEK_COLUMN)
            .chain(doc.columns.iter().map(String::as_str))
            .filter(|c| table.column(c).is_none())
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{} : colonnes absentes du CSV : {}",
                asked.entity,
                missing.join(", ")
            ));
            continue;
        }
        let csv = table.document(asked.entity.level, &asked.entity.id, &|name| {
            doc.column(name).is_some()
        });
        for json in &doc.rows {
            let Some(row) = csv.rows.iter().find(|r| r.week == json.week) else {
                problems.push(format!(
                    "{} : semaine {} absente du CSV",
                    asked.entity, json.week
                ));
                continue;
            };
            for (name, cell) in doc.cells(json) {
                let found = csv.get(row, name);
                if found != Some(cell) {
                    problems.push(format!(
                        "{}, semaine {} : {name} vaut {} dans le JSON et {} dans le CSV",
                        asked.entity,
                        json.week,
                        cell,
                        found.map_or_else(|| "rien".to_owned(), ToString::to_string)
                    ));
                }
            }
        }
    }
    with_note(
        &expected,
        problems,
        &unread,
        format!("{} CSV identique(s) au JSON", reading.csv.len()),
    )
}

fn dnma(spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let expected = format!(
        "un CSV séparé par « {} », une ligne par UAI et par semaine, avec les clés {} et les \
         valeurs des écoles",
        spec.csv_separator,
        spec.dnma_keys.join(", ")
    );
    let reading = &observed.reading;
    let Some(answer) = &reading.dnma else {
        return Verdict::error(&expected, "export DNMA non lu (capacité non déclarée)");
    };
    if let Answer::Transport(why) = answer {
        return Verdict::error(&expected, why.clone());
    }
    let Some(table) = answer.table() else {
        return Verdict::fail(&expected, answer.problem().unwrap_or_default());
    };
    let mut problems = Vec::new();
    let missing: Vec<&String> = spec
        .dnma_keys
        .iter()
        .filter(|key| table.column(key).is_none())
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "clés absentes : {}",
            missing
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let (Some(uai), Some(week)) = (table.column("uai"), table.column(WEEK_COLUMN)) else {
        problems.push(format!(
            "colonnes uai et {WEEK_COLUMN} requises pour identifier les lignes"
        ));
        return Verdict::fail(&expected, listed(&problems));
    };
    let mut seen = BTreeSet::new();
    for (index, record) in table.records.iter().enumerate() {
        let key = (record[uai].clone(), record[week].clone());
        if !seen.insert(key.clone()) {
            problems.push(format!(
                "ligne {} : {} semaine {} en double",
                index + 2,
                key.0,
                key.1
            ));
        }
        for column in spec.dnma_keys.iter().filter_map(|k| table.column(k)) {
            if record[column].trim().is_empty() {
                problems.push(format!(
                    "ligne {} : {} vide",
                    index + 2,
                    table.header[column]
                ));
            }
        }
    }
    let expected_columns = spec.columns();
    let counted = |name: &str| expected_columns.iter().any(|c| c.name == name);
    let export = table.document(Level::Ecole, "", &counted);
    for school in &observed.schools {
        let Some(doc) = reading.document(&Entity::new(Level::Ecole, school.clone())) else {
            continue;
        };
        for json in &doc.rows {
            let found = table
                .records
                .iter()
                .zip(&export.rows)
                .find(|(record, _)| &record[uai] == school && record[week] == json.week);
            let Some((_, row)) = found else {
                problems.push(format!(
                    "{school} semaine {} absente de l'export",
                    json.week
                ));
                continue;
            };
            for (name, cell) in export.cells(row) {
                if let Some(api) = doc.get(json, name).filter(|api| *api != cell) {
                    problems.push(format!(
                        "{school} semaine {} : {name} vaut {cell} dans l'export et {api} dans l'API",
                        json.week
                    ));
                }
            }
        }
    }
    verdict(
        &expected,
        &problems,
        format!(
            "{} ligne(s), clés présentes, écoles dédiées identiques à l'API",
            table.records.len()
        ),
    )
}

/// Every key and string value of a JSON text, or every header and field of
/// a CSV one; numbers are left out (a count is not an identifier). `None`
/// when the body is neither (nothing, or text that does not parse).
fn strings_of(answer: &Answer) -> Option<(Vec<String>, Vec<String>)> {
    fn walk(value: &serde_json::Value, keys: &mut Vec<String>, values: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    keys.push(key.clone());
                    walk(inner, keys, values);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, keys, values);
                }
            }
            serde_json::Value::String(text) => values.push(text.clone()),
            _ => {}
        }
    }
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    if let Some(table) = answer.table() {
        keys.extend(table.header.iter().cloned());
        values.extend(table.records.iter().flatten().cloned());
    } else {
        let value = serde_json::from_str::<serde_json::Value>(answer.text()?).ok()?;
        walk(&value, &mut keys, &mut values);
    }
    Some((keys, values))
}

/// Whether a key names a person: one of the forbidden keys, its plural, or
/// a compound of it (`nom_eleve`, `eleve_nom`).
fn forbidden_key(key: &str, forbidden: &[String]) -> bool {
    let folded = fold(key);
    let stem = folded.trim_end_matches('s');
    forbidden.iter().any(|f| {
        stem == f || folded.starts_with(&format!("{f}_")) || folded.ends_with(&format!("_{f}"))
    })
}

/// Keys written as keys (`"nom":`, `nom=`, `nom :`) in a body that does not
/// parse: a broken answer can still leak.
static RAW_KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"["']?([\p{L}\p{N}_-]+)["']?\s*[:=]"#).expect("constant regex")
});

/// What kind of directory identifier `who` (folded) is, for messages that
/// must not repeat it.
fn identifier_kind(who: &str) -> &'static str {
    if who.contains('@') {
        "un courriel"
    } else if who.chars().all(|c| c.is_ascii_digit()) {
        "un identifiant AAF"
    } else {
        "un nom"
    }
}

fn no_identifiers(spec: &StatsSpec, observed: &StatsObservation) -> Verdict {
    let expected = format!(
        "aucune clé nommant une personne ({}) ni aucun nom, courriel ou identifiant de \
         l'annuaire dans les statistiques",
        spec.forbidden_keys.join(", ")
    );
    let reading = &observed.reading;
    let answers = reading
        .tree
        .iter()
        .chain(&reading.csv)
        .chain(&reading.anonymous)
        .chain(&reading.own)
        .chain(&reading.foreign)
        .map(|a| (a.entity.to_string(), &a.answer))
        .chain(reading.dnma.iter().map(|a| ("export DNMA".to_owned(), a)));
    let forbidden: Vec<String> = spec.forbidden_keys.iter().map(|k| fold(k)).collect();
    let people: Vec<String> = observed.identifiers.iter().map(|i| fold(i)).collect();
    let mut problems = BTreeSet::new();
    let mut read = 0;
    let mut unread = Vec::new();
    for (origin, answer) in answers {
        let served = answer.status().is_some_and(|s| (200..300).contains(&s));
        let Some((keys, values)) = strings_of(answer) else {
            // Not JSON nor CSV: not read, but a leak in a broken answer is
            // still a leak, so its raw text is searched too.
            unread.push(format!(
                "{origin} : {}",
                answer
                    .problem()
                    .unwrap_or_else(|| "réponse illisible".to_owned())
            ));
            if let Some(text) = answer.text() {
                for key in RAW_KEY.captures_iter(text).filter_map(|c| c.get(1)) {
                    if forbidden_key(key.as_str(), &forbidden) {
                        problems.insert(format!(
                            "{origin} : clé « {} » (réponse illisible)",
                            key.as_str()
                        ));
                    }
                }
                let folded = fold(text);
                if let Some(who) = people
                    .iter()
                    .find(|p| !p.is_empty() && contains_phrase(&folded, p))
                {
                    problems.insert(format!(
                        "{origin} : {} de l'annuaire ({} caractères, réponse illisible)",
                        identifier_kind(who),
                        who.len()
                    ));
                }
            }
            continue;
        };
        // A JSON error body is searched like a document, but it is not
        // statistics read: a 4xx or 5xx proves nothing about the documents.
        if served {
            read += 1;
        } else if let Some(problem) = answer.problem() {
            unread.push(format!("{origin} : {problem}"));
        }
        for key in keys {
            if forbidden_key(&key, &forbidden) {
                problems.insert(format!("{origin} : clé « {key} »"));
            }
        }
        for value in values {
            let folded = fold(&value);
            if let Some(who) = people
                .iter()
                .find(|p| !p.is_empty() && folded.contains(p.as_str()))
            {
                // The evidence holds the redacted document; the message says
                // what kind of value leaked without repeating it in full.
                problems.insert(format!(
                    "{origin} : {} de l'annuaire ({} caractères)",
                    identifier_kind(who),
                    who.len()
                ));
            }
        }
    }
    let problems: Vec<String> = problems.into_iter().collect();
    if problems.is_empty() && read == 0 {
        return Verdict::error(
            &expected,
            format!(
                "aucune statistique lue, rien ne prouve l'absence de données personnelles — {}",
                listed(&unread)
            ),
        );
    }
    // Refusals (anonymous, out of scope) are expected not to be documents:
    // the count of what was read says enough.
    let fine = format!("{read} document(s) lus, aucun identifiant de personne");
    verdict(&expected, &problems, fine)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::probe::{LoginTrace, Page, PageBody};
    use crate::stats::{ActivityLog, Parsed};
    use crate::stats::{Measure, SmallCells};
    use crate::stats::{Period, Row, parse_csv};

    fn spec() -> StatsSpec {
        StatsSpec {
            profiles: vec!["eleve".into()],
            services: vec!["messagerie".into()],
            devices: vec!["ordinateur".into()],
            measures: vec![
                Measure {
                    name: "visites".into(),
                    additive: true,
                    counts: Counted::Visits,
                    by: vec![Dimension::Total, Dimension::Profile],
                },
                Measure {
                    name: "utilisateurs".into(),
                    additive: false,
                    counts: Counted::People,
                    by: vec![Dimension::Total],
                },
            ],
            deployment: Vec::new(),
            total_suffix: "globales".into(),
            definitions: vec!["visite".into()],
            small_cells: SmallCells {
                below: 5,
                levels: vec![Level::Ecole],
                measures: vec!["visites".into(), "utilisateurs".into()],
            },
            forbidden_keys: vec!["nom".into(), "email".into()],
            csv_separator: ';',
            dnma_keys: vec!["uai".into()],
            user_agents: BTreeMap::new(),
            activity: Vec::new(),
            duration_tolerance: Duration::from_secs(2),
        }
    }

    const WEEK: &str = "2026-11-23";

    fn page(status: u16, text: &str) -> Page {
        let url = reqwest::Url::parse("http://ent.test/api/stats").expect("url");
        Page {
            requested: url.clone(),
            final_url: url,
            status,
            hops: Vec::new(),
            media_type: Some("application/json".into()),
            body: PageBody::Text(text.into()),
            set_cookies: Vec::new(),
            parsed: Default::default(),
            retry_after: None,
            headers: Vec::new(),
            rendering: None,
        }
    }

    /// An entity answering a document with one row of `cells`.
    fn doc(level: Level, id: &str, children: &[(Level, &str)], cells: &[(&str, Cell)]) -> Asked {
        let columns = cells.iter().map(|(n, _)| (*n).to_owned()).collect();
        let row = Row {
            week: WEEK.into(),
            values: cells.iter().map(|(_, c)| Some(c.clone())).collect(),
        };
        let children = children.iter().map(|(l, i)| Entity::new(*l, *i)).collect();
        Asked {
            viewer: None,
            entity: Entity::new(level, id),
            answer: Answer::Http {
                page: Box::new(page(200, "{}")),
                parsed: Some(Ok(Parsed::Json(StatsDocument::table(
                    level,
                    id,
                    children,
                    columns,
                    vec![row],
                )))),
            },
        }
    }

    fn counts(v: u64, e: u64, u: u64) -> Vec<(&'static str, Cell)> {
        vec![
            ("visites_globales", Cell::Count(v)),
            ("visites_eleve", Cell::Count(e)),
            ("utilisateurs_globales", Cell::Count(u)),
        ]
    }

    fn observed(tree: Vec<Asked>) -> StatsObservation {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        StatsObservation {
            activity: ActivityLog::default(),
            reading: StatsReading::walked(Period::covering(day, day), tree),
            schools: Vec::new(),
            identifiers: vec!["Léa MARTIN".into(), "lea.martin@parents.test".into()],
        }
    }

    /// Académie → département → circonscription → two schools.
    fn tree(school_a: Vec<(&'static str, Cell)>, circ: Vec<(&'static str, Cell)>) -> Vec<Asked> {
        vec![
            doc(Level::Academie, "99", &[(Level::Departement, "099")], &circ),
            doc(
                Level::Departement,
                "099",
                &[(Level::Circonscription, "C1")],
                &circ,
            ),
            doc(
                Level::Circonscription,
                "C1",
                &[(Level::Ecole, "A"), (Level::Ecole, "B")],
                &circ,
            ),
            doc(Level::Ecole, "A", &[], &school_a),
            doc(Level::Ecole, "B", &[], &counts(6, 5, 5)),
        ]
    }

    #[test]
    fn a_negative_count_is_named_and_breaks_nothing_else() {
        let mut school = counts(6, 5, 5);
        school[1].1 = Cell::invalid("valeur négative -3");
        let observed = observed(tree(school, counts(12, 10, 7)));
        let verdict = judge_statistics(StatsRule::Indicators, &spec(), &observed);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict.actual.contains(
                "école A, semaine 2026-11-23 : visites_eleve invalide (valeur négative -3)"
            ),
            "{}",
            verdict.actual
        );
        // The sum of that column cannot be judged; the others still are.
        let additive = judge_statistics(StatsRule::Additive, &spec(), &observed);
        assert_eq!(
            additive.status,
            AssertionStatus::Passed,
            "{}",
            additive.actual
        );
    }

    #[test]
    fn missing_levels_fail_by_name() {
        let verdict = judge_statistics(
            StatsRule::Levels,
            &spec(),
            &observed(tree(counts(6, 5, 5), counts(12, 10, 7))),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert_eq!(verdict.actual, "aucune entité de niveau collectivité");
    }

    #[test]
    fn sums_and_unique_users() {
        let good = observed(tree(counts(6, 5, 5), counts(12, 10, 7)));
        assert_eq!(
            judge_statistics(StatsRule::Additive, &spec(), &good).status,
            AssertionStatus::Passed
        );
        let wrong = observed(tree(counts(6, 5, 5), counts(11, 10, 7)));
        let verdict = judge_statistics(StatsRule::Additive, &spec(), &wrong);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict.actual.contains(
                "circonscription C1 : visites_globales = 11, somme de ses 2 enfant(s) = 12"
            )
        );
        // Fewer unique users than one of the schools: impossible.
        let below = observed(tree(counts(6, 5, 5), counts(12, 10, 4)));
        let verdict = judge_statistics(StatsRule::UniqueUsers, &spec(), &below);
        assert!(verdict.actual.contains("moins que l'un de ses enfants (5)"));
        // A suppressed child: the parent can only be checked from below.
        let mut hidden = counts(6, 5, 5);
        hidden[0].1 = Cell::Suppressed;
        let partial = observed(tree(hidden.clone(), counts(7, 10, 7)));
        assert_eq!(
            judge_statistics(StatsRule::Additive, &spec(), &partial).status,
            AssertionStatus::Passed
        );
        let short = observed(tree(hidden, counts(5, 10, 7)));
        assert_eq!(
            judge_statistics(StatsRule::Additive, &spec(), &short).status,
            AssertionStatus::Failed
        );
    }

    #[test]
    fn small_counts_must_be_hidden_at_school_level() {
        let verdict = judge_statistics(
            StatsRule::SmallCells,
            &spec(),
            &observed(tree(counts(6, 3, 5), counts(12, 8, 7))),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert_eq!(
            verdict.actual,
            "école A, semaine 2026-11-23 : visites_eleve = 3"
        );
    }

    #[test]
    fn unreadable_documents_are_errors_not_failures() {
        let mut tree = tree(counts(6, 5, 5), counts(12, 10, 7));
        tree[3].answer = Answer::Http {
            page: Box::new(page(200, "{\"lignes\": [NaN]}")),
            parsed: Some(Err("JSON illisible (ligne 1, colonne 12)".into())),
        };
        tree[4].answer = Answer::Transport("délai de 2 s dépassé".into());
        let observed = observed(tree);
        for rule in [StatsRule::Levels, StatsRule::Additive, StatsRule::Weeks] {
            let verdict = judge_statistics(rule, &spec(), &observed);
            assert_eq!(verdict.status, AssertionStatus::Error, "{rule:?}");
            assert!(verdict.actual.contains("délai de 2 s dépassé"));
        }
    }

    #[test]
    fn csv_with_wrong_separator_or_values_fails() {
        let mut observed = observed(tree(counts(6, 5, 5), counts(12, 10, 7)));
        let school = Entity::new(Level::Ecole, "A");
        let csv = |text: &str| Asked {
            viewer: None,
            entity: school.clone(),
            answer: Answer::Http {
                page: Box::new(page(200, text)),
                parsed: Some(parse_csv(text, ';').map(Parsed::Csv)),
            },
        };
        observed.reading.csv = vec![csv(
            "debutsemaine,visites_globales,visites_eleve,utilisateurs_globales\n2026-11-23,6,5,5\n",
        )];
        let verdict = judge_statistics(StatsRule::Csv, &spec(), &observed);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict.actual.contains("séparé par « , »"),
            "{}",
            verdict.actual
        );
        observed.reading.csv = vec![csv(
            "debutsemaine;visites_globales;visites_eleve;utilisateurs_globales\n2026-11-23;6;4;5\n",
        )];
        let verdict = judge_statistics(StatsRule::Csv, &spec(), &observed);
        assert_eq!(
            verdict.actual,
            "école A, semaine 2026-11-23 : visites_eleve vaut 5 dans le JSON et 4 dans le CSV"
        );
        observed.reading.csv = vec![csv("debutsemaine;visites_globales\n2026-11-23;6\n")];
        let verdict = judge_statistics(StatsRule::Csv, &spec(), &observed);
        assert!(
            verdict
                .actual
                .contains("colonnes absentes du CSV : visites_eleve")
        );
    }

    #[test]
    fn names_and_identifying_keys_are_found() {
        let mut observed = observed(Vec::new());
        let leak = Asked {
            viewer: None,
            entity: Entity::new(Level::Ecole, "A"),
            answer: Answer::Http {
                page: Box::new(page(
                    200,
                    r#"{"lignes":[],"connectes":[{"nom":"x","qui":"Léa Martin"}]}"#,
                )),
                parsed: Some(Err("sans importance".into())),
            },
        };
        observed.reading.tree = vec![leak];
        let verdict = judge_statistics(StatsRule::NoIdentifiers, &spec(), &observed);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(verdict.actual.contains("école A : clé « nom »"));
        assert!(verdict.actual.contains("école A : un nom de l'annuaire"));
        assert!(
            !verdict.actual.contains("Martin"),
            "the message repeats no name"
        );
    }

    #[test]
    fn access_rules() {
        let mut observed = observed(tree(counts(6, 5, 5), counts(12, 10, 7)));
        let served = doc(Level::Ecole, "B", &[], &counts(6, 5, 5));
        let refused = Asked {
            viewer: None,
            entity: Entity::new(Level::Ecole, "A"),
            answer: Answer::Http {
                page: Box::new(page(401, "jeton requis")),
                parsed: None,
            },
        };
        observed.reading.anonymous = vec![refused.clone(), served.clone()];
        let verdict = judge_statistics(StatsRule::Anonymous, &spec(), &observed);
        assert_eq!(
            verdict.actual,
            "servi sans authentification : école B → 200 (1 ligne(s) servies)"
        );
        observed.reading.own = vec![served.clone()];
        observed.reading.foreign = vec![Asked {
            viewer: Some(Entity::new(Level::Ecole, "A")),
            ..served
        }];
        let verdict = judge_statistics(StatsRule::Scoped, &spec(), &observed);
        assert_eq!(
            verdict.actual,
            "le compte école A lit école B → 200 (1 ligne(s) servies)"
        );
    }

    #[test]
    fn ground_truth_needs_the_activity() {
        let mut observed = observed(Vec::new());
        observed.activity.problem =
            Some("l'école dédiée 0990003C n'est pas dans l'annuaire".into());
        let verdict = judge_statistics(StatsRule::GroundTruth, &spec(), &observed);
        assert_eq!(verdict.status, AssertionStatus::Error);
    }

    // ---- One observation every rule passes on, and one change per failure.

    const SCHOOL_NAME: &str = "École Jean Jaurès";

    /// A visit of `person` in `school` as `profile`, landed on an account
    /// page that shows the person in the school.
    fn visit(school: &str, person: &str, profile: &str) -> ActivityVisit {
        ActivityVisit {
            school: school.to_owned(),
            person: person.to_owned(),
            name: "Léa Martin".to_owned(),
            school_name: SCHOOL_NAME.to_owned(),
            profile: profile.to_owned(),
            services: vec!["messagerie".to_owned()],
            device: "ordinateur".to_owned(),
            seconds: 30.0,
            trace: Ok(LoginTrace::showing(&format!("Léa Martin — {SCHOOL_NAME}"))),
        }
    }

    /// What school A counts in `everything_correct`: six visits, five of
    /// them by pupils, five distinct people.
    fn activity() -> ActivityLog {
        let mut visits: Vec<ActivityVisit> = (1..=5)
            .map(|n| visit("A", &format!("p{n}"), "eleve"))
            .collect();
        visits.push(visit("A", "p1", "enseignant"));
        ActivityLog {
            visits,
            loaded: Vec::new(),
            problem: None,
        }
    }

    /// A 200 whose body is `text`, parsed as `;`-separated CSV.
    fn csv_answer(text: &str) -> Answer {
        Answer::Http {
            page: Box::new(page(200, text)),
            parsed: Some(parse_csv(text, ';').map(Parsed::Csv)),
        }
    }

    /// `entity` asked for by `viewer` and refused with `status`.
    fn refused(viewer: Option<Entity>, entity: Entity, status: u16) -> Asked {
        Asked {
            viewer,
            entity,
            answer: Answer::Http {
                page: Box::new(page(status, "accès refusé")),
                parsed: None,
            },
        }
    }

    /// The document an answer holds, to change it.
    fn doc_mut(asked: &mut Asked) -> &mut StatsDocument {
        match &mut asked.answer {
            Answer::Http {
                parsed: Some(Ok(Parsed::Json(doc))),
                ..
            } => doc,
            other => panic!("not a document: {other:?}"),
        }
    }

    /// Index of school B in the tree of `everything_correct`.
    const B: usize = 4;

    /// Every level served with its definitions, sums and unique users
    /// consistent, school A counting exactly the activity, its CSV and the
    /// DNMA export equal to the JSON, every unauthorised request refused.
    /// The collectivité owns both schools beside the district.
    fn everything_correct() -> StatsObservation {
        let mut tree = tree(counts(6, 5, 5), counts(12, 10, 7));
        tree.push(doc(
            Level::Collectivite,
            "COM",
            &[(Level::Ecole, "A"), (Level::Ecole, "B")],
            &counts(12, 10, 7),
        ));
        for asked in &mut tree {
            doc_mut(asked).definitions.insert(
                "visite".into(),
                "une connexion suivie d'au moins une page".into(),
            );
        }
        let mut observed = observed(tree);
        observed.schools = vec!["A".into()];
        observed.activity = activity();
        let school_a = Entity::new(Level::Ecole, "A");
        observed.reading.csv = vec![Asked {
            viewer: None,
            entity: school_a.clone(),
            answer: csv_answer(
                "debutsemaine;visites_globales;visites_eleve;utilisateurs_globales\n\
                 2026-11-23;6;5;5\n",
            ),
        }];
        observed.reading.anonymous = vec![
            refused(None, Entity::new(Level::Academie, "99"), 401),
            refused(None, school_a.clone(), 401),
        ];
        observed.reading.own = vec![Asked {
            viewer: Some(school_a.clone()),
            ..doc(Level::Ecole, "A", &[], &counts(6, 5, 5))
        }];
        observed.reading.foreign =
            vec![refused(Some(school_a), Entity::new(Level::Ecole, "B"), 403)];
        observed.reading.dnma = Some(csv_answer(
            "uai;debutsemaine;visites_globales;visites_eleve;utilisateurs_globales\n\
             A;2026-11-23;6;5;5\n\
             B;2026-11-23;6;5;5\n",
        ));
        observed
    }

    fn judged(rule: StatsRule, observed: &StatsObservation) -> Verdict {
        judge_statistics(rule, &spec(), observed)
    }

    use crate::check::outcome::assert_says as says;

    #[test]
    fn every_rule_passes_on_a_correct_reading() {
        let observed = everything_correct();
        let expected = [
            (
                StatsRule::Levels,
                "1 académie, 1 département, 1 collectivité, 1 circonscription, 2 école",
            ),
            (
                StatsRule::Indicators,
                "3 colonnes présentes et valides dans 6 ligne(s)",
            ),
            (
                StatsRule::Definitions,
                "visite = « une connexion suivie d'au moins une page »",
            ),
            (
                StatsRule::GroundTruth,
                "6 visites jouées dans 1 école(s) ; 3 compteurs conformes",
            ),
            (StatsRule::Additive, "8 sommes vérifiées"),
            (
                StatsRule::UniqueUsers,
                "4 comptes de personnes vérifiés, dont 0 avec des personnes actives dans \
                 plusieurs entités",
            ),
            (StatsRule::Csv, "1 CSV identique(s) au JSON"),
            (
                StatsRule::SmallCells,
                "0 cellule(s) masquée(s), aucune petite valeur visible",
            ),
            (
                StatsRule::Weeks,
                "toutes les lignes commencent un lundi de la période",
            ),
            (StatsRule::Anonymous, "académie 99 → 401, école A → 401"),
            (
                StatsRule::Scoped,
                "1 compte(s) : périmètre propre servi, 1 demande(s) hors périmètre refusée(s)",
            ),
            (
                StatsRule::NoIdentifiers,
                "9 document(s) lus, aucun identifiant de personne",
            ),
            (
                StatsRule::Dnma,
                "2 ligne(s), clés présentes, écoles dédiées identiques à l'API",
            ),
        ];
        // Every rule of the suite is in the table: a new rule gets a case.
        assert_eq!(expected.len(), StatsRule::ALL.len());
        for (rule, fragment) in expected {
            let verdict = judged(rule, &observed);
            assert_eq!(
                verdict.status,
                AssertionStatus::Passed,
                "{rule:?}: {}",
                verdict.actual
            );
            assert_eq!(verdict.actual, fragment, "{rule:?}");
        }
    }

    #[test]
    fn levels_fail_on_an_empty_document_a_refusal_or_a_cut_walk() {
        let mut observed = everything_correct();
        doc_mut(&mut observed.reading.tree[B]).rows.clear();
        says(
            &judged(StatsRule::Levels, &observed),
            AssertionStatus::Failed,
            "école B : aucune ligne pour la période 2026-11-23 – 2026-11-29",
        );

        let mut observed = everything_correct();
        observed.reading.tree[B] = refused(None, Entity::new(Level::Ecole, "B"), 403);
        says(
            &judged(StatsRule::Levels, &observed),
            AssertionStatus::Failed,
            "école B annoncé mais non servi au compte académie",
        );

        let mut observed = everything_correct();
        observed.reading.truncated = true;
        let verdict = judged(StatsRule::Levels, &observed);
        says(&verdict, AssertionStatus::Failed, "parcours arrêté");
        assert!(verdict.actual.starts_with("arborescence de plus de"));
    }

    #[test]
    fn levels_are_an_error_when_nothing_was_read() {
        let mut observed = everything_correct();
        observed.reading.tree = vec![refused(None, Entity::new(Level::Academie, "99"), 500)];
        says(
            &judged(StatsRule::Levels, &observed),
            AssertionStatus::Error,
            "aucune statistique lue — académie 99 : http://ent.test/api/stats → statut 500",
        );
    }

    #[test]
    fn indicators_fail_on_a_missing_column() {
        let mut observed = everything_correct();
        let b = doc_mut(&mut observed.reading.tree[B]);
        b.columns.pop();
        b.rows[0].values.pop();
        says(
            &judged(StatsRule::Indicators, &observed),
            AssertionStatus::Failed,
            "colonne utilisateurs_globales absente (1 document(s), ex. école B)",
        );
    }

    #[test]
    fn indicators_weeks_and_small_cells_are_errors_without_rows() {
        let mut observed = everything_correct();
        for asked in &mut observed.reading.tree {
            doc_mut(asked).rows.clear();
        }
        let cases = [
            (
                StatsRule::Indicators,
                "aucune ligne lue dans les documents servis",
            ),
            (
                StatsRule::Weeks,
                "aucune ligne lue : aucune semaine à vérifier",
            ),
            (
                StatsRule::SmallCells,
                "aucune ligne lue aux niveaux où la règle s'applique",
            ),
        ];
        for (rule, fragment) in cases {
            says(&judged(rule, &observed), AssertionStatus::Error, fragment);
        }
    }

    #[test]
    fn definitions_fail_when_one_document_lacks_one() {
        let mut observed = everything_correct();
        // Blank text is no definition.
        doc_mut(&mut observed.reading.tree[B])
            .definitions
            .insert("visite".into(), "  ".into());
        let verdict = judged(StatsRule::Definitions, &observed);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert_eq!(verdict.actual, "définitions absentes — école B : visite");
    }

    #[test]
    fn definitions_are_an_error_when_nothing_was_read() {
        let mut observed = everything_correct();
        observed.reading.tree.clear();
        says(
            &judged(StatsRule::Definitions, &observed),
            AssertionStatus::Error,
            "aucune statistique lue",
        );
    }

    #[test]
    fn ground_truth_fails_on_a_count_off_by_one() {
        let mut observed = everything_correct();
        // School A (index 3) counts one visit the activity never made.
        let a = doc_mut(&mut observed.reading.tree[3]);
        a.rows[0].values[0] = Some(Cell::Count(7));
        says(
            &judged(StatsRule::GroundTruth, &observed),
            AssertionStatus::Failed,
            "école A : visites_globales attendu 6, constaté 7",
        );
    }

    #[test]
    fn ground_truth_fails_when_a_dedicated_school_is_not_served() {
        let mut observed = everything_correct();
        observed.schools.push("C".into());
        says(
            &judged(StatsRule::GroundTruth, &observed),
            AssertionStatus::Failed,
            "école C : statistiques non servies",
        );
    }

    #[test]
    fn ground_truth_is_an_error_when_a_visit_did_not_land() {
        let mut observed = everything_correct();
        observed.activity.visits[2].trace = Err("mot de passe refusé".into());
        says(
            &judged(StatsRule::GroundTruth, &observed),
            AssertionStatus::Error,
            "Léa Martin (A) : mot de passe refusé",
        );

        // Logged in, but the account page shows another school.
        let mut observed = everything_correct();
        observed.activity.visits[2].trace =
            Ok(LoginTrace::showing("Léa Martin — École Victor Hugo"));
        says(
            &judged(StatsRule::GroundTruth, &observed),
            AssertionStatus::Error,
            "Léa Martin n'a pas atteint son compte dans l'école A",
        );
    }

    #[test]
    fn additive_and_unique_users_are_errors_without_a_family() {
        // Only the schools were read: no parent whose children are all read.
        let mut observed = everything_correct();
        observed
            .reading
            .tree
            .retain(|asked| asked.entity.level == Level::Ecole);
        says(
            &judged(StatsRule::Additive, &observed),
            AssertionStatus::Error,
            "aucune somme vérifiable",
        );
        says(
            &judged(StatsRule::UniqueUsers, &observed),
            AssertionStatus::Error,
            "aucun compte de personnes vérifiable",
        );
    }

    #[test]
    fn unique_users_above_the_sum_of_the_children_fail() {
        let mut observed = everything_correct();
        // The district (index 2) counts 11 users over two schools of 5.
        doc_mut(&mut observed.reading.tree[2]).rows[0].values[2] = Some(Cell::Count(11));
        says(
            &judged(StatsRule::UniqueUsers, &observed),
            AssertionStatus::Failed,
            "circonscription C1 : utilisateurs_globales = 11 ; somme des enfants 10, dont 0",
        );
    }

    #[test]
    fn unique_users_count_a_person_of_two_schools_once() {
        let mut observed = everything_correct();
        // p1 is active in B too: above A and B, 10 users is one too many.
        observed.activity.visits.push(visit("B", "p1", "eleve"));
        for at in [2, 5] {
            doc_mut(&mut observed.reading.tree[at]).rows[0].values[2] = Some(Cell::Count(10));
        }
        says(
            &judged(StatsRule::UniqueUsers, &observed),
            AssertionStatus::Failed,
            "circonscription C1 : utilisateurs_globales = 10 ; somme des enfants 10, dont 1 \
             personne(s) active(s) dans plusieurs d'entre eux qui ne comptent qu'une fois : au \
             plus 9",
        );
        // Nine is right, and the overlap is counted.
        for at in [2, 5] {
            doc_mut(&mut observed.reading.tree[at]).rows[0].values[2] = Some(Cell::Count(9));
        }
        // The académie and département above count 9 as well.
        for at in [0, 1] {
            doc_mut(&mut observed.reading.tree[at]).rows[0].values[2] = Some(Cell::Count(9));
        }
        says(
            &judged(StatsRule::UniqueUsers, &observed),
            AssertionStatus::Passed,
            "4 comptes de personnes vérifiés, dont 2 avec",
        );
    }

    #[test]
    fn csv_fails_on_a_refusal_and_a_missing_week() {
        let mut observed = everything_correct();
        observed.reading.csv[0].answer = Answer::Http {
            page: Box::new(page(404, "introuvable")),
            parsed: None,
        };
        says(
            &judged(StatsRule::Csv, &observed),
            AssertionStatus::Failed,
            "école A : http://ent.test/api/stats → statut 404",
        );

        let mut observed = everything_correct();
        observed.reading.csv[0].answer = csv_answer(
            "debutsemaine;visites_globales;visites_eleve;utilisateurs_globales\n\
             2026-11-16;6;5;5\n",
        );
        says(
            &judged(StatsRule::Csv, &observed),
            AssertionStatus::Failed,
            "école A : semaine 2026-11-23 absente du CSV",
        );
    }

    #[test]
    fn csv_is_an_error_without_an_answer() {
        let mut observed = everything_correct();
        observed.reading.csv[0].answer = Answer::Transport("connexion refusée".into());
        says(
            &judged(StatsRule::Csv, &observed),
            AssertionStatus::Error,
            "école A : connexion refusée",
        );
    }

    #[test]
    fn weeks_fail_off_monday_or_outside_the_period() {
        let mut observed = everything_correct();
        doc_mut(&mut observed.reading.tree[B]).rows[0].week = "2026-11-24".into();
        doc_mut(&mut observed.reading.tree[3]).rows[0].week = "2026-11-30".into();
        let verdict = judged(StatsRule::Weeks, &observed);
        says(
            &verdict,
            AssertionStatus::Failed,
            "école B : debutsemaine = « 2026-11-24 »",
        );
        assert!(
            verdict
                .actual
                .contains("école A : debutsemaine = « 2026-11-30 »"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn small_cells_leave_other_levels_alone_and_count_hidden_cells() {
        let mut observed = everything_correct();
        // 3 at the district: the rule covers schools only.
        doc_mut(&mut observed.reading.tree[2]).rows[0].values[1] = Some(Cell::Count(3));
        doc_mut(&mut observed.reading.tree[B]).rows[0].values[1] = Some(Cell::Suppressed);
        says(
            &judged(StatsRule::SmallCells, &observed),
            AssertionStatus::Passed,
            "1 cellule(s) masquée(s)",
        );
    }

    #[test]
    fn anonymous_is_an_error_when_nothing_was_asked_or_answered() {
        let mut observed = everything_correct();
        observed.reading.anonymous.clear();
        says(
            &judged(StatsRule::Anonymous, &observed),
            AssertionStatus::Error,
            "aucune entité lue : rien à demander sans authentification",
        );
        let mut observed = everything_correct();
        observed.reading.anonymous[1].answer = Answer::Transport("délai dépassé".into());
        says(
            &judged(StatsRule::Anonymous, &observed),
            AssertionStatus::Error,
            "école A : délai dépassé",
        );
    }

    #[test]
    fn scoped_fails_when_a_viewer_cannot_read_their_own_scope() {
        let mut observed = everything_correct();
        observed.reading.own[0].answer = Answer::Http {
            page: Box::new(page(403, "interdit")),
            parsed: None,
        };
        says(
            &judged(StatsRule::Scoped, &observed),
            AssertionStatus::Failed,
            "le compte école A ne lit pas son propre périmètre (http://ent.test/api/stats → \
             statut 403)",
        );
    }

    #[test]
    fn scoped_is_an_error_without_viewers() {
        let mut observed = everything_correct();
        observed.reading.own.clear();
        says(
            &judged(StatsRule::Scoped, &observed),
            AssertionStatus::Error,
            "aucun compte de lecture déclaré",
        );
    }

    #[test]
    fn an_email_in_a_csv_field_or_a_compound_key_is_found() {
        let mut observed = everything_correct();
        observed.reading.dnma = Some(csv_answer(
            "uai;debutsemaine;email_parent\nA;2026-11-23;Lea.Martin@parents.test\n",
        ));
        let verdict = judged(StatsRule::NoIdentifiers, &observed);
        says(
            &verdict,
            AssertionStatus::Failed,
            "export DNMA : clé « email_parent »",
        );
        assert!(
            verdict
                .actual
                .contains("export DNMA : un courriel de l'annuaire"),
            "{}",
            verdict.actual
        );
        assert!(
            !verdict.actual.contains("parents.test"),
            "no address repeated"
        );
    }

    #[test]
    fn no_identifiers_is_an_error_when_nothing_was_read() {
        let mut observed = observed(Vec::new());
        observed.reading.anonymous = vec![refused(None, Entity::new(Level::Ecole, "A"), 401)];
        says(
            &judged(StatsRule::NoIdentifiers, &observed),
            AssertionStatus::Error,
            "aucune statistique lue, rien ne prouve l'absence de données personnelles",
        );
    }

    #[test]
    fn dnma_fails_on_duplicates_empty_keys_and_other_values() {
        let mut observed = everything_correct();
        observed.reading.dnma = Some(csv_answer(
            "uai;debutsemaine;visites_globales;visites_eleve;utilisateurs_globales\n\
             A;2026-11-23;6;4;5\n\
             A;2026-11-23;6;5;5\n\
             ;2026-11-23;6;5;5\n",
        ));
        let verdict = judged(StatsRule::Dnma, &observed);
        says(
            &verdict,
            AssertionStatus::Failed,
            "ligne 3 : A semaine 2026-11-23 en double",
        );
        for fragment in [
            "ligne 4 : uai vide",
            "A semaine 2026-11-23 : visites_eleve vaut 4 dans l'export et 5 dans l'API",
        ] {
            assert!(verdict.actual.contains(fragment), "{}", verdict.actual);
        }
    }

    #[test]
    fn dnma_fails_without_keys_or_a_school_week() {
        let mut observed = everything_correct();
        observed.reading.dnma = Some(csv_answer("debutsemaine;visites_globales\n2026-11-23;6\n"));
        let verdict = judged(StatsRule::Dnma, &observed);
        says(&verdict, AssertionStatus::Failed, "clés absentes : uai");
        assert!(
            verdict
                .actual
                .contains("colonnes uai et debutsemaine requises"),
            "{}",
            verdict.actual
        );

        let mut observed = everything_correct();
        observed.reading.dnma = Some(csv_answer(
            "uai;debutsemaine;visites_globales\nB;2026-11-23;6\n",
        ));
        says(
            &judged(StatsRule::Dnma, &observed),
            AssertionStatus::Failed,
            "A semaine 2026-11-23 absente de l'export",
        );
    }

    #[test]
    fn csv_is_an_error_when_the_schools_json_was_not_read() {
        let mut observed = everything_correct();
        // School A's JSON answered 500: its CSV, fine as it is, has nothing
        // to be compared with, and must not pass as "identical to the JSON".
        observed.reading.tree[3] = refused(None, Entity::new(Level::Ecole, "A"), 500);
        says(
            &judged(StatsRule::Csv, &observed),
            AssertionStatus::Error,
            "école A : JSON non lu, rien à comparer au CSV",
        );
    }

    #[test]
    fn dnma_is_an_error_when_not_read() {
        let mut observed = everything_correct();
        observed.reading.dnma = None;
        says(
            &judged(StatsRule::Dnma, &observed),
            AssertionStatus::Error,
            "export DNMA non lu (capacité non déclarée)",
        );
        observed.reading.dnma = Some(Answer::Transport("connexion interrompue".into()));
        says(
            &judged(StatsRule::Dnma, &observed),
            AssertionStatus::Error,
            "connexion interrompue",
        );
    }
}
