//! Judging a login: did the person land on their own account, did the bad
//! answer of the IdP open nothing, is the session handled as a session
//! should be (cookie attributes, renewal, logout, no id in URLs).
//!
//! "Signed in" is read on the account page the way a person would check it:
//! their name, their school and their profile are on it. A refusal is proved
//! by asking for that page afterwards, never by a status code alone, and
//! only after a control login of the same person succeeded — otherwise a
//! candidate whose login is simply broken would pass every attack.

use crate::probe::{IdpLogoutTrace, LoginTrace, Page, SetCookie};
use crate::suite::{CookieAttribute, PhraseList, Severity};
use crate::text::fold;

use super::observation::{LoginObservation, Observations, Person};
use super::outcome::{AssertionStatus, Verdict};

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
pub(crate) fn shows_at_school(page: &Page, person: &Person) -> bool {
    shown(page, person, None).is_some_and(|s| s.name && s.school)
}

/// Whether the account page shows `person` by name.
pub(crate) fn lets_in(page: &Page, person: &Person) -> bool {
    shown(page, person, None).is_some_and(|s| s.name)
}

/// Why a check that needs `pupil` logged in cannot judge (`error`: the
/// SSO suite says why the login failed), or `None` when they are.
pub(crate) fn not_logged_in(
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
pub(crate) fn where_it_ended(page: &Page) -> String {
    format!("{} → {}", masked(&page.final_url), page.status)
}

/// The URL as messages show it: its query (which may carry a code or a
/// session id) replaced by `?…`; the evidence keeps it, redacted.
pub(crate) fn masked(url: &reqwest::Url) -> String {
    let query = if url.query().is_some() { "?…" } else { "" };
    format!("{}://{}{query}", url.scheme(), short(url))
}

/// Where the login flow stopped, with what the candidate said there (its
/// alert, if it shows one).
fn landing(trace: &LoginTrace) -> String {
    let page = &trace.landing;
    let said = page
        .document()
        .and_then(|guard| {
            let alert = scraper::Selector::parse("[role=alert], .erreur, .error").ok()?;
            guard
                .get()
                .ok()?
                .text(Some(&crate::probe::Scope::Css(alert)))
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

/// Why a refusal proves nothing, if it does not: the control login
/// failed, or `trace` never reached the IdP or the IdP refused it first.
fn inconclusive(login: &LoginObservation, trace: &LoginTrace) -> Option<String> {
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

/// `refused`: the bad answer opened no session for the person it names;
/// for a family, no variant did (the first that got in is named).
pub(crate) fn refused(observations: &Observations, step: &str) -> Verdict {
    let login = match observations.login(step) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let unknown = || "identité inconnue de l'annuaire".to_owned();
    let first = (login.attack.clone(), &login.trace, &login.intruder);
    let attempts: Vec<(String, &LoginTrace, &Person)> = std::iter::once(first)
        .chain(
            login
                .variants
                .iter()
                .map(|a| (a.attack.clone(), &a.trace, &a.intruder)),
        )
        .map(|(attack, trace, intruder)| (attack.unwrap_or_else(unknown), trace, intruder))
        .collect();
    let expected = match attempts.as_slice() {
        [(attack, _, intruder)] => format!(
            "le candidat refuse la connexion ({attack}) : la page de compte reste fermée à {}",
            intruder.name
        ),
        _ => format!(
            "le candidat refuse chacune des {} variantes de l'attaque : aucune n'ouvre de session pour la personne qu'elle nomme",
            attempts.len()
        ),
    };
    // The first variant that got in is told in full; the others that got
    // in too are named, since each is a hole of its own. An inconclusive
    // one (the IdP never reached) leaves the whole family unproved.
    let name = |attack: &str| attack.split(" : ").next().unwrap_or(attack).to_owned();
    let mut got_in = attempts
        .iter()
        .filter(|(_, trace, intruder)| lets_in(&trace.account, intruder));
    if let Some((attack, trace, intruder)) = got_in.next() {
        let rest: Vec<_> = got_in.collect();
        let others: Vec<String> = rest.iter().map(|(attack, _, _)| name(attack)).collect();
        let others = if others.is_empty() {
            String::new()
        } else {
            format!(" ; autres variantes acceptées : {}", others.join(", "))
        };
        // OIDC Core §3.1.3.7 (6): a code-flow client that received the ID
        // token straight from the token endpoint over TLS may rely on TLS
        // server validation instead of the signature. Every variant that
        // got in must be of that case for the failure to be tolerated.
        let over_tls = trace.idp.forged_token_over_tls
            && rest
                .iter()
                .all(|(_, trace, _)| trace.idp.forged_token_over_tls);
        let actual = format!(
            "session ouverte pour {} malgré : {attack} ; page de compte {} ; IdP : {}",
            intruder.name,
            where_it_ended(&trace.account),
            idp_story(trace)
        );
        if over_tls {
            return Verdict::fail(
                expected,
                format!(
                    "{actual} ; toléré (avertissement) : le jeton venait directement du point de \
                     jeton en TLS et OIDC Core § 3.1.3.7 (6) permet alors de s'appuyer sur la \
                     validation du certificat TLS au lieu de la signature ; la signature reste \
                     la seule garantie si le jeton passe par un autre canal et sans TLS ce \
                     serait un échec{others}"
                ),
            )
            .tolerated_as(Severity::Should);
        }
        return Verdict::fail(expected, format!("{actual}{others}"));
    }
    for (attack, trace, _) in &attempts {
        if let Some(why) = inconclusive(login, trace) {
            let why = if attempts.len() > 1 {
                format!("variante « {attack} » : {why}")
            } else {
                why
            };
            return Verdict::error(expected, why);
        }
    }
    let actual = match attempts.as_slice() {
        [(_, trace, _)] => format!(
            "connexion refusée ({}) ; page de compte {}",
            landing(trace),
            where_it_ended(&trace.account)
        ),
        _ => attempts
            .iter()
            .map(|(attack, trace, _)| format!("{} sans effet ({})", name(attack), landing(trace)))
            .collect::<Vec<_>>()
            .join(" ; "),
    };
    Verdict::pass(expected, actual)
}

/// `unsolicited_as_declared`: a response the candidate never asked for
/// (the step plays `saml-unsolicited`) logged the person in where the
/// target declares `unsolicited_sso`, and opened nothing otherwise: taken
/// undeclared, it lets anyone log a victim's browser into an account of
/// their choosing (login CSRF).
pub(crate) fn unsolicited_as_declared(observations: &Observations, step: &str) -> Verdict {
    if !observations.target.unsolicited_sso {
        let mut verdict = refused(observations, step);
        if verdict.status == AssertionStatus::Failed {
            verdict.actual.push_str(
                " ; accepter une réponse non sollicitée permet à quiconque de connecter le \
                 navigateur d'une victime au compte de son choix (CSRF de connexion) ; si le \
                 candidat l'accepte à dessein, comme certains ENT avec ÉduConnect, il le \
                 déclare ([sso] unsolicited_sso = true)",
            );
        }
        return verdict;
    }
    let login = match observations.login(step) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let expected = format!(
        "le candidat déclare accepter les réponses non sollicitées ([sso] unsolicited_sso) : \
         la connexion qu'ÉduConnect démarre de lui-même ouvre le compte de {}",
        login.expected.name
    );
    let trace = &login.trace;
    if lets_in(&trace.account, &login.expected) {
        return Verdict::pass(
            expected,
            format!(
                "compte de {} ouvert sans demande préalable ; parcours : {}",
                login.expected.name,
                path(trace)
            ),
        );
    }
    if let Some(why) = inconclusive(login, trace) {
        return Verdict::error(expected, why);
    }
    Verdict::fail(
        expected,
        format!(
            "la réponse non sollicitée n'a ouvert aucune session ({}) ; page de compte {} ; \
             IdP : {} ; si le candidat ne les accepte pas, retirer unsolicited_sso de la cible",
            landing(trace),
            where_it_ended(&trace.account),
            idp_story(trace)
        ),
    )
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
pub(crate) fn logged_in<'a>(
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
            // The secret may sit in the path (`;jsessionid=…`), which the
            // message shows: masked there as the query is. Longest first,
            // so that a secret containing another is masked whole.
            let mut secrets: Vec<&String> = trace
                .secrets
                .iter()
                .filter(|secret| secret.len() >= 8)
                .collect();
            secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
            let shown = secrets.into_iter().fold(short(url), |shown, secret| {
                shown.replace(secret.as_str(), "…")
            });
            format!("{shown}{}", if url.query().is_some() { "?…" } else { "" })
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

/// `logout_from_idp_ends_session`: after the IdP's `LogoutRequest` reached
/// the candidate's logout service, the account page is closed to the same
/// browser.
pub(crate) fn logout_from_idp_ends_session(observations: &Observations, step: &str) -> Verdict {
    let expected = "après la déconnexion demandée par le fournisseur d'identité (LogoutRequest \
                    signée vers le SingleLogoutService du candidat), le compte est fermé";
    let login = match logged_in(observations, step, expected) {
        Ok(login) => login,
        Err(verdict) => return verdict,
    };
    let Some(logout) = &login.trace.idp_logout else {
        return Verdict::error(expected, "la déconnexion par l'IdP n'a pas été jouée");
    };
    let answered = match &login.trace.idp.logout_response {
        Some(status) => {
            format!("réponse de déconnexion (LogoutResponse) reçue par l'IdP : {status}")
        }
        None => "aucune réponse de déconnexion (LogoutResponse) reçue par l'IdP".to_owned(),
    };
    match logout {
        IdpLogoutTrace::NotSent(why) => Verdict::fail(expected, why.clone()),
        IdpLogoutTrace::Sent { account_after, .. } if lets_in(account_after, &login.expected) => {
            Verdict::fail(
                expected,
                format!(
                    "le compte de {} reste ouvert après la déconnexion demandée par l'IdP ({}) ; {answered}",
                    login.expected.name,
                    where_it_ended(account_after)
                ),
            )
        }
        IdpLogoutTrace::Sent { account_after, .. } => Verdict::pass(
            expected,
            format!(
                "compte fermé ({}) ; {answered}",
                where_it_ended(account_after)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use reqwest::Url;

    use super::*;
    use crate::check::observation::{Attempt, Documents, TargetFacts};
    use crate::check::outcome::assert_says;
    use crate::idp::ScenarioLog;
    use crate::probe::{Hop, LogoutTrace, PageBody};

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    fn hop(method: &str, at: &str, status: u16, exchange: &str) -> Hop {
        Hop {
            url: url(at),
            method: method.to_owned(),
            status,
            exchange: exchange.to_owned(),
        }
    }

    fn page_at(at: &str, status: u16, body: &str) -> Page {
        let at = url(at);
        Page {
            requested: at.clone(),
            final_url: at,
            status,
            hops: Vec::new(),
            media_type: Some("text/html".to_owned()),
            body: PageBody::Text(body.into()),
            set_cookies: Vec::new(),
            parsed: Default::default(),
            retry_after: None,
            headers: Vec::new(),
            rendering: None,
        }
    }

    /// Camille Martin's account page, as a parent of Léa.
    const CAMILLE: &str = "<html><body><h1>CAMILLE MARTIN</h1><p>Ecole Jules-Ferry</p>\
        <p>Profil : Responsable légal</p><ul><li>Léa Martin</li></ul></body></html>";

    fn account(body: &str) -> Page {
        page_at("https://ent.test/compte", 200, body)
    }

    /// The account page a browser without session gets: the login form.
    fn closed() -> Page {
        page_at(
            "https://ent.test/connexion",
            200,
            "<html><body><p>Identifiez-vous</p></body></html>",
        )
    }

    fn camille() -> Person {
        Person {
            name: "Camille Martin".to_owned(),
            school: "École Jules-Ferry".to_owned(),
            children: vec!["Léa Martin".to_owned()],
        }
    }

    /// A login through the IdP (second hop) that ended on `account`.
    fn trace(account: Page) -> LoginTrace {
        LoginTrace {
            flow: vec![
                hop("GET", "https://ent.test/login", 302, "e1"),
                hop("GET", "http://idp.test:8080/authorize", 302, "e2"),
                hop("GET", "https://ent.test/callback?code=c0de", 302, "e3"),
                hop("GET", "https://ent.test/compte", 200, "e4"),
            ],
            landing: account.clone(),
            account,
            idp: ScenarioLog {
                events: vec!["demande d'autorisation reçue".to_owned()],
                authn_requests: 1,
                ..Default::default()
            },
            ..LoginTrace::showing("")
        }
    }

    fn observation(trace: LoginTrace) -> LoginObservation {
        LoginObservation {
            trace,
            control: None,
            expected: camille(),
            asserted: crate::idp::Identity::Agent {
                uid: "a1".to_owned(),
                email: "camille.martin@ac-test.fr".to_owned(),
                given_name: "Camille".to_owned(),
                family_name: "Martin".to_owned(),
                rne: Vec::new(),
            },
            intruder: Person {
                name: "Paul Intrus".to_owned(),
                school: "École Jules-Ferry".to_owned(),
                children: Vec::new(),
            },
            attack: Some("signature invalide".to_owned()),
            variants: Vec::new(),
            service: "ÉduConnect".to_owned(),
        }
    }

    /// `judge` run on observations holding `login` as the step `connexion`.
    fn judged(login: LoginObservation, judge: impl FnOnce(&Observations) -> Verdict) -> Verdict {
        let documents = Documents::none();
        let observations = Observations::new(&BTreeMap::new(), &documents, TargetFacts::default())
            .with_logins(BTreeMap::from([("connexion".to_owned(), Arc::new(login))]));
        judge(&observations)
    }

    fn parent() -> PhraseList {
        PhraseList {
            name: "parent".to_owned(),
            phrases: ["parent d'élève", "responsable légal"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }

    #[test]
    fn signed_in_passes_when_the_account_shows_everything() {
        let login = observation(trace(account(CAMILLE)));
        let verdict = judged(login, |o| signed_in(o, "connexion", &parent()));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "après connexion par ÉduConnect, la page de compte montre Camille Martin (parent) à \
             École Jules-Ferry avec un profil « parent d'élève / responsable légal », et l'enfant Léa Martin"
        );
        assert_eq!(
            verdict.actual,
            "compte de Camille Martin (École Jules-Ferry), profil « responsable légal », enfant Léa Martin"
        );
    }

    #[test]
    fn signed_in_fails_on_what_the_account_does_not_show() {
        let body = "<html><body><h1>Camille Martin</h1><p>Collège Voltaire</p></body></html>";
        let login = observation(trace(account(body)));
        let verdict = judged(login, |o| signed_in(o, "connexion", &parent()));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "la page de compte (https://ent.test:443/compte → 200) ne montre pas l'école \
                 École Jules-Ferry, le profil (parent d'élève / responsable légal), l'enfant Léa Martin ;"
            ),
            "{verdict:?}"
        );
        assert!(!verdict.actual.contains("le nom"), "{verdict:?}");
        assert!(
            verdict
                .actual
                .ends_with("IdP : demande d'autorisation reçue"),
            "{verdict:?}"
        );
    }

    #[test]
    fn signed_in_fails_when_the_account_is_not_reached() {
        // The login stopped on an error page: its alert is quoted, the path
        // and what the IdP saw are told, the code in the URL is not.
        let mut trace = trace(page_at(
            "https://ent.test/compte?ticket=t1",
            302,
            "<html></html>",
        ));
        trace.landing = page_at(
            "https://ent.test/callback?code=c0de",
            400,
            "<html><body><div role=\"alert\">  Identifiant   inconnu </div></body></html>",
        );
        trace.idp.events.clear();
        let verdict = judged(observation(trace), |o| signed_in(o, "connexion", &parent()));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "la page de compte n'est pas accessible (https://ent.test:443/compte?… → 302) ; \
                 connexion arrêtée sur https://ent.test:443/callback?… → 400 : « Identifiant inconnu » ; \
                 parcours : GET ent.test:443/login → 302 ; GET idp.test:8080/authorize → 302"
            ),
            "{verdict:?}"
        );
        assert!(
            verdict
                .actual
                .ends_with("IdP : le fournisseur d'identité de test n'a reçu aucune demande"),
            "{verdict:?}"
        );
        assert!(
            !verdict.actual.contains("c0de") && !verdict.actual.contains("t1"),
            "{verdict:?}"
        );
    }

    #[test]
    fn login_judges_of_unknown_step_are_errors() {
        let login = observation(trace(account(CAMILLE)));
        let verdict = judged(login, |o| signed_in(o, "autre", &parent()));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("l'étape « autre » n'a rien observé"),
            "{verdict:?}"
        );
        for judge in [refused, replay_refused, session_renewed, idp_logout] {
            let login = observation(trace(account(CAMILLE)));
            let verdict = judged(login, |o| judge(o, "autre"));
            assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        }
    }

    /// An unsolicited login of Camille herself (no victim: the response
    /// names her), after a control login that let her in.
    fn unsolicited(account_page: Page) -> LoginObservation {
        let mut login = observation(trace(account_page));
        login.intruder = camille();
        login.attack = Some("réponse non sollicitée : sans InResponseTo".to_owned());
        login.control = Some(trace(account(CAMILLE)));
        login
    }

    fn judged_declaring(login: LoginObservation, declared: bool) -> Verdict {
        let documents = Documents::none();
        let facts = TargetFacts {
            unsolicited_sso: declared,
            ..TargetFacts::default()
        };
        let observations = Observations::new(&BTreeMap::new(), &documents, facts)
            .with_logins(BTreeMap::from([("connexion".to_owned(), Arc::new(login))]));
        unsolicited_as_declared(&observations, "connexion")
    }

    #[test]
    fn unsolicited_responses_are_judged_against_the_declaration() {
        // Undeclared: refused passes, accepted is a login CSRF.
        let verdict = judged_declaring(unsolicited(closed()), false);
        assert_says(&verdict, AssertionStatus::Passed, "connexion refusée");
        let verdict = judged_declaring(unsolicited(account(CAMILLE)), false);
        assert_says(&verdict, AssertionStatus::Failed, "CSRF de connexion");
        assert_says(&verdict, AssertionStatus::Failed, "unsolicited_sso = true");
        // Declared: the login must work.
        let verdict = judged_declaring(unsolicited(account(CAMILLE)), true);
        assert_says(&verdict, AssertionStatus::Passed, "sans demande préalable");
        let verdict = judged_declaring(unsolicited(closed()), true);
        assert_says(&verdict, AssertionStatus::Failed, "retirer unsolicited_sso");
        // Declared, but the normal login fails too: nothing is proved.
        let mut login = unsolicited(closed());
        login.control = Some(trace(closed()));
        let verdict = judged_declaring(login, true);
        assert_says(&verdict, AssertionStatus::Error, "connexion de contrôle");
    }

    #[test]
    fn refused_passes_when_the_intruder_gets_nothing() {
        let mut login = observation(trace(closed()));
        login.control = Some(trace(account(CAMILLE)));
        let verdict = judged(login, |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "le candidat refuse la connexion (signature invalide) : la page de compte reste fermée à Paul Intrus"
        );
        assert!(
            verdict.actual.starts_with(
                "connexion refusée (connexion arrêtée sur https://ent.test:443/connexion → 200)"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn refused_fails_when_the_intruder_gets_in() {
        let body = "<html><body><h1>Paul Intrus</h1></body></html>";
        let mut login = observation(trace(account(body)));
        login.attack = None;
        let verdict = judged(login, |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .contains("(identité inconnue de l'annuaire)"),
            "{verdict:?}"
        );
        assert!(
            verdict.actual.starts_with(
                "session ouverte pour Paul Intrus malgré : identité inconnue de l'annuaire ; \
                 page de compte https://ent.test:443/compte → 200"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn refused_names_the_variant_of_a_family_that_got_in() {
        let intruder = "<html><body><h1>Paul Intrus</h1></body></html>";
        let mut login = observation(trace(closed()));
        login.control = Some(trace(account(CAMILLE)));
        login.attack = Some("enveloppement XSW3 : détail".to_owned());
        let variant = |name: &str, page: Page| Attempt {
            attack: Some(format!("enveloppement {name} : détail")),
            trace: trace(page),
            intruder: login.intruder.clone(),
        };
        login.variants = vec![
            variant("XSW4", closed()),
            variant("XSW7", account(intruder)),
            variant("XSW8", account(intruder)),
        ];
        let verdict = judged(login.clone(), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.expected.contains("chacune des 4 variantes"),
            "{verdict:?}"
        );
        assert!(
            verdict
                .actual
                .starts_with("session ouverte pour Paul Intrus malgré : enveloppement XSW7"),
            "{verdict:?}"
        );
        assert!(
            verdict
                .actual
                .ends_with("autres variantes acceptées : enveloppement XSW8"),
            "{verdict:?}"
        );
        // Every variant refused: each is named in what was seen.
        login.variants[1] = variant("XSW7", closed());
        login.variants[2] = variant("XSW8", closed());
        let verdict = judged(login.clone(), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        for name in ["XSW3", "XSW4", "XSW7"] {
            assert!(
                verdict
                    .actual
                    .contains(&format!("enveloppement {name} sans effet")),
                "{verdict:?}"
            );
        }
        // One variant that never reached the IdP leaves the family unproved.
        login.variants[0].trace.idp.authn_requests = 0;
        let verdict = judged(login, |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.starts_with("variante « enveloppement XSW4"),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_forged_token_taken_over_tls_is_tolerated_as_a_warning_only_when_every_entry_was() {
        let intruder = "<html><body><h1>Paul Intrus</h1></body></html>";
        let over_tls = |page: Page| {
            let mut trace = trace(page);
            trace.idp.forged_token_over_tls = true;
            trace
        };
        let mut login = observation(over_tls(account(intruder)));
        login.control = Some(trace(account(CAMILLE)));
        login.variants = vec![Attempt {
            attack: Some("clé inconnue : détail".to_owned()),
            trace: over_tls(account(intruder)),
            intruder: login.intruder.clone(),
        }];
        let verdict = judged(login.clone(), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.tolerated, Some(Severity::Should), "{verdict:?}");
        assert!(
            verdict.actual.contains("OIDC Core § 3.1.3.7 (6)"),
            "{verdict:?}"
        );
        // One entry without TLS: nothing stands in for the signature.
        login.variants[0].trace.idp.forged_token_over_tls = false;
        let verdict = judged(login.clone(), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.tolerated, None, "{verdict:?}");
        assert!(!verdict.actual.contains("toléré"), "{verdict:?}");
        // The tolerance lowers the assertion's severity, not its status.
        let assertion = crate::suite::Assertion {
            label: "refus".to_owned(),
            article: None,
            severity: None,
            kind: crate::suite::AssertionKind::Refused {
                step: "connexion".to_owned(),
            },
        };
        login.variants[0].trace.idp.forged_token_over_tls = true;
        let documents = Documents::none();
        let observations = Observations::new(&BTreeMap::new(), &documents, TargetFacts::default())
            .with_logins(BTreeMap::from([("connexion".to_owned(), Arc::new(login))]));
        let result = crate::check::evaluate(&assertion, Severity::Must, &observations);
        assert_eq!(result.severity, Severity::Should, "{result:?}");
    }

    #[test]
    fn refused_proves_nothing_when_the_control_login_fails() {
        let mut login = observation(trace(closed()));
        login.control = Some(trace(closed()));
        let verdict = judged(login, |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "la connexion de contrôle de Camille Martin sans attaque échoue aussi"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn refused_proves_nothing_when_the_idp_was_not_asked_or_refused() {
        let mut unreached = trace(closed());
        unreached.idp.authn_requests = 0;
        let verdict = judged(observation(unreached), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "le parcours n'a jamais atteint le fournisseur d'identité de test : GET ent.test:443/login → 302"
            ),
            "{verdict:?}"
        );

        let mut rejected = trace(closed());
        rejected
            .idp
            .events
            .push("requête SAML refusée par l'IdP : destination inconnue".to_owned());
        let verdict = judged(observation(rejected), |o| refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.ends_with(
                "avant l'attaque : requête SAML refusée par l'IdP : destination inconnue"
            ),
            "{verdict:?}"
        );
    }

    /// A login of Camille whose IdP answer, replayed, ended on `replayed`.
    fn replayed(replayed: Page) -> LoginObservation {
        let mut trace = trace(account(CAMILLE));
        trace.replay = Some((
            vec![hop("POST", "https://ent.test/acs", 302, "r1")],
            replayed,
        ));
        observation(trace)
    }

    #[test]
    fn replay_refused_passes_when_the_replay_opens_nothing() {
        let verdict = judged(replayed(closed()), |o| replay_refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .ends_with("n'ouvre aucune session pour Camille Martin"),
            "{verdict:?}"
        );
        assert_eq!(
            verdict.actual,
            "rejeu (POST ent.test:443/acs) refusé : page de compte https://ent.test:443/connexion → 200"
        );
    }

    #[test]
    fn replay_refused_fails_when_the_replay_opens_a_session() {
        let verdict = judged(replayed(account(CAMILLE)), |o| {
            replay_refused(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "le rejeu (POST ent.test:443/acs) a ouvert une seconde session pour Camille Martin : \
             page de compte https://ent.test:443/compte → 200"
        );
    }

    #[test]
    fn replay_refused_needs_a_login_and_a_replay() {
        let mut failed = replayed(closed());
        failed.trace.account = closed();
        let verdict = judged(failed, |o| replay_refused(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("la première connexion, normale, n'a pas abouti"),
            "{verdict:?}"
        );

        let verdict = judged(observation(trace(account(CAMILLE))), |o| {
            replay_refused(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert_eq!(verdict.actual, "le rejeu n'a pas été joué");
    }

    fn set_cookie(
        host: &str,
        name: &str,
        fingerprint: &str,
        attributes: &[&str],
        exchange: &str,
    ) -> SetCookie {
        SetCookie {
            host: host.to_owned(),
            name: name.to_owned(),
            fingerprint: fingerprint.to_owned(),
            attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
            exchange: exchange.to_owned(),
        }
    }

    /// Camille logged in, with `cookies` set along the way: `SID` holds the
    /// session (the account closes without it), `langue` does not.
    fn with_session(cookies: Vec<SetCookie>) -> LoginObservation {
        let mut trace = trace(account(CAMILLE));
        trace.cookies = cookies;
        trace.held = vec![
            ("SID".to_owned(), "f-apres".to_owned()),
            ("langue".to_owned(), "f-langue".to_owned()),
        ];
        trace.without_cookie = vec![
            ("SID".to_owned(), closed()),
            ("langue".to_owned(), account(CAMILLE)),
        ];
        observation(trace)
    }

    #[test]
    fn session_cookie_passes_when_the_session_cookie_has_the_attribute() {
        // `langue` lacks every attribute: it is not a session cookie.
        let login = || {
            with_session(vec![
                set_cookie("ent.test", "langue", "f-langue", &["Path=/"], "e3"),
                set_cookie(
                    "ent.test",
                    "SID",
                    "f-apres",
                    &["Path=/", "httponly", "Secure", "SameSite = Strict"],
                    "e3",
                ),
            ])
        };
        for attribute in CookieAttribute::ALL {
            let verdict = judged(login(), |o| session_cookie(o, "connexion", attribute));
            assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
            assert!(
                verdict
                    .expected
                    .ends_with(&format!("porte l'attribut {}", attribute.as_str())),
                "{verdict:?}"
            );
            assert_eq!(
                verdict.actual,
                "cookie(s) de session SID : attribut présent"
            );
        }
    }

    #[test]
    fn session_cookie_fails_on_the_last_set_cookie_lacking_it() {
        // The last Set-Cookie of the candidate's host is the one kept: the
        // IdP's cookie of the same name and an earlier, better one do not
        // count.
        let login = with_session(vec![
            set_cookie(
                "ent.test",
                "SID",
                "f-avant",
                &["HttpOnly", "SameSite=Lax"],
                "e1",
            ),
            set_cookie(
                "ent.test",
                "SID",
                "f-apres",
                &["Path=/", "SameSite=None"],
                "e3",
            ),
            set_cookie(
                "idp.test",
                "SID",
                "f-idp",
                &["HttpOnly", "SameSite=Lax"],
                "e2",
            ),
        ]);
        let verdict = judged(login, |o| {
            session_cookie(o, "connexion", CookieAttribute::SameSite)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "sans SameSite : SID (Path=/; SameSite=None)"
        );

        let login = with_session(vec![set_cookie(
            "idp.test",
            "SID",
            "f-idp",
            &["HttpOnly"],
            "e2",
        )]);
        let verdict = judged(login, |o| {
            session_cookie(o, "connexion", CookieAttribute::HttpOnly)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "sans HttpOnly : SID (Set-Cookie non observé)"
        );
    }

    #[test]
    fn session_cookie_needs_a_login_and_a_session_cookie() {
        let mut failed = with_session(Vec::new());
        failed.trace.account = closed();
        let verdict = judged(failed, |o| {
            session_cookie(o, "connexion", CookieAttribute::Secure)
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "la connexion de Camille Martin n'a pas abouti (https://ent.test:443/connexion → 200)"
            ),
            "{verdict:?}"
        );

        // Without any one cookie the account stays open.
        let mut sessionless = with_session(Vec::new());
        sessionless.trace.without_cookie = vec![
            ("SID".to_owned(), account(CAMILLE)),
            ("langue".to_owned(), account(CAMILLE)),
        ];
        let verdict = judged(sessionless, |o| {
            session_cookie(o, "connexion", CookieAttribute::Secure)
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.starts_with(
                "aucun cookie n'est nécessaire à la session : sans chacun des cookies du candidat (SID, langue)"
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn session_renewed_passes_when_the_value_changed_at_login() {
        let login = with_session(vec![
            set_cookie("ent.test", "SID", "f-avant", &[], "e1"),
            set_cookie("ent.test", "SID", "f-apres", &[], "e3"),
        ]);
        let verdict = judged(login, |o| session_renewed(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict.expected.contains("pas de fixation de session"),
            "{verdict:?}"
        );
    }

    #[test]
    fn session_renewed_fails_on_a_value_set_before_the_idp() {
        // The value held after login is the one set before the IdP's hop.
        let login = with_session(vec![set_cookie("ent.test", "SID", "f-apres", &[], "e1")]);
        let verdict = judged(login, |o| session_renewed(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "le cookie de session SID garde la valeur reçue avant la connexion (empreinte identique)"
        );
    }

    #[test]
    fn session_renewed_errors_without_idp_hop_or_session_cookie() {
        let mut direct = with_session(Vec::new());
        direct
            .trace
            .flow
            .retain(|hop| hop.url.host_str() != Some("idp.test"));
        let verdict = judged(direct, |o| session_renewed(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "le parcours ne passe pas par le fournisseur d'identité"
        );

        let verdict = judged(observation(trace(account(CAMILLE))), |o| {
            session_renewed(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.contains("(aucun)"),
            "no cookie held: {verdict:?}"
        );
    }

    const SECRET: &str = "0123456789abcdef";

    /// Camille logged in with `SECRET` as session id, and the short code
    /// `c0de` among the secrets.
    fn with_secrets() -> LoginObservation {
        let mut trace = trace(account(CAMILLE));
        trace.secrets = vec![SECRET.to_owned(), "c0de".to_owned()];
        observation(trace)
    }

    #[test]
    fn no_secret_in_urls_passes_on_clean_candidate_urls() {
        // The IdP's own URLs and values too short to be ids are not judged.
        let mut login = with_secrets();
        login.trace.flow[1] = hop(
            "GET",
            &format!("http://idp.test:8080/authorize?state={SECRET}"),
            302,
            "e2",
        );
        let verdict = judged(login, |o| no_secret_in_urls(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.actual, "5 URL examinées");
    }

    #[test]
    fn no_secret_in_urls_fails_on_a_session_id_in_a_url() {
        let mut login = with_secrets();
        login.trace.account = page_at(
            &format!("https://ent.test/compte?sid={SECRET}"),
            200,
            CAMILLE,
        );
        let verdict = judged(login, |o| no_secret_in_urls(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "identifiant de session ou jeton dans l'URL : ent.test:443/compte?… (valeur masquée dans les preuves)"
        );
    }

    #[test]
    fn no_secret_in_urls_reads_the_logout_too() {
        let mut login = with_secrets();
        login.trace.logout = Some(LogoutTrace {
            flow: vec![hop(
                "GET",
                &format!("https://ent.test/deconnexion?jeton={SECRET}"),
                302,
                "l1",
            )],
            idp_logouts: 1,
            account_with_old_cookies: closed(),
        });
        let verdict = judged(login, |o| no_secret_in_urls(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("ent.test:443/deconnexion?…"),
            "{verdict:?}"
        );
        assert!(!verdict.actual.contains(SECRET), "{verdict:?}");
    }

    #[test]
    fn no_secret_in_urls_does_not_repeat_a_secret_of_the_path() {
        // `;jsessionid=…` puts the session id in the path, which messages
        // show: the report must not carry what it reports.
        let mut login = with_secrets();
        login.trace.account = page_at(
            &format!("https://ent.test/compte;jsessionid={SECRET}"),
            200,
            CAMILLE,
        );
        let verdict = judged(login, |o| no_secret_in_urls(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("ent.test:443/compte;jsessionid=…"),
            "{verdict:?}"
        );
        assert!(!verdict.actual.contains(SECRET), "{verdict:?}");
    }

    /// Camille logged in, then out through `hops`, the IdP receiving
    /// `idp_logouts` logout requests; her old cookies then opened `after`.
    #[test]
    fn a_logout_from_the_idp_must_close_the_account() {
        let sent = |after: Page, responses: u32| {
            let mut trace = trace(account(CAMILLE));
            trace.idp.logout_response = (responses > 0).then(|| "statut Success".to_owned());
            trace.idp_logout = Some(IdpLogoutTrace::Sent {
                flow: Vec::new(),
                account_after: Box::new(after),
            });
            observation(trace)
        };
        let verdict = judged(sent(closed(), 1), |o| {
            logout_from_idp_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(verdict.actual.contains("statut Success"), "{verdict:?}");
        let verdict = judged(sent(account(CAMILLE), 1), |o| {
            logout_from_idp_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("le compte de Camille Martin reste ouvert"),
            "{verdict:?}"
        );
        // Closed without answering the IdP: the account decides; the
        // missing answer is said.
        let verdict = judged(sent(closed(), 0), |o| {
            logout_from_idp_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict.actual.contains("aucune réponse de déconnexion"),
            "{verdict:?}"
        );
        // No logout service in the metadata: the logout cannot reach the ENT.
        let mut trace = trace(account(CAMILLE));
        trace.idp_logout = Some(IdpLogoutTrace::NotSent(
            "aucun SingleLogoutService".to_owned(),
        ));
        let verdict = judged(observation(trace), |o| {
            logout_from_idp_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.actual, "aucun SingleLogoutService");
        // A login that did not get in proves nothing about the logout.
        let mut failed = sent(closed(), 1);
        failed.trace.account = closed();
        let verdict = judged(failed, |o| logout_from_idp_ends_session(o, "connexion"));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
    }

    fn logged_out(hops: Vec<Hop>, idp_logouts: u32, after: Page) -> LoginObservation {
        let mut trace = trace(account(CAMILLE));
        trace.logout = Some(LogoutTrace {
            flow: hops,
            idp_logouts,
            account_with_old_cookies: after,
        });
        observation(trace)
    }

    #[test]
    fn idp_logout_passes_when_the_idp_was_told() {
        let hops = vec![
            hop("GET", "https://ent.test/deconnexion", 302, "l1"),
            hop("GET", "http://idp.test:8080/logout", 200, "l2"),
        ];
        let verdict = judged(logged_out(hops, 1, closed()), |o| {
            idp_logout(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "déconnexion reçue par l'IdP ; parcours : GET ent.test:443/deconnexion → 302 ; \
             GET idp.test:8080/logout → 200"
        );
    }

    #[test]
    fn idp_logout_fails_when_the_idp_was_not_told() {
        let hops = vec![hop("GET", "https://ent.test/deconnexion", 200, "l1")];
        let verdict = judged(logged_out(hops, 0, closed()), |o| {
            idp_logout(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "le fournisseur d'identité n'a reçu aucune demande de déconnexion ; \
             parcours : GET ent.test:443/deconnexion → 200"
        );
    }

    #[test]
    fn logout_judges_need_a_logout() {
        for judge in [idp_logout, logout_ends_session] {
            let verdict = judged(observation(trace(account(CAMILLE))), |o| {
                judge(o, "connexion")
            });
            assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
            assert_eq!(verdict.actual, "la déconnexion n'a pas été jouée");
        }
    }

    #[test]
    fn logout_ends_session_passes_when_old_cookies_open_nothing() {
        let verdict = judged(logged_out(Vec::new(), 1, closed()), |o| {
            logout_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "ancienne session refusée (https://ent.test:443/connexion → 200)"
        );
    }

    #[test]
    fn logout_ends_session_fails_when_old_cookies_still_open_the_account() {
        let verdict = judged(logged_out(Vec::new(), 1, account(CAMILLE)), |o| {
            logout_ends_session(o, "connexion")
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "l'ancien identifiant de session ouvre encore le compte de Camille Martin \
             (https://ent.test:443/compte → 200)"
        );
    }

    #[test]
    fn not_logged_in_says_why_a_pupil_check_cannot_judge() {
        let pupil = Person {
            name: "Lucas Roux".to_owned(),
            ..Person::default()
        };
        let verdict = not_logged_in("x", &Err("IdP injoignable".to_owned()), &pupil)
            .expect("no login: error");
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "la connexion de l'élève n'a pas pu être jouée : IdP injoignable"
        );
        let verdict = not_logged_in("x", &Ok(closed()), &pupil).expect("not in: error");
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("Lucas Roux n'a pas atteint son compte"),
            "{verdict:?}"
        );
        let home = account("<html><body><p>Bonjour Lucas Roux</p></body></html>");
        assert!(not_logged_in("x", &Ok(home), &pupil).is_none());
    }
}
