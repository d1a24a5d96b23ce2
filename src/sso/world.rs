//! The SSO world of a run: the harness's IdPs, started and reachable by the
//! candidate, and the AAF directory the candidate was seeded with, from
//! which the people of the `login` steps are drawn.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use reqwest::Url;
use sha2::{Digest, Sha256};

use crate::aaf::Directory;
use crate::check::Person;
use crate::evidence::Clock;
use crate::idp::{self, Identity, Idp, IdpSettings, Redirects, RunningIdp, Scenario, SigningKey};
use crate::probe::LoginPlan;
use crate::suite::{Capability, SecretSlot, SpMetadataSource, SsoService, SsoTarget, VirtualUser};

/// The IdPs and the directory a run's `login` steps use.
#[derive(Debug)]
pub struct SsoWorld {
    /// The IdPs' state (scenarios, logs).
    pub idp: Arc<Idp>,
    /// Where the candidate reaches the IdPs.
    pub public_url: Url,
    /// The people the candidate knows.
    pub directory: Directory,
}

/// The SSO of a run: ready, or the reason it is not (every `login` check is
/// then `error` with that reason).
#[derive(Clone, Debug)]
pub enum SsoSetup {
    /// IdPs running and directory read.
    Ready(Arc<SsoWorld>),
    /// Something the harness needed is missing.
    Failed(String),
}

/// Starts the IdPs a target's `[sso]` section describes, dating what they
/// issue by `clock` (the system clock: the candidate checks those dates
/// against its own real time, whatever clock the run keeps).
/// `http` is the target's `[http]`: the SP metadata URL is fetched through
/// its `resolve` and trusting its `ca`, as every other request to the
/// candidate.
/// `origins` are the candidate's, where redirect URIs may point when the
/// target registered none.
pub async fn start(
    sso: &SsoTarget,
    http: &crate::suite::HttpSettings,
    origins: Vec<url::Origin>,
    clock: Arc<dyn Clock>,
) -> Result<(RunningIdp, Arc<SsoWorld>), String> {
    let directory = crate::aaf::read_dir(&sso.aaf)
        .map_err(|error| format!("annuaire AAF {} illisible : {error}", sso.aaf.display()))?;
    let key = match &sso.idp_keys {
        Some(dir) => SigningKey::load_or_create(dir, "entconf IdP de test", clock.as_ref()),
        None => SigningKey::generate("entconf IdP de test", clock.as_ref()),
    }
    .map_err(|error| error.to_string())?;
    let authority = if sso.idp_tls {
        Some(
            SigningKey::idp_authority(sso.idp_keys.as_deref(), clock.as_ref())
                .map_err(|error| error.to_string())?,
        )
    } else {
        None
    };
    let secret = match &sso.client_secret {
        SecretSlot::Available(secret) => secret.expose().to_owned(),
        SecretSlot::Missing(why) => return Err(format!("secret client OpenID Connect : {why}")),
    };
    let sp = match &sso.sp_metadata {
        Some(source) => Some(read_sp_metadata(source, &http.resolve, &http.trusted_roots).await?),
        None => None,
    };
    let saml = idp::SamlSettings {
        signature: sso.saml_signature,
        encrypt: sso.encrypt_assertions,
        sp,
        unsolicited: sso.unsolicited_sso,
    };
    if let Some(problem) = saml.problem() {
        return Err(problem);
    }
    let settings = IdpSettings {
        public_url: sso.idp_public_url.clone(),
        client_id: sso.client_id.clone(),
        client_secret: secret,
        redirect_uris: match &sso.redirect_uris {
            Some(uris) => Redirects::Registered(uris.clone()),
            None => Redirects::Origins(origins),
        },
        saml,
    };
    launch(
        sso.idp_listen,
        settings,
        true,
        key,
        authority,
        directory,
        clock,
    )
    .await
}

/// Metadata is small; a candidate that answers more is refused rather
/// than read whole.
const SP_METADATA_LIMIT: usize = 1 << 20;

/// The candidate's SAML SP metadata, fetched (host names looked up in
/// `resolve` first) or read, and parsed.
pub async fn read_sp_metadata(
    source: &SpMetadataSource,
    resolve: &BTreeMap<String, IpAddr>,
    roots: &[Vec<u8>],
) -> Result<idp::SpMetadata, String> {
    let (name, text) = match source {
        SpMetadataSource::File(path) => {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|error| {
                format!("métadonnées SAML du fournisseur de service {name} illisibles : {error}")
            })?;
            (name, bytes)
        }
        SpMetadataSource::Url(url) => (url.to_string(), fetch(url, resolve, roots).await?),
    };
    if text.len() > SP_METADATA_LIMIT {
        return Err(format!(
            "métadonnées SAML du fournisseur de service {name} : plus de {} Kio, refusées",
            SP_METADATA_LIMIT / 1024
        ));
    }
    let text = String::from_utf8(text).map_err(|_| {
        format!("métadonnées SAML du fournisseur de service {name} : pas de l'UTF-8")
    })?;
    idp::SpMetadata::parse(&text).map_err(|error| format!("{name} : {error}"))
}

async fn fetch(
    url: &Url,
    resolve: &BTreeMap<String, IpAddr>,
    roots: &[Vec<u8>],
) -> Result<Vec<u8>, String> {
    let failed = |why: String| {
        format!("métadonnées SAML du fournisseur de service {url} injoignables : {why}")
    };
    let client = crate::probe::trusting(crate::probe::client_builder(resolve), roots)
        .map_err(|error| failed(error.to_string()))?
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|error| failed(error.to_string()))?;
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|error| failed(error.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("statut HTTP {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(error.to_string()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > SP_METADATA_LIMIT {
            break;
        }
    }
    Ok(body)
}

/// Starts IdPs on `addr` for `directory` (the demo and `entconf idp` pass
/// their own), dating what they issue by `clock`. With `authority` (the
/// test CA), they serve TLS under a certificate it issues for the listening
/// address and the public URL's host. Unless `keep_url`, the public URL
/// becomes `http(s)://<bound address>` once the port is known.
pub async fn launch(
    addr: std::net::SocketAddr,
    settings: IdpSettings,
    keep_url: bool,
    key: SigningKey,
    authority: Option<SigningKey>,
    directory: Directory,
    clock: Arc<dyn Clock>,
) -> Result<(RunningIdp, Arc<SsoWorld>), String> {
    let rogue =
        SigningKey::generate("entconf clé inconnue", clock.as_ref()).map_err(|e| e.to_string())?;
    let people = interactive_people(&directory);
    let hosts = idp::server_names(addr.ip(), &settings.public_url);
    let leaf = match &authority {
        Some(authority) => Some(
            authority
                .issue_tls_server(
                    "entconf — ÉduConnect et ARENA (test uniquement)",
                    &hosts,
                    clock.as_ref(),
                )
                .map_err(|error| error.to_string())?,
        ),
        None => None,
    };
    let idp = Arc::new(Idp::new(
        settings,
        key,
        rogue,
        people,
        authority,
        clock.clone(),
    ));
    let running = idp::spawn(addr, Arc::clone(&idp), leaf.as_ref())
        .await
        .map_err(|error| error.to_string())?;
    if !keep_url {
        let scheme = if leaf.is_some() { "https" } else { "http" };
        let bound = Url::parse(&format!("{scheme}://{}", running.addr()))
            .map_err(|error| error.to_string())?;
        idp.set_public_url(bound);
    }
    let public_url = idp.settings().public_url;
    let world = Arc::new(SsoWorld {
        idp,
        public_url,
        directory,
    });
    Ok((running, world))
}

/// Everyone of the directory, for the IdP's interactive login page.
fn interactive_people(directory: &Directory) -> Vec<Scenario> {
    let mut people = Vec::new();
    for pupil in &directory.pupils {
        if let Some(persona) = pupil_persona(directory, &pupil.jointure) {
            people.push(Scenario {
                identity: persona.identity,
                attack: None,
                victim: None,
            });
        }
    }
    for teacher in &directory.teachers {
        people.push(Scenario {
            identity: teacher_identity(directory, teacher),
            attack: None,
            victim: None,
        });
    }
    people
}

/// A person as the IdP asserts them and as the candidate should show them.
#[derive(Clone, Debug)]
pub(crate) struct Persona {
    pub(crate) identity: Identity,
    pub(crate) person: Person,
    /// The profile-chooser entry to pick.
    pub(crate) choose: Option<String>,
}

pub(crate) fn opaque(kind: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{key}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn vector(directory: &Directory, jointure: &str) -> String {
    format!("{{AAF}}{}|x|{jointure}", directory.academy.code)
}

/// The legacy `FrEduVecteur` of a pupil: `3|NOM|Prénom|<join key>|<UAI>`
/// (3: a pupil of the 1st degree; the join key stands for the attachment
/// id, which the synthetic AAF does not carry).
pub(crate) fn pupil_vector(directory: &Directory, pupil: &crate::aaf::Pupil) -> String {
    let uai = directory
        .school(&pupil.school)
        .map_or("", |s| s.uai.as_str());
    format!(
        "3|{}|{}|{}|{uai}",
        pupil.last_name, pupil.first_name, pupil.jointure
    )
}

/// The legacy `FrEduVecteur` of a parent's `records`: one value per child,
/// `1|NOM|Prénom|<child's join key>|<child's UAI>` (1: a parent in the 1st
/// degree).
pub(crate) fn parent_vectors(
    directory: &Directory,
    records: &[&crate::aaf::Parent],
) -> Vec<String> {
    records
        .iter()
        .flat_map(|parent| {
            parent.children.iter().filter_map(move |child| {
                let pupil = directory.pupil(child)?;
                let uai = directory.school(&pupil.school)?.uai.clone();
                Some(format!(
                    "1|{}|{}|{child}|{uai}",
                    parent.last_name, parent.first_name
                ))
            })
        })
        .collect()
}

pub(crate) fn pupil_persona(directory: &Directory, jointure: &str) -> Option<Persona> {
    let pupil = directory.pupil(jointure)?;
    let school = directory.school(&pupil.school)?;
    Some(Persona {
        identity: Identity::EduConnect {
            sub: opaque("ect", &pupil.jointure),
            given_name: pupil.first_name.clone(),
            family_name: pupil.last_name.clone(),
            affiliation: "eleve1d".to_owned(),
            ref_ids: vec![vector(directory, &pupil.jointure)],
            uai: Some(school.uai.clone()),
            legacy_vectors: vec![pupil_vector(directory, pupil)],
        },
        person: Person {
            name: format!("{} {}", pupil.first_name, pupil.last_name),
            school: school.name.clone(),
            children: Vec::new(),
        },
        choose: None,
    })
}

/// A parent as EduConnect asserts the AAF entry `jointure` alone (no
/// profile chooser), shown at school `uai` with their children there.
pub(crate) fn parent_persona(directory: &Directory, jointure: &str, uai: &str) -> Option<Persona> {
    let parent = directory.parent(jointure)?;
    let school = directory.schools.iter().find(|s| s.uai == uai)?;
    let children = directory
        .pupils
        .iter()
        .filter(|p| p.school == school.jointure && p.parents.iter().any(|j| j == jointure))
        .map(|p| format!("{} {}", p.first_name, p.last_name))
        .collect();
    Some(Persona {
        identity: Identity::EduConnect {
            sub: opaque("ect", &parent.email),
            given_name: parent.first_name.clone(),
            family_name: parent.last_name.clone(),
            affiliation: "resp1d".to_owned(),
            ref_ids: vec![vector(directory, jointure)],
            uai: None,
            legacy_vectors: parent_vectors(directory, &[parent]),
        },
        person: Person {
            name: format!("{} {}", parent.first_name, parent.last_name),
            school: school.name.clone(),
            children,
        },
        choose: None,
    })
}

/// A plain login of `persona` through `service`: no attack, no replay, no
/// cookie probing, a logout at the end when the target declares one.
pub(crate) fn login_plan(
    target: &crate::suite::Target,
    world: &SsoWorld,
    persona: &Persona,
    service: SsoService,
) -> Result<LoginPlan, String> {
    let start = target.capability(service.capability())?;
    let account_page = target.capability(Capability::AccountPage)?;
    Ok(LoginPlan {
        login_page: None,
        start,
        account_page,
        logout: target.capabilities.get(&Capability::Logout).cloned(),
        choose: persona.choose.clone(),
        replay: false,
        idp_host: world.public_url.host_str().unwrap_or("").to_owned(),
        idp_origin: world.public_url.origin().ascii_serialization(),
        token: world.idp.open(Scenario {
            identity: persona.identity.clone(),
            attack: None,
            victim: None,
        }),
        visit: Vec::new(),
        user_agent: None,
        probe_cookies: false,
        download: None,
        idp_logout: false,
    })
}

/// A teacher or director as the agents' guichet asserts them.
pub(crate) fn teacher_persona(directory: &Directory, teacher: &crate::aaf::Teacher) -> Persona {
    let school = directory
        .school(&teacher.school)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    Persona {
        identity: teacher_identity(directory, teacher),
        person: Person {
            name: format!("{} {}", teacher.first_name, teacher.last_name),
            school,
            children: Vec::new(),
        },
        choose: None,
    }
}

fn teacher_identity(directory: &Directory, teacher: &crate::aaf::Teacher) -> Identity {
    let uai = directory
        .school(&teacher.school)
        .map(|s| s.uai.clone())
        .unwrap_or_default();
    Identity::Agent {
        uid: opaque("agent", &teacher.jointure),
        email: teacher.email.clone(),
        given_name: teacher.first_name.clone(),
        family_name: teacher.last_name.clone(),
        rne: vec![format!("{uai}$ECOLE$PU$ENS")],
    }
}

/// The persona of a suite's virtual user, or why the directory has none.
pub(crate) fn persona(directory: &Directory, user: VirtualUser) -> Result<Persona, String> {
    match user {
        VirtualUser::Pupil => directory
            .pupils
            .first()
            .and_then(|pupil| pupil_persona(directory, &pupil.jointure))
            .ok_or_else(|| "l'annuaire AAF ne contient aucun élève".to_owned()),
        VirtualUser::UnknownPupil => {
            let school = directory
                .schools
                .first()
                .ok_or_else(|| "l'annuaire AAF ne contient aucune école".to_owned())?;
            // A jointure outside every range the generator uses.
            let jointure = "9199999";
            Ok(Persona {
                identity: Identity::EduConnect {
                    sub: opaque("ect", jointure),
                    given_name: "Inès".to_owned(),
                    family_name: "Horsannuaire".to_owned(),
                    affiliation: "eleve1d".to_owned(),
                    ref_ids: vec![vector(directory, jointure)],
                    uai: Some(school.uai.clone()),
                    legacy_vectors: vec![format!("3|Horsannuaire|Inès|{jointure}|{}", school.uai)],
                },
                person: Person {
                    name: "Inès Horsannuaire".to_owned(),
                    school: school.name.clone(),
                    children: Vec::new(),
                },
                choose: None,
            })
        }
        VirtualUser::Teacher => {
            let teacher = directory
                .teachers
                .iter()
                .find(|t| !t.director)
                .ok_or_else(|| "l'annuaire AAF ne contient aucun enseignant".to_owned())?;
            Ok(teacher_persona(directory, teacher))
        }
        VirtualUser::ParentTwoProfiles => {
            let (first, second) = directory
                .multi_profile_parents()
                .into_iter()
                .next()
                .ok_or_else(|| {
                    "l'annuaire AAF ne contient aucun parent inscrit deux fois (enfants dans deux écoles)"
                        .to_owned()
                })?;
            let child = second
                .children
                .first()
                .and_then(|jointure| directory.pupil(jointure))
                .ok_or_else(|| "le parent à deux profils n'a pas d'enfant".to_owned())?;
            let school = directory
                .school(&child.school)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let child_name = format!("{} {}", child.first_name, child.last_name);
            Ok(Persona {
                identity: Identity::EduConnect {
                    sub: opaque("ect", &first.email),
                    given_name: first.first_name.clone(),
                    family_name: first.last_name.clone(),
                    affiliation: "resp1d".to_owned(),
                    ref_ids: vec![
                        vector(directory, &first.jointure),
                        vector(directory, &second.jointure),
                    ],
                    uai: None,
                    legacy_vectors: parent_vectors(directory, &[first, second]),
                },
                person: Person {
                    name: format!("{} {}", second.first_name, second.last_name),
                    school,
                    children: vec![child_name.clone()],
                },
                choose: Some(child_name),
            })
        }
    }
}

/// Another pupil than `persona`'s, for the signature-wrapping victim.
pub(crate) fn victim(directory: &Directory, besides: &Persona) -> Option<Persona> {
    directory
        .pupils
        .iter()
        .filter_map(|pupil| pupil_persona(directory, &pupil.jointure))
        .find(|candidate| candidate.person.name != besides.person.name)
}
