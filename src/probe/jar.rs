//! The cookie jar of one virtual browser, by RFC 6265 (the `cookie_store`
//! crate): Domain and host-only cookies, Path, Expires and Max-Age, Secure
//! (loopback counts as secure, as in browsers). Ports are ignored, as
//! browsers do (§8.5): the candidate and the harness's IdPs may share
//! `127.0.0.1`, which is also what a browser would see. An ENT whose login
//! runs on `auth.` and sets its session for the parent domain is followed
//! to `www.`.

use cookie_store::CookieStore;
use sha2::{Digest, Sha256};
use url::Url;

use super::page::SetCookie;

/// Cookies of one browser, with what the browser says of itself (its
/// User-Agent) and, for API clients, a bearer token.
#[derive(Clone, Default)]
pub struct Jar {
    cookies: CookieStore,
    user_agent: Option<String>,
    /// The token and the only origin it is sent to.
    bearer: Option<(url::Origin, String)>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jar")
            .field("cookies", &self.cookies.iter_unexpired().count())
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

    /// Puts a cookie as if `url` had set it: host-only, for every path.
    pub fn put(&mut self, url: &Url, name: &str, value: &str) {
        // A name and value of the harness's own; a refusal would only come
        // from a URL without a host, which then gets no cookie.
        let _ = self.cookies.parse(&format!("{name}={value}; Path=/"), url);
    }

    /// Applies a `Set-Cookie` header received from `url`; returns what the
    /// observation keeps of it. A cookie the store refuses (a Domain the
    /// host does not belong to, an unparsable expiry) is still observed,
    /// as sent: a browser would ignore it too.
    pub(crate) fn store(&mut self, url: &Url, header: &str, exchange: &str) -> Option<SetCookie> {
        let (pair, attributes) = header.split_once(';').unwrap_or((header, ""));
        let (name, value) = pair.split_once('=')?;
        let name = name.trim().to_owned();
        let value = value.trim();
        let attributes: Vec<String> = attributes
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        let _ = self.cookies.parse(header, url);
        Some(SetCookie {
            host: url.host_str().unwrap_or_default().to_owned(),
            fingerprint: fingerprint(value),
            name,
            attributes,
            exchange: exchange.to_owned(),
        })
    }

    /// The `Cookie` header for a request to `url`.
    pub(crate) fn header(&self, url: &Url) -> String {
        self.cookies
            .get_request_values(url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The cookies held for `url`'s host, whatever their path: name and
    /// value, each cookie once.
    pub fn entries(&self, url: &Url) -> Vec<(String, String)> {
        self.cookies
            .iter_unexpired()
            .filter(|cookie| cookie.domain.matches(url))
            .map(|cookie| (cookie.name().to_owned(), cookie.value().to_owned()))
            .collect()
    }

    /// The same jar without the cookies named `name` held for `url`'s
    /// host.
    #[must_use]
    pub fn without(&self, url: &Url, name: &str) -> Self {
        let mut copy = self.clone();
        let doomed: Vec<(String, String)> = self
            .cookies
            .iter_unexpired()
            .filter(|cookie| cookie.name() == name && cookie.domain.matches(url))
            .filter_map(|cookie| {
                let domain = cookie.domain.as_cow()?.into_owned();
                Some((domain, String::from(&cookie.path)))
            })
            .collect();
        for (domain, path) in doomed {
            copy.cookies.remove(&domain, &path, name);
        }
        copy
    }

    /// The cookies a browser would send to any of `urls`' hosts, whatever
    /// their path, whole, to open a page of the same session in another
    /// browser (the rendering browser). Never written anywhere: the values
    /// are the session.
    pub fn held(&self, urls: &[Url]) -> Vec<HeldCookie> {
        self.cookies
            .iter_unexpired()
            .filter(|cookie| urls.iter().any(|url| cookie.domain.matches(url)))
            .filter_map(|cookie| {
                let (host, domain) = match &cookie.domain {
                    cookie_store::CookieDomain::HostOnly(host) => (host.clone(), false),
                    // A browser keeps a `Domain` naming an address or
                    // `localhost` for that host alone.
                    cookie_store::CookieDomain::Suffix(suffix) => (
                        suffix.clone(),
                        suffix.parse::<std::net::IpAddr>().is_err() && suffix.contains('.'),
                    ),
                    _ => return None,
                };
                Some(HeldCookie {
                    name: cookie.name().to_owned(),
                    value: cookie.value().to_owned(),
                    host,
                    domain,
                    path: String::from(&cookie.path),
                    secure: cookie.secure().unwrap_or(false),
                    http_only: cookie.http_only().unwrap_or(false),
                })
            })
            .collect()
    }

    /// The values held for `url`'s host, for checks that look for them
    /// where they must not appear (never reported as such).
    pub fn values(&self, url: &Url) -> Vec<String> {
        self.entries(url)
            .into_iter()
            .map(|(_, value)| value)
            .collect()
    }
}

/// A cookie of the jar, whole: what another browser needs to carry the
/// same session. Its `Debug` shows no value.
#[derive(Clone)]
pub struct HeldCookie {
    /// Name.
    pub name: String,
    /// Value (the session itself).
    pub value: String,
    /// The host it belongs to, or the domain it was set for.
    pub host: String,
    /// Set for `host` and its subdomains (`Domain=`), not `host` alone.
    pub domain: bool,
    /// Path.
    pub path: String,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
}

impl std::fmt::Debug for HeldCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldCookie")
            .field("name", &self.name)
            .field("value", &fingerprint(&self.value))
            .field("host", &self.host)
            .field("domain", &self.domain)
            .field("path", &self.path)
            .finish_non_exhaustive()
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

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn a_session_set_for_the_parent_domain_follows_to_its_sibling() {
        let mut jar = Jar::default();
        let auth = url("http://auth.ent.test:8080/connexion");
        jar.store(&auth, "sid=abc; Domain=ent.test; Path=/; HttpOnly", "e1")
            .expect("observed");
        jar.store(&auth, "etape=2; Path=/connexion", "e1")
            .expect("observed");
        // The sibling gets the domain cookie, not the host-only one.
        assert_eq!(
            jar.header(&url("http://www.ent.test:8080/compte")),
            "sid=abc"
        );
        assert_eq!(jar.header(&url("http://ent.test/")), "sid=abc");
        // Path: only under /connexion on auth.
        let on_auth = jar.header(&url("http://auth.ent.test:8080/connexion/suite"));
        let mut sent: Vec<&str> = on_auth.split("; ").collect();
        sent.sort_unstable();
        assert_eq!(sent, ["etape=2", "sid=abc"], "{on_auth}");
        assert_eq!(
            jar.header(&url("http://auth.ent.test:8080/compte")),
            "sid=abc"
        );
        // Another site never gets it, nor a look-alike.
        assert_eq!(jar.header(&url("http://ent.test.evil/")), "");
        assert_eq!(jar.header(&url("http://notent.test/")), "");
    }

    #[test]
    fn a_foreign_domain_is_refused_but_observed_and_expiry_deletes() {
        let mut jar = Jar::default();
        let ent = url("https://www.ent.test/");
        let seen = jar
            .store(&ent, "pisteur=1; Domain=ailleurs.test", "e2")
            .expect("observed as sent");
        assert_eq!(seen.attributes, vec!["Domain=ailleurs.test".to_owned()]);
        assert_eq!(jar.header(&url("https://ailleurs.test/")), "");
        assert_eq!(jar.header(&ent), "");
        jar.store(&ent, "sid=abc; Path=/", "e3").expect("observed");
        assert_eq!(jar.header(&ent), "sid=abc");
        jar.store(&ent, "sid=; Path=/; Max-Age=0", "e4")
            .expect("observed");
        assert_eq!(jar.header(&ent), "");
        // Secure cookies go to HTTPS (and loopback) only.
        jar.store(&ent, "s=1; Secure; Path=/", "e5")
            .expect("observed");
        assert_eq!(jar.header(&url("http://www.ent.test/")), "");
        assert_eq!(jar.header(&ent), "s=1");
    }

    #[test]
    fn without_removes_a_cookie_whatever_its_path_or_domain() {
        let mut jar = Jar::default();
        let auth = url("http://auth.ent.test/");
        jar.store(&auth, "sid=abc; Domain=ent.test; Path=/", "e1");
        jar.store(&auth, "autre=1; Path=/", "e1");
        let www = url("http://www.ent.test/compte");
        assert_eq!(
            jar.entries(&www),
            vec![("sid".to_owned(), "abc".to_owned())]
        );
        let reduced = jar.without(&www, "sid");
        assert!(reduced.entries(&www).is_empty());
        assert_eq!(reduced.header(&auth), "autre=1");
        // The original is untouched.
        assert_eq!(jar.values(&www), vec!["abc".to_owned()]);
    }

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
