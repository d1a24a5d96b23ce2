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
    /// ID token with `alg: none` and no signature.
    IdTokenAlgNone,
    /// ID token whose `iss` is another issuer.
    IdTokenWrongIssuer,
    /// ID token whose `aud` is another client.
    IdTokenWrongAudience,
    /// ID token expired an hour ago.
    IdTokenExpired,
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
    /// certificate is embedded in `KeyInfo`).
    SamlUnknownKey,
    /// `Audience` names another service provider.
    SamlWrongAudience,
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
}

impl Attack {
    /// Every attack, in documentation order.
    pub const ALL: [Self; 26] = [
        Self::IdTokenBadSignature,
        Self::IdTokenAlgNone,
        Self::IdTokenWrongIssuer,
        Self::IdTokenWrongAudience,
        Self::IdTokenExpired,
        Self::NonceMismatch,
        Self::NonceMissing,
        Self::StateMismatch,
        Self::CodeReplay,
        Self::SamlUnsigned,
        Self::SamlUnknownKey,
        Self::SamlWrongAudience,
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
            other => vec![other],
        }
    }

    /// Whether the attack names another person (a victim) in what it sends.
    pub fn has_victim(self) -> bool {
        Self::WRAPPING.contains(&self)
    }

    /// The name written in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdTokenBadSignature => "id-token-bad-signature",
            Self::IdTokenAlgNone => "id-token-alg-none",
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
        }
    }

    /// Parses a suite-file name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|attack| attack.as_str() == name)
    }

    /// What the IdP did, in French, for the report.
    pub fn description_fr(self) -> &'static str {
        match self {
            Self::IdTokenBadSignature => "jeton d'identité dont la signature a été altérée",
            Self::IdTokenAlgNone => "jeton d'identité non signé (« alg »: « none »)",
            Self::IdTokenWrongIssuer => "jeton d'identité émis au nom d'un autre fournisseur (iss)",
            Self::IdTokenWrongAudience => "jeton d'identité destiné à un autre client (aud)",
            Self::IdTokenExpired => "jeton d'identité expiré depuis une heure (exp)",
            Self::NonceMismatch => "jeton d'identité portant un autre nonce que celui demandé",
            Self::NonceMissing => "jeton d'identité sans nonce alors qu'un nonce a été demandé",
            Self::StateMismatch => "réponse d'autorisation portant un autre state que celui envoyé",
            Self::CodeReplay => "réponse d'autorisation rejouée depuis un autre navigateur",
            Self::SamlUnsigned => "réponse SAML sans aucune signature",
            Self::SamlUnknownKey => "assertion signée par une clé inconnue du candidat",
            Self::SamlWrongAudience => {
                "assertion destinée à un autre fournisseur de service (Audience)"
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
                | Self::SamlWrongAudience
                | Self::SamlWrongRecipient
                | Self::SamlWrongDestination
                | Self::SamlExpired
                | Self::SamlReplay
        ) || Self::WRAPPING.contains(&self)
    }
}
