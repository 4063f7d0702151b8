//! Tenants: client firms served from shared or dedicated databases.

use std::fmt;

use crate::{FieldError, text::bounded_text};

/// A tenant's URL name: `^[a-z0-9][a-z0-9-]{1,62}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const PATTERN: &'static str = "^[a-z0-9][a-z0-9-]{1,62}$";

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bytes = raw.as_bytes();
        let well_formed = (2..=63).contains(&bytes.len())
            && matches!(bytes[0], b'a'..=b'z' | b'0'..=b'9')
            && bytes.iter().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "pattern",
                format!(
                    "must match {}: 2 to 63 lower-case letters, digits or hyphens, not starting with a hyphen",
                    Self::PATTERN
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's display name (the client firm's name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TenantName(String);

impl TenantName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        bounded_text(field, raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a tenant's data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Beside many other tenants in a shared database, isolated by row-level security.
    Shared,
    /// Alone in a database of its own, with the same schema.
    Dedicated,
}

impl Placement {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw {
            "shared" => Ok(Self::Shared),
            "dedicated" => Ok(Self::Dedicated),
            _ => Err(FieldError::new(field, "one_of", "must be one of: shared, dedicated")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::Dedicated => "dedicated",
        }
    }
}

/// The kind of a data-plane database; the same words as [`Placement`].
pub type DatabaseKind = Placement;

/// The name under which a data-plane database is registered (and, for
/// databases Charter creates, its PostgreSQL name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct DatabaseName(String);

impl DatabaseName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bytes = raw.as_bytes();
        let well_formed = (1..=63).contains(&bytes.len())
            && matches!(bytes[0], b'a'..=b'z' | b'0'..=b'9')
            && bytes.iter().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "pattern",
                "must be 1 to 63 lower-case letters, digits, '_' or '-', starting with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's lifecycle state in the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    /// Onboarding has started but not finished; a retry of the same request resumes it.
    Provisioning,
    /// Serving requests.
    Active,
    /// Exported and deleted; the control plane keeps a tombstone.
    Offboarded,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 3] = [TenantStatus::Provisioning, TenantStatus::Active, TenantStatus::Offboarded];

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| FieldError::new(field, "one_of", "must be one of: provisioning, active, offboarded"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Active => "active",
            Self::Offboarded => "offboarded",
        }
    }
}

/// A tenant's service tier: it sets the limits that keep one tenant from
/// starving the others (requests per second, statement time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Standard,
    Premium,
    /// No limits; for the platform's own tenants and load tests.
    Unmetered,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Standard, Tier::Premium, Tier::Unmetered];

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| FieldError::new(field, "one_of", "must be one of: standard, premium, unmetered"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Premium => "premium",
            Self::Unmetered => "unmetered",
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn slug_examples() {
        for ok in ["acme", "a1", "initech-llp", "0day", &"a".repeat(63)] {
            assert!(Slug::parse("slug", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "-acme", "Acme", "acme_co", "acme co", "ac\u{e9}", &"a".repeat(64), "acme\n"] {
            assert_eq!(Slug::parse("slug", bad).unwrap_err().rule, "pattern", "{bad:?}");
        }
    }

    proptest! {
        /// The hand-written check agrees with the documented pattern.
        #[test]
        fn slug_matches_its_pattern(raw in "[a-z0-9-]{0,70}|.{0,10}") {
            let expected = raw.len() >= 2 && raw.len() <= 63
                && raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            prop_assert_eq!(Slug::parse("slug", &raw).is_ok(), expected);
        }
    }

    #[test]
    fn every_word_parses_back() {
        for status in TenantStatus::ALL {
            assert_eq!(TenantStatus::parse("s", status.as_str()).unwrap(), status);
        }
        for tier in Tier::ALL {
            assert_eq!(Tier::parse("t", tier.as_str()).unwrap(), tier);
        }
        assert!(Tier::parse("t", "gold").is_err());
    }

    #[test]
    fn placement_words() {
        assert_eq!(Placement::parse("p", "shared").unwrap(), Placement::Shared);
        assert_eq!(Placement::parse("p", "dedicated").unwrap().as_str(), "dedicated");
        assert_eq!(Placement::parse("p", "Shared").unwrap_err().rule, "one_of");
    }
}
