//! The accessibility mention must agree with the conformity rate the
//! declaration states: décret n° 2019-768 sets the mention from the rate of
//! RGAA criteria met (totalement: 100 %, partiellement: at least 50 %, non
//! conforme below, or without a valid audit). The thresholds and phrasings
//! come from the suite file.

use super::observation::Observations;
use super::outcome::Verdict;
use super::wording::quote;
use crate::suite::{AccessibilityState, Pattern, Zone};
use crate::text::{contains_phrase, fold};

/// `accessibility_rate`: the displayed state is the one the declared rate allows.
pub(crate) fn accessibility_rate(
    observations: &Observations,
    mention: &Zone,
    declaration: &Zone,
    states: &[AccessibilityState],
    rate_patterns: &[Pattern],
) -> Verdict {
    let expected_base = "la mention permise par le taux de conformité déclaré";
    let mention_text = match observations.zone_text(mention, expected_base) {
        Ok(text) => fold(&text),
        Err(verdict) => return verdict,
    };
    let declaration_text = match observations.zone_text(declaration, expected_base) {
        Ok(text) => fold(&text),
        Err(verdict) => return verdict,
    };
    let shown: Vec<&AccessibilityState> = states
        .iter()
        .filter(|s| contains_phrase(&mention_text, &s.phrase))
        .collect();
    let rate = rate_patterns.iter().find_map(|p| {
        p.regex
            .captures(&declaration_text)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().replace(',', ".").parse::<f64>().ok())
    });
    let allowed = match rate {
        Some(rate) => states.iter().find(|s| rate >= s.min_rate),
        None => states.last(),
    };
    let Some(allowed) = allowed else {
        return Verdict::error(expected_base, "aucun état de mention défini dans la suite");
    };
    let rate_text = rate.map_or_else(
        || "aucun taux de conformité trouvé dans la déclaration (pas d'audit valide)".to_owned(),
        |r| format!("taux déclaré {r} %"),
    );
    let expected = format!("{expected_base} : {rate_text} → {}", quote(&allowed.phrase));
    match shown.as_slice() {
        [one] => Verdict::check(
            one.phrase == allowed.phrase,
            expected,
            format!("mention affichée {}", quote(&one.phrase)),
        ),
        [] => Verdict::fail(expected, "aucune mention d'état de conformité affichée"),
        many => Verdict::fail(
            expected,
            format!(
                "mentions contradictoires affichées : {}",
                many.iter()
                    .map(|s| quote(&s.phrase))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}
