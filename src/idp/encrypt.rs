//! XML Encryption of an assertion for the candidate's SP, as a Shibboleth
//! IdP sends it: a fresh AES key per assertion, transported with RSA-OAEP
//! in an `EncryptedKey` placed inline in the `EncryptedData`'s `KeyInfo`
//! (the only place the public ENT code looks for it), the whole inside a
//! `saml:EncryptedAssertion` (SAML core §2.3.4, XML Encryption 1.1 §3).
//!
//! Written with openssl directly: samael only decrypts, and libxmlsec1's
//! encryption templates would add a C context for four primitive calls.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::rsa::Padding;
use openssl::symm::Cipher;

use super::IdpError;
use super::sp::{DataCipher, Digest, Encryption, KeyTransport};
use crate::text::escape_xml;

const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";

/// `assertion` (a whole `saml:Assertion` element, declaring its own
/// namespaces) encrypted for `to`, as a `saml:EncryptedAssertion` element.
/// `recipient` (the SP's entity id) goes on the `EncryptedKey`.
pub(crate) fn encrypt_assertion(
    assertion: &str,
    to: &Encryption,
    recipient: &str,
) -> Result<String, IdpError> {
    let (cipher, iv_len) = match to.cipher {
        DataCipher::Aes128Gcm => (Cipher::aes_128_gcm(), 12),
        DataCipher::Aes256Gcm => (Cipher::aes_256_gcm(), 12),
        DataCipher::Aes128Cbc => (Cipher::aes_128_cbc(), 16),
        DataCipher::Aes256Cbc => (Cipher::aes_256_cbc(), 16),
    };
    let mut key = vec![0u8; cipher.key_len()];
    let mut iv = vec![0u8; iv_len];
    openssl::rand::rand_bytes(&mut key).map_err(crypto)?;
    openssl::rand::rand_bytes(&mut iv).map_err(crypto)?;
    // The cipher value is IV ‖ ciphertext (‖ tag for GCM), XML Encryption
    // 1.1 §5.2.2 and §5.2.4. CBC padding: openssl's PKCS#7 bytes are one of
    // the paddings §5.2 allows (the last byte gives the length).
    let mut value = iv.clone();
    match to.cipher {
        DataCipher::Aes128Gcm | DataCipher::Aes256Gcm => {
            let mut tag = [0u8; 16];
            let sealed = openssl::symm::encrypt_aead(
                cipher,
                &key,
                Some(&iv),
                &[],
                assertion.as_bytes(),
                &mut tag,
            )
            .map_err(crypto)?;
            value.extend_from_slice(&sealed);
            value.extend_from_slice(&tag);
        }
        DataCipher::Aes128Cbc | DataCipher::Aes256Cbc => {
            let sealed = openssl::symm::encrypt(cipher, &key, Some(&iv), assertion.as_bytes())
                .map_err(crypto)?;
            value.extend_from_slice(&sealed);
        }
    }
    let wrapped = wrap_key(&key, to)?;
    let transport_details = match to.key_transport {
        KeyTransport::RsaOaepMgf1p { digest } => {
            format!(r#"<ds:DigestMethod Algorithm="{}"/>"#, digest.uri())
        }
        KeyTransport::RsaOaep { digest, mgf } => format!(
            r#"<ds:DigestMethod Algorithm="{}"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="{}"/>"#,
            digest.uri(),
            mgf.mgf_uri()
        ),
    };
    let certificate = to.certificate.to_der().map_err(crypto)?;
    Ok(format!(
        r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="{XENC}" Id="_d{data_id}" Type="{XENC}Element"><xenc:EncryptionMethod Algorithm="{cipher}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey Id="_k{key_id}" Recipient="{recipient}"><xenc:EncryptionMethod Algorithm="{transport}">{transport_details}</xenc:EncryptionMethod><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{wrapped}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{value}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
        data_id = super::saml::hex_id(),
        key_id = super::saml::hex_id(),
        cipher = to.cipher.uri(),
        recipient = escape_xml(recipient),
        transport = to.key_transport.uri(),
        certificate = STANDARD.encode(certificate),
        wrapped = STANDARD.encode(wrapped),
        value = STANDARD.encode(value),
    ))
}

fn wrap_key(key: &[u8], to: &Encryption) -> Result<Vec<u8>, IdpError> {
    let public = to.certificate.public_key().map_err(crypto)?;
    let (digest, mgf) = match to.key_transport {
        KeyTransport::RsaOaepMgf1p { digest } => (digest, Digest::Sha1),
        KeyTransport::RsaOaep { digest, mgf } => (digest, mgf),
    };
    let md = |d: Digest| match d {
        Digest::Sha1 => MessageDigest::sha1(),
        Digest::Sha256 => MessageDigest::sha256(),
    };
    let mut encrypter = Encrypter::new(&public).map_err(crypto)?;
    encrypter
        .set_rsa_padding(Padding::PKCS1_OAEP)
        .map_err(crypto)?;
    encrypter.set_rsa_oaep_md(md(digest)).map_err(crypto)?;
    encrypter.set_rsa_mgf1_md(md(mgf)).map_err(crypto)?;
    let mut out = vec![0u8; encrypter.encrypt_len(key).map_err(crypto)?];
    let written = encrypter.encrypt(key, &mut out).map_err(crypto)?;
    out.truncate(written);
    Ok(out)
}

fn crypto(error: openssl::error::ErrorStack) -> IdpError {
    IdpError::Crypto(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::SystemClock;
    use crate::idp::SigningKey;
    use samael::crypto::{Crypto, CryptoProvider};

    const ASSERTION: &str = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2026-12-05T00:00:00Z"><saml:Issuer>https://idp.test</saml:Issuer></saml:Assertion>"#;

    /// Decrypts with samael, the SP library of the reference ENT: an
    /// independent reader of the cipher values.
    fn decrypt(encrypted: &str, key: &SigningKey) -> String {
        let document = roxmltree::Document::parse(encrypted).expect("xml");
        let values: Vec<String> = document
            .descendants()
            .filter(|n| n.has_tag_name((XENC, "CipherValue")))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        let methods: Vec<String> = document
            .descendants()
            .filter(|n| n.has_tag_name((XENC, "EncryptionMethod")))
            .filter_map(|n| n.attribute("Algorithm").map(str::to_owned))
            .collect();
        let private =
            openssl::pkey::PKey::private_key_from_pkcs8(&key.private_pkcs8_der().expect("der"))
                .expect("key");
        let cipher_value = |text: &str| samael::schema::CipherValue {
            value: text.to_owned(),
        };
        let aes =
            Crypto::decrypt_assertion_key_info(&cipher_value(&values[0]), &methods[1], &private)
                .expect("key transport");
        let plain =
            Crypto::decrypt_assertion_value_info(&cipher_value(&values[1]), &methods[0], &aes)
                .expect("data");
        String::from_utf8_lossy(&plain).into_owned()
    }

    #[test]
    fn samael_decrypts_gcm_and_cbc_with_the_sp_key() {
        let key = SigningKey::generate("sp", &SystemClock::new()).expect("key");
        for cipher in [DataCipher::Aes128Gcm, DataCipher::Aes128Cbc] {
            let to = Encryption {
                certificate: openssl::x509::X509::from_der(&key.cert_der).expect("cert"),
                key_transport: KeyTransport::DEFAULT,
                cipher,
            };
            let encrypted =
                encrypt_assertion(ASSERTION, &to, "https://ent.test/sp").expect("encrypt");
            assert!(!encrypted.contains("https://idp.test"), "{encrypted}");
            assert!(encrypted.contains(r#"Recipient="https://ent.test/sp""#));
            let plain = decrypt(&encrypted, &key);
            // CBC leaves its padding to the reader (samael keeps it).
            assert!(plain.starts_with(ASSERTION), "{cipher:?}: {plain}");
        }
    }

    #[test]
    fn another_key_cannot_decrypt() {
        let key = SigningKey::generate("sp", &SystemClock::new()).expect("key");
        let other = SigningKey::generate("autre", &SystemClock::new()).expect("key");
        let to = Encryption {
            certificate: openssl::x509::X509::from_der(&key.cert_der).expect("cert"),
            key_transport: KeyTransport::DEFAULT,
            cipher: DataCipher::Aes128Gcm,
        };
        let encrypted = encrypt_assertion(ASSERTION, &to, "sp").expect("encrypt");
        assert!(decrypt(&encrypted, &key).starts_with(ASSERTION));
        let result = std::panic::catch_unwind(|| decrypt(&encrypted, &other));
        assert!(result.is_err(), "another key decrypted the assertion");
    }

    #[test]
    fn oaep_with_sha256_and_mgf1_sha256_unwraps_with_those_digests_only() {
        let key = SigningKey::generate("sp", &SystemClock::new()).expect("key");
        let to = Encryption {
            certificate: openssl::x509::X509::from_der(&key.cert_der).expect("cert"),
            key_transport: KeyTransport::RsaOaep {
                digest: Digest::Sha256,
                mgf: Digest::Sha256,
            },
            cipher: DataCipher::Aes256Gcm,
        };
        let secret = [7u8; 32];
        let wrapped = wrap_key(&secret, &to).expect("wrap");
        let private =
            openssl::pkey::PKey::private_key_from_pkcs8(&key.private_pkcs8_der().expect("der"))
                .expect("key");
        let unwrap = |md: MessageDigest| {
            let mut decrypter = openssl::encrypt::Decrypter::new(&private).expect("decrypter");
            decrypter
                .set_rsa_padding(Padding::PKCS1_OAEP)
                .expect("padding");
            decrypter.set_rsa_oaep_md(md).expect("md");
            decrypter.set_rsa_mgf1_md(md).expect("mgf");
            let mut out = vec![0u8; decrypter.decrypt_len(&wrapped).expect("len")];
            decrypter
                .decrypt(&wrapped, &mut out)
                .map(|n| out[..n].to_vec())
        };
        assert_eq!(unwrap(MessageDigest::sha256()).expect("sha-256"), secret);
        assert!(unwrap(MessageDigest::sha1()).is_err());
    }
}
