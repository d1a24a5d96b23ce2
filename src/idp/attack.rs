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
    /// XML signature wrapping: the genuine signed assertion plus an
    /// unsigned one for another person placed first.
    SamlSignatureWrapping,
}

impl Attack {
    /// Every attack, in documentation order.
    pub const ALL: [Self; 17] = [
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
    ];

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
                "enveloppement de signature : assertion signée authentique plus une assertion non signée pour une autre personne placée en premier"
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
                | Self::SamlSignatureWrapping
        )
    }
}
