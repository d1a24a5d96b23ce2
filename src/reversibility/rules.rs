//! The EXPORT and DELCERT part of the suite format: the rules an `export`
//! or a `delcert` assertion names, their names in suite files and their
//! French labels.

/// What an `export` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportRule {
    /// Only the controller may start an export or follow its job.
    Access,
    /// Every seeded item, relation, account and file is in the export.
    Complete,
    /// The archive opens safely; open formats; the published records.
    Archive,
    /// The manifest lists every file once with its size and SHA-256.
    Manifest,
    /// National identifiers present, every reference resolves.
    Identifiers,
    /// The download link is reserved to the requester and expires.
    Link,
    /// The export holds its scope's data and nothing else.
    Scope,
    /// Imported into the reference ENT and exported again, nothing is lost.
    RoundTrip,
    /// The service keeps reading and writing while an export runs.
    Continuity,
    /// A person obtains their own data, and nobody else's.
    Portability,
}

impl ExportRule {
    /// Every rule.
    pub const ALL: [Self; 10] = [
        Self::Access,
        Self::Complete,
        Self::Archive,
        Self::Manifest,
        Self::Identifiers,
        Self::Link,
        Self::Scope,
        Self::RoundTrip,
        Self::Continuity,
        Self::Portability,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Complete => "complete",
            Self::Archive => "archive",
            Self::Manifest => "manifest",
            Self::Identifiers => "identifiers",
            Self::Link => "link",
            Self::Scope => "scope",
            Self::RoundTrip => "round_trip",
            Self::Continuity => "continuity",
            Self::Portability => "portability",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Access => "Export lancé et suivi par le seul responsable des données",
            Self::Complete => {
                "Chaque élément amorcé revient avec ses liens, chaque fichier à l'identique"
            }
            Self::Archive => "Archive sûre, formats ouverts, enregistrements du format publié",
            Self::Manifest => "Manifeste : chaque fichier une fois, avec sa taille et son SHA-256",
            Self::Identifiers => "Identifiants nationaux présents, chaque référence résolue",
            Self::Link => "Lien de téléchargement réservé au demandeur et qui expire",
            Self::Scope => "L'export contient son périmètre et rien d'autre",
            Self::RoundTrip => "Réimporté dans l'ENT de référence puis réexporté, rien n'est perdu",
            Self::Continuity => "Le service lit et écrit normalement pendant et après l'export",
            Self::Portability => {
                "Chacun obtient ses propres données, et celles de personne d'autre"
            }
        }
    }
}

/// What a `delcert` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelcertRule {
    /// Only the controller may ask for a deletion; each gets a reference.
    Channel,
    /// Each certificate is a JWS signed with a published key, stable.
    Signed,
    /// Each certificate states scope, dates, method, verification, signer.
    Content,
    /// What was certified deleted is gone, and nothing else.
    Effective,
    /// Backup copies destroyed within three months.
    Backups,
    /// The certificate's counts are those of the data deleted.
    Counts,
    /// Deleted accounts no longer log in (they did before the deletion).
    Logins,
    /// The statistics no longer count deleted accounts, and only them.
    Statistics,
    /// Deleted within a month (a user, a class) or three (a school).
    Timeliness,
    /// Each sub-processor covered, with its attestation or statement.
    Processors,
    /// Downstream recipients (the GAR) notified, with dates.
    Notifications,
    /// Data kept is listed, with legal basis and end date, and minimal.
    Exceptions,
    /// Each deletion is in the journal, without what it deleted.
    Journal,
}

impl DelcertRule {
    /// Every rule.
    pub const ALL: [Self; 13] = [
        Self::Channel,
        Self::Signed,
        Self::Content,
        Self::Effective,
        Self::Backups,
        Self::Counts,
        Self::Logins,
        Self::Statistics,
        Self::Timeliness,
        Self::Processors,
        Self::Notifications,
        Self::Exceptions,
        Self::Journal,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Signed => "signed",
            Self::Content => "content",
            Self::Effective => "effective",
            Self::Backups => "backups",
            Self::Counts => "counts",
            Self::Logins => "logins",
            Self::Statistics => "statistics",
            Self::Timeliness => "timeliness",
            Self::Processors => "processors",
            Self::Notifications => "notifications",
            Self::Exceptions => "exceptions",
            Self::Journal => "journal",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Channel => {
                "Suppression demandée par le seul responsable, chaque demande référencée"
            }
            Self::Signed => {
                "Certificat signé (JWS EdDSA, clé publiée), identique à chaque téléchargement"
            }
            Self::Content => {
                "Certificat complet : périmètre, dates, méthode, vérification, signataire"
            }
            Self::Effective => "Ce qui est certifié supprimé a disparu, et rien d'autre",
            Self::Backups => "Sauvegardes détruites dans les trois mois",
            Self::Counts => "Les comptes du certificat sont ceux des données supprimées",
            Self::Logins => "Les comptes supprimés ne se connectent plus",
            Self::Statistics => "Les statistiques ne comptent plus les comptes supprimés",
            Self::Timeliness => {
                "Suppression achevée dans le mois (utilisateur, classe) ou les trois mois (école)"
            }
            Self::Processors => {
                "Chaque sous-traitant couvert, avec son attestation ou sa déclaration"
            }
            Self::Notifications => "Destinataires des données (GAR) informés de la suppression",
            Self::Exceptions => {
                "Données conservées explicites : base légale, date de fin, rien du contenu"
            }
            Self::Journal => "Chaque suppression journalisée, sans ce qu'elle a supprimé",
        }
    }
}
