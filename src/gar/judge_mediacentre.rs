//! Judging the médiacentre (GAR-08, GAR-09): pure functions over what the
//! GAR "ressources" web service played by the harness received while a
//! pupil opened the médiacentre, and what the médiacentre then showed.
//!
//! The service answers each call with resources made for the person the
//! path names, so a médiacentre that shows someone else's list, or calls
//! for everyone of the school, is told apart from one that does its job.

use crate::gar::GarRule;
use crate::gar::{Asked, Presented, Resource, RessourcesCall};
use crate::probe::Page;
use crate::text::fold;

use super::observation::GarMediacentreObservation;
use crate::check::login::not_logged_in;
use crate::check::outcome::{Verdict, verdict};

/// Evaluates one médiacentre rule.
pub fn judge_mediacentre(rule: GarRule, observed: &GarMediacentreObservation) -> Verdict {
    match rule {
        GarRule::MediacentreShown => shown(observed),
        GarRule::MediacentreCall => calls(observed),
        other => Verdict::error(other.label_fr(), "règle lue sur une étape gar_mediacentre"),
    }
}

fn path_of(asked: &Asked) -> String {
    format!(
        "/ressources/{}/{}/{}",
        asked.id_ent, asked.uai, asked.person
    )
}

fn describe(call: &RessourcesCall) -> String {
    format!("{} {} → {}", call.method, call.path, call.status)
}

/// What differs between the call's path and the expected one.
fn differences(asked: &Asked, expected: &Asked) -> Vec<String> {
    let mut found = Vec::new();
    if asked.id_ent != expected.id_ent {
        found.push(format!(
            "idENT « {} » au lieu de « {} »",
            asked.id_ent, expected.id_ent
        ));
    }
    if asked.uai != expected.uai {
        found.push(format!(
            "UAI « {} » au lieu de « {} »",
            asked.uai, expected.uai
        ));
    }
    if asked.person != expected.person {
        found.push(format!(
            "une autre personne (« {} » au lieu de l'identifiant exporté de l'élève connecté, « {} »)",
            asked.person, expected.person
        ));
    }
    found
}

fn calls(observed: &GarMediacentreObservation) -> Verdict {
    let expected = "des appels GET /ressources/{idENT}/{UAI}/{GARPersonIdentifiant} au service du \
                    GAR, chacun avec le certificat client déclaré, tous pour l'élève connecté \
                    (idENT déclaré, UAI de son école, identifiant de l'export)";
    if let Some(verdict) = not_logged_in(expected, &observed.login, &observed.pupil) {
        return verdict;
    }
    let wanted = match &observed.expected {
        Ok(wanted) => wanted,
        Err(why) => {
            return Verdict::error(
                expected,
                format!("identifiant GAR de l'élève inconnu : {why}"),
            );
        }
    };
    let received = &observed.received;
    let refused: Vec<String> = received
        .handshakes
        .iter()
        .map(|h| format!("connexion TLS interrompue : {}", h.reason))
        .collect();
    if received.calls.is_empty() {
        // The candidate refusing the harness's own certificate is a set-up
        // problem (it was not told to trust it), not its médiacentre's.
        let untrusted = received.handshakes.iter().any(|h| h.distrusted);
        if untrusted {
            return Verdict::error(
                expected,
                format!(
                    "le candidat refuse le certificat du service ressources d'entconf ({}) : \
                     faites-lui confiance (ressources_keys conserve le certificat, \
                     test-only-tls-cert.pem)",
                    crate::check::outcome::listed(&refused)
                ),
            );
        }
        let why = if refused.is_empty() {
            format!(
                "aucun appel reçu par le service ressources du GAR ({}) pendant l'ouverture du \
                 médiacentre",
                observed.service_url
            )
        } else {
            format!(
                "aucun appel n'a abouti : {}",
                crate::check::outcome::listed(&refused)
            )
        };
        return Verdict::fail(expected, why);
    }
    let mut problems = Vec::new();
    for call in &received.calls {
        match &call.certificate {
            Presented::Declared => {}
            Presented::Nothing => {
                problems.push(format!("{} : sans certificat client", describe(call)));
            }
            Presented::Other { sha256, subject } => problems.push(format!(
                "{} : certificat « {subject} » (SHA-256 {}…) au lieu du certificat déclaré",
                describe(call),
                sha256.get(..16).unwrap_or(sha256)
            )),
        }
        match &call.asked {
            None => problems.push(format!(
                "{} : chemin attendu /ressources/{{idENT}}/{{UAI}}/{{GARPersonIdentifiant}}",
                describe(call)
            )),
            Some(asked) => {
                let found = differences(asked, wanted);
                if !found.is_empty() {
                    problems.push(format!("{} : {}", describe(call), found.join(", ")));
                }
            }
        }
    }
    if !received
        .calls
        .iter()
        .any(|call| call.asked.as_ref() == Some(wanted))
    {
        problems.push(format!(
            "aucun appel pour l'élève connecté ({})",
            path_of(wanted)
        ));
    }
    // Once calls went through, a failed handshake may be anyone's (a port
    // scan, a health check): it is not held against the candidate.
    verdict(
        expected,
        &problems,
        format!(
            "{} appel(s) {}, avec le certificat déclaré",
            received.calls.len(),
            path_of(wanted)
        ),
    )
}

/// The resources served to the pupil by a call the médiacentre made as
/// it should: the list it must show.
fn served_to<'a>(
    observed: &'a GarMediacentreObservation,
    wanted: &Asked,
) -> Option<&'a [Resource]> {
    observed
        .received
        .calls
        .iter()
        .rev()
        .find(|call| call.status == 200 && call.asked.as_ref() == Some(wanted))
        .map(|call| call.served.as_slice())
}

/// The text and link targets of the médiacentre: an HTML page, or the JSON
/// a script draws it from (every string in it counts as both).
fn contents(page: &Page) -> Result<(String, Vec<String>), String> {
    let Some(text) = page.text() else {
        return Err(format!("contenu non textuel ({})", page.media_type_label()));
    };
    if let Some(guard) = page.document() {
        let document = guard.get().map_err(ToString::to_string)?;
        let links = document
            .links(None)
            .into_iter()
            .flat_map(|link| {
                let absolute = link.href.map(|url| url.to_string());
                std::iter::once(link.raw_href).chain(absolute)
            })
            .collect();
        return Ok((document.text(None).unwrap_or_default(), links));
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => {
            let mut strings = Vec::new();
            collect_strings(&value, &mut strings);
            Ok((strings.join("\n"), strings))
        }
        Err(error) => Err(format!(
            "ni HTML ni JSON ({}) : {error}",
            page.media_type_label()
        )),
    }
}

fn collect_strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => into.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, into)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, into)),
        _ => {}
    }
}

/// Same target, whatever the escaping (`&amp;` already undone by the parser,
/// `%3A` or `:` in the query).
fn same_url(found: &str, wanted: &str) -> bool {
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    found == wanted || decode(found) == decode(wanted)
}

fn shown(observed: &GarMediacentreObservation) -> Verdict {
    let expected = "le médiacentre de l'élève montre chaque ressource que le GAR lui a servie \
                    (nomRessource), avec son lien d'accès (urlAccesRessource)";
    if let Some(verdict) = not_logged_in(expected, &observed.login, &observed.pupil) {
        return verdict;
    }
    let Ok(wanted) = &observed.expected else {
        return Verdict::error(expected, "identifiant GAR de l'élève inconnu : voir GAR-08");
    };
    let Some(served) = served_to(observed, wanted) else {
        return Verdict::error(
            expected,
            format!(
                "le GAR n'a servi aucune liste à l'élève ({}) : voir GAR-08",
                path_of(wanted)
            ),
        );
    };
    let page = match &observed.page {
        Ok(page) => page,
        Err(why) => return Verdict::error(expected, format!("médiacentre non ouvert : {why}")),
    };
    if page.status != 200 {
        return Verdict::fail(
            expected,
            format!("{} → statut {}", page.final_url, page.status),
        );
    }
    let (text, links) = match contents(page) {
        Ok(contents) => contents,
        Err(why) => return Verdict::fail(expected, format!("{} : {why}", page.final_url)),
    };
    let folded = fold(&text);
    let mut problems = Vec::new();
    for resource in served {
        if !folded.contains(&fold(&resource.name)) {
            problems.push(format!("« {} » absente", resource.name));
        } else if !links.iter().any(|link| same_url(link, &resource.url)) {
            problems.push(format!(
                "« {} » sans lien vers {}",
                resource.name, resource.url
            ));
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} ressource(s) affichée(s) avec leur lien sur {}",
            served.len(),
            page.final_url
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::observation::Person;
    use crate::check::outcome::AssertionStatus;
    use crate::gar::{FailedHandshake, Received, resources_for};
    use crate::probe::PageBody;

    fn page(media_type: &str, text: &str) -> Page {
        let url = reqwest::Url::parse("http://ent.test/mediacentre").expect("url");
        Page::served(
            url,
            200,
            Some(media_type.into()),
            PageBody::Text(text.into()),
        )
    }

    fn wanted() -> Asked {
        Asked {
            id_ent: "BEL".to_owned(),
            uai: "0990001A".to_owned(),
            person: "u-1".to_owned(),
        }
    }

    fn call(asked: Option<Asked>, certificate: Presented) -> RessourcesCall {
        let served = match (&asked, &certificate) {
            (Some(a), Presented::Declared) => resources_for(a),
            _ => Vec::new(),
        };
        RessourcesCall {
            seq: 1,
            at: chrono::DateTime::UNIX_EPOCH,
            method: "GET".to_owned(),
            path: asked.as_ref().map_or("/x".to_owned(), path_of),
            accept: None,
            status: if served.is_empty() { 403 } else { 200 },
            certificate,
            asked,
            served,
            body: String::new(),
        }
    }

    fn observed(
        calls: Vec<RessourcesCall>,
        handshakes: &[(&str, bool)],
        shown: &str,
    ) -> GarMediacentreObservation {
        GarMediacentreObservation {
            pupil: Person {
                name: "Lucas Roux".to_owned(),
                school: String::new(),
                children: Vec::new(),
            },
            login: Ok(page("text/html", "<p>Lucas Roux</p>")),
            page: Ok(page("text/html", shown)),
            expected: Ok(wanted()),
            service_url: reqwest::Url::parse("https://127.0.0.1:9443/").expect("url"),
            received: Received {
                calls,
                handshakes: handshakes
                    .iter()
                    .map(|(reason, distrusted)| FailedHandshake {
                        seq: 9,
                        reason: (*reason).to_owned(),
                        distrusted: *distrusted,
                    })
                    .collect(),
            },
            exchanges: Vec::new(),
        }
    }

    fn listing(resources: &[Resource], links: bool) -> String {
        resources
            .iter()
            .map(|r| {
                if links {
                    format!("<a href=\"{}\">{}</a>", r.url.replace('&', "&amp;"), r.name)
                } else {
                    r.name.clone()
                }
            })
            .collect()
    }

    #[test]
    fn calls_are_judged_by_certificate_and_person() {
        let good = call(Some(wanted()), Presented::Declared);
        let verdict = calls(&observed(vec![good.clone()], &[("port scan", false)], ""));
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );

        let other = Asked {
            person: "u-2".to_owned(),
            ..wanted()
        };
        let verdict = calls(&observed(
            vec![call(Some(other), Presented::Declared), good.clone()],
            &[],
            "",
        ));
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(verdict.actual.contains("« u-2 »"), "{}", verdict.actual);

        let stranger = Presented::Other {
            sha256: "ab".repeat(32),
            subject: "CN=autre".to_owned(),
        };
        let verdict = calls(&observed(vec![call(Some(wanted()), stranger)], &[], ""));
        assert!(verdict.actual.contains("CN=autre"), "{}", verdict.actual);
        let verdict = calls(&observed(vec![call(None, Presented::Declared)], &[], ""));
        assert!(
            verdict.actual.contains("chemin attendu"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn an_untrusted_harness_certificate_is_a_set_up_error() {
        let verdict = calls(&observed(
            Vec::new(),
            &[("received fatal alert: UnknownCA", true)],
            "",
        ));
        assert_eq!(verdict.status, AssertionStatus::Error, "{}", verdict.actual);
        let verdict = calls(&observed(Vec::new(), &[("connection reset", false)], ""));
        assert_eq!(
            verdict.status,
            AssertionStatus::Failed,
            "{}",
            verdict.actual
        );
        let mut unknown = observed(Vec::new(), &[], "");
        unknown.expected = Err("export non lu".to_owned());
        assert_eq!(calls(&unknown).status, AssertionStatus::Error);
    }

    #[test]
    fn every_served_resource_must_be_shown_with_its_link() {
        let good = call(Some(wanted()), Presented::Declared);
        let served = good.served.clone();
        let verdict = shown(&observed(vec![good.clone()], &[], &listing(&served, true)));
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
        let verdict = shown(&observed(vec![good.clone()], &[], &listing(&served, false)));
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(verdict.actual.contains("sans lien"), "{}", verdict.actual);
        // Drawn by a script: the JSON it is drawn from counts.
        let mut json = observed(vec![good], &[], "");
        let items: Vec<serde_json::Value> = served
            .iter()
            .map(|r| serde_json::json!({"titre": r.name, "lien": r.url}))
            .collect();
        json.page = Ok(page(
            "application/json",
            &serde_json::Value::Array(items).to_string(),
        ));
        assert_eq!(shown(&json).status, AssertionStatus::Passed);
        // Nothing served: nothing to compare the page with.
        let refused = call(Some(wanted()), Presented::Nothing);
        let verdict = shown(&observed(vec![refused], &[], ""));
        assert_eq!(verdict.status, AssertionStatus::Error);
    }

    #[test]
    fn urls_match_whatever_the_escaping() {
        assert!(same_url(
            "https://gar.test/d?idRessource=ark%3A%2F99999%2Fx",
            "https://gar.test/d?idRessource=ark:/99999/x"
        ));
        assert!(!same_url(
            "https://gar.test/d?idRessource=ark:/99999/y",
            "https://gar.test/d?idRessource=ark:/99999/x"
        ));
    }

    #[test]
    fn a_call_for_someone_else_names_what_differs() {
        let wanted = Asked {
            id_ent: "BEL".to_owned(),
            uai: "0990001A".to_owned(),
            person: "u-1".to_owned(),
        };
        let other = Asked {
            person: "u-2".to_owned(),
            ..wanted.clone()
        };
        let found = differences(&other, &wanted);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("« u-2 »"), "{found:?}");
        assert!(differences(&wanted, &wanted).is_empty());
    }

    // ---- One médiacentre both rules pass on, and one change per failure.

    /// The pupil logged in, one call for them with the declared
    /// certificate, and a page listing every resource served with its link.
    fn everything_correct() -> GarMediacentreObservation {
        let good = call(Some(wanted()), Presented::Declared);
        let shown = listing(&good.served, true);
        observed(vec![good], &[], &shown)
    }

    use crate::check::outcome::assert_says as says;

    #[test]
    fn both_rules_pass_on_a_correct_mediacentre() {
        let observed = everything_correct();
        let verdict = judge_mediacentre(GarRule::MediacentreCall, &observed);
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
        assert_eq!(
            verdict.actual,
            "1 appel(s) /ressources/BEL/0990001A/u-1, avec le certificat déclaré"
        );
        let served = observed.received.calls[0].served.len();
        assert!(served > 0, "the service serves a list to compare with");
        let verdict = judge_mediacentre(GarRule::MediacentreShown, &observed);
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
        assert_eq!(
            verdict.actual,
            format!(
                "{served} ressource(s) affichée(s) avec leur lien sur \
                 http://ent.test/mediacentre"
            )
        );
    }

    #[test]
    fn a_call_without_a_client_certificate_fails() {
        let mut observed = everything_correct();
        observed.received.calls[0].certificate = Presented::Nothing;
        says(
            &judge_mediacentre(GarRule::MediacentreCall, &observed),
            AssertionStatus::Failed,
            "GET /ressources/BEL/0990001A/u-1 → 200 : sans certificat client",
        );
    }

    #[test]
    fn calls_only_for_another_school_fail_twice() {
        let elsewhere = Asked {
            uai: "0990002B".to_owned(),
            ..wanted()
        };
        let observed = observed(vec![call(Some(elsewhere), Presented::Declared)], &[], "");
        let verdict = judge_mediacentre(GarRule::MediacentreCall, &observed);
        says(
            &verdict,
            AssertionStatus::Failed,
            "UAI « 0990002B » au lieu de « 0990001A »",
        );
        assert!(
            verdict
                .actual
                .contains("aucun appel pour l'élève connecté (/ressources/BEL/0990001A/u-1)"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn no_call_at_all_fails_naming_the_service() {
        let observed = observed(Vec::new(), &[], "");
        says(
            &judge_mediacentre(GarRule::MediacentreCall, &observed),
            AssertionStatus::Failed,
            "aucun appel reçu par le service ressources du GAR (https://127.0.0.1:9443/)",
        );
        let refused = observed_with_reset();
        says(
            &judge_mediacentre(GarRule::MediacentreCall, &refused),
            AssertionStatus::Failed,
            "aucun appel n'a abouti : connexion TLS interrompue : connection reset",
        );
    }

    fn observed_with_reset() -> GarMediacentreObservation {
        observed(Vec::new(), &[("connection reset", false)], "")
    }

    #[test]
    fn an_untrusted_harness_certificate_says_what_to_do() {
        let observed = observed(Vec::new(), &[("UnknownCA", true)], "");
        says(
            &judge_mediacentre(GarRule::MediacentreCall, &observed),
            AssertionStatus::Error,
            "le candidat refuse le certificat du service ressources d'entconf \
             (connexion TLS interrompue : UnknownCA)",
        );
    }

    #[test]
    fn both_rules_are_errors_when_the_pupil_is_not_logged_in() {
        let mut failed = everything_correct();
        failed.login = Err("IdP injoignable".to_owned());
        let mut elsewhere = everything_correct();
        elsewhere.login = Ok(page("text/html", "<p>Connexion</p>"));
        for rule in [GarRule::MediacentreCall, GarRule::MediacentreShown] {
            says(
                &judge_mediacentre(rule, &failed),
                AssertionStatus::Error,
                "la connexion de l'élève n'a pas pu être jouée : IdP injoignable",
            );
            says(
                &judge_mediacentre(rule, &elsewhere),
                AssertionStatus::Error,
                "Lucas Roux n'a pas atteint son compte",
            );
        }
    }

    #[test]
    fn both_rules_are_errors_without_the_pupils_gar_identifier() {
        let mut observed = everything_correct();
        observed.expected = Err("export non lu".to_owned());
        says(
            &judge_mediacentre(GarRule::MediacentreCall, &observed),
            AssertionStatus::Error,
            "identifiant GAR de l'élève inconnu : export non lu",
        );
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &observed),
            AssertionStatus::Error,
            "identifiant GAR de l'élève inconnu : voir GAR-08",
        );
    }

    #[test]
    fn a_resource_missing_from_the_page_fails_by_name() {
        let mut observed = everything_correct();
        let served = observed.received.calls[0].served.clone();
        let (missing, rest) = served.split_first().expect("a served list");
        observed.page = Ok(page("text/html", &listing(rest, true)));
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &observed),
            AssertionStatus::Failed,
            &format!("« {} » absente", missing.name),
        );
    }

    #[test]
    fn a_page_that_is_not_served_or_not_readable_fails() {
        let mut observed = everything_correct();
        let mut broken = page("text/html", "<p>erreur</p>");
        broken.status = 500;
        observed.page = Ok(broken);
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &observed),
            AssertionStatus::Failed,
            "http://ent.test/mediacentre → statut 500",
        );

        let mut observed = everything_correct();
        observed.page = Ok(page("text/plain", "des ressources, sans doute"));
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &observed),
            AssertionStatus::Failed,
            "http://ent.test/mediacentre : ni HTML ni JSON",
        );
    }

    #[test]
    fn shown_is_an_error_without_a_page_or_a_served_list() {
        let mut unopened = everything_correct();
        unopened.page = Err("délai dépassé".to_owned());
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &unopened),
            AssertionStatus::Error,
            "médiacentre non ouvert : délai dépassé",
        );

        // The only call was for someone else: nothing was served to the pupil.
        let other = Asked {
            person: "u-2".to_owned(),
            ..wanted()
        };
        let observed = observed(vec![call(Some(other), Presented::Declared)], &[], "");
        says(
            &judge_mediacentre(GarRule::MediacentreShown, &observed),
            AssertionStatus::Error,
            "le GAR n'a servi aucune liste à l'élève (/ressources/BEL/0990001A/u-1) : voir GAR-08",
        );
    }

    #[test]
    fn another_gar_rule_is_an_error() {
        says(
            &judge_mediacentre(GarRule::Schema, &everything_correct()),
            AssertionStatus::Error,
            "règle lue sur une étape gar_mediacentre",
        );
    }
}
