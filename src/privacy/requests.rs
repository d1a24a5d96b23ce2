//! PRIV-02, no personal data sent to third parties: the judge of the
//! `personal_data` assertion, a pure function of the `login` steps it
//! names.
//!
//! What counts as the person's data is what the harness's IdP asserted of
//! them, so known exactly: first and last name together, the EduConnect
//! or agent identifier, the AAF join key, the e-mail. It is looked for in
//! each address (and `Referer`) after percent-decoding, twice for what was
//! encoded twice, case and accents aside; a name must appear whole (both
//! names as words), an identifier as a word of its own, so that a name that
//! is also a common word or a number inside a longer one does not fail an
//! ENT. A value hashed or encoded otherwise (base64) is not recognised.
//!
//! Where the requests come from:
//! - rendered (the step's `render`): the browser's log, every request to
//!   another origin, whoever made it (parser or script), failed ones too:
//!   the data left the page. First the control: the rendered page shows
//!   the person, or the session never reached the browser and nothing the
//!   page did says anything (`error`);
//!   The IdP's own origin is not a third party here: the data came from it.
//!   What the log could not hold (requests past its bound, addresses past
//!   8,000 characters, third-party scripts that did not load and so sent
//!   nothing of what they would have) makes a page without leak `n/a`;
//! - read as served (no browser): the resources the markup loads from other
//!   origins. Scripts and frames send more than the markup says, and choose
//!   their `Referer`: with either and no leak in the markup, the assertion
//!   is `n/a`, never `pass`. Without them, every request's `Referer` is at
//!   most the page's own address.

use crate::browser::{BrowserRequest, Party, Rendering};
use crate::check::outcome::with_note;
use crate::check::{Observations, Verdict, login};
use crate::idp::Identity;
use crate::probe::Page;
use crate::text::fold;

/// Where a `personal_data` assertion looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonalDataRule {
    /// In the addresses of requests to other origins.
    Urls,
    /// In the `Referer` sent with them.
    Referer,
}

impl PersonalDataRule {
    /// Every rule, in suite-file order.
    pub const ALL: [Self; 2] = [Self::Urls, Self::Referer];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urls => "urls",
            Self::Referer => "referer",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Urls => "Aucune donnée personnelle dans les adresses demandées à des tiers",
            Self::Referer => "Aucune donnée personnelle dans le Referer envoyé à des tiers",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Urls => {
                "aucune donnée de la personne connectée (nom et prénom, identifiant ÉduConnect ou \
                 agent, clé de jointure AAF, adresse électronique) dans l'adresse d'une requête \
                 que sa page de compte fait vers une autre origine que l'ENT"
            }
            Self::Referer => {
                "aucune donnée de la personne connectée (nom et prénom, identifiant ÉduConnect ou \
                 agent, clé de jointure AAF, adresse électronique) dans le Referer envoyé avec \
                 une requête de sa page de compte vers une autre origine que l'ENT"
            }
        }
    }
}

/// One datum of the person, as looked for.
#[derive(Debug, PartialEq, Eq)]
enum Datum {
    /// First and last name, each as folded words.
    Name { shown: String, words: Vec<String> },
    /// An identifier or e-mail, folded, found between separators.
    Token { what: &'static str, value: String },
}

impl Datum {
    fn describe(&self) -> String {
        match self {
            Self::Name { shown, .. } => format!("son nom « {shown} »"),
            Self::Token { what, value } => format!("{what} « {value} »"),
        }
    }

    fn found_in(&self, text: &Searchable) -> bool {
        match self {
            Self::Name { words, .. } => words.iter().all(|w| text.words.contains(w)),
            Self::Token { value, .. } => bounded(&text.folded, value),
        }
    }
}

/// Whether `needle` occurs in `haystack` with no letter or digit right
/// before or after it: « 4412345 » is not in « 944123456 », an e-mail is
/// found between any separators.
fn bounded(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// What the IdP asserted of the person, as data to look for.
fn personal_data(identity: &Identity) -> Vec<Datum> {
    let words = |text: &str| -> Vec<String> { split_words(&fold(text)) };
    let name = |given: &str, family: &str| Datum::Name {
        shown: format!("{given} {family}"),
        words: words(given).into_iter().chain(words(family)).collect(),
    };
    let token = |what, value: &str| Datum::Token {
        what,
        value: fold(value),
    };
    let mut data = Vec::new();
    match identity {
        Identity::EduConnect {
            sub,
            given_name,
            family_name,
            ref_ids,
            ..
        } => {
            data.push(name(given_name, family_name));
            data.push(token("son identifiant ÉduConnect", sub));
            for vector in ref_ids {
                // `{AAF}<academy>|x|<join key>`: the key is the person's.
                if let Some(key) = vector.rsplit('|').next().filter(|k| !k.is_empty()) {
                    data.push(token("sa clé de jointure AAF", key));
                }
            }
        }
        Identity::Agent {
            uid,
            email,
            given_name,
            family_name,
            ..
        } => {
            data.push(name(given_name, family_name));
            data.push(token("son identifiant d'agent", uid));
            data.push(token("son adresse électronique", email));
        }
    }
    // A datum with nothing to look for would be found everywhere.
    data.retain(|datum| match datum {
        Datum::Name { words, .. } => !words.is_empty(),
        Datum::Token { value, .. } => !value.is_empty(),
    });
    data
}

/// An address or `Referer` decoded for the search: folded text (where
/// identifiers and e-mails are looked for) and its words (for names).
struct Searchable {
    folded: String,
    words: Vec<String>,
}

impl Searchable {
    fn of(text: &str) -> Self {
        let mut decoded = text.to_owned();
        // Twice: a value encoded again by a second layer (a redirect
        // parameter inside a tracker's URL) is still the person's.
        for _ in 0..2 {
            decoded = percent_encoding::percent_decode_str(&decoded.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
        }
        let folded = fold(&decoded);
        let words = split_words(&folded);
        Self { folded, words }
    }
}

/// Runs of letters and digits: `@`, `.` and `-` end a word.
fn split_words(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The data of `data` found in `text`, described.
fn found(data: &[Datum], text: &str) -> Vec<String> {
    let searchable = Searchable::of(text);
    data.iter()
        .filter(|datum| datum.found_in(&searchable))
        .map(Datum::describe)
        .collect()
}

/// `personal_data`: no request the account pages of `steps` made to
/// another origin carries the logged-in person's data (`rule`: in its
/// address, or in its `Referer`).
pub(crate) fn judge_personal_data(
    observations: &Observations,
    steps: &[String],
    rule: PersonalDataRule,
) -> Verdict {
    let expected = rule.expected();
    let mut leaks = Vec::new();
    let mut notes = Vec::new();
    let mut unjudged = Vec::new();
    let mut fine = Vec::new();
    for step in steps {
        let login = match login::logged_in(observations, step, expected) {
            Ok(login) => login,
            Err(verdict) => {
                notes.push(format!("{step} : {}", verdict.actual));
                continue;
            }
        };
        let who = &login.expected.name;
        let data = personal_data(&login.asserted);
        let page = &login.trace.account;
        let seen = match &page.rendering {
            Some(rendering) => rendered(rendering, &login.trace.idp_origin, &data, rule),
            None => served(observations, page, &data, rule),
        };
        match seen {
            Seen::Clean(what) => fine.push(format!("{step} ({who}) : {what}")),
            Seen::Leaks(found) => leaks.extend(
                found
                    .into_iter()
                    .map(|leak| format!("{step} ({who}) : {leak}")),
            ),
            Seen::Unjudged(why) => unjudged.push(format!("{step} ({who}) : {why}")),
        }
    }
    // A leak stands whatever else could not be judged; otherwise a page
    // not judged keeps the whole assertion from passing.
    let unjudged: Vec<String> = unjudged
        .into_iter()
        .map(|u| format!("non jugé : {u}"))
        .collect();
    if !leaks.is_empty() {
        leaks.extend(unjudged);
        return with_note(expected, leaks, &notes, String::new());
    }
    if !notes.is_empty() {
        notes.extend(unjudged);
        return with_note(expected, Vec::new(), &notes, String::new());
    }
    if !unjudged.is_empty() {
        fine.extend(unjudged);
        return Verdict::unjudged(expected, fine.join(" ; "));
    }
    Verdict::pass(expected, fine.join(" ; "))
}

/// One page's finding.
enum Seen {
    Clean(String),
    Leaks(Vec<String>),
    Unjudged(String),
}

/// The requests the rendered page made to other origins than the
/// candidate's and the IdP's (the IdP is where the data came from), read
/// as sent (unredacted, [`crate::browser::Sent`]) when the run recorded
/// it, else as the record keeps them.
fn rendered(
    rendering: &Rendering,
    idp_origin: &str,
    data: &[Datum],
    rule: PersonalDataRule,
) -> Seen {
    let third: Vec<&BrowserRequest> = rendering
        .requests
        .iter()
        .filter(|r| r.party == Party::Third)
        .filter(|r| {
            let sent = r.sent.as_ref().map_or(r.url.as_str(), |s| s.url.as_str());
            url::Url::parse(sent).map_or(true, |u| u.origin().ascii_serialization() != idp_origin)
        })
        .collect();
    let mut leaks = Vec::new();
    for request in &third {
        let carried = match (rule, &request.sent) {
            (PersonalDataRule::Urls, Some(sent)) => Some(sent.url.as_str()),
            (PersonalDataRule::Urls, None) => Some(request.url.as_str()),
            (PersonalDataRule::Referer, Some(sent)) => sent.referer.as_deref(),
            (PersonalDataRule::Referer, None) => request.referer.as_deref(),
        };
        let Some(text) = carried else { continue };
        let data = found(data, text);
        if data.is_empty() {
            continue;
        }
        // The record's copy, redacted, is what the message quotes.
        let place = match rule {
            PersonalDataRule::Urls => "dans l'adresse".to_owned(),
            PersonalDataRule::Referer => format!(
                "dans le Referer « {} »",
                request.referer.as_deref().unwrap_or("")
            ),
        };
        leaks.push(format!(
            "{} {place} de la requête {} vers {} (page rendue {})",
            data.join(" et "),
            request.describe(),
            request.host,
            rendering.id
        ));
    }
    if !leaks.is_empty() {
        return Seen::Leaks(leaks);
    }
    // What the log does not hold cannot be said clean.
    let mut unread = Vec::new();
    if rendering.requests_dropped > 0 {
        unread.push(format!(
            "{} requête(s) au-delà de la limite du journal",
            rendering.requests_dropped
        ));
    }
    let cut: Vec<&str> = third
        .iter()
        .filter(|r| r.sent.as_ref().is_some_and(|s| s.cut))
        .map(|r| r.url.as_str())
        .collect();
    if !cut.is_empty() {
        unread.push(format!(
            "{} adresse(s) ou Referer de plus de 8 000 caractères lus en partie ({})",
            cut.len(),
            cut.join(", ")
        ));
    }
    // A third-party script that did not load sent nothing of what it
    // would have (a tag manager given the user's id inline).
    let silent: Vec<String> = third
        .iter()
        .filter(|r| matches!(r.resource.as_str(), "Script" | "Document") && r.failed())
        .map(|r| r.describe())
        .collect();
    if !silent.is_empty() {
        unread.push(format!(
            "script(s) ou cadre(s) tiers non chargés, dont les requêtes ne sont pas vues : {}",
            silent.join(" ; ")
        ));
    }
    if !unread.is_empty() {
        return Seen::Unjudged(format!(
            "page rendue {} : aucune fuite dans ce qui a été lu, mais {}",
            rendering.id,
            unread.join(" ; ")
        ));
    }
    let mut hosts: Vec<&str> = Vec::new();
    for request in &third {
        if !hosts.contains(&request.host.as_str()) {
            hosts.push(&request.host);
        }
    }
    Seen::Clean(if hosts.is_empty() {
        format!(
            "page rendue {} : aucune requête vers un tiers",
            rendering.id
        )
    } else {
        format!(
            "page rendue {} : {} requête(s) vers des tiers ({}), aucune ne porte ses données",
            rendering.id,
            third.len(),
            hosts.join(", ")
        )
    })
}

/// The account page as served: the resources its markup loads from other
/// origins. Scripts and frames make requests the markup does not show,
/// and set the address a `Referer` carries: with either, only a leak in
/// the markup concludes.
fn served(
    observations: &Observations,
    page: &Page,
    data: &[Datum],
    rule: PersonalDataRule,
) -> Seen {
    let Some(guard) = page.document() else {
        return Seen::Unjudged(format!(
            "la page du compte ({}) n'est pas du HTML lisible : rien à lire sans navigateur",
            page.media_type_label()
        ));
    };
    let document = match guard.get() {
        Ok(document) => document,
        Err(refused) => {
            return Seen::Unjudged(format!("la page du compte n'a pas pu être lue : {refused}"));
        }
    };
    let resources = document.resources();
    let third: Vec<_> = resources
        .iter()
        .filter(|r| !observations.target.owns(&r.url))
        .collect();
    let no_browser = "page lue telle que servie, sans navigateur ([browser] mode)";
    if rule == PersonalDataRule::Urls {
        let leaks: Vec<String> = third
            .iter()
            .filter_map(|resource| {
                let data = found(data, resource.url.as_str());
                (!data.is_empty()).then(|| {
                    format!(
                        "{} dans l'adresse de <{}> {} ({no_browser})",
                        data.join(" et "),
                        resource.element,
                        resource.url
                    )
                })
            })
            .collect();
        if !leaks.is_empty() {
            return Seen::Leaks(leaks);
        }
    }
    let scripts = document.script_count();
    if scripts > 0 {
        return Seen::Unjudged(format!(
            "{no_browser} : ses {scripts} script(s) peuvent faire des requêtes, et choisir leur \
             Referer, que seul un navigateur voit"
        ));
    }
    let frames = resources
        .iter()
        .filter(|r| matches!(r.element.as_str(), "iframe" | "frame" | "object" | "embed"))
        .count();
    if frames > 0 {
        return Seen::Unjudged(format!(
            "{no_browser} : ses {frames} cadre(s) ou objet(s) font leurs propres requêtes, que \
             seul un navigateur voit"
        ));
    }
    // Without scripts or frames, every request carries the page's own
    // address as its Referer, at most.
    if rule == PersonalDataRule::Referer
        && !third.is_empty()
        && !found(data, page.final_url.as_str()).is_empty()
    {
        return Seen::Unjudged(format!(
            "{no_browser} : son adresse porte ses données et elle charge {} ressource(s) \
             d'autres origines ; seul un navigateur dit le Referer envoyé",
            third.len()
        ));
    }
    Seen::Clean(format!(
        "{no_browser}, sans script ni cadre : {} ressource(s) d'autres origines, aucune ne \
         porte ses données",
        third.len()
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::browser::Settled;
    use crate::browser::sample::{rendering, request};
    use crate::check::outcome::assert_says;
    use crate::check::{AssertionStatus, Documents, LoginObservation, Person, TargetFacts};
    use crate::probe::LoginTrace;

    fn teacher() -> Identity {
        Identity::Agent {
            uid: "5f3a9c0e7b21d4a8".to_owned(),
            email: "camille.martin@ac-test.fr".to_owned(),
            given_name: "Camille".to_owned(),
            family_name: "Martin-Lefèvre".to_owned(),
            rne: Vec::new(),
        }
    }

    fn pupil() -> Identity {
        Identity::EduConnect {
            sub: "b0c1d2e3f4a5b6c7".to_owned(),
            given_name: "Léa".to_owned(),
            family_name: "Roux".to_owned(),
            affiliation: "eleve1d".to_owned(),
            ref_ids: vec!["{AAF}ACTEST|x|4412345".to_owned()],
            uai: None,
            legacy_vectors: Vec::new(),
        }
    }

    /// A login of `identity` whose account page shows `shown`, rendered
    /// with `requests` when given, else served as `shown`'s page.
    fn login(
        identity: Identity,
        shown: &str,
        requests: Option<Vec<BrowserRequest>>,
    ) -> LoginObservation {
        let mut trace = LoginTrace::showing(shown);
        if let Some(requests) = requests {
            trace.account.rendering = Some(Arc::new(rendering(
                Settled::Quiet { after_ms: 120 },
                requests,
            )));
        }
        let (given, family) = match &identity {
            Identity::EduConnect {
                given_name,
                family_name,
                ..
            }
            | Identity::Agent {
                given_name,
                family_name,
                ..
            } => (given_name.clone(), family_name.clone()),
        };
        LoginObservation {
            trace,
            control: None,
            expected: Person {
                name: format!("{given} {family}"),
                school: String::new(),
                children: Vec::new(),
            },
            asserted: identity,
            intruder: Person {
                name: String::new(),
                school: String::new(),
                children: Vec::new(),
            },
            attack: None,
            variants: Vec::new(),
            service: "ÉduConnect".to_owned(),
        }
    }

    fn judged(logins: Vec<(&str, LoginObservation)>, rule: PersonalDataRule) -> Verdict {
        let documents = Documents::none();
        let target = TargetFacts {
            own_origins: vec![url::Url::parse("https://ent.test/").expect("url").origin()],
            ..TargetFacts::default()
        };
        let steps: Vec<String> = logins.iter().map(|(s, _)| (*s).to_owned()).collect();
        let observations = Observations::new(&BTreeMap::new(), &documents, target).with_logins(
            logins
                .into_iter()
                .map(|(step, login)| (step.to_owned(), Arc::new(login)))
                .collect(),
        );
        judge_personal_data(&observations, &steps, rule)
    }

    fn with_referer(mut request: BrowserRequest, referer: &str) -> BrowserRequest {
        request.referer = Some(referer.to_owned());
        request
    }

    #[test]
    fn a_name_sent_to_an_audience_tool_fails_whatever_its_encoding_and_case() {
        let requests = vec![
            request("https://ent.test/app.js", "Script", Some(200), None),
            request(
                "https://stats.example/matomo.php?idsite=3&uid=CAMILLE+MARTIN-LEFEVRE",
                "Image",
                None,
                Some("net::ERR_NAME_NOT_RESOLVED"),
            ),
        ];
        let login = login(teacher(), "Camille Martin-Lefèvre", Some(requests));
        let verdict = judged(vec![("enseignant", login)], PersonalDataRule::Urls);
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "enseignant (Camille Martin-Lefèvre) : son nom « Camille Martin-Lefèvre » dans \
             l'adresse de la requête Image https://stats.example/matomo.php",
        );
        assert!(
            verdict
                .actual
                .contains("vers stats.example (page rendue r0001)")
        );
        // Encoded twice (a return address inside a tracker's URL), found too.
        let twice = request(
            "https://cdn.example/r?back=https%3A%2F%2Fent.test%2F%3Fmail%3Dcamille.martin%2540ac-test.fr",
            "Script",
            Some(200),
            None,
        );
        let login = self::login(teacher(), "Camille Martin-Lefèvre", Some(vec![twice]));
        assert_says(
            &judged(vec![("enseignant", login)], PersonalDataRule::Urls),
            AssertionStatus::Failed,
            "son adresse électronique « camille.martin@ac-test.fr »",
        );
    }

    #[test]
    fn identifiers_count_as_words_and_the_candidate_s_own_requests_are_not_judged() {
        let requests = vec![
            // The join key inside a longer number is not the key.
            request(
                "https://cdn.example/lib.js?v=944123456",
                "Script",
                Some(200),
                None,
            ),
            // A first name alone is no name.
            request(
                "https://fonts.example/css?family=Lea",
                "Stylesheet",
                Some(200),
                None,
            ),
            // The ENT itself may know who is logged in.
            request(
                "https://ent.test/api/moi?nom=L%C3%A9a%20Roux",
                "Fetch",
                Some(200),
                None,
            ),
        ];
        let login = login(pupil(), "Léa Roux", Some(requests));
        assert_says(
            &judged(vec![("eleve", login)], PersonalDataRule::Urls),
            AssertionStatus::Passed,
            "eleve (Léa Roux) : page rendue r0001 : 2 requête(s) vers des tiers (cdn.example, \
             fonts.example), aucune ne porte ses données",
        );
        let keyed = request("https://cdn.example/p?u=4412345", "Image", Some(200), None);
        let login = self::login(pupil(), "Léa Roux", Some(vec![keyed]));
        assert_says(
            &judged(vec![("eleve", login)], PersonalDataRule::Urls),
            AssertionStatus::Failed,
            "sa clé de jointure AAF « 4412345 »",
        );
    }

    #[test]
    fn the_referer_is_judged_apart_from_the_address() {
        let sent = with_referer(
            request("https://cdn.example/lib.js", "Script", Some(200), None),
            "https://ent.test/eleves/b0c1d2e3f4a5b6c7/carnet",
        );
        let login = || self::login(pupil(), "Léa Roux", Some(vec![sent.clone()]));
        assert_says(
            &judged(vec![("eleve", login())], PersonalDataRule::Referer),
            AssertionStatus::Failed,
            "son identifiant ÉduConnect « b0c1d2e3f4a5b6c7 » dans le Referer « https://ent.test/eleves/",
        );
        assert_says(
            &judged(vec![("eleve", login())], PersonalDataRule::Urls),
            AssertionStatus::Passed,
            "aucune ne porte ses données",
        );
    }

    #[test]
    fn a_rendered_page_that_does_not_show_the_person_proves_nothing() {
        // The session did not reach the browser: the login page was drawn.
        let login = login(pupil(), "Se connecter", Some(Vec::new()));
        assert_says(
            &judged(vec![("eleve", login)], PersonalDataRule::Urls),
            AssertionStatus::Error,
            "eleve : la connexion de Léa Roux n'a pas abouti",
        );
    }

    #[test]
    fn read_as_served_the_markup_is_judged_and_scripts_leave_it_unjudged() {
        let page = |extra: &str| format!("Léa Roux</p>{extra}<p>");
        let pixel = "<img src=\"https://stats.example/p.gif?uid=L%C3%A9a%20Roux\">";
        let leak = login(pupil(), &page(pixel), None);
        assert_says(
            &judged(vec![("eleve", leak)], PersonalDataRule::Urls),
            AssertionStatus::Failed,
            "son nom « Léa Roux » dans l'adresse de <img> https://stats.example/p.gif",
        );
        let script = "<script src=\"https://cdn.example/app.js\"></script>";
        let scripted = login(pupil(), &page(script), None);
        assert_says(
            &judged(vec![("eleve", scripted)], PersonalDataRule::Urls),
            AssertionStatus::NotApplicable,
            "ses 1 script(s) peuvent faire des requêtes, et choisir leur Referer",
        );
        let plain = login(
            pupil(),
            &page("<img src=\"https://cdn.example/logo.png\">"),
            None,
        );
        assert_says(
            &judged(vec![("eleve", plain)], PersonalDataRule::Urls),
            AssertionStatus::Passed,
            "sans script ni cadre : 1 ressource(s) d'autres origines, aucune ne porte ses données",
        );
        // A script chooses the Referer it sends: not judged; without
        // scripts or frames, the page's own address (which carries nothing
        // of hers) is the most any request carries.
        let scripted = login(pupil(), &page(script), None);
        assert_says(
            &judged(vec![("eleve", scripted)], PersonalDataRule::Referer),
            AssertionStatus::NotApplicable,
            "et choisir leur Referer",
        );
        let plain = login(
            pupil(),
            &page("<img src=\"https://cdn.example/logo.png\">"),
            None,
        );
        assert_says(
            &judged(vec![("eleve", plain)], PersonalDataRule::Referer),
            AssertionStatus::Passed,
            "sans script ni cadre",
        );
        let framed = login(pupil(), &page("<iframe src=\"/widget\"></iframe>"), None);
        assert_says(
            &judged(vec![("eleve", framed)], PersonalDataRule::Urls),
            AssertionStatus::NotApplicable,
            "ses 1 cadre(s) ou objet(s) font leurs propres requêtes",
        );
    }

    fn sent(mut request: BrowserRequest, url: &str, cut: bool) -> BrowserRequest {
        request.sent = Some(crate::browser::Sent {
            url: url.to_owned(),
            referer: None,
            cut,
        });
        request
    }

    #[test]
    fn the_request_is_judged_as_sent_not_as_the_report_masks_it() {
        // The record masks a parameter named like a session; the name was
        // sent in it all the same.
        let masked = sent(
            request(
                "https://stats.example/c?sid=[masqué]",
                "Image",
                Some(204),
                None,
            ),
            "https://stats.example/c?sid=L%C3%A9a%20Roux",
            false,
        );
        let login = login(pupil(), "Léa Roux", Some(vec![masked]));
        assert_says(
            &judged(vec![("eleve", login)], PersonalDataRule::Urls),
            AssertionStatus::Failed,
            "son nom « Léa Roux » dans l'adresse de la requête Image https://stats.example/c?sid=[masqué]",
        );
    }

    #[test]
    fn what_the_log_could_not_hold_keeps_a_clean_page_from_passing() {
        let long = sent(
            request("https://stats.example/c?d=aaaa…", "Image", Some(204), None),
            "https://stats.example/c?d=aaaa",
            true,
        );
        let login1 = login(pupil(), "Léa Roux", Some(vec![long]));
        assert_says(
            &judged(vec![("eleve", login1)], PersonalDataRule::Urls),
            AssertionStatus::NotApplicable,
            "1 adresse(s) ou Referer de plus de 8 000 caractères lus en partie",
        );
        let tag = request(
            "https://www.googletagmanager.com/gtag/js?id=G-1",
            "Script",
            None,
            Some("net::ERR_NAME_NOT_RESOLVED"),
        );
        let login2 = login(pupil(), "Léa Roux", Some(vec![tag]));
        assert_says(
            &judged(vec![("eleve", login2)], PersonalDataRule::Urls),
            AssertionStatus::NotApplicable,
            "script(s) ou cadre(s) tiers non chargés",
        );
        // One page clean, the other not judged: not a pass.
        let clean = login(teacher(), "Camille Martin-Lefèvre", Some(Vec::new()));
        let tag = request("https://cdn.example/t.js", "Script", Some(503), None);
        let unjudged = login(pupil(), "Léa Roux", Some(vec![tag]));
        let verdict = judged(
            vec![("enseignant", clean), ("eleve", unjudged)],
            PersonalDataRule::Urls,
        );
        assert_says(&verdict, AssertionStatus::NotApplicable, "non jugé : eleve");
        assert!(
            verdict
                .actual
                .contains("enseignant (Camille Martin-Lefèvre) : page rendue")
        );
    }

    #[test]
    fn the_idp_is_not_a_third_party_the_data_came_from_it() {
        // A silent re-authentication naming the person to the IdP.
        let hint = request(
            "http://idp.test:8080/authorize?login_hint=camille.martin%40ac-test.fr",
            "Document",
            Some(302),
            None,
        );
        let login = login(teacher(), "Camille Martin-Lefèvre", Some(vec![hint]));
        assert_says(
            &judged(vec![("enseignant", login)], PersonalDataRule::Urls),
            AssertionStatus::Passed,
            "aucune requête vers un tiers",
        );
    }

    #[test]
    fn a_leak_on_one_page_is_not_hidden_by_another_that_could_not_be_judged() {
        let leak = login(
            pupil(),
            "Léa Roux",
            Some(vec![request(
                "https://stats.example/c?name=lea%20roux",
                "Image",
                Some(204),
                None,
            )]),
        );
        let failed = login(teacher(), "Se connecter", None);
        let verdict = judged(
            vec![("eleve", leak), ("enseignant", failed)],
            PersonalDataRule::Urls,
        );
        assert_says(&verdict, AssertionStatus::Failed, "son nom « Léa Roux »");
        assert!(
            verdict.actual.contains("non évalué : enseignant"),
            "{}",
            verdict.actual
        );
    }
}
