//! Appointments: who holds which office at an entity, from when to when.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::{
    FieldError, Invalid,
    ids::{EntityId, JointHoldingId, PersonId},
    temporal::parse_date,
    text::bounded_text,
    validation::Collector,
};

/// Who holds an office (a natural person, or an entity acting as a
/// corporate officer) or shares (either, or several persons jointly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    Person(PersonId),
    Entity(EntityId),
    /// Shares registered in several persons' names together; never an officer.
    Joint(JointHoldingId),
}

impl Holder {
    /// A holder of shares: `{"person_id": …}`, `{"entity_id": …}` or
    /// `{"joint_holding_id": …}`.
    pub fn parse_shareholder(field: &str, value: &Value) -> Result<Self, FieldError> {
        match value.as_object().and_then(|o| o.get("joint_holding_id").filter(|_| o.len() == 1)) {
            Some(Value::String(id)) => JointHoldingId::parse(&format!("{field}.joint_holding_id"), id).map(Self::Joint),
            Some(_) => Err(FieldError::new(format!("{field}.joint_holding_id"), "uuid", "must be a UUID")),
            None => Self::parse(field, value).map_err(|e| {
                if e.rule == "holder" {
                    FieldError::new(
                        field,
                        "holder",
                        "must be exactly one of {\"person_id\": …}, {\"entity_id\": …} or {\"joint_holding_id\": …}",
                    )
                } else {
                    e
                }
            }),
        }
    }

    /// An officer: `{"person_id": …}` or `{"entity_id": …}`.
    pub fn parse(field: &str, value: &Value) -> Result<Self, FieldError> {
        let object = value
            .as_object()
            .ok_or_else(|| FieldError::new(field, "type", "must be {\"person_id\": …} or {\"entity_id\": …}"))?;
        match (object.get("person_id"), object.get("entity_id"), object.len()) {
            (Some(Value::String(id)), None, 1) => PersonId::parse(&format!("{field}.person_id"), id).map(Self::Person),
            (None, Some(Value::String(id)), 1) => EntityId::parse(&format!("{field}.entity_id"), id).map(Self::Entity),
            _ => {
                Err(FieldError::new(field, "holder", "must be exactly one of {\"person_id\": …} or {\"entity_id\": …}"))
            }
        }
    }

    /// The person's or entity's id (the two never collide: both are UUIDs).
    pub fn as_uuid(self) -> uuid::Uuid {
        match self {
            Self::Person(p) => p.as_uuid(),
            Self::Entity(e) => e.as_uuid(),
            Self::Joint(j) => j.as_uuid(),
        }
    }

    pub fn to_json(self) -> Value {
        match self {
            Self::Person(id) => serde_json::json!({ "person_id": id }),
            Self::Entity(id) => serde_json::json!({ "entity_id": id }),
            Self::Joint(id) => serde_json::json!({ "joint_holding_id": id }),
        }
    }
}

/// `^[a-z][a-z0-9_]{0,62}$`: `director`, `secretary`, or a tenant's own.
pub fn parse_role(field: &str, raw: &str) -> Result<String, FieldError> {
    let ok = (1..=63).contains(&raw.len())
        && raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(raw.to_owned()) } else { Err(FieldError::new(field, "pattern", "must match ^[a-z][a-z0-9_]{0,62}$")) }
}

/// A new appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentInput {
    pub entity: EntityId,
    pub holder: Holder,
    pub role: String,
    pub term: Term,
}

/// When an appointment holds, and with what authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub appointed_on: NaiveDate,
    /// The first day the office is no longer held.
    pub ceased_on: Option<NaiveDate>,
    pub signing_authority: Option<String>,
}

fn optional_text<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<Option<&'a str>>, FieldError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s))),
        Some(_) => Err(FieldError::new(field, "type", "must be a string")),
    }
}

impl Term {
    /// Applies `appointed_on`, `ceased_on` and `signing_authority` from a
    /// body onto `base` (a change) or onto nothing (a new appointment).
    fn parse(body: &Map<String, Value>, base: Option<&Term>, errors: &mut Collector) -> Option<Term> {
        let appointed_on = match optional_text(body, "appointed_on") {
            Ok(Some(Some(raw))) => errors.take(parse_date("appointed_on", raw)),
            Ok(Some(None)) | Ok(None) if base.is_none() => {
                errors.push(FieldError::new("appointed_on", "required", "is required"));
                None
            }
            Ok(Some(None)) => {
                errors.push(FieldError::new("appointed_on", "required", "cannot be removed"));
                None
            }
            Ok(None) => base.map(|b| b.appointed_on),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let ceased_on = match optional_text(body, "ceased_on") {
            Ok(Some(Some(raw))) => errors.take(parse_date("ceased_on", raw)).map(Some),
            Ok(Some(None)) => Some(None),
            Ok(None) => Some(base.and_then(|b| b.ceased_on)),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let signing_authority = match optional_text(body, "signing_authority") {
            Ok(Some(Some(raw))) => errors.take(bounded_text("signing_authority", raw, 200)).map(Some),
            Ok(Some(None)) => Some(None),
            Ok(None) => Some(base.and_then(|b| b.signing_authority.clone())),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if let (Some(from), Some(Some(to))) = (appointed_on, ceased_on)
            && to <= from
        {
            errors.push(FieldError::new("ceased_on", "after_appointed_on", "must be after appointed_on"));
        }
        Some(Term { appointed_on: appointed_on?, ceased_on: ceased_on?, signing_authority: signing_authority? })
    }
}

impl AppointmentInput {
    pub fn parse(body: &Map<String, Value>) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        for key in body.keys().filter(|k| {
            !["entity_id", "holder", "role", "appointed_on", "ceased_on", "signing_authority", "reason"]
                .contains(&k.as_str())
        }) {
            errors.push(FieldError::new(key.clone(), "unknown_field", "is not a field of an appointment"));
        }
        let entity = match body.get("entity_id") {
            Some(Value::String(raw)) => errors.take(EntityId::parse("entity_id", raw)),
            _ => {
                errors.push(FieldError::new("entity_id", "required", "is required"));
                None
            }
        };
        let holder = match body.get("holder") {
            Some(value) if !value.is_null() => errors.take(Holder::parse("holder", value)),
            _ => {
                errors.push(FieldError::new("holder", "required", "is required"));
                None
            }
        };
        let role = match body.get("role") {
            Some(Value::String(raw)) => errors.take(parse_role("role", raw)),
            _ => {
                errors.push(FieldError::new("role", "required", "is required"));
                None
            }
        };
        let term = Term::parse(body, None, &mut errors);
        if let (Some(entity), Some(Holder::Entity(holder))) = (entity, holder)
            && entity == holder
        {
            errors.push(FieldError::new("holder.entity_id", "not_self", "an entity cannot hold an office of itself"));
        }
        errors.finish()?;
        match (entity, holder, role, term) {
            (Some(entity), Some(holder), Some(role), Some(term)) => Ok(Self { entity, holder, role, term }),
            _ => Err(Invalid(vec![FieldError::new("body", "required", "incomplete appointment")])),
        }
    }
}

/// A change of an appointment's term: its new dates and authority, and why.
pub fn parse_term_change(body: &Map<String, Value>, current: &Term) -> Result<(Term, Option<String>), Invalid> {
    let mut errors = Collector::new();
    for key in
        body.keys().filter(|k| !["appointed_on", "ceased_on", "signing_authority", "reason"].contains(&k.as_str()))
    {
        let rule = if ["entity_id", "holder", "role"].contains(&key.as_str()) { "read_only" } else { "unknown_field" };
        errors.push(FieldError::new(key.clone(), rule, "cannot be changed; end this appointment and make another"));
    }
    let reason = match optional_text(body, "reason") {
        Ok(Some(Some(raw))) => errors.take(bounded_text("reason", raw, 500)),
        Ok(_) => None,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let term = Term::parse(body, Some(current), &mut errors);
    errors.finish()?;
    term.map(|t| (t, reason)).ok_or_else(|| Invalid(vec![FieldError::new("body", "required", "incomplete change")]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn appointments_parse_and_refuse_cessation_before_appointment() {
        let entity = EntityId::generate();
        let person = PersonId::generate();
        let body = json!({"entity_id": entity, "holder": {"person_id": person}, "role": "director",
                          "appointed_on": "2021-03-01", "ceased_on": "2024-02-29"});
        let input = AppointmentInput::parse(body.as_object().unwrap()).unwrap();
        assert_eq!(input.holder, Holder::Person(person));
        let bad = json!({"entity_id": entity, "holder": {"entity_id": entity}, "role": "Director!",
                         "appointed_on": "2024-01-01", "ceased_on": "2023-01-01"});
        let Invalid(errors) = AppointmentInput::parse(bad.as_object().unwrap()).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        for expected in [("role", "pattern"), ("ceased_on", "after_appointed_on"), ("holder.entity_id", "not_self")] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let current = Term {
            appointed_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            ceased_on: None,
            signing_authority: Some("sole".into()),
        };
        let (term, reason) =
            parse_term_change(json!({"ceased_on": "2024-02-29"}).as_object().unwrap(), &current).unwrap();
        assert_eq!(term.signing_authority.as_deref(), Some("sole"));
        assert_eq!(term.ceased_on, NaiveDate::from_ymd_opt(2024, 2, 29));
        assert!(reason.is_none());
        assert!(parse_term_change(json!({"role": "chair"}).as_object().unwrap(), &current).is_err());
    }
}
