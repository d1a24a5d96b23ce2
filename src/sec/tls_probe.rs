//! The `tls` step's scenario (SEC-01): records, never judges. Once per
//! run it asks the plain-HTTP address (a refused connection there is told
//! apart by the probe's error), reads `base_url` over HTTPS with the
//! run's client (for HSTS), then makes its own handshakes with OpenSSL:
//! one as a current browser does, verified against the system's
//! authorities and the target's `[http] ca`, and one per [`Offer`] the
//! candidate must refuse.
//!
//! Why OpenSSL and not rustls, which the run's client speaks: rustls cannot
//! offer TLS 1.0, 1.1 or a CBC suite, and those offers are the point. The
//! old offers lower OpenSSL's security level to 0, the only level at which
//! OpenSSL 3 still speaks TLS 1.0 and 1.1; that level is set on these
//! connections alone, which carry no data.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use reqwest::{Method, Url};

use super::tls::{
    Certificate, Handshake, HttpsAnswer, Offer, OfferResult, PlainAnswer, PlainOutcome,
    TlsObservation,
};
use crate::probe::ProbeError;
use crate::runner::context::Context;
use crate::runner::once::Shared;

/// The `tls` step: the run's observation of the candidate's HTTPS (made
/// once, shared by every check that reads it).
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<TlsObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "tls",
            move || async move { gather(&owned).await },
            "connexions TLS",
        )
        .await
}

async fn gather(context: &Context) -> Result<TlsObservation, String> {
    let target = &context.target;
    let redactor = context.probe.redactor();
    let mut exchanges = Vec::new();
    // A base_url in http:// is the plain address itself: where it leads is
    // the HTTPS origin probed, unless it is served in clear.
    let (base, plain) = if target.base_url.scheme() == "https" {
        let plain_url = plain_url(&target.base_url, target.http.plain_url.as_ref())?;
        let (outcome, _) = ask_plain(context, &plain_url, &mut exchanges).await;
        let plain = PlainAnswer {
            url: redactor.url(&plain_url),
            outcome,
        };
        (target.base_url.clone(), plain)
    } else {
        let declared = &target.base_url;
        let (outcome, last) = ask_plain(context, declared, &mut exchanges).await;
        let plain = PlainAnswer {
            url: redactor.url(declared),
            outcome,
        };
        match (&plain.outcome, last) {
            (PlainOutcome::Refused(why) | PlainOutcome::Failed(why), _) => {
                return Err(format!("{} non lue : {why}", plain.url));
            }
            (_, Some(last)) if last.scheme() == "https" => (last, plain),
            _ => {
                return Ok(TlsObservation {
                    in_clear: Some(plain.url.clone()),
                    address: String::new(),
                    plain,
                    https: Err("servi en clair".to_owned()),
                    modern: Err("servi en clair".to_owned()),
                    offers: Vec::new(),
                    exchanges,
                });
            }
        }
    };
    let host = base
        .host_str()
        .ok_or_else(|| format!("base_url sans hôte : {}", redactor.url(&base)))?;
    let port = base.port_or_known_default().unwrap_or(443);
    let address = format!("{host}:{port}");
    // OpenSSL checks, and names in SNI, an IPv6 address without brackets.
    let host = host.trim_matches(['[', ']']).to_owned();
    let https = match context.probe.fetch_page(&Method::GET, &base).await {
        Ok(page) => {
            exchanges.extend(page.exchanges());
            Ok(HttpsAnswer {
                url: redactor.url(&page.final_url),
                status: page.status,
                hsts: page
                    .headers
                    .iter()
                    .filter(|(name, _)| name == "strict-transport-security")
                    .map(|(_, value)| value.clone())
                    .collect(),
            })
        }
        Err(failed) => {
            exchanges.extend(failed.exchanges);
            Err(failed.error.to_string())
        }
    };
    let socket = resolve(&host, port, &target.http.resolve)?;
    let settings = Handshakes {
        socket,
        host,
        roots: target.http.trusted_roots.clone(),
        timeout: target.http.request_timeout,
    };
    let recorded = tokio::task::spawn_blocking(move || settings.run())
        .await
        .map_err(|e| format!("sonde TLS interrompue : {e}"))??;
    Ok(TlsObservation {
        in_clear: None,
        address,
        plain,
        https,
        modern: recorded.0,
        offers: recorded.1,
        exchanges,
    })
}

/// The plain-HTTP address: the target's `plain_url`, or `base_url`'s host
/// on port 80.
fn plain_url(base: &Url, declared: Option<&Url>) -> Result<Url, String> {
    if let Some(url) = declared {
        return Ok(url.clone());
    }
    // `host_str` keeps an IPv6 address's brackets, as a URL writes it.
    let host = base
        .host_str()
        .ok_or_else(|| "base_url sans hôte".to_owned())?;
    Url::parse(&format!("http://{host}/")).map_err(|e| e.to_string())
}

/// What the plain-HTTP address does, and where its redirects ended: a
/// refused connection is told apart from the other failures, since it is
/// the candidate's answer.
async fn ask_plain(
    context: &Context,
    url: &Url,
    exchanges: &mut Vec<String>,
) -> (PlainOutcome, Option<Url>) {
    match context.probe.fetch_page(&Method::GET, url).await {
        Ok(page) => {
            exchanges.extend(page.exchanges());
            let redactor = context.probe.redactor();
            let outcome = PlainOutcome::Answered {
                status: page.hops.first().map_or(page.status, |hop| hop.status),
                next: page.hops.get(1).map(|hop| redactor.url(&hop.url)),
                last: redactor.url(&page.final_url),
            };
            (outcome, Some(page.final_url))
        }
        Err(failed) => {
            exchanges.extend(failed.exchanges);
            // Refused at the address asked, not at a later hop.
            let asked = context.probe.redactor().url(url);
            let outcome = match &failed.error {
                ProbeError::Connect {
                    url: at,
                    refused: true,
                    ..
                } if *at == asked => PlainOutcome::Refused("connexion refusée".to_owned()),
                other => PlainOutcome::Failed(other.to_string()),
            };
            (outcome, None)
        }
    }
}

/// The address of `host`, through `[http] resolve` first.
fn resolve(
    host: &str,
    port: u16,
    resolve: &std::collections::BTreeMap<String, std::net::IpAddr>,
) -> Result<SocketAddr, String> {
    let bare = host.trim_matches(['[', ']']);
    if let Some(ip) = resolve.get(&bare.to_ascii_lowercase()) {
        return Ok(SocketAddr::new(*ip, port));
    }
    (bare, port)
        .to_socket_addrs()
        .map_err(|e| format!("{bare} : nom introuvable ({e})"))?
        .next()
        .ok_or_else(|| format!("{bare} : aucune adresse"))
}

/// The handshakes of one run, made on a blocking thread.
struct Handshakes {
    socket: SocketAddr,
    host: String,
    /// Authorities trusted besides the system's (DER).
    roots: Vec<Vec<u8>>,
    timeout: Duration,
}

/// The modern handshake, or why it failed, and the offers.
type Recorded = (Result<Handshake, String>, Vec<(Offer, OfferResult)>);

/// How a handshake ended.
enum Ended {
    Done(openssl::ssl::SslStream<TcpStream>),
    Refused(String),
    Failed(String),
}

impl Handshakes {
    fn run(self) -> Result<Recorded, String> {
        let modern = match self.connect(None)? {
            Ended::Done(stream) => Ok(handshake(&stream)),
            Ended::Refused(why) => Err(why),
            // The address answered nothing usable: the run cannot judge.
            Ended::Failed(why) => return Err(format!("{} : {why}", self.socket)),
        };
        let mut offers = Vec::new();
        for offer in Offer::ALL {
            let result = match self.connect(Some(offer)) {
                Ok(Ended::Done(stream)) => {
                    let ssl = stream.ssl();
                    OfferResult::Accepted {
                        version: ssl.version_str().to_owned(),
                        suite: ssl
                            .current_cipher()
                            .map_or_else(String::new, |c| c.name().to_owned()),
                    }
                }
                Ok(Ended::Refused(why)) => OfferResult::Refused(why),
                Ok(Ended::Failed(why)) | Err(why) => OfferResult::Failed(why),
            };
            offers.push((offer, result));
        }
        Ok((modern, offers))
    }

    /// One handshake: as a browser (`None`) or with only what `offer`
    /// names. `Err` when the connector cannot even be built.
    fn connect(&self, offer: Option<Offer>) -> Result<Ended, String> {
        let built = |e: openssl::error::ErrorStack| format!("client TLS : {e}");
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(built)?;
        // The chain is verified, and the result recorded, without stopping
        // the handshake: a bad certificate is a finding to describe.
        builder.set_verify(SslVerifyMode::NONE);
        match offer {
            None => {
                // Only this handshake's verification is read: the
                // authorities are loaded for it alone.
                builder.set_default_verify_paths().map_err(built)?;
                for der in &self.roots {
                    let certificate = X509::from_der(der).map_err(built)?;
                    // Already there (the same CA twice) is not an error worth stopping for.
                    let _ = builder.cert_store_mut().add_cert(certificate);
                }
                builder
                    .set_min_proto_version(Some(SslVersion::TLS1_2))
                    .map_err(built)?;
            }
            Some(offer) => {
                let (version, suites) = match offer {
                    Offer::Tls10 => (SslVersion::TLS1, "ALL:@SECLEVEL=0"),
                    Offer::Tls11 => (SslVersion::TLS1_1, "ALL:@SECLEVEL=0"),
                    Offer::Tls12StaticRsa => (SslVersion::TLS1_2, "kRSA:@SECLEVEL=0"),
                    Offer::Tls12Cbc => (
                        SslVersion::TLS1_2,
                        "kEECDH:kEDH:!AESGCM:!AESCCM:!CHACHA20:!aNULL:!eNULL:@SECLEVEL=0",
                    ),
                };
                builder
                    .set_min_proto_version(Some(version))
                    .map_err(built)?;
                builder
                    .set_max_proto_version(Some(version))
                    .map_err(built)?;
                builder.set_cipher_list(suites).map_err(built)?;
            }
        }
        let connector = builder.build();
        let stream = match TcpStream::connect_timeout(&self.socket, self.timeout) {
            Ok(stream) => stream,
            Err(error) => return Ok(Ended::Failed(format!("connexion impossible : {error}"))),
        };
        let _ = stream.set_read_timeout(Some(self.timeout));
        let _ = stream.set_write_timeout(Some(self.timeout));
        let mut config = connector.configure().map_err(built)?;
        // Host name or address checked by OpenSSL's verification.
        config.set_verify_hostname(true);
        let sni = self.host.parse::<std::net::IpAddr>().is_err();
        config.set_use_server_name_indication(sni);
        match config.connect(&self.host, stream) {
            Ok(stream) => Ok(Ended::Done(stream)),
            Err(HandshakeError::Failure(mid)) | Err(HandshakeError::WouldBlock(mid)) => {
                let error = mid.error();
                let timed_out = error.io_error().is_some_and(|io| {
                    matches!(
                        io.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    )
                });
                if timed_out {
                    Ok(Ended::Failed(format!(
                        "pas de réponse en {} s",
                        self.timeout.as_secs()
                    )))
                } else {
                    Ok(Ended::Refused(refusal(error)))
                }
            }
            Err(HandshakeError::SetupFailure(stack)) => Err(built(stack)),
        }
    }
}

/// The candidate's refusal in OpenSSL's words (its alert, or the closed
/// connection).
fn refusal(error: &openssl::ssl::Error) -> String {
    if let Some(stack) = error.ssl_error() {
        let reasons: Vec<&str> = stack.errors().iter().filter_map(|e| e.reason()).collect();
        if !reasons.is_empty() {
            return reasons.join(", ");
        }
    }
    match error.io_error() {
        Some(io) => format!("connexion fermée ({io})"),
        None => "connexion fermée pendant la poignée de main".to_owned(),
    }
}

/// The facts of a completed handshake.
fn handshake(stream: &openssl::ssl::SslStream<TcpStream>) -> Handshake {
    let ssl = stream.ssl();
    let verified = ssl.verify_result();
    Handshake {
        version: ssl.version_str().to_owned(),
        suite: ssl
            .current_cipher()
            .map_or_else(String::new, |c| c.name().to_owned()),
        verify_error: (verified != openssl::x509::X509VerifyResult::OK)
            .then(|| verified.error_string().to_owned()),
        leaf: ssl.peer_certificate().map(|c| certificate(&c)),
    }
}

fn certificate(certificate: &X509) -> Certificate {
    let subject = certificate
        .subject_name()
        .entries()
        .map(|entry| {
            let value = entry.data().to_string().unwrap_or_else(|_| "?".to_owned());
            let name = entry.object().nid().short_name().unwrap_or("?");
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let names = certificate
        .subject_alt_names()
        .map(|names| {
            names
                .iter()
                .filter_map(|name| {
                    name.dnsname().map(str::to_owned).or_else(|| {
                        name.ipaddress().and_then(|bytes| match bytes.len() {
                            4 => <[u8; 4]>::try_from(bytes)
                                .ok()
                                .map(|b| std::net::IpAddr::from(b).to_string()),
                            16 => <[u8; 16]>::try_from(bytes)
                                .ok()
                                .map(|b| std::net::IpAddr::from(b).to_string()),
                            _ => None,
                        })
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (key, bits) = match certificate.public_key() {
        Ok(key) => {
            let id = key.id();
            let name = match id {
                Id::RSA => "RSA".to_owned(),
                Id::RSA_PSS => "RSA-PSS".to_owned(),
                Id::DSA => "DSA".to_owned(),
                Id::EC => "EC".to_owned(),
                Id::ED25519 => "Ed25519".to_owned(),
                Id::ED448 => "Ed448".to_owned(),
                other => Nid::from_raw(other.as_raw())
                    .short_name()
                    .unwrap_or("inconnue")
                    .to_owned(),
            };
            (name, key.bits())
        }
        Err(_) => ("illisible".to_owned(), 0),
    };
    Certificate {
        subject,
        names,
        not_after: asn1_to_utc(certificate.not_after()),
        key,
        bits,
    }
}

/// An ASN.1 time as a date, if OpenSSL can read it.
fn asn1_to_utc(time: &openssl::asn1::Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(time).ok()?;
    DateTime::from_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs), 0)
}
