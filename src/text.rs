//! French text as the checks read it: folding for matching, phrase search at
//! word boundaries, sentences and words.
//!
//! Matching is done on a folded form (lowercase, no diacritics, one kind of
//! apostrophe and space) so that "Données personnelles", "DONNEES
//! PERSONNELLES" and "données  personnelles" are the same phrase: editors'
//! typography varies, the legal content does not.
//!
//! What a notice states is matched on a further normalised form
//! ([`Matchable`]), because real notices say the same thing in many
//! grammatical forms:
//! - inflection ([`inflected`]): the plural `-s`/`-x` (`-aux` read `-al`) and
//!   the feminine `-e` of a past participle (`-ée`) are dropped from every
//!   word, on both sides, so « vos droits d'accès » states « droit d'accès »
//!   and « conservées » states « conservé ». Not every final `-e`: « commune »
//!   is also the feminine of « commun », and a notice saying « d'un commun
//!   accord » does not name its commune. Words of three letters or less are
//!   kept whole, so « GAR » never meets « gare » nor « garantir »;
//! - enumerations that share one noun ([`Matchable::new`]): in « droits de
//!   rectification, d'effacement et d'opposition » each further item led by
//!   a preposition is read with the noun (« droit d'effacement »);
//! - numbers written in words before a unit of time
//!   ([`durations_in_digits`]): « trois mois » is read « 3 mois », for the
//!   suite's patterns;
//! - block boundaries: matching is done line by line ([`fold_lines`]), a
//!   phrase never spans two blocks of the page.

/// Folds `text` for matching: lowercase, diacritics removed, typographic
/// apostrophes, quotes and dashes unified, every run of white space (including
/// no-break spaces) collapsed to one space, trimmed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        push_folded(&mut out, c);
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    let mapped: &str = match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "e",
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => "o",
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'œ' | 'Œ' => "oe",
        'æ' | 'Æ' => "ae",
        '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '´' => "'",
        '\u{201c}' | '\u{201d}' | '«' | '»' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => "-",
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push_str(mapped);
}

/// Whether the folded `haystack` contains `phrase` (folded here) starting and
/// ending at word boundaries, so that "GAR" does not match "garantir".
pub fn contains_phrase(folded_haystack: &str, phrase: &str) -> bool {
    count_phrase(folded_haystack, phrase) > 0
}

/// How many times `phrase` occurs in the folded `haystack` at word boundaries.
pub fn count_phrase(folded_haystack: &str, phrase: &str) -> usize {
    count_folded(folded_haystack, &fold(phrase))
}

/// How many times the already folded `needle` occurs at word boundaries.
fn count_folded(folded_haystack: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    let mut count = 0;
    let mut from = 0;
    while let Some(pos) = folded_haystack[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = folded_haystack[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c) || !needle.starts_with(is_word_char));
        let after_ok = folded_haystack[end..]
            .chars()
            .next()
            .is_none_or(|c| !is_word_char(c) || !needle.ends_with(is_word_char));
        if before_ok && after_ok {
            count += 1;
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    count
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Folds `text` line by line ([`fold`] on each), keeping the line breaks
/// that separate blocks and dropping empty lines, so that patterns and
/// phrases can tell « same block » from « anywhere ». The cells of a table
/// row (tab-separated in a reading) are one space apart: a row reads as one
/// sentence.
pub fn fold_lines(text: &str) -> String {
    fold_rows(text, ' ')
}

/// Like [`fold_lines`], with the cells of a row kept apart by one tab: what
/// a `^` entry reads, since a cell can be a label (« Hébergement » in a
/// sub-processor table's role column).
fn fold_cells(text: &str) -> String {
    fold_rows(text, '\t')
}

/// Each line folded cell by cell, empty cells and lines dropped, cells
/// joined by `between`. Folding a cell apart is folding the line: white
/// space around a tab collapses either way.
fn fold_rows(text: &str, between: char) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut cells = line.split('\t').map(fold).filter(|cell| !cell.is_empty());
        let Some(first) = cells.next() else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&first);
        for cell in cells {
            out.push(between);
            out.push_str(&cell);
        }
    }
    out
}

/// A text prepared for asking what it states: folded line by line,
/// inflection dropped ([`inflected`]), and enumerations that share a noun
/// spelled out: in « droits de rectification, d'effacement et de
/// limitation », every item after the first that starts with a preposition
/// (de, d', du, des, à, au, aux) is read with the noun that heads the first
/// (« droit d'effacement », « droit de limitation »); the first item opens
/// with « de », « d' » or « à », right after the noun. Items end at a comma,
/// « et », « ou » or any other punctuation, and hold at most four words, so
/// the noun never reaches into the next clause.
#[derive(Clone, Debug)]
pub struct Matchable {
    words: String,
    /// The same text with table cells kept apart, for `^` entries.
    cells: String,
}

impl Matchable {
    /// Prepares `text` (raw, not yet folded).
    pub fn new(text: &str) -> Self {
        // Folded and inflected once: the phrases' text is the cells' text
        // with a space between cells (inflection stops at a tab as at a
        // space).
        let cells = inflected(&fold_cells(text));
        Self {
            words: expand_enumerations(&cells.replace('\t', " ")),
            cells,
        }
    }

    /// Whether `phrase` (as written in a suite) is stated, at word
    /// boundaries. An entry « a | b » is one statement in two wordings
    /// (« partiellement conforme | en conformité partielle »): stated when
    /// either is, and counted once where lists are mutually exclusive.
    ///
    /// A wording that starts with `^` (« ^finalités ») is a heading or a
    /// label: stated only by a block or a table cell that is that wording
    /// alone, or that opens with it followed by « : », « ? » or « ( ». The
    /// bare word in running text (« une finalité exclusive » in a cookie
    /// paragraph) does not say what the heading announces.
    pub fn states(&self, phrase: &str) -> bool {
        phrase.split('|').any(|wording| {
            let wording = wording.trim();
            match wording.strip_prefix('^') {
                Some(heading) => self.heads(&inflected(&fold(heading.trim()))),
                None => count_folded(&self.words, &inflected(&fold(wording))) > 0,
            }
        })
    }

    /// Whether a block (a line) or a cell is `needle` alone, or opens with
    /// it as a label.
    fn heads(&self, needle: &str) -> bool {
        !needle.is_empty()
            && self
                .cells
                .lines()
                .flat_map(|line| line.split('\t'))
                .any(|cell| {
                    cell.trim_start().strip_prefix(needle).is_some_and(|rest| {
                        let rest = rest.trim_start();
                        rest.is_empty() || rest.starts_with([':', '?', '('])
                    })
                })
    }

    /// The first phrase of `phrases` stated, as written.
    pub fn first<'p>(&self, phrases: &'p [String]) -> Option<&'p String> {
        phrases.iter().find(|phrase| self.states(phrase))
    }

    /// The prepared text (for tests and excerpts).
    pub fn as_str(&self) -> &str {
        &self.words
    }
}

/// Drops inflection from every word of a folded text: the plural `-s` or
/// `-x` (`-eaux` → `-eau`, `-aux` → `-al`), then the feminine `-e` of a
/// past participle (`-ee` → `-e`). Words of three letters or less, and
/// words holding a digit, are kept as they are; a word is never cut below
/// three letters.
pub fn inflected(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    let mut word = String::new();
    for c in folded.chars() {
        if is_word_char(c) {
            word.push(c);
            continue;
        }
        push_uninflected(&mut out, &word);
        word.clear();
        out.push(c);
    }
    push_uninflected(&mut out, &word);
    out
}

fn push_uninflected(out: &mut String, word: &str) {
    let letters = word.chars().count();
    if letters <= 3 || word.chars().any(|c| !c.is_alphabetic()) {
        out.push_str(word);
        return;
    }
    // Folded words are ASCII once diacritics are removed; any other letter
    // (Greek, Cyrillic…) has no French inflection to drop.
    if !word.is_ascii() {
        out.push_str(word);
        return;
    }
    let mut stem: &str = word;
    if let Some(singular) = stem.strip_suffix("eaux") {
        out.push_str(singular);
        out.push_str("eau");
        return;
    }
    if let Some(root) = stem.strip_suffix("aux")
        && root.len() >= 2
    {
        out.push_str(root);
        out.push_str("al");
        return;
    }
    if let Some(singular) = stem.strip_suffix(['s', 'x'])
        && singular.len() >= 3
    {
        stem = singular;
    }
    if stem.ends_with("ee") && stem.len() >= 4 {
        stem = &stem[..stem.len() - 1];
    }
    out.push_str(stem);
}

/// Prepositions that open an item of an enumeration sharing a noun.
const ITEM_PREPOSITIONS: [&str; 7] = ["de", "d", "du", "des", "a", "au", "aux"];

/// A word or one punctuation character of a folded text, by byte range.
#[derive(Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    word: bool,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            out.push(Token {
                start,
                end: i,
                word: true,
            });
        }
        if c != ' ' {
            out.push(Token {
                start: i,
                end: i + c.len_utf8(),
                word: false,
            });
        }
    }
    if let Some(start) = word_start {
        out.push(Token {
            start,
            end: text.len(),
            word: true,
        });
    }
    out
}

/// See [`Matchable`]: spells out the shared noun of enumerations.
fn expand_enumerations(text: &str) -> String {
    let tokens = tokens(text);
    let word = |i: usize| -> Option<&str> {
        tokens
            .get(i)
            .filter(|t| t.word)
            .map(|t| &text[t.start..t.end])
    };
    let punct = |i: usize| -> Option<&str> {
        tokens
            .get(i)
            .filter(|t| !t.word)
            .map(|t| &text[t.start..t.end])
    };
    // A preposition at `i`: the index of the item's first word after it.
    let preposition = |i: usize| -> Option<usize> {
        let w = word(i)?;
        if !ITEM_PREPOSITIONS.contains(&w) {
            return None;
        }
        if w == "d" {
            return (punct(i + 1) == Some("'")).then_some(i + 2);
        }
        Some(i + 1)
    };
    let mut insertions: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // The first item opens with « de », « d' » or « à »: after « des »,
        // « du », « au » or « aux » the word before is rarely the shared
        // noun (« vous avez des droits… »: the noun is « droits »).
        let opens = matches!(word(i + 1), Some("de" | "d" | "a"));
        let (Some(head), Some(first), true) = (word(i), preposition(i + 1), opens) else {
            i += 1;
            continue;
        };
        if ITEM_PREPOSITIONS.contains(&head) || matches!(head, "et" | "ou") {
            i += 1;
            continue;
        }
        let mut items = 0usize;
        let mut next = first;
        let mut starts: Vec<usize> = Vec::new();
        loop {
            // The item: up to four words, apostrophes and hyphens inside.
            let mut words = 0;
            let mut j = next;
            while j < tokens.len() && words < 4 {
                match (word(j), punct(j)) {
                    (Some("et" | "ou"), _) => break,
                    (Some(_), _) => words += 1,
                    (_, Some("'" | "-")) => {}
                    _ => break,
                }
                j += 1;
            }
            if words == 0 {
                // A preposition with no item after it (« …, d'usage et
                // de » at the end of a line): the scan goes on after it, or
                // the items already read would be read again from the next
                // head, out of order.
                i = j;
                break;
            }
            items += 1;
            // Connectors: « , », « et », « ou », « , et ».
            let mut k = j;
            let mut connected = false;
            while punct(k) == Some(",") || matches!(word(k), Some("et" | "ou")) {
                connected = true;
                k += 1;
            }
            match preposition(k) {
                Some(after) if connected => {
                    starts.push(tokens[k].start);
                    next = after;
                }
                _ => {
                    i = j;
                    break;
                }
            }
        }
        if items >= 2 {
            insertions.extend(starts.into_iter().map(|at| (at, head)));
        }
        i = i.max(first);
    }
    if insertions.is_empty() {
        return text.to_owned();
    }
    // In text order, each place once: the loop above produces them so, and
    // a slice out of order would panic on a candidate's page.
    insertions.sort_by_key(|(at, _)| *at);
    insertions.dedup_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(text.len() + insertions.len() * 8);
    let mut from = 0;
    for (at, head) in insertions {
        out.push_str(&text[from..at]);
        out.push_str(head);
        out.push(' ');
        from = at;
    }
    out.push_str(&text[from..]);
    out
}

/// Rewrites numbers written in words, when a unit of time follows them, as
/// digits: « trois mois » → « 3 mois », « un an » → « 1 an », « vingt-quatre
/// heures » → « 24 heures », so that the suite's duration patterns
/// (`\d+ mois`) read both spellings. Only before a unit: « un » alone is an
/// article. `folded` is folded text ([`fold`] or [`fold_lines`]).
pub fn durations_in_digits(folded: &str) -> String {
    let tokens = tokens(folded);
    let mut out = String::with_capacity(folded.len());
    let mut from = 0;
    let mut i = 0;
    while i < tokens.len() {
        // The longest run of number words from i: words, joined by a
        // space, a hyphen or « et ».
        let mut j = i;
        let mut words: Vec<&str> = Vec::new();
        let mut last_number = i;
        while let Some(token) = tokens.get(j) {
            let text = &folded[token.start..token.end];
            if token.word && number_word(text).is_some() {
                words.push(text);
                last_number = j;
            } else if !(text == "-" || (token.word && text == "et" && !words.is_empty())) {
                break;
            }
            j += 1;
        }
        let unit = tokens
            .get(last_number + 1)
            .filter(|t| t.word)
            .map(|t| &folded[t.start..t.end]);
        let only_space_before_unit = tokens
            .get(last_number)
            .zip(tokens.get(last_number + 1))
            .is_some_and(|(a, b)| folded[a.end..b.start].chars().all(char::is_whitespace));
        if !words.is_empty()
            && only_space_before_unit
            && unit.is_some_and(is_time_unit)
            && let Some(value) = number_value(&words)
        {
            out.push_str(&folded[from..tokens[i].start]);
            out.push_str(&value.to_string());
            from = tokens[last_number].end;
            i = last_number + 1;
            continue;
        }
        i += 1;
    }
    out.push_str(&folded[from..]);
    out
}

fn is_time_unit(word: &str) -> bool {
    matches!(
        word,
        "jour"
            | "jours"
            | "semaine"
            | "semaines"
            | "mois"
            | "an"
            | "ans"
            | "annee"
            | "annees"
            | "heure"
            | "heures"
            | "minute"
            | "minutes"
    )
}

/// A French number word's value (`cent` and `mille` multiply).
fn number_word(word: &str) -> Option<u64> {
    Some(match word {
        "un" | "une" => 1,
        "deux" => 2,
        "trois" => 3,
        "quatre" => 4,
        "cinq" => 5,
        "six" => 6,
        "sept" => 7,
        "huit" => 8,
        "neuf" => 9,
        "dix" => 10,
        "onze" => 11,
        "douze" => 12,
        "treize" => 13,
        "quatorze" => 14,
        "quinze" => 15,
        "seize" => 16,
        "vingt" | "vingts" => 20,
        "trente" => 30,
        "quarante" => 40,
        "cinquante" => 50,
        "soixante" => 60,
        "cent" | "cents" => 100,
        "mille" => 1000,
        _ => return None,
    })
}

/// The value of a run of number words: « quatre-vingt-dix » is 4 × 20 + 10,
/// « deux cents » 2 × 100, « trente-six » 30 + 6.
fn number_value(words: &[&str]) -> Option<u64> {
    let mut total = 0u64;
    let mut current = 0u64;
    let mut previous: Option<u64> = None;
    for word in words {
        let value = number_word(word)?;
        match value {
            1000 => {
                total += current.max(1) * 1000;
                current = 0;
            }
            100 => current = current.max(1) * 100,
            20 if matches!(previous, Some(2..=9)) => {
                current = (current - previous.unwrap_or(0)) + previous.unwrap_or(0) * 20
            }
            _ => current += value,
        }
        previous = Some(value);
    }
    Some(total + current)
}

/// Splits text into sentences: at `.`, `!` or `?` followed by white space,
/// and at line breaks (block boundaries in extracted HTML text). Fragments with
/// no word are dropped.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = match c {
            '\n' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|&(_, next)| next.is_whitespace()),
            _ => false,
        };
        if boundary {
            let end = i + c.len_utf8();
            push_sentence(&mut out, &text[start..end]);
            start = end;
        }
    }
    push_sentence(&mut out, &text[start..]);
    out
}

fn push_sentence<'a>(out: &mut Vec<&'a str>, fragment: &'a str) {
    let trimmed = fragment.trim();
    if word_count(trimmed) > 0 {
        out.push(trimmed);
    }
}

/// Number of words: white-space separated tokens holding at least one letter
/// or digit.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|token| token.chars().any(char::is_alphanumeric))
        .count()
}

/// A short excerpt of `text` for failure messages: at most `max` characters,
/// cut at a character boundary and marked with an ellipsis.
pub fn excerpt(text: &str, max: usize) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut out: String = collapsed.chars().take(max).collect();
    out.push('…');
    out
}

/// `text` as a message may quote it: whole when at most `max` characters,
/// otherwise its first `max` characters and its length, without reading
/// further than needed (a hostile name may weigh hundreds of megabytes).
pub fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} octets en tout)", &text[..cut], text.len()),
    }
}

/// Escapes text for an XML or HTML attribute value or text node.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` shown on a terminal without being obeyed by it: every C0 and C1
/// control character and DEL becomes a visible symbol, so that a candidate's
/// string cannot retitle the window (OSC 0), clear the screen (ED), write the
/// clipboard (OSC 52) or make the terminal answer (DSR `ESC[6n`). ESC and the
/// other C0 controls become their Unicode control pictures (`␛`, `␊`, `␉`…),
/// DEL `␡`, and C1 controls, which have no picture, `\u{9b}`. Newlines are
/// pictured too: only the harness's own text breaks lines.
pub fn for_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c) {
            code @ 0x00..=0x1f => out.push(char::from_u32(0x2400 + code).unwrap_or('\u{fffd}')),
            0x7f => out.push('\u{2421}'),
            code @ 0x80..=0x9f => out.push_str(&format!("\\u{{{code:x}}}")),
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            for_terminal("\u{1b}]0;titre\u{7}\u{1b}[6n\u{9b}2J\n\u{7f}é"),
            "␛]0;titre␇␛[6n\\u{9b}2J␊␡é"
        );
        assert!(matches!(
            for_terminal("sans contrôle"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn fold_removes_case_accents_and_typography() {
        assert_eq!(
            fold("  Données\u{a0}PERSONNELLES — l’élève "),
            "donnees personnelles - l'eleve"
        );
        assert_eq!(fold("Œuvre"), "oeuvre");
    }

    #[test]
    fn phrases_match_only_at_word_boundaries() {
        let text = fold("Nous garantissons l'accès au GAR (gestionnaire).");
        assert!(contains_phrase(&text, "GAR"));
        assert!(contains_phrase(&text, "l’accès"));
        assert!(!contains_phrase(&text, "gara"));
        assert_eq!(count_phrase(&fold("gar, GAR et garage"), "gar"), 2);
        assert!(!contains_phrase(&text, ""));
    }

    #[test]
    fn phrases_with_punctuation_edges_match_inside_words() {
        // A phrase ending in punctuation is not bound to a word end.
        assert!(contains_phrase(&fold("dpo@commune.example"), "dpo@"));
    }

    #[test]
    fn sentences_split_on_punctuation_and_lines() {
        let s = sentences("Bonjour. Vous avez des droits ; exercez-les !\nTitre\n3.5 % ok");
        assert_eq!(
            s,
            vec![
                "Bonjour.",
                "Vous avez des droits ; exercez-les !",
                "Titre",
                "3.5 % ok"
            ]
        );
    }

    #[test]
    fn words_need_a_letter_or_digit() {
        assert_eq!(word_count("Le — droit d'accès : 12 mois"), 5);
    }

    #[test]
    fn plural_and_participles_are_the_same_word() {
        let text = Matchable::new("Vous pouvez exercer vos droits d’accès auprès de la mairie.");
        assert!(text.states("droit d'accès"));
        assert!(!text.states("droit d'opposition"));
        for said in [
            "Les données sont conservées un an.",
            "Le compte est conservé un an.",
            "Les messages sont conservés.",
        ] {
            assert!(Matchable::new(said).states("conservé"), "{said}");
            assert!(Matchable::new(said).states("conservées"), "{said}");
        }
        assert!(!Matchable::new("Les données sont détruites.").states("conservé"));
        // -aux is the plural of -al.
        assert!(Matchable::new("les journaux de connexion").states("journal de connexion"));
    }

    #[test]
    fn inflection_keeps_word_boundaries_and_short_words() {
        // « GAR » never meets a longer word, nor a plural cut down to it.
        for said in [
            "Nous garantissons la sécurité.",
            "Rendez-vous à la gare.",
            "Les gares.",
        ] {
            assert!(!Matchable::new(said).states("GAR"), "{said}");
        }
        assert!(Matchable::new("Les ressources du GAR.").states("GAR"));
        // A final -e that is not a participle's is kept: « commune » is not
        // « commun ».
        assert!(!Matchable::new("Ils décident d'un commun accord.").states("commune"));
        assert!(Matchable::new("Les communes du territoire.").states("commune"));
        assert_eq!(inflected("vos droits acces"), "vos droit acce");
        assert_eq!(inflected("conservees 2026 bureaux"), "conserve 2026 bureau");
    }

    #[test]
    fn enumerations_share_their_noun() {
        let text = Matchable::new(
            "Vous disposez des droits de rectification, d’effacement, de limitation et d’opposition.",
        );
        for right in [
            "droit de rectification",
            "droit d'effacement",
            "droit de limitation",
            "droit d'opposition",
        ] {
            assert!(text.states(right), "{right} in {}", text.as_str());
        }
        // The noun does not reach past the end of the enumeration.
        let text = Matchable::new(
            "Vous avez des droits d'accès et de rectification. D'opposition, il n'est pas question.",
        );
        assert!(text.states("droit de rectification"));
        assert!(!text.states("droit d'opposition"), "{}", text.as_str());
        // A single complement is no enumeration.
        let text = Matchable::new("Le droit d'accès aux données, sauf exception.");
        assert_eq!(text.as_str(), "le droit d'acce aux donne, sauf exception.");
    }

    #[test]
    fn an_enumeration_cut_at_the_end_of_a_line_is_read_once() {
        // A real notice breaks its lines inside « …, d'usage et de »: the
        // items were read again from the next noun, out of order (a panic
        // slicing the text on the first real notice tried).
        let text = Matchable::new("le respect de règles de sécurité, d'usage et de");
        assert_eq!(
            text.as_str(),
            "le respect de regle de securite, respect d'usage et respect de"
        );
        let text = Matchable::new(
            "des garanties et du respect de règles précises de sécurité, d'usage et de",
        );
        assert!(
            text.as_str().ends_with("respect d'usage et respect de"),
            "{}",
            text.as_str()
        );
    }

    #[test]
    fn a_caret_wording_is_a_heading_or_a_label_not_a_word_in_prose() {
        let heading = Matchable::new("Finalités\nL’ENT sert à partager les cahiers de textes.");
        assert!(heading.states("^finalités"));
        assert!(Matchable::new("Finalités : partager les cahiers").states("^finalités"));
        assert!(Matchable::new("Finalité ?").states("^finalités"));
        let prose = Matchable::new(
            "Les cookies qui n’ont pas pour finalité exclusive de faciliter la communication.",
        );
        assert!(prose.states("finalité"));
        assert!(!prose.states("^finalités"));
        // A longer heading that opens with the word is another heading.
        assert!(!Matchable::new("Finalités exclusives des cookies").states("^finalités"));
        // A table cell is a label of its own; a phrase reads the row as one
        // sentence, as before.
        let row = Matchable::new("Clever Cloud\tFrance\tHébergement\tLien vers le DPA");
        assert!(row.states("^hébergement"));
        assert!(!row.states("^france hébergement"));
        assert!(row.states("clever cloud"));
        assert!(row.states("france hébergement"));
        assert_eq!(
            row.as_str(),
            "clever cloud france hebergement lien ver le dpa"
        );
    }

    #[test]
    fn alternatives_are_one_entry() {
        let text = Matchable::new("Ce site est en conformité partielle avec le RGAA.");
        assert!(text.states("partiellement conforme | conformité partielle"));
        assert!(!text.states("totalement conforme | conformité totale"));
    }

    #[test]
    fn matching_stays_within_a_block() {
        assert_eq!(
            fold_lines(" Titre \n\n Données\tpersonnelles \n"),
            "titre\ndonnees personnelles"
        );
        assert!(
            Matchable::new("Directeur\tde la publication").states("directeur de la publication")
        );
        assert!(
            !Matchable::new("Directeur\nde la publication").states("directeur de la publication")
        );
    }

    #[test]
    fn durations_in_words_become_digits() {
        assert_eq!(
            durations_in_digits(&fold(
                "Trois mois, puis un an ; vingt-quatre heures, quatre-vingt-dix jours, douze mois, \
                 vingt et un jours, une année, deux cents ans"
            )),
            "3 mois, puis 1 an ; 24 heures, 90 jours, 12 mois, 21 jours, 1 annee, 200 ans"
        );
        // Not before a unit of time: an article, a count of something else.
        let untouched = "un compte, trois enfants, un ancien, dix ( mois )";
        assert_eq!(durations_in_digits(untouched), untouched);
        assert_eq!(durations_in_digits("12 mois"), "12 mois");
        assert_eq!(durations_in_digits("d'un mois"), "d'1 mois");
    }

    #[test]
    fn excerpt_cuts_long_text() {
        assert_eq!(excerpt("a  b", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
