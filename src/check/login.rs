//! Judging a login: did the person land on their own account, did the bad
//! answer of the IdP open nothing, is the session handled as a session
//! should be (cookie attributes, renewal, logout, no id in URLs).
//!
//! "Signed in" is read on the account page the way a person would check it:
//! their name, their school and their profile are on it. A refusal is proved
//! by asking for that page afterwards, never by a status code alone, and
//! only after a control login of the same person succeeded — otherwise a
//! candidate whose login is simply broken would pass every attack.

use crate::probe::{LoginTrace, Page, SetCookie};
use crate::suite::{CookieAttribute, PhraseList};
use crate::text::fold;

use super::observation::{LoginObservation, Observations, Person};
use super::outcome::Verdict;

/// What the account page shows of the expected person.
struct Shown {
    name: bool,
    school: bool,
    profile: Option<String>,
    children: Vec<String>,
    missing_children: Vec<String>,
}

fn page_text(page: &Page) -> Option<String> {
    if !page.is_html() || page.status != 200 {
        return None;
    }
    let guard = page.document()?;
    let document = guard.get().ok()?;
    document.text(None).map(|text| fold(&text))
}

fn shown(page: &Page, person: &Person, profile: Option<&PhraseList>) -> Option<Shown> {
    let text = page_text(page)?;
    let name = !person.name.is_empty() && text.contains(&fold(&person.name));
    let school = !person.school.is_empty() && text.contains(&fold(&person.school));
    let profile = profile.and_then(|list| {
        list.phrases
            .iter()
            .find(|phrase| text.contains(&fold(phrase)))
            .cloned()
    });
    let (children, missing_children) = person
        .children
        .iter()
        .cloned()
        .partition(|child| text.contains(&fold(child)));
    Some(Shown {
        name,
        school,
        profile,
        children,
        missing_children,
    })
}

/// Whether the account page shows `person` by name and school.
pub(super) fn shows_at_school(page: &Page, person: &Person) -> bool {
    shown(page, person, None).is_some_and(|s| s.name && s.school)
}

/// Whether the account page shows `person` by name.
pub(super) fn lets_in(page: &Page, person: &Person) -> bool {
    shown(page, person, None).is_some_and(|s| s.name)
}

/// Why a check that needs `pupil` logged in cannot judge (`error`: the
/// SSO suite says why the login failed), or `None` when they are.
pub(super) fn not_logged_in(
    expected: &str,
    login: &Result<Page, String>,
    pupil: &Person,
) -> Option<Verdict> {
    match login {
        Err(why) => Some(Verdict::error(
            expected,
            format!("la connexion de l'élève n'a pas pu être jouée : {why}"),
        )),
        // Without a session nothing the candidate does next is about the
        // pupil: it proves nothing either way.
        Ok(account) if !lets_in(account, pupil) => Some(Verdict::error(
            expected,
            format!(
                "{} n'a pas atteint son compte ({}) : voir la suite SSO",
                pupil.name,
                where_it_ended(account)
            ),
        )),
        Ok(_) => None,
    }
}

/// The final URL without its query (which may carry a code or a session
/// id: the evidence keeps it, redacted), and the status.
pub(super) fn where_it_ended(page: &Page) -> String {
    let url = &page.final_url;
    let query = if url.query().is_some() { "?…" } else { "" };
    format!("{}://{}{query} → {}", url.scheme(), short(url), page.status)
}

/// Where the login flow stopped, with what the candidate said there (its
/// alert, if it shows one).
fn landing(trace: &LoginTrace) -> String {
    let page = &trace.landing;
    let said = page
        .document()
        .and_then(|guard| {
            let alert = scraper::Selector::parse("[role=alert], .erreur, .error").ok()?;
            guard.get().ok()?.text(Some(&alert))
        })
        .map(|text| {
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = words.chars().take(200).collect();
            format!(" : « {short} »")
        })
        .unwrap_or_default();
    format!("connexion arrêtée sur {}{said}", where_it_ended(page))
}

/// The path of the login, hop by hop, for messages.
fn path(trace: &LoginTrace) -> String {
    let hops: Vec<String> = trace
        .flow
        .iter()
        .map(|hop| format!("{} {} → {}", hop.method, short(&hop.url), hop.status))
        .collect();
    hops.join(" ; ")
}

fn short(url: &reqwest::Url) -> String {
    format!(
        "{}{}",
        url.host_str()
            .map(|h| format!("{h}:{}", url.port_or_known_default().unwrap_or(0)))
            .unwrap_or_default(),
        url.path()
    )
}

fn idp_story(trace: &LoginTrace) -> String {
    if trace.idp.events.is_empty() {
        "le fournisseur d'identité de test n'a reçu aucune demande".to_owned()
    } else {
        trace.idp.events.join(" ; ")
    }
}

/// `signed_in`: name, school, profile and children on the account page.
pub(crate) fn signed_in(observations: &Observations, step: &str, profile: &PhraseList) -> Verdict {
    let login = match observations.login(step) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let person = &login.expected;
    let mut expected = format!(
        "après connexion par {}, la page de compte montre {} ({}) à {} avec un profil « {} »",
        login.service,
        person.name,
        profile.name,
        person.school,
        profile.phrases.join(" / ")
    );
    if !person.children.is_empty() {
        expected.push_str(&format!(", et l'enfant {}", person.children.join(", ")));
    }
    let trace = &login.trace;
    let Some(seen) = shown(&trace.account, person, Some(profile)) else {
        return Verdict::fail(
            expected,
            format!(
                "la page de compte n'est pas accessible ({}) ; {} ; parcours : {} ; IdP : {}",
                where_it_ended(&trace.account),
                landing(trace),
                path(trace),
                idp_story(trace)
            ),
        );
    };
    let mut missing = Vec::new();
    if !seen.name {
        missing.push(format!("le nom {}", person.name));
    }
    if !seen.school {
        missing.push(format!("l'école {}", person.school));
    }
    if seen.profile.is_none() {
        missing.push(format!("le profil ({})", profile.phrases.join(" / ")));
    }
    for child in &seen.missing_children {
        missing.push(format!("l'enfant {child}"));
    }
    if missing.is_empty() {
        let mut actual = format!(
            "compte de {} ({}), profil « {} »",
            person.name,
            person.school,
            seen.profile.unwrap_or_default()
        );
        if !seen.children.is_empty() {
            actual.push_str(&format!(", enfant {}", seen.children.join(", ")));
        }
        Verdict::pass(expected, actual)
    } else {
        Verdict::fail(
            expected,
            format!(
                "la page de compte ({}) ne montre pas {} ; {} ; IdP : {}",
                where_it_ended(&trace.account),
                missing.join(", "),
                landing(trace),
                idp_story(trace)
            ),
        )
    }
}

/// Why a refusal proves nothing, if it does not.
fn inconclusive(login: &LoginObservation) -> Option<String> {
    if let Some(control) = &login.control
        && !lets_in(&control.account, &login.expected)
    {
        return Some(format!(
            "la connexion de contrôle de {} sans attaque échoue aussi ({}) : le refus ne prouve rien ; \
             corriger d'abord la connexion normale",
            login.expected.name,
            landing(control)
        ));
    }
    let trace = &login.trace;
    if trace.idp.authn_requests == 0 {
        return Some(format!(
            "le parcours n'a jamais atteint le fournisseur d'identité de test : {}",
            path(trace)
        ));
    }
    if let Some(event) = trace
        .idp
        .events
        .iter()
        .find(|event| event.contains("refusé") && event.contains("par l'IdP"))
    {
        return Some(format!(
            "le fournisseur d'identité de test a rejeté la demande du candidat avant l'attaque : {event}"
        ));
    }
    None
}

/// `refused`: the bad answer opened no session for the person it names.
pub(crate) fn refused(observations: &Observations, step: &str) -> Verdict {
    let login = match observations.login(step) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let attack = login
        .attack
        .clone()
        .unwrap_or_else(|| "identité inconnue de l'annuaire".to_owned());
    let expected = format!(
        "le candidat refuse la connexion ({attack}) : la page de compte reste fermée à {}",
        login.intruder.name
    );
    if let Some(why) = inconclusive(login) {
        return Verdict::error(expected, why);
    }
    let trace = &login.trace;
    if lets_in(&trace.account, &login.intruder) {
        Verdict::fail(
            expected,
            format!(
                "session ouverte pour {} malgré : {attack} ; page de compte {} ; IdP : {}",
                login.intruder.name,
                where_it_ended(&trace.account),
                idp_story(trace)
            ),
        )
    } else {
        Verdict::pass(
            expected,
            format!(
                "connexion refusée ({}) ; page de compte {}",
                landing(trace),
                where_it_ended(&trace.account)
            ),
        )
    }
}

/// `replay_refused`: the IdP's answer replayed elsewhere opened nothing.
pub(crate) fn replay_refused(observations: &Observations, step: &str) -> Verdict {
    let login = match observations.login(step) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let expected = format!(
        "la réponse de l'IdP déjà utilisée, rejouée depuis un autre navigateur, n'ouvre aucune session pour {}",
        login.expected.name
    );
    let trace = &login.trace;
    if !lets_in(&trace.account, &login.expected) {
        return Verdict::error(
            expected,
            format!(
                "la première connexion, normale, n'a pas abouti ({}) : rien à rejouer ; IdP : {}",
                where_it_ended(&trace.account),
                idp_story(trace)
            ),
        );
    }
    let Some((hops, account)) = &trace.replay else {
        return Verdict::error(expected, "le rejeu n'a pas été joué");
    };
    let replayed = hops
        .first()
        .map(|hop| format!("{} {}", hop.method, short(&hop.url)))
        .unwrap_or_default();
    if lets_in(account, &login.expected) {
        Verdict::fail(
            expected,
            format!(
                "le rejeu ({replayed}) a ouvert une seconde session pour {} : page de compte {}",
                login.expected.name,
                where_it_ended(account)
            ),
        )
    } else {
        Verdict::pass(
            expected,
            format!(
                "rejeu ({replayed}) refusé : page de compte {}",
                where_it_ended(account)
            ),
        )
    }
}

/// Requires the login to have worked, for the session checks.
fn logged_in<'a>(
    observations: &'a Observations,
    step: &str,
    expected: &str,
) -> Result<&'a LoginObservation, Verdict> {
    let login = observations.login(step)?;
    if lets_in(&login.trace.account, &login.expected) {
        Ok(login)
    } else {
        Err(Verdict::error(
            expected,
            format!(
                "la connexion de {} n'a pas abouti ({}) : la session ne peut pas être examinée",
                login.expected.name,
                where_it_ended(&login.trace.account)
            ),
        ))
    }
}

/// The session cookies: the candidate's cookies whose absence closes the
/// account page. With their last `Set-Cookie`.
fn session_cookies(login: &LoginObservation) -> Vec<(&str, Option<&SetCookie>)> {
    let trace = &login.trace;
    trace
        .without_cookie
        .iter()
        .filter(|(_, page)| !lets_in(page, &login.expected))
        .map(|(name, _)| {
            let set = trace
                .cookies
                .iter()
                .rev()
                .find(|c| c.host == trace.candidate_host && &c.name == name);
            (name.as_str(), set)
        })
        .collect()
}

fn no_session_cookie(login: &LoginObservation) -> String {
    let names: Vec<&str> = login.trace.held.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "aucun cookie n'est nécessaire à la session : sans chacun des cookies du candidat ({}), \
         la page de compte reste ouverte ; la session ne repose pas sur un cookie identifiable",
        if names.is_empty() {
            "aucun".to_owned()
        } else {
            names.join(", ")
        }
    )
}

/// `session_cookie`: every session cookie carries the attribute.
pub(crate) fn session_cookie(
    observations: &Observations,
    step: &str,
    attribute: CookieAttribute,
) -> Verdict {
    let expected = format!(
        "chaque cookie de session (ceux sans lesquels le compte se ferme) porte l'attribut {}",
        attribute.as_str()
    );
    let login = match logged_in(observations, step, &expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let cookies = session_cookies(login);
    if cookies.is_empty() {
        return Verdict::error(expected, no_session_cookie(login));
    }
    let has = |cookie: &SetCookie| {
        cookie.attributes.iter().any(|a| {
            let (name, value) = a.split_once('=').unwrap_or((a, ""));
            match attribute {
                CookieAttribute::HttpOnly => name.trim().eq_ignore_ascii_case("httponly"),
                CookieAttribute::Secure => name.trim().eq_ignore_ascii_case("secure"),
                CookieAttribute::SameSite => {
                    name.trim().eq_ignore_ascii_case("samesite")
                        && matches!(value.trim().to_ascii_lowercase().as_str(), "lax" | "strict")
                }
            }
        })
    };
    let lacking: Vec<String> = cookies
        .iter()
        .filter(|(_, set)| !set.is_some_and(has))
        .map(|(name, set)| match set {
            Some(set) => format!("{name} ({})", set.attributes.join("; ")),
            None => format!("{name} (Set-Cookie non observé)"),
        })
        .collect();
    let names: Vec<&str> = cookies.iter().map(|(name, _)| *name).collect();
    if lacking.is_empty() {
        Verdict::pass(
            expected,
            format!(
                "cookie(s) de session {} : attribut présent",
                names.join(", ")
            ),
        )
    } else {
        Verdict::fail(
            expected,
            format!("sans {} : {}", attribute.as_str(), lacking.join(", ")),
        )
    }
}

/// `session_renewed`: no session cookie keeps a value it had before the IdP
/// round trip.
pub(crate) fn session_renewed(observations: &Observations, step: &str) -> Verdict {
    let expected = "l'identifiant de session change à la connexion (pas de fixation de session)";
    let login = match logged_in(observations, step, expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let trace = &login.trace;
    let Some(idp_hop) = trace
        .flow
        .iter()
        .position(|hop| hop.url.origin().ascii_serialization() == trace.idp_origin)
    else {
        return Verdict::error(
            expected,
            "le parcours ne passe pas par le fournisseur d'identité",
        );
    };
    let cookies = session_cookies(login);
    if cookies.is_empty() {
        return Verdict::error(expected, no_session_cookie(login));
    }
    let index_of = |exchange: &str| trace.flow.iter().position(|hop| hop.exchange == exchange);
    let kept: Vec<&str> = cookies
        .iter()
        .filter(|(name, _)| {
            let last = trace.held.iter().find(|(n, _)| n == name).map(|(_, f)| f);
            trace.cookies.iter().any(|early| {
                early.host == trace.candidate_host
                    && early.name == *name
                    && Some(&early.fingerprint) == last
                    && index_of(&early.exchange).is_some_and(|i| i < idp_hop)
            })
        })
        .map(|(name, _)| *name)
        .collect();
    if kept.is_empty() {
        Verdict::pass(
            expected,
            "le cookie de session d'après la connexion n'a pas la valeur reçue avant",
        )
    } else {
        Verdict::fail(
            expected,
            format!(
                "le cookie de session {} garde la valeur reçue avant la connexion (empreinte identique)",
                kept.join(", ")
            ),
        )
    }
}

/// `no_secret_in_urls`: no session id or access token in the candidate's URLs.
pub(crate) fn no_secret_in_urls(observations: &Observations, step: &str) -> Verdict {
    let expected =
        "aucune URL du candidat ne contient l'identifiant de session ni un jeton d'accès";
    let login = match logged_in(observations, step, expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let trace = &login.trace;
    let mut urls: Vec<&reqwest::Url> = trace.flow.iter().map(|h| &h.url).collect();
    urls.push(&trace.account.final_url);
    if let Some(logout) = &trace.logout {
        urls.extend(logout.flow.iter().map(|h| &h.url));
    }
    let leaking: Vec<String> = urls
        .into_iter()
        .filter(|url| url.host_str() == Some(trace.candidate_host.as_str()))
        .filter(|url| url.origin().ascii_serialization() != trace.idp_origin)
        .filter(|url| {
            trace
                .secrets
                .iter()
                .filter(|secret| secret.len() >= 8)
                .any(|secret| url.as_str().contains(secret.as_str()))
        })
        .map(|url| {
            format!(
                "{}{}",
                short(url),
                if url.query().is_some() { "?…" } else { "" }
            )
        })
        .collect();
    if leaking.is_empty() {
        Verdict::pass(expected, format!("{} URL examinées", trace.flow.len() + 1))
    } else {
        Verdict::fail(
            expected,
            format!(
                "identifiant de session ou jeton dans l'URL : {} (valeur masquée dans les preuves)",
                leaking.join(", ")
            ),
        )
    }
}

/// `idp_logout`: logging out at the candidate sent the browser to the IdP.
pub(crate) fn idp_logout(observations: &Observations, step: &str) -> Verdict {
    let expected = "la déconnexion de l'ENT envoie le navigateur au point de déconnexion du fournisseur d'identité";
    let login = match logged_in(observations, step, expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let Some(logout) = &login.trace.logout else {
        return Verdict::error(expected, "la déconnexion n'a pas été jouée");
    };
    let hops: Vec<String> = logout
        .flow
        .iter()
        .map(|hop| format!("{} {} → {}", hop.method, short(&hop.url), hop.status))
        .collect();
    if logout.idp_logouts > 0 {
        Verdict::pass(
            expected,
            format!(
                "déconnexion reçue par l'IdP ; parcours : {}",
                hops.join(" ; ")
            ),
        )
    } else {
        Verdict::fail(
            expected,
            format!(
                "le fournisseur d'identité n'a reçu aucune demande de déconnexion ; parcours : {}",
                hops.join(" ; ")
            ),
        )
    }
}

/// `logout_ends_session`: the cookies held before logout open nothing after.
pub(crate) fn logout_ends_session(observations: &Observations, step: &str) -> Verdict {
    let expected = "après la déconnexion, les cookies de la session close n'ouvrent plus le compte (session détruite côté serveur)";
    let login = match logged_in(observations, step, expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let Some(logout) = &login.trace.logout else {
        return Verdict::error(expected, "la déconnexion n'a pas été jouée");
    };
    let page = &logout.account_with_old_cookies;
    if lets_in(page, &login.expected) {
        Verdict::fail(
            expected,
            format!(
                "l'ancien identifiant de session ouvre encore le compte de {} ({})",
                login.expected.name,
                where_it_ended(page)
            ),
        )
    } else {
        Verdict::pass(
            expected,
            format!("ancienne session refusée ({})", where_it_ended(page)),
        )
    }
}
