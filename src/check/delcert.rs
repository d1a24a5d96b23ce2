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

use crate::reversibility::jws;
use crate::suite::DelcertRule;
use crate::text::fold;

use super::observation::{
    AskedDeletion, Attempt, DeletionObservation, Fetched, ObjectProbe, ServedCertificate,
};
use super::outcome::{Verdict, verdict};

/// Evaluates one rule.
pub fn judge_delcert(rule: DelcertRule, observed: &DeletionObservation) -> Verdict {
    match rule {
        DelcertRule::Channel => channel(observed),
        DelcertRule::Signed => signed(observed),
        DelcertRule::Content => each_payload(observed, rule, content),
        DelcertRule::Effective => effective(observed),
        DelcertRule::Backups => each_payload(observed, rule, backups),
        DelcertRule::Counts => each_payload(observed, rule, counts),
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
        }
    }
    let tried: Vec<String> = observed.foreign.iter().map(Attempt::describe).collect();
    with_note(
        expected,
        problems,
        unknown,
        format!(
            "{} ; {} suppressions certifiées",
            tried.join(" ; "),
            observed.asked.len()
        ),
    )
}

/// The problems found; when something could not be evaluated, `error` if
/// nothing else was found, else the problems with that note (a failure
/// must not hide behind a harness problem).
fn with_note(
    expected: &str,
    mut problems: Vec<String>,
    note: Option<String>,
    fine: String,
) -> Verdict {
    match note {
        Some(note) if problems.is_empty() => Verdict::error(expected, note),
        Some(note) => {
            problems.push(format!("non évalué : {note}"));
            verdict(expected, &problems, "")
        }
        None => verdict(expected, &problems, fine),
    }
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

fn signed(observed: &DeletionObservation) -> Verdict {
    let expected = "chaque certificat est un JWS compact signé en EdDSA par une clé du jeu publié \
                    (certificate_keys), vérifiable hors ligne, identique à chaque téléchargement";
    let served = match certificates(observed, expected) {
        Ok(served) => served,
        Err(verdict) => return verdict,
    };
    let keys = match &observed.keys {
        Fetched::Got(keys) => keys,
        Fetched::Undelivered(why) => {
            return Verdict::fail(expected, format!("clés de signature non publiées : {why}"));
        }
        Fetched::Unavailable(why) => return Verdict::error(expected, why.clone()),
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

/// Runs `judge` over each certificate's payload.
fn each_payload(
    observed: &DeletionObservation,
    rule: DelcertRule,
    judge: fn(&AskedDeletion, &Value, &mut Vec<String>),
) -> Verdict {
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
                judge(asked, &value, &mut problems);
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

/// Fields every certificate must give (requirements.md App. B, core).
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

fn content(asked: &AskedDeletion, value: &Value, problems: &mut Vec<String>) {
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
    if let (Fetched::Got(served), Some(reference)) =
        (&asked.certificate, text_at(value, "demande.reference"))
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

fn backups(asked: &AskedDeletion, value: &Value, problems: &mut Vec<String>) {
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
    let done = match &asked.certificate {
        Fetched::Got(served) => served.certified_at,
        _ => asked.asked_at,
    };
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

fn counts(asked: &AskedDeletion, value: &Value, problems: &mut Vec<String>) {
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
            super::outcome::listed(&observed.unprobed)
        ));
    }
    match observed.after.examined(expected) {
        Err(verdict) => notes.push(format!(
            "export fait après la suppression : {}",
            verdict.actual
        )),
        Ok(after) => after_deletion(observed, after, &mut problems, &mut notes),
    }
    let note = (!notes.is_empty()).then(|| notes.join(" ; "));
    with_note(
        expected,
        problems,
        note,
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
