//! SEC-07, access between schools and classes: what the `access` step
//! records (people of one class of the exported school, logged in, asking
//! for seeded objects by id at the target's `[access]` addresses), and the
//! judges of the `access` assertion, pure functions of it. The probe is in
//! `access_probe.rs`.
//!
//! What proves a leak is the seeded item's marker in the answer, whatever
//! the status: an ENT that answers 200 with a page saying « accès refusé »
//! refuses, one that answers 403 with the post in the body leaks. What
//! makes a refusal worth anything is the control: the same person, at the
//! same addresses, reads their own class's items. Without it the check is
//! `error`, never `pass`.

use std::collections::BTreeMap;

use crate::check::outcome::with_note;
use crate::check::{DomainObservation, Verdict};

/// What an `access` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRule {
    /// Nobody reads another school's objects.
    OtherSchool,
    /// Nobody reads another class's objects of their own school.
    OtherClass,
}

impl AccessRule {
    /// Every rule, in suite-file order.
    pub const ALL: [Self; 2] = [Self::OtherSchool, Self::OtherClass];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OtherSchool => "other_school",
            Self::OtherClass => "other_class",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::OtherSchool => "Personne ne lit les contenus d'une autre école",
            Self::OtherClass => "Personne ne lit les contenus d'une autre classe de son école",
        }
    }

    fn relation(self) -> Relation {
        match self {
            Self::OtherSchool => Relation::OtherSchool,
            Self::OtherClass => Relation::OtherClass,
        }
    }
}

/// How an object stands to the people who ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    /// Their own class's: they must read it (the control).
    Own,
    /// Their own first object, asked again after the others': the session
    /// still holds.
    OwnAgain,
    /// Another class of their school.
    OtherClass,
    /// Another school.
    OtherSchool,
}

/// What the `access` step recorded.
#[derive(Clone, Debug)]
pub struct AccessObservation {
    /// The people who logged in and what they asked.
    pub readers: Vec<Reader>,
    /// The roles (parent, teacher) nobody could play, with why.
    pub missing: Vec<String>,
    /// Objects of a relation that could not be asked for, with why (no
    /// second class, no other school in the directory).
    pub unasked: BTreeMap<Relation, String>,
    /// Evidence.
    pub exchanges: Vec<String>,
}

impl DomainObservation for AccessObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

/// One person of the exported school's first class.
#[derive(Clone, Debug)]
pub struct Reader {
    /// Who, for messages: name, profile, class and school.
    pub who: String,
    /// The login, or why it failed (then nothing was asked).
    pub login: Result<(), String>,
    /// What they asked, in order.
    pub reads: Vec<Read>,
}

/// One object asked at one address.
#[derive(Clone, Debug)]
pub struct Read {
    /// How the object stands to the reader.
    pub relation: Relation,
    /// What it is, for messages (kind, marker, school, class).
    pub object: String,
    /// The request, redacted (`GET <url>`).
    pub request: String,
    /// The answer, or why none came (transport).
    pub answer: Result<Answer, String>,
}

/// What came back for one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Final status, after redirects.
    pub status: u16,
    /// Whether a redirect led there.
    pub redirected: bool,
    /// The final address, redacted.
    pub final_url: String,
    /// Whether the object's marker is in the answer.
    pub shown: bool,
}

impl Answer {
    fn said(&self) -> String {
        if self.redirected {
            format!("renvoi vers {} ({})", self.final_url, self.status)
        } else {
            format!("statut {}", self.status)
        }
    }

    /// How the refusal is counted in the summary.
    fn kind(&self) -> String {
        match (self.redirected, self.status) {
            (true, _) => "renvoi ailleurs".to_owned(),
            (false, 200) => "200 sans l'objet".to_owned(),
            (false, status) => status.to_string(),
        }
    }
}

fn expected(rule: AccessRule) -> &'static str {
    match rule {
        AccessRule::OtherSchool => {
            "aucun billet ni séance du cahier de textes d'une autre école n'est montré à un \
             parent, un élève ou un enseignant connecté (refus, renvoi, ou page sans l'objet), \
             alors que chacun lit ceux de sa classe aux mêmes adresses"
        }
        AccessRule::OtherClass => {
            "aucun billet ni séance du cahier de textes d'une autre classe de l'école n'est \
             montré à un parent, un élève ou un enseignant de la première (refus, renvoi, ou \
             page sans l'objet), alors que chacun lit ceux de sa classe aux mêmes adresses"
        }
    }
}

/// SEC-07: `rule`'s objects are refused to every reader, and every reader
/// reads their own (the control).
pub(crate) fn judge_access(rule: AccessRule, observed: &AccessObservation) -> Verdict {
    let expected = expected(rule);
    let relation = rule.relation();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if let Some(why) = observed.unasked.get(&relation) {
        notes.push(why.clone());
    }
    notes.extend(observed.missing.iter().cloned());
    // One line per object and answer, with everyone who read it.
    let mut leaks: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused = 0;
    for reader in &observed.readers {
        if let Err(why) = &reader.login {
            notes.push(format!("{} n'a pas pu se connecter : {why}", reader.who));
            continue;
        }
        // The control: each own object shown at one address at least.
        let mut own: BTreeMap<&str, Vec<&Read>> = BTreeMap::new();
        for read in reader.reads.iter().filter(|r| r.relation == Relation::Own) {
            own.entry(&read.object).or_default().push(read);
        }
        for (object, reads) in &own {
            let seen = reads
                .iter()
                .any(|r| r.answer.as_ref().is_ok_and(|a| a.shown));
            if !seen {
                let answers: Vec<String> = reads
                    .iter()
                    .map(|r| match &r.answer {
                        Ok(answer) => format!("{} → {}", r.request, answer.said()),
                        Err(why) => format!("{} → {why}", r.request),
                    })
                    .collect();
                notes.push(format!(
                    "contrôle : {} ne lit pas son propre {object} ({}) ; un refus des objets \
                     d'autrui ne prouverait rien (vérifiez [access] object_urls et les \
                     identifiants rendus par l'amorçage)",
                    reader.who,
                    answers.join(", ")
                ));
            }
        }
        let again: Vec<&Read> = reader
            .reads
            .iter()
            .filter(|r| r.relation == Relation::OwnAgain)
            .collect();
        if !again
            .iter()
            .any(|r| r.answer.as_ref().is_ok_and(|a| a.shown))
        {
            let object = again.first().map_or("premier objet", |r| r.object.as_str());
            notes.push(format!(
                "contrôle final : {} ne lit plus son {object} après les demandes des objets \
                 d'autrui (la session a pu se fermer en cours de route) ; leurs refus ne \
                 prouvent rien",
                reader.who
            ));
        }
        if own.is_empty() {
            notes.push(format!(
                "contrôle : aucun objet de sa classe demandé pour {}",
                reader.who
            ));
        }
        for read in reader.reads.iter().filter(|r| r.relation == relation) {
            match &read.answer {
                Err(why) => notes.push(format!("{} non lu : {why}", read.request)),
                Ok(answer) if answer.shown => leaks
                    .entry((
                        read.object.clone(),
                        format!("{} → {}", read.request, answer.said()),
                    ))
                    .or_default()
                    .push(&reader.who),
                Ok(answer) => {
                    refused += 1;
                    *refusals.entry(answer.kind()).or_default() += 1;
                }
            }
        }
    }
    for ((object, answer), who) in leaks {
        let (who, verb) = match who.split_last() {
            Some((last, [])) => ((*last).to_owned(), "a lu"),
            Some((last, rest)) => (format!("{} et {last}", rest.join(", ")), "ont lu"),
            None => continue,
        };
        problems.push(format!("{who} {verb} {object} : {answer}"));
    }
    if observed.readers.is_empty() {
        notes.push("personne n'a été connecté".to_owned());
    }
    if refused == 0 && problems.is_empty() && notes.is_empty() {
        notes.push("aucun objet de ce genre n'a été demandé".to_owned());
    }
    let tally: Vec<String> = refusals
        .iter()
        .map(|(kind, count)| format!("{kind} ×{count}"))
        .collect();
    let readers: Vec<&str> = observed.readers.iter().map(|r| r.who.as_str()).collect();
    let fine = format!(
        "{refused} demande(s) refusée(s) ({}) à {} ; chacun lit les objets de sa classe",
        tally.join(", "),
        readers.join(", ")
    );
    with_note(expected, problems, &notes, fine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::AssertionStatus;
    use crate::check::outcome::assert_says;

    fn read(relation: Relation, object: &str, status: u16, shown: bool) -> Read {
        Read {
            relation,
            object: object.to_owned(),
            request: format!("GET https://ent.test/blog/billets/{object}"),
            answer: Ok(Answer {
                status,
                redirected: false,
                final_url: format!("https://ent.test/blog/billets/{object}"),
                shown,
            }),
        }
    }

    fn reader(who: &str, reads: Vec<Read>) -> Reader {
        Reader {
            who: who.to_owned(),
            login: Ok(()),
            reads,
        }
    }

    /// A parent and a pupil who read their own post and are refused the
    /// others.
    fn clean() -> AccessObservation {
        let reads = || {
            vec![
                read(Relation::Own, "b1", 200, true),
                read(Relation::OtherClass, "b2", 403, false),
                read(Relation::OtherSchool, "b9", 404, false),
                read(Relation::OwnAgain, "b1", 200, true),
            ]
        };
        AccessObservation {
            readers: vec![reader("parent P", reads()), reader("élève E", reads())],
            missing: Vec::new(),
            unasked: BTreeMap::new(),
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn refusals_with_the_control_pass() {
        for rule in AccessRule::ALL {
            let verdict = judge_access(rule, &clean());
            assert_says(&verdict, AssertionStatus::Passed, "2 demande(s) refusée(s)");
        }
    }

    #[test]
    fn a_marker_shown_fails_whatever_the_status_and_names_who_read_what() {
        let mut observed = clean();
        observed.readers[1].reads[2] = read(Relation::OtherSchool, "b9", 403, true);
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(&verdict, AssertionStatus::Failed, "élève E a lu b9");
        assert_says(&verdict, AssertionStatus::Failed, "statut 403");
        // The other rule is not touched.
        let other = judge_access(AccessRule::OtherClass, &observed);
        assert_eq!(other.status, AssertionStatus::Passed);
        // Everyone who read the same object at the same address, on one line.
        observed.readers[0].reads[2] = read(Relation::OtherSchool, "b9", 403, true);
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "parent P et élève E ont lu b9",
        );
    }

    #[test]
    fn a_page_without_the_object_is_a_refusal() {
        let mut observed = clean();
        observed.readers[0].reads[1] = read(Relation::OtherClass, "b2", 200, false);
        let verdict = judge_access(AccessRule::OtherClass, &observed);
        assert_says(&verdict, AssertionStatus::Passed, "200 sans l'objet ×1");
    }

    #[test]
    fn without_the_control_a_refusal_proves_nothing() {
        let mut observed = clean();
        observed.readers[0].reads[0] = read(Relation::Own, "b1", 404, false);
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(
            &verdict,
            AssertionStatus::Error,
            "contrôle : parent P ne lit pas son propre b1",
        );
        // A leak is still a failure beside it.
        observed.readers[0].reads[2] = read(Relation::OtherSchool, "b9", 200, true);
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(&verdict, AssertionStatus::Failed, "non évalué : contrôle");
    }

    #[test]
    fn a_session_lost_on_the_way_or_a_role_nobody_played_is_an_error() {
        let mut observed = clean();
        observed.readers[1].reads[3] = read(Relation::OwnAgain, "b1", 302, false);
        let verdict = judge_access(AccessRule::OtherClass, &observed);
        assert_says(
            &verdict,
            AssertionStatus::Error,
            "contrôle final : élève E ne lit plus son b1",
        );
        let mut observed = clean();
        observed.missing.push("aucun enseignant amorcé".to_owned());
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(&verdict, AssertionStatus::Error, "aucun enseignant amorcé");
    }

    #[test]
    fn a_failed_login_a_transport_error_or_nothing_to_ask_is_an_error() {
        let mut observed = clean();
        observed.readers[1].login = Err("l'IdP a refusé".to_owned());
        observed.readers[0].reads[2].answer = Err("délai dépassé".to_owned());
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_says(
            &verdict,
            AssertionStatus::Error,
            "élève E n'a pas pu se connecter",
        );
        assert_says(&verdict, AssertionStatus::Error, "non lu : délai dépassé");

        let mut observed = clean();
        for reader in &mut observed.readers {
            reader.reads.retain(|r| r.relation != Relation::OtherClass);
        }
        observed
            .unasked
            .insert(Relation::OtherClass, "pas de seconde classe".to_owned());
        let verdict = judge_access(AccessRule::OtherClass, &observed);
        assert_says(&verdict, AssertionStatus::Error, "pas de seconde classe");
        let verdict = judge_access(AccessRule::OtherSchool, &observed);
        assert_eq!(verdict.status, AssertionStatus::Passed);
    }
}
