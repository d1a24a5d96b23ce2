//! What shows a deletion outside the conformance API: the deleted people's
//! logins through the harness's IdPs, and the schools' loaded accounts in
//! the statistics, each seen before the deletions and after them.
//!
//! A login refused after the deletion proves something only if the same
//! login opened the account before it; a count that dropped, only if it
//! was read before. So both are played twice, and the "before" is kept as
//! the control.

use std::sync::Arc;

use super::observation::{CountChange, SchoolCount, WitnessLogin};
use crate::probe::{LoginTrace, log_in};
use crate::reversibility::{GroundTruth, Role};
use crate::runner::context::Context;
use crate::sso::world::{
    Persona, SsoWorld, login_plan, parent_persona, pupil_persona, teacher_persona,
};
use crate::stats::{Answer, Parsed, ReadPlan, read_entity};
use crate::stats::{Cell, Entity, Level, Period, paris_date};
use crate::suite::{Capability, SecretSlot, SsoService};

/// Someone whose account a deletion removes (or, `kept`, must not remove),
/// and how they log in.
pub(crate) struct Witness {
    label: String,
    persona: Persona,
    service: SsoService,
    kept: bool,
}

/// The SSO world, or why logins cannot be played.
fn world(context: &Context) -> Result<Arc<SsoWorld>, String> {
    context.sso_world(
        "les connexions des comptes supprimés passent par les fournisseurs d'identité de test",
    )
}

/// The deleted parent of the exported school, a pupil and the teacher of
/// the deleted school (one witness per kind of login), and the exported
/// school's teacher, whose account no deletion targets: a candidate whose
/// logins all break after the deletions does not pass. Witnesses whose
/// login the target does not declare are left out, named in the second
/// list.
pub(crate) fn witnesses(
    context: &Context,
    truth: &GroundTruth,
    parent: &str,
) -> Result<(Vec<Witness>, Vec<String>), String> {
    let world = world(context)?;
    let directory = &world.directory;
    let mut found = Vec::new();
    let exported = truth.school(Role::Exported).ok_or("aucune école amorcée")?;
    let persona = parent_persona(directory, parent, &exported.uai).ok_or_else(|| {
        format!("le parent {parent} supprimé n'est pas dans l'annuaire AAF de la cible")
    })?;
    found.push(Witness {
        label: format!("parent supprimé ({parent})"),
        persona,
        service: SsoService::EduConnectOidc,
        kept: false,
    });
    if let Some(teacher) = exported
        .persons
        .iter()
        .find(|p| p.profile == "enseignant")
        .and_then(|p| directory.teacher(&p.jointure))
    {
        found.push(Witness {
            label: format!(
                "enseignant de l'école exportée {} ({}), compte non visé",
                exported.uai, teacher.jointure
            ),
            persona: teacher_persona(directory, teacher),
            service: SsoService::AgentsSaml,
            kept: true,
        });
    }
    let deleted = truth
        .school(Role::SameCommune)
        .ok_or("aucune école supprimée")?;
    for profile in ["eleve", "enseignant"] {
        let Some(person) = deleted.persons.iter().find(|p| p.profile == profile) else {
            continue;
        };
        let (persona, service) = if profile == "eleve" {
            (
                pupil_persona(directory, &person.jointure),
                SsoService::EduConnectOidc,
            )
        } else {
            (
                directory
                    .teacher(&person.jointure)
                    .map(|teacher| teacher_persona(directory, teacher)),
                SsoService::AgentsSaml,
            )
        };
        let persona = persona.ok_or_else(|| {
            format!(
                "{} {} n'est pas dans l'annuaire AAF de la cible",
                person.profile, person.jointure
            )
        })?;
        let what = if profile == "eleve" {
            "élève"
        } else {
            "enseignant"
        };
        found.push(Witness {
            label: format!(
                "{what} de l'école supprimée {} ({})",
                deleted.uai, person.jointure
            ),
            persona,
            service,
            kept: false,
        });
    }
    let (declared, undeclared): (Vec<Witness>, Vec<Witness>) = found.into_iter().partition(|w| {
        context
            .target
            .capabilities
            .contains_key(&w.service.capability())
    });
    let left_out = undeclared
        .iter()
        .map(|w| {
            format!(
                "{} non essayé ({} non déclarée)",
                w.label,
                w.service.capability().as_str()
            )
        })
        .collect();
    Ok((declared, left_out))
}

/// Plays each witness's login once; the traces in witness order.
pub(crate) async fn log_in_all(
    context: &Context,
    witnesses: &[Witness],
) -> Vec<(Result<LoginTrace, String>, Vec<String>)> {
    let mut traces = Vec::new();
    let world = match world(context) {
        Ok(world) => world,
        Err(why) => {
            return witnesses
                .iter()
                .map(|_| (Err(why.clone()), Vec::new()))
                .collect();
        }
    };
    for witness in witnesses {
        let plan = match login_plan(&context.target, &world, &witness.persona, witness.service) {
            Ok(plan) => plan,
            Err(why) => {
                traces.push((Err(why), Vec::new()));
                continue;
            }
        };
        traces.push(match log_in(&context.probe, &world.idp, &plan).await {
            Ok(trace) => {
                let ids = trace.exchanges();
                (Ok(trace), ids)
            }
            Err(failure) => (Err(failure.error.to_string()), failure.exchanges),
        });
    }
    traces
}

/// The logins before and after, paired with their witnesses.
pub(crate) fn pair(
    witnesses: Vec<Witness>,
    before: Vec<(Result<LoginTrace, String>, Vec<String>)>,
    after: Vec<(Result<LoginTrace, String>, Vec<String>)>,
    exchanges: &mut Vec<String>,
) -> Vec<WitnessLogin> {
    witnesses
        .into_iter()
        .zip(before.into_iter().zip(after))
        .map(|(witness, ((before, seen_before), (after, seen_after)))| {
            exchanges.extend(seen_before);
            exchanges.extend(seen_after);
            WitnessLogin {
                who: witness.label,
                person: witness.persona.person,
                kept: witness.kept,
                before,
                after,
            }
        })
        .collect()
}

/// Where the counts are read: the statistics API and an académie viewer.
pub(crate) struct CountReader {
    plan: ReadPlan,
    viewer: (Entity, String),
    /// Exported school (one parent deleted), deleted school, school of
    /// another collectivité (untouched).
    schools: Vec<(String, CountChange)>,
}

/// The reader, or why the statistics cannot be read.
pub(crate) fn count_reader(context: &Context, truth: &GroundTruth) -> Result<CountReader, String> {
    let stats = context.target.stats.as_ref().ok_or(
        "la cible ne déclare pas de section [stats] : les comptes chargés ne peuvent pas être relus",
    )?;
    let api = context.capability(Capability::StatisticsApi)?;
    let viewer = stats
        .viewers
        .iter()
        .find(|v| v.level == Level::Academie)
        .ok_or(
            "[stats] ne déclare pas de compte de niveau académie, seul à voir les trois écoles",
        )?;
    let token = match &viewer.token {
        SecretSlot::Available(token) => token.expose().to_owned(),
        SecretSlot::Missing(why) => {
            return Err(format!("jeton du compte académique indisponible : {why}"));
        }
    };
    let today = paris_date(context.clock.now());
    let mut schools = Vec::new();
    for (role, change) in [
        (Role::Exported, CountChange::Minus(1)),
        (Role::SameCommune, CountChange::Zero),
        (Role::OtherCommune, CountChange::Same),
    ] {
        if let Some(school) = truth.school(role) {
            schools.push((school.uai.clone(), change));
        }
    }
    Ok(CountReader {
        plan: ReadPlan {
            api,
            dnma: None,
            academie: stats.academie.clone(),
            schools: Vec::new(),
            viewers: Vec::new(),
            period: Period::covering(today, today),
            separator: ';',
        },
        viewer: (Entity::new(Level::Academie, viewer.id.clone()), token),
        schools,
    })
}

impl CountReader {
    /// The loaded accounts of each school now (`None`: the school is no
    /// longer known, 404 or 410).
    pub(crate) async fn read(
        &self,
        context: &Context,
        exchanges: &mut Vec<String>,
    ) -> Vec<Result<Option<u64>, String>> {
        let mut counts = Vec::new();
        for (uai, _) in &self.schools {
            let entity = Entity::new(Level::Ecole, uai.clone());
            let asked = read_entity(
                &context.probe,
                &self.plan,
                (&self.viewer.0, &self.viewer.1),
                &entity,
            )
            .await;
            exchanges.extend(asked.answer.exchanges());
            counts.push(loaded(&asked.answer));
        }
        counts
    }

    /// The counts before and after, paired with their schools.
    pub(crate) fn pair(
        self,
        before: Vec<Result<Option<u64>, String>>,
        after: Vec<Result<Option<u64>, String>>,
    ) -> Vec<SchoolCount> {
        self.schools
            .into_iter()
            .zip(before.into_iter().zip(after))
            .map(|((uai, change), (before, after))| SchoolCount {
                uai,
                change,
                before: before.and_then(|count| {
                    count.ok_or_else(|| "école inconnue des statistiques (404 ou 410)".to_owned())
                }),
                after,
            })
            .collect()
    }
}

/// The sum of the `comptes_charges*` columns of the latest week.
fn loaded(answer: &Answer) -> Result<Option<u64>, String> {
    match answer {
        Answer::Transport(why) => Err(why.clone()),
        Answer::Http { page, .. } if matches!(page.status, 404 | 410) => Ok(None),
        Answer::Http { page, parsed } => {
            let document = match parsed {
                Some(Ok(Parsed::Json(document))) => document,
                Some(Ok(Parsed::Csv(_))) => {
                    return Err("réponse CSV au lieu du document JSON".to_owned());
                }
                Some(Err(why)) => return Err(format!("réponse illisible : {why}")),
                None => return Err(format!("statut {}", page.status)),
            };
            let row = document
                .rows
                .last()
                .ok_or("aucune semaine dans la réponse")?;
            let mut total = 0;
            let mut columns = 0;
            for (name, cell) in document.cells(row) {
                if !name.starts_with("comptes_charges") {
                    continue;
                }
                columns += 1;
                match cell {
                    Cell::Count(n) => total += n,
                    other => {
                        return Err(format!("semaine {} : colonne {name} {other}", row.week));
                    }
                }
            }
            if columns == 0 {
                return Err("aucune colonne comptes_charges dans la réponse".to_owned());
            }
            Ok(Some(total))
        }
    }
}
