//! Who the harness's IdPs say the user is, in each service's own vocabulary:
//! EduConnect (pupils, parents: `FrEduCtRefId` join vectors towards the AAF)
//! and the academic agents' guichet ARENA (`ctemail`, `FrEduRne`).

use serde::{Deserialize, Serialize};

/// The person an IdP asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "kebab-case")]
pub enum Identity {
    /// A pupil or parent as EduConnect describes them.
    EduConnect {
        /// Opaque EduConnect id (`sub`, `FrEduCtId`).
        sub: String,
        /// First name.
        given_name: String,
        /// Last name.
        family_name: String,
        /// `eleve1d` or `resp1d`.
        affiliation: String,
        /// AAF join vectors `{AAF}<academy>|x|<jointure>`, one per account.
        ref_ids: Vec<String>,
        /// School of a pupil.
        uai: Option<String>,
        /// The legacy `FrEduVecteur` values, `profil|nom|prénom|id|UAI`:
        /// profil 3 for a pupil of the 1st degree, 1 for a parent (one
        /// value per child), id the pupil's AAF join key.
        #[serde(default)]
        legacy_vectors: Vec<String>,
    },
    /// A teacher or director as the agents' guichet describes them.
    Agent {
        /// Opaque agent id.
        uid: String,
        /// Academic e-mail (`ctemail`), the AAF join key.
        email: String,
        /// First name.
        given_name: String,
        /// Last name.
        family_name: String,
        /// Schools (`FrEduRne`), `uai$…` layout.
        rne: Vec<String>,
    },
}

impl Identity {
    /// Opaque subject identifier.
    pub fn subject(&self) -> &str {
        match self {
            Self::EduConnect { sub, .. } => sub,
            Self::Agent { uid, .. } => uid,
        }
    }

    /// "Prénom Nom" for messages.
    pub fn display_name(&self) -> String {
        match self {
            Self::EduConnect {
                given_name,
                family_name,
                ..
            }
            | Self::Agent {
                given_name,
                family_name,
                ..
            } => format!("{given_name} {family_name}"),
        }
    }

    /// The attributes of a SAML assertion: (Name, FriendlyName, values).
    pub(crate) fn saml_attributes(&self) -> Vec<(&'static str, &'static str, Vec<String>)> {
        match self {
            Self::EduConnect {
                sub,
                given_name,
                family_name,
                affiliation,
                ref_ids,
                uai,
                legacy_vectors,
            } => {
                let mut attributes = vec![
                    ("urn:oid:2.5.4.4", "sn", vec![family_name.clone()]),
                    ("urn:oid:2.5.4.42", "givenName", vec![given_name.clone()]),
                    (
                        "urn:oid:1.3.6.1.4.1.20326.10.999.1.7",
                        "FrEduCtPersonAffiliation",
                        vec![affiliation.clone()],
                    ),
                    (
                        "urn:oid:1.3.6.1.4.1.20326.10.999.1.57",
                        "FrEduCtId",
                        vec![sub.clone()],
                    ),
                    ("FrEduCtRefId", "FrEduCtRefId", ref_ids.clone()),
                ];
                if let Some(uai) = uai {
                    attributes.push((
                        "urn:oid:1.3.6.1.4.1.20326.10.999.1.72",
                        "FrEduCtEleveUAI",
                        vec![uai.clone()],
                    ));
                }
                if !legacy_vectors.is_empty() {
                    attributes.push(("FrEduVecteur", "FrEduVecteur", legacy_vectors.clone()));
                }
                attributes
            }
            Self::Agent {
                uid,
                email,
                given_name,
                family_name,
                rne,
            } => vec![
                ("ct-remote-user", "ct-remote-user", vec![uid.clone()]),
                ("ctemail", "ctemail", vec![email.clone()]),
                ("ctfn", "ctfn", vec![given_name.clone()]),
                ("ctln", "ctln", vec![family_name.clone()]),
                ("FrEduRne", "FrEduRne", rne.clone()),
            ],
        }
    }
}
