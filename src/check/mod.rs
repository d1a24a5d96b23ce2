//! How the harness judges: pure functions from observations to verdicts.
//!
//! No IO, no clock, no async here: a time a judge needs (when a deletion
//! was asked, when GAR-07 looked) comes in the observation, read by the
//! scenario from the run's clock. Each assertion kind of the suite format
//! has one function; [`evaluate`] dispatches and adds the presentation
//! (label, article, effective severity, evidence ids). The outcome of a check
//! is folded from its assertions by [`fold`].

mod link;
pub(crate) mod login;
pub(crate) mod observation;
pub(crate) mod outcome;
mod page;
pub(crate) mod wording;

pub use link::capture_link;
pub use observation::{
    Attempt, Documents, DomainObservation, LoginObservation, Observations, Person,
    SharedObservation, TargetFacts, Unread,
};
pub use outcome::{AssertionResult, AssertionStatus, Outcome, Verdict, failure_outcome, fold};
pub use page::{NotPublic, PUBLIC_EXPECTED, public_problem};
pub use wording::list;

use crate::footer::{accessibility, mention, privacy};
use crate::gar::GarStep;
use crate::gar::{judge_gar, judge_gar_sso, judge_mediacentre};
use crate::reversibility::{judge_delcert, judge_export};
use crate::stats::judge_statistics;
use crate::suite::{Assertion, AssertionKind, Severity};

/// Evaluates one assertion of a check whose severity is `check_severity`.
pub fn evaluate(
    assertion: &Assertion,
    check_severity: Severity,
    observations: &Observations,
) -> AssertionResult {
    let verdict = match &assertion.kind {
        AssertionKind::Status { step, codes } => page::status(observations, step, codes),
        AssertionKind::PublicPage { step } => page::public_page(observations, step),
        AssertionKind::Element { step, css } => page::element(observations, step, css),
        AssertionKind::Lang { step, expect } => page::lang(observations, step, expect),
        AssertionKind::Link { zone, text } => link::link(observations, zone, text),
        AssertionKind::LinkNames { zone, forbid } => link::link_names(observations, zone, forbid),
        AssertionKind::Phrases { zone, any, section } => {
            mention::phrases(observations, zone, any, section.as_ref())
        }
        AssertionKind::Pattern {
            zone,
            pattern,
            min,
            section,
        } => mention::pattern(observations, zone, pattern, *min, section.as_ref()),
        AssertionKind::ExactlyOne { zone, of } => mention::exactly_one(observations, zone, of),
        AssertionKind::Readability {
            zone,
            max_average_words,
        } => mention::readability(observations, zone, *max_average_words),
        AssertionKind::Cookies { step, forbid } => privacy::cookies(observations, step, forbid),
        AssertionKind::ThirdParty { step, forbid } => {
            privacy::third_party(observations, step, forbid)
        }
        AssertionKind::DeclaredThirdParties {
            step,
            notice,
            except,
        } => privacy::declared_third_parties(observations, step, notice, except.as_ref()),
        AssertionKind::AccessibilityRate {
            mention,
            declaration,
            states,
            rate_patterns,
        } => accessibility::accessibility_rate(
            observations,
            mention,
            declaration,
            states,
            rate_patterns,
        ),
        AssertionKind::SignedIn { step, profile } => login::signed_in(observations, step, profile),
        AssertionKind::Refused { step } => login::refused(observations, step),
        AssertionKind::ReplayRefused { step } => login::replay_refused(observations, step),
        AssertionKind::SecurityTxt { step } => crate::sec::security_txt(observations, step),
        AssertionKind::DiscreetError { step } => crate::sec::discreet_error(observations, step),
        AssertionKind::PersonalData { steps, rule } => {
            crate::privacy::judge_personal_data(observations, steps, *rule)
        }
        AssertionKind::SecurityHeader { steps, protection } => {
            crate::sec::security_header(observations, steps, *protection)
        }
        AssertionKind::UnsolicitedAsDeclared { step } => {
            login::unsolicited_as_declared(observations, step)
        }
        AssertionKind::SessionCookie { step, attribute } => {
            login::session_cookie(observations, step, *attribute)
        }
        AssertionKind::SessionRenewed { step } => login::session_renewed(observations, step),
        AssertionKind::NoSecretInUrls { step } => login::no_secret_in_urls(observations, step),
        AssertionKind::IdpLogout { step } => login::idp_logout(observations, step),
        AssertionKind::LogoutEndsSession { step } => login::logout_ends_session(observations, step),
        AssertionKind::LogoutFromIdpEndsSession { step } => {
            login::logout_from_idp_ends_session(observations, step)
        }
        AssertionKind::Gar { step, rule } => match rule.step_kind() {
            GarStep::Export => observations
                .shared(step, "l'export GAR téléchargé")
                .map(|o| judge_gar(*rule, o)),
            GarStep::Sso => observations
                .shared(step, "la connexion au GAR jouée")
                .map(|o| judge_gar_sso(*rule, o)),
            GarStep::Mediacentre => observations
                .shared(step, "le médiacentre ouvert")
                .map(|o| judge_mediacentre(*rule, o)),
        }
        .unwrap_or_else(|verdict| verdict),
        AssertionKind::Access { step, rule } => observations
            .shared(step, "les lectures des objets d'autrui")
            .map(|o| crate::sec::judge_access(*rule, o))
            .unwrap_or_else(|verdict| verdict),
        AssertionKind::LocalLogin { step, rule } => observations
            .shared(step, "les essais du formulaire de connexion")
            .map(|o| crate::sec::judge_local_login(*rule, o))
            .unwrap_or_else(|verdict| verdict),
        AssertionKind::Tls { step, rule } => observations
            .shared(step, "les connexions TLS établies")
            .map(|o| crate::sec::judge_tls(*rule, o, observations.target.now))
            .unwrap_or_else(|verdict| verdict),
        AssertionKind::Delcert { step, rule } => observations
            .shared(step, "les suppressions demandées")
            .map(|o| judge_delcert(*rule, o))
            .unwrap_or_else(|verdict| verdict),
        AssertionKind::Export { step, rule } => observations
            .shared(step, "les exports de réversibilité obtenus")
            .map(|o| judge_export(*rule, o))
            .unwrap_or_else(|verdict| verdict),
        AssertionKind::Statistics { step, rule, spec } => {
            match observations.shared(step, "des statistiques lues") {
                Ok(observed) => judge_statistics(*rule, spec, observed),
                Err(verdict) => verdict,
            }
        }
    };
    AssertionResult {
        label: assertion.label.clone(),
        article: assertion.article.clone(),
        severity: verdict
            .tolerated
            .unwrap_or_else(|| assertion.severity.unwrap_or(check_severity)),
        status: verdict.status,
        expected: verdict.expected,
        actual: verdict.actual,
        exchanges: observations.exchanges(&assertion.kind.steps()),
    }
}

/// An assertion left unjudged (`n/a`) because a step it reads was never
/// reached, or reached a page another check finds not public: it expected
/// `expected`, and `why` names the check that judges the cause.
pub fn not_judged(
    assertion: &Assertion,
    check_severity: Severity,
    expected: &str,
    why: &str,
) -> AssertionResult {
    AssertionResult {
        label: assertion.label.clone(),
        article: assertion.article.clone(),
        severity: assertion.severity.unwrap_or(check_severity),
        status: AssertionStatus::NotApplicable,
        expected: expected.to_owned(),
        actual: why.to_owned(),
        exchanges: Vec::new(),
    }
}
