//! Judging deletions and their certificates: pure functions over what the
//! `deletion` step asked, fetched and probed.
//!
//! A certificate's content is read even when its signature does not
//! verify: the signature is DELCERT-02's business, and each rule then says
//! one thing. A certificate for data that still exists is a failure of the
//! deletion (DELCERT-04), whatever the certificate says.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Months, Utc};
use serde_json::Value;

use crate::reversibility::DelcertRule;
use crate::reversibility::jws;
use crate::text::fold;

use super::observation::{
    AskedDeletion, Attempt, CountChange, DeletionObservation, Fetched, ObjectProbe,
    ServedCertificate,
};
use crate::check::login::{lets_in, where_it_ended};
use crate::check::outcome::{Verdict, verdict, with_note};

/// Evaluates one rule.
pub fn judge_delcert(rule: DelcertRule, observed: &DeletionObservation) -> Verdict {
    match rule {
        DelcertRule::Channel => channel(observed),
        DelcertRule::Signed => signed(observed),
        DelcertRule::Content => each_payload(observed, rule, content),
        DelcertRule::Effective => effective(observed),
        DelcertRule::Backups => each_payload(observed, rule, backups),
        DelcertRule::Counts => each_payload(observed, rule, counts),
        DelcertRule::Logins => logins(observed),
        DelcertRule::Statistics => statistics(observed),
        DelcertRule::Timeliness => each_payload(observed, rule, timeliness),
        DelcertRule::Processors => each_payload(observed, rule, processors),
        DelcertRule::Notifications => each_payload(observed, rule, notifications),
        DelcertRule::Exceptions => each_payload(observed, rule, exceptions),
        DelcertRule::Journal => journal(observed),
    }
}

fn label(asked: &AskedDeletion) -> String {
    format!("suppression de {}", asked.label)
}

fn channel(observed: &DeletionObservation) -> Verdict {
    let expected = "les demandes de suppression d'un anonyme et d'une autre collectivité refusées \
                    (redirection, 401, 403, 404 ou 410) ; chaque demande du responsable acceptée, \
                    référencée et suivie jusqu'à son certificat";
    let mut problems = Vec::new();
    let mut unknown = None;
    for attempt in &observed.foreign {
        match attempt.refused() {
            Ok(true) => {}
            Ok(false) => problems.push(format!("{} (suppression acceptée)", attempt.describe())),
            Err(why) => unknown = Some(format!("{} : {why}", attempt.describe())),
        }
    }
    for asked in &observed.asked {
        match &asked.certificate {
            Fetched::Got(_) => {}
            Fetched::Undelivered(why) => problems.push(format!("{} : {why}", label(asked))),
            Fetched::Unavailable(why) => unknown = Some(format!("{} : {why}", label(asked))),
            Fetched::Declined(declined) if declined.on_the_setup() => {
                unknown = Some(format!("{} : {}", label(asked), declined.why()));
            }
            Fetched::Declined(declined) => {
                problems.push(format!("{} : {}", label(asked), declined.why()));
            }
        }
    }
    let tried: Vec<String> = observed.foreign.iter().map(Attempt::describe).collect();
    with_note(
        expected,
        problems,
        unknown.as_slice(),
        format!(
            "{} ; {} suppressions certifiées",
            tried.join(" ; "),
            observed.asked.len()
        ),
    )
}

/// The certificates obtained, or the verdict that there are none to judge.
fn certificates<'a>(
    observed: &'a DeletionObservation,
    expected: &str,
) -> Result<Vec<(&'a AskedDeletion, &'a ServedCertificate)>, Verdict> {
    let got: Vec<_> = observed
        .asked
        .iter()
        .filter_map(|asked| match &asked.certificate {
            Fetched::Got(served) => Some((asked, served)),
            _ => None,
        })
        .collect();
    if got.is_empty() {
        return Err(Verdict::error(
            expected,
            "aucun certificat obtenu (voir le canal de suppression)",
        ));
    }
    Ok(got)
}

/// What the candidate served, or the verdict when it did not: `fail`
/// (`missing`, and why) when the candidate did not serve it, `error` when
/// the harness could not ask or the operator's token was refused.
fn served_or<'a, T>(
    fetched: &'a Fetched<T>,
    expected: &str,
    missing: &str,
) -> Result<&'a T, Verdict> {
    match fetched {
        Fetched::Got(value) => Ok(value),
        Fetched::Undelivered(why) => Err(Verdict::fail(expected, format!("{missing} : {why}"))),
        Fetched::Unavailable(why) => Err(Verdict::error(expected, why.clone())),
        Fetched::Declined(declined) if declined.on_the_setup() => {
            Err(Verdict::error(expected, declined.why()))
        }
        Fetched::Declined(declined) => Err(Verdict::fail(
            expected,
            format!("{missing} : {}", declined.why()),
        )),
    }
}

fn signed(observed: &DeletionObservation) -> Verdict {
    let expected = "chaque certificat est un JWS compact signé en EdDSA par une clé du jeu publié \
                    (certificate_keys), vérifiable hors ligne, identique à chaque téléchargement";
    let served = match certificates(observed, expected) {
        Ok(served) => served,
        Err(verdict) => return verdict,
    };
    let keys = match served_or(&observed.keys, expected, "clés de signature non publiées") {
        Ok(keys) => keys,
        Err(verdict) => return verdict,
    };
    let mut problems = Vec::new();
    let mut kids = Vec::new();
    for (asked, certificate) in served {
        match jws::verify(&certificate.compact, keys) {
            Ok(verified) => kids.push(verified.kid),
            Err(why) => problems.push(format!("{} : {why}", label(asked))),
        }
        if !certificate.identical {
            problems.push(format!(
                "{} : deux téléchargements du certificat diffèrent",
                label(asked)
            ));
        }
    }
    kids.dedup();
    verdict(
        expected,
        &problems,
        format!("signatures vérifiées avec la clé {}", kids.join(", ")),
    )
}

/// The payload of a compact JWS, read without trusting it.
fn payload(compact: &str) -> Result<Value, String> {
    let part = compact
        .trim()
        .split('.')
        .nth(1)
        .ok_or("pas un JWS compact (trois parties séparées par « . »)")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|error| format!("charge utile : base64url invalide ({error})"))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| format!("charge utile : JSON invalide ({error})"))
}

/// What a judge of one certificate's payload reads besides the payload:
/// the deletion as asked, and the certificate as served (with the time the
/// harness saw it, from the run's clock).
type PayloadJudge = fn(&AskedDeletion, &ServedCertificate, &Value, &mut Vec<String>);

/// Runs `judge` over each certificate's payload.
fn each_payload(observed: &DeletionObservation, rule: DelcertRule, judge: PayloadJudge) -> Verdict {
    let expected = rule.label_fr();
    let served = match certificates(observed, expected) {
        Ok(served) => served,
        Err(verdict) => return verdict,
    };
    let mut problems = Vec::new();
    for (asked, certificate) in &served {
        match payload(&certificate.compact) {
            Err(why) => problems.push(format!("{} : {why}", label(asked))),
            Ok(value) => {
                let before = problems.len();
                judge(asked, certificate, &value, &mut problems);
                for problem in &mut problems[before..] {
                    *problem = format!("{} : {problem}", label(asked));
                }
            }
        }
    }
    verdict(
        expected,
        &problems,
        format!("{} certificats examinés", served.len()),
    )
}

fn text_at<'a>(value: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn date_at(value: &Value, path: &str) -> Option<DateTime<Utc>> {
    text_at(value, path)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// Fields every certificate must give (docs/requirements.md, Appendix B, core).
const REQUIRED: [(&str, &str); 13] = [
    ("certificat", "identifiant du certificat"),
    ("emis", "date d'émission"),
    ("demande.reference", "référence de la demande"),
    ("demande.date", "date de la demande"),
    ("demande.demandeur", "demandeur"),
    ("responsable_traitement", "responsable de traitement"),
    ("perimetre.type", "type de périmètre"),
    ("methode.categorie", "méthode de suppression"),
    ("methode.outil", "outil employé"),
    ("verification.methode", "méthode de vérification"),
    ("verification.resultat", "résultat de la vérification"),
    ("signataire.nom", "nom du signataire"),
    ("signataire.qualite", "qualité du signataire"),
];

fn content(
    asked: &AskedDeletion,
    served: &ServedCertificate,
    value: &Value,
    problems: &mut Vec<String>,
) {
    for (path, what) in REQUIRED {
        if text_at(value, path).is_none() {
            problems.push(format!("{what} ({path}) absent"));
        }
    }
    let processors = value
        .get("sous_traitants")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    if !processors {
        problems.push("sous-traitant(s) couverts (sous_traitants) absents".to_owned());
    }
    if let Some(reference) = text_at(value, "demande.reference")
        && reference != served.reference
    {
        problems.push(format!(
            "demande.reference « {reference} » au lieu de « {} », la référence donnée à la demande",
            served.reference
        ));
    }
    if let Some(kind) = text_at(value, "perimetre.type")
        && kind != asked.kind
    {
        problems.push(format!(
            "périmètre « {kind} » au lieu de « {} »",
            asked.kind
        ));
    }
    let ids: Vec<&str> = value
        .pointer("/perimetre/identifiants")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !ids.contains(&asked.id.as_str()) {
        problems.push(format!(
            "perimetre.identifiants ne nomme pas « {} » ({})",
            asked.id,
            if ids.is_empty() {
                "vide".to_owned()
            } else {
                ids.join(", ")
            }
        ));
    }
    for path in ["dates.debut", "dates.fin"] {
        if date_at(value, path).is_none() {
            problems.push(format!("{path} absente ou pas en RFC 3339"));
        }
    }
    // A minute of slack for clocks.
    if let Some(issued) = date_at(value, "emis")
        && issued < asked.asked_at - chrono::Duration::minutes(1)
    {
        problems.push(format!(
            "émis le {issued}, avant la demande du {}",
            asked.asked_at.to_rfc3339()
        ));
    }
}

fn backups(
    _: &AskedDeletion,
    served: &ServedCertificate,
    value: &Value,
    problems: &mut Vec<String>,
) {
    let systems: Vec<String> = value
        .get("systemes")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(fold).collect())
        .unwrap_or_default();
    if !systems.iter().any(|s| s.contains("sauvegarde")) {
        problems.push("les sauvegardes ne figurent pas parmi les systèmes traités".to_owned());
    }
    // Three months from the deletion, as the harness saw it done, plus a
    // minute of slack for clocks.
    let done = served.certified_at;
    let limit =
        done.checked_add_months(Months::new(3)).unwrap_or(done) + chrono::Duration::minutes(1);
    match date_at(value, "sauvegardes.destruction_avant") {
        None => problems.push(
            "aucune date de destruction des sauvegardes (sauvegardes.destruction_avant)".to_owned(),
        ),
        Some(at) if at > limit => problems.push(format!(
            "sauvegardes détruites avant le {}, au-delà de trois mois (au plus tard le {})",
            at.date_naive(),
            limit.date_naive()
        )),
        Some(_) => {}
    }
}

/// Months a deletion may take: a user's or a class's within the month of
/// RGPD art. 12(3), a school's (end of contract) within the CCAG's three.
fn allowed_months(asked: &AskedDeletion) -> u32 {
    if asked.kind == "ecole" { 3 } else { 1 }
}

fn timeliness(
    asked: &AskedDeletion,
    served: &ServedCertificate,
    value: &Value,
    problems: &mut Vec<String>,
) {
    let months = allowed_months(asked);
    let span = if months == 1 {
        "d'un mois"
    } else {
        "de trois mois"
    };
    let slack = chrono::Duration::minutes(1);
    // The harness's own times, not the certificate's word: when it asked,
    // and when it saw the certificate, both read by the scenario from the
    // run's clock (a judge reads none).
    let asked_at = asked.asked_at;
    let limit = asked_at
        .checked_add_months(Months::new(months))
        .unwrap_or(asked_at)
        + slack;
    let seen = served.certified_at;
    let Some(end) = date_at(value, "dates.fin") else {
        problems.push("dates.fin absente ou pas en RFC 3339".to_owned());
        return;
    };
    if end > limit {
        problems.push(format!(
            "suppression achevée le {} : plus {span} après la demande du {}",
            end.date_naive(),
            asked_at.date_naive()
        ));
    }
    for (path, what) in [("dates.fin", "fin de la suppression"), ("emis", "émission")] {
        if let Some(at) = date_at(value, path)
            && at > seen + slack
        {
            problems.push(format!(
                "{what} datée du {} alors que le certificat a été obtenu le {} : un certificat \
                 constate une suppression faite, il ne l'annonce pas",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
    }
}

fn list<'a>(value: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
    value.get(key).and_then(Value::as_array)
}

fn processors(_: &AskedDeletion, _: &ServedCertificate, value: &Value, problems: &mut Vec<String>) {
    let Some(processors) = list(value, "sous_traitants").filter(|l| !l.is_empty()) else {
        problems.push("aucun sous-traitant listé (sous_traitants)".to_owned());
        return;
    };
    let mut hosting = false;
    for (index, processor) in processors.iter().enumerate() {
        let name =
            text_at(processor, "nom").map_or_else(|| format!("n° {}", index + 1), str::to_owned);
        let Some(role) = text_at(processor, "role") else {
            problems.push(format!("sous-traitant {name} : rôle (role) absent"));
            continue;
        };
        hosting |= fold(role).contains("heberg");
        if text_at(processor, "attestation").is_none()
            && text_at(processor, "declaration").is_none()
        {
            problems.push(format!(
                "sous-traitant {name} ({role}) : ni attestation ni déclaration de suppression"
            ));
        }
    }
    if !hosting {
        problems.push(
            "aucun sous-traitant n'a le rôle d'hébergeur : l'hébergement n'est pas couvert"
                .to_owned(),
        );
    }
}

fn notifications(
    asked: &AskedDeletion,
    _: &ServedCertificate,
    value: &Value,
    problems: &mut Vec<String>,
) {
    let Some(sent) = list(value, "notifications").filter(|l| !l.is_empty()) else {
        problems.push(
            "aucune notification aux destinataires (notifications) : le GAR reçoit l'annuaire"
                .to_owned(),
        );
        return;
    };
    let mut gar = false;
    for (index, notice) in sent.iter().enumerate() {
        let Some(to) = text_at(notice, "destinataire") else {
            problems.push(format!("notification n° {} sans destinataire", index + 1));
            continue;
        };
        gar |= to
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == "GAR");
        match date_at(notice, "date") {
            None => problems.push(format!("notification à {to} sans date RFC 3339")),
            Some(at) if at < asked.asked_at - chrono::Duration::minutes(1) => problems.push(
                format!("notification à {to} datée du {at}, avant la demande"),
            ),
            Some(_) => {}
        }
    }
    if !gar {
        problems.push("le GAR, destinataire de l'annuaire, n'est pas notifié".to_owned());
    }
}

/// Words that name content: an exception keeping such data is not minimal.
const CONTENT_WORDS: [&str; 8] = [
    "message",
    "fichier",
    "billet",
    "blog",
    "commentaire",
    "photo",
    "document",
    "cahier",
];

fn exceptions(_: &AskedDeletion, _: &ServedCertificate, value: &Value, problems: &mut Vec<String>) {
    let Some(kept) = list(value, "exceptions") else {
        problems.push(
            "aucune liste des données conservées (exceptions ; une liste vide dit « aucune »)"
                .to_owned(),
        );
        return;
    };
    let issued = date_at(value, "emis");
    for (index, exception) in kept.iter().enumerate() {
        let Some(data) = text_at(exception, "donnees") else {
            problems.push(format!(
                "exception n° {} : données (donnees) non nommées",
                index + 1
            ));
            continue;
        };
        let folded = fold(data);
        if let Some(word) = folded
            .split(|c: char| !c.is_alphanumeric())
            // The plural too: « messages », « photos » name content as well.
            .find(|word| {
                CONTENT_WORDS
                    .iter()
                    .any(|content| word == content || word.strip_suffix('s') == Some(content))
            })
        {
            problems.push(format!(
                "« {data} » conservé : du contenu ({word}), pas des journaux ; seule une conservation \
                 imposée par la loi est admise"
            ));
        }
        match text_at(exception, "base_legale") {
            None => problems.push(format!("« {data} » : base légale (base_legale) absente")),
            Some(basis) => {
                let basis = fold(basis);
                if basis.contains("statisti") && !folded.contains("anonym") {
                    problems.push(format!(
                        "« {data} » conservé « pour les statistiques » sans être anonymisé"
                    ));
                }
            }
        }
        match (date_at(exception, "fin"), issued) {
            (None, _) => problems.push(format!("« {data} » : date de fin (fin) absente")),
            (Some(end), Some(issued)) if beyond_a_year(issued, end) => {
                problems.push(format!(
                    "« {data} » conservé jusqu'au {} : plus d'un an après le certificat",
                    end.date_naive()
                ));
            }
            _ => {}
        }
    }
}

/// Whether `until` is more than a year (and a day of slack) after `from`:
/// the longest that connection logs are kept (LCEN decree, CNIL).
fn beyond_a_year(from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    until > from.checked_add_months(Months::new(12)).unwrap_or(from) + chrono::Duration::days(1)
}

/// Every string of a JSON value, folded (escapes are gone once parsed).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(fold(text)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(fields) => fields.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

fn journal(observed: &DeletionObservation) -> Verdict {
    let expected = "le journal des suppressions (deletion_log), lu par le responsable, a une entrée \
                    par demande — référence, date, demandeur, exécutant, périmètre, conservation \
                    d'au plus un an — et ne recopie rien de ce qui a été supprimé (noms, contenus)";
    let text = match served_or(&observed.journal, expected, "journal non fourni") {
        Ok(text) => text,
        Err(verdict) => return verdict,
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return Verdict::fail(expected, format!("journal : JSON invalide ({error})")),
    };
    let Some(entries) = list(&value, "entrees") else {
        return Verdict::fail(expected, "journal sans liste « entrees »");
    };
    // Without a certificate there is no reference to look for.
    if let Err(verdict) = certificates(observed, expected) {
        return verdict;
    }
    let mut problems = Vec::new();
    for asked in &observed.asked {
        let Fetched::Got(served) = &asked.certificate else {
            continue;
        };
        let what = label(asked);
        let Some(entry) = entries
            .iter()
            .find(|e| text_at(e, "reference") == Some(served.reference.as_str()))
        else {
            problems.push(format!(
                "{what} (référence {}) absente du journal",
                served.reference
            ));
            continue;
        };
        for (path, name) in [
            ("demandeur", "demandeur"),
            ("executant", "exécutant"),
            ("perimetre.type", "type de périmètre"),
            ("perimetre.id", "identifiant du périmètre"),
        ] {
            if text_at(entry, path).is_none() {
                problems.push(format!("{what} : {name} ({path}) absent du journal"));
            }
        }
        if text_at(entry, "perimetre.type").is_some_and(|kind| kind != asked.kind)
            || text_at(entry, "perimetre.id").is_some_and(|id| id != asked.id)
        {
            problems.push(format!("{what} : le journal donne un autre périmètre"));
        }
        match (
            date_at(entry, "date"),
            date_at(entry, "conservation_jusqu_au"),
        ) {
            (None, _) => problems.push(format!("{what} : date absente ou pas en RFC 3339")),
            (_, None) => problems.push(format!(
                "{what} : durée de conservation de l'entrée (conservation_jusqu_au) absente"
            )),
            (Some(at), Some(until)) if beyond_a_year(at, until) => {
                problems.push(format!(
                    "{what} : entrée conservée jusqu'au {}, plus d'un an",
                    until.date_naive()
                ));
            }
            _ => {}
        }
    }
    // A name may be split in fields (nom, prenom): all its words in one
    // entry are enough.
    let forbidden: Vec<(&String, &Vec<String>, Vec<String>)> = observed
        .unjournaled
        .iter()
        .map(|(what, words)| (what, words, words.iter().map(|w| fold(w)).collect()))
        .collect();
    for entry in entries {
        let mut texts = Vec::new();
        strings(entry, &mut texts);
        let text = texts.join(" ");
        for (what, words, folded) in &forbidden {
            if folded.iter().all(|word| text.contains(word.as_str())) {
                problems.push(format!(
                    "le journal recopie {what} : « {} »",
                    words.join(" ")
                ));
            }
        }
    }
    problems.dedup();
    verdict(
        expected,
        &problems,
        format!(
            "{} entrées, dont les {} demandes",
            entries.len(),
            observed.asked.len()
        ),
    )
}

fn counts(asked: &AskedDeletion, _: &ServedCertificate, value: &Value, problems: &mut Vec<String>) {
    let mut stated: BTreeMap<String, u64> = BTreeMap::new();
    for (kind, count) in value
        .get("elements")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        match count.as_u64() {
            Some(n) => {
                stated.insert(kind.clone(), n);
            }
            None => problems.push(format!("{kind} : « {count} » n'est pas un décompte")),
        }
    }
    if stated.is_empty() {
        problems.push("aucun décompte (elements) des données supprimées".to_owned());
        return;
    }
    let kinds: std::collections::BTreeSet<&String> =
        asked.expected.keys().chain(stated.keys()).collect();
    for kind in kinds {
        let want = asked.expected.get(kind).copied().unwrap_or(0) as u64;
        let said = stated.get(kind).copied().unwrap_or(0);
        if asked.at_least.contains(kind) {
            if said < want {
                problems.push(format!(
                    "{kind} : {said} certifiés, au moins {want} amorcés dans ce périmètre"
                ));
            }
        } else if want != said {
            problems.push(format!(
                "{kind} : {said} certifiés, {want} amorcés dans ce périmètre"
            ));
        }
    }
}

fn logins(observed: &DeletionObservation) -> Verdict {
    let expected = "les comptes supprimés (le parent, un élève et l'enseignant de l'école supprimée) \
                    ne se connectent plus par EduConnect ni par le guichet agents : leur page de \
                    compte, ouverte avant les suppressions, reste fermée après ; un compte non visé \
                    (l'enseignant de l'école exportée) s'ouvre toujours";
    let logins = match &observed.logins {
        Ok(logins) if logins.iter().any(|l| !l.kept) => logins,
        Ok(_) => {
            return Verdict::error(
                expected,
                format!(
                    "aucun compte supprimé à connecter ({})",
                    observed.unwitnessed.join(" ; ")
                ),
            );
        }
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut seen = Vec::new();
    for login in logins {
        let before = match &login.before {
            Err(why) => {
                unknown.push(format!(
                    "{} : connexion de contrôle non jouée ({why})",
                    login.who
                ));
                continue;
            }
            Ok(trace) => trace,
        };
        if !lets_in(&before.account, &login.person) {
            unknown.push(format!(
                "{} : avant les suppressions déjà, la connexion n'ouvre pas le compte de {} ({}) : \
                 un refus ensuite ne prouverait rien",
                login.who,
                login.person.name,
                where_it_ended(&before.account)
            ));
            continue;
        }
        let after = match &login.after {
            Err(why) => {
                unknown.push(format!("{} : connexion non jouée ({why})", login.who));
                continue;
            }
            Ok(after) => after,
        };
        let opens = lets_in(&after.account, &login.person);
        let ended = where_it_ended(&after.account);
        match (login.kept, opens) {
            (false, true) => problems.push(format!(
                "{} : {} se connecte encore après la suppression certifiée (page de compte {ended})",
                login.who, login.person.name
            )),
            (true, false) => problems.push(format!(
                "{} : {} ne se connecte plus après des suppressions qui ne le visaient pas \
                 (page de compte {ended})",
                login.who, login.person.name
            )),
            (false, false) => seen.push(format!(
                "{} : compte ouvert avant, fermé après ({ended})",
                login.who
            )),
            (true, true) => seen.push(format!("{} : toujours ouvert", login.who)),
        }
    }
    seen.extend(observed.unwitnessed.iter().cloned());
    with_note(expected, problems, &unknown, seen.join(" ; "))
}

fn statistics(observed: &DeletionObservation) -> Verdict {
    let expected = "dans les statistiques (comptes chargés, semaine en cours) : un compte de moins \
                    dans l'école du parent supprimé, aucun dans l'école supprimée (ou l'école \
                    inconnue), aucun changement dans l'école d'une autre collectivité";
    let counts = match &observed.counts {
        Ok(counts) if !counts.is_empty() => counts,
        Ok(_) => return Verdict::error(expected, "aucune école à relire"),
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut seen = Vec::new();
    for count in counts {
        let uai = &count.uai;
        let (before, after) = match (&count.before, &count.after) {
            (Err(why), _) => {
                unknown.push(format!("école {uai}, avant les suppressions : {why}"));
                continue;
            }
            (_, Err(why)) => {
                unknown.push(format!("école {uai}, après les suppressions : {why}"));
                continue;
            }
            (Ok(before), Ok(after)) => (*before, *after),
        };
        let shown = after.map_or_else(|| "école inconnue".to_owned(), |n| n.to_string());
        let problem = match (count.change, after) {
            (CountChange::Minus(gone), Some(now)) if now.checked_add(gone) == Some(before) => None,
            (CountChange::Minus(gone), _) => Some(format!(
                "école {uai} : {shown} comptes chargés après la suppression d'un compte, {before} \
                 avant ({} attendus)",
                before.saturating_sub(gone)
            )),
            (CountChange::Zero, _) if before == 0 => {
                unknown.push(format!(
                    "école supprimée {uai} : aucun compte chargé déjà avant, la suppression ne se \
                     voit pas"
                ));
                continue;
            }
            (CountChange::Zero, None | Some(0)) => None,
            (CountChange::Zero, Some(now)) => Some(format!(
                "école supprimée {uai} : encore {now} comptes chargés ({before} avant)"
            )),
            (CountChange::Same, Some(now)) if now == before => None,
            (CountChange::Same, _) => Some(format!(
                "école {uai}, qu'aucune suppression ne visait : {shown} comptes chargés après, \
                 {before} avant"
            )),
        };
        match problem {
            Some(problem) => problems.push(problem),
            None => seen.push(format!("école {uai} : {before} → {shown}")),
        }
    }
    if !counts.iter().any(|c| c.change == CountChange::Same) {
        seen.push("aucune école d'une autre collectivité : pas de témoin inchangé".to_owned());
    }
    with_note(expected, problems, &unknown, seen.join(" ; "))
}

fn effective(observed: &DeletionObservation) -> Verdict {
    let expected = "chaque objet supprimé répond 404 ou 410 et n'est plus dans un nouvel export ; \
                    ce qui n'était pas visé est toujours là";
    let probes: &[ObjectProbe] = match &observed.probes {
        Ok(probes) => probes,
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for probe in probes {
        match (&probe.status, probe.kept) {
            (Err(why), _) => notes.push(format!("{} : {why}", probe.what)),
            (Ok(200..=299), false) => problems.push(format!(
                "{} (« {} ») existe encore : certifié supprimé",
                probe.what, probe.id
            )),
            (Ok(404 | 410), true) => problems.push(format!(
                "{} (« {} ») supprimé alors qu'il n'était pas visé",
                probe.what, probe.id
            )),
            (Ok(200..=299 | 404 | 410), _) => {}
            (Ok(status), _) => problems.push(format!(
                "{} (« {} ») → statut {status} au lieu de 200, 404 ou 410",
                probe.what, probe.id
            )),
        }
    }
    if !observed.unprobed.is_empty() {
        notes.push(format!(
            "sans identifiant dans les exports, donc non interrogés : {}",
            crate::check::outcome::listed(&observed.unprobed)
        ));
    }
    match observed.after.examined(expected) {
        Err(verdict) => notes.push(format!(
            "export fait après la suppression : {}",
            verdict.actual
        )),
        Ok(after) => after_deletion(observed, after, &mut problems, &mut notes),
    }
    with_note(
        expected,
        problems,
        &notes,
        format!(
            "{} objets interrogés, {} éléments supprimés absents du nouvel export, {} conservés",
            probes.len(),
            observed.gone.len(),
            observed.kept.len()
        ),
    )
}

/// What the export made after the deletions still holds that it should
/// not, and what it lost that it should have kept.
fn after_deletion(
    observed: &DeletionObservation,
    after: &crate::reversibility::Examined,
    problems: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    let texts = after.records.texts();
    let names: Vec<&str> = after
        .records
        .fichiers
        .iter()
        .map(|f| f.nom.as_str())
        .collect();
    let present =
        |needle: &str| texts.iter().any(|(_, t)| t.contains(needle)) || names.contains(&needle);
    for gone in &observed.gone {
        if present(gone) {
            problems.push(format!(
                "« {gone} » encore dans l'export fait après la suppression"
            ));
        }
    }
    for kept in &observed.kept {
        if !present(kept) {
            problems.push(format!(
                "« {kept} » a disparu de l'export sans avoir été visé"
            ));
        }
    }
    let accounts: Vec<&str> = after
        .records
        .personnes
        .iter()
        .filter_map(|p| p.jointure.as_deref())
        .collect();
    if accounts.is_empty() && !after.records.personnes.is_empty() {
        // Without join keys an account cannot be recognised: EXPORT-06 says so.
        notes.push("l'export ne donne pas les jointures : comptes non vérifiés".to_owned());
        return;
    }
    let (gone, kept) = &observed.accounts;
    for jointure in gone {
        if accounts.contains(&jointure.as_str()) {
            problems.push(format!(
                "compte {jointure} encore dans l'export fait après la suppression"
            ));
        }
    }
    for jointure in kept {
        if !accounts.contains(&jointure.as_str()) {
            problems.push(format!(
                "compte {jointure} disparu de l'export sans avoir été visé"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use std::sync::Arc;

    use ed25519_dalek::{Signer as _, SigningKey};
    use serde_json::json;

    use super::*;
    use crate::check::observation::Person;
    use crate::check::outcome::AssertionStatus;
    use crate::probe::LoginTrace;
    use crate::reversibility::format::{PersonRecord, Records};
    use crate::reversibility::{ArchiveRead, Examined, SchoolCount, WitnessLogin};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, day, hour, 0, 0)
            .single()
            .expect("valid date")
    }

    fn stamp(time: DateTime<Utc>) -> String {
        time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// A compact JWS carrying `payload`; unsigned: DELCERT-06 reads the
    /// payload only (the signature is DELCERT-02's).
    fn compact(payload: &Value) -> String {
        let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        format!(
            "{}.{}.{}",
            encode(br#"{"alg":"EdDSA"}"#),
            encode(payload.to_string().as_bytes()),
            encode(b"signature")
        )
    }

    /// One user's deletion asked at `asked_at`, whose certificate says the
    /// deletion ended at `end` and was issued then, and which the harness
    /// saw at `seen`: the times a scenario takes from the run's clock.
    fn observed(
        asked_at: DateTime<Utc>,
        end: DateTime<Utc>,
        seen: DateTime<Utc>,
    ) -> DeletionObservation {
        let payload = serde_json::json!({
            "emis": stamp(end),
            "dates": { "debut": stamp(asked_at), "fin": stamp(end) },
        });
        let refused = |who: &str| Attempt {
            who: who.to_owned(),
            what: "POST /api/suppressions".to_owned(),
            status: Ok(403),
        };
        DeletionObservation {
            asked: vec![AskedDeletion {
                kind: "utilisateur".to_owned(),
                id: "0990001N/eleve1".to_owned(),
                label: "l'élève Camille".to_owned(),
                asked_at,
                started: Attempt {
                    who: "responsable".to_owned(),
                    what: "POST /api/suppressions".to_owned(),
                    status: Ok(202),
                },
                certificate: Fetched::Got(ServedCertificate {
                    reference: "SUP-1".to_owned(),
                    certified_at: seen,
                    compact: compact(&payload),
                    identical: true,
                }),
                expected: BTreeMap::new(),
                at_least: Vec::new(),
            }],
            foreign: vec![refused("anonyme")],
            keys: Fetched::Unavailable("non lues dans ce test".to_owned()),
            probes: Ok(Vec::new()),
            unprobed: Vec::new(),
            accounts: (Vec::new(), Vec::new()),
            logins: Ok(Vec::new()),
            unwitnessed: Vec::new(),
            counts: Ok(Vec::new()),
            journal: Fetched::Unavailable("non lu dans ce test".to_owned()),
            unjournaled: Vec::new(),
            after: ArchiveRead::Unavailable("non lu dans ce test".to_owned()),
            gone: Vec::new(),
            kept: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn timeliness_passes_a_deletion_done_within_the_month_and_certified_before_it_was_seen() {
        let verdict = judge_delcert(
            DelcertRule::Timeliness,
            &observed(at(1, 8), at(3, 10), at(3, 11)),
        );
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn timeliness_fails_a_certificate_dated_after_the_harness_saw_it() {
        // The same certificate, seen by the harness a day before the date
        // it gives: the verdict turns on the time the observation carries.
        let verdict = judge_delcert(
            DelcertRule::Timeliness,
            &observed(at(1, 8), at(3, 10), at(2, 10)),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict.actual.contains("obtenu le 2026-09-02T10:00:00Z"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn timeliness_fails_a_user_deletion_ended_more_than_a_month_after_it_was_asked() {
        let end =
            at(1, 8).checked_add_months(Months::new(1)).expect("date") + chrono::Duration::days(1);
        let verdict = judge_delcert(
            DelcertRule::Timeliness,
            &observed(at(1, 8), end, end + chrono::Duration::hours(1)),
        );
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict
                .actual
                .contains("plus d'un mois après la demande du 2026-09-01"),
            "{}",
            verdict.actual
        );
    }

    /// Judges `rule`, and checks its status and that its message says
    /// `said`: a judge that reaches the right status for another reason
    /// does not pass.
    #[track_caller]
    fn expect(
        rule: DelcertRule,
        observed: &DeletionObservation,
        status: AssertionStatus,
        said: &str,
    ) -> Verdict {
        let verdict = judge_delcert(rule, observed);
        assert_eq!(verdict.status, status, "{rule:?} : {}", verdict.actual);
        assert!(
            verdict.actual.contains(said),
            "{rule:?} : « {said} » absent de « {} »",
            verdict.actual
        );
        verdict
    }

    /// The rules that read each certificate's payload.
    const PAYLOAD_RULES: [DelcertRule; 7] = [
        DelcertRule::Content,
        DelcertRule::Backups,
        DelcertRule::Counts,
        DelcertRule::Timeliness,
        DelcertRule::Processors,
        DelcertRule::Notifications,
        DelcertRule::Exceptions,
    ];

    /// A certificate saying everything each payload rule asks of the
    /// deletion `certified` builds (asked on the 1st at 8:00, done and
    /// issued on the 3rd at 10:00, seen at 11:00): each failing test
    /// breaks one part of it, so that the failure is that part's.
    fn complete() -> Value {
        json!({
            "certificat": "CERT-1",
            "emis": stamp(at(3, 10)),
            "demande": {
                "reference": "SUP-1",
                "date": stamp(at(1, 8)),
                "demandeur": "Mairie de Testville",
            },
            "responsable_traitement": "Commune de Testville",
            "perimetre": { "type": "utilisateur", "identifiants": ["0990001N/eleve1"] },
            "methode": { "categorie": "effacement", "outil": "purge SQL" },
            "verification": { "methode": "requête de contrôle", "resultat": "aucune ligne" },
            "signataire": { "nom": "Jeanne Dupont", "qualite": "déléguée à la protection des données" },
            "dates": { "debut": stamp(at(1, 8)), "fin": stamp(at(3, 10)) },
            "systemes": ["base principale", "Sauvegardes quotidiennes"],
            "sauvegardes": { "destruction_avant": stamp(at(30, 0)) },
            "elements": { "messages": 2 },
            "sous_traitants": [
                { "nom": "Nuage SA", "role": "Hébergement", "attestation": "ATT-7" },
                { "nom": "Courriel SAS", "role": "messagerie", "declaration": "DEC-2" },
            ],
            "notifications": [
                { "destinataire": "GAR (Canopé)", "date": stamp(at(3, 10)) },
            ],
            "exceptions": [
                {
                    "donnees": "journaux de connexion",
                    "base_legale": "LCEN, décret 2021-1362",
                    "fin": "2027-09-01T00:00:00Z",
                },
            ],
        })
    }

    /// The deletion of `observed`, certified by `payload`, of which the
    /// ground truth expects two messages.
    fn certified(payload: &Value) -> DeletionObservation {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        let asked = &mut observation.asked[0];
        asked.expected.insert("messages".to_owned(), 2);
        if let Fetched::Got(served) = &mut asked.certificate {
            served.compact = compact(payload);
        }
        observation
    }

    /// `complete()` with `pointer`'s value replaced by `value`.
    fn complete_with(pointer: &str, value: Value) -> Value {
        let mut payload = complete();
        *payload.pointer_mut(pointer).expect("a field of complete()") = value;
        payload
    }

    /// `complete()` without the top-level field `key`.
    fn complete_without(key: &str) -> Value {
        let mut payload = complete();
        payload
            .as_object_mut()
            .expect("an object")
            .remove(key)
            .expect("a field of complete()");
        payload
    }

    #[test]
    fn a_complete_certificate_passes_every_payload_rule() {
        let observation = certified(&complete());
        for rule in PAYLOAD_RULES {
            expect(
                rule,
                &observation,
                AssertionStatus::Passed,
                "1 certificats examinés",
            );
        }
    }

    #[test]
    fn payload_rules_are_error_without_a_certificate_and_fail_one_that_is_no_jws() {
        let mut observation = certified(&complete());
        observation.asked[0].certificate = Fetched::Undelivered("statut 500".to_owned());
        for rule in PAYLOAD_RULES {
            expect(
                rule,
                &observation,
                AssertionStatus::Error,
                "aucun certificat obtenu",
            );
        }
        observation.asked[0].certificate = Fetched::Got(ServedCertificate {
            reference: "SUP-1".to_owned(),
            certified_at: at(3, 11),
            compact: "pas-un-jws".to_owned(),
            identical: true,
        });
        for rule in PAYLOAD_RULES {
            expect(
                rule,
                &observation,
                AssertionStatus::Failed,
                "suppression de l'élève Camille : pas un JWS compact",
            );
        }
    }

    #[test]
    fn channel_passes_foreign_requests_refused_and_certificates_delivered() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        // A redirect to a login page is a refusal too.
        observation.foreign.push(Attempt {
            who: "compte d'une autre collectivité".to_owned(),
            what: "POST /api/suppressions".to_owned(),
            status: Ok(302),
        });
        expect(
            DelcertRule::Channel,
            &observation,
            AssertionStatus::Passed,
            "1 suppressions certifiées",
        );
    }

    #[test]
    fn channel_fails_a_foreign_deletion_accepted_or_a_certificate_not_delivered() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.foreign[0].status = Ok(202);
        expect(
            DelcertRule::Channel,
            &observation,
            AssertionStatus::Failed,
            "anonyme : POST /api/suppressions → 202 (suppression acceptée)",
        );
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.asked[0].certificate =
            Fetched::Undelivered("aucun certificat après 5 minutes".to_owned());
        expect(
            DelcertRule::Channel,
            &observation,
            AssertionStatus::Failed,
            "suppression de l'élève Camille : aucun certificat après 5 minutes",
        );
    }

    #[test]
    fn channel_is_error_when_a_foreign_request_could_not_be_made() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.foreign[0].status = Err("connexion refusée".to_owned());
        expect(
            DelcertRule::Channel,
            &observation,
            AssertionStatus::Error,
            "connexion refusée",
        );
    }

    /// A key set publishing `published`, and a certificate of `payload`
    /// signed by `signer` (named by its own thumbprint): the kid of each.
    fn signed_by(published: &SigningKey, signer: &SigningKey, payload: &Value) -> (String, String) {
        let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let kid = |key: &SigningKey| jws::thumbprint(&encode(key.verifying_key().as_bytes()));
        let x = encode(published.verifying_key().as_bytes());
        let jwks = json!({
            "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid(published) }]
        });
        let header = encode(
            json!({ "alg": "EdDSA", "kid": kid(signer) })
                .to_string()
                .as_bytes(),
        );
        let body = encode(payload.to_string().as_bytes());
        let signature = signer.sign(format!("{header}.{body}").as_bytes());
        (
            jwks.to_string(),
            format!("{header}.{body}.{}", encode(&signature.to_bytes())),
        )
    }

    /// The deletion of `observed`, its certificate signed by `signer`, the
    /// key set publishing `published`.
    fn signed_observation(published: &SigningKey, signer: &SigningKey) -> DeletionObservation {
        let (jwks, certificate) = signed_by(published, signer, &complete());
        let mut observation = certified(&complete());
        observation.keys = Fetched::Got(jwks);
        if let Fetched::Got(served) = &mut observation.asked[0].certificate {
            served.compact = certificate;
        }
        observation
    }

    #[test]
    fn signed_passes_a_certificate_signed_with_a_published_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let kid = jws::thumbprint(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(key.verifying_key().as_bytes()),
        );
        expect(
            DelcertRule::Signed,
            &signed_observation(&key, &key),
            AssertionStatus::Passed,
            &format!("signatures vérifiées avec la clé {kid}"),
        );
    }

    #[test]
    fn signed_fails_an_unpublished_key_or_two_downloads_that_differ() {
        let published = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        expect(
            DelcertRule::Signed,
            &signed_observation(&published, &other),
            AssertionStatus::Failed,
            "absente du jeu de clés publié",
        );
        let mut observation = signed_observation(&published, &published);
        if let Fetched::Got(served) = &mut observation.asked[0].certificate {
            served.identical = false;
        }
        expect(
            DelcertRule::Signed,
            &observation,
            AssertionStatus::Failed,
            "deux téléchargements du certificat diffèrent",
        );
    }

    #[test]
    fn signed_fails_keys_not_published_and_is_error_when_they_could_not_be_asked() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut observation = signed_observation(&key, &key);
        observation.keys = Fetched::Undelivered("statut 404".to_owned());
        expect(
            DelcertRule::Signed,
            &observation,
            AssertionStatus::Failed,
            "clés de signature non publiées : statut 404",
        );
        observation.keys = Fetched::Unavailable("délai dépassé".to_owned());
        expect(
            DelcertRule::Signed,
            &observation,
            AssertionStatus::Error,
            "délai dépassé",
        );
        observation.asked[0].certificate = Fetched::Undelivered("statut 500".to_owned());
        expect(
            DelcertRule::Signed,
            &observation,
            AssertionStatus::Error,
            "aucun certificat obtenu",
        );
    }

    #[test]
    fn content_fails_a_missing_field_another_reference_another_scope_or_an_early_issue() {
        let observation = certified(&complete_without("signataire"));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "nom du signataire (signataire.nom) absent",
        );
        let observation = certified(&complete_with("/demande/reference", json!("SUP-2")));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "demande.reference « SUP-2 » au lieu de « SUP-1 »",
        );
        let observation = certified(&complete_with(
            "/perimetre/identifiants",
            json!(["0990001N/eleve2"]),
        ));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "perimetre.identifiants ne nomme pas « 0990001N/eleve1 » (0990001N/eleve2)",
        );
        let observation = certified(&complete_with("/perimetre/type", json!("classe")));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "périmètre « classe » au lieu de « utilisateur »",
        );
        let observation = certified(&complete_with("/sous_traitants", json!([])));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "sous-traitant(s) couverts (sous_traitants) absents",
        );
        // Issued the day before it was asked: more than the minute of slack.
        let observation = certified(&complete_with("/emis", json!(stamp(at(1, 7)))));
        expect(
            DelcertRule::Content,
            &observation,
            AssertionStatus::Failed,
            "avant la demande du 2026-09-01T08:00:00+00:00",
        );
    }

    #[test]
    fn backups_fails_backups_not_treated_or_destroyed_after_three_months() {
        let observation = certified(&complete_with("/systemes", json!(["base principale"])));
        expect(
            DelcertRule::Backups,
            &observation,
            AssertionStatus::Failed,
            "les sauvegardes ne figurent pas parmi les systèmes traités",
        );
        // Certified on 3 September: three months end on 3 December.
        let observation = certified(&complete_with(
            "/sauvegardes/destruction_avant",
            json!("2026-12-04T12:00:00Z"),
        ));
        expect(
            DelcertRule::Backups,
            &observation,
            AssertionStatus::Failed,
            "sauvegardes détruites avant le 2026-12-04, au-delà de trois mois (au plus tard le \
             2026-12-03)",
        );
        let observation = certified(&complete_without("sauvegardes"));
        expect(
            DelcertRule::Backups,
            &observation,
            AssertionStatus::Failed,
            "aucune date de destruction des sauvegardes",
        );
    }

    #[test]
    fn counts_fails_another_count_than_the_ground_truths() {
        let observation = certified(&complete_with("/elements", json!({ "messages": 3 })));
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Failed,
            "messages : 3 certifiés, 2 amorcés dans ce périmètre",
        );
        // A kind the ground truth did not seed must be certified as zero.
        let observation = certified(&complete_with(
            "/elements",
            json!({ "messages": 2, "billets": 1 }),
        ));
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Failed,
            "billets : 1 certifiés, 0 amorcés",
        );
        let observation = certified(&complete_with("/elements", json!({ "messages": "deux" })));
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Failed,
            "messages : « \"deux\" » n'est pas un décompte",
        );
        let observation = certified(&complete_without("elements"));
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Failed,
            "aucun décompte (elements)",
        );
    }

    #[test]
    fn counts_takes_an_at_least_kind_as_a_minimum() {
        let payload = complete_with("/elements", json!({ "messages": 2, "comptes": 5 }));
        let mut observation = certified(&payload);
        observation.asked[0]
            .expected
            .insert("comptes".to_owned(), 3);
        observation.asked[0].at_least.push("comptes".to_owned());
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Passed,
            "1 certificats examinés",
        );
        let payload = complete_with("/elements", json!({ "messages": 2, "comptes": 2 }));
        let mut observation = certified(&payload);
        observation.asked[0]
            .expected
            .insert("comptes".to_owned(), 3);
        observation.asked[0].at_least.push("comptes".to_owned());
        expect(
            DelcertRule::Counts,
            &observation,
            AssertionStatus::Failed,
            "comptes : 2 certifiés, au moins 3 amorcés",
        );
    }

    #[test]
    fn timeliness_gives_a_school_three_months_and_fails_a_certificate_without_an_end() {
        let end = at(1, 8).checked_add_months(Months::new(2)).expect("date");
        let mut observation = observed(at(1, 8), end, end + chrono::Duration::hours(1));
        observation.asked[0].kind = "ecole".to_owned();
        expect(
            DelcertRule::Timeliness,
            &observation,
            AssertionStatus::Passed,
            "1 certificats examinés",
        );
        let observation = certified(&complete_with("/dates/fin", json!("demain")));
        expect(
            DelcertRule::Timeliness,
            &observation,
            AssertionStatus::Failed,
            "dates.fin absente ou pas en RFC 3339",
        );
    }

    #[test]
    fn processors_fails_hosting_not_covered_a_processor_without_proof_or_none() {
        let observation = certified(&complete_with(
            "/sous_traitants",
            json!([{ "nom": "Courriel SAS", "role": "messagerie", "declaration": "DEC-2" }]),
        ));
        expect(
            DelcertRule::Processors,
            &observation,
            AssertionStatus::Failed,
            "aucun sous-traitant n'a le rôle d'hébergeur",
        );
        let observation = certified(&complete_with(
            "/sous_traitants",
            json!([{ "nom": "Nuage SA", "role": "hébergeur" }]),
        ));
        expect(
            DelcertRule::Processors,
            &observation,
            AssertionStatus::Failed,
            "sous-traitant Nuage SA (hébergeur) : ni attestation ni déclaration de suppression",
        );
        let observation = certified(&complete_with(
            "/sous_traitants",
            json!([{ "attestation": "ATT-1" }]),
        ));
        expect(
            DelcertRule::Processors,
            &observation,
            AssertionStatus::Failed,
            "sous-traitant n° 1 : rôle (role) absent",
        );
        let observation = certified(&complete_without("sous_traitants"));
        expect(
            DelcertRule::Processors,
            &observation,
            AssertionStatus::Failed,
            "aucun sous-traitant listé",
        );
    }

    #[test]
    fn notifications_fails_without_the_gar_or_with_a_date_before_the_request() {
        // « GARANTIE » is not the GAR: the word is matched whole.
        let observation = certified(&complete_with(
            "/notifications",
            json!([{ "destinataire": "Fonds de GARANTIE", "date": stamp(at(3, 10)) }]),
        ));
        expect(
            DelcertRule::Notifications,
            &observation,
            AssertionStatus::Failed,
            "le GAR, destinataire de l'annuaire, n'est pas notifié",
        );
        let observation = certified(&complete_with(
            "/notifications",
            json!([{ "destinataire": "GAR", "date": stamp(at(1, 6)) }]),
        ));
        expect(
            DelcertRule::Notifications,
            &observation,
            AssertionStatus::Failed,
            "notification à GAR datée du 2026-09-01 06:00:00 UTC, avant la demande",
        );
        let observation = certified(&complete_with(
            "/notifications",
            json!([{ "destinataire": "GAR" }, { "date": stamp(at(3, 10)) }]),
        ));
        let verdict = expect(
            DelcertRule::Notifications,
            &observation,
            AssertionStatus::Failed,
            "notification à GAR sans date RFC 3339",
        );
        assert!(
            verdict
                .actual
                .contains("notification n° 2 sans destinataire"),
            "{}",
            verdict.actual
        );
        let observation = certified(&complete_without("notifications"));
        expect(
            DelcertRule::Notifications,
            &observation,
            AssertionStatus::Failed,
            "aucune notification aux destinataires",
        );
    }

    #[test]
    fn exceptions_passes_an_empty_list_and_fails_a_missing_one() {
        let observation = certified(&complete_with("/exceptions", json!([])));
        expect(
            DelcertRule::Exceptions,
            &observation,
            AssertionStatus::Passed,
            "1 certificats examinés",
        );
        let observation = certified(&complete_without("exceptions"));
        expect(
            DelcertRule::Exceptions,
            &observation,
            AssertionStatus::Failed,
            "aucune liste des données conservées",
        );
    }

    #[test]
    fn exceptions_fails_content_kept_statistics_not_anonymised_no_basis_or_kept_too_long() {
        let exception = |data: &str, basis: Option<&str>, end: &str| {
            let mut exception = json!({ "donnees": data, "fin": end });
            if let Some(basis) = basis {
                exception["base_legale"] = json!(basis);
            }
            certified(&complete_with("/exceptions", json!([exception])))
        };
        expect(
            DelcertRule::Exceptions,
            &exception(
                "fichier joint de l'élève",
                Some("LCEN"),
                "2027-01-01T00:00:00Z",
            ),
            AssertionStatus::Failed,
            "« fichier joint de l'élève » conservé : du contenu (fichier)",
        );
        expect(
            DelcertRule::Exceptions,
            &exception(
                "journaux de connexion",
                Some("Statistiques"),
                "2027-01-01T00:00:00Z",
            ),
            AssertionStatus::Failed,
            "« journaux de connexion » conservé « pour les statistiques » sans être anonymisé",
        );
        expect(
            DelcertRule::Exceptions,
            &exception(
                "journaux anonymisés",
                Some("statistiques"),
                "2027-01-01T00:00:00Z",
            ),
            AssertionStatus::Passed,
            "1 certificats examinés",
        );
        expect(
            DelcertRule::Exceptions,
            &exception("journaux de connexion", None, "2027-01-01T00:00:00Z"),
            AssertionStatus::Failed,
            "« journaux de connexion » : base légale (base_legale) absente",
        );
        // Issued on 3 September 2026: a year and a day is 4 September 2027.
        expect(
            DelcertRule::Exceptions,
            &exception(
                "journaux de connexion",
                Some("LCEN"),
                "2027-09-05T00:00:00Z",
            ),
            AssertionStatus::Failed,
            "conservé jusqu'au 2027-09-05 : plus d'un an après le certificat",
        );
        expect(
            DelcertRule::Exceptions,
            &exception("journaux de connexion", Some("LCEN"), "jamais"),
            AssertionStatus::Failed,
            "« journaux de connexion » : date de fin (fin) absente",
        );
    }

    #[test]
    fn exceptions_fails_content_named_in_the_plural() {
        // Certificates name what they keep in the plural as often as not.
        let payload = complete_with(
            "/exceptions",
            json!([{
                "donnees": "messages et photos de l'élève",
                "base_legale": "LCEN",
                "fin": "2027-01-01T00:00:00Z",
            }]),
        );
        expect(
            DelcertRule::Exceptions,
            &certified(&payload),
            AssertionStatus::Failed,
            "« messages et photos de l'élève » conservé : du contenu (messages)",
        );
    }

    /// Camille Martin logging in before and after the deletions, on pages
    /// showing `before` and `after`; `kept`: her account is not targeted.
    fn witness(kept: bool, before: &str, after: &str) -> WitnessLogin {
        WitnessLogin {
            who: "parent (EduConnect)".to_owned(),
            person: Person {
                name: "Camille Martin".to_owned(),
                school: "École Jules-Ferry".to_owned(),
                children: Vec::new(),
            },
            kept,
            before: Ok(LoginTrace::showing(before)),
            after: Ok(LoginTrace::showing(after)),
        }
    }

    const OPEN: &str = "Bonjour Camille Martin";
    const CLOSED: &str = "Identifiez-vous";

    #[test]
    fn logins_passes_a_deleted_account_closed_and_a_kept_one_still_open() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.logins = Ok(vec![
            witness(false, OPEN, CLOSED),
            witness(true, OPEN, OPEN),
        ]);
        let verdict = expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Passed,
            "parent (EduConnect) : compte ouvert avant, fermé après",
        );
        assert!(
            verdict.actual.contains("toujours ouvert"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn logins_fails_a_deleted_account_still_open_or_a_kept_one_closed() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.logins = Ok(vec![witness(false, OPEN, OPEN)]);
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Failed,
            "Camille Martin se connecte encore après la suppression certifiée",
        );
        observation.logins = Ok(vec![
            witness(false, OPEN, CLOSED),
            witness(true, OPEN, CLOSED),
        ]);
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Failed,
            "Camille Martin ne se connecte plus après des suppressions qui ne le visaient pas",
        );
    }

    #[test]
    fn logins_is_error_when_the_control_login_fails_or_nobody_deleted_logs_in() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        // Closed before the deletions already: a refusal after proves nothing.
        observation.logins = Ok(vec![witness(false, CLOSED, CLOSED)]);
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Error,
            "avant les suppressions déjà, la connexion n'ouvre pas le compte de Camille Martin",
        );
        let mut unplayed = witness(false, OPEN, CLOSED);
        unplayed.after = Err("IdP injoignable".to_owned());
        observation.logins = Ok(vec![unplayed]);
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Error,
            "connexion non jouée (IdP injoignable)",
        );
        observation.logins = Ok(vec![witness(true, OPEN, OPEN)]);
        observation.unwitnessed = vec!["élève : connexion non déclarée".to_owned()];
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Error,
            "aucun compte supprimé à connecter (élève : connexion non déclarée)",
        );
        observation.logins = Err("aucune section [sso]".to_owned());
        expect(
            DelcertRule::Logins,
            &observation,
            AssertionStatus::Error,
            "aucune section [sso]",
        );
    }

    fn school(uai: &str, change: CountChange, before: u64, after: Option<u64>) -> SchoolCount {
        SchoolCount {
            uai: uai.to_owned(),
            change,
            before: Ok(before),
            after: Ok(after),
        }
    }

    #[test]
    fn statistics_passes_one_account_less_a_school_gone_and_a_witness_unchanged() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.counts = Ok(vec![
            school("0990001N", CountChange::Minus(1), 10, Some(9)),
            school("0990002P", CountChange::Zero, 5, None),
            school("0990003R", CountChange::Same, 7, Some(7)),
        ]);
        let verdict = expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Passed,
            "école 0990001N : 10 → 9",
        );
        assert!(
            verdict
                .actual
                .contains("école 0990002P : 5 → école inconnue"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn statistics_fails_an_account_still_counted_a_school_still_loaded_or_a_witness_changed() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.counts = Ok(vec![school(
            "0990001N",
            CountChange::Minus(1),
            10,
            Some(10),
        )]);
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Failed,
            "école 0990001N : 10 comptes chargés après la suppression d'un compte, 10 avant (9 \
             attendus)",
        );
        observation.counts = Ok(vec![school("0990002P", CountChange::Zero, 5, Some(3))]);
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Failed,
            "école supprimée 0990002P : encore 3 comptes chargés (5 avant)",
        );
        observation.counts = Ok(vec![school("0990003R", CountChange::Same, 7, Some(6))]);
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Failed,
            "école 0990003R, qu'aucune suppression ne visait : 6 comptes chargés après, 7 avant",
        );
    }

    #[test]
    fn statistics_is_error_when_a_deletion_cannot_show_or_nothing_was_read() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.counts = Ok(vec![school("0990002P", CountChange::Zero, 0, None)]);
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Error,
            "aucun compte chargé déjà avant, la suppression ne se voit pas",
        );
        observation.counts = Ok(vec![SchoolCount {
            before: Err("statut 503".to_owned()),
            ..school("0990001N", CountChange::Minus(1), 10, Some(9))
        }]);
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Error,
            "école 0990001N, avant les suppressions : statut 503",
        );
        observation.counts = Ok(Vec::new());
        expect(
            DelcertRule::Statistics,
            &observation,
            AssertionStatus::Error,
            "aucune école à relire",
        );
    }

    /// The collectivité's export after the deletions, holding the files
    /// named `files` and the accounts of join keys `accounts`.
    fn export_after(files: &[&str], accounts: &[&str]) -> ArchiveRead {
        let records = Records {
            personnes: accounts
                .iter()
                .map(|jointure| PersonRecord {
                    id: format!("p-{jointure}"),
                    jointure: Some((*jointure).to_owned()),
                    profil: "enseignant".to_owned(),
                    nom: "Durand".to_owned(),
                    prenom: "Paul".to_owned(),
                    ecoles: Vec::new(),
                    classes: Vec::new(),
                    enfants: Vec::new(),
                })
                .collect(),
            fichiers: files
                .iter()
                .map(|name| crate::reversibility::format::FileRecord {
                    id: format!("f-{name}"),
                    nom: (*name).to_owned(),
                    media_type: "image/png".to_owned(),
                    sha256: "00".repeat(32),
                    octets: 1,
                    proprietaire: "p-J-PROF".to_owned(),
                    chemin: format!("fichiers/{name}"),
                })
                .collect(),
            ..Records::default()
        };
        ArchiveRead::Read(Arc::new(Examined {
            size: 1,
            entries: BTreeMap::new(),
            digests: BTreeMap::new(),
            manifest: Err("non lu dans ce test".to_owned()),
            records,
            record_problems: Vec::new(),
        }))
    }

    fn probe(what: &str, kept: bool, status: Result<u16, String>) -> ObjectProbe {
        ObjectProbe {
            what: what.to_owned(),
            id: format!("id-{what}"),
            kept,
            status,
        }
    }

    /// Deletions whose deleted message answers `deleted` and kept message
    /// `kept`, followed by an export holding `files` and `accounts`; the
    /// drawing and J-ELEVE1 must be gone, the class photo and J-PROF kept.
    fn effective_observation(
        deleted: Result<u16, String>,
        kept: Result<u16, String>,
        files: &[&str],
        accounts: &[&str],
    ) -> DeletionObservation {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.probes = Ok(vec![
            probe("message supprimé", false, deleted),
            probe("message conservé", true, kept),
        ]);
        observation.after = export_after(files, accounts);
        observation.gone = vec!["dessin-camille.png".to_owned()];
        observation.kept = vec!["photo-classe.jpg".to_owned()];
        observation.accounts = (vec!["J-ELEVE1".to_owned()], vec!["J-PROF".to_owned()]);
        observation
    }

    #[test]
    fn effective_passes_what_was_deleted_gone_and_the_rest_kept() {
        let observation =
            effective_observation(Ok(410), Ok(200), &["photo-classe.jpg"], &["J-PROF"]);
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Passed,
            "2 objets interrogés, 1 éléments supprimés absents du nouvel export, 1 conservés",
        );
    }

    #[test]
    fn effective_fails_a_deleted_object_still_served_or_a_kept_one_gone() {
        let fine = (&["photo-classe.jpg"][..], &["J-PROF"][..]);
        let observation = effective_observation(Ok(200), Ok(200), fine.0, fine.1);
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Failed,
            "message supprimé (« id-message supprimé ») existe encore : certifié supprimé",
        );
        let observation = effective_observation(Ok(404), Ok(410), fine.0, fine.1);
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Failed,
            "message conservé (« id-message conservé ») supprimé alors qu'il n'était pas visé",
        );
        let observation = effective_observation(Ok(500), Ok(200), fine.0, fine.1);
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Failed,
            "→ statut 500 au lieu de 200, 404 ou 410",
        );
    }

    #[test]
    fn effective_fails_an_export_after_the_deletion_that_still_holds_or_lost_something() {
        let observation = effective_observation(
            Ok(404),
            Ok(200),
            &["dessin-camille.png"],
            &["J-PROF", "J-ELEVE1"],
        );
        let verdict = expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Failed,
            "« dessin-camille.png » encore dans l'export fait après la suppression",
        );
        for said in [
            "« photo-classe.jpg » a disparu de l'export sans avoir été visé",
            "compte J-ELEVE1 encore dans l'export fait après la suppression",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
        let observation = effective_observation(Ok(404), Ok(200), &["photo-classe.jpg"], &[]);
        // No account at all in the export: the kept one is missing.
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Failed,
            "compte J-PROF disparu de l'export sans avoir été visé",
        );
    }

    #[test]
    fn effective_is_error_when_nothing_could_be_probed_or_exported_again() {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.probes = Err("aucun export d'où tirer les identifiants".to_owned());
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Error,
            "aucun export d'où tirer les identifiants",
        );
        // Probes fine, but no export after the deletions: a harness note,
        // with no failure to show, is an error.
        let mut observation =
            effective_observation(Ok(404), Ok(200), &["photo-classe.jpg"], &["J-PROF"]);
        observation.after = ArchiveRead::Unavailable("disque plein".to_owned());
        expect(
            DelcertRule::Effective,
            &observation,
            AssertionStatus::Error,
            "export fait après la suppression : aucune archive à examiner : disque plein",
        );
    }

    /// One journal entry for the deletion of `observed` (reference SUP-1).
    fn entry() -> Value {
        json!({
            "reference": "SUP-1",
            "date": stamp(at(1, 8)),
            "demandeur": "Mairie de Testville",
            "executant": "Exploitant",
            "perimetre": { "type": "utilisateur", "id": "0990001N/eleve1" },
            "conservation_jusqu_au": "2027-03-01T00:00:00Z",
        })
    }

    /// The deletion of `observed`, with a journal holding `entries`, which
    /// must not name Camille Martin.
    fn journaled(entries: &[Value]) -> DeletionObservation {
        let mut observation = observed(at(1, 8), at(3, 10), at(3, 11));
        observation.journal = Fetched::Got(json!({ "entrees": entries }).to_string());
        observation.unjournaled = vec![(
            "le nom de l'élève".to_owned(),
            vec!["Camille".to_owned(), "Martin".to_owned()],
        )];
        observation
    }

    #[test]
    fn journal_passes_an_entry_per_deletion_that_names_nobody() {
        expect(
            DelcertRule::Journal,
            &journaled(&[entry()]),
            AssertionStatus::Passed,
            "1 entrées, dont les 1 demandes",
        );
    }

    #[test]
    fn journal_fails_a_missing_entry_another_scope_a_long_keep_or_a_name_copied() {
        expect(
            DelcertRule::Journal,
            &journaled(&[]),
            AssertionStatus::Failed,
            "suppression de l'élève Camille (référence SUP-1) absente du journal",
        );
        let mut other = entry();
        other["perimetre"]["id"] = json!("0990001N/eleve2");
        expect(
            DelcertRule::Journal,
            &journaled(&[other]),
            AssertionStatus::Failed,
            "suppression de l'élève Camille : le journal donne un autre périmètre",
        );
        let mut long = entry();
        long["conservation_jusqu_au"] = json!("2027-09-03T00:00:00Z");
        expect(
            DelcertRule::Journal,
            &journaled(&[long]),
            AssertionStatus::Failed,
            "entrée conservée jusqu'au 2027-09-03, plus d'un an",
        );
        let mut bare = entry();
        bare.as_object_mut().expect("an object").remove("executant");
        expect(
            DelcertRule::Journal,
            &journaled(&[bare]),
            AssertionStatus::Failed,
            "exécutant (executant) absent du journal",
        );
        // The name split over two fields, in another case: still copied.
        let mut named = entry();
        named["personne"] = json!({ "prenom": "CAMILLE", "nom": "Martin" });
        expect(
            DelcertRule::Journal,
            &journaled(&[named]),
            AssertionStatus::Failed,
            "le journal recopie le nom de l'élève : « Camille Martin »",
        );
    }

    #[test]
    fn journal_fails_one_not_served_or_unreadable_and_is_error_when_not_asked() {
        let mut observation = journaled(&[entry()]);
        observation.journal = Fetched::Undelivered("statut 403".to_owned());
        expect(
            DelcertRule::Journal,
            &observation,
            AssertionStatus::Failed,
            "journal non fourni : statut 403",
        );
        observation.journal = Fetched::Got("{ pas du JSON".to_owned());
        expect(
            DelcertRule::Journal,
            &observation,
            AssertionStatus::Failed,
            "journal : JSON invalide",
        );
        observation.journal = Fetched::Got("{}".to_owned());
        expect(
            DelcertRule::Journal,
            &observation,
            AssertionStatus::Failed,
            "journal sans liste « entrees »",
        );
        observation.journal = Fetched::Unavailable("délai dépassé".to_owned());
        expect(
            DelcertRule::Journal,
            &observation,
            AssertionStatus::Error,
            "délai dépassé",
        );
        let mut observation = journaled(&[entry()]);
        observation.asked[0].certificate = Fetched::Undelivered("statut 500".to_owned());
        expect(
            DelcertRule::Journal,
            &observation,
            AssertionStatus::Error,
            "aucun certificat obtenu",
        );
    }
}
