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
    /// Longest first, so that a secret containing another is masked whole.
    secrets: Vec<Secret>,
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
static JSON_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""([A-Za-z0-9_\-]+)"\s*:\s*"((?:[^"\\]|\\.)*)""#).expect("constant regex")
});

impl Redactor {
    /// A redactor for these secret values.
    pub fn new(mut secrets: Vec<Secret>) -> Self {
        secrets.retain(|s| !s.expose().is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
        Self { secrets }
    }

    /// Replaces every known secret value, raw or percent-encoded.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            let value = secret.expose();
            let mask = format!("[secret:{}]", secret.name);
            if out.contains(value) {
                out = out.replace(value, &mask);
            }
            let encoded = form_encode(value);
            if encoded != value && out.contains(&encoded) {
                out = out.replace(&encoded, &mask);
            }
            let percent = percent_encode(value);
            if percent != value && out.contains(&percent) {
                out = out.replace(&percent, &mask);
            }
        }
        out
    }

    /// A URL with its password, sensitive query parameters and fragment
    /// parameters masked, then known secret values.
    pub fn url(&self, url: &Url) -> String {
        let mut url = url.clone();
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
            "location" | "content-location" => match Url::parse(value) {
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

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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

/// `application/x-www-form-urlencoded` serialisation of one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'*' | b'-' | b'.' | b'_' => out.push(char::from(byte)),
            _ if byte.is_ascii_alphanumeric() => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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
