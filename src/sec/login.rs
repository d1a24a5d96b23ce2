//! SEC-06, the ENT's own login form resists password guessing: what the
//! `login_throttling` step records (the test account's password once, then
//! wrong ones, each from a fresh browser), and the judge of the
//! `local_login` assertion, a pure function of it. The probe is in
//! `login_probe.rs`.
//!
//! What counts as resisting is what a person or a script can see: a 429 or
//! 423, a `Retry-After`, a message that the account is locked or that one
//! must wait, or a CAPTCHA. A server that only answers more slowly, without
//! saying so, is not recognised: telling it from a loaded machine would
//! make the verdict depend on load.

use std::sync::LazyLock;

use regex::Regex;

use crate::check::{DomainObservation, Verdict};

/// Failures in a row tolerated before the ENT must resist: the ten after
/// which the CNIL's recommendation (délibération 2022-100, as the health
/// sector's PGSSI-S relays it) wants the account locked at the latest. One
/// more wrong password is sent, to see the lock.
pub const MAX_WRONG: usize = 10;

/// Wrong passwords sent at most.
pub const ATTEMPTS: usize = MAX_WRONG + 1;

/// What a `local_login` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalLoginRule {
    /// Wrong passwords in a row are slowed down, locked out or met with a
    /// CAPTCHA.
    Throttling,
}

impl LocalLoginRule {
    /// Every rule, in suite-file order.
    pub const ALL: [Self; 1] = [Self::Throttling];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttling => "throttling",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Throttling => "Les mauvais mots de passe répétés sont freinés ou bloqués",
        }
    }
}

/// What the `login_throttling` step recorded.
#[derive(Clone, Debug)]
pub struct ThrottlingObservation {
    /// The test account's identifier.
    pub account: String,
    /// The form found (`POST <action> (identifiant, mot de passe)`), or
    /// why none was.
    pub form: Result<String, String>,
    /// The form's page as first read (redacted, bounded): a lock message
    /// it already shows (« Compte bloqué ? Contactez… ») is no sign.
    pub page_text: String,
    /// The login with the right password, first.
    pub control: Option<Result<Answered, String>>,
    /// The wrong passwords, in order, up to the first sign of resistance.
    pub attempts: Vec<Result<Answered, String>>,
    /// Evidence.
    pub exchanges: Vec<String>,
}

impl DomainObservation for ThrottlingObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

/// The ENT's answer to one submission of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answered {
    /// Final status, after redirects.
    pub status: u16,
    /// Final address, redacted.
    pub final_url: String,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// Whether the final page shows the login form again.
    pub form_again: bool,
    /// The final page's text, redacted, bounded.
    pub text: String,
    /// Traces of a CAPTCHA in the final page.
    pub captcha: Vec<String>,
}

impl Answered {
    /// Whether the answer is a login that worked: no error status, no form
    /// again.
    pub(crate) fn logged_in(&self) -> bool {
        self.status < 400 && !self.form_again
    }

    /// How it was refused, for the summary of a failure.
    fn refusal(&self) -> String {
        let form = if self.form_again {
            "formulaire de nouveau"
        } else {
            "sans formulaire"
        };
        format!("statut {}, {form}", self.status)
    }
}

/// Messages that say the account is locked or that one must wait.
static WAIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)trop de (tentatives|essais|connexions)|compte (est )?(temporairement )?(bloqu|verrouill|suspendu)|r[ée]essa[yi]ez (dans|plus tard|ult[ée]rieurement)|veuillez (patienter|attendre)|too many (attempts|requests|login)|account (is |has been )?(temporarily )?locked|try again (in|later)",
    )
    .expect("constant regex")
});

/// The sign that the ENT resists guessing, in this answer, if any. A
/// message already on the form's page (`before`) is no sign, and neither
/// is a `Retry-After` on a 5xx (an overloaded server says it too).
pub(crate) fn resistance(answer: &Answered, before: &str) -> Option<String> {
    if matches!(answer.status, 429 | 423) {
        return Some(format!("statut {}", answer.status));
    }
    if let Some(seconds) = answer.retry_after
        && answer.status < 500
    {
        return Some(format!(
            "Retry-After: {seconds} s (statut {})",
            answer.status
        ));
    }
    let already: Vec<String> = WAIT
        .find_iter(before)
        .map(|m| m.as_str().to_lowercase())
        .collect();
    if let Some(found) = WAIT
        .find_iter(&answer.text)
        .find(|m| !already.contains(&m.as_str().to_lowercase()))
    {
        return Some(format!("« {} » (statut {})", found.as_str(), answer.status));
    }
    answer
        .captcha
        .first()
        .map(|trace| format!("un CAPTCHA ({trace})"))
}

fn expected() -> String {
    format!(
        "après la connexion du compte de test avec son mot de passe, au plus {MAX_WRONG} mauvais \
         mots de passe de suite avant que l'ENT ne ralentisse les essais, ne bloque le compte \
         ou ne demande un CAPTCHA, et le dise (statut 429 ou 423, Retry-After, message, \
         CAPTCHA) au plus tard au {ATTEMPTS}e essai"
    )
}

/// SEC-06: the wrong passwords meet resistance within [`ATTEMPTS`], after
/// a control login with the right one.
pub(crate) fn judge_local_login(rule: LocalLoginRule, observed: &ThrottlingObservation) -> Verdict {
    match rule {
        LocalLoginRule::Throttling => throttling(observed),
    }
}

fn throttling(observed: &ThrottlingObservation) -> Verdict {
    let expected = expected();
    let form = match &observed.form {
        Ok(form) => form,
        Err(why) => return Verdict::error(expected, why.clone()),
    };
    let account = &observed.account;
    match &observed.control {
        None => {
            return Verdict::error(expected, "la connexion de contrôle n'a pas été faite");
        }
        Some(Err(why)) => {
            return Verdict::error(
                expected,
                format!("connexion de contrôle de « {account} » impossible : {why}"),
            );
        }
        Some(Ok(control)) if !control.logged_in() => {
            let why = resistance(control, &observed.page_text)
                .map_or_else(String::new, |sign| format!(" ({sign})"));
            return Verdict::error(
                expected,
                format!(
                    "le compte de test « {account} » ne se connecte pas avec son mot de passe \
                     ([local_login] password) : {form} → statut {}{}{why} ; un refus des \
                     mauvais mots de passe ne prouverait rien (déjà bloqué par une exécution \
                     récente ? attendez la fin du blocage)",
                    control.status,
                    if control.form_again {
                        ", formulaire de nouveau"
                    } else {
                        ""
                    },
                ),
            );
        }
        Some(Ok(_)) => {}
    }
    let landing = match &observed.control {
        Some(Ok(control)) => control.final_url.as_str(),
        _ => "",
    };
    let mut refusals: Vec<(String, usize)> = Vec::new();
    for (index, attempt) in observed.attempts.iter().enumerate() {
        let n = index + 1;
        match attempt {
            Err(why) => {
                return Verdict::error(
                    expected,
                    format!("mauvais mot de passe n° {n} non envoyé : {why}"),
                );
            }
            Ok(answer) => {
                if let Some(sign) = resistance(answer, &observed.page_text) {
                    return Verdict::pass(
                        expected,
                        format!(
                            "« {account} » connecté avec son mot de passe ; après {} échec(s), \
                             le mauvais mot de passe n° {n} reçoit : {sign}",
                            n - 1
                        ),
                    );
                }
                // Where the right password led: a wrong one that lands
                // there too opened a session.
                if answer.logged_in() && answer.final_url == landing {
                    return Verdict::fail(
                        expected,
                        format!(
                            "le mauvais mot de passe n° {n} a ouvert une session pour \
                             « {account} » : {form} → statut {}, {}",
                            answer.status, answer.final_url
                        ),
                    );
                }
                let refusal = answer.refusal();
                match refusals.iter_mut().find(|(seen, _)| *seen == refusal) {
                    Some((_, count)) => *count += 1,
                    None => refusals.push((refusal, 1)),
                }
            }
        }
    }
    if observed.attempts.len() < ATTEMPTS {
        return Verdict::error(
            expected,
            format!(
                "{} mauvais mots de passe seulement ont été envoyés sur {ATTEMPTS}",
                observed.attempts.len()
            ),
        );
    }
    let seen: Vec<String> = refusals
        .iter()
        .map(|(refusal, count)| format!("{refusal} ×{count}"))
        .collect();
    Verdict::fail(
        expected,
        format!(
            "{ATTEMPTS} mauvais mots de passe de suite pour « {account} », refusés ({}) sans \
             ralentissement annoncé, sans blocage ni CAPTCHA : le mot de passe peut être deviné \
             par force brute ({form})",
            seen.join(" ; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::AssertionStatus;
    use crate::check::outcome::assert_says;

    fn refused() -> Answered {
        Answered {
            status: 200,
            final_url: "https://ent.test/auth/login".to_owned(),
            retry_after: None,
            form_again: true,
            text: "<p>Identifiant ou mot de passe incorrect.</p>".to_owned(),
            captcha: Vec::new(),
        }
    }

    fn home() -> Answered {
        Answered {
            status: 200,
            final_url: "https://ent.test/".to_owned(),
            form_again: false,
            ..Answered::default()
        }
    }

    fn observed(attempts: Vec<Answered>) -> ThrottlingObservation {
        ThrottlingObservation {
            account: "intervenant.test".to_owned(),
            form: Ok("POST https://ent.test/auth/login (identifiant, mot_de_passe)".to_owned()),
            page_text: "<p>Compte bloqué ? Contactez la mairie.</p>".to_owned(),
            control: Some(Ok(home())),
            attempts: attempts.into_iter().map(Ok).collect(),
            exchanges: Vec::new(),
        }
    }

    fn judge(o: &ThrottlingObservation) -> Verdict {
        judge_local_login(LocalLoginRule::Throttling, o)
    }

    #[test]
    fn every_sign_of_resistance_passes_and_is_named() {
        let mut locked = refused();
        locked.status = 429;
        let mut waited = refused();
        waited.retry_after = Some(60);
        let mut said = refused();
        said.text = "<p>Trop de tentatives : réessayez dans 15 minutes.</p>".to_owned();
        let mut captcha = refused();
        captcha.captcha = vec!["<div class=\"h-captcha\">".to_owned()];
        for (sign, shown) in [
            (locked, "statut 429"),
            (waited, "Retry-After: 60 s"),
            (said, "« Trop de tentatives"),
            (captcha, "un CAPTCHA (<div class=\"h-captcha\">)"),
        ] {
            let mut attempts = vec![refused(); 5];
            attempts.push(sign);
            let verdict = judge(&observed(attempts));
            assert_says(&verdict, AssertionStatus::Passed, "après 5 échec(s)");
            assert_says(&verdict, AssertionStatus::Passed, shown);
        }
    }

    #[test]
    fn eleven_refusals_without_a_sign_fail() {
        let mut attempts = vec![refused(); ATTEMPTS - 1];
        // A message the page already showed is no sign.
        let mut static_text = refused();
        static_text.text = "<p>Compte bloqué ? Contactez la mairie.</p>".to_owned();
        attempts.push(static_text);
        // Neither is a Retry-After on a 5xx.
        attempts[3].status = 503;
        attempts[3].retry_after = Some(30);
        let verdict = judge(&observed(attempts));
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "11 mauvais mots de passe de suite",
        );
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "statut 200, formulaire de nouveau ×10 ; statut 503, formulaire de nouveau ×1",
        );
        let verdict = judge(&observed(vec![refused(); MAX_WRONG]));
        assert_says(
            &verdict,
            AssertionStatus::Error,
            "10 mauvais mots de passe seulement",
        );
    }

    #[test]
    fn a_wrong_password_that_logs_in_fails() {
        let verdict = judge(&observed(vec![refused(), home()]));
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "n° 2 a ouvert une session",
        );
        // An error page without the form, elsewhere, is a refusal.
        let mut elsewhere = home();
        elsewhere.final_url = "https://ent.test/erreur".to_owned();
        let verdict = judge(&observed(vec![elsewhere; ATTEMPTS]));
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "statut 200, sans formulaire ×11",
        );
    }

    #[test]
    fn without_a_working_control_login_nothing_is_proved() {
        let mut o = observed(vec![refused(); ATTEMPTS]);
        o.control = Some(Ok(refused()));
        let verdict = judge(&o);
        assert_says(
            &verdict,
            AssertionStatus::Error,
            "ne se connecte pas avec son mot de passe",
        );

        let mut o = observed(Vec::new());
        o.form = Err("aucun formulaire avec un champ mot de passe".to_owned());
        assert_says(&judge(&o), AssertionStatus::Error, "aucun formulaire");

        let mut o = observed(vec![refused(); 3]);
        o.attempts.push(Err("délai dépassé".to_owned()));
        let verdict = judge(&o);
        assert_says(&verdict, AssertionStatus::Error, "n° 4 non envoyé");
    }
}
