//! French text as the checks read it: folding for matching, phrase search at
//! word boundaries, sentences and words.
//!
//! Matching is done on a folded form (lowercase, no diacritics, one kind of
//! apostrophe and space) so that "Données personnelles", "DONNEES
//! PERSONNELLES" and "données  personnelles" are the same phrase: editors'
//! typography varies, the legal content does not.

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
    let needle = fold(phrase);
    if needle.is_empty() {
        return 0;
    }
    let mut count = 0;
    let mut from = 0;
    while let Some(pos) = folded_haystack[from..].find(&needle) {
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
    fn excerpt_cuts_long_text() {
        assert_eq!(excerpt("a  b", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
