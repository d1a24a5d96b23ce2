//! Assertions about what a text says: one of a list of phrasings, a pattern,
//! exactly one of mutually exclusive phrasings, plain-language sentences.
//!
//! Texts are folded (case, accents, typography) before matching, and phrases
//! match at word boundaries: see [`crate::text`].

use crate::check::observation::{Observations, absent, unless_script_shell};
use crate::check::outcome::Verdict;
use crate::check::wording::{quote, quote_list, zone_name};
use crate::suite::{Pattern, PhraseList, Zone};
use crate::text::{contains_phrase, excerpt, fold, sentences, word_count};

/// Whether the zone `within` of `document` (the whole page when `None`)
/// states what `list` stands for: the phrasing found, or `None` (also when
/// the zone matches no element).
///
/// The one place the `phrases` judge decides; public so that the corpus of
/// notices (`fixtures/data/notices/`) measures exactly what a run judges.
pub fn states(
    document: &crate::probe::Document,
    within: Option<&scraper::Selector>,
    list: &PhraseList,
) -> Option<String> {
    let folded = fold(&document.text(within)?);
    list.phrases
        .iter()
        .find(|p| contains_phrase(&folded, p))
        .cloned()
}

/// `phrases`: at least one phrasing of the list appears in the zone.
pub(crate) fn phrases(observations: &Observations, zone: &Zone, list: &PhraseList) -> Verdict {
    let expected = format!("l'une des formulations {}", quote_list(&list.phrases, 6));
    let (page, document) = match observations.document(&zone.step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    let within = zone.within.as_ref().map(|css| &css.selector);
    // The zone's text only says how much was read when nothing is found;
    // its absence is a verdict of its own.
    let Some(text) = document.text(within) else {
        return absent(zone, page, document, &expected);
    };
    let verdict = match states(document, within, list) {
        Some(found) => Verdict::pass(
            expected,
            format!("trouvé {} dans {}", quote(&found), zone_name(zone)),
        ),
        None => Verdict::fail(
            expected,
            format!(
                "aucune trouvée dans {} ({} mots lus)",
                zone_name(zone),
                word_count(&text)
            ),
        ),
    };
    unless_script_shell(verdict, zone, observations)
}

/// `pattern`: the folded text of the zone matches at least `min` times.
pub(crate) fn pattern(
    observations: &Observations,
    zone: &Zone,
    pattern: &Pattern,
    min: usize,
) -> Verdict {
    let expected = if min == 1 {
        format!("le motif /{}/", pattern.source)
    } else {
        format!("au moins {min} occurrences du motif /{}/", pattern.source)
    };
    let text = match observations.zone_text(zone, &expected) {
        Ok(text) => text,
        Err(verdict) => return verdict,
    };
    let folded = fold(&text);
    let found: Vec<&str> = pattern
        .regex
        .find_iter(&folded)
        .map(|m| m.as_str())
        .collect();
    let actual = if found.is_empty() {
        format!("aucune occurrence dans {}", zone_name(zone))
    } else {
        format!(
            "{} occurrence(s) dans {} : {}",
            found.len(),
            zone_name(zone),
            quote_list(&found, 4)
        )
    };
    unless_script_shell(
        Verdict::check(found.len() >= min, expected, actual),
        zone,
        observations,
    )
}

/// `exactly_one`: exactly one phrasing of the list appears.
pub(crate) fn exactly_one(observations: &Observations, zone: &Zone, list: &PhraseList) -> Verdict {
    let expected = format!(
        "exactement une mention parmi {}",
        quote_list(&list.phrases, 6)
    );
    let text = match observations.zone_text(zone, &expected) {
        Ok(text) => text,
        Err(verdict) => return verdict,
    };
    let folded = fold(&text);
    let found: Vec<&String> = list
        .phrases
        .iter()
        .filter(|p| contains_phrase(&folded, p))
        .collect();
    let actual = match found.len() {
        0 => format!(
            "aucune mention dans {} : « {} »",
            zone_name(zone),
            excerpt(&text, 160)
        ),
        1 => format!("mention {} dans {}", quote(found[0]), zone_name(zone)),
        _ => format!(
            "{} mentions contradictoires dans {} : {}",
            found.len(),
            zone_name(zone),
            quote_list(&found, 6)
        ),
    };
    unless_script_shell(
        Verdict::check(found.len() == 1, expected, actual),
        zone,
        observations,
    )
}

/// `readability`: sentences are short enough on average.
pub(crate) fn readability(
    observations: &Observations,
    zone: &Zone,
    max_average_words: f64,
) -> Verdict {
    let expected = format!("au plus {max_average_words} mots par phrase en moyenne");
    let text = match observations.zone_text(zone, &expected) {
        Ok(text) => text,
        Err(verdict) => return verdict,
    };
    // Headings and list items of a few words are sentences too for a
    // reader; counting them keeps the measure faithful to what is read.
    let all = sentences(&text);
    if all.is_empty() {
        return unless_script_shell(
            Verdict::fail(expected, format!("aucune phrase dans {}", zone_name(zone))),
            zone,
            observations,
        );
    }
    let counts: Vec<usize> = all.iter().map(|s| word_count(s)).collect();
    let total: usize = counts.iter().sum();
    #[expect(clippy::cast_precision_loss, reason = "word counts are far below 2^52")]
    let average = total as f64 / counts.len() as f64;
    let (longest_index, longest) = counts
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| **c)
        .map_or((0, 0), |(i, c)| (i, *c));
    let actual = format!(
        "{:.1} mots par phrase en moyenne sur {} phrases ; la plus longue ({longest} mots) : « {} »",
        average,
        counts.len(),
        excerpt(all[longest_index], 200)
    );
    Verdict::check(average <= max_average_words, expected, actual)
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

    /// `judge` run on observations holding `body` as the HTML page of the
    /// step `accueil`.
    fn judged(body: &str, judge: impl FnOnce(&Observations) -> Verdict) -> Verdict {
        let url = reqwest::Url::parse("https://ent.test/accueil").expect("test URL");
        let page = Page::served(
            url,
            200,
            Some("text/html".to_owned()),
            PageBody::Text(body.into()),
        );
        let pages = BTreeMap::from([("accueil".to_owned(), Arc::new(page))]);
        let documents = Documents::lock(pages.values());
        let observations = Observations::new(&pages, &documents, TargetFacts::default());
        judge(&observations)
    }

    fn zone(within: Option<&str>) -> Zone {
        Zone {
            step: "accueil".to_owned(),
            within: within.map(|source| Css {
                source: source.to_owned(),
                selector: scraper::Selector::parse(source).expect("test selector"),
            }),
        }
    }

    fn list(phrases: &[&str]) -> PhraseList {
        PhraseList {
            name: "liste".to_owned(),
            phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn regex(source: &str) -> Pattern {
        Pattern {
            source: source.to_owned(),
            regex: regex::Regex::new(source).expect("test regex"),
        }
    }

    /// A page whose few visible words a script would complete.
    const SHELL: &str = r#"<html><body><div id="app">Chargement…</div><script src="/app.js"></script></body></html>"#;

    /// More than a shell's worth of visible text, and a script.
    fn long_page(words: &str) -> String {
        format!(
            "<html><body><main><p>{}</p><p>{words}</p></main><script>suivi()</script></body></html>",
            "L'espace numérique de travail de l'école rassemble les services. ".repeat(5)
        )
    }

    #[test]
    fn phrases_found_after_folding() {
        let body =
            "<html><body><footer><p>DONNÉES  PERSONNELLES et cookies</p></footer></body></html>";
        let verdict = judged(body, |o| {
            phrases(
                o,
                &zone(Some("footer")),
                &list(&["vie privée", "données personnelles"]),
            )
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .contains("l'une des formulations « vie privée », « données personnelles »"),
            "{verdict:?}"
        );
        assert_eq!(
            verdict.actual,
            "trouvé « données personnelles » dans « footer » de la page « accueil »"
        );
    }

    #[test]
    fn phrases_absent_fails_with_words_read() {
        // "GAR" must not be found in "garantie": phrases match whole words.
        let body = "<html><body><p>Une garantie de service.</p></body></html>";
        let verdict = judged(body, |o| phrases(o, &zone(None), &list(&["GAR"])));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune trouvée dans la page « accueil » (4 mots lus)"
        );
        // A script on a page with real text does not excuse the absence.
        let verdict = judged(&long_page("Rien d'autre."), |o| {
            phrases(o, &zone(None), &list(&["GAR"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
    }

    #[test]
    fn phrases_on_script_shell_is_an_error_only_for_the_whole_page() {
        let verdict = judged(SHELL, |o| phrases(o, &zone(None), &list(&["mentions"])));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("aucune trouvée dans la page « accueil »"),
            "{verdict:?}"
        );
        assert!(
            verdict
                .actual
                .contains("caractères visibles et 1 script(s)"),
            "{verdict:?}"
        );
        // A zone that exists was served: its text is what it is.
        let verdict = judged(SHELL, |o| {
            phrases(o, &zone(Some("#app")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
    }

    #[test]
    fn phrases_in_missing_zone_fails_or_errors() {
        let verdict = judged("<html><body><p>Texte</p></body></html>", |o| {
            phrases(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun élément « footer » dans https://ent.test/accueil"
        );
        let verdict = judged(SHELL, |o| {
            phrases(o, &zone(Some("footer")), &list(&["mentions"]))
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
    }

    #[test]
    fn pattern_counts_matches_of_the_folded_text() {
        let body = "<html><body><address>12 rue de l'École, 75001 Paris</address>\
                    <address>3 place Bellecour, 69002 Lyon</address></body></html>";
        let verdict = judged(body, |o| pattern(o, &zone(None), &regex(r"\b\d{5}\b"), 2));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(
            verdict.expected,
            r"au moins 2 occurrences du motif /\b\d{5}\b/"
        );
        assert_eq!(
            verdict.actual,
            "2 occurrence(s) dans la page « accueil » : « 75001 », « 69002 »"
        );
        // Folded: lower case and no accents.
        let verdict = judged(body, |o| {
            pattern(o, &zone(None), &regex("rue de l'ecole"), 1)
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, "le motif /rue de l'ecole/");
    }

    #[test]
    fn pattern_below_min_fails() {
        let body = "<html><body><p>Siège : 75001 Paris</p></body></html>";
        let verdict = judged(body, |o| pattern(o, &zone(None), &regex(r"\b\d{5}\b"), 2));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "1 occurrence(s) dans la page « accueil » : « 75001 »"
        );
        let verdict = judged(body, |o| pattern(o, &zone(None), &regex("siret"), 1));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.actual, "aucune occurrence dans la page « accueil »");
    }

    #[test]
    fn pattern_on_script_shell_is_an_error() {
        let verdict = judged(SHELL, |o| pattern(o, &zone(None), &regex("siret"), 1));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .contains("probablement produit par JavaScript"),
            "{verdict:?}"
        );
    }

    fn hosting() -> PhraseList {
        list(&[
            "hébergées en France",
            "hébergées dans l'Union européenne",
            "hébergées hors de l'Union européenne",
        ])
    }

    #[test]
    fn exactly_one_passes_with_a_single_mention() {
        // The typographic apostrophe of the page folds to the suite's.
        let body =
            "<html><body><p>Les données sont hébergées dans l’Union européenne.</p></body></html>";
        let verdict = judged(body, |o| exactly_one(o, &zone(None), &hosting()));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert!(
            verdict
                .expected
                .starts_with("exactement une mention parmi « hébergées en France »"),
            "{verdict:?}"
        );
        assert_eq!(
            verdict.actual,
            "mention « hébergées dans l'Union européenne » dans la page « accueil »"
        );
    }

    #[test]
    fn exactly_one_fails_on_none_or_contradictory_mentions() {
        let body = "<html><body><p>Hébergement sécurisé.</p></body></html>";
        let verdict = judged(body, |o| exactly_one(o, &zone(None), &hosting()));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune mention dans la page « accueil » : « Hébergement sécurisé. »"
        );

        let body = "<html><body><p>Données hébergées en France.</p>\
                    <p>Sauvegardes hébergées hors de l'Union européenne.</p></body></html>";
        let verdict = judged(body, |o| exactly_one(o, &zone(None), &hosting()));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "2 mentions contradictoires dans la page « accueil » : « hébergées en France », « hébergées hors de l'Union européenne »"
        );
    }

    #[test]
    fn exactly_one_on_script_shell_is_an_error() {
        let verdict = judged(SHELL, |o| exactly_one(o, &zone(None), &hosting()));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.starts_with("aucune mention"), "{verdict:?}");
    }

    const TWO_SENTENCES: &str = "<html><body><main><h1>Le service est ouvert.</h1>\
        <p>Il est gratuit pour les familles.</p></main></body></html>";

    #[test]
    fn readability_passes_at_the_limit() {
        // 4 and 6 words: 5 on average, the limit included.
        let verdict = judged(TWO_SENTENCES, |o| readability(o, &zone(Some("main")), 5.0));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, "au plus 5 mots par phrase en moyenne");
        assert_eq!(
            verdict.actual,
            "5.0 mots par phrase en moyenne sur 2 phrases ; la plus longue (6 mots) : « Il est gratuit pour les familles. »"
        );
    }

    #[test]
    fn readability_fails_above_the_limit() {
        let verdict = judged(TWO_SENTENCES, |o| readability(o, &zone(Some("main")), 4.5));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.starts_with("5.0 mots par phrase en moyenne"),
            "{verdict:?}"
        );
    }

    #[test]
    fn readability_without_sentences_fails_or_errors_on_shell() {
        let verdict = judged("<html><body><main> </main><p>Pied</p></body></html>", |o| {
            readability(o, &zone(Some("main")), 20.0)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune phrase dans « main » de la page « accueil »"
        );
        let shell =
            r#"<html><body><div id="app"></div><script src="/app.js"></script></body></html>"#;
        let verdict = judged(shell, |o| readability(o, &zone(None), 20.0));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(verdict.actual.contains("aucune phrase"), "{verdict:?}");
    }
}
