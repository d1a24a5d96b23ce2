//! A person logging into the candidate through one of the harness's IdPs,
//! driven as a browser would: each redirect requested and recorded, forms
//! that post themselves (SAML HTTP-POST binding) submitted, the profile
//! chooser answered, then the protected account page opened with the same
//! cookie jar. Optional epilogues: the same authorization response replayed
//! from a fresh browser, and logout followed by a visit with the old cookies.
//!
//! The probe records; whether the candidate let the person in is for the
//! checks to say.

use reqwest::{Method, Url};

use super::document::AutoForm;
use super::error::{FetchError, ProbeError};
use super::http::{HttpProbe, Request};
use super::jar::Jar;
use super::page::{Hop, Page, SetCookie};
use crate::idp::{Idp, LogoutDelivery, SESSION_COOKIE, ScenarioLog};
use crate::text::fold;

/// Forms posted or chooser links followed before the flow is declared stuck.
const MAX_INTERACTIONS: usize = 6;

/// Where to go and what to do.
#[derive(Clone, Debug)]
pub struct LoginPlan {
    /// Public login page visited first (it may set an anonymous session).
    pub login_page: Option<Url>,
    /// The candidate's URL that starts this kind of login.
    pub start: Url,
    /// A page only a logged-in person can see.
    pub account_page: Url,
    /// The candidate's logout URL, to end with a logout.
    pub logout: Option<Url>,
    /// Text of the profile-chooser entry to pick, if one is shown.
    pub choose: Option<String>,
    /// Replay the IdP's answer from a fresh browser afterwards.
    pub replay: bool,
    /// Host of the IdP (where the scenario cookie goes).
    pub idp_host: String,
    /// Origin of the IdP (`http://host:port`), to tell its hops apart.
    pub idp_origin: String,
    /// The scenario's token at the IdP.
    pub token: String,
    /// Pages opened after the account page, before logout (services).
    pub visit: Vec<Url>,
    /// User-Agent of the browser (default: the harness's).
    pub user_agent: Option<String>,
    /// Open the account page without each cookie in turn to find the
    /// session cookie (the SSO checks need it, the statistics activity not).
    pub probe_cookies: bool,
    /// A file to download once logged in, after the pages (a person's own
    /// archive): its URL, where to write it, its size limit and overall
    /// deadline.
    pub download: Option<(Url, std::path::PathBuf, u64, std::time::Duration)>,
    /// After the account page, the IdP starts a logout (SAML Single Logout
    /// toward the candidate's `SingleLogoutService`), then the account
    /// page is opened again.
    pub idp_logout: bool,
}

/// A logout the IdP started, as the browser carried it.
#[derive(Clone, Debug)]
pub enum IdpLogoutTrace {
    /// The IdP could not send one, with why (no logout service published).
    NotSent(String),
    /// Sent: the hops from the candidate's logout service on, and the
    /// account page opened afterwards in the same browser.
    Sent {
        /// Hops, the candidate's answer to the IdP included.
        flow: Vec<Hop>,
        /// The account page afterwards.
        account_after: Box<Page>,
    },
}

/// What happened after logout.
#[derive(Clone, Debug)]
pub struct LogoutTrace {
    /// Hops of the logout, IdP included.
    pub flow: Vec<Hop>,
    /// Logout requests the IdP received during it.
    pub idp_logouts: u32,
    /// The account page opened afterwards with the cookies held before logout.
    pub account_with_old_cookies: Page,
}

/// Everything the browser saw.
#[derive(Clone, Debug)]
pub struct LoginTrace {
    /// Every hop of the login, in order, form posts included.
    pub flow: Vec<Hop>,
    /// The last page of the login flow.
    pub landing: Page,
    /// The account page opened afterwards.
    pub account: Page,
    /// Cookies set during the login, in order.
    pub cookies: Vec<SetCookie>,
    /// The candidate's cookies held after login: name and value fingerprint.
    pub held: Vec<(String, String)>,
    /// The account page opened without each held cookie in turn: a cookie
    /// whose absence closes the account is a session cookie.
    pub without_cookie: Vec<(String, Page)>,
    /// Host of the candidate (where the login started).
    pub candidate_host: String,
    /// Host of the IdP.
    pub idp_host: String,
    /// Origin of the IdP (`http://host:port`).
    pub idp_origin: String,
    /// The jar after login, before any logout: what the rendering browser
    /// opens a page of the same session with ([`Jar::held`]). In memory
    /// only; its `Debug` counts cookies and shows no value.
    pub session: Jar,
    /// Values that must never appear in a URL: the candidate's cookie
    /// values after login and the access tokens the IdP issued. Kept in
    /// memory for the checks, never written anywhere.
    pub secrets: Vec<String>,
    /// The account page as a fresh browser saw it after replaying the IdP's
    /// answer, with the replay's hops.
    pub replay: Option<(Vec<Hop>, Page)>,
    /// The pages of [`LoginPlan::visit`], in order, or why each could not be
    /// opened (one failing page does not undo the login).
    pub visits: Vec<Result<Page, ProbeError>>,
    /// The download of [`LoginPlan::download`], if asked for: its final
    /// status and URL with its evidence, or why it failed.
    pub download: Option<Result<Downloaded, String>>,
    /// Logout, if asked for.
    pub logout: Option<LogoutTrace>,
    /// A logout the IdP started, if asked for.
    pub idp_logout: Option<IdpLogoutTrace>,
    /// What the IdP received and did.
    pub idp: ScenarioLog,
}

#[cfg(test)]
impl LoginTrace {
    /// For judges' tests: a login that landed on an account page showing
    /// `shown` (HTML text), with nothing else played.
    pub(crate) fn showing(shown: &str) -> Self {
        let url = Url::parse("https://ent.test/compte").expect("test URL");
        let account = Page::served(
            url,
            200,
            Some("text/html".to_owned()),
            super::page::PageBody::Text(format!("<html><body><p>{shown}</p></body></html>").into()),
        );
        Self {
            flow: Vec::new(),
            landing: account.clone(),
            account,
            cookies: Vec::new(),
            held: Vec::new(),
            without_cookie: Vec::new(),
            candidate_host: "ent.test".to_owned(),
            idp_host: "idp.test".to_owned(),
            idp_origin: "http://idp.test:8080".to_owned(),
            session: Jar::default(),
            secrets: Vec::new(),
            replay: None,
            visits: Vec::new(),
            download: None,
            logout: None,
            idp_logout: None,
            idp: ScenarioLog::default(),
        }
    }
}

/// A file downloaded in the logged-in session.
#[derive(Clone, Debug)]
pub struct Downloaded {
    /// Final status (after redirects); the file holds the body of a 200.
    pub status: u16,
    /// The URL that answered.
    pub final_url: Url,
    /// Evidence ids.
    pub exchanges: Vec<String>,
}

impl LoginTrace {
    /// Evidence ids of every exchange the browser and the IdP recorded.
    pub fn exchanges(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.flow.iter().map(|h| h.exchange.clone()).collect();
        ids.extend(self.account.exchanges());
        for (_, page) in &self.without_cookie {
            ids.extend(page.exchanges());
        }
        if let Some((hops, page)) = &self.replay {
            ids.extend(hops.iter().map(|h| h.exchange.clone()));
            ids.extend(page.exchanges());
        }
        for page in self.visits.iter().flatten() {
            ids.extend(page.exchanges());
        }
        if let Some(Ok(downloaded)) = &self.download {
            ids.extend(downloaded.exchanges.iter().cloned());
        }
        if let Some(logout) = &self.logout {
            ids.extend(logout.flow.iter().map(|h| h.exchange.clone()));
            ids.extend(logout.account_with_old_cookies.exchanges());
        }
        ids.extend(self.idp.exchanges.iter().cloned());
        ids
    }
}

/// Runs the plan.
pub async fn log_in(
    probe: &HttpProbe,
    idp: &Idp,
    plan: &LoginPlan,
) -> Result<LoginTrace, FetchError> {
    let mut exchanges = Vec::new();
    let result = run(probe, idp, plan, &mut exchanges).await;
    result.map_err(|error| {
        exchanges.extend(idp.log(&plan.token).exchanges);
        FetchError { error, exchanges }
    })
}

async fn run(
    probe: &HttpProbe,
    idp: &Idp,
    plan: &LoginPlan,
    exchanges: &mut Vec<String>,
) -> Result<LoginTrace, ProbeError> {
    let handshakes = idp.failed_handshake_count();
    let mut jar = Jar::default().with_user_agent(plan.user_agent.clone());
    let idp_url = Url::parse(&plan.idp_origin).map_err(|error| {
        ProbeError::Protocol(format!(
            "origine de l'IdP illisible « {} » : {error}",
            plan.idp_origin
        ))
    })?;
    jar.put(&idp_url, SESSION_COOKIE, &plan.token);
    let candidate_host = plan.start.host_str().unwrap_or("").to_owned();
    let mut flow = Vec::new();
    let mut cookies = Vec::new();
    if let Some(login_page) = &plan.login_page {
        let page = probe
            .follow(Request::get(login_page), &mut jar, exchanges)
            .await?;
        flow.extend(page.hops.clone());
        cookies.extend(page.set_cookies.clone());
    }
    let mut page = probe
        .follow(Request::get(&plan.start), &mut jar, exchanges)
        .await?;
    let mut chose = false;
    for _ in 0..MAX_INTERACTIONS {
        flow.extend(page.hops.clone());
        cookies.extend(page.set_cookies.clone());
        let Some(next) = next_request(&page, plan.choose.as_deref().filter(|_| !chose)) else {
            break;
        };
        chose |= next.method == Method::GET;
        page = probe.follow(next, &mut jar, exchanges).await?;
    }
    let account = probe
        .follow(Request::get(&plan.account_page), &mut jar, exchanges)
        .await?;
    cookies.extend(account.set_cookies.clone());
    let held: Vec<(String, String)> = jar
        .entries(&plan.start)
        .into_iter()
        .filter(|(name, _)| name != SESSION_COOKIE)
        .map(|(name, value)| (name, super::jar::fingerprint(&value)))
        .collect();
    let mut without_cookie = Vec::new();
    for (name, _) in held.iter().filter(|_| plan.probe_cookies) {
        let mut reduced = jar.without(&plan.start, name);
        let page = probe
            .follow(Request::get(&plan.account_page), &mut reduced, exchanges)
            .await?;
        without_cookie.push((name.clone(), page));
    }
    let mut visits = Vec::new();
    for url in &plan.visit {
        let page = probe.follow(Request::get(url), &mut jar, exchanges).await;
        visits.push(page);
    }
    let download = match &plan.download {
        Some((url, path, limit, deadline)) => {
            let mut seen = Vec::new();
            let saved = probe
                .download_to(url, &mut jar, path, (*limit, *deadline), &mut seen)
                .await
                .and_then(super::Saved::whole);
            exchanges.extend(seen.iter().cloned());
            Some(
                saved
                    .map(|saved| Downloaded {
                        status: saved.status,
                        final_url: saved.final_url,
                        exchanges: seen,
                    })
                    .map_err(|error| error.to_string()),
            )
        }
        None => None,
    };
    let session = jar.clone();
    let mut secrets = jar.values(&plan.start);
    let idp_log = idp.log(&plan.token);
    secrets.extend(idp_log.issued.iter().cloned());
    let replay = if plan.replay {
        Some(replay(probe, plan, &idp_log, exchanges).await?)
    } else {
        None
    };
    let idp_logout = if plan.idp_logout {
        Some(idp_initiated_logout(probe, idp, plan, &mut jar, exchanges).await?)
    } else {
        None
    };
    let logout = match &plan.logout {
        Some(url) => Some(logout(probe, idp, plan, url, jar, exchanges).await?),
        None => None,
    };
    Ok(LoginTrace {
        flow,
        landing: page,
        account,
        cookies,
        held,
        without_cookie,
        candidate_host,
        idp_host: plan.idp_host.clone(),
        idp_origin: plan.idp_origin.clone(),
        session,
        secrets,
        replay,
        visits,
        download,
        logout,
        idp_logout,
        idp: with_handshakes(idp.log(&plan.token), idp, handshakes),
    })
}

/// `log` with the TLS handshakes that failed at the IdPs during the login:
/// they belong to no scenario (a handshake carries no cookie), yet a
/// candidate that does not trust the test CA stalls its login there.
fn with_handshakes(mut log: ScenarioLog, idp: &Idp, seen: u64) -> ScenarioLog {
    for why in idp.failed_handshakes_since(seen) {
        log.events.push(format!(
            "poignée de main TLS avec l'IdP interrompue pendant la connexion (le candidat \
             reconnaît-il l'AC de test ?) : {why}"
        ));
    }
    log
}

/// The request a browser makes next on its own (auto-posted form) or for
/// the person (chooser entry), if any.
fn next_request(page: &Page, choose: Option<&str>) -> Option<Request> {
    let guard = page.document()?;
    let document = guard.get().ok()?;
    // The chooser first: one form per entry, each with hidden fields and a
    // button, would otherwise pass for a self-posting form and the first
    // entry be sent. It may be links, buttons, radio buttons or a list.
    if let Some(wanted) = choose.map(fold) {
        let link = document
            .links(None)
            .into_iter()
            .find(|link| fold(&link.all_text).contains(&wanted))
            .and_then(|link| link.href);
        if let Some(url) = link {
            return Some(Request::get(&url));
        }
        if let Some(form) = document.choice_form(&wanted, fold) {
            return Some(form.submission());
        }
    }
    document.auto_submit_form().map(AutoForm::submission)
}

impl AutoForm {
    /// What a browser sends for the submitted form.
    pub(crate) fn submission(self) -> Request {
        if self.method == "POST" {
            Request::post_form(&self.action, &self.fields)
        } else {
            let mut url = self.action;
            url.query_pairs_mut().extend_pairs(self.fields);
            Request::get(&url)
        }
    }
}

/// The IdP's answer sent again from a browser that never started a login.
async fn replay(
    probe: &HttpProbe,
    plan: &LoginPlan,
    log: &ScenarioLog,
    exchanges: &mut Vec<String>,
) -> Result<(Vec<Hop>, Page), ProbeError> {
    let mut jar = Jar::default();
    let request = if let Some(post) = &log.saml_post {
        let mut fields = vec![("SAMLResponse".to_owned(), post.response.clone())];
        if let Some(relay) = &post.relay_state {
            // An attacker first starts a login of their own, to hold the
            // RelayState (and any cookie bound to it) the candidate now
            // expects; the captured response goes with it.
            let started = probe
                .follow(Request::get(&plan.start), &mut jar, exchanges)
                .await?;
            let own = started
                .hops
                .iter()
                .find_map(|hop| {
                    hop.url
                        .query_pairs()
                        .find(|(name, _)| name == "RelayState")
                        .map(|(_, value)| value.into_owned())
                })
                .unwrap_or_else(|| relay.clone());
            fields.push(("RelayState".to_owned(), own));
        }
        Request::post_form(&post.acs, &fields)
    } else if let Some(url) = &log.authorization_response {
        Request::get(url)
    } else {
        return Err(ProbeError::Protocol(
            "l'IdP n'a émis aucune réponse à rejouer : la connexion n'a pas abouti jusqu'à lui"
                .to_owned(),
        ));
    };
    let page = probe.follow(request, &mut jar, exchanges).await?;
    let account = probe
        .follow(Request::get(&plan.account_page), &mut jar, exchanges)
        .await?;
    Ok((page.hops, account))
}

/// The IdP's logout, carried by the browser to the candidate's logout
/// service as EduConnect would redirect it, then the account page again.
async fn idp_initiated_logout(
    probe: &HttpProbe,
    idp: &Idp,
    plan: &LoginPlan,
    jar: &mut Jar,
    exchanges: &mut Vec<String>,
) -> Result<IdpLogoutTrace, ProbeError> {
    let request = match idp.logout_request(&plan.token) {
        Ok(Some(LogoutDelivery::Redirect(url))) => Request::get(&url),
        Ok(Some(LogoutDelivery::Post { url, fields })) => Request::post_form(&url, &fields),
        Ok(None) => {
            return Ok(IdpLogoutTrace::NotSent(
                "aucune réponse SAML émise dans ce parcours : rien à déconnecter".to_owned(),
            ));
        }
        Err(why) => return Ok(IdpLogoutTrace::NotSent(why)),
    };
    let page = probe.follow(request, jar, exchanges).await?;
    let account_after = probe
        .follow(Request::get(&plan.account_page), jar, exchanges)
        .await?;
    Ok(IdpLogoutTrace::Sent {
        flow: page.hops,
        account_after: Box::new(account_after),
    })
}

async fn logout(
    probe: &HttpProbe,
    idp: &Idp,
    plan: &LoginPlan,
    url: &Url,
    mut jar: Jar,
    exchanges: &mut Vec<String>,
) -> Result<LogoutTrace, ProbeError> {
    let before = jar.clone();
    let logouts_before = idp.log(&plan.token).logouts;
    let page = probe.follow(Request::get(url), &mut jar, exchanges).await?;
    let idp_logouts = idp.log(&plan.token).logouts.saturating_sub(logouts_before);
    let mut old = before;
    let account_with_old_cookies = probe
        .follow(Request::get(&plan.account_page), &mut old, exchanges)
        .await?;
    Ok(LogoutTrace {
        flow: page.hops,
        idp_logouts,
        account_with_old_cookies,
    })
}
