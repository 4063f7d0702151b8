//! Identifiers. All are UUIDs (no shared sequences, so rows can move between
//! databases and be distributed by Citus); new ones are UUIDv7, so that their
//! order follows creation time and cursor pagination can use them.

use crate::FieldError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// Parses the canonical hyphenated form (any case).
            pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
                // `Uuid::parse_str` also takes braces, `urn:uuid:` and the
                // simple form; ids on the wire have exactly one spelling.
                if raw.len() != 36 {
                    return Err(FieldError::new(field, "uuid", concat!("must be a UUID (", $what, ")")));
                }
                uuid::Uuid::try_parse(raw)
                    .map(Self)
                    .map_err(|_| FieldError::new(field, "uuid", concat!("must be a UUID (", $what, ")")))
            }

            pub const fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A tenant: one client firm.
    TenantId, "tenant id"
);
uuid_id!(
    /// A data-plane database registered in the control plane.
    DatabaseId, "database id"
);
uuid_id!(
    /// A legal entity of a tenant.
    EntityId, "entity id"
);
uuid_id!(
    /// An API key (platform or tenant).
    ApiKeyId, "API key id"
);
uuid_id!(
    /// A natural person of a tenant.
    PersonId, "person id"
);
uuid_id!(
    /// An appointment (an officer or director of an entity).
    AppointmentId, "appointment id"
);
uuid_id!(
    /// A group of entities.
    GroupId, "group id"
);
uuid_id!(
    /// An audit event.
    AuditEventId, "audit event id"
);
uuid_id!(
    /// A class of shares of an entity.
    ShareClassId, "share class id"
);
uuid_id!(
    /// A transaction of a share ledger.
    ShareTransactionId, "share transaction id"
);
uuid_id!(
    /// A share certificate.
    ShareCertificateId, "share certificate id"
);
uuid_id!(
    /// A person who signs in through an identity provider (staff of the
    /// firm or of a client); one user may be a member of many tenants.
    UserId, "user id"
);
uuid_id!(
    /// Shares held by several persons together (derived from its members:
    /// see `shares::JointHolding::of`).
    JointHoldingId, "joint holding id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_hyphenated_form() {
        let id = EntityId::generate();
        assert_eq!(EntityId::parse("id", &id.to_string()).unwrap(), id);
        assert_eq!(EntityId::parse("id", &id.to_string().to_uppercase()).unwrap(), id);
        assert!(EntityId::parse("id", &id.as_uuid().simple().to_string()).is_err());
        assert!(EntityId::parse("id", "not-a-uuid").is_err());
        assert!(EntityId::parse("id", "'; DROP TABLE x; --").is_err());
    }

    #[test]
    fn display_is_canonical_lowercase() {
        let id = TenantId::parse("t", "0190A2B4-0000-7000-8000-00000000000A").unwrap();
        assert_eq!(id.to_string(), "0190a2b4-0000-7000-8000-00000000000a");
    }
}
