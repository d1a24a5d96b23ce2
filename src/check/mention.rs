//! Assertions about what a text says: one of a list of phrasings, a pattern,
//! exactly one of mutually exclusive phrasings, plain-language sentences.
//!
//! Texts are folded (case, accents, typography) before matching, and phrases
//! match at word boundaries: see [`crate::text`].

use super::observation::{Observations, unless_script_shell};
use super::outcome::Verdict;
use super::wording::{quote, quote_list, zone_name};
use crate::suite::{Pattern, PhraseList, Zone};
use crate::text::{contains_phrase, excerpt, fold, sentences, word_count};

/// `phrases`: at least one phrasing of the list appears in the zone.
pub(crate) fn phrases(observations: &Observations, zone: &Zone, list: &PhraseList) -> Verdict {
    let expected = format!("l'une des formulations {}", quote_list(&list.phrases, 6));
    let text = match observations.zone_text(zone, &expected) {
        Ok(text) => text,
        Err(verdict) => return verdict,
    };
    let folded = fold(&text);
    let verdict = match list.phrases.iter().find(|p| contains_phrase(&folded, p)) {
        Some(found) => Verdict::pass(
            expected,
            format!("trouvé {} dans {}", quote(found), zone_name(zone)),
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
