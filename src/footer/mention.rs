//! Assertions about what a text says: one of a list of phrasings, a pattern,
//! exactly one of mutually exclusive phrasings, plain-language sentences.
//!
//! Texts are folded (case, accents, typography) before matching, and phrases
//! match at word boundaries, whatever their inflection, with enumerations
//! spelled out: see [`crate::text`] for the rules. What a zone states is
//! its visible text and where its links lead ([`Document::reading`]); an
//! assertion with a `section` reads first the part of the zone under the
//! headings that name that section, and the whole zone only when no heading
//! does.

use crate::check::observation::{Observations, absent, unless_script_shell};
use crate::check::outcome::Verdict;
use crate::check::wording::{quote, quote_list, zone_name};
use crate::probe::{Document, Reading};
use crate::suite::{Pattern, PhraseList, Zone};
use crate::text::{Matchable, durations_in_digits, excerpt, fold_lines, sentences, word_count};

/// The phrase of `list` the zone states, as the suite writes it, or `None`
/// (also when the zone matches no element): visible text and link targets,
/// folded, inflection dropped, enumerations spelled out
/// ([`crate::text::Matchable`]).
///
/// The one place the `phrases` judge decides; public so that the corpus of
/// notices (`fixtures/data/notices/`) measures exactly what a run judges.
pub fn states(
    document: &crate::probe::Document,
    within: Option<&crate::probe::Scope>,
    list: &PhraseList,
    section: Option<&PhraseList>,
) -> Option<String> {
    let reading = document.reading(within)?;
    found_in(&Scope::of(&reading, section), list)
}

/// The first phrase of `list` stated in one of the scope's parts.
fn found_in(scope: &Scope<'_>, list: &PhraseList) -> Option<String> {
    scope
        .parts
        .iter()
        .find_map(|part| Matchable::new(part).first(&list.phrases).cloned())
}

/// Where an item is sought: the sections whose heading states a phrase of
/// `section` (disjoint byte ranges of the reading, with their headings), or
/// the whole reading when there is no such list or no such heading.
struct Scope<'r> {
    parts: Vec<&'r str>,
    headings: Vec<&'r str>,
}

impl<'r> Scope<'r> {
    fn of(reading: &'r Reading, section: Option<&PhraseList>) -> Self {
        let whole = Self {
            parts: vec![reading.text.as_str()],
            headings: Vec::new(),
        };
        let Some(section) = section else {
            return whole;
        };
        let mut ranges: Vec<(usize, usize, &'r str)> = reading
            .sections
            .iter()
            .filter(|s| {
                Matchable::new(reading.heading(s))
                    .first(&section.phrases)
                    .is_some()
            })
            .map(|s| (s.heading.start, s.end, reading.heading(s)))
            .collect();
        if ranges.is_empty() {
            return whole;
        }
        // A sub-heading naming the section again lies inside its parent:
        // ranges are merged so that nothing is counted twice.
        ranges.sort_by_key(|r| r.0);
        let mut merged: Vec<(usize, usize)> = Vec::new();
        let mut headings = Vec::new();
        for (start, end, heading) in ranges {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(end),
                _ => {
                    merged.push((start, end));
                    headings.push(heading);
                }
            }
        }
        Self {
            parts: merged
                .into_iter()
                .filter_map(|(start, end)| reading.text.get(start..end))
                .collect(),
            headings,
        }
    }

    /// « dans la section « … » de … », or the zone's name.
    fn name(&self, zone: &Zone) -> String {
        let Some(first) = self.headings.first() else {
            return zone_name(zone);
        };
        let more = match self.headings.len() {
            1 => String::new(),
            n => format!(" (et {} autre(s))", n - 1),
        };
        format!(
            "la section {}{more} de {}",
            quote(&excerpt(first, 80)),
            zone_name(zone)
        )
    }
}

/// The reading of a zone, or the verdict saying why there is none.
fn zone_reading(
    observations: &Observations,
    zone: &Zone,
    expected: &str,
) -> Result<Reading, Verdict> {
    let (page, document): (_, &Document) = observations.document(&zone.step, expected)?;
    let within = zone.within.as_ref().map(|css| &css.scope);
    document
        .reading(within)
        .ok_or_else(|| absent(zone, page, document, expected))
}

/// `phrases`: at least one phrasing of the list is stated in the zone (in
/// the `section` when the zone has one).
pub(crate) fn phrases(
    observations: &Observations,
    zone: &Zone,
    list: &PhraseList,
    section: Option<&PhraseList>,
) -> Verdict {
    let expected = format!("l'une des formulations {}", quote_list(&list.phrases, 6));
    let (page, document) = match observations.document(&zone.step, &expected) {
        Ok(found) => found,
        Err(verdict) => return verdict,
    };
    let within = zone.within.as_ref().map(|css| &css.scope);
    let Some(reading) = document.reading(within) else {
        return absent(zone, page, document, &expected);
    };
    let scope = Scope::of(&reading, section);
    let found = found_in(&scope, list);
    let verdict = match found {
        Some(found) => Verdict::pass(
            expected,
            format!("trouvé {} dans {}", quote(&found), scope.name(zone)),
        ),
        None => Verdict::fail(
            expected,
            format!(
                "aucune trouvée dans {} ({} mots lus)",
                scope.name(zone),
                scope.parts.iter().map(|p| word_count(p)).sum::<usize>()
            ),
        ),
    };
    unless_script_shell(verdict, zone, observations)
}

/// `pattern`: the folded text of the zone (in the `section` when the zone
/// has one), numbers before a unit of time written in digits, matches at
/// least `min` times. Lines are blocks of the page: `[^\n]` stays within one.
pub(crate) fn pattern(
    observations: &Observations,
    zone: &Zone,
    pattern: &Pattern,
    min: usize,
    section: Option<&PhraseList>,
) -> Verdict {
    let expected = if min == 1 {
        format!("le motif /{}/", pattern.source)
    } else {
        format!("au moins {min} occurrences du motif /{}/", pattern.source)
    };
    let reading = match zone_reading(observations, zone, &expected) {
        Ok(reading) => reading,
        Err(verdict) => return verdict,
    };
    let scope = Scope::of(&reading, section);
    let texts: Vec<String> = scope
        .parts
        .iter()
        .map(|part| durations_in_digits(&fold_lines(part)))
        .collect();
    let found: Vec<&str> = texts
        .iter()
        .flat_map(|text| pattern.regex.find_iter(text).map(|m| m.as_str()))
        .collect();
    let actual = if found.is_empty() {
        format!("aucune occurrence dans {}", scope.name(zone))
    } else {
        format!(
            "{} occurrence(s) dans {} : {}",
            found.len(),
            scope.name(zone),
            quote_list(&found, 4)
        )
    };
    let verdict = Verdict::check(found.len() >= min, expected, actual);
    if found.is_empty() {
        unless_script_shell(verdict, zone, observations)
    } else {
        // Something was found and read: too few is a finding, not a page
        // scripts would complete.
        verdict
    }
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
    // Visible text only: a mutually exclusive statement is something the
    // page says, not where a link leads.
    let matchable = Matchable::new(&text);
    let found: Vec<&String> = list
        .phrases
        .iter()
        .filter(|p| matchable.states(p))
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
    let verdict = Verdict::check(found.len() == 1, expected, actual);
    if found.is_empty() {
        unless_script_shell(verdict, zone, observations)
    } else {
        // Contradictory mentions were served: that is what the page says.
        verdict
    }
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
    use crate::check::outcome::{AssertionStatus, assert_says};
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
            within: within.map(|source| Css::parse(source).expect("test selector")),
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
                None,
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
        let verdict = judged(body, |o| phrases(o, &zone(None), &list(&["GAR"]), None));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucune trouvée dans la page « accueil » (4 mots lus)"
        );
        // A script on a page with real text does not excuse the absence.
        let verdict = judged(&long_page("Rien d'autre."), |o| {
            phrases(o, &zone(None), &list(&["GAR"]), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
    }

    #[test]
    fn phrases_on_script_shell_is_an_error_naming_the_evidence() {
        let verdict = judged(SHELL, |o| {
            phrases(o, &zone(None), &list(&["mentions"]), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .actual
                .starts_with("aucune trouvée dans la page « accueil »"),
            "{verdict:?}"
        );
        assert!(verdict.actual.contains("<div id=\"app\">"), "{verdict:?}");
        // Scripts alone prove nothing: a served page is judged as served,
        // and the verdict says it was.
        let served = "<html><body><main><p>Bienvenue sur l'ENT</p></main>\
                      <script src=\"/menu.js\" defer></script></body></html>";
        let verdict = judged(served, |o| {
            phrases(o, &zone(None), &list(&["mentions"]), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert!(
            verdict.actual.contains("jugée telle que servie"),
            "{verdict:?}"
        );
    }

    #[test]
    fn phrases_in_missing_zone_fails_or_errors() {
        let verdict = judged("<html><body><p>Texte</p></body></html>", |o| {
            phrases(o, &zone(Some("footer")), &list(&["mentions"]), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun élément « footer » dans https://ent.test/accueil"
        );
        let verdict = judged(SHELL, |o| {
            phrases(o, &zone(Some("footer")), &list(&["mentions"]), None)
        });
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
    }

    #[test]
    fn pattern_counts_matches_of_the_folded_text() {
        let body = "<html><body><address>12 rue de l'École, 75001 Paris</address>\
                    <address>3 place Bellecour, 69002 Lyon</address></body></html>";
        let verdict = judged(body, |o| {
            pattern(o, &zone(None), &regex(r"\b\d{5}\b"), 2, None)
        });
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
            pattern(o, &zone(None), &regex("rue de l'ecole"), 1, None)
        });
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        assert_eq!(verdict.expected, "le motif /rue de l'ecole/");
    }

    #[test]
    fn pattern_below_min_fails() {
        let body = "<html><body><p>Siège : 75001 Paris</p></body></html>";
        let verdict = judged(body, |o| {
            pattern(o, &zone(None), &regex(r"\b\d{5}\b"), 2, None)
        });
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "1 occurrence(s) dans la page « accueil » : « 75001 »"
        );
        let verdict = judged(body, |o| pattern(o, &zone(None), &regex("siret"), 1, None));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(verdict.actual, "aucune occurrence dans la page « accueil »");
    }

    #[test]
    fn pattern_on_script_shell_is_an_error() {
        let verdict = judged(SHELL, |o| pattern(o, &zone(None), &regex("siret"), 1, None));
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.contains("produit par JavaScript"),
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

    fn document(body: &str) -> Document {
        let url = reqwest::Url::parse("https://ent.test/notice").expect("test URL");
        Document::parse(body, &url).expect("parsed")
    }

    #[test]
    fn states_reads_inflection_enumerations_and_link_targets() {
        let d = document(
            r#"<main><p>Vous avez des droits d'accès, de rectification et d'opposition.</p>
            <p>Réclamation : <a href="https://www.cnil.fr/fr/plaintes">formulaire</a>.</p>
            <p>Délégué : <a href="mailto:dpd@bellerive.example">écrire</a>.</p></main>"#,
        );
        let main =
            crate::probe::Scope::Css(scraper::Selector::parse("main").expect("test selector"));
        let within = Some(&main);
        assert_eq!(
            states(&d, within, &list(&["droit d'opposition"]), None).as_deref(),
            Some("droit d'opposition")
        );
        assert_eq!(
            states(&d, within, &list(&["cnil.fr/fr/plaintes"]), None).as_deref(),
            Some("cnil.fr/fr/plaintes")
        );
        // The link's text says « formulaire »; where it leads names the CNIL.
        assert_eq!(
            states(&d, within, &list(&["CNIL"]), None).as_deref(),
            Some("CNIL")
        );
        assert_eq!(
            states(&d, within, &list(&["legifrance.gouv.fr"]), None),
            None
        );
        assert_eq!(
            states(&d, within, &list(&["dpd@bellerive.example"]), None).as_deref(),
            Some("dpd@bellerive.example")
        );
        assert_eq!(
            states(&d, within, &list(&["effacement", "droit à l'oubli"]), None),
            None
        );
        let aside =
            crate::probe::Scope::Css(scraper::Selector::parse("aside").expect("test selector"));
        assert_eq!(
            states(&d, Some(&aside), &list(&["droit d'accès"]), None),
            None
        );
    }

    #[test]
    fn phrases_judge_reads_plurals() {
        let body =
            "<html><body><main><p>Vous pouvez exercer vos droits d’accès.</p></main></body></html>";
        let verdict = judged(body, |o| {
            phrases(o, &zone(Some("main")), &list(&["droit d'accès"]), None)
        });
        assert_says(
            &verdict,
            AssertionStatus::Passed,
            "trouvé « droit d'accès »",
        );
        let verdict = judged(body, |o| {
            phrases(o, &zone(Some("main")), &list(&["droit d'opposition"]), None)
        });
        assert_says(&verdict, AssertionStatus::Failed, "aucune trouvée");
    }

    const LEGAL: &str = "<html><body><main><h1>Mentions légales</h1><h2>Éditeur</h2>\
        <p>Mairie, 1 place de la Mairie, 99100 Bellerive. Téléphone : 01 99 00 10 00</p>\
        <h2>Hébergement</h2><p>Octalis SAS{host}</p><h2>Contact</h2><p>Écrivez-nous.</p></main></body></html>";

    fn host() -> PhraseList {
        list(&["hébergeur", "hébergement"])
    }

    const PHONE: &str = r"(\+33|\b0)[1-9]([ .-]?\d{2}){4}\b";

    #[test]
    fn pattern_reads_the_section_its_heading_names() {
        // The publisher's phone does not stand for the host's.
        let body = LEGAL.replace("{host}", ", 8 allée des Serveurs");
        let verdict = judged(&body, |o| {
            pattern(o, &zone(Some("main")), &regex(PHONE), 1, Some(&host()))
        });
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "aucune occurrence dans la section « Hébergement » de « main »",
        );
        let body = LEGAL.replace("{host}", ", téléphone 01 99 00 40 40");
        let verdict = judged(&body, |o| {
            pattern(o, &zone(Some("main")), &regex(PHONE), 1, Some(&host()))
        });
        assert_says(&verdict, AssertionStatus::Passed, "« 01 99 00 40 40 »");
        // No heading names the host: the whole zone is read, as before.
        let body = LEGAL
            .replace("<h2>Hébergement</h2>", "")
            .replace("{host}", "");
        let verdict = judged(&body, |o| {
            pattern(o, &zone(Some("main")), &regex(PHONE), 1, Some(&host()))
        });
        assert_says(&verdict, AssertionStatus::Passed, "dans « main »");
    }

    const DURATIONS: &str = r"\b\d+\s*(jours?|semaines?|mois|ans?|annees?)\b";

    fn retention() -> PhraseList {
        list(&["durée de conservation", "combien de temps"])
    }

    #[test]
    fn durations_in_words_and_in_table_cells_are_counted_in_their_section() {
        let page = |cells: &str| {
            format!(
                "<html><body><main><h2>Combien de temps gardons-nous vos données ?</h2>\
                 <table>{cells}</table><h2>Cookies</h2>\
                 <p>Cookie de mesure : 13 mois. Statistiques : 25 mois.</p></main></body></html>"
            )
        };
        let body = page(
            "<tr><td>Messages</td><td>un an</td></tr><tr><td>Journaux</td><td>trois mois</td></tr>",
        );
        let verdict = judged(&body, |o| {
            pattern(
                o,
                &zone(Some("main")),
                &regex(DURATIONS),
                2,
                Some(&retention()),
            )
        });
        assert_says(&verdict, AssertionStatus::Passed, "« 1 an », « 3 mois »");
        // Cookie lifetimes do not stand in for retention periods.
        let body = page("<tr><td>Messages</td><td>le temps nécessaire</td></tr>");
        let verdict = judged(&body, |o| {
            pattern(
                o,
                &zone(Some("main")),
                &regex(DURATIONS),
                2,
                Some(&retention()),
            )
        });
        assert_says(
            &verdict,
            AssertionStatus::Failed,
            "aucune occurrence dans la section « Combien de temps gardons-nous vos données ? »",
        );
    }

    /// The suite's own pattern for an assertion of FOOTER-19.
    fn footer_19(label_start: &str) -> Pattern {
        let catalog = crate::suite::load(&crate::suite::embedded_sources()).expect("suites");
        let check = catalog
            .checks()
            .find(|c| c.id == "FOOTER-19")
            .expect("FOOTER-19");
        let assertion = check
            .assertions
            .iter()
            .find(|a| a.label.starts_with(label_start))
            .expect("assertion");
        match &assertion.kind {
            crate::suite::AssertionKind::Pattern { pattern, .. } => pattern.clone(),
            other => panic!("not a pattern: {other:?}"),
        }
    }

    #[test]
    fn update_date_must_stand_by_the_mention() {
        let date = footer_19("une date complète");
        for body in [
            "<main><p><strong>Dernière mise à jour : 1er septembre 2026</strong></p></main>",
            "<main><p>Notice mise à jour le 03/09/2026.</p></main>",
            "<main><p>Le 3 mars 2026, cette notice a été mise à jour.</p></main>",
            "<main><p>Dernière modification : 12 juin 2025</p></main>",
        ] {
            let verdict = judged(body, |o| pattern(o, &zone(Some("main")), &date, 1, None));
            assert_eq!(
                verdict.status,
                AssertionStatus::Passed,
                "{body}: {verdict:?}"
            );
        }
        for body in [
            // A date and a mention, apart: two blocks.
            "<main><p>Cette notice est mise à jour régulièrement.</p>\
             <ul><li>1er septembre 2025 : première version.</li></ul></main>",
            // Same block, but far from the mention.
            "<main><p>Cette notice est mise à jour quand le traitement change, et les familles en \
             sont prévenues par la messagerie de l'ENT ; la loi du 6 janvier 1978 s'applique.</p></main>",
        ] {
            let verdict = judged(body, |o| pattern(o, &zone(Some("main")), &date, 1, None));
            assert_eq!(
                verdict.status,
                AssertionStatus::Failed,
                "{body}: {verdict:?}"
            );
        }
    }

    #[test]
    fn exactly_one_counts_an_entry_once_whatever_its_wording() {
        let states = list(&[
            "non conforme",
            "partiellement conforme | en conformité partielle",
            "totalement conforme",
        ]);
        let body = "<html><body><p>Accessibilité : partiellement conforme.</p>\
                    <p>Le site est en conformité partielle avec le RGAA.</p></body></html>";
        let verdict = judged(body, |o| exactly_one(o, &zone(None), &states));
        assert_eq!(verdict.status, AssertionStatus::Passed, "{verdict:?}");
        let body =
            "<html><body><p>Partiellement conforme.</p><p>Totalement conforme.</p></body></html>";
        let verdict = judged(body, |o| exactly_one(o, &zone(None), &states));
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
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
