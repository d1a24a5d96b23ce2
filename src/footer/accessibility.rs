//! The accessibility mention must agree with the conformity rate the
//! declaration states: décret n° 2019-768 sets the mention from the rate of
//! RGAA criteria met (totalement: 100 %, partiellement: at least 50 %, non
//! conforme below, or without a valid audit). The thresholds and phrasings
//! come from the suite file.

use crate::check::observation::Observations;
use crate::check::outcome::Verdict;
use crate::check::wording::quote;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::check::observation::{Documents, TargetFacts};
    use crate::check::outcome::AssertionStatus;
    use crate::probe::{Page, PageBody};
    use crate::suite::Css;

    fn page(at: &str, body: &str) -> Arc<Page> {
        let url = reqwest::Url::parse(at).expect("test URL");
        Arc::new(Page::served(
            url,
            200,
            Some("text/html".to_owned()),
            PageBody::Text(body.into()),
        ))
    }

    /// The mention in the footer of `accueil`, the rate in the
    /// `declaration` page; states as the suite sorts them, highest first.
    fn judged_with(footer: &str, declaration: &str, states: &[AccessibilityState]) -> Verdict {
        let pages = BTreeMap::from([
            (
                "accueil".to_owned(),
                page(
                    "https://ent.test/",
                    &format!("<html><body><main>ENT</main><footer>{footer}</footer></body></html>"),
                ),
            ),
            (
                "declaration".to_owned(),
                page(
                    "https://ent.test/accessibilite",
                    &format!("<html><body><main>{declaration}</main></body></html>"),
                ),
            ),
        ]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, TargetFacts::default());
        let mention = Zone {
            step: "accueil".to_owned(),
            within: Some(Css::parse("footer").expect("test selector")),
        };
        let declared = Zone {
            step: "declaration".to_owned(),
            within: None,
        };
        // Applied to the folded text: no accents.
        let rate = Pattern {
            source: "taux".to_owned(),
            regex: regex::Regex::new(r"(\d+(?:[.,]\d+)?) ?% des criteres").expect("test regex"),
        };
        accessibility_rate(&observations, &mention, &declared, states, &[rate])
    }

    fn states() -> Vec<AccessibilityState> {
        [
            ("totalement conforme", 100.0),
            ("partiellement conforme", 50.0),
            ("non conforme", 0.0),
        ]
        .into_iter()
        .map(|(phrase, min_rate)| AccessibilityState {
            phrase: phrase.to_owned(),
            min_rate,
        })
        .collect()
    }

    fn judged(footer: &str, declaration: &str) -> Verdict {
        judged_with(footer, declaration, &states())
    }

    const AUDITED: &str = "L'audit montre que 75,5 % des critères du RGAA sont respectés.";

    #[test]
    fn mention_allowed_by_the_rate_passes() {
        let verdict = judged("Accessibilité : partiellement conforme", AUDITED);
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "la mention permise par le taux de conformité déclaré : taux déclaré 75.5 % → « partiellement conforme »"
        );
        assert_eq!(
            verdict.actual,
            "mention affichée « partiellement conforme »"
        );
    }

    #[test]
    fn thresholds_are_inclusive() {
        let verdict = judged(
            "Accessibilité : totalement conforme",
            "100 % des critères respectés",
        );
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        let verdict = judged(
            "Accessibilité : partiellement conforme",
            "50 % des critères respectés",
        );
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        let verdict = judged(
            "Accessibilité : partiellement conforme",
            "49,9 % des critères respectés",
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .ends_with("taux déclaré 49.9 % → « non conforme »"),
            "{verdict:?}"
        );
    }

    #[test]
    fn mention_above_the_rate_fails() {
        let verdict = judged("Accessibilité : totalement conforme", AUDITED);
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.expected.ends_with("→ « partiellement conforme »"),
            "{verdict:?}"
        );
        assert_eq!(verdict.actual, "mention affichée « totalement conforme »");
    }

    #[test]
    fn without_a_rate_only_the_lowest_state_is_allowed() {
        let none = "Aucun audit n'a été réalisé.";
        let verdict = judged("Accessibilité : partiellement conforme", none);
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            "la mention permise par le taux de conformité déclaré : aucun taux de conformité trouvé \
             dans la déclaration (pas d'audit valide) → « non conforme »"
        );
        let verdict = judged("Accessibilité : NON CONFORME", none);
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
    }

    #[test]
    fn no_or_contradictory_mention_fails() {
        let verdict = judged("Plan du site", AUDITED);
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune mention d'état de conformité affichée"
        );
        let verdict = judged(
            "Accessibilité : partiellement conforme (anciennement totalement conforme)",
            AUDITED,
        );
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "mentions contradictoires affichées : « totalement conforme », « partiellement conforme »"
        );
    }

    #[test]
    fn no_state_is_an_error() {
        let verdict = judged_with("partiellement conforme", AUDITED, &[]);
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert_eq!(verdict.actual, "aucun état de mention défini dans la suite");
    }

    #[test]
    fn missing_mention_zone_fails() {
        // A page without any footer, and no script that could build one:
        // the mention is absent, a failure.
        let pages = BTreeMap::from([(
            "accueil".to_owned(),
            page("https://ent.test/", "<html><body><p>ENT</p></body></html>"),
        )]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, TargetFacts::default());
        let mention = Zone {
            step: "accueil".to_owned(),
            within: Some(Css::parse("footer").expect("test selector")),
        };
        let declared = Zone {
            step: "declaration".to_owned(),
            within: None,
        };
        let verdict = accessibility_rate(&observations, &mention, &declared, &states(), &[]);
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun élément « footer » dans https://ent.test/"
        );
        // The declaration's step observed nothing: not judged.
        let whole = Zone {
            step: "accueil".to_owned(),
            within: None,
        };
        let verdict = accessibility_rate(&observations, &whole, &declared, &states(), &[]);
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("l'étape « declaration » n'a rien observé"),
            "{verdict:?}"
        );
    }
}
