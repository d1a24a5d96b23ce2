//! Secrets redaction, applied when an exchange is captured and nowhere else:
//! what leaves a probe is already clean, so no report can leak a secret.
//!
//! Two mechanisms, because neither alone is enough:
//! - by name: credentials headers, cookie values, and query, form, JSON or
//!   HTML-input fields whose name says they carry a secret (password, token,
//!   code, SAMLResponse, ticket…), whatever their value;
//! - by value: every secret the run was given (target secrets, basic-auth
//!   password), wherever it appears, raw or percent-encoded — a candidate that
//!   echoes a password in a page must not make the report echo it too.

use std::sync::LazyLock;

use regex::Regex;
use reqwest::Url;

use crate::suite::Secret;

/// What replaces a redacted value.
pub const MASK: &str = "[masqué]";

/// Redacts secrets from the text of exchanges.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Every form a secret is looked for in, as bytes once decoded (the
    /// value, its base64 forms), with the mask that replaces it; longest
    /// first, so that a secret containing another is masked whole.
    needles: Vec<(Vec<u8>, String)>,
}

/// Whether a header's value is a credential.
fn is_credential_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "proxy-authorization" | "x-api-key" | "x-auth-token" | "x-csrf-token"
    )
}

/// Whether a field name (query, form, JSON, input) denotes a secret.
pub fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const CONTAINS: [&str; 8] = [
        "pass",
        "secret",
        "token",
        "pwd",
        "assertion",
        "credential",
        "csrf",
        "xsrf",
    ];
    const EXACT: [&str; 12] = [
        "code",
        "ticket",
        "samlresponse",
        "samlart",
        "session",
        "sessionid",
        "jsessionid",
        "sid",
        "key",
        "apikey",
        "api_key",
        "mot_de_passe",
    ];
    CONTAINS.iter().any(|part| lower.contains(part)) || EXACT.contains(&lower.as_str())
}

// Constant expressions, exercised by the tests below.
static INPUT_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?is)<input\b[^>]*>"#).expect("constant regex"));
static NAME_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)\bname\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"#).expect("constant regex")
});
static VALUE_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)\bvalue\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"#).expect("constant regex")
});
static MESSAGE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bhttps?://[^\s«»"'<>]+"#).expect("constant regex"));
static JSON_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([A-Za-z0-9_\-]+)"\s*:\s*"((?:[^"\\]|\\.)*)""#).expect("constant regex")
});

impl Redactor {
    /// A redactor for these secret values.
    pub fn new(secrets: Vec<Secret>) -> Self {
        use base64::Engine;
        let mut needles = Vec::new();
        for secret in secrets.iter().filter(|s| !s.expose().is_empty()) {
            let value = secret.expose();
            let mask = format!("[secret:{}]", secret.name);
            // A page may echo a secret base64-encoded (a Basic header, a
            // token): padding only ends the text, so the unpadded form is
            // enough to find it.
            let mut forms = vec![value.to_owned()];
            for engine in [
                base64::engine::general_purpose::STANDARD_NO_PAD,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                let encoded = engine.encode(value);
                if encoded.len() >= Secret::MIN_LEN {
                    forms.push(encoded);
                }
            }
            for form in forms {
                // The text is searched decoded: a form with `+`, `%` or `&`
                // of its own is sought as it decodes too.
                let decoded = Decoded::of(&form).bytes;
                if decoded != form.as_bytes() {
                    needles.push((decoded, mask.clone()));
                }
                needles.push((form.into_bytes(), mask.clone()));
            }
        }
        needles.sort_by_key(|(needle, _)| std::cmp::Reverse(needle.len()));
        needles.dedup_by(|a, b| a.0 == b.0);
        Self { needles }
    }

    /// Replaces every known secret value, however the text spells it: raw,
    /// percent-encoded (either case of hex, `+` for space), as HTML
    /// character references (`&#83;`, `&#x53;`, `&amp;`), as JSON escapes
    /// (`\u0053`, `\/`), or any mix of these; and in base64.
    pub fn text(&self, text: &str) -> String {
        if self.needles.is_empty() {
            return text.to_owned();
        }
        if text.len() >= u32::MAX as usize {
            // Beyond what the decoded view can point into (4 GiB): plain
            // spellings only, piece by piece.
            let mut out = text.to_owned();
            for (needle, mask) in &self.needles {
                if let Ok(needle) = std::str::from_utf8(needle) {
                    out = out.replace(needle, mask);
                }
            }
            return out;
        }
        let decoded = Decoded::of(text);
        let mut spans: Vec<(usize, usize, &str)> = Vec::new();
        for (needle, mask) in &self.needles {
            let mut from = 0;
            while let Some(at) = find(&decoded.bytes[from..], needle) {
                let (start, end) = (from + at, from + at + needle.len());
                let (raw_start, raw_end) = decoded.raw_range(start, end);
                spans.push((raw_start, raw_end, mask));
                from = end;
            }
        }
        if spans.is_empty() {
            return text.to_owned();
        }
        // Longer needles came first: of two overlapping spans, the first
        // kept wins.
        spans.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, mask) in spans {
            if start < at {
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(mask);
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// A message a judge wrote from what the candidate sent (link texts,
    /// final URLs, excerpts): known secrets masked however spelled, and
    /// every URL in it masked as an exchange's URL is.
    pub fn message(&self, text: &str) -> String {
        let masked = MESSAGE_URL.replace_all(text, |caps: &regex::Captures<'_>| {
            let found = &caps[0];
            match Url::parse(&self.text(found)) {
                Ok(url) => self.url(&url),
                Err(_) => found.to_owned(),
            }
        });
        self.text(&masked)
    }

    /// A URL with its password, sensitive query parameters and fragment
    /// parameters masked, then known secret values.
    pub fn url(&self, url: &Url) -> String {
        // Known secrets first, in the URL as written: a password with its
        // own `@` or `/` spans userinfo, host and path once parsed.
        let mut url = Url::parse(&self.text(url.as_str())).unwrap_or_else(|_| url.clone());
        if url.password().is_some() {
            let _ = url.set_password(Some("masque"));
        }
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_sensitive_name(&k) {
                        MASK.to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        if let Some(fragment) = url.fragment() {
            let masked = self.form_body(fragment);
            url.set_fragment(Some(&masked));
        }
        self.text(url.as_str())
    }

    /// A header value, masked entirely for credentials, value-only for cookies.
    pub fn header(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        if is_credential_header(&lower) {
            return match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {MASK}"),
                None => MASK.to_owned(),
            };
        }
        match lower.as_str() {
            "set-cookie" => {
                let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
                let name = pair.split_once('=').map_or(pair, |(n, _)| n).trim();
                if attributes.is_empty() {
                    format!("{name}={MASK}")
                } else {
                    format!("{name}={MASK};{attributes}")
                }
            }
            "cookie" => value
                .split(';')
                .map(|pair| {
                    let name = pair.split_once('=').map_or(pair, |(n, _)| n).trim();
                    format!("{name}={MASK}")
                })
                .collect::<Vec<_>>()
                .join("; "),
            // A redirect carries the code, tokens or a session id in its URL
            // as surely as the request that follows it.
            // Known secrets are masked in the raw value first: a password
            // with its own `@` or `/` in the userinfo would otherwise be
            // split by the URL parser between userinfo, host and path.
            "location" | "content-location" => match Url::parse(&self.text(value)) {
                Ok(url) => self.url(&url),
                Err(_) => {
                    let (path, query) = value.split_once('?').unwrap_or((value, ""));
                    if query.is_empty() {
                        self.text(value)
                    } else {
                        format!("{}?{}", self.text(path), self.form_body(query))
                    }
                }
            },
            _ => self.text(value),
        }
    }

    /// An `application/x-www-form-urlencoded` body with sensitive fields masked.
    pub fn form_body(&self, body: &str) -> String {
        let masked = body
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if is_sensitive_name(&percent_decode(name)) => {
                    format!("{name}={MASK}")
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        self.text(&masked)
    }

    /// A response or request body, redacted according to its media type.
    pub fn body(&self, media_type: Option<&str>, text: &str) -> String {
        let media_type = media_type.unwrap_or("").to_ascii_lowercase();
        if media_type.contains("html") || media_type.contains("xml") {
            self.text(&mask_html_inputs(text))
        } else if media_type.contains("json") {
            self.text(&mask_json_fields(text))
        } else if media_type.contains("x-www-form-urlencoded") {
            self.form_body(text)
        } else {
            self.text(text)
        }
    }
}

/// Masks the `value` of `<input>` elements whose name is sensitive
/// (CSRF tokens, SAMLResponse, passwords pre-filled by a hostile page).
fn mask_html_inputs(html: &str) -> String {
    INPUT_TAG
        .replace_all(html, |caps: &regex::Captures<'_>| {
            let tag = &caps[0];
            let name = NAME_ATTR.captures(tag).and_then(|c| {
                c.get(1)
                    .or_else(|| c.get(2))
                    .or_else(|| c.get(3))
                    .map(|m| m.as_str().to_owned())
            });
            match name {
                Some(name) if is_sensitive_name(&name) => VALUE_ATTR
                    .replace_all(tag, format!("value=\"{MASK}\"").as_str())
                    .into_owned(),
                _ => tag.to_owned(),
            }
        })
        .into_owned()
}

/// Masks string values of JSON fields whose name is sensitive.
fn mask_json_fields(json: &str) -> String {
    JSON_FIELD
        .replace_all(json, |caps: &regex::Captures<'_>| {
            if is_sensitive_name(&caps[1]) {
                format!("\"{}\": \"{MASK}\"", &caps[1])
            } else {
                caps[0].to_owned()
            }
        })
        .into_owned()
}

/// Text decoded for the search of secrets: every byte of `bytes` comes from
/// the escape (or plain byte) starting at raw byte `origin[i]` of the text;
/// four bytes of bookkeeping per byte, as pages may weigh megabytes.
struct Decoded {
    bytes: Vec<u8>,
    origin: Vec<u32>,
    raw_len: usize,
}

impl Decoded {
    fn of(text: &str) -> Self {
        let raw = text.as_bytes();
        let mut bytes = Vec::with_capacity(raw.len());
        let mut origin = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let (decoded, length) = decode_one(text, i);
            let mut utf8 = [0u8; 4];
            let piece: &[u8] = match decoded {
                Piece::Byte(byte) => {
                    utf8[0] = byte;
                    &utf8[..1]
                }
                Piece::Char(c) => c.encode_utf8(&mut utf8).as_bytes(),
            };
            for byte in piece {
                bytes.push(*byte);
                origin.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
            i += length;
        }
        Self {
            bytes,
            origin,
            raw_len: raw.len(),
        }
    }

    /// The raw range the decoded bytes `start..end` come from.
    fn raw_range(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.origin[start] as usize;
        let last = self.origin[end - 1];
        // The piece of the last byte ends where the next piece starts.
        let to = self.origin[end..]
            .iter()
            .find(|at| **at != last)
            .map_or(self.raw_len, |at| *at as usize);
        (from, to)
    }
}

enum Piece {
    Byte(u8),
    Char(char),
}

/// The escape starting at byte `i` of `text`, decoded, and its length; a
/// plain byte otherwise.
fn decode_one(text: &str, i: usize) -> (Piece, usize) {
    let raw = text.as_bytes();
    let hex = |from: usize, len: usize| {
        raw.get(from..from + len)
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| u32::from_str_radix(digits, 16).ok())
    };
    match raw[i] {
        b'%' => {
            if let Some(byte) = hex(i + 1, 2) {
                return (Piece::Byte(byte as u8), 3);
            }
        }
        b'+' => return (Piece::Byte(b' '), 1),
        b'\\' => match raw.get(i + 1) {
            Some(b'u') => {
                if let Some(c) = hex(i + 2, 4).and_then(char::from_u32) {
                    return (Piece::Char(c), 6);
                }
            }
            Some(b'/') => return (Piece::Byte(b'/'), 2),
            _ => {}
        },
        b'&' => {
            let rest = &text[i..];
            if let Some(end) = rest[..rest.len().min(12)].find(';') {
                let name = &rest[1..end];
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => name.strip_prefix('#').and_then(|number| {
                        match number.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => number.parse().ok(),
                        }
                        .and_then(char::from_u32)
                    }),
                };
                if let Some(c) = c {
                    return (Piece::Char(c), end + 1);
                }
            }
        }
        _ => {}
    }
    (Piece::Byte(raw[i]), 1)
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(at) = haystack[from..].iter().position(|b| *b == first) {
        let start = from + at;
        if haystack[start..].starts_with(needle) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(vec![
            Secret::new("PW", "p@ss w0rd!"),
            Secret::new("SHORT", "abcd"),
        ])
    }

    #[test]
    fn secret_values_are_masked_raw_and_encoded() {
        let r = redactor();
        assert_eq!(
            r.text("login ok, pw=p@ss w0rd! end"),
            "login ok, pw=[secret:PW] end"
        );
        assert_eq!(r.text("q=p%40ss+w0rd%21"), "q=[secret:PW]");
        assert_eq!(r.text("q=p%40ss%20w0rd%21"), "q=[secret:PW]");
    }

    #[test]
    fn sensitive_query_parameters_are_masked() {
        let r = redactor();
        let url = Url::parse(
            "https://ent.example/cb?code=XYZ&state=abc&SAMLResponse=PHNhbWw%2B#id_token=eyJ&x=1",
        )
        .expect("url");
        let out = r.url(&url);
        assert!(
            !out.contains("XYZ") && !out.contains("PHNhbWw") && !out.contains("eyJ"),
            "{out}"
        );
        assert!(out.contains("state=abc"), "{out}");
    }

    #[test]
    fn headers_keep_names_and_cookie_attributes() {
        let r = redactor();
        assert_eq!(
            r.header("Authorization", "Basic dXNlcjpwdw=="),
            "Basic [masqué]"
        );
        assert_eq!(
            r.header("set-cookie", "ENTSESSION=0123abcd; Path=/; HttpOnly"),
            "ENTSESSION=[masqué]; Path=/; HttpOnly"
        );
        assert_eq!(r.header("cookie", "a=1; b=2"), "a=[masqué]; b=[masqué]");
        assert_eq!(r.header("location", "/x?p=abcd"), "/x?p=[secret:SHORT]");
    }

    #[test]
    fn forms_json_and_html_inputs_are_masked_by_field_name() {
        let r = redactor();
        assert_eq!(
            r.form_body("login=marie&password=hunter22&csrf_token=zz"),
            "login=marie&password=[masqué]&csrf_token=[masqué]"
        );
        assert_eq!(
            r.body(
                Some("application/json"),
                r#"{"access_token": "eyJ.a.b", "expires_in": "3600"}"#
            ),
            r#"{"access_token": "[masqué]", "expires_in": "3600"}"#
        );
        let html = r#"<form><input type="hidden" name="SAMLResponse" value="PHNh"><input name=login value=marie></form>"#;
        let out = r.body(Some("text/html"), html);
        assert!(
            !out.contains("PHNh") && out.contains("value=marie"),
            "{out}"
        );
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("mot%5Fde%5Fpasse"), "mot_de_passe");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("a+b%zz"), "a b%zz");
    }

    #[test]
    fn redirect_locations_are_redacted_like_urls() {
        let r = Redactor::new(Vec::new());
        assert_eq!(
            r.header("Location", "https://ent.example/cb?code=XYZ123&state=abc"),
            "https://ent.example/cb?code=%5Bmasqu%C3%A9%5D&state=abc"
        );
        assert_eq!(
            r.header("location", "/compte?sid=0123456789abcdef"),
            "/compte?sid=[masqué]"
        );
    }
}
