//! What the harness's identity providers do wrong on purpose: each attack is
//! a bad answer that a relying party must refuse, as the OpenID Foundation's
//! RP tests do (oidcc-client-test-invalid-iss…), plus the SAML equivalents.

use serde::{Deserialize, Serialize};

/// A deliberately bad answer from the harness's IdP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attack {
    /// ID token whose signature bytes are altered.
    IdTokenBadSignature,
    /// ID token signed by a key the JWKS never published, under an unknown
    /// `kid`, its public key embedded as a `jwk` header (CVE-2018-0114).
    IdTokenUnknownKey,
    /// ID token with `alg: none` and no signature.
    IdTokenAlgNone,
    /// ID token signed HS256 with the OP's public key as the HMAC secret
    /// (algorithm confusion, McLean 2015; CVE-2015-9235).
    IdTokenHs256PublicKey,
    /// ID token whose `iss` is another issuer.
    IdTokenWrongIssuer,
    /// ID token whose `aud` is another client.
    IdTokenWrongAudience,
    /// ID token expired an hour ago.
    IdTokenExpired,
    /// ID token issued (`iat`) a day from now, its `exp` ten minutes later.
    IdTokenIatFuture,
    /// ID token for two audiences, the candidate and another client, with
    /// no `azp`.
    IdTokenExtraAudience,
    /// The userinfo answer describes another person (another `sub`) than
    /// the ID token.
    UserinfoSubMismatch,
    /// Not an attack but a change the candidate must follow: the ID token
    /// is signed by a new key, published in the JWKS beside the old one
    /// from that login on (key rotation).
    KeyRotation,
    /// ID token carrying another `nonce` than the one requested.
    NonceMismatch,
    /// ID token without `nonce` although one was requested.
    NonceMissing,
    /// Authorization response with another `state` than the one sent.
    StateMismatch,
    /// The authorization response is replayed in another browser (the IdP
    /// accepts the code twice, so only the candidate can refuse).
    CodeReplay,
    /// SAML response without any signature.
    SamlUnsigned,
    /// Assertion signed by a key the candidate never trusted (its
    /// certificate is embedded in `KeyInfo`); the family of SSO-21.
    SamlUnknownKey,
    /// As `SamlUnknownKey`, the key given only as a bare `ds:KeyValue`
    /// (RSA modulus and exponent), no certificate.
    SamlKeyValue,
    /// An HMAC-SHA1 signature keyed with the IdP's public certificate (PEM
    /// text), as the SP holds it (xml-crypto, GHSA-c27r-x354-4m68).
    SamlHmacPublicCert,
    /// The IdP's own key, but RSA-SHA1 with SHA-1 digests.
    SamlSha1Signature,
    /// `Audience` names another service provider.
    SamlWrongAudience,
    /// A whole response ÉduConnect issued to another service provider
    /// (its `Audience`, `Recipient`, `Destination` and `InResponseTo`),
    /// its assertion signed, which that SP decrypted and encrypted again
    /// for the candidate: what "an assertion encrypted for another SP"
    /// becomes once the SP it was meant for turns against the candidate.
    SamlForwarded,
    /// `SubjectConfirmationData/@Recipient` is another ACS.
    SamlWrongRecipient,
    /// `Response/@Destination` is another ACS.
    SamlWrongDestination,
    /// Assertion whose validity ended ten minutes ago.
    SamlExpired,
    /// A valid response posted a second time from another browser.
    SamlReplay,
    /// XML signature wrapping, the family of SSO-27; alone, the shape XSW3
    /// of Somorovsky et al. (2012): the genuine signed assertion plus an
    /// unsigned one for another person placed first.
    SamlSignatureWrapping,
    /// XSW1: a new response for another person, the signed original
    /// inside the response's signature.
    SamlXsw1,
    /// XSW2: a new response for another person, the signed original
    /// beside the response's signature (detached).
    SamlXsw2,
    /// XSW4: the genuine signed assertion inside an unsigned one for
    /// another person.
    SamlXsw4,
    /// XSW5: the genuine assertion's signature moved into an unsigned one
    /// for another person, the genuine assertion after it.
    SamlXsw5,
    /// XSW6: as XSW5, with the genuine assertion inside the moved signature.
    SamlXsw6,
    /// XSW7: the genuine assertion in the response's `Extensions`, an
    /// unsigned one for another person in its place.
    SamlXsw7,
    /// XSW8: as XSW6, with the genuine assertion in a `ds:Object`.
    SamlXsw8,
    /// An unsigned assertion for another person carrying the genuine
    /// assertion's `ID`, placed first.
    SamlDuplicateId,
    /// A signed join key that extends another person's, cut by an XML
    /// comment after signing: exclusive c14n ignores comments, so the
    /// signature still holds (Duo Labs, CVE-2017-11427 and siblings, 2018).
    SamlCommentInjection,
    /// A valid response the candidate never asked for: the browser starts
    /// at the IdP (Shibboleth's unsolicited SSO), which posts a response
    /// without `InResponseTo` (SAML profiles §4.1.5). Accepted where the
    /// target declares it, a login CSRF otherwise.
    SamlUnsolicited,
}

impl Attack {
    /// Every attack, in documentation order.
    pub const ALL: [Self; 37] = [
        Self::IdTokenBadSignature,
        Self::IdTokenUnknownKey,
        Self::IdTokenAlgNone,
        Self::IdTokenHs256PublicKey,
        Self::IdTokenWrongIssuer,
        Self::IdTokenWrongAudience,
        Self::IdTokenExpired,
        Self::IdTokenIatFuture,
        Self::IdTokenExtraAudience,
        Self::UserinfoSubMismatch,
        Self::KeyRotation,
        Self::NonceMismatch,
        Self::NonceMissing,
        Self::StateMismatch,
        Self::CodeReplay,
        Self::SamlUnsigned,
        Self::SamlUnknownKey,
        Self::SamlKeyValue,
        Self::SamlHmacPublicCert,
        Self::SamlSha1Signature,
        Self::SamlWrongAudience,
        Self::SamlForwarded,
        Self::SamlWrongRecipient,
        Self::SamlWrongDestination,
        Self::SamlExpired,
        Self::SamlReplay,
        Self::SamlSignatureWrapping,
        Self::SamlXsw1,
        Self::SamlXsw2,
        Self::SamlXsw4,
        Self::SamlXsw5,
        Self::SamlXsw6,
        Self::SamlXsw7,
        Self::SamlXsw8,
        Self::SamlDuplicateId,
        Self::SamlCommentInjection,
        Self::SamlUnsolicited,
    ];

    /// The wrapping family SSO-27 plays: every shape of Somorovsky et al.
    /// (USENIX Security 2012, §4), a duplicate `ID`, and a comment in a
    /// signed value.
    const WRAPPING: [Self; 10] = [
        Self::SamlXsw1,
        Self::SamlXsw2,
        Self::SamlSignatureWrapping,
        Self::SamlXsw4,
        Self::SamlXsw5,
        Self::SamlXsw6,
        Self::SamlXsw7,
        Self::SamlXsw8,
        Self::SamlDuplicateId,
        Self::SamlCommentInjection,
    ];

    /// The bad answers a step naming this attack plays, each after the
    /// other: its family for a family head, else itself.
    pub fn variants(self) -> Vec<Self> {
        match self {
            Self::SamlSignatureWrapping => Self::WRAPPING.to_vec(),
            // SSO-10: a signature the JWKS does not vouch for, altered or
            // by a key of the token's own choosing.
            Self::IdTokenBadSignature => vec![self, Self::IdTokenUnknownKey],
            // SSO-11: any algorithm but the one agreed (RS256).
            Self::IdTokenAlgNone => vec![self, Self::IdTokenHs256PublicKey],
            // SSO-21: a key outside the IdP's metadata, in each form a
            // signature can carry it.
            Self::SamlUnknownKey => vec![self, Self::SamlKeyValue, Self::SamlHmacPublicCert],
            // SSO-22: an assertion meant for another service provider, its
            // audience changed alone, or relayed whole by that provider.
            Self::SamlWrongAudience => vec![self, Self::SamlForwarded],
            other => vec![other],
        }
    }

    /// Whether the ID token's signature is one no published key vouches for
    /// (SSO-10's family): the defect OIDC Core §3.1.3.7 (6) lets a client
    /// leave to TLS when the token came straight from the token endpoint.
    pub fn signature_unvouched(self) -> bool {
        matches!(self, Self::IdTokenBadSignature | Self::IdTokenUnknownKey)
    }

    /// Whether the attack names another person (a victim) in what it sends.
    pub fn has_victim(self) -> bool {
        self == Self::UserinfoSubMismatch || Self::WRAPPING.contains(&self)
    }

    /// The name written in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdTokenBadSignature => "id-token-bad-signature",
            Self::IdTokenUnknownKey => "id-token-unknown-key",
            Self::IdTokenAlgNone => "id-token-alg-none",
            Self::IdTokenHs256PublicKey => "id-token-hs256-public-key",
            Self::IdTokenIatFuture => "id-token-iat-future",
            Self::IdTokenExtraAudience => "id-token-extra-audience",
            Self::UserinfoSubMismatch => "userinfo-sub-mismatch",
            Self::KeyRotation => "key-rotation",
            Self::SamlKeyValue => "saml-key-value",
            Self::SamlHmacPublicCert => "saml-hmac-public-cert",
            Self::SamlSha1Signature => "saml-sha1-signature",
            Self::IdTokenWrongIssuer => "id-token-wrong-issuer",
            Self::IdTokenWrongAudience => "id-token-wrong-audience",
            Self::IdTokenExpired => "id-token-expired",
            Self::NonceMismatch => "nonce-mismatch",
            Self::NonceMissing => "nonce-missing",
            Self::StateMismatch => "state-mismatch",
            Self::CodeReplay => "code-replay",
            Self::SamlUnsigned => "saml-unsigned",
            Self::SamlUnknownKey => "saml-unknown-key",
            Self::SamlWrongAudience => "saml-wrong-audience",
            Self::SamlForwarded => "saml-forwarded",
            Self::SamlWrongRecipient => "saml-wrong-recipient",
            Self::SamlWrongDestination => "saml-wrong-destination",
            Self::SamlExpired => "saml-expired",
            Self::SamlReplay => "saml-replay",
            Self::SamlSignatureWrapping => "saml-signature-wrapping",
            Self::SamlXsw1 => "saml-xsw1",
            Self::SamlXsw2 => "saml-xsw2",
            Self::SamlXsw4 => "saml-xsw4",
            Self::SamlXsw5 => "saml-xsw5",
            Self::SamlXsw6 => "saml-xsw6",
            Self::SamlXsw7 => "saml-xsw7",
            Self::SamlXsw8 => "saml-xsw8",
            Self::SamlDuplicateId => "saml-duplicate-id",
            Self::SamlCommentInjection => "saml-comment-injection",
            Self::SamlUnsolicited => "saml-unsolicited",
        }
    }

    /// Parses a suite-file name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|attack| attack.as_str() == name)
    }

    /// What the IdP did, in French, for the report.
    pub fn description_fr(self) -> &'static str {
        match self {
            Self::IdTokenBadSignature => {
                "signature altérée : jeton d'identité dont un octet de signature a été modifié"
            }
            Self::IdTokenUnknownKey => {
                "clé inconnue : jeton d'identité signé par une clé absente du JWKS (kid inconnu), sa clé publique jointe dans l'en-tête « jwk »"
            }
            Self::IdTokenAlgNone => "alg none : jeton d'identité non signé (« alg »: « none »)",
            Self::IdTokenHs256PublicKey => {
                "confusion d'algorithme : jeton d'identité signé HS256 avec pour secret la clé publique d'ÉduConnect"
            }
            Self::IdTokenIatFuture => {
                "jeton d'identité émis dans le futur (iat dans vingt-quatre heures)"
            }
            Self::IdTokenExtraAudience => {
                "jeton d'identité destiné aussi à un autre client (deux aud, sans azp)"
            }
            Self::UserinfoSubMismatch => {
                "réponse userinfo décrivant une autre personne (sub différent de celui du jeton)"
            }
            Self::KeyRotation => {
                "jeton d'identité signé par une nouvelle clé, publiée dans le JWKS à côté de l'ancienne (rotation)"
            }
            Self::SamlKeyValue => {
                "clé nue : assertion signée par une clé inconnue, donnée seulement en ds:KeyValue (module et exposant RSA)"
            }
            Self::SamlHmacPublicCert => {
                "HMAC : signature HMAC-SHA1 dont la clé est le certificat public de l'IdP"
            }
            Self::SamlSha1Signature => {
                "réponse signée par la clé de l'IdP en RSA-SHA1, empreintes SHA-1"
            }
            Self::IdTokenWrongIssuer => "jeton d'identité émis au nom d'un autre fournisseur (iss)",
            Self::IdTokenWrongAudience => "jeton d'identité destiné à un autre client (aud)",
            Self::IdTokenExpired => "jeton d'identité expiré depuis une heure (exp)",
            Self::NonceMismatch => "jeton d'identité portant un autre nonce que celui demandé",
            Self::NonceMissing => "jeton d'identité sans nonce alors qu'un nonce a été demandé",
            Self::StateMismatch => "réponse d'autorisation portant un autre state que celui envoyé",
            Self::CodeReplay => "réponse d'autorisation rejouée depuis un autre navigateur",
            Self::SamlUnsigned => "réponse SAML sans aucune signature",
            Self::SamlUnknownKey => {
                "certificat joint : assertion signée par une clé inconnue du candidat, son certificat joint dans KeyInfo"
            }
            Self::SamlWrongAudience => {
                "audience : assertion destinée à un autre fournisseur de service (Audience)"
            }
            Self::SamlForwarded => {
                "relayée : réponse émise pour un autre ENT (son Audience, son Recipient, sa Destination, sa demande), son assertion signée par ÉduConnect, déchiffrée par cet ENT puis rechiffrée pour le candidat"
            }
            Self::SamlWrongRecipient => {
                "assertion destinée à un autre point de réception (Recipient)"
            }
            Self::SamlWrongDestination => {
                "réponse adressée à un autre point de réception (Destination)"
            }
            Self::SamlExpired => "assertion expirée depuis dix minutes (NotOnOrAfter)",
            Self::SamlReplay => "réponse SAML valide reçue une seconde fois d'un autre navigateur",
            Self::SamlSignatureWrapping => {
                "enveloppement de signature XSW3 : assertion signée authentique plus une assertion non signée pour une autre personne placée en premier"
            }
            Self::SamlXsw1 => {
                "enveloppement de signature XSW1 : nouvelle réponse pour une autre personne, la réponse signée authentique glissée dans sa signature"
            }
            Self::SamlXsw2 => {
                "enveloppement de signature XSW2 : nouvelle réponse pour une autre personne, la réponse signée authentique placée à côté de sa signature"
            }
            Self::SamlXsw4 => {
                "enveloppement de signature XSW4 : l'assertion signée authentique placée à l'intérieur d'une assertion non signée pour une autre personne"
            }
            Self::SamlXsw5 => {
                "enveloppement de signature XSW5 : la signature de l'assertion authentique déplacée dans une assertion non signée pour une autre personne, l'authentique ensuite"
            }
            Self::SamlXsw6 => {
                "enveloppement de signature XSW6 : la signature déplacée dans une assertion pour une autre personne, l'assertion authentique dans cette signature"
            }
            Self::SamlXsw7 => {
                "enveloppement de signature XSW7 : l'assertion signée authentique rangée dans Extensions, une assertion non signée pour une autre personne à sa place"
            }
            Self::SamlXsw8 => {
                "enveloppement de signature XSW8 : la signature déplacée dans une assertion pour une autre personne, l'assertion authentique dans un ds:Object de cette signature"
            }
            Self::SamlDuplicateId => {
                "ID dupliqué : une assertion non signée pour une autre personne, portant l'ID de l'assertion signée, placée avant elle"
            }
            Self::SamlUnsolicited => {
                "réponse non sollicitée : le navigateur part de l'IdP, qui poste de lui-même une réponse valide sans InResponseTo, sans que le candidat ait rien demandé"
            }
            Self::SamlCommentInjection => {
                "commentaire dans une valeur signée : FrEduCtRefId signé prolonge celui d'une autre personne, un commentaire XML inséré après signature en isole le début"
            }
        }
    }

    /// Whether the attack belongs to the SAML flow (else OpenID Connect).
    pub fn is_saml(self) -> bool {
        matches!(
            self,
            Self::SamlUnsigned
                | Self::SamlUnknownKey
                | Self::SamlKeyValue
                | Self::SamlHmacPublicCert
                | Self::SamlSha1Signature
                | Self::SamlWrongAudience
                | Self::SamlForwarded
                | Self::SamlWrongRecipient
                | Self::SamlWrongDestination
                | Self::SamlExpired
                | Self::SamlReplay
                | Self::SamlUnsolicited
        ) || Self::WRAPPING.contains(&self)
    }
}
