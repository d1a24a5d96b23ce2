//! French wording shared by assertion messages: quoted values, lists, zones.

use crate::suite::Zone;

/// `« value »`.
pub(crate) fn quote(value: &str) -> String {
    format!("« {value} »")
}

/// `« a », « b », « c » (et 4 autre(s))`, at most `max` items shown.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    list(&quoted, max, ", ")
}

/// `a ; b ; c (et 4 autre(s))`: at most `max` items shown, joined by
/// `separator`, the others counted. Public for the command line's
/// messages.
pub fn list<S: AsRef<str>>(items: &[S], max: usize, separator: &str) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut out = shown.join(separator);
    if items.len() > max {
        out.push_str(&format!(" (et {} autre(s))", items.len() - max));
    }
    out
}

/// `« footer » de la page « login »`, or `la page « login »`.
pub(crate) fn zone_name(zone: &Zone) -> String {
    match &zone.within {
        Some(css) => format!("{} de la page « {} »", css.quoted(), zone.step),
        None => format!("la page « {} »", zone.step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_bounded() {
        assert_eq!(
            quote_list(&["a", "b", "c"], 2),
            "« a », « b » (et 1 autre(s))"
        );
        assert_eq!(quote_list::<&str>(&[], 2), "");
    }
}
