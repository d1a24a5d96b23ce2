//! The GAR part of the suite format: the rules a `gar` assertion names, the
//! kind of step each reads, their names in suite files and their French
//! labels.

/// What a `gar` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarRule {
    /// Archive name, `.md5`, member names, the five kinds, safe unpacking.
    Delivery,
    /// Every file valid against GAR-ENT-1D.xsd.
    Schema,
    /// Every reference resolves; no person twice.
    Integrity,
    /// Identifiers unchanged in the next export of unchanged data.
    StableIds,
    /// Every pupil, teacher, class and school of the seeded directory, nobody else.
    Completeness,
    /// Nothing the GAR does not need: no parent, assigners are staff.
    Minimisation,
    /// The IdP metadata: valid, with a signing certificate in its validity.
    IdpMetadata,
    /// The assertion sent to the GAR: signed, addressed, minimal.
    Assertion,
    /// No assertion for an unknown service provider or a foreign return
    /// address.
    OnlyTheGar,
    /// The médiacentre calls the GAR web service with the declared client
    /// certificate, for the logged-in person only.
    MediacentreCall,
    /// The médiacentre shows every resource the GAR served, with its link.
    MediacentreShown,
}

/// The kind of step a GAR rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GarStep {
    /// `gar_export`.
    Export,
    /// `gar_sso`.
    Sso,
    /// `gar_mediacentre`.
    Mediacentre,
}

impl GarStep {
    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "gar_export",
            Self::Sso => "gar_sso",
            Self::Mediacentre => "gar_mediacentre",
        }
    }
}

impl GarRule {
    /// Every rule.
    pub const ALL: [Self; 11] = [
        Self::Delivery,
        Self::Schema,
        Self::Integrity,
        Self::StableIds,
        Self::Completeness,
        Self::Minimisation,
        Self::IdpMetadata,
        Self::Assertion,
        Self::OnlyTheGar,
        Self::MediacentreCall,
        Self::MediacentreShown,
    ];

    /// The kind of step the rule reads.
    pub fn step_kind(self) -> GarStep {
        match self {
            Self::IdpMetadata | Self::Assertion | Self::OnlyTheGar => GarStep::Sso,
            Self::MediacentreCall | Self::MediacentreShown => GarStep::Mediacentre,
            _ => GarStep::Export,
        }
    }

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Schema => "schema",
            Self::Integrity => "integrity",
            Self::StableIds => "stable_ids",
            Self::Completeness => "completeness",
            Self::Minimisation => "minimisation",
            Self::IdpMetadata => "idp_metadata",
            Self::Assertion => "assertion",
            Self::OnlyTheGar => "only_the_gar",
            Self::MediacentreCall => "mediacentre_call",
            Self::MediacentreShown => "mediacentre_shown",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Delivery => "Archive livrée, somme MD5 et noms de fichiers conformes",
            Self::Schema => "Chaque fichier est valide selon le schéma GAR-ENT-1D",
            Self::Integrity => {
                "Chaque référence de l'export est résolue, aucune personne en double"
            }
            Self::StableIds => "Identifiants inchangés d'un export à l'autre, données inchangées",
            Self::Completeness => "L'export contient exactement l'annuaire de référence",
            Self::Minimisation => "L'export ne transmet rien dont le GAR n'a pas besoin",
            Self::IdpMetadata => "Métadonnées de l'IdP publiées, certificat de signature valide",
            Self::Assertion => {
                "Assertion signée, bien adressée, limitée à idEnt et GARPersonIdentifiant"
            }
            Self::OnlyTheGar => {
                "Aucune assertion pour un fournisseur inconnu ou une adresse de retour étrangère"
            }
            Self::MediacentreCall => {
                "Service ressources appelé avec le certificat client, pour l'utilisateur connecté seul"
            }
            Self::MediacentreShown => {
                "Chaque ressource servie par le GAR est affichée avec son lien"
            }
        }
    }
}
