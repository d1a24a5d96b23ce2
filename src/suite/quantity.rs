//! Duration and size literals of suite files, target descriptions and the
//! command line: `500ms`, `15s`, `2m`; `512KiB`, `2MiB`, `1000`.

use std::time::Duration;

/// What [`parse_duration`] accepts, as a regular expression (the `pattern`
/// of durations in the target's JSON Schema, for editors).
pub const DURATION_PATTERN: &str = r"^\s*0*[1-9][0-9]*(ms|s|min|m|h)\s*$";

/// What [`parse_size`] accepts, as a regular expression.
pub const SIZE_PATTERN: &str = r"^\s*0*[1-9][0-9]*\s*(B|o|KiB|MiB|GiB|KB|ko|MB|Mo|GB|Go)?\s*$";

/// Parses `500ms`, `15s`, `2m` or `1h` (a bare number is not accepted: the
/// unit is what makes a limit readable).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_wait(text)?;
    if duration.is_zero() {
        return Err(format!("durée « {} » : doit être positive", text.trim()));
    }
    Ok(duration)
}

/// Like [`parse_duration`], but `0s` is accepted: for a wait, where zero
/// means "do not wait" (a limit of zero would mean "always too late").
pub fn parse_wait(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("durée « {text} » sans unité (ms, s, m ou h)"))?;
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("durée « {text} » : nombre attendu avant l'unité"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" | "min" => Duration::from_secs(number.saturating_mul(60)),
        "h" => Duration::from_secs(number.saturating_mul(3600)),
        _ => {
            return Err(format!(
                "durée « {text} » : unité « {unit} » inconnue (ms, s, m ou h)"
            ));
        }
    };
    Ok(duration)
}

/// Parses a byte size: `1000`, `512KiB`, `2MiB`, `1GiB` (also `KB`/`MB`, read
/// as powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("taille « {text} » : nombre attendu"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" | "o" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "ko" => 1_000,
        "MB" | "Mo" => 1_000_000,
        "GB" | "Go" => 1_000_000_000,
        other => {
            return Err(format!(
                "taille « {text} » : unité « {other} » inconnue (KiB, MiB, GiB)"
            ));
        }
    };
    number
        .checked_mul(factor)
        .filter(|&size| size > 0)
        .ok_or_else(|| format!("taille « {text} » hors limites"))
}

/// Human display of a duration for messages: `250 ms`, `15 s`, `2 min`.
pub fn display_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 || !millis.is_multiple_of(1000) {
        format!("{millis} ms")
    } else if millis.is_multiple_of(60_000) {
        format!("{} min", millis / 60_000)
    } else {
        format!("{} s", millis / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("15").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3 days").is_err());
        assert_eq!(display_duration(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(display_duration(Duration::from_secs(120)), "2 min");
        assert_eq!(display_duration(Duration::from_secs(15)), "15 s");
    }

    #[test]
    fn patterns_accept_what_the_parsers_accept() {
        let duration = regex::Regex::new(DURATION_PATTERN).expect("pattern");
        for text in [
            "500ms", "15s", "2m", "2min", "1h", " 15s ", "007s", "15", "0s", "00ms", "3 days",
            "1 h", "s", "-1s", "1.5s", "",
        ] {
            assert_eq!(
                duration.is_match(text),
                parse_duration(text).is_ok(),
                "duration « {text} »"
            );
        }
        let size = regex::Regex::new(SIZE_PATTERN).expect("pattern");
        for text in [
            "1000",
            "2MiB",
            "64 MiB",
            "3MB",
            "1 GiB",
            "12o",
            "5 Go",
            " 1KiB ",
            "0",
            "0MiB",
            "2 parsecs",
            "MiB",
            "1.5MiB",
            "-1",
            "",
        ] {
            assert_eq!(
                size.is_match(text),
                parse_size(text).is_ok(),
                "size « {text} »"
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("3MB"), Ok(3_000_000));
        assert!(parse_size("2 parsecs").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
