//! SEC-01, HTTPS only: what the `tls` step records of the candidate's
//! HTTPS (the observation), and the judges of the `tls` assertion, pure
//! functions of it and the run's time. The probe that records it is in
//! `tls_probe.rs`.
//!
//! The bar is the ANSSI TLS guide's (SDE-NT-35 v1.2) and OWASP ASVS 4.0.3
//! V9: TLS 1.2 and 1.3 only, suites with forward secrecy and AEAD, a
//! certificate a browser accepts with a key of at least 2048 bits (RSA)
//! or 256 (elliptic curves), HSTS, and plain HTTP sent to HTTPS.

use chrono::{DateTime, Utc};

use crate::check::outcome::listed;
use crate::check::{DomainObservation, Verdict};

/// Shortest HSTS `max-age` accepted: the 182 days of ASVS V14.4.5's example.
pub(crate) const HSTS_MIN_AGE: u64 = 15_724_800;

/// Smallest RSA modulus, in bits (ANSSI: 2048 until 2030).
const RSA_MIN_BITS: u32 = 2048;

/// Smallest elliptic-curve key, in bits.
const EC_MIN_BITS: u32 = 256;

/// What a `tls` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsRule {
    /// Plain HTTP answers with a redirect to HTTPS.
    Redirect,
    /// The HTTPS answer carries HSTS with a long enough `max-age`.
    Hsts,
    /// TLS 1.2 or 1.3 is spoken, TLS 1.0 and 1.1 are refused.
    Protocols,
    /// TLS 1.2 offers only suites with forward secrecy and AEAD.
    Suites,
    /// The certificate chain is valid for the host, in date, with a
    /// strong enough key.
    Certificate,
}

impl TlsRule {
    /// Every rule, in suite-file order.
    pub const ALL: [Self; 5] = [
        Self::Redirect,
        Self::Hsts,
        Self::Protocols,
        Self::Suites,
        Self::Certificate,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redirect => "redirect",
            Self::Hsts => "hsts",
            Self::Protocols => "protocols",
            Self::Suites => "suites",
            Self::Certificate => "certificate",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Redirect => "L'adresse en http:// renvoie vers HTTPS",
            Self::Hsts => "Strict-Transport-Security d'au moins six mois",
            Self::Protocols => "TLS 1.2 ou 1.3 seulement : TLS 1.0 et 1.1 refusés",
            Self::Suites => "En TLS 1.2, des suites AEAD à confidentialité persistante seulement",
            Self::Certificate => {
                "Certificat valide pour l'hôte, en cours de validité, clé assez longue"
            }
        }
    }
}

/// What the `tls` step saw of the candidate's HTTPS.
#[derive(Clone, Debug)]
pub(crate) struct TlsObservation {
    /// `base_url` (redacted), when it is in `http://` and served there
    /// without a redirect to HTTPS: nothing else was probed.
    pub(crate) in_clear: Option<String>,
    /// `host:port` probed.
    pub(crate) address: String,
    /// The plain-HTTP address and what it answered.
    pub(crate) plain: PlainAnswer,
    /// `base_url` read over HTTPS by the run's client, or why it was not.
    pub(crate) https: Result<HttpsAnswer, String>,
    /// A handshake as a current browser makes it (TLS 1.2 or 1.3, every
    /// usual suite), or the candidate's refusal.
    pub(crate) modern: Result<Handshake, String>,
    /// What was offered that must be refused, and what came of it.
    pub(crate) offers: Vec<(Offer, OfferResult)>,
    /// Evidence exchanges of the HTTP requests.
    pub(crate) exchanges: Vec<String>,
}

impl DomainObservation for TlsObservation {
    fn exchanges(&self) -> Vec<String> {
        self.exchanges.clone()
    }
}

/// The plain-HTTP address and its answer.
#[derive(Clone, Debug)]
pub(crate) struct PlainAnswer {
    /// The address asked (redacted).
    pub(crate) url: String,
    /// What came of it.
    pub(crate) outcome: PlainOutcome,
}

/// What the plain-HTTP address did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PlainOutcome {
    /// It answered.
    Answered {
        /// First status.
        status: u16,
        /// Where its redirect led (redacted), if it was one.
        next: Option<String>,
        /// Where the redirects ended (redacted).
        last: String,
    },
    /// The connection was refused: nothing listens there.
    Refused(String),
    /// Something else went wrong (time limit, name resolution): the
    /// harness could not tell.
    Failed(String),
}

/// The HTTPS answer of `base_url`.
#[derive(Clone, Debug)]
pub(crate) struct HttpsAnswer {
    /// Where the redirects ended (redacted).
    pub(crate) url: String,
    /// Final status.
    pub(crate) status: u16,
    /// Every `Strict-Transport-Security` value, in order.
    pub(crate) hsts: Vec<String>,
}

/// A completed handshake.
#[derive(Clone, Debug)]
pub(crate) struct Handshake {
    /// Negotiated version (`TLSv1.3`).
    pub(crate) version: String,
    /// Negotiated suite (OpenSSL's name).
    pub(crate) suite: String,
    /// Why the chain was not accepted for the host (OpenSSL's words), or
    /// `None` when it was.
    pub(crate) verify_error: Option<String>,
    /// The server's certificate.
    pub(crate) leaf: Option<Certificate>,
}

/// Facts of the server's certificate.
#[derive(Clone, Debug)]
pub(crate) struct Certificate {
    /// Subject, one line.
    pub(crate) subject: String,
    /// Names it is valid for (DNS names and IP addresses).
    pub(crate) names: Vec<String>,
    /// End of validity, `None` when unreadable.
    pub(crate) not_after: Option<DateTime<Utc>>,
    /// Key algorithm (`RSA`, `EC`, `Ed25519`…).
    pub(crate) key: String,
    /// Key size in bits.
    pub(crate) bits: u32,
}

/// A handshake the candidate must refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// TLS 1.0 only.
    Tls10,
    /// TLS 1.1 only.
    Tls11,
    /// TLS 1.2 with suites whose key exchange is static RSA only.
    Tls12StaticRsa,
    /// TLS 1.2 with CBC suites only (ephemeral key exchange, no AEAD).
    Tls12Cbc,
}

impl Offer {
    /// Every offer, in the order they are made.
    pub(crate) const ALL: [Self; 4] = [
        Self::Tls10,
        Self::Tls11,
        Self::Tls12StaticRsa,
        Self::Tls12Cbc,
    ];

    /// In a message.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Tls10 => "TLS 1.0",
            Self::Tls11 => "TLS 1.1",
            Self::Tls12StaticRsa => {
                "TLS 1.2 avec échange de clés RSA statique (sans confidentialité persistante)"
            }
            Self::Tls12Cbc => "TLS 1.2 avec chiffrement CBC (sans AEAD)",
        }
    }
}

/// What came of an offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OfferResult {
    /// The handshake completed.
    Accepted {
        /// Negotiated version.
        version: String,
        /// Negotiated suite.
        suite: String,
    },
    /// The candidate refused (alert or closed connection).
    Refused(String),
    /// The harness could not tell (connection, time limit).
    Failed(String),
}

/// The judge of `rule`, given the run's time.
pub(crate) fn judge_tls(rule: TlsRule, observed: &TlsObservation, now: DateTime<Utc>) -> Verdict {
    let expected = expected(rule);
    if let Some(base) = &observed.in_clear {
        return Verdict::fail(
            expected,
            format!(
                "l'ENT est servi en clair à l'adresse déclarée ({base}), sans renvoi vers \
                 HTTPS : ni ses pages ni ses connexions ne sont chiffrées"
            ),
        );
    }
    match rule {
        TlsRule::Redirect => redirect(expected, &observed.plain),
        TlsRule::Hsts => hsts(expected, &observed.https),
        TlsRule::Protocols => protocols(expected, observed),
        TlsRule::Suites => suites(expected, observed),
        TlsRule::Certificate => certificate(expected, observed, now),
    }
}

fn expected(rule: TlsRule) -> String {
    match rule {
        TlsRule::Redirect => "l'adresse en http:// renvoie (301, 302, 307 ou 308) vers la même \
                              adresse en https://"
            .to_owned(),
        TlsRule::Hsts => format!(
            "un en-tête Strict-Transport-Security avec max-age d'au moins {HSTS_MIN_AGE} s \
             (182 jours) sur la réponse en HTTPS"
        ),
        TlsRule::Protocols => {
            "une poignée de main en TLS 1.2 ou 1.3 acceptée, en TLS 1.0 et en TLS 1.1 refusée"
                .to_owned()
        }
        TlsRule::Suites => "en TLS 1.2, des suites à échange de clés éphémère (ECDHE, DHE) et \
                            chiffrement AEAD (GCM, CCM, ChaCha20-Poly1305) seulement"
            .to_owned(),
        TlsRule::Certificate => format!(
            "une chaîne de certificats reconnue, valide pour l'hôte et en cours de validité, \
             avec une clé d'au moins {RSA_MIN_BITS} bits (RSA) ou {EC_MIN_BITS} bits \
             (courbes elliptiques)"
        ),
    }
}

fn redirect(expected: String, plain: &PlainAnswer) -> Verdict {
    let url = &plain.url;
    match &plain.outcome {
        PlainOutcome::Failed(why) => Verdict::error(expected, format!("{url} non lue : {why}")),
        PlainOutcome::Refused(why) => Verdict::fail(
            expected,
            format!(
                "{url} refuse la connexion ({why}) : qui tape l'adresse sans https:// \
                 n'arrive nulle part, au lieu d'être renvoyé vers HTTPS"
            ),
        ),
        PlainOutcome::Answered { status, next, last } => {
            let redirected = matches!(status, 301 | 302 | 303 | 307 | 308);
            let secure_end = last.starts_with("https://");
            match (redirected, next) {
                (true, Some(next)) if next.starts_with("https://") => {
                    Verdict::pass(expected, format!("{url} → {status} vers {next}"))
                }
                (true, Some(next)) if secure_end => Verdict::pass(
                    expected,
                    format!("{url} → {status} vers {next}, puis jusqu'à {last}"),
                ),
                (true, Some(next)) => Verdict::fail(
                    expected,
                    format!("{url} → {status} vers {next}, et la visite finit en clair sur {last}"),
                ),
                _ => Verdict::fail(
                    expected,
                    format!(
                        "{url} répond {status} sans renvoyer vers HTTPS : la page est servie en \
                         clair, lisible et modifiable par quiconque sur le réseau de l'école"
                    ),
                ),
            }
        }
    }
}

/// The `max-age` of an HSTS value, as a browser reads it (RFC 6797 §6.1:
/// directive names without case, the value possibly quoted); `None` when
/// the value has none, or an unreadable one, and is then ignored.
pub(crate) fn max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|directive| {
        let (name, value) = directive.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        value.trim().trim_matches('"').parse().ok()
    })
}

fn hsts(expected: String, https: &Result<HttpsAnswer, String>) -> Verdict {
    let answer = match https {
        Ok(answer) => answer,
        Err(why) => {
            return Verdict::error(expected, format!("page d'accueil en HTTPS non lue : {why}"));
        }
    };
    if !answer.url.starts_with("https://") {
        return Verdict::fail(
            expected,
            format!(
                "la page d'accueil finit en clair ({}) : un en-tête HSTS n'y compte pas",
                answer.url
            ),
        );
    }
    // A browser keeps the first header and ignores the others (RFC 6797 §8.1).
    let Some(first) = answer.hsts.first() else {
        return Verdict::fail(
            expected,
            format!(
                "{} (statut {}) n'envoie pas de Strict-Transport-Security : un navigateur \
                 reste prêt à suivre un lien en http:// que quiconque sur le réseau peut \
                 intercepter",
                answer.url, answer.status
            ),
        );
    };
    let seen = format!("{} : Strict-Transport-Security: {first}", answer.url);
    match max_age(first) {
        None => Verdict::fail(
            expected,
            format!("{seen} — sans max-age lisible, l'en-tête est ignoré"),
        ),
        Some(age) if age < HSTS_MIN_AGE => Verdict::fail(
            expected,
            format!(
                "{seen} — {age} s, soit {} jour(s) : trop court pour protéger la visite suivante",
                age / 86_400
            ),
        ),
        Some(_) => Verdict::pass(expected, seen),
    }
}

/// The candidate's refusals and acceptances of `offers`: the problems
/// (accepted), and the offers the harness could not judge.
fn accepted(observed: &TlsObservation, offers: &[Offer]) -> Found {
    let (mut problems, mut unjudged) = (Vec::new(), Vec::new());
    for (offer, result) in &observed.offers {
        if !offers.contains(offer) {
            continue;
        }
        match result {
            OfferResult::Accepted { version, suite } => problems.push(format!(
                "{} accepté ({version}, suite {suite})",
                offer.describe()
            )),
            OfferResult::Refused(_) => {}
            OfferResult::Failed(why) => unjudged.push(format!("{} : {why}", offer.describe())),
        }
    }
    Found { problems, unjudged }
}

/// What the offers showed: the problems (before the harness's own), and
/// the offers it could not judge.
struct Found {
    problems: Vec<String>,
    unjudged: Vec<String>,
}

impl Found {
    /// A problem fails; else an offer not judged is an error; else `held`
    /// passes, with the refusals of `offers`.
    fn verdict(
        self,
        expected: String,
        observed: &TlsObservation,
        offers: &[Offer],
        held: String,
    ) -> Verdict {
        if !self.problems.is_empty() {
            return Verdict::fail(
                expected,
                format!("{} : {}", observed.address, listed(&self.problems)),
            );
        }
        if !self.unjudged.is_empty() {
            return Verdict::error(expected, format!("non évalué : {}", listed(&self.unjudged)));
        }
        Verdict::pass(
            expected,
            format!(
                "{} : {held} ; {}",
                observed.address,
                refusals(observed, offers)
            ),
        )
    }
}

fn refusals(observed: &TlsObservation, offers: &[Offer]) -> String {
    observed
        .offers
        .iter()
        .filter(|(offer, _)| offers.contains(offer))
        .filter_map(|(offer, result)| match result {
            OfferResult::Refused(why) => Some(format!("{} refusé ({why})", offer.describe())),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn protocols(expected: String, observed: &TlsObservation) -> Verdict {
    let old = [Offer::Tls10, Offer::Tls11];
    let mut found = accepted(observed, &old);
    let modern = match &observed.modern {
        Ok(handshake) => format!("{} accepté (suite {})", handshake.version, handshake.suite),
        Err(why) => {
            found.problems.insert(
                0,
                format!("TLS 1.2 et 1.3 refusés : {why} (aucun navigateur actuel ne se connecte)"),
            );
            String::new()
        }
    };
    found.verdict(expected, observed, &old, modern)
}

/// Whether a TLS 1.2 suite (OpenSSL's name) has an ephemeral key exchange
/// and an AEAD cipher.
fn strong_tls12_suite(suite: &str) -> bool {
    let ephemeral = suite.starts_with("ECDHE-") || suite.starts_with("DHE-");
    let aead = ["GCM", "CCM", "CHACHA20-POLY1305"]
        .iter()
        .any(|mode| suite.contains(mode));
    ephemeral && aead
}

fn suites(expected: String, observed: &TlsObservation) -> Verdict {
    let weak = [Offer::Tls12StaticRsa, Offer::Tls12Cbc];
    let mut found = accepted(observed, &weak);
    if let Ok(handshake) = &observed.modern
        && handshake.version == "TLSv1.2"
        && !strong_tls12_suite(&handshake.suite)
    {
        found.problems.insert(
            0,
            format!(
                "la suite choisie pour un navigateur actuel est {} : ni éphémère ni AEAD",
                handshake.suite
            ),
        );
    }
    let chosen = match &observed.modern {
        Ok(handshake) => format!("{} {}", handshake.version, handshake.suite),
        Err(why) => format!("aucune poignée de main moderne ({why})"),
    };
    found.verdict(expected, observed, &weak, format!("suite choisie {chosen}"))
}

fn certificate(expected: String, observed: &TlsObservation, now: DateTime<Utc>) -> Verdict {
    let handshake = match &observed.modern {
        Ok(handshake) => handshake,
        Err(why) => {
            return Verdict::error(
                expected,
                format!("certificat non lu : la poignée de main a échoué ({why})"),
            );
        }
    };
    let Some(leaf) = &handshake.leaf else {
        return Verdict::fail(expected, "le serveur n'a présenté aucun certificat");
    };
    let until = leaf.not_after.map_or_else(
        || "date de fin illisible".to_owned(),
        |date| format!("jusqu'au {}", date.format("%Y-%m-%d")),
    );
    let described = format!(
        "{} ({}, clé {} {} bits, valide pour {}, {until})",
        observed.address,
        leaf.subject,
        leaf.key,
        leaf.bits,
        if leaf.names.is_empty() {
            "aucun nom".to_owned()
        } else {
            leaf.names.join(", ")
        },
    );
    let mut problems = Vec::new();
    if let Some(why) = &handshake.verify_error {
        problems.push(format!("chaîne refusée : {why}"));
    }
    match leaf.not_after {
        Some(date) if date <= now => {
            problems.push(format!("expiré depuis le {}", date.format("%Y-%m-%d")));
        }
        Some(_) => {}
        None => problems.push("date de fin de validité illisible".to_owned()),
    }
    let minimum = match leaf.key.as_str() {
        "RSA" | "RSA-PSS" | "DSA" => Some(RSA_MIN_BITS),
        "EC" => Some(EC_MIN_BITS),
        _ => None,
    };
    if let Some(minimum) = minimum
        && leaf.bits < minimum
    {
        problems.push(format!(
            "clé {} de {} bits, moins que les {minimum} bits demandés",
            leaf.key, leaf.bits
        ));
    }
    if problems.is_empty() {
        Verdict::pass(expected, described)
    } else {
        Verdict::fail(expected, format!("{described} : {}", listed(&problems)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::AssertionStatus;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-05T12:00:00Z")
            .expect("date")
            .with_timezone(&Utc)
    }

    fn leaf(key: &str, bits: u32, days: i64) -> Certificate {
        Certificate {
            subject: "CN=ent.example.fr".to_owned(),
            names: vec!["ent.example.fr".to_owned()],
            not_after: Some(now() + chrono::Duration::days(days)),
            key: key.to_owned(),
            bits,
        }
    }

    fn clean() -> TlsObservation {
        TlsObservation {
            in_clear: None,
            address: "ent.example.fr:443".to_owned(),
            plain: PlainAnswer {
                url: "http://ent.example.fr/".to_owned(),
                outcome: PlainOutcome::Answered {
                    status: 301,
                    next: Some("https://ent.example.fr/".to_owned()),
                    last: "https://ent.example.fr/".to_owned(),
                },
            },
            https: Ok(HttpsAnswer {
                url: "https://ent.example.fr/".to_owned(),
                status: 200,
                hsts: vec!["max-age=31536000; includeSubDomains".to_owned()],
            }),
            modern: Ok(Handshake {
                version: "TLSv1.3".to_owned(),
                suite: "TLS_AES_256_GCM_SHA384".to_owned(),
                verify_error: None,
                leaf: Some(leaf("RSA", 2048, 90)),
            }),
            offers: Offer::ALL
                .iter()
                .map(|o| {
                    (
                        *o,
                        OfferResult::Refused("alerte protocol version".to_owned()),
                    )
                })
                .collect(),
            exchanges: Vec::new(),
        }
    }

    fn accepted(version: &str, suite: &str) -> OfferResult {
        OfferResult::Accepted {
            version: version.to_owned(),
            suite: suite.to_owned(),
        }
    }

    fn status(rule: TlsRule, observed: &TlsObservation) -> (AssertionStatus, String) {
        let verdict = judge_tls(rule, observed, now());
        (verdict.status, verdict.actual)
    }

    #[test]
    fn a_clean_candidate_passes_every_rule() {
        for rule in TlsRule::ALL {
            let (status, actual) = status(rule, &clean());
            assert_eq!(status, AssertionStatus::Passed, "{rule:?}: {actual}");
        }
    }

    #[test]
    fn an_ent_declared_in_clear_fails_every_rule() {
        let observed = TlsObservation {
            in_clear: Some("http://ent.example.fr/".to_owned()),
            ..clean()
        };
        for rule in TlsRule::ALL {
            let (status, actual) = status(rule, &observed);
            assert_eq!(status, AssertionStatus::Failed, "{rule:?}");
            assert!(actual.contains("en clair"), "{actual}");
        }
    }

    #[test]
    fn plain_http_must_lead_to_https() {
        let mut observed = clean();
        observed.plain.outcome = PlainOutcome::Answered {
            status: 200,
            next: None,
            last: "http://ent.example.fr/".to_owned(),
        };
        let (status_, actual) = status(TlsRule::Redirect, &observed);
        assert_eq!(status_, AssertionStatus::Failed);
        assert!(actual.contains("répond 200"), "{actual}");
        // A first hop in clear that ends in HTTPS is fine.
        observed.plain.outcome = PlainOutcome::Answered {
            status: 301,
            next: Some("http://www.ent.example.fr/".to_owned()),
            last: "https://www.ent.example.fr/".to_owned(),
        };
        assert_eq!(
            status(TlsRule::Redirect, &observed).0,
            AssertionStatus::Passed
        );
        observed.plain.outcome = PlainOutcome::Answered {
            status: 302,
            next: Some("http://www.ent.example.fr/".to_owned()),
            last: "http://www.ent.example.fr/".to_owned(),
        };
        assert_eq!(
            status(TlsRule::Redirect, &observed).0,
            AssertionStatus::Failed
        );
        observed.plain.outcome = PlainOutcome::Refused("connexion refusée".to_owned());
        assert_eq!(
            status(TlsRule::Redirect, &observed).0,
            AssertionStatus::Failed
        );
        observed.plain.outcome = PlainOutcome::Failed("délai dépassé".to_owned());
        assert_eq!(
            status(TlsRule::Redirect, &observed).0,
            AssertionStatus::Error
        );
    }

    #[test]
    fn hsts_needs_a_readable_max_age_of_half_a_year_in_the_first_header() {
        let with = |values: &[&str]| {
            let mut observed = clean();
            if let Ok(answer) = &mut observed.https {
                answer.hsts = values.iter().map(|v| (*v).to_owned()).collect();
            }
            status(TlsRule::Hsts, &observed)
        };
        assert_eq!(with(&["max-age=15724800"]).0, AssertionStatus::Passed);
        assert_eq!(with(&["MAX-AGE=\"31536000\""]).0, AssertionStatus::Passed);
        let (short, said) = with(&["max-age=86400"]);
        assert_eq!(short, AssertionStatus::Failed);
        assert!(said.contains("86400 s, soit 1 jour"), "{said}");
        assert_eq!(with(&["includeSubDomains"]).0, AssertionStatus::Failed);
        assert_eq!(with(&[]).0, AssertionStatus::Failed);
        // The first header counts, not the best.
        assert_eq!(
            with(&["max-age=0", "max-age=31536000"]).0,
            AssertionStatus::Failed
        );
        let mut unread = clean();
        unread.https = Err("délai dépassé".to_owned());
        assert_eq!(status(TlsRule::Hsts, &unread).0, AssertionStatus::Error);
    }

    #[test]
    fn old_protocols_accepted_fail_and_name_the_version() {
        let mut observed = clean();
        observed.offers[0].1 = accepted("TLSv1", "ECDHE-RSA-AES128-SHA");
        let (status_, actual) = status(TlsRule::Protocols, &observed);
        assert_eq!(status_, AssertionStatus::Failed);
        assert!(actual.contains("TLS 1.0 accepté (TLSv1"), "{actual}");
        // Suites are another rule's business.
        assert_eq!(
            status(TlsRule::Suites, &observed).0,
            AssertionStatus::Passed
        );
        let mut refused = clean();
        refused.modern = Err("alerte handshake failure".to_owned());
        let (status_, actual) = status(TlsRule::Protocols, &refused);
        assert_eq!(status_, AssertionStatus::Failed);
        assert!(actual.contains("TLS 1.2 et 1.3 refusés"), "{actual}");
        let mut unknown = clean();
        unknown.offers[1].1 = OfferResult::Failed("délai dépassé".to_owned());
        assert_eq!(
            status(TlsRule::Protocols, &unknown).0,
            AssertionStatus::Error
        );
    }

    #[test]
    fn weak_tls12_suites_fail_whether_offered_or_chosen() {
        let mut observed = clean();
        observed.offers[3].1 = accepted("TLSv1.2", "ECDHE-RSA-AES128-SHA");
        let (status_, actual) = status(TlsRule::Suites, &observed);
        assert_eq!(status_, AssertionStatus::Failed);
        assert!(actual.contains("CBC (sans AEAD) accepté"), "{actual}");
        let mut chosen = clean();
        chosen.modern = Ok(Handshake {
            version: "TLSv1.2".to_owned(),
            suite: "AES256-GCM-SHA384".to_owned(),
            verify_error: None,
            leaf: Some(leaf("RSA", 2048, 90)),
        });
        let (status_, actual) = status(TlsRule::Suites, &chosen);
        assert_eq!(status_, AssertionStatus::Failed);
        assert!(actual.contains("AES256-GCM-SHA384"), "{actual}");
        assert!(strong_tls12_suite("ECDHE-ECDSA-CHACHA20-POLY1305"));
        assert!(strong_tls12_suite("DHE-RSA-AES128-GCM-SHA256"));
        assert!(!strong_tls12_suite("ECDHE-RSA-AES256-SHA384"));
    }

    #[test]
    fn the_certificate_is_verified_dated_and_long_enough() {
        let with = |verify_error: Option<&str>, leaf: Certificate| {
            let mut observed = clean();
            observed.modern = Ok(Handshake {
                version: "TLSv1.3".to_owned(),
                suite: "TLS_AES_128_GCM_SHA256".to_owned(),
                verify_error: verify_error.map(str::to_owned),
                leaf: Some(leaf),
            });
            status(TlsRule::Certificate, &observed)
        };
        assert_eq!(with(None, leaf("EC", 256, 30)).0, AssertionStatus::Passed);
        let (short, said) = with(None, leaf("RSA", 1024, 30));
        assert_eq!(short, AssertionStatus::Failed);
        assert!(said.contains("1024 bits, moins que les 2048"), "{said}");
        let (expired, said) = with(None, leaf("RSA", 2048, -1));
        assert_eq!(expired, AssertionStatus::Failed);
        assert!(said.contains("expiré depuis"), "{said}");
        let (unknown, said) = with(
            Some("unable to get local issuer certificate"),
            leaf("RSA", 4096, 30),
        );
        assert_eq!(unknown, AssertionStatus::Failed);
        assert!(
            said.contains("chaîne refusée : unable to get local issuer"),
            "{said}"
        );
        assert_eq!(
            with(None, leaf("Ed25519", 253, 30)).0,
            AssertionStatus::Passed
        );
    }
}
