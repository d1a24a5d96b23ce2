//! The `access` step's scenario (SEC-07): records, never judges. Once per
//! run, after the content is seeded (the same seeding the EXPORT scenario
//! reads), a parent, a pupil and a teacher of the exported school's first
//! class log in through the harness's IdPs (EduConnect, the agents'
//! guichet) and ask, at every `[access]` address, for each seeded class
//! blog post and cahier de textes entry: their own class's (the control),
//! the second class's of their school, and another school's.
//!
//! Another school is the other school of the same collectivité, never the
//! school of another collectivité: the EXPORT scenario seeds that one again
//! during its export, and a candidate may give its items new ids then (an
//! old id answering 404 would pass for a refusal). After the others'
//! objects, each reader asks for their own first object again: a session
//! that closed on the way would make every refusal meaningless.
//!
//! The readers have no right to what they are refused: the parent has no
//! child elsewhere, the teacher does not teach the second class, as the
//! AAF directory says.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::access::{AccessObservation, Answer, Read, Reader, Relation};
use crate::probe::log_in;
use crate::reversibility::{Item, Role, SeededSchool, observe_seed};
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::sso::world::{Persona, login_plan, parent_persona, pupil_persona, teacher_persona};
use crate::suite::{AccessTarget, SsoService};

/// The `access` step: the run's reads of others' objects (made once,
/// shared by every check that reads it).
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<AccessObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "access",
            move || async move { gather(&owned).await },
            "lectures des objets d'autrui",
        )
        .await
}

/// One object to ask for: how it stands to the readers, what it is, the
/// text that proves it was shown, and its id.
struct Object {
    relation: Relation,
    label: String,
    proof: String,
    id: String,
}

async fn gather(context: &Arc<Context>) -> Result<AccessObservation, String> {
    let access = context
        .target
        .access
        .as_ref()
        .ok_or("section [access] absente de la description de cible")?;
    let seeded = observe_seed(context).await;
    let seeded = seeded
        .as_ref()
        .as_ref()
        .map_err(|why| format!("contenu de référence non amorcé : {why}"))?;
    let world = context.sso_world("les lecteurs se connectent par les IdP d'entconf")?;
    let truth = &seeded.truth;
    let school = truth.school(Role::Exported).ok_or("aucune école amorcée")?;
    let (class, class_label) = school.classes.first().ok_or("aucune classe amorcée")?;
    let other = truth.school(Role::SameCommune);
    let mut unasked = BTreeMap::new();
    let mut objects = objects_of(school, class, &truth.lot, &seeded.ids)?;
    if !objects.iter().any(|o| o.relation == Relation::OtherClass) {
        unasked.insert(
            Relation::OtherClass,
            format!(
                "l'annuaire AAF n'a pas, dans l'école {}, de seconde classe avec son propre \
                 enseignant : aucun objet d'une autre classe n'a été amorcé",
                school.uai
            ),
        );
    }
    match other {
        Some(other) => objects.extend(objects_of(other, class, &truth.lot, &seeded.ids)?),
        None => {
            unasked.insert(
                Relation::OtherSchool,
                "l'annuaire AAF n'a pas d'autre école dans la collectivité de l'école exportée \
                 (avec une classe, un enseignant et des élèves) : aucun objet d'une autre école \
                 n'est demandé (celle d'une autre collectivité est amorcée de nouveau pendant \
                 l'export, ses identifiants peuvent changer)"
                    .to_owned(),
            );
        }
    }
    let base = &context.target.base_url;
    let mut planned = Vec::new();
    // The first own object is asked again, last: the session still holds.
    let again = objects
        .iter()
        .find(|o| o.relation == Relation::Own)
        .map(|o| (o, Relation::OwnAgain));
    for (object, relation) in objects.iter().map(|o| (o, o.relation)).chain(again) {
        for template in &access.object_urls {
            let url = AccessTarget::resolve(base, template, &object.id)
                .map_err(|error| format!("[access] object_urls : « {template} » : {error}"))?;
            planned.push((relation, object, url));
        }
    }
    let redactor = context.probe.redactor();
    let mut readers = Vec::new();
    let mut exchanges = seeded.exchanges.clone();
    let (people, missing) = personas(context, &world, truth, class, class_label)?;
    for (who, persona, service) in people {
        let mut plan = match login_plan(&context.target, &world, &persona, service) {
            Ok(plan) => plan,
            Err(why) => {
                readers.push(Reader {
                    who,
                    login: Err(why),
                    reads: Vec::new(),
                });
                continue;
            }
        };
        plan.visit = planned.iter().map(|(_, _, url)| url.clone()).collect();
        match log_in(&context.probe, &world.idp, &plan).await {
            Err(failure) => {
                exchanges.extend(failure.exchanges);
                readers.push(Reader {
                    who,
                    login: Err(failure.error.to_string()),
                    reads: Vec::new(),
                });
            }
            Ok(trace) => {
                exchanges.extend(trace.exchanges());
                let reads = planned
                    .iter()
                    .zip(&trace.visits)
                    .map(|((relation, object, url), page)| Read {
                        relation: *relation,
                        object: object.label.clone(),
                        request: format!("GET {}", redactor.url(url)),
                        answer: page
                            .as_ref()
                            .map(|page| Answer {
                                status: page.status,
                                redirected: page.hops.len() > 1,
                                final_url: redactor.url(&page.final_url),
                                shown: page.text().is_some_and(|text| text.contains(&object.proof)),
                            })
                            .map_err(ToString::to_string),
                    })
                    .collect();
                readers.push(Reader {
                    who,
                    login: Ok(()),
                    reads,
                });
            }
        }
    }
    Ok(AccessObservation {
        readers,
        missing,
        unasked,
        exchanges,
    })
}

/// The posts and homework of `school`, each with its relation to the
/// people of class `class` of the exported school, and its id from the
/// seeding answer (an item without one stops the step: nothing could be
/// asked for it).
fn objects_of(
    school: &SeededSchool,
    class: &str,
    lot: &str,
    ids: &BTreeMap<String, String>,
) -> Result<Vec<Object>, String> {
    let mut objects = Vec::new();
    for item in &school.items {
        let (Item::Post { class: of, .. } | Item::Homework { class: of, .. }) = item else {
            continue;
        };
        let relation = match (school.role, of == class) {
            (Role::Exported, true) => Relation::Own,
            (Role::Exported, false) => Relation::OtherClass,
            _ => Relation::OtherSchool,
        };
        let key = item.key();
        let id = ids.get(&format!("{}/{key}", school.uai)).ok_or_else(|| {
            format!(
                "la réponse de l'amorçage ne donne pas d'identifiant lisible (chaîne ou nombre) \
                 pour « {}/{key} » (ids, par « UAI/clé ») : l'objet ne peut pas être demandé par \
                 son adresse",
                school.uai
            )
        })?;
        let label = match relation {
            Relation::OtherSchool => "d'une autre école",
            Relation::OtherClass => "d'une autre classe",
            Relation::Own | Relation::OwnAgain => "de sa classe",
        };
        objects.push(Object {
            relation,
            label: format!(
                "{} « {key} » {label} (école {}, classe {of}, id {id})",
                item.kind_fr(),
                school.uai
            ),
            // The marker's text without its brackets, which an ENT may
            // escape in HTML or JSON.
            proof: format!("entconf {lot} {} {key}", school.uai),
            id: id.clone(),
        });
    }
    Ok(objects)
}

/// A parent, a pupil and a teacher of `class` of the exported school, with
/// the service each logs in through; and the roles that could not be
/// filled, with why. Nobody with a right to what they will be refused is
/// chosen: no parent with a child elsewhere, no teacher of another class.
#[allow(clippy::type_complexity)]
fn personas(
    context: &Context,
    world: &crate::sso::world::SsoWorld,
    truth: &crate::reversibility::GroundTruth,
    class: &str,
    class_label: &str,
) -> Result<(Vec<(String, Persona, SsoService)>, Vec<String>), String> {
    let directory = &world.directory;
    let school = truth.school(Role::Exported).ok_or("aucune école amorcée")?;
    // EduConnect as the target offers it: OpenID Connect, else SAML.
    let educonnect = [SsoService::EduConnectOidc, SsoService::EduConnectSaml]
        .into_iter()
        .find(|service| context.target.capability(service.capability()).is_ok())
        .ok_or("ni educonnect_oidc_login ni educonnect_saml_login déclarée : les parents et les élèves ne peuvent pas se connecter")?;
    let described = |p: &crate::reversibility::SeededPerson, profile: &str| {
        format!(
            "{} {} ({profile}, {class_label})",
            p.first_name, p.last_name
        )
    };
    let in_class = |p: &&crate::reversibility::SeededPerson| p.classes.iter().any(|c| c == class);
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let pupils: Vec<&crate::reversibility::SeededPerson> = school
        .persons
        .iter()
        .filter(|p| p.profile == "eleve")
        .filter(in_class)
        .collect();
    let pupil = pupils.first().ok_or("aucun élève amorcé dans la classe")?;
    let persona = pupil_persona(directory, &pupil.jointure)
        .ok_or_else(|| format!("l'élève {} n'est pas dans l'annuaire AAF", pupil.jointure))?;
    // A parent whose every child, in the directory, is a pupil of the class.
    let parent = school.persons.iter().find(|p| {
        p.profile == "parent"
            && p.children
                .iter()
                .any(|c| pupils.iter().any(|q| &q.jointure == c))
            && directory
                .pupils
                .iter()
                .filter(|child| child.parents.iter().any(|j| j == &p.jointure))
                .all(|child| pupils.iter().any(|q| q.jointure == child.jointure))
    });
    match parent.and_then(|p| {
        parent_persona(directory, &p.jointure, &school.uai).map(|persona| (p, persona))
    }) {
        Some((parent, persona)) => out.push((described(parent, "parent"), persona, educonnect)),
        None => missing.push(
            "aucun parent amorcé dont tous les enfants sont dans la classe : le profil parent \
             n'est pas éprouvé"
                .to_owned(),
        ),
    }
    out.push((described(pupil, "élève"), persona, educonnect));
    let others: Vec<&str> = school
        .classes
        .iter()
        .map(|(code, _)| code.as_str())
        .filter(|code| *code != class)
        .collect();
    let teacher = school
        .persons
        .iter()
        .filter(|p| p.profile == "enseignant")
        .filter(in_class)
        .find_map(|p| {
            directory
                .teachers
                .iter()
                .find(|t| t.jointure == p.jointure)
                .filter(|t| !t.classes.iter().any(|c| others.contains(&c.as_str())))
                .map(|t| (p, t))
        });
    match teacher {
        Some((seeded, aaf)) => out.push((
            described(seeded, "enseignant"),
            teacher_persona(directory, aaf),
            SsoService::AgentsSaml,
        )),
        None => missing.push(
            "aucun enseignant amorcé de la classe qui n'enseigne pas aussi dans l'autre : le \
             profil enseignant n'est pas éprouvé"
                .to_owned(),
        ),
    }
    Ok((out, missing))
}
