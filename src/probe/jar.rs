//! The cookie jar of one virtual browser. Cookies are kept per host, ports
//! ignored, as browsers do (RFC 6265 §8.5): the candidate and the harness's
//! IdPs may share `127.0.0.1`, which is also what a browser would see.

use sha2::{Digest, Sha256};

use super::page::SetCookie;

/// Cookies of one browser: (host, name, value), with what the browser
/// says of itself (its User-Agent) and, for API clients, a bearer token.
#[derive(Clone, Default)]
pub struct Jar {
    cookies: Vec<(String, String, String)>,
    user_agent: Option<String>,
    /// The token and the only origin it is sent to.
    bearer: Option<(url::Origin, String)>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jar")
            .field("cookies", &self.cookies.len())
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl Jar {
    /// A browser announcing itself as `user_agent` (a device of the
    /// statistics activity).
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: Option<String>) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// A client sending `Authorization: Bearer <token>` to `api`'s origin,
    /// and to no other: a redirect elsewhere must not carry the token.
    #[must_use]
    pub fn with_bearer_for(mut self, api: &url::Url, token: Option<String>) -> Self {
        self.bearer = token.map(|token| (api.origin(), token));
        self
    }

    pub(crate) fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The token to send to `url`, if it goes there.
    pub(crate) fn bearer_for(&self, url: &url::Url) -> Option<&str> {
        self.bearer
            .as_ref()
            .filter(|(origin, _)| *origin == url.origin())
            .map(|(_, token)| token.as_str())
    }

    /// Puts a cookie as if `host` had set it.
    pub fn put(&mut self, host: &str, name: &str, value: &str) {
        self.cookies.retain(|(h, n, _)| !(h == host && n == name));
        self.cookies
            .push((host.to_owned(), name.to_owned(), value.to_owned()));
    }

    /// Applies a `Set-Cookie` header from `host`; returns what the
    /// observation keeps of it.
    pub(crate) fn store(&mut self, host: &str, header: &str, exchange: &str) -> Option<SetCookie> {
        let (pair, attributes) = header.split_once(';').unwrap_or((header, ""));
        let (name, value) = pair.split_once('=')?;
        let name = name.trim().to_owned();
        let value = value.trim().to_owned();
        let attributes: Vec<String> = attributes
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        let deleted = value.is_empty()
            || attributes
                .iter()
                .any(|a| a.eq_ignore_ascii_case("max-age=0"));
        self.cookies.retain(|(h, n, _)| !(h == host && *n == name));
        if !deleted {
            self.cookies
                .push((host.to_owned(), name.clone(), value.clone()));
        }
        Some(SetCookie {
            host: host.to_owned(),
            fingerprint: fingerprint(&value),
            name,
            attributes,
            exchange: exchange.to_owned(),
        })
    }

    /// The `Cookie` header for a request to `host`.
    pub(crate) fn header(&self, host: &str) -> String {
        self.cookies
            .iter()
            .filter(|(h, _, _)| h == host)
            .map(|(_, name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The cookies held for `host`: name and value.
    pub fn entries(&self, host: &str) -> Vec<(String, String)> {
        self.cookies
            .iter()
            .filter(|(h, _, _)| h == host)
            .map(|(_, name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// The same jar without the cookie `name` of `host`.
    #[must_use]
    pub fn without(&self, host: &str, name: &str) -> Self {
        let mut copy = self.clone();
        copy.cookies.retain(|(h, n, _)| !(h == host && n == name));
        copy
    }

    /// The values held for `host`, for checks that look for them where they
    /// must not appear (never reported as such).
    pub fn values(&self, host: &str) -> Vec<String> {
        self.cookies
            .iter()
            .filter(|(h, _, _)| h == host)
            .map(|(_, _, value)| value.clone())
            .collect()
    }
}

/// What identifies a cookie value without revealing it.
pub fn fingerprint(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_token_goes_to_its_origin_only() {
        let api = url::Url::parse("https://ent.test/api/stats").expect("url");
        let jar = Jar::default().with_bearer_for(&api, Some("jeton".to_owned()));
        let same = url::Url::parse("https://ent.test/autre?x=1").expect("url");
        let other = url::Url::parse("https://stockage.test/fichier").expect("url");
        let other_port = url::Url::parse("https://ent.test:8443/api").expect("url");
        assert_eq!(jar.bearer_for(&same), Some("jeton"));
        assert_eq!(jar.bearer_for(&other), None);
        assert_eq!(jar.bearer_for(&other_port), None);
    }
}
