//! What the IdPs know of the candidate's SAML service provider, read from its
//! metadata as a Shibboleth IdP reads a registered SP: its entity id, its
//! assertion consumer services, the certificate to encrypt for and the
//! algorithms it asks for, and whether it signs its requests and wants
//! signed assertions.
//!
//! Only the `SPSSODescriptor` is read. An encryption algorithm the SP asks
//! for and EduConnect does not offer is a load error, not a silent fallback:
//! the SP would fail to decrypt and the run would judge the wrong thing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openssl::x509::X509;

/// SAML 2.0 metadata namespace.
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML Signature namespace (`KeyInfo`, `DigestMethod`).
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML Encryption 1.1 namespace (`MGF`).
const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// A problem of the SP's metadata, with the line it sits on.
#[derive(Debug, thiserror::Error)]
#[error("métadonnées SAML du fournisseur de service, ligne {line} : {reason}")]
pub struct SpMetadataError {
    /// 1-based line of the element at fault (1 when the document is unreadable).
    pub line: u32,
    /// What is wrong and what was expected.
    pub reason: String,
}

/// The symmetric cipher of `EncryptedData` (XML Encryption 1.1 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataCipher {
    /// AES-128 in GCM mode, the Shibboleth IdP's default since version 4.
    Aes128Gcm,
    /// AES-256 in GCM mode.
    Aes256Gcm,
    /// AES-128 in CBC mode (legacy; open to padding-oracle attacks).
    Aes128Cbc,
    /// AES-256 in CBC mode (legacy).
    Aes256Cbc,
}

impl DataCipher {
    const ALL: [Self; 4] = [
        Self::Aes128Gcm,
        Self::Aes256Gcm,
        Self::Aes128Cbc,
        Self::Aes256Cbc,
    ];

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Self::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            Self::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Self::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        }
    }

    fn parse(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.uri() == uri)
    }
}

/// A hash function named by an XML Signature or Encryption URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl Digest {
    /// The `DigestMethod` URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
        }
    }

    /// The `MGF` URI of XML Encryption 1.1.
    pub fn mgf_uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2009/xmlenc11#mgf1sha1",
            Self::Sha256 => "http://www.w3.org/2009/xmlenc11#mgf1sha256",
        }
    }

    fn parse(uri: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256]
            .into_iter()
            .find(|d| d.uri() == uri)
    }

    fn parse_mgf(uri: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256]
            .into_iter()
            .find(|d| d.mgf_uri() == uri)
    }
}

/// RSA-OAEP key transport of the `EncryptedKey` (XML Encryption 1.1 §5.5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyTransport {
    /// `xmlenc#rsa-oaep-mgf1p`: MGF1 with SHA-1, digest as given.
    RsaOaepMgf1p {
        /// The OAEP digest (SHA-1 unless the SP names another).
        digest: Digest,
    },
    /// `xmlenc11#rsa-oaep`: digest and mask generation as given.
    RsaOaep {
        /// The OAEP digest.
        digest: Digest,
        /// The MGF1 digest.
        mgf: Digest,
    },
}

impl KeyTransport {
    /// The default, as a Shibboleth IdP sends it.
    pub const DEFAULT: Self = Self::RsaOaepMgf1p {
        digest: Digest::Sha1,
    };

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p { .. } => "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
            Self::RsaOaep { .. } => "http://www.w3.org/2009/xmlenc11#rsa-oaep",
        }
    }
}

/// Where and how assertions are encrypted for the SP.
#[derive(Clone, Debug)]
pub struct Encryption {
    /// The SP's encryption certificate.
    pub certificate: X509,
    /// Key transport.
    pub key_transport: KeyTransport,
    /// Data cipher.
    pub cipher: DataCipher,
}

/// An assertion consumer service of the SP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerService {
    /// Binding URI.
    pub binding: String,
    /// URL.
    pub location: String,
    /// `index`.
    pub index: Option<u32>,
    /// `isDefault="true"`.
    pub is_default: bool,
}

/// HTTP-POST binding URI, the only one the IdPs answer on.
pub(crate) const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
pub(crate) const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// The SP as its metadata describes it.
#[derive(Clone, Debug)]
pub struct SpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// Assertion consumer services, in document order.
    pub consumers: Vec<ConsumerService>,
    /// Encryption key and algorithms, if the SP publishes a key.
    pub encryption: Option<Encryption>,
    /// `WantAssertionsSigned`.
    pub want_assertions_signed: bool,
    /// `AuthnRequestsSigned`.
    pub authn_requests_signed: bool,
    /// Where EduConnect sends a logout it starts (SAML profiles §4.4): the
    /// first `SingleLogoutService` at HTTP-Redirect, else at HTTP-POST.
    pub logout_service: Option<LogoutService>,
}

/// A `SingleLogoutService` of the SP's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutService {
    /// Binding URI (HTTP-Redirect or HTTP-POST).
    pub binding: String,
    /// Where.
    pub location: String,
}

impl SpMetadata {
    /// Reads SP metadata (an `EntityDescriptor`, or the first one of an
    /// `EntitiesDescriptor` that has an `SPSSODescriptor`).
    pub fn parse(xml: &str) -> Result<Self, SpMetadataError> {
        let document = roxmltree::Document::parse(xml).map_err(|error| SpMetadataError {
            line: error.pos().row,
            reason: format!("XML illisible : {error}"),
        })?;
        let line = |node: roxmltree::Node<'_, '_>| document.text_pos_at(node.range().start).row;
        let at = |node: roxmltree::Node<'_, '_>, reason: String| SpMetadataError {
            line: line(node),
            reason,
        };
        let descriptor = document
            .descendants()
            .find(|n| is(n, MD, "SPSSODescriptor"))
            .ok_or_else(|| {
                at(
                    document.root_element(),
                    "aucun SPSSODescriptor (attendu : les métadonnées d'un fournisseur de service SAML 2.0)".to_owned(),
                )
            })?;
        let entity = descriptor
            .ancestors()
            .find(|n| is(n, MD, "EntityDescriptor"))
            .ok_or_else(|| {
                at(
                    descriptor,
                    "SPSSODescriptor hors d'un EntityDescriptor".to_owned(),
                )
            })?;
        let entity_id = entity
            .attribute("entityID")
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| at(entity, "EntityDescriptor sans entityID".to_owned()))?
            .to_owned();
        let mut consumers = Vec::new();
        for node in descriptor
            .children()
            .filter(|n| is(n, MD, "AssertionConsumerService"))
        {
            let (Some(binding), Some(location)) =
                (node.attribute("Binding"), node.attribute("Location"))
            else {
                return Err(at(
                    node,
                    "AssertionConsumerService sans Binding ou sans Location".to_owned(),
                ));
            };
            let index = match node.attribute("index") {
                Some(text) => Some(text.parse::<u32>().map_err(|_| {
                    at(
                        node,
                        format!("index « {text} » n'est pas un entier positif"),
                    )
                })?),
                None => None,
            };
            consumers.push(ConsumerService {
                binding: binding.to_owned(),
                location: location.to_owned(),
                index,
                is_default: node.attribute("isDefault") == Some("true"),
            });
        }
        if !consumers.iter().any(|c| c.binding == HTTP_POST) {
            return Err(at(
                descriptor,
                format!(
                    "aucun AssertionConsumerService au binding {HTTP_POST}, le seul par lequel ÉduConnect répond"
                ),
            ));
        }
        let mut encryption = None;
        // The first key usable for encryption is the one EduConnect uses.
        if let Some(key) = descriptor
            .children()
            .filter(|n| is(n, MD, "KeyDescriptor"))
            .find(|n| n.attribute("use").is_none_or(|u| u == "encryption"))
        {
            let certificate = certificate(key).map_err(|reason| at(key, reason))?;
            let methods: Vec<_> = key
                .children()
                .filter(|n| is(n, MD, "EncryptionMethod"))
                .collect();
            let (key_transport, cipher) =
                algorithms(&methods).map_err(|(node, reason)| at(node.unwrap_or(key), reason))?;
            encryption = Some(Encryption {
                certificate,
                key_transport,
                cipher,
            });
        }
        let flag = |name: &str| descriptor.attribute(name) == Some("true");
        let logout_at = |binding: &str| {
            descriptor
                .children()
                .filter(|n| is(n, MD, "SingleLogoutService"))
                .find(|n| n.attribute("Binding") == Some(binding))
                .and_then(|n| n.attribute("Location"))
                .map(|location| LogoutService {
                    binding: binding.to_owned(),
                    location: location.to_owned(),
                })
        };
        let logout_service = logout_at(HTTP_REDIRECT).or_else(|| logout_at(HTTP_POST));
        Ok(Self {
            entity_id,
            consumers,
            encryption,
            logout_service,
            want_assertions_signed: flag("WantAssertionsSigned"),
            authn_requests_signed: flag("AuthnRequestsSigned"),
        })
    }

    /// The HTTP-POST consumer a request names: by URL (which must be
    /// registered), by index, or the default one (SAML metadata §2.4.4.1).
    pub fn consumer(&self, url: Option<&str>, index: Option<u32>) -> Result<&str, String> {
        let post = || self.consumers.iter().filter(|c| c.binding == HTTP_POST);
        if let Some(url) = url {
            return post()
                .find(|c| c.location == url)
                .map(|c| c.location.as_str())
                .ok_or_else(|| {
                    format!("AssertionConsumerServiceURL « {url} » absente des métadonnées du fournisseur de service")
                });
        }
        if let Some(index) = index {
            return post()
                .find(|c| c.index == Some(index))
                .map(|c| c.location.as_str())
                .ok_or_else(|| {
                    format!("AssertionConsumerServiceIndex {index} absent des métadonnées du fournisseur de service (au binding HTTP-POST)")
                });
        }
        post()
            .find(|c| c.is_default)
            .or_else(|| post().next())
            .map(|c| c.location.as_str())
            .ok_or_else(|| "aucun AssertionConsumerService HTTP-POST".to_owned())
    }
}

fn is(node: &roxmltree::Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(namespace)
}

fn certificate(key: roxmltree::Node<'_, '_>) -> Result<X509, String> {
    let text = key
        .descendants()
        .find(|n| is(n, DS, "X509Certificate"))
        .and_then(|n| n.text())
        .ok_or("KeyDescriptor de chiffrement sans ds:X509Certificate")?;
    let der = STANDARD
        .decode(text.split_whitespace().collect::<String>())
        .map_err(|_| "ds:X509Certificate n'est pas du base64".to_owned())?;
    let certificate = X509::from_der(&der)
        .map_err(|error| format!("certificat de chiffrement illisible : {error}"))?;
    let rsa = certificate
        .public_key()
        .ok()
        .and_then(|key| key.rsa().ok())
        .ok_or("le certificat de chiffrement ne porte pas de clé RSA (attendu : RSA-OAEP)")?;
    if rsa.size() < 256 {
        return Err(format!(
            "clé de chiffrement RSA de {} bits, moins que les 2048 exigés par le RGS (annexe B1)",
            rsa.size() * 8
        ));
    }
    Ok(certificate)
}

type Chosen = (KeyTransport, DataCipher);

/// The first key transport and the first data cipher the SP lists that
/// EduConnect offers; the IdP's defaults for a kind the SP does not list.
fn algorithms<'a, 'input>(
    methods: &[roxmltree::Node<'a, 'input>],
) -> Result<Chosen, (Option<roxmltree::Node<'a, 'input>>, String)> {
    let mut transport = None;
    let mut cipher = None;
    let mut refused_transport = Vec::new();
    let mut refused_cipher = Vec::new();
    for method in methods {
        let Some(uri) = method.attribute("Algorithm") else {
            return Err((Some(*method), "EncryptionMethod sans Algorithm".to_owned()));
        };
        let digest = method
            .children()
            .find(|n| is(n, DS, "DigestMethod"))
            .and_then(|n| n.attribute("Algorithm"));
        let digest = match digest {
            Some(uri) => Some(Digest::parse(uri).ok_or_else(|| {
                (
                    Some(*method),
                    format!("DigestMethod « {uri} » non proposé (attendu : SHA-1 ou SHA-256)"),
                )
            })?),
            None => None,
        };
        if uri == KeyTransport::DEFAULT.uri() {
            transport.get_or_insert(KeyTransport::RsaOaepMgf1p {
                digest: digest.unwrap_or(Digest::Sha1),
            });
        } else if uri == "http://www.w3.org/2009/xmlenc11#rsa-oaep" {
            let mgf = method
                .children()
                .find(|n| is(n, XENC11, "MGF"))
                .and_then(|n| n.attribute("Algorithm"));
            let mgf = match mgf {
                Some(uri) => Digest::parse_mgf(uri).ok_or_else(|| {
                    (
                        Some(*method),
                        format!("MGF « {uri} » non proposé (attendu : mgf1sha1 ou mgf1sha256)"),
                    )
                })?,
                None => Digest::Sha1,
            };
            transport.get_or_insert(KeyTransport::RsaOaep {
                digest: digest.unwrap_or(Digest::Sha1),
                mgf,
            });
        } else if let Some(found) = DataCipher::parse(uri) {
            cipher.get_or_insert(found);
        } else if uri.contains("rsa") {
            refused_transport.push(uri.to_owned());
        } else {
            refused_cipher.push(uri.to_owned());
        }
    }
    let refused = |kind: &str, uris: &[String]| {
        (
            None,
            format!(
                "le fournisseur de service n'accepte que {kind} {} qu'ÉduConnect ne propose pas (proposés : RSA-OAEP, AES-GCM, AES-CBC)",
                uris.join(", ")
            ),
        )
    };
    let transport = match transport {
        Some(found) => found,
        None if refused_transport.is_empty() => KeyTransport::DEFAULT,
        None => return Err(refused("le transport de clé", &refused_transport)),
    };
    let cipher = match cipher {
        Some(found) => found,
        None if refused_cipher.is_empty() => DataCipher::Aes128Gcm,
        None => return Err(refused("le chiffrement", &refused_cipher)),
    };
    Ok((transport, cipher))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::SystemClock;
    use crate::idp::SigningKey;

    fn metadata(key: &str, extra: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://ent.test/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    {key}
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://ent.test/artifact" index="0"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://ent.test/acs" index="1"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://ent.test/acs2" index="2" isDefault="true"/>
    {extra}
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#
        )
    }

    fn key_descriptor(methods: &str) -> String {
        let key = SigningKey::generate("sp", &SystemClock::new()).expect("key");
        format!(
            r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{methods}</md:KeyDescriptor>"#,
            key.cert_base64()
        )
    }

    #[test]
    fn reads_the_logout_service_at_redirect_else_post_never_soap() {
        let soap = r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://ent.test/slo-soap"/>"#;
        let post = r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://ent.test/slo-post"/>"#;
        let redirect = r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://ent.test/slo"/>"#;
        let read = |extra: &str| {
            SpMetadata::parse(&metadata("", extra))
                .expect("metadata")
                .logout_service
                .map(|s| s.location)
        };
        assert_eq!(read(soap), None);
        assert_eq!(
            read(&format!("{soap}{post}")).as_deref(),
            Some("https://ent.test/slo-post")
        );
        assert_eq!(
            read(&format!("{post}{redirect}")).as_deref(),
            Some("https://ent.test/slo")
        );
    }

    #[test]
    fn reads_the_consumers_the_flags_and_the_default_algorithms() {
        let sp = SpMetadata::parse(&metadata(&key_descriptor(""), "")).expect("metadata");
        assert_eq!(sp.entity_id, "https://ent.test/sp");
        assert!(sp.want_assertions_signed);
        assert!(!sp.authn_requests_signed);
        let encryption = sp.encryption.expect("encryption key");
        assert_eq!(encryption.cipher, DataCipher::Aes128Gcm);
        assert_eq!(encryption.key_transport, KeyTransport::DEFAULT);
        assert_eq!(sp.logout_service, None);
        // By URL only if registered, by index at the HTTP-POST binding, else the default.
        assert_eq!(sp.consumers.len(), 3);
        assert_eq!(
            SpMetadata::parse(&metadata("", ""))
                .expect("md")
                .consumer(Some("https://ent.test/acs"), None),
            Ok("https://ent.test/acs")
        );
    }

    #[test]
    fn a_request_picks_a_registered_consumer_only() {
        let sp = SpMetadata::parse(&metadata("", "")).expect("metadata");
        assert!(sp.encryption.is_none());
        assert_eq!(sp.consumer(None, Some(1)), Ok("https://ent.test/acs"));
        assert_eq!(sp.consumer(None, None), Ok("https://ent.test/acs2"));
        let unknown = sp
            .consumer(Some("https://evil.test/acs"), None)
            .expect_err("refused");
        assert!(unknown.contains("evil.test"), "{unknown}");
        // Index 0 is registered, but not at the HTTP-POST binding.
        assert!(sp.consumer(None, Some(0)).is_err());
    }

    #[test]
    fn honours_the_algorithms_the_sp_lists_in_its_order() {
        let methods = r#"<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/><md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></md:EncryptionMethod>"#;
        let sp = SpMetadata::parse(&metadata(&key_descriptor(methods), "")).expect("metadata");
        let encryption = sp.encryption.expect("key");
        assert_eq!(encryption.cipher, DataCipher::Aes256Cbc);
        assert_eq!(
            encryption.key_transport,
            KeyTransport::RsaOaep {
                digest: Digest::Sha256,
                mgf: Digest::Sha256
            }
        );
    }

    #[test]
    fn an_algorithm_educonnect_does_not_offer_is_an_error_with_its_line() {
        let methods =
            r#"<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5"/>"#;
        let error =
            SpMetadata::parse(&metadata(&key_descriptor(methods), "")).expect_err("refused");
        assert!(error.reason.contains("rsa-1_5"), "{error}");
        assert_eq!(error.line, 4, "{error}");
        let error = SpMetadata::parse("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>").expect_err("refused");
        assert!(error.reason.contains("SPSSODescriptor"), "{error}");
        let error = SpMetadata::parse("<oops").expect_err("refused");
        assert_eq!(error.line, 1);
        let bad = metadata(
            "<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
            "",
        );
        let error = SpMetadata::parse(&bad).expect_err("refused");
        assert!(error.reason.contains("certificat"), "{error}");
    }
}
