//! Natural persons: officers, directors, shareholders.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::{
    FieldError, Invalid, entity::country_shape, temporal::parse_date, text::bounded_text, validation::Collector,
};

/// A person's details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonInput {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub email: Option<String>,
}

const FIELDS: [&str; 5] = ["given_name", "family_name", "date_of_birth", "nationality", "email"];

impl PersonInput {
    /// Parses a body. With `existing`, it is a change: fields absent from the
    /// body keep their value, `null` clears an optional one.
    pub fn parse(body: &Map<String, Value>, existing: Option<&PersonInput>, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        let mut person = existing.cloned().unwrap_or_default();
        for key in body.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
            let rule = if ["id", "version", "created_at", "updated_at"].contains(&key.as_str()) {
                "read_only"
            } else {
                "unknown_field"
            };
            errors.push(FieldError::new(key.clone(), rule, "is not a field of a person that can be set"));
        }
        let text = |field: &str| -> Result<Option<Option<&str>>, FieldError> {
            match body.get(field) {
                None => Ok(None),
                Some(Value::Null) => Ok(Some(None)),
                Some(Value::String(s)) => Ok(Some(Some(s.as_str()))),
                Some(_) => Err(FieldError::new(field, "type", "must be a string")),
            }
        };
        for (field, slot) in [("given_name", &mut person.given_name), ("family_name", &mut person.family_name)] {
            match text(field) {
                Ok(Some(Some(raw))) => {
                    if let Some(v) = errors.take(bounded_text(field, raw, 200)) {
                        *slot = v;
                    }
                }
                Ok(Some(None)) => errors.push(FieldError::new(field, "required", "cannot be removed")),
                Ok(None) if existing.is_none() => errors.push(FieldError::new(field, "required", "is required")),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        match text("date_of_birth") {
            Ok(Some(Some(raw))) => match parse_date("date_of_birth", raw) {
                Ok(date) if date > today => {
                    errors.push(FieldError::new("date_of_birth", "not_in_future", "cannot be in the future"))
                }
                Ok(date) => person.date_of_birth = Some(date),
                Err(e) => errors.push(e),
            },
            Ok(Some(None)) => person.date_of_birth = None,
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        match text("nationality") {
            Ok(Some(Some(raw))) => person.nationality = errors.take(country_shape("nationality", raw)),
            Ok(Some(None)) => person.nationality = None,
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        match text("email") {
            Ok(Some(Some(raw))) => person.email = errors.take(parse_email(raw)),
            Ok(Some(None)) => person.email = None,
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        errors.finish()?;
        Ok(person)
    }
}

/// A plausible e-mail address: one `@`, a dot in the domain, no spaces.
pub fn parse_email(raw: &str) -> Result<String, FieldError> {
    let value = raw.trim();
    let plausible = value.len() <= 320
        && !value.contains(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if plausible { Ok(value.to_owned()) } else { Err(FieldError::new("email", "email", "must be an e-mail address")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn creates_and_changes() {
        let body =
            json!({"given_name": "Jane", "family_name": "Doe", "nationality": "GB", "email": "jane@example.com"});
        let jane = PersonInput::parse(body.as_object().unwrap(), None, today()).unwrap();
        assert_eq!(jane.family_name, "Doe");
        let change = json!({"family_name": "Smith", "email": null});
        let changed = PersonInput::parse(change.as_object().unwrap(), Some(&jane), today()).unwrap();
        assert_eq!((changed.given_name.as_str(), changed.family_name.as_str(), changed.email), ("Jane", "Smith", None));
    }

    #[test]
    fn refuses_bad_details() {
        let body =
            json!({"given_name": "", "date_of_birth": "2099-01-01", "email": "nope", "nationality": "UK!", "age": 3});
        let Invalid(errors) = PersonInput::parse(body.as_object().unwrap(), None, today()).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        for expected in [
            ("given_name", "required"),
            ("family_name", "required"),
            ("date_of_birth", "not_in_future"),
            ("email", "email"),
            ("nationality", "iso_3166_1"),
            ("age", "unknown_field"),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }
}
