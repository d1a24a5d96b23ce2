//! The signing keys of the national services the harness plays: an RSA key
//! and its self-signed certificate (ID tokens, SAML assertions), generated
//! per run or kept in a folder for a staging ENT that registered them.
//!
//! Private keys never leave this module as text except to the signing
//! libraries; `Debug` shows only the key id.

use std::fmt;
use std::fs;
use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use sha2::{Digest, Sha256};

use super::IdpError;
use crate::evidence::Clock;

const KEY_FILE: &str = "test-only-idp-key.pem";
const CERT_FILE: &str = "test-only-idp-cert.pem";
const TLS_KEY_FILE: &str = "test-only-tls-key.pem";
const TLS_CERT_FILE: &str = "test-only-tls-cert.pem";
const CA_KEY_FILE: &str = "test-only-idp-ca-key.pem";
/// The test CA's certificate, the one file a candidate installs to trust
/// the IdPs' TLS.
pub const CA_CERT_FILE: &str = "test-only-idp-ca.pem";

/// An RSA signing key with its certificate.
#[derive(Clone)]
pub struct SigningKey {
    /// Key id published in the JWKS (`kid`): start of the certificate's SHA-256.
    pub kid: String,
    key: PKey<Private>,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh 2048-bit RSA key and a one-year self-signed certificate
    /// naming `common_name`, dated by `clock` (the clock of the service
    /// the key belongs to: the candidate checks the dates against its own).
    pub fn generate(common_name: &str, clock: &dyn Clock) -> Result<Self, IdpError> {
        Self::generate_for(common_name, Usage::Signing, clock)
    }

    /// The IdPs' test CA, a one-year self-signed certificate authority that
    /// issues their TLS certificates, which the candidate trusts instead of
    /// each certificate: kept in `dir` when given (`test-only-idp-ca*.pem`,
    /// created there the first time), fresh otherwise.
    pub fn idp_authority(dir: Option<&Path>, clock: &dyn Clock) -> Result<Self, IdpError> {
        const NAME: &str = "entconf — AC de test des fournisseurs d'identité";
        let generate = || Self::test_authority(NAME, clock);
        match dir {
            Some(dir) => Self::kept(dir, (CA_KEY_FILE, CA_CERT_FILE), clock, generate),
            None => generate(),
        }
    }

    /// A fresh one-year self-signed certificate authority named
    /// `common_name`, that issues test TLS certificates
    /// ([`Self::issue_tls_server`]).
    pub fn test_authority(common_name: &str, clock: &dyn Clock) -> Result<Self, IdpError> {
        Self::generate_for(common_name, Usage::Authority, clock)
    }

    /// A fresh key and a TLS server certificate for `hosts`, issued by this
    /// key as certificate authority (see [`Self::idp_authority`]), valid as
    /// long as the authority is.
    pub fn issue_tls_server(
        &self,
        common_name: &str,
        hosts: &[String],
        clock: &dyn Clock,
    ) -> Result<Self, IdpError> {
        let rsa = Rsa::generate(2048).map_err(crypto)?;
        let key = PKey::from_rsa(rsa).map_err(crypto)?;
        let authority = X509::from_der(&self.cert_der).map_err(crypto)?;
        let cert = certificate(
            &key,
            common_name,
            Usage::Tls(TlsRole::Server, hosts),
            Some((&authority, &self.key)),
            clock.now().timestamp(),
        )?;
        Self::from_parts(key, &cert)
    }

    /// A fresh key and a one-year self-signed TLS certificate: for a
    /// server, valid for `hosts` (IP addresses or DNS names); for a client,
    /// `hosts` is empty.
    pub fn generate_tls(
        common_name: &str,
        tls: TlsRole,
        hosts: &[String],
        clock: &dyn Clock,
    ) -> Result<Self, IdpError> {
        Self::generate_for(common_name, Usage::Tls(tls, hosts), clock)
    }

    fn generate_for(common_name: &str, usage: Usage, clock: &dyn Clock) -> Result<Self, IdpError> {
        let rsa = Rsa::generate(2048).map_err(crypto)?;
        let key = PKey::from_rsa(rsa).map_err(crypto)?;
        let cert = certificate(&key, common_name, usage, None, clock.now().timestamp())?;
        Self::from_parts(key, &cert)
    }

    /// Reads the key and certificate kept in `dir`, creating them first if
    /// the folder holds none (the files are marked test-only by name).
    pub fn load_or_create(
        dir: &Path,
        common_name: &str,
        clock: &dyn Clock,
    ) -> Result<Self, IdpError> {
        Self::kept(dir, (KEY_FILE, CERT_FILE), clock, || {
            Self::generate(common_name, clock)
        })
    }

    /// As [`Self::load_or_create`], for the TLS certificate of a server
    /// (files `test-only-tls-*.pem`).
    pub fn load_or_create_tls(
        dir: &Path,
        common_name: &str,
        hosts: &[String],
        clock: &dyn Clock,
    ) -> Result<Self, IdpError> {
        Self::kept(dir, (TLS_KEY_FILE, TLS_CERT_FILE), clock, || {
            Self::generate_tls(common_name, TlsRole::Server, hosts, clock)
        })
    }

    fn kept(
        dir: &Path,
        (key_file, cert_file): (&str, &str),
        clock: &dyn Clock,
        generate: impl FnOnce() -> Result<Self, IdpError>,
    ) -> Result<Self, IdpError> {
        let key_path = dir.join(key_file);
        let cert_path = dir.join(cert_file);
        if !key_path.exists() {
            let fresh = generate()?;
            fs::create_dir_all(dir).map_err(|error| io(dir, &error))?;
            let pem = fresh.key.private_key_to_pem_pkcs8().map_err(crypto)?;
            write_private(&key_path, &pem)?;
            fs::write(&cert_path, fresh.cert_pem()).map_err(|error| io(&cert_path, &error))?;
            return Ok(fresh);
        }
        let pem = fs::read(&key_path).map_err(|error| io(&key_path, &error))?;
        let key = PKey::private_key_from_pem(&pem).map_err(|error| IdpError::Key {
            path: key_path.display().to_string(),
            reason: error.to_string(),
        })?;
        let cert_pem = fs::read(&cert_path).map_err(|error| io(&cert_path, &error))?;
        let cert = X509::from_pem(&cert_pem).map_err(|error| IdpError::Key {
            path: cert_path.display().to_string(),
            reason: error.to_string(),
        })?;
        let in_a_week = Asn1Time::from_unix(clock.now().timestamp() + 7 * DAY).map_err(crypto)?;
        if cert.not_after() < in_a_week {
            return Err(IdpError::Key {
                path: cert_path.display().to_string(),
                reason: format!(
                    "certificat expiré ou proche de l'être ({}) : supprimez le dossier pour en \
                     créer un neuf, puis faites-le reconnaître par le candidat",
                    cert.not_after()
                ),
            });
        }
        Self::from_parts(key, &cert)
    }

    fn from_parts(key: PKey<Private>, cert: &X509) -> Result<Self, IdpError> {
        let cert_der = cert.to_der().map_err(crypto)?;
        let digest = Sha256::digest(&cert_der);
        let kid = digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Ok(Self { kid, key, cert_der })
    }

    /// The private key as PKCS#1 PEM, the form `openidconnect` signs with.
    pub(crate) fn pkcs1_pem(&self) -> Result<String, IdpError> {
        let rsa = self.key.rsa().map_err(crypto)?;
        let pem = rsa.private_key_to_pem().map_err(crypto)?;
        String::from_utf8(pem).map_err(|_| IdpError::Crypto("PEM non UTF-8".to_owned()))
    }

    /// The private key as PKCS#8 DER, the form TLS libraries take.
    pub fn private_pkcs8_der(&self) -> Result<Vec<u8>, IdpError> {
        self.key.private_key_to_pkcs8().map_err(crypto)
    }

    /// The private key as PKCS#8 PEM (a TLS client's identity).
    pub fn private_pkcs8_pem(&self) -> Result<String, IdpError> {
        let pem = self.key.private_key_to_pem_pkcs8().map_err(crypto)?;
        String::from_utf8(pem).map_err(|_| IdpError::Crypto("PEM non UTF-8".to_owned()))
    }

    /// The private key as DER, the form libxmlsec1 signs with.
    pub(crate) fn private_der(&self) -> Result<Vec<u8>, IdpError> {
        self.key.private_key_to_der().map_err(crypto)
    }

    /// The certificate as base64 DER, as written in `<ds:X509Certificate>`.
    pub fn cert_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.cert_der)
    }

    /// The certificate as PEM.
    pub fn cert_pem(&self) -> String {
        let body = self.cert_base64();
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// The public key as SubjectPublicKeyInfo PEM (« BEGIN PUBLIC KEY »):
    /// the text an algorithm-confusion attacker uses as an HMAC secret.
    pub(crate) fn public_pem(&self) -> Result<String, IdpError> {
        let pem = self.key.public_key_to_pem().map_err(crypto)?;
        String::from_utf8(pem).map_err(|_| IdpError::Crypto("PEM non UTF-8".to_owned()))
    }

    /// An RSASSA-PKCS1-v1_5 SHA-256 signature of `data` (JWS `RS256`).
    pub(crate) fn sign_rs256(&self, data: &[u8]) -> Result<Vec<u8>, IdpError> {
        let mut signer =
            openssl::sign::Signer::new(MessageDigest::sha256(), &self.key).map_err(crypto)?;
        signer.sign_oneshot_to_vec(data).map_err(crypto)
    }

    /// RSA modulus and public exponent, big-endian, for the JWKS.
    pub(crate) fn public_numbers(&self) -> Result<(Vec<u8>, Vec<u8>), IdpError> {
        let rsa = self.key.rsa().map_err(crypto)?;
        Ok((rsa.n().to_vec(), rsa.e().to_vec()))
    }
}

/// What a TLS certificate is for (its extended key usage).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsRole {
    /// A server (`serverAuth`), named by its hosts.
    Server,
    /// A client presenting itself (`clientAuth`), as an ENT to the GAR.
    Client,
}

/// The names a harness server's TLS certificate carries: the address it
/// listens on, and the host of the URL the candidate reaches it at.
pub(crate) fn server_names(listen: std::net::IpAddr, public_url: &reqwest::Url) -> Vec<String> {
    let mut hosts = vec![listen.to_string()];
    if let Some(host) = public_url.host_str() {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// Seconds in a day, for certificate dates.
const DAY: i64 = 86_400;

/// What a certificate is for.
#[derive(Clone, Copy)]
enum Usage<'a> {
    /// Signing tokens and assertions (no extension: as EduConnect's).
    Signing,
    /// A TLS end entity: its role, and for a server its hosts.
    Tls(TlsRole, &'a [String]),
    /// A certificate authority that issues TLS certificates.
    Authority,
}

/// A certificate for `key`, issued at `now` (Unix seconds) by `issuer`
/// (its certificate and key), or self-signed.
fn certificate(
    key: &PKey<Private>,
    common_name: &str,
    usage: Usage,
    issuer: Option<(&X509, &PKey<Private>)>,
    now: i64,
) -> Result<X509, IdpError> {
    use openssl::x509::extension::{
        AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage,
        SubjectAlternativeName, SubjectKeyIdentifier,
    };
    let mut name = X509NameBuilder::new().map_err(crypto)?;
    name.append_entry_by_text("CN", common_name)
        .map_err(crypto)?;
    name.append_entry_by_text("O", "entconf (test uniquement)")
        .map_err(crypto)?;
    let name = name.build();
    let mut builder = X509::builder().map_err(crypto)?;
    builder.set_version(2).map_err(crypto)?;
    let mut serial = BigNum::new().map_err(crypto)?;
    serial
        .rand(64, MsbOption::MAYBE_ZERO, false)
        .map_err(crypto)?;
    let serial = serial.to_asn1_integer().map_err(crypto)?;
    builder.set_serial_number(&serial).map_err(crypto)?;
    builder.set_subject_name(&name).map_err(crypto)?;
    match issuer {
        Some((authority, _)) => builder.set_issuer_name(authority.subject_name()),
        None => builder.set_issuer_name(&name),
    }
    .map_err(crypto)?;
    builder.set_pubkey(key).map_err(crypto)?;
    // A day early: a peer whose clock is a little behind must not see a
    // certificate "not yet valid".
    let not_before = Asn1Time::from_unix(now - DAY).map_err(crypto)?;
    let mine = Asn1Time::from_unix(now + 365 * DAY).map_err(crypto)?;
    builder.set_not_before(&not_before).map_err(crypto)?;
    match issuer {
        // Never beyond the authority's own end.
        Some((authority, _)) if authority.not_after() < mine => {
            builder.set_not_after(authority.not_after())
        }
        _ => builder.set_not_after(&mine),
    }
    .map_err(crypto)?;
    match usage {
        Usage::Signing => {}
        Usage::Tls(role, hosts) => {
            let mut extended = ExtendedKeyUsage::new();
            match role {
                TlsRole::Server => extended.server_auth(),
                TlsRole::Client => extended.client_auth(),
            };
            builder
                .append_extension(extended.build().map_err(crypto)?)
                .map_err(crypto)?;
            // Not a CA: a self-signed one is trusted as itself, as webpki
            // allows for an end entity; one the test CA issued, through it.
            builder
                .append_extension(BasicConstraints::new().build().map_err(crypto)?)
                .map_err(crypto)?;
            if !hosts.is_empty() {
                let mut names = SubjectAlternativeName::new();
                for host in hosts {
                    if host.parse::<std::net::IpAddr>().is_ok() {
                        names.ip(host);
                    } else {
                        names.dns(host);
                    }
                }
                let context = builder.x509v3_context(issuer.map(|(cert, _)| &**cert), None);
                let names = names.build(&context).map_err(crypto)?;
                builder.append_extension(names).map_err(crypto)?;
            }
        }
        Usage::Authority => {
            // Python's ssl in strict mode (3.13) wants all of these on a CA.
            builder
                .append_extension(
                    BasicConstraints::new()
                        .critical()
                        .ca()
                        .pathlen(0)
                        .build()
                        .map_err(crypto)?,
                )
                .map_err(crypto)?;
            builder
                .append_extension(
                    KeyUsage::new()
                        .critical()
                        .key_cert_sign()
                        .crl_sign()
                        .build()
                        .map_err(crypto)?,
                )
                .map_err(crypto)?;
        }
    }
    let context = builder.x509v3_context(issuer.map(|(cert, _)| &**cert), None);
    let subject_key = SubjectKeyIdentifier::new()
        .build(&context)
        .map_err(crypto)?;
    builder.append_extension(subject_key).map_err(crypto)?;
    if let Some((authority, _)) = issuer {
        let context = builder.x509v3_context(Some(authority), None);
        let authority_key = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&context)
            .map_err(crypto)?;
        builder.append_extension(authority_key).map_err(crypto)?;
    }
    let signer = issuer.map_or(key, |(_, authority_key)| authority_key);
    builder
        .sign(signer, MessageDigest::sha256())
        .map_err(crypto)?;
    Ok(builder.build())
}

fn write_private(path: &Path, pem: &[u8]) -> Result<(), IdpError> {
    use std::io::Write as _;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| io(path, &error))?;
    file.write_all(pem).map_err(|error| io(path, &error))
}

/// The HMAC of `data` under `secret` with `digest` (JWS `HS256`; XML
/// `hmac-sha1`): the forgeries keyed with public material.
pub(crate) fn hmac(digest: MessageDigest, secret: &[u8], data: &[u8]) -> Result<Vec<u8>, IdpError> {
    let key = PKey::hmac(secret).map_err(crypto)?;
    let mut signer = openssl::sign::Signer::new(digest, &key).map_err(crypto)?;
    signer.sign_oneshot_to_vec(data).map_err(crypto)
}

fn crypto(error: openssl::error::ErrorStack) -> IdpError {
    IdpError::Crypto(error.to_string())
}

fn io(path: &Path, error: &std::io::Error) -> IdpError {
    IdpError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}
