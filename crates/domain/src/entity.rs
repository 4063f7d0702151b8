//! Legal entities. This is the minimal record that proves the tenant plumbing
//! end to end; the full register (names, forms, identifiers, effective-dated
//! history) builds on it.

use crate::{FieldError, Invalid, text::bounded_text, validation::Collector};

/// An entity's registered legal name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct LegalName(String);

impl LegalName {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        bounded_text(field, raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A jurisdiction in GLEIF's spelling: an ISO 3166-1 alpha-2 country (`DE`)
/// or an ISO 3166-2 subdivision (`US-DE`). Only the shape is checked here;
/// membership in the ISO lists is the reference data's job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct JurisdictionCode(String);

impl JurisdictionCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let (country, subdivision) = match raw.split_once('-') {
            Some((country, sub)) => (country, Some(sub)),
            None => (raw, None),
        };
        let country_ok = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        let subdivision_ok = subdivision.is_none_or(|s| {
            (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
        if country_ok && subdivision_ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "iso_3166",
                "must be an ISO 3166-1 alpha-2 country code (\"DE\") or an ISO 3166-2 subdivision code (\"US-DE\")",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A parsed request to register a legal entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntity {
    pub legal_name: LegalName,
    pub jurisdiction: Option<JurisdictionCode>,
}

impl NewEntity {
    /// Parses every field and reports every broken rule at once.
    pub fn parse(legal_name: Option<&str>, jurisdiction: Option<&str>) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        let legal_name = match legal_name {
            Some(raw) => errors.take(LegalName::parse("legal_name", raw)),
            None => {
                errors.push(FieldError::new("legal_name", "required", "is required"));
                None
            }
        };
        let jurisdiction = jurisdiction.map(|raw| errors.take(JurisdictionCode::parse("jurisdiction", raw)));
        errors.finish()?;
        match (legal_name, jurisdiction) {
            (Some(legal_name), None) => Ok(Self { legal_name, jurisdiction: None }),
            (Some(legal_name), Some(Some(code))) => Ok(Self { legal_name, jurisdiction: Some(code) }),
            // `finish` returned Ok, so every `take` above succeeded.
            _ => Err(Invalid(vec![FieldError::new("legal_name", "required", "is required")])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jurisdiction_shapes() {
        for ok in ["DE", "US-DE", "GB-ENG", "FR-75", "CN-11"] {
            assert!(JurisdictionCode::parse("j", ok).is_ok(), "{ok}");
        }
        for bad in ["", "de", "DEU", "US-", "US-DELA", "US_DE", "U1"] {
            assert!(JurisdictionCode::parse("j", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_entity_reports_every_error() {
        let Invalid(errors) = NewEntity::parse(Some("  "), Some("germany")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(fields, [("legal_name", "required"), ("jurisdiction", "iso_3166")]);
        assert_eq!(NewEntity::parse(None, None).unwrap_err().0[0].field, "legal_name");
        let ok = NewEntity::parse(Some(" Acme Holdings Ltd "), Some("GB")).unwrap();
        assert_eq!(ok.legal_name.as_str(), "Acme Holdings Ltd");
    }
}
