//! The statistics of a run, gathered once and shared by every check that
//! reads them: the suite's activity is played in the dedicated schools
//! (real logins through the harness's IdPs, services opened with the
//! declared devices, logout), then the statistics API is read.
//!
//! The work is done once per run (`RunOnce`), shared by the STATS checks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::observation::StatsObservation;
use super::reading::{ActivityLog, ActivityVisit, ReadPlan, read_statistics};
use crate::aaf::{Directory, School};
use crate::check::Person;
use crate::idp::Identity;
use crate::probe::{LoginPlan, log_in};
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::sso::world::{Persona, SsoWorld, login_plan, pupil_persona, teacher_persona};
use crate::stats::{Entity, Period, paris_date};
use crate::stats::{StatsSpec, Who};
use crate::suite::{Capability, SecretSlot, SsoService};

/// The statistics of the run, gathered on first call.
pub(crate) async fn observe(
    context: &Arc<Context>,
    spec: &Arc<StatsSpec>,
) -> Shared<StatsObservation> {
    let (owned, spec) = (Arc::clone(context), Arc::clone(spec));
    context
        .shared
        .get(
            "stats",
            move || async move { gather(&owned, &spec).await },
            "activité et lecture des statistiques",
        )
        .await
}

async fn gather(context: &Context, spec: &StatsSpec) -> Result<StatsObservation, String> {
    let target = &context.target;
    let stats = target.stats.as_ref().ok_or_else(|| {
        "la cible ne déclare pas de section [stats] (écoles dédiées, services, comptes)".to_owned()
    })?;
    let world = context
        .sso_world("l'activité de référence passe par les fournisseurs d'identité de test")?;
    let api = context.capability(Capability::StatisticsApi)?;
    let mut viewers = Vec::new();
    for viewer in &stats.viewers {
        match &viewer.token {
            SecretSlot::Available(token) => viewers.push((
                Entity::new(viewer.level, viewer.id.clone()),
                token.expose().to_owned(),
            )),
            SecretSlot::Missing(why) => {
                return Err(format!(
                    "jeton du compte {} {} indisponible : {why}",
                    viewer.level.label_fr(),
                    viewer.id
                ));
            }
        }
    }
    let first_day = paris_date(context.clock.now());
    let activity = play(context, &world, spec).await;
    if !stats.latency.is_zero() {
        tokio::time::sleep(stats.latency).await;
    }
    let plan = ReadPlan {
        api,
        dnma: target
            .capabilities
            .get(&Capability::StatisticsDnmaExport)
            .cloned(),
        academie: stats.academie.clone(),
        schools: stats.schools.clone(),
        viewers,
        period: Period::covering(first_day, paris_date(context.clock.now())),
        separator: spec.csv_separator,
    };
    let reading = read_statistics(&context.probe, &plan).await?;
    Ok(StatsObservation {
        activity,
        reading,
        schools: stats.schools.clone(),
        identifiers: identifiers(&world.directory),
    })
}

/// Plays the activity of every line in every dedicated school.
async fn play(context: &Context, world: &SsoWorld, spec: &StatsSpec) -> ActivityLog {
    let mut log = ActivityLog::default();
    let Some(stats) = &context.target.stats else {
        return log;
    };
    let directory = &world.directory;
    for uai in &stats.schools {
        let Some(school) = directory.schools.iter().find(|s| &s.uai == uai) else {
            log.problem = Some(format!(
                "l'école dédiée {uai} n'est pas dans l'annuaire AAF dont le candidat a été alimenté"
            ));
            return log;
        };
        let mut loaded: BTreeMap<String, u64> = BTreeMap::new();
        let kinds: std::collections::BTreeSet<(&str, &String, Who)> = spec
            .activity
            .iter()
            .map(|line| (line.who.as_str(), &line.profile, line.who))
            .collect();
        for (_, profile, who) in kinds {
            *loaded.entry(profile.clone()).or_default() +=
                people(directory, school, who).len() as u64;
        }
        for (profile, count) in loaded {
            log.loaded.push((uai.clone(), profile, count));
        }
        for line in &spec.activity {
            let everyone = people(directory, school, line.who);
            if everyone.len() < line.people {
                log.problem = Some(format!(
                    "l'école {uai} n'a que {} {} dans l'annuaire pour {} demandés par l'activité",
                    everyone.len(),
                    line.who.as_str(),
                    line.people
                ));
                return log;
            }
            let mut services = Vec::new();
            for name in &line.services {
                match stats.services.get(name) {
                    Some(url) => services.push(url.clone()),
                    None => {
                        log.problem = Some(format!(
                            "le service « {name} » de l'activité n'est pas déclaré dans [stats.services]"
                        ));
                        return log;
                    }
                }
            }
            for persona in everyone.into_iter().take(line.people) {
                for _ in 0..line.visits_each {
                    let visit = visit(context, world, spec, line, &persona, &services, uai).await;
                    log.visits.push(visit);
                }
            }
        }
    }
    log
}

async fn visit(
    context: &Context,
    world: &SsoWorld,
    spec: &StatsSpec,
    line: &crate::stats::ActivityLine,
    someone: &Someone,
    services: &[reqwest::Url],
    uai: &str,
) -> ActivityVisit {
    let service = match line.who {
        Who::Pupils | Who::Parents => SsoService::EduConnectOidc,
        Who::Teachers | Who::Director => SsoService::AgentsSaml,
    };
    let mut record = ActivityVisit {
        school: uai.to_owned(),
        person: someone.key.clone(),
        name: someone.persona.person.name.clone(),
        school_name: someone.persona.person.school.clone(),
        profile: line.profile.clone(),
        services: line.services.clone(),
        device: line.device.clone(),
        seconds: 0.0,
        trace: Err(String::new()),
    };
    let plan = match login_plan(&context.target, world, &someone.persona, service) {
        Ok(plan) => LoginPlan {
            visit: services.to_vec(),
            user_agent: spec.user_agents.get(&line.device).cloned(),
            ..plan
        },
        Err(why) => {
            record.trace = Err(why);
            return record;
        }
    };
    // The real duration, not the run's clock: it bounds what the candidate
    // measured of the same visit, in real time, even when the run's clock
    // is fixed (whose durations are all zero).
    let began = Instant::now();
    record.trace = log_in(&context.probe, &world.idp, &plan)
        .await
        .map_err(|failure| failure.error.to_string());
    record.seconds = began.elapsed().as_secs_f64();
    record
}

/// A person of the activity and the key that identifies them across schools.
struct Someone {
    key: String,
    persona: Persona,
}

/// The people of `school` an activity line may use, in directory order;
/// parents with children in two schools first, so that the activity has
/// someone active in two schools whenever the directory allows it.
fn people(directory: &Directory, school: &School, who: Who) -> Vec<Someone> {
    match who {
        Who::Pupils => directory
            .pupils
            .iter()
            .filter(|p| p.school == school.jointure)
            .filter_map(|p| {
                pupil_persona(directory, &p.jointure).map(|persona| Someone {
                    key: format!("eleve:{}", p.jointure),
                    persona,
                })
            })
            .collect(),
        Who::Teachers | Who::Director => directory
            .teachers
            .iter()
            .filter(|t| t.school == school.jointure && t.director == (who == Who::Director))
            .map(|t| Someone {
                key: format!("agent:{}", t.email),
                persona: teacher_persona(directory, t),
            })
            .collect(),
        Who::Parents => {
            let mut found: Vec<(bool, Someone)> = Vec::new();
            for record in &directory.parents {
                let Some(child) = record
                    .children
                    .iter()
                    .filter_map(|c| directory.pupil(c))
                    .find(|c| c.school == school.jointure)
                else {
                    continue;
                };
                if found
                    .iter()
                    .any(|(_, s)| s.key == format!("parent:{}", record.email))
                {
                    continue;
                }
                let records: Vec<&crate::aaf::Parent> = directory
                    .parents
                    .iter()
                    .filter(|p| p.email == record.email)
                    .collect();
                let child_name = format!("{} {}", child.first_name, child.last_name);
                let persona = Persona {
                    identity: Identity::EduConnect {
                        sub: crate::sso::world::opaque("ect", &record.email),
                        given_name: record.first_name.clone(),
                        family_name: record.last_name.clone(),
                        affiliation: "resp1d".to_owned(),
                        ref_ids: records
                            .iter()
                            .map(|p| crate::sso::world::vector(directory, &p.jointure))
                            .collect(),
                        uai: None,
                        legacy_vectors: crate::sso::world::parent_vectors(directory, &records),
                    },
                    person: Person {
                        name: format!("{} {}", record.first_name, record.last_name),
                        school: school.name.clone(),
                        children: vec![child_name.clone()],
                    },
                    choose: (records.len() > 1).then_some(child_name),
                };
                found.push((
                    records.len() > 1,
                    Someone {
                        key: format!("parent:{}", record.email),
                        persona,
                    },
                ));
            }
            found.sort_by_key(|(several, _)| !several);
            found.into_iter().map(|(_, someone)| someone).collect()
        }
    }
}

/// Every value that would identify a person of the directory in a
/// statistics document: names, e-mails, AAF join keys. Kept in memory for
/// the privacy check, never written.
fn identifiers(directory: &Directory) -> Vec<String> {
    let mut out = Vec::new();
    for p in &directory.pupils {
        out.push(format!("{} {}", p.first_name, p.last_name));
        out.push(format!("{} {}", p.last_name, p.first_name));
        out.push(p.jointure.clone());
    }
    for p in &directory.parents {
        out.push(format!("{} {}", p.first_name, p.last_name));
        out.push(format!("{} {}", p.last_name, p.first_name));
        out.push(p.email.clone());
        out.push(p.jointure.clone());
    }
    for t in &directory.teachers {
        out.push(format!("{} {}", t.first_name, t.last_name));
        out.push(format!("{} {}", t.last_name, t.first_name));
        out.push(t.email.clone());
        out.push(t.jointure.clone());
    }
    out.sort();
    out.dedup();
    out
}
