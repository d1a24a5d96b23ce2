//! The SSO scenario of a `login` step: the person drawn from the directory,
//! for an attack a control login of the same person first, then the login
//! as the step asks (attack, replay, logout), through the candidate's SSO
//! and the harness's IdPs. Records a [`LoginObservation`]; never judges.

use std::sync::Arc;

use super::world::{Persona, SsoSetup, SsoWorld, persona, victim};
use crate::check::{AssertionResult, AssertionStatus, Attempt, LoginObservation, Outcome};
use crate::idp::{Attack, SESSION_COOKIE, Scenario};
use crate::probe::{HeldCookie, LoginPlan, LoginTrace, log_in};
use crate::runner::context::{Context, Stop};
use crate::suite::{Action, Capability, Check, LoginStep, Step, VirtualUser};

type LoginResult = Result<Arc<LoginObservation>, (Stop, Vec<String>)>;

fn login_error(step: &Step, message: String) -> (Stop, Vec<String>) {
    let stop = Stop {
        outcome: Outcome::Error,
        reason: Some(format!("étape « {} » : {message}", step.id)),
        assertion: None,
    };
    (stop, Vec::new())
}

/// Plays a `login` step: for an attack, a control login of the same person
/// first, then the attack; for a replay, one login replayed afterwards.
pub(crate) async fn run_login(
    step: &Step,
    login: &LoginStep,
    check: &Check,
    context: &Context,
) -> LoginResult {
    let world = match context.services.sso() {
        Some(SsoSetup::Ready(world)) => Arc::clone(world),
        Some(SsoSetup::Failed(why)) => return Err(login_error(step, why.clone())),
        None => return Err(login_error(step, "aucune section [sso]".to_owned())),
    };
    let persona_of = |user| persona(&world.directory, user);
    let replay = matches!(login.attack, Some(Attack::CodeReplay | Attack::SamlReplay));
    let controlled = login.user == VirtualUser::UnknownPupil || (login.attack.is_some() && !replay);
    let attacker = persona_of(login.user).map_err(|why| login_error(step, why))?;
    let genuine = if login.user == VirtualUser::UnknownPupil {
        persona_of(VirtualUser::Pupil).map_err(|why| login_error(step, why))?
    } else {
        attacker.clone()
    };
    let mut seen = Vec::new();
    let control = if controlled {
        let scenario = Scenario {
            identity: genuine.identity.clone(),
            attack: None,
            victim: None,
        };
        let trace = play(
            step, check, context, &world, &genuine, scenario, false, false,
        )
        .await?;
        seen.extend(trace.exchanges());
        Some(trace)
    } else {
        None
    };
    // A family is played variant after variant, each in a fresh browser:
    // the check passes only if every one is refused.
    let variants = login.attack.map_or_else(
        || vec![None],
        |a| a.variants().into_iter().map(Some).collect(),
    );
    let mut attempts = Vec::new();
    for attack in variants {
        let wrapped = attack
            .is_some_and(Attack::has_victim)
            .then(|| victim(&world.directory, &attacker))
            .flatten();
        let scenario = Scenario {
            identity: attacker.identity.clone(),
            attack,
            victim: wrapped.as_ref().map(|v| v.identity.clone()),
        };
        let trace = play(
            step, check, context, &world, &attacker, scenario, replay, true,
        )
        .await
        .map_err(|(stop, mut ids)| {
            ids.extend(seen.iter().cloned());
            (stop, ids)
        })?;
        seen.extend(trace.exchanges());
        attempts.push(Attempt {
            attack: attack.map(|a| a.description_fr().to_owned()),
            trace,
            intruder: wrapped.map_or_else(|| attacker.person.clone(), |v| v.person),
        });
    }
    let mut attempts = attempts.into_iter();
    let Some(mut first) = attempts.next() else {
        return Err(login_error(step, "aucune variante à jouer".to_owned()));
    };
    if login.render {
        render_account(step, context, &mut first.trace).await?;
    }
    Ok(Arc::new(LoginObservation {
        trace: first.trace,
        control,
        expected: genuine.person.clone(),
        asserted: attacker.identity.clone(),
        intruder: first.intruder,
        attack: first.attack,
        variants: attempts.collect(),
        service: login.service.label_fr().to_owned(),
    }))
}

/// Opens the account page again in the run's browser, in the login's
/// session (its cookies in a fresh context), and keeps it as rendered: the
/// DOM the scripts drew and the requests they made. An account page that
/// is not an HTML page served 2xx is left as served (the login failed, and
/// the judges say so), as is every page when the run has no browser.
async fn render_account(
    step: &Step,
    context: &Context,
    trace: &mut LoginTrace,
) -> Result<(), (Stop, Vec<String>)> {
    let Some(browser) = context.browser.as_deref() else {
        return Ok(());
    };
    if !trace.account.is_rendered_by_browser() {
        return Ok(());
    }
    let Some(url) = context.target.capabilities.get(&Capability::AccountPage) else {
        return Ok(());
    };
    // The candidate's cookies only, for each of its hosts (an API or a CAS
    // host of its own may hold part of the session), the IdP's session
    // aside.
    let origins: Vec<url::Url> = context
        .target
        .own_origins()
        .iter()
        .filter_map(|origin| url::Url::parse(&origin.ascii_serialization()).ok())
        .collect();
    let session: Vec<HeldCookie> = trace
        .session
        .held(&origins)
        .into_iter()
        .filter(|cookie| cookie.name != SESSION_COOKIE)
        .collect();
    match browser.render_signed_in(url, &session).await {
        Ok(Some((rendering, dom))) => {
            trace.account = trace.account.rendered(rendering, dom);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => {
            let (stop, _) = login_error(
                step,
                format!("la page du compte n'a pas pu être rendue par le navigateur : {error}"),
            );
            Err((stop, trace.exchanges()))
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the login's parts come from the step, the run and the persona"
)]
async fn play(
    step: &Step,
    check: &Check,
    context: &Context,
    world: &SsoWorld,
    persona: &Persona,
    scenario: Scenario,
    replay: bool,
    endings: bool,
) -> Result<LoginTrace, (Stop, Vec<String>)> {
    let Action::Login(login) = &step.action else {
        return Err(login_error(step, "sonde inattendue".to_owned()));
    };
    let capability = |capability: Capability| context.target.capabilities.get(&capability).cloned();
    let (Some(start), Some(account_page)) = (
        capability(login.service.capability()),
        capability(Capability::AccountPage),
    ) else {
        return Err(login_error(
            step,
            "capacités de connexion non déclarées".to_owned(),
        ));
    };
    // An unsolicited response starts at the IdP, never at the candidate.
    let start = match (scenario.attack, login.service.saml()) {
        (Some(Attack::SamlUnsolicited), Some(service)) => world
            .idp
            .unsolicited_url(service)
            .map_err(|why| login_error(step, why))?,
        _ => start,
    };
    let plan = LoginPlan {
        login_page: capability(Capability::LoginPage),
        start,
        account_page,
        // The control login plays none of the step's endings.
        logout: if endings && login.logout {
            capability(Capability::Logout)
        } else {
            None
        },
        choose: persona.choose.clone(),
        replay,
        idp_host: world.public_url.host_str().unwrap_or("").to_owned(),
        idp_origin: world.public_url.origin().ascii_serialization(),
        token: world.idp.open(scenario),
        visit: Vec::new(),
        user_agent: None,
        probe_cookies: true,
        download: None,
        idp_logout: endings && login.logout_from_idp,
    };
    log_in(&context.probe, &world.idp, &plan)
        .await
        .map_err(|failure| {
            let assertion = AssertionResult {
                label: format!("parcours de connexion de l'étape « {} »", step.id),
                article: None,
                severity: check.severity,
                status: AssertionStatus::Error,
                expected:
                    "un parcours de connexion complet, chaque réponse lisible et dans les temps"
                        .to_owned(),
                actual: failure.error.to_string(),
                exchanges: failure.exchanges.clone(),
            };
            let stop = Stop {
                outcome: Outcome::Error,
                reason: None,
                assertion: Some(assertion),
            };
            (stop, failure.exchanges)
        })
}
