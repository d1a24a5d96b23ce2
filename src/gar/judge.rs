//! Judging a GAR-ENT export: pure functions over what the `gar_export`
//! probe downloaded and read.
//!
//! An archive the harness refused to unpack (decompression bomb, path
//! traversal, link) is a delivery failure, and every other rule is `error`:
//! nothing in it could be read. Every message names the file and the line.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::gar::GarRule;
use crate::gar::{GarExport, GarPerson, Kind, Place, Sym, parse_archive_name};
use crate::text::fold;

use super::observation::{ForeignOutcome, GarObservation, GarSsoObservation};
use crate::check::login::not_logged_in;
use crate::check::outcome::{Verdict, listed, verdict};

/// Evaluates one rule.
pub fn judge_gar(rule: GarRule, observed: &GarObservation) -> Verdict {
    if rule == GarRule::Delivery {
        return delivery(observed);
    }
    let expected = rule.label_fr();
    if let Err(why) = &observed.members {
        return Verdict::error(
            expected,
            format!("archive non lue, rien à examiner : {why}"),
        );
    }
    if matches!(rule, GarRule::Integrity | GarRule::Minimisation)
        && observed.unreadable.is_empty()
        && let Some(verdict) = without_records(observed, expected)
    {
        return verdict;
    }
    match rule {
        GarRule::Schema => schema(observed),
        _ if !observed.unreadable.is_empty() => Verdict::error(
            expected,
            format!("fichiers illisibles : {}", listed(&observed.unreadable)),
        ),
        GarRule::Integrity => integrity(&observed.export),
        GarRule::StableIds => stable_ids(observed),
        GarRule::Completeness => completeness(observed),
        GarRule::Minimisation => minimisation(observed),
        GarRule::Delivery => delivery(observed),
        GarRule::IdpMetadata
        | GarRule::Assertion
        | GarRule::OnlyTheGar
        | GarRule::MediacentreCall
        | GarRule::MediacentreShown => {
            Verdict::error(expected, "règle lue sur une étape gar_export")
        }
    }
}

fn delivery(observed: &GarObservation) -> Verdict {
    let expected = "une archive <idENT>_GAR-ENT_Complet_<date>_<heure>_1D.tar.gz, son .md5 égal à \
                    la somme MD5 de l'archive, cinq types de fichiers nommés selon le modèle, \
                    décompressée sans dépasser les bornes ni sortir du dossier";
    let mut problems = Vec::new();
    if observed.status != 200 {
        problems.push(format!(
            "{} → statut {}",
            observed.archive_url, observed.status
        ));
        return verdict(expected, &problems, "");
    }
    // A transfer cut early proves nothing, unless what arrived already
    // holds a refusal: a bomb or an unsafe name is plain in the first
    // megabytes, whatever the link did to the rest.
    if let Some(cut) = &observed.cut
        && !(observed.refused && observed.members.is_err())
    {
        return Verdict::error(
            expected,
            format!(
                "téléchargement interrompu après {} octets, archive non lue en entier : {cut}",
                observed.size
            ),
        );
    }
    let archive = observed
        .archive_url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let stem = match parse_archive_name(&archive) {
        Ok(stem) => Some(stem),
        Err(why) => {
            problems.push(why);
            None
        }
    };
    match &observed.md5_file {
        // Only part of the archive arrived: its sum says nothing.
        _ if observed.cut.is_some() => {}
        Ok(text) => {
            let (digest, name) = md5_line(text);
            if !digest.eq_ignore_ascii_case(&observed.md5) {
                problems.push(format!(
                    "le .md5 contient « {} », la somme MD5 de l'archive est {}",
                    text.trim().chars().take(64).collect::<String>(),
                    observed.md5
                ));
            } else if let Some(name) = name.filter(|name| *name != archive) {
                problems.push(format!(
                    "le .md5 donne la somme de « {} », l'archive est « {archive} »",
                    name.chars().take(200).collect::<String>()
                ));
            }
        }
        Err(why) => problems.push(format!(".md5 non lu : {why}")),
    }
    match &observed.members {
        Err(why) => match &observed.cut {
            Some(cut) => problems.push(format!(
                "archive refusée : {why} (dans les {} premiers octets reçus ; la suite du \
                 téléchargement a échoué : {cut})",
                observed.size
            )),
            None => problems.push(format!("archive refusée : {why}")),
        },
        Ok(members) => {
            problems.extend(observed.bad_names.iter().cloned());
            let kinds: BTreeSet<Kind> = observed.kinds.iter().copied().collect();
            for kind in Kind::ALL.iter().filter(|k| !kinds.contains(k)) {
                problems.push(format!("aucun fichier {kind} dans l'archive"));
            }
            if let Some((id_ent, stamp)) = &stem {
                for (name, _) in members {
                    if let Ok(file) = crate::gar::parse_file_name(name)
                        && (&file.id_ent != id_ent || &file.stamp != stamp)
                    {
                        problems.push(format!(
                            "{name} : identifiant ou horodatage différent de l'archive ({id_ent}, {stamp})"
                        ));
                    }
                }
            }
        }
    }
    let count = observed.members.as_ref().map_or(0, Vec::len);
    verdict(
        expected,
        &problems,
        format!(
            "{archive} ({} octets), MD5 {} conforme, {count} fichiers",
            observed.size, observed.md5
        ),
    )
}

/// The digest of a `.md5` and the file it names, if any: the bare digest,
/// or a line as `md5sum` writes it (`<digest>  <name>`, or `<digest>
/// *<name>` in binary mode).
fn md5_line(text: &str) -> (&str, Option<&str>) {
    let line = text.trim();
    match line.split_once(char::is_whitespace) {
        Some((digest, name)) => {
            let name = name.trim_start();
            (digest, Some(name.strip_prefix('*').unwrap_or(name)))
        }
        None => (line, None),
    }
}

/// The verdict of a rule over the records when the export holds none of a
/// kind: every reference would resolve and no parent would be found,
/// vacuously, in an export that is simply missing. The archive was read,
/// so when the directory the candidate was seeded with says schools,
/// pupils or teachers exist, an export without them is wrong: `fail`,
/// naming the kind. Without the directory, an empty ENT and an empty export
/// cannot be told apart, and nothing could be compared: `error`.
fn without_records(observed: &GarObservation, expected: &str) -> Option<Verdict> {
    let export = &observed.export;
    if let Some(directory) = &observed.directory {
        let missing: Vec<String> = [
            (
                "aucune structure",
                export.etabs.len(),
                directory.schools.len(),
            ),
            ("aucun élève", export.eleves.len(), directory.pupils.len()),
            (
                "aucun enseignant",
                export.enseignants.len(),
                directory.teachers.len(),
            ),
        ]
        .into_iter()
        .filter(|(_, found, known)| *found == 0 && *known > 0)
        .map(|(none, _, known)| format!("{none} dans l'export, l'annuaire en compte {known}"))
        .collect();
        if !missing.is_empty() {
            return Some(Verdict::fail(expected, listed(&missing)));
        }
    }
    (export.eleves.is_empty() && export.enseignants.is_empty()).then(|| {
        Verdict::error(
            expected,
            format!(
                "aucun élève ni enseignant dans l'export : rien à comparer{}",
                if observed.directory.is_none() {
                    " (annuaire de référence inconnu : déclarez la section [sso] (aaf) de la cible)"
                } else {
                    ""
                }
            ),
        )
    })
}

fn schema(observed: &GarObservation) -> Verdict {
    let expected = "chaque fichier valide selon GAR-ENT-1D.xsd v1.4 (clés d'unicité comprises)";
    let findings = match &observed.xsd {
        Ok(findings) => findings,
        Err(why) => return Verdict::error(expected, format!("schéma inutilisable : {why}")),
    };
    let mut problems: Vec<String> = observed.unreadable.clone();
    problems.extend(findings.iter().map(ToString::to_string));
    verdict(
        expected,
        &problems,
        format!("{} fichiers valides", observed.kinds.len()),
    )
}

fn integrity(export: &GarExport) -> Verdict {
    let expected = "chaque élève, enseignant, groupe et responsable rattaché à une structure \
                    exportée ; chaque membre de groupe existe ; aucune personne en double";
    let text = |sym: Sym| export.text(sym);
    let at = |place: Place| export.at(place);
    // Texts are held once per export, so equal texts are equal symbols:
    // the sets below hold 4-byte symbols, not strings.
    let etabs: HashSet<Sym> = export.etabs.iter().map(|(uai, _)| *uai).collect();
    let mut problems = Vec::new();
    // Every person's identifier, sorted with its order: 8 bytes a person,
    // where a map would take twice that at an académie's 535,000.
    let mut people: Vec<(Sym, u32)> = export
        .eleves
        .iter()
        .chain(&export.enseignants)
        .zip(0u32..)
        .map(|(p, i)| (p.id, i))
        .collect();
    people.sort_unstable();
    let pupils = export.eleves.len();
    let person_at = |i: u32| {
        let i = i as usize;
        match i.checked_sub(pupils) {
            None => export.eleves.get(i),
            Some(j) => export.enseignants.get(j),
        }
        .map(|p| p.at)
    };
    // The later records of an identifier, each with the place of the one
    // just before it (sorted by identifier then order).
    let mut again: HashMap<u32, Place> = HashMap::new();
    for run in people.chunk_by(|a, b| a.0 == b.0) {
        for pair in run.windows(2) {
            if let Some(place) = person_at(pair[0].1) {
                again.insert(pair[1].1, place);
            }
        }
    }
    let known = |id: Sym| people.binary_search_by_key(&id, |(s, _)| *s).is_ok();
    for (person, i) in export.eleves.iter().chain(&export.enseignants).zip(0u32..) {
        if let Some(first) = again.get(&i) {
            problems.push(format!(
                "{} : {} déjà exporté ({})",
                at(person.at),
                text(person.id),
                at(*first)
            ));
        }
        let profiles = export.profiles(person).map(|(uai, _)| uai);
        for uai in export.items(person.etabs).iter().copied().chain(profiles) {
            if !etabs.contains(&uai) {
                problems.push(format!(
                    "{} : {} rattaché à la structure {}, absente du fichier Etab",
                    at(person.at),
                    text(person.id),
                    text(uai)
                ));
            }
        }
    }
    let groups: HashSet<(Sym, Sym)> = export.groups.iter().map(|g| (g.code, g.uai)).collect();
    for group in &export.groups {
        if !etabs.contains(&group.uai) {
            problems.push(format!(
                "{} : groupe {} de la structure {}, absente du fichier Etab",
                at(group.at),
                text(group.code),
                text(group.uai)
            ));
        }
    }
    for link in &export.memberships {
        if !known(link.person) {
            problems.push(format!(
                "{} : membre {} absent des fichiers Eleve et Enseignant",
                at(link.at),
                text(link.person)
            ));
        }
        if !groups.contains(&(link.code, link.uai)) {
            problems.push(format!(
                "{} : groupe {} ({}) non exporté",
                at(link.at),
                text(link.code),
                text(link.uai)
            ));
        }
    }
    for link in &export.mefstat {
        if !known(link.person) {
            problems.push(format!(
                "{} : MEFSTAT4 de {}, personne non exportée",
                at(link.at),
                text(link.person)
            ));
        }
    }
    for resp in &export.resp_aff {
        for uai in export.items(resp.etabs) {
            if !etabs.contains(uai) {
                problems.push(format!(
                    "{} : responsable d'affectation de la structure {}, absente",
                    at(resp.at),
                    text(*uai)
                ));
            }
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} structures, {} élèves, {} enseignants, {} groupes, {} appartenances : toutes les références résolues",
            export.etabs.len(),
            export.eleves.len(),
            export.enseignants.len(),
            export.groups.len(),
            export.memberships.len()
        ),
    )
}

fn stable_ids(observed: &GarObservation) -> Verdict {
    let expected = "les mêmes GARPersonIdentifiant dans l'export suivant, les données n'ayant pas \
                    changé (le GAR y rattache les affectations de ressources)";
    let again = match &observed.again {
        Ok(again) => again,
        Err(why) => {
            return Verdict::error(expected, format!("second export non lu : {why}"));
        }
    };
    let ids = |export: &GarExport| -> BTreeMap<(String, String, String), (String, String)> {
        export
            .eleves
            .iter()
            .chain(&export.enseignants)
            .flat_map(|p| {
                export.items(p.etabs).iter().map(move |uai| {
                    (
                        key(export, p.name, *uai),
                        (export.text(p.id).to_owned(), export.at(p.at).to_string()),
                    )
                })
            })
            .collect()
    };
    let (first, second) = (ids(&observed.export), ids(again));
    let problems: Vec<String> = first
        .iter()
        .filter_map(|(who, (id, _))| {
            let (other, at) = second.get(who)?;
            (other != id).then(|| format!("{at} : {id} devenu {other}"))
        })
        .collect();
    verdict(
        expected,
        &problems,
        format!(
            "{} identifiants comparés entre deux exports, tous inchangés",
            first.keys().filter(|k| second.contains_key(*k)).count()
        ),
    )
}

/// (last name, first name, UAI), folded: how the directory and the export
/// meet (the GAR identifier is internal to the ENT).
fn key(export: &GarExport, name: (Sym, Sym), uai: Sym) -> (String, String, String) {
    (
        fold(export.text(name.0)),
        fold(export.text(name.1)),
        export.text(uai).to_owned(),
    )
}

fn exported(export: &GarExport, people: &[GarPerson]) -> BTreeSet<(String, String, String)> {
    people
        .iter()
        .flat_map(|p| {
            export
                .items(p.etabs)
                .iter()
                .map(|uai| key(export, p.name, *uai))
        })
        .collect()
}

fn completeness(observed: &GarObservation) -> Verdict {
    let expected = "chaque école, élève, enseignant et classe de l'annuaire dont le candidat a été \
                    alimenté, et personne d'autre";
    let Some(directory) = &observed.directory else {
        return Verdict::error(
            expected,
            "annuaire de référence inconnu : déclarez la section [sso] (aaf) de la cible",
        );
    };
    let export = &observed.export;
    let uai_of: BTreeMap<&str, &str> = directory
        .schools
        .iter()
        .map(|s| (s.jointure.as_str(), s.uai.as_str()))
        .collect();
    let mut problems = Vec::new();
    let etabs: BTreeSet<&str> = export.etabs.iter().map(|(u, _)| export.text(*u)).collect();
    for school in &directory.schools {
        if !etabs.contains(school.uai.as_str()) {
            problems.push(format!("école {} ({}) absente", school.uai, school.name));
        }
    }
    let directory_key = |last: &str, first: &str, school: &str| {
        (
            fold(last),
            fold(first),
            (*uai_of.get(school).unwrap_or(&"")).to_owned(),
        )
    };
    let pupils: BTreeSet<_> = directory
        .pupils
        .iter()
        .map(|p| directory_key(&p.last_name, &p.first_name, &p.school))
        .collect();
    let teachers: BTreeSet<_> = directory
        .teachers
        .iter()
        .map(|t| directory_key(&t.last_name, &t.first_name, &t.school))
        .collect();
    for (expected_set, found, what) in [
        (&pupils, exported(export, &export.eleves), "élève"),
        (
            &teachers,
            exported(export, &export.enseignants),
            "enseignant",
        ),
    ] {
        for (last, first, uai) in expected_set.difference(&found) {
            problems.push(format!(
                "{what} {first} {last} ({uai}) de l'annuaire absent de l'export"
            ));
        }
        for (last, first, uai) in found.difference(expected_set) {
            problems.push(format!(
                "{what} {first} {last} ({uai}) exporté mais absent de l'annuaire"
            ));
        }
    }
    let groups: BTreeSet<(&str, &str)> = export
        .groups
        .iter()
        .map(|g| (export.text(g.uai), export.text(g.label)))
        .collect();
    for school in &directory.schools {
        for class in &school.classes {
            if !groups.contains(&(school.uai.as_str(), class.label.as_str())) {
                problems.push(format!(
                    "classe {} de {} absente des groupes",
                    class.label, school.uai
                ));
            }
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} écoles, {} élèves, {} enseignants et leurs classes, ni plus ni moins",
            directory.schools.len(),
            directory.pupils.len(),
            directory.teachers.len()
        ),
    )
}

fn minimisation(observed: &GarObservation) -> Verdict {
    let expected = "aucun responsable légal (nom ou courriel) dans l'export ; les responsables \
                    d'affectation sont des personnels exportés comme enseignants";
    let export = &observed.export;
    let mut problems = Vec::new();
    let staff: HashSet<Sym> = export.enseignants.iter().map(|p| p.id).collect();
    for resp in &export.resp_aff {
        if !staff.contains(&resp.id) {
            problems.push(format!(
                "{} : responsable d'affectation {} qui n'est pas un personnel exporté",
                export.at(resp.at),
                export.text(resp.id)
            ));
        }
    }
    if let Some(directory) = &observed.directory {
        // A parent who shares a pupil's or a teacher's name cannot be told
        // apart by name: only their e-mail counts then.
        let others: BTreeSet<(String, String)> = directory
            .pupils
            .iter()
            .map(|p| (fold(&p.last_name), fold(&p.first_name)))
            .chain(
                directory
                    .teachers
                    .iter()
                    .map(|t| (fold(&t.last_name), fold(&t.first_name))),
            )
            .collect();
        let named: BTreeSet<(String, String)> = directory
            .parents
            .iter()
            .map(|p| (fold(&p.last_name), fold(&p.first_name)))
            .filter(|name| !others.contains(name))
            .collect();
        let mails: BTreeSet<String> = directory.parents.iter().map(|p| fold(&p.email)).collect();
        let people = export
            .eleves
            .iter()
            .chain(&export.enseignants)
            .map(|p| (p.at, p.name, &[][..]));
        let assigners = export
            .resp_aff
            .iter()
            .map(|r| (r.at, r.name, export.items(r.mails)));
        for (at, name, record_mails) in people.chain(assigners) {
            let by_name = named.contains(&(fold(export.text(name.0)), fold(export.text(name.1))));
            let by_mail = record_mails
                .iter()
                .any(|m| mails.contains(&fold(export.text(*m))));
            if by_name || by_mail {
                problems.push(format!(
                    "{} : un responsable légal de l'annuaire est exporté ({})",
                    export.at(at),
                    if by_mail { "courriel personnel" } else { "nom" }
                ));
            }
        }
    }
    verdict(
        expected,
        &problems,
        format!(
            "{} responsables d'affectation, tous personnels ; aucun responsable légal",
            export.resp_aff.len()
        ),
    )
}

/// Evaluates a rule over the GAR SSO.
pub fn judge_gar_sso(rule: GarRule, observed: &GarSsoObservation) -> Verdict {
    match rule {
        GarRule::IdpMetadata => idp_metadata(observed),
        GarRule::OnlyTheGar => only_the_gar(observed),
        GarRule::Assertion => assertion(observed),
        other => Verdict::error(other.label_fr(), "règle lue sur une étape gar_sso"),
    }
}

/// An IdP that sends an assertion to whoever asks gives the pupil's
/// identifier (and session) to anyone able to make a browser follow a link.
fn only_the_gar(observed: &GarSsoObservation) -> Verdict {
    let expected = "aucune assertion pour une demande d'un fournisseur de service inconnu, ni pour \
                    une adresse de retour (AssertionConsumerServiceURL) autre que celle du GAR";
    if let Some(verdict) = not_logged_in(expected, &observed.login, &observed.pupil) {
        return verdict;
    }
    let mut problems = Vec::new();
    let mut shown = Vec::new();
    let mut unplayed = Vec::new();
    for foreign in &observed.foreign {
        match &foreign.answer {
            Err(why) => unplayed.push(format!("{} : demande non jouée : {why}", foreign.label)),
            Ok(ForeignOutcome::Posted {
                action,
                assertion: true,
            }) if foreign.allowed.as_deref() != Some(action.as_str()) => problems.push(format!(
                "{} : assertion envoyée à {action}",
                foreign.label
            )),
            Ok(ForeignOutcome::Posted {
                action,
                assertion: true,
            }) => shown.push(format!(
                "{} : adresse étrangère ignorée, assertion envoyée à l'adresse enregistrée du GAR ({action})",
                foreign.label
            )),
            Ok(ForeignOutcome::Posted { action, .. }) => shown.push(format!(
                "{} : réponse d'erreur sans assertion ({action})",
                foreign.label
            )),
            Ok(ForeignOutcome::Redirected { to }) => problems.push(format!(
                "{} : navigateur renvoyé vers {to}",
                foreign.label
            )),
            Ok(ForeignOutcome::NoResponse { status, url }) => {
                shown.push(format!(
                    "{} : aucune réponse SAML ({url} → {status})",
                    foreign.label
                ));
            }
        }
    }
    // A failure already seen is reported even if another request could
    // not be played.
    if problems.is_empty() && !unplayed.is_empty() {
        return Verdict::error(expected, listed(&unplayed));
    }
    if observed.foreign.is_empty() {
        return Verdict::error(expected, "aucune demande étrangère jouée");
    }
    verdict(expected, &problems, shown.join(" ; "))
}

fn idp_metadata(observed: &GarSsoObservation) -> Verdict {
    let expected = "des métadonnées SAML publiées (EntityDescriptor avec IDPSSODescriptor) portant \
                    au moins un certificat de signature dans sa période de validité";
    let text = match &observed.metadata {
        Ok(text) => text,
        Err(why) => return Verdict::fail(expected, format!("métadonnées non servies : {why}")),
    };
    let mut problems = Vec::new();
    match roxmltree::Document::parse(text) {
        Err(error) => problems.push(format!("XML invalide : {error}")),
        Ok(document) => {
            let root = document.root_element();
            if root.tag_name().name() != "EntityDescriptor" {
                problems.push(format!(
                    "élément racine « {} » au lieu de EntityDescriptor",
                    root.tag_name().name()
                ));
            }
            if !root
                .descendants()
                .any(|n| n.tag_name().name() == "IDPSSODescriptor")
            {
                problems.push("aucun IDPSSODescriptor".to_owned());
            }
        }
    }
    if observed.certificates.is_empty() {
        problems.push("aucun certificat de signature (KeyDescriptor)".to_owned());
    }
    let now = openssl::asn1::Asn1Time::from_unix(observed.checked_at.timestamp()).ok();
    let mut shown = Vec::new();
    for der in &observed.certificates {
        let Ok(cert) = openssl::x509::X509::from_der(der) else {
            problems.push("certificat illisible (DER)".to_owned());
            continue;
        };
        let (from, until) = (cert.not_before().to_string(), cert.not_after().to_string());
        if let Some(now) = &now {
            if cert.not_after() < now {
                problems.push(format!("certificat expiré depuis le {until}"));
            } else if cert.not_before() > now {
                problems.push(format!("certificat valide seulement à partir du {from}"));
            }
        }
        shown.push(format!("certificat valide du {from} au {until}"));
    }
    verdict(expected, &problems, shown.join(" ; "))
}

/// The first element named `local` below `node`, and its text.
fn first<'a>(node: roxmltree::Node<'a, 'a>, local: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.descendants().find(|n| n.tag_name().name() == local)
}

fn assertion(observed: &GarSsoObservation) -> Verdict {
    let expected = "une assertion signée par la clé des métadonnées, adressée au GAR (Destination, \
                    Recipient, Audience, InResponseTo), encore valide, au NameID transitoire, \
                    portant seulement idEnt et GARPersonIdentifiant égal à celui de l'export";
    if let Some(verdict) = not_logged_in(expected, &observed.login, &observed.pupil) {
        return verdict;
    }
    let response = match &observed.response {
        Ok(response) => response,
        Err(why) => return Verdict::fail(expected, format!("aucune réponse SAML : {why}")),
    };
    let signed = match &observed.signed {
        Ok(signed) => signed,
        Err(why) => {
            return Verdict::fail(
                expected,
                format!("assertion non signée ou signature invalide : {why}"),
            );
        }
    };
    let (Ok(response_doc), Ok(signed_doc)) = (
        roxmltree::Document::parse(response),
        roxmltree::Document::parse(signed),
    ) else {
        return Verdict::error(expected, "réponse SAML illisible (XML)");
    };
    let mut problems = Vec::new();
    let root = response_doc.root_element();
    let expect_eq = |problems: &mut Vec<String>, what: &str, found: Option<&str>, wanted: &str| {
        if found != Some(wanted) {
            problems.push(format!(
                "{what} « {} » au lieu de « {wanted} »",
                found.unwrap_or("absent")
            ));
        }
    };
    expect_eq(
        &mut problems,
        "Destination",
        root.attribute("Destination"),
        &observed.acs,
    );
    expect_eq(
        &mut problems,
        "InResponseTo",
        root.attribute("InResponseTo"),
        &observed.request_id,
    );
    let assertion = signed_doc.root_element();
    let audience = first(assertion, "Audience")
        .and_then(|n| n.text())
        .map(str::trim);
    expect_eq(&mut problems, "Audience", audience, &observed.sp_entity);
    let confirmation = first(assertion, "SubjectConfirmationData");
    expect_eq(
        &mut problems,
        "Recipient",
        confirmation.and_then(|n| n.attribute("Recipient")),
        &observed.acs,
    );
    expect_eq(
        &mut problems,
        "InResponseTo de l'assertion",
        confirmation.and_then(|n| n.attribute("InResponseTo")),
        &observed.request_id,
    );
    let until = first(assertion, "Conditions")
        .and_then(|n| n.attribute("NotOnOrAfter"))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    match until {
        Some(until) if until > observed.checked_at => {}
        Some(until) => problems.push(format!("assertion expirée (NotOnOrAfter {until})")),
        None => problems.push("Conditions/NotOnOrAfter absent".to_owned()),
    }
    expect_eq(
        &mut problems,
        "format du NameID",
        first(assertion, "NameID").and_then(|n| n.attribute("Format")),
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    );
    let attributes: Vec<(String, Vec<String>)> = assertion
        .descendants()
        .filter(|n| n.tag_name().name() == "Attribute")
        .map(|n| {
            let values = n
                .children()
                .filter(|v| v.tag_name().name() == "AttributeValue")
                .map(|v| v.text().unwrap_or("").trim().to_owned())
                .collect();
            (n.attribute("Name").unwrap_or("").to_owned(), values)
        })
        .collect();
    let names: Vec<&str> = attributes.iter().map(|(n, _)| n.as_str()).collect();
    let extra: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !matches!(*n, "idEnt" | "GARPersonIdentifiant"))
        .collect();
    if !extra.is_empty() {
        problems.push(format!(
            "attributs en trop (le GAR ne reçoit que idEnt et GARPersonIdentifiant) : {}",
            extra.join(", ")
        ));
    }
    let (last, given, _) = &observed.person;
    for (name, values) in &attributes {
        for value in values {
            let folded = fold(value);
            if (!last.is_empty() && folded.contains(&fold(last)))
                || (!given.is_empty() && folded == fold(given))
            {
                problems.push(format!(
                    "l'attribut {name} donne le nom ou le prénom de l'élève"
                ));
            }
        }
    }
    let value_of = |wanted: &str| {
        attributes
            .iter()
            .find(|(n, _)| n == wanted)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    };
    if value_of("idEnt").is_none_or(str::is_empty) {
        problems.push("attribut idEnt absent".to_owned());
    }
    match (&observed.exported_id, value_of("GARPersonIdentifiant")) {
        (_, None) => problems.push("attribut GARPersonIdentifiant absent".to_owned()),
        (Ok(exported), Some(sent)) if exported != sent => problems.push(format!(
            "GARPersonIdentifiant « {sent} » différent de l'export (« {exported} »)"
        )),
        (Err(why), Some(_)) => {
            return Verdict::error(expected, format!("identifiant exporté inconnu : {why}"));
        }
        _ => {}
    }
    problems.dedup();
    verdict(
        expected,
        &problems,
        format!(
            "assertion signée pour {} ({}), attributs {}",
            observed.request_id,
            observed.acs,
            names.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aaf::{Academy, Class, Directory, Parent, Pupil, School, Teacher};
    use crate::check::observation::Person;
    use crate::check::outcome::AssertionStatus;
    use crate::gar::{ForeignAnswer, GarGroup, GarLink, GarRespAff, Place, XsdFinding};
    use crate::probe::{Page, PageBody};

    fn sso(foreign: Vec<ForeignAnswer>) -> GarSsoObservation {
        let url = reqwest::Url::parse("http://ent.test/compte").expect("url");
        GarSsoObservation {
            metadata_url: url.clone(),
            metadata: Err(String::new()),
            certificates: Vec::new(),
            checked_at: chrono::DateTime::UNIX_EPOCH,
            sp_entity: String::new(),
            acs: String::new(),
            request_id: String::new(),
            person: Default::default(),
            pupil: Person {
                name: "Lucas Roux".to_owned(),
                school: String::new(),
                children: Vec::new(),
            },
            exported_id: Err(String::new()),
            login: Ok(Page::served(
                url,
                200,
                Some("text/html".into()),
                PageBody::Text("<p>Lucas Roux</p>".into()),
            )),
            response: Err(String::new()),
            signed: Err(String::new()),
            foreign,
            exchanges: Vec::new(),
        }
    }

    fn answer(allowed: Option<&str>, outcome: Result<ForeignOutcome, String>) -> ForeignAnswer {
        ForeignAnswer {
            label: "demande".to_owned(),
            allowed: allowed.map(str::to_owned),
            answer: outcome,
        }
    }

    const GAR_ACS: &str = "https://sp.gar.entconf.test/saml/acs";

    #[test]
    fn only_the_gar_gets_an_assertion_and_only_at_its_address() {
        let posted = |action: &str, assertion| {
            Ok(ForeignOutcome::Posted {
                action: action.to_owned(),
                assertion,
            })
        };
        let judge = |foreign| only_the_gar(&sso(foreign));
        // Foreign address ignored, assertion to the GAR's own: right.
        let verdict = judge(vec![answer(Some(GAR_ACS), posted(GAR_ACS, true))]);
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
        // An error response without assertion, or no response: right.
        let verdict = judge(vec![
            answer(None, posted("https://x.test/acs", false)),
            answer(
                None,
                Ok(ForeignOutcome::NoResponse {
                    status: 403,
                    url: "http://ent.test/sso".to_owned(),
                }),
            ),
        ]);
        assert_eq!(
            verdict.status,
            AssertionStatus::Passed,
            "{}",
            verdict.actual
        );
        // Posted or redirected to the foreign address: wrong.
        let verdict = judge(vec![answer(
            Some(GAR_ACS),
            posted("https://x.test/acs", true),
        )]);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        assert!(
            verdict.actual.contains("https://x.test/acs"),
            "{}",
            verdict.actual
        );
        let verdict = judge(vec![answer(
            None,
            Ok(ForeignOutcome::Redirected {
                to: "https://x.test/acs".to_owned(),
            }),
        )]);
        assert_eq!(verdict.status, AssertionStatus::Failed);
        // A request that could not be played hides no failure seen elsewhere.
        let unplayed = || answer(None, Err("délai dépassé".to_owned()));
        let verdict = judge(vec![unplayed()]);
        assert_eq!(verdict.status, AssertionStatus::Error);
        let verdict = judge(vec![
            unplayed(),
            answer(None, posted("https://x.test/acs", true)),
        ]);
        assert_eq!(verdict.status, AssertionStatus::Failed);
    }

    /// Judges with `judge`, and checks the status and that the message
    /// says `said`: a judge that reaches the right status for another
    /// reason does not pass.
    #[track_caller]
    fn expect(verdict: Verdict, status: AssertionStatus, said: &str) -> Verdict {
        crate::check::outcome::assert_says(&verdict, status, said);
        verdict
    }

    const UAI: &str = "0990001N";
    const STAMP: &str = "20260901_120000";
    const ARCHIVE: &str = "ENT01_GAR-ENT_Complet_20260901_120000_1D.tar.gz";
    const MD5: &str = "0123456789abcdef0123456789abcdef";

    fn member(kind: Kind) -> String {
        format!("ENT01_GAR-ENT_Complet_{STAMP}_1D_{kind}_0001.xml")
    }

    fn at(export: &mut GarExport, kind: Kind, line: u32) -> Place {
        export.place(&member(kind), line)
    }

    fn gar_person(
        export: &mut GarExport,
        id: &str,
        kind: Kind,
        name: (&str, &str),
        profile: &str,
    ) -> GarPerson {
        GarPerson {
            id: export.sym(id),
            profiles: export.list(&[UAI, profile]),
            etabs: export.list(&[UAI]),
            name: (export.sym(name.0), export.sym(name.1)),
            at: at(export, kind, 3),
        }
    }

    /// A school with one class, a pupil (Léa Martin, whose parent is
    /// Camille Martin) and a teacher (Paul Durand), as the candidate was
    /// seeded with it.
    fn directory() -> Directory {
        Directory {
            academy: Academy {
                code: "99".to_owned(),
                name: "BELLERIVE".to_owned(),
            },
            schools: vec![School {
                jointure: "S1".to_owned(),
                uai: UAI.to_owned(),
                name: "École Jules-Ferry".to_owned(),
                commune: "Bellerive".to_owned(),
                classes: vec![Class {
                    code: "CM1A".to_owned(),
                    label: "CM1 A".to_owned(),
                    mefstat4: "2113".to_owned(),
                    level: "CM1".to_owned(),
                }],
            }],
            pupils: vec![Pupil {
                jointure: "E1".to_owned(),
                last_name: "Martin".to_owned(),
                first_name: "Léa".to_owned(),
                birth_date: "01/02/2016".to_owned(),
                school: "S1".to_owned(),
                class_code: "CM1A".to_owned(),
                parents: vec!["R1".to_owned()],
            }],
            parents: vec![Parent {
                jointure: "R1".to_owned(),
                last_name: "Martin".to_owned(),
                first_name: "Camille".to_owned(),
                email: "camille.martin@parents.test".to_owned(),
                children: vec!["E1".to_owned()],
            }],
            teachers: vec![Teacher {
                jointure: "T1".to_owned(),
                last_name: "Durand".to_owned(),
                first_name: "Paul".to_owned(),
                email: "paul.durand@ac-bellerive.test".to_owned(),
                school: "S1".to_owned(),
                director: true,
                classes: vec!["CM1A".to_owned()],
            }],
        }
    }

    /// The export of `directory()`, exactly.
    fn export() -> GarExport {
        let mut e = GarExport::default();
        let etab = (e.sym(UAI), at(&mut e, Kind::Etab, 3));
        e.etabs.push(etab);
        let pupil = gar_person(
            &mut e,
            "G-E1",
            Kind::Eleve,
            ("Martin", "Léa"),
            "National_elv",
        );
        e.eleves.push(pupil);
        let teacher = gar_person(
            &mut e,
            "G-T1",
            Kind::Enseignant,
            ("Durand", "Paul"),
            "National_ens",
        );
        e.enseignants.push(teacher);
        let group = GarGroup {
            code: e.sym("CM1A"),
            uai: e.sym(UAI),
            label: e.sym("CM1 A"),
            at: at(&mut e, Kind::Groupe, 3),
        };
        e.groups.push(group);
        let membership = GarLink {
            uai: e.sym(UAI),
            person: e.sym("G-E1"),
            code: e.sym("CM1A"),
            at: at(&mut e, Kind::Groupe, 9),
        };
        e.memberships.push(membership);
        let mef = GarLink {
            uai: e.sym(UAI),
            person: e.sym("G-E1"),
            code: e.sym("2113"),
            at: at(&mut e, Kind::Eleve, 12),
        };
        e.mefstat.push(mef);
        let resp = GarRespAff {
            id: e.sym("G-T1"),
            etabs: e.list(&[UAI]),
            name: (e.sym("Durand"), e.sym("Paul")),
            mails: e.list(&["paul.durand@ac-bellerive.test"]),
            at: at(&mut e, Kind::RespAff, 3),
        };
        e.resp_aff.push(resp);
        e
    }

    /// A delivery as it should be: each rule passes on it, and each
    /// failing test breaks one part of it.
    fn delivered() -> GarObservation {
        GarObservation {
            archive_url: reqwest::Url::parse(&format!("https://ent.test/gar/{ARCHIVE}"))
                .expect("url"),
            status: 200,
            size: 1234,
            md5: MD5.to_owned(),
            md5_file: Ok(format!("{MD5}  {ARCHIVE}\n")),
            cut: None,
            refused: false,
            members: Ok(Kind::ALL.iter().map(|k| (member(*k), 100)).collect()),
            bad_names: Vec::new(),
            unreadable: Vec::new(),
            xsd: Ok(Vec::new()),
            export: export(),
            kinds: Kind::ALL.to_vec(),
            again: Ok(export()),
            directory: Some(directory()),
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn a_delivery_as_it_should_be_passes_every_export_rule() {
        let observed = delivered();
        for (rule, said) in [
            (
                GarRule::Delivery,
                "ENT01_GAR-ENT_Complet_20260901_120000_1D.tar.gz (1234 octets), MD5 \
                 0123456789abcdef0123456789abcdef conforme, 5 fichiers",
            ),
            (GarRule::Schema, "5 fichiers valides"),
            (
                GarRule::Integrity,
                "1 structures, 1 élèves, 1 enseignants, 1 groupes, 1 appartenances",
            ),
            (GarRule::StableIds, "2 identifiants comparés"),
            (GarRule::Completeness, "1 écoles, 1 élèves, 1 enseignants"),
            (
                GarRule::Minimisation,
                "1 responsables d'affectation, tous personnels",
            ),
        ] {
            expect(judge_gar(rule, &observed), AssertionStatus::Passed, said);
        }
    }

    #[test]
    fn an_sso_rule_on_an_export_step_and_an_export_rule_on_an_sso_step_are_errors() {
        expect(
            judge_gar(GarRule::Assertion, &delivered()),
            AssertionStatus::Error,
            "règle lue sur une étape gar_export",
        );
        expect(
            judge_gar_sso(GarRule::Delivery, &sso(Vec::new())),
            AssertionStatus::Error,
            "règle lue sur une étape gar_sso",
        );
    }

    #[test]
    fn delivery_fails_a_bad_status_or_name_a_wrong_md5_or_a_kind_missing() {
        let mut observed = delivered();
        observed.status = 404;
        expect(delivery(&observed), AssertionStatus::Failed, "→ statut 404");
        let mut observed = delivered();
        observed.archive_url =
            reqwest::Url::parse("https://ent.test/gar/export.tar.gz").expect("url");
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "« export.tar.gz » ne suit pas le modèle",
        );
        let mut observed = delivered();
        observed.md5_file = Ok("ffffffffffffffffffffffffffffffff".to_owned());
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "le .md5 contient « ffffffffffffffffffffffffffffffff », la somme MD5 de l'archive est \
             0123456789abcdef0123456789abcdef",
        );
        // The sum is right, but of another file.
        let mut observed = delivered();
        observed.md5_file = Ok(format!("{MD5} *autre.tar.gz"));
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "le .md5 donne la somme de « autre.tar.gz »",
        );
        let mut observed = delivered();
        observed.md5_file = Err("statut 404".to_owned());
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            ".md5 non lu : statut 404",
        );
        let mut observed = delivered();
        observed.kinds.retain(|k| *k != Kind::RespAff);
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "aucun fichier RespAff dans l'archive",
        );
        let mut observed = delivered();
        if let Ok(members) = &mut observed.members {
            members[0].0 = "ENT01_GAR-ENT_Complet_20260902_120000_1D_Etab_0001.xml".to_owned();
        }
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "identifiant ou horodatage différent de l'archive (ENT01, 20260901_120000)",
        );
    }

    #[test]
    fn delivery_fails_an_archive_refused_even_cut_and_is_error_when_only_cut() {
        let mut observed = delivered();
        observed.cut = Some("connexion fermée".to_owned());
        expect(
            delivery(&observed),
            AssertionStatus::Error,
            "téléchargement interrompu après 1234 octets",
        );
        // What arrived already holds a bomb: that is the candidate's.
        observed.refused = true;
        observed.members = Err("bombe de décompression".to_owned());
        expect(
            delivery(&observed),
            AssertionStatus::Failed,
            "archive refusée : bombe de décompression (dans les 1234 premiers octets reçus",
        );
    }

    #[test]
    fn rules_over_the_records_are_error_when_the_archive_or_a_file_was_not_read() {
        let mut observed = delivered();
        observed.members = Err("lien symbolique".to_owned());
        for rule in [GarRule::Schema, GarRule::Integrity, GarRule::Completeness] {
            expect(
                judge_gar(rule, &observed),
                AssertionStatus::Error,
                "archive non lue, rien à examiner : lien symbolique",
            );
        }
        let mut observed = delivered();
        observed.unreadable = vec![format!("{} : DOCTYPE refusé", member(Kind::Eleve))];
        for rule in [
            GarRule::Integrity,
            GarRule::StableIds,
            GarRule::Minimisation,
        ] {
            expect(
                judge_gar(rule, &observed),
                AssertionStatus::Error,
                "fichiers illisibles : ENT01_GAR-ENT_Complet_20260901_120000_1D_Eleve_0001.xml",
            );
        }
    }

    #[test]
    fn schema_fails_what_libxml2_found_and_is_error_without_the_schema() {
        let mut observed = delivered();
        observed.xsd = Ok(vec![XsdFinding {
            file: member(Kind::Eleve),
            line: Some(12),
            message: "élément GARPersonNom manquant".to_owned(),
        }]);
        expect(
            judge_gar(GarRule::Schema, &observed),
            AssertionStatus::Failed,
            "ENT01_GAR-ENT_Complet_20260901_120000_1D_Eleve_0001.xml:12 : élément GARPersonNom \
             manquant",
        );
        observed.xsd = Err("GAR-ENT-1D.xsd introuvable".to_owned());
        expect(
            judge_gar(GarRule::Schema, &observed),
            AssertionStatus::Error,
            "schéma inutilisable : GAR-ENT-1D.xsd introuvable",
        );
    }

    #[test]
    fn integrity_fails_a_person_twice_a_member_unknown_or_a_group_or_school_missing() {
        let mut observed = delivered();
        let e = &mut observed.export;
        let twice = e.eleves[0];
        e.eleves.push(twice);
        let unknown = GarLink {
            uai: e.sym(UAI),
            person: e.sym("G-INCONNU"),
            code: e.sym("CM2B"),
            at: at(e, Kind::Groupe, 20),
        };
        e.memberships.push(unknown);
        e.enseignants[0].etabs = e.list(&[UAI, "0990009Z"]);
        let verdict = expect(
            judge_gar(GarRule::Integrity, &observed),
            AssertionStatus::Failed,
            "G-E1 déjà exporté",
        );
        for said in [
            "_Groupe_0001.xml:20 : membre G-INCONNU absent des fichiers Eleve et Enseignant",
            "_Groupe_0001.xml:20 : groupe CM2B (0990001N) non exporté",
            "G-T1 rattaché à la structure 0990009Z, absente du fichier Etab",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
    }

    #[test]
    fn integrity_fails_an_export_without_pupils_when_the_directory_has_some() {
        let mut observed = delivered();
        observed.export.eleves.clear();
        expect(
            judge_gar(GarRule::Integrity, &observed),
            AssertionStatus::Failed,
            "aucun élève dans l'export, l'annuaire en compte 1",
        );
        // Nobody at all, and no directory to say there should be.
        observed.export.enseignants.clear();
        observed.directory = None;
        expect(
            judge_gar(GarRule::Minimisation, &observed),
            AssertionStatus::Error,
            "aucun élève ni enseignant dans l'export : rien à comparer (annuaire de référence \
             inconnu",
        );
    }

    #[test]
    fn stable_ids_fails_an_identifier_changed_and_is_error_without_a_second_export() {
        let mut observed = delivered();
        if let Ok(again) = &mut observed.again {
            again.eleves[0].id = again.sym("G-E9");
        }
        expect(
            judge_gar(GarRule::StableIds, &observed),
            AssertionStatus::Failed,
            "_Eleve_0001.xml:3 : G-E1 devenu G-E9",
        );
        observed.again = Err("statut 503".to_owned());
        expect(
            judge_gar(GarRule::StableIds, &observed),
            AssertionStatus::Error,
            "second export non lu : statut 503",
        );
    }

    #[test]
    fn completeness_fails_someone_missing_someone_extra_or_a_class_missing() {
        let mut observed = delivered();
        observed.export.eleves[0].name.1 = observed.export.sym("Lea-Marie");
        observed.export.groups.clear();
        let verdict = expect(
            judge_gar(GarRule::Completeness, &observed),
            AssertionStatus::Failed,
            // Names are shown folded, as they are compared.
            "élève lea martin (0990001N) de l'annuaire absent de l'export",
        );
        for said in [
            "élève lea-marie martin (0990001N) exporté mais absent de l'annuaire",
            "classe CM1 A de 0990001N absente des groupes",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
        // Accents and case do not make a different person.
        let mut observed = delivered();
        let e = &mut observed.export;
        e.eleves[0].name = (e.sym("MARTIN"), e.sym("Lea"));
        expect(
            judge_gar(GarRule::Completeness, &observed),
            AssertionStatus::Passed,
            "1 écoles, 1 élèves",
        );
    }

    #[test]
    fn completeness_is_error_without_the_directory() {
        let mut observed = delivered();
        observed.directory = None;
        expect(
            judge_gar(GarRule::Completeness, &observed),
            AssertionStatus::Error,
            "annuaire de référence inconnu",
        );
    }

    #[test]
    fn minimisation_fails_an_assigner_not_staff_or_a_parent_exported() {
        let mut observed = delivered();
        observed.export.resp_aff[0].id = observed.export.sym("G-X");
        expect(
            judge_gar(GarRule::Minimisation, &observed),
            AssertionStatus::Failed,
            "responsable d'affectation G-X qui n'est pas un personnel exporté",
        );
        let mut observed = delivered();
        let e = &mut observed.export;
        let parent = gar_person(
            e,
            "G-R1",
            Kind::Enseignant,
            ("MARTIN", "Camille"),
            "National_ens",
        );
        e.enseignants.push(parent);
        expect(
            judge_gar(GarRule::Minimisation, &observed),
            AssertionStatus::Failed,
            "un responsable légal de l'annuaire est exporté (nom)",
        );
        let mut observed = delivered();
        let e = &mut observed.export;
        e.resp_aff[0].mails = e.list(&[
            "paul.durand@ac-bellerive.test",
            "Camille.Martin@parents.test",
        ]);
        expect(
            judge_gar(GarRule::Minimisation, &observed),
            AssertionStatus::Failed,
            "_RespAff_0001.xml:3 : un responsable légal de l'annuaire est exporté (courriel \
             personnel)",
        );
    }

    /// A self-signed certificate (DER) valid from `from` to `until`.
    fn certificate(from: i64, until: i64) -> Vec<u8> {
        use openssl::{asn1::Asn1Time, ec, hash, nid::Nid, pkey::PKey, x509};
        let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
        let key = PKey::from_ec_key(ec::EcKey::generate(&group).expect("key")).expect("key");
        let mut builder = x509::X509Builder::new().expect("builder");
        builder.set_version(2).expect("version");
        builder.set_pubkey(&key).expect("key");
        builder
            .set_not_before(&Asn1Time::from_unix(from).expect("time"))
            .expect("not before");
        builder
            .set_not_after(&Asn1Time::from_unix(until).expect("time"))
            .expect("not after");
        builder
            .sign(&key, hash::MessageDigest::sha256())
            .expect("signed");
        builder.build().to_der().expect("DER")
    }

    const NOW: &str = "2026-09-01T10:00:00Z";
    const DAY: i64 = 86_400;
    const SP: &str = "https://sp.gar.entconf.test";
    const REQUEST: &str = "_req1";
    const METADATA: &str = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://ent.test/idp"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(NOW)
            .expect("a date")
            .with_timezone(&chrono::Utc)
    }

    /// The assertion the GAR should get for Léa Martin (G-E1), with its
    /// attributes given as XML, valid until `until`.
    fn assertion_xml(attributes: &str, until: &str) -> String {
        format!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">_t1</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData Recipient="{GAR_ACS}" InResponseTo="{REQUEST}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotOnOrAfter="{until}">
    <saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AttributeStatement>{attributes}</saml:AttributeStatement>
</saml:Assertion>"#
        )
    }

    fn attribute(name: &str, value: &str) -> String {
        format!(
            r#"<saml:Attribute Name="{name}"><saml:AttributeValue>{value}</saml:AttributeValue></saml:Attribute>"#
        )
    }

    /// Léa Martin's SSO to the GAR as it should be.
    fn to_the_gar() -> GarSsoObservation {
        let mut observed = sso(Vec::new());
        observed.pupil.name = "Léa Martin".to_owned();
        observed.login = Ok(Page::served(
            reqwest::Url::parse("http://ent.test/compte").expect("url"),
            200,
            Some("text/html".into()),
            PageBody::Text("<p>Léa Martin</p>".into()),
        ));
        observed.checked_at = now();
        observed.metadata = Ok(METADATA.to_owned());
        let at = now().timestamp();
        observed.certificates = vec![certificate(at - DAY, at + 365 * DAY)];
        observed.sp_entity = SP.to_owned();
        observed.acs = GAR_ACS.to_owned();
        observed.request_id = REQUEST.to_owned();
        observed.person = ("Martin".to_owned(), "Léa".to_owned(), UAI.to_owned());
        observed.exported_id = Ok("G-E1".to_owned());
        observed.response = Ok(format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="{GAR_ACS}" InResponseTo="{REQUEST}"/>"#
        ));
        observed.signed = Ok(assertion_xml(
            &format!(
                "{}{}",
                attribute("idEnt", "ENT01"),
                attribute("GARPersonIdentifiant", "G-E1")
            ),
            "2026-09-01T10:05:00Z",
        ));
        observed
    }

    #[test]
    fn idp_metadata_passes_a_descriptor_with_a_certificate_in_its_validity() {
        expect(
            judge_gar_sso(GarRule::IdpMetadata, &to_the_gar()),
            AssertionStatus::Passed,
            "certificat valide du",
        );
    }

    #[test]
    fn idp_metadata_fails_a_certificate_out_of_its_validity_unreadable_or_missing() {
        let at = now().timestamp();
        let mut observed = to_the_gar();
        observed.certificates = vec![certificate(at - 30 * DAY, at - DAY)];
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "certificat expiré depuis le",
        );
        observed.certificates = vec![certificate(at + DAY, at + 30 * DAY)];
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "certificat valide seulement à partir du",
        );
        observed.certificates = vec![b"pas du DER".to_vec()];
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "certificat illisible (DER)",
        );
        observed.certificates.clear();
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "aucun certificat de signature (KeyDescriptor)",
        );
    }

    #[test]
    fn idp_metadata_fails_another_document_or_none_served() {
        let mut observed = to_the_gar();
        observed.metadata =
            Ok(r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>"#.to_owned());
        let verdict = expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "élément racine « EntitiesDescriptor » au lieu de EntityDescriptor",
        );
        assert!(
            verdict.actual.contains("aucun IDPSSODescriptor"),
            "{}",
            verdict.actual
        );
        observed.metadata = Ok("<md:EntityDescriptor".to_owned());
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "XML invalide",
        );
        observed.metadata = Err("statut 404".to_owned());
        expect(
            idp_metadata(&observed),
            AssertionStatus::Failed,
            "métadonnées non servies : statut 404",
        );
    }

    #[test]
    fn assertion_passes_one_addressed_to_the_gar_with_ident_and_the_exported_id_only() {
        expect(
            judge_gar_sso(GarRule::Assertion, &to_the_gar()),
            AssertionStatus::Passed,
            "assertion signée pour _req1 (https://sp.gar.entconf.test/saml/acs), attributs idEnt, \
             GARPersonIdentifiant",
        );
    }

    #[test]
    fn assertion_fails_another_address_audience_or_format_and_an_expired_one() {
        let mut observed = to_the_gar();
        observed.response = Ok(format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://x.test/acs" InResponseTo="{REQUEST}"/>"#
        ));
        expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "Destination « https://x.test/acs » au lieu de « https://sp.gar.entconf.test/saml/acs »",
        );
        let mut observed = to_the_gar();
        let good = observed.signed.clone().expect("signed");
        observed.signed = Ok(good
            .replace(SP, "https://autre.test")
            .replace("nameid-format:transient", "nameid-format:persistent"));
        let verdict = expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "Audience « https://autre.test » au lieu de « https://sp.gar.entconf.test »",
        );
        assert!(
            verdict.actual.contains(
                "format du NameID « urn:oasis:names:tc:SAML:2.0:nameid-format:persistent »"
            ),
            "{}",
            verdict.actual
        );
        observed.signed = Ok(good.replace("2026-09-01T10:05:00Z", "2026-09-01T09:55:00Z"));
        expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "assertion expirée (NotOnOrAfter 2026-09-01 09:55:00 +00:00)",
        );
    }

    #[test]
    fn assertion_fails_an_attribute_too_many_a_name_given_or_another_identifier() {
        let mut observed = to_the_gar();
        observed.signed = Ok(assertion_xml(
            &format!(
                "{}{}{}",
                attribute("idEnt", "ENT01"),
                attribute("GARPersonIdentifiant", "G-E2"),
                attribute("sn", "Martin")
            ),
            "2026-09-01T10:05:00Z",
        ));
        let verdict = expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "attributs en trop (le GAR ne reçoit que idEnt et GARPersonIdentifiant) : sn",
        );
        for said in [
            "l'attribut sn donne le nom ou le prénom de l'élève",
            "GARPersonIdentifiant « G-E2 » différent de l'export (« G-E1 »)",
        ] {
            assert!(verdict.actual.contains(said), "{}", verdict.actual);
        }
        observed.signed = Ok(assertion_xml("", "2026-09-01T10:05:00Z"));
        let verdict = expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "attribut idEnt absent",
        );
        assert!(
            verdict
                .actual
                .contains("attribut GARPersonIdentifiant absent"),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn assertion_fails_no_response_or_no_signature_and_is_error_when_it_cannot_judge() {
        let mut observed = to_the_gar();
        observed.signed = Err("aucune signature ne vérifie".to_owned());
        expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "assertion non signée ou signature invalide : aucune signature ne vérifie",
        );
        observed.response = Err("aucun formulaire".to_owned());
        expect(
            assertion(&observed),
            AssertionStatus::Failed,
            "aucune réponse SAML : aucun formulaire",
        );
        let mut observed = to_the_gar();
        observed.exported_id = Err("élève absent de l'export".to_owned());
        expect(
            assertion(&observed),
            AssertionStatus::Error,
            "identifiant exporté inconnu : élève absent de l'export",
        );
        let mut observed = to_the_gar();
        observed.signed = Ok("<saml:Assertion".to_owned());
        expect(
            assertion(&observed),
            AssertionStatus::Error,
            "réponse SAML illisible (XML)",
        );
        // Without the pupil logged in, nothing the IdP answers is about them.
        let mut observed = to_the_gar();
        observed.login = Err("IdP injoignable".to_owned());
        expect(
            assertion(&observed),
            AssertionStatus::Error,
            "la connexion de l'élève n'a pas pu être jouée : IdP injoignable",
        );
    }

    #[test]
    fn only_the_gar_is_error_when_no_foreign_request_was_played_or_the_pupil_not_logged_in() {
        expect(
            only_the_gar(&sso(Vec::new())),
            AssertionStatus::Error,
            "aucune demande étrangère jouée",
        );
        let mut observed = sso(vec![answer(
            None,
            Ok(ForeignOutcome::NoResponse {
                status: 403,
                url: "http://ent.test/sso".to_owned(),
            }),
        )]);
        observed.pupil.name = "Paul Autre".to_owned();
        expect(
            only_the_gar(&observed),
            AssertionStatus::Error,
            "Paul Autre n'a pas atteint son compte",
        );
    }
}
