//! Verifying a signed deletion certificate: a JWS (RFC 7515) in compact
//! serialisation, or detached (App. F), signed with EdDSA over Ed25519
//! (RFC 8037), checked against the keys the candidate publishes as a JWKS
//! (RFC 7517), each key named by its RFC 7638 thumbprint.
//!
//! Everything a hostile certificate could play on is refused with its
//! reason before the signature is even computed: an algorithm other than
//! `EdDSA` (`none`, `HS256`…), critical or unencoded-payload headers,
//! padded or non-canonical base64url, an unknown key, a weak (small-order)
//! key. The signature is verified with `verify_strict`, which also refuses
//! small-order signature points. Only then is the payload handed over.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Largest certificate or key set read.
pub const MAX_JWS: usize = 1 << 20;

/// Why a certificate's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// Over [`MAX_JWS`].
    #[error("certificat de {0} octets : au-delà de la limite de 1 Mio")]
    TooLarge(usize),
    /// Not three dot-separated parts.
    #[error("{0} parties séparées par « . » au lieu de 3 (JWS compact, RFC 7515 §7.1)")]
    Parts(usize),
    /// A part is not canonical unpadded base64url.
    #[error("{part} : base64url invalide ou non canonique ({detail})")]
    Base64 {
        /// Which part.
        part: &'static str,
        /// The decoder's reason.
        detail: String,
    },
    /// The header is not a JSON object.
    #[error("en-tête JOSE illisible : {0}")]
    Header(String),
    /// Another algorithm than EdDSA.
    #[error("algorithme « {0} » refusé : seul EdDSA (Ed25519, RFC 8037) est accepté")]
    Algorithm(String),
    /// `crit` present: extensions this verifier does not implement.
    #[error("en-tête « crit » présent ({0}) : extensions non prises en charge, certificat refusé")]
    Critical(String),
    /// `b64: false` (RFC 7797).
    #[error("charge utile non encodée (b64: false, RFC 7797) non prise en charge")]
    Unencoded,
    /// No `kid` in the header.
    #[error("en-tête sans « kid » : la clé de signature n'est pas désignée")]
    NoKid,
    /// The key set is not a JWKS.
    #[error("jeu de clés (JWKS) illisible : {0}")]
    KeySet(String),
    /// `kid` not in the key set.
    #[error("clé « {kid} » absente du jeu de clés publié (clés : {known})")]
    UnknownKid {
        /// The header's kid.
        kid: String,
        /// The published kids.
        known: String,
    },
    /// The key is not an Ed25519 OKP key.
    #[error("clé « {kid} » inutilisable : {reason}")]
    Key {
        /// The key's kid.
        kid: String,
        /// Why.
        reason: String,
    },
    /// A small-order public key: any signature would verify.
    #[error("clé « {0} » faible (point d'ordre faible) : refusée")]
    WeakKey(String),
    /// The signature is not 64 bytes.
    #[error("signature de {0} octets au lieu de 64")]
    SignatureLength(usize),
    /// The key's `kid` is not its RFC 7638 thumbprint.
    #[error("clé « {kid} » : son kid n'est pas son empreinte RFC 7638 ({thumbprint})")]
    KidNotThumbprint {
        /// The published kid.
        kid: String,
        /// The key's thumbprint.
        thumbprint: String,
    },
    /// A detached JWS that carries a payload after all.
    #[error("signature détachée (RFC 7515 annexe F) dont la partie centrale n'est pas vide")]
    NotDetached,
    /// The signature does not verify.
    #[error(
        "signature invalide pour la clé « {0} » : le certificat a été modifié ou signé par une autre clé"
    )]
    BadSignature(String),
}

/// A certificate whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The key that signed it.
    pub kid: String,
    /// The protected header.
    pub header: Value,
    /// The payload, as signed.
    pub payload: Vec<u8>,
}

/// The RFC 7638 thumbprint of an Ed25519 key given by its `x` (base64url).
pub fn thumbprint(x: &str) -> String {
    // Members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn decode(part: &'static str, text: &str) -> Result<Vec<u8>, JwsError> {
    // The engine refuses padding and non-zero trailing bits: one encoding
    // per value, so that no two certificates differ only in their spelling.
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|error| JwsError::Base64 {
            part,
            detail: error.to_string(),
        })
}

/// The verifying key named `kid` in `jwks`.
fn key(jwks: &str, kid: &str) -> Result<VerifyingKey, JwsError> {
    if jwks.len() > MAX_JWS {
        return Err(JwsError::KeySet(format!("{} octets", jwks.len())));
    }
    let set: Value =
        serde_json::from_str(jwks).map_err(|error| JwsError::KeySet(error.to_string()))?;
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| JwsError::KeySet("pas de tableau « keys »".to_owned()))?;
    let named = |k: &&Value| k.get("kid").and_then(Value::as_str) == Some(kid);
    let Some(jwk) = keys.iter().find(named) else {
        let known: Vec<&str> = keys
            .iter()
            .filter_map(|k| k.get("kid").and_then(Value::as_str))
            .collect();
        return Err(JwsError::UnknownKid {
            kid: kid.to_owned(),
            known: if known.is_empty() {
                "aucune".to_owned()
            } else {
                known.join(", ")
            },
        });
    };
    let bad = |reason: String| JwsError::Key {
        kid: kid.to_owned(),
        reason,
    };
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
        return Err(bad(format!(
            "kty « {} », crv « {} » au lieu de OKP et Ed25519",
            field("kty").unwrap_or("absent"),
            field("crv").unwrap_or("absent")
        )));
    }
    if let Some(alg) = field("alg")
        && alg != "EdDSA"
    {
        return Err(bad(format!("alg « {alg} » au lieu de EdDSA")));
    }
    let x = field("x").ok_or_else(|| bad("pas de « x »".to_owned()))?;
    let bytes: [u8; 32] = decode("clé x", x)?
        .try_into()
        .map_err(|raw: Vec<u8>| bad(format!("« x » de {} octets au lieu de 32", raw.len())))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|error| bad(error.to_string()))?;
    if key.is_weak() {
        return Err(JwsError::WeakKey(kid.to_owned()));
    }
    let thumbprint = thumbprint(x);
    if thumbprint != kid {
        return Err(JwsError::KidNotThumbprint {
            kid: kid.to_owned(),
            thumbprint,
        });
    }
    Ok(key)
}

/// Verifies a compact JWS against the published keys.
pub fn verify(compact: &str, jwks: &str) -> Result<Verified, JwsError> {
    verify_parts(compact.trim(), None, jwks)
}

/// Verifies a detached JWS (`header..signature`) over `payload`.
pub fn verify_detached(detached: &str, payload: &[u8], jwks: &str) -> Result<Verified, JwsError> {
    verify_parts(detached.trim(), Some(payload), jwks)
}

fn verify_parts(text: &str, detached: Option<&[u8]>, jwks: &str) -> Result<Verified, JwsError> {
    if text.len() > MAX_JWS {
        return Err(JwsError::TooLarge(text.len()));
    }
    let parts: Vec<&str> = text.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(JwsError::Parts(parts.len()));
    };
    let header_bytes = decode("en-tête", header_b64)?;
    let header: Value = serde_json::from_slice(&header_bytes)
        .map_err(|error| JwsError::Header(error.to_string()))?;
    if !header.is_object() {
        return Err(JwsError::Header("pas un objet JSON".to_owned()));
    }
    match header.get("alg").and_then(Value::as_str) {
        Some("EdDSA") => {}
        other => return Err(JwsError::Algorithm(other.unwrap_or("absent").to_owned())),
    }
    if let Some(crit) = header.get("crit") {
        return Err(JwsError::Critical(crit.to_string()));
    }
    if header.get("b64") == Some(&Value::Bool(false)) {
        return Err(JwsError::Unencoded);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(JwsError::NoKid)?
        .to_owned();
    let key = key(jwks, &kid)?;
    let (payload, signed_payload) = match detached {
        Some(bytes) => {
            if !payload_b64.is_empty() {
                return Err(JwsError::NotDetached);
            }
            (bytes.to_vec(), URL_SAFE_NO_PAD.encode(bytes))
        }
        None => (
            decode("charge utile", payload_b64)?,
            (*payload_b64).to_owned(),
        ),
    };
    let signature_bytes = decode("signature", signature_b64)?;
    let signature = Signature::from_slice(&signature_bytes)
        .map_err(|_| JwsError::SignatureLength(signature_bytes.len()))?;
    let input = format!("{header_b64}.{signed_payload}");
    key.verify_strict(input.as_bytes(), &signature)
        .map_err(|_| JwsError::BadSignature(kid.clone()))?;
    Ok(Verified {
        kid,
        header,
        payload,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn signer() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn jwks_of(key: &SigningKey) -> (String, String) {
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let kid = thumbprint(&x);
        let jwks = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"{kid}","use":"sig","alg":"EdDSA"}}]}}"#
        );
        (jwks, kid)
    }

    fn sign(key: &SigningKey, header: &str, payload: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(payload);
        let s = key.sign(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(s.to_bytes()))
    }

    fn header(kid: &str) -> String {
        format!(r#"{{"alg":"EdDSA","kid":"{kid}","typ":"JOSE","cty":"json"}}"#)
    }

    #[test]
    fn a_signed_certificate_verifies_and_gives_its_payload() {
        let key = signer();
        let (jwks, kid) = jwks_of(&key);
        let jws = sign(&key, &header(&kid), br#"{"certificat":"c-1"}"#);
        let verified = verify(&jws, &jwks).expect("valide");
        assert_eq!(verified.kid, kid);
        assert_eq!(verified.payload, br#"{"certificat":"c-1"}"#);
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 8037 App. A.3: the thumbprint of the App. A.2 public key.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn other_algorithms_are_refused_before_any_key_is_used() {
        let key = signer();
        let (jwks, kid) = jwks_of(&key);
        for alg in ["none", "HS256", "RS256", "ES256"] {
            let h = format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#);
            let jws = sign(&key, &h, b"{}");
            assert_eq!(
                verify(&jws, &jwks),
                Err(JwsError::Algorithm(alg.to_owned()))
            );
        }
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert!(matches!(
            verify(&unsigned, &jwks),
            Err(JwsError::Algorithm(_))
        ));
    }

    #[test]
    fn tampering_breaks_the_signature() {
        let key = signer();
        let (jwks, kid) = jwks_of(&key);
        let jws = sign(&key, &header(&kid), br#"{"comptes":12}"#);
        let parts: Vec<&str> = jws.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(br#"{"comptes":13}"#),
            parts[2]
        );
        assert_eq!(
            verify(&forged, &jwks),
            Err(JwsError::BadSignature(kid.clone()))
        );
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let by_other = sign(&other, &header(&kid), br#"{"comptes":12}"#);
        assert_eq!(verify(&by_other, &jwks), Err(JwsError::BadSignature(kid)));
    }

    #[test]
    fn unknown_keys_weak_keys_and_wrong_key_types_are_named() {
        let key = signer();
        let (jwks, _) = jwks_of(&key);
        let jws = sign(&key, &header("inconnue"), b"{}");
        assert!(matches!(
            verify(&jws, &jwks),
            Err(JwsError::UnknownKid { .. })
        ));
        // The identity point: a small-order key every signature would fit.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        let x = URL_SAFE_NO_PAD.encode(weak);
        let weak_set =
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"w"}}]}}"#);
        assert_eq!(
            verify(&sign(&key, &header("w"), b"{}"), &weak_set),
            Err(JwsError::WeakKey("w".to_owned()))
        );
        // A key published under another name than its thumbprint.
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let renamed =
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"k1"}}]}}"#);
        assert!(matches!(
            verify(&sign(&key, &header("k1"), b"{}"), &renamed),
            Err(JwsError::KidNotThumbprint { .. })
        ));
        let rsa = r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}]}"#;
        assert!(matches!(
            verify(&sign(&key, &header("r"), b"{}"), rsa),
            Err(JwsError::Key { .. })
        ));
    }

    #[test]
    fn non_canonical_encodings_and_extensions_are_refused() {
        let key = signer();
        let (jwks, kid) = jwks_of(&key);
        let jws = sign(&key, &header(&kid), b"{}");
        assert!(matches!(
            verify(&format!("{jws}="), &jwks),
            Err(JwsError::Base64 { .. })
        ));
        assert_eq!(verify(&format!("{jws}.x"), &jwks), Err(JwsError::Parts(4)));
        let crit = sign(
            &key,
            &format!(r#"{{"alg":"EdDSA","kid":"{kid}","crit":["exp"]}}"#),
            b"{}",
        );
        assert!(matches!(verify(&crit, &jwks), Err(JwsError::Critical(_))));
        let b64 = sign(
            &key,
            &format!(r#"{{"alg":"EdDSA","kid":"{kid}","b64":false}}"#),
            b"{}",
        );
        assert_eq!(verify(&b64, &jwks), Err(JwsError::Unencoded));
        let no_kid = sign(&key, r#"{"alg":"EdDSA"}"#, b"{}");
        assert_eq!(verify(&no_kid, &jwks), Err(JwsError::NoKid));
    }

    #[test]
    fn a_detached_signature_covers_the_served_bytes() {
        let key = signer();
        let (jwks, kid) = jwks_of(&key);
        let payload = br#"{"certificat":"c-2"}"#;
        let jws = sign(&key, &header(&kid), payload);
        let parts: Vec<&str> = jws.split('.').collect();
        let detached = format!("{}..{}", parts[0], parts[2]);
        assert!(verify_detached(&detached, payload, &jwks).is_ok());
        assert_eq!(
            verify_detached(&detached, br#"{"certificat":"c-3"}"#, &jwks),
            Err(JwsError::BadSignature(kid))
        );
    }
}
