//! Joint holdings: shares registered in the names of several persons
//! together (spouses, trustees, executors). The persons are kept in register
//! order, since the first-named holder receives notices and votes unless the
//! others agree otherwise; the same persons in the same order are always the
//! same holding, because its id is derived from them.

use serde_json::Value;

use crate::{
    FieldError,
    ids::{JointHoldingId, PersonId},
};

/// Persons holding shares together, first-named first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointHolding {
    pub id: JointHoldingId,
    members: Vec<PersonId>,
}

/// The UUIDv5 namespace of joint holding ids.
const NAMESPACE: uuid::Uuid = uuid::uuid!("7b0f3c52-3c1e-4f0e-9a57-2f6c1d3a9e41");

impl JointHolding {
    /// Most articles let at most four persons be registered jointly.
    pub const MAX_MEMBERS: usize = 4;

    /// The holding of these persons in this order; `None` unless there are
    /// two to four distinct persons.
    pub fn of(members: Vec<PersonId>) -> Option<Self> {
        let distinct = members.iter().collect::<std::collections::BTreeSet<_>>().len() == members.len();
        if !(2..=Self::MAX_MEMBERS).contains(&members.len()) || !distinct {
            return None;
        }
        let bytes: Vec<u8> = members.iter().flat_map(|p| p.as_uuid().into_bytes()).collect();
        Some(Self { id: JointHoldingId::from_uuid(uuid::Uuid::new_v5(&NAMESPACE, &bytes)), members })
    }

    /// `[{"person_id": …}, {"person_id": …}]`: two to four distinct persons,
    /// first-named first.
    pub fn parse(field: &str, value: &Value) -> Result<Self, FieldError> {
        let items = value.as_array().ok_or_else(|| {
            FieldError::new(field, "type", "must be a list of {\"person_id\": …}, the first-named holder first")
        })?;
        if items.len() < 2 || items.len() > Self::MAX_MEMBERS {
            return Err(FieldError::new(field, "joint_holders", "must name two to four persons"));
        }
        let mut members = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("{field}[{index}]");
            let id = match item.as_object() {
                Some(object) if object.len() == 1 => match object.get("person_id") {
                    Some(Value::String(raw)) => PersonId::parse(&format!("{at}.person_id"), raw)?,
                    _ => {
                        return Err(FieldError::new(
                            at,
                            "person",
                            "joint holders are natural persons: {\"person_id\": …}",
                        ));
                    }
                },
                _ => {
                    return Err(FieldError::new(at, "person", "joint holders are natural persons: {\"person_id\": …}"));
                }
            };
            members.push(id);
        }
        Self::of(members).ok_or_else(|| FieldError::new(field, "distinct", "must name each person once"))
    }

    /// The persons, first-named first.
    pub fn members(&self) -> &[PersonId] {
        &self.members
    }

    /// Joint holders' names as a register prints them: "A and B", "A, B and C".
    pub fn display_name(names: &[String]) -> String {
        match names {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_same_persons_in_the_same_order_are_the_same_holding() {
        let (a, b) = (PersonId::generate(), PersonId::generate());
        let ab = JointHolding::of(vec![a, b]).unwrap();
        assert_eq!(ab, JointHolding::of(vec![a, b]).unwrap());
        assert_ne!(ab.id, JointHolding::of(vec![b, a]).unwrap().id, "register order matters");
        assert!(JointHolding::of(vec![a]).is_none());
        assert!(JointHolding::of(vec![a, a]).is_none());
        let five = (0..5).map(|_| PersonId::generate()).collect();
        assert!(JointHolding::of(five).is_none());
    }

    #[test]
    fn parses_persons_only() {
        let (a, b) = (PersonId::generate(), PersonId::generate());
        let parsed = JointHolding::parse("h", &json!([{"person_id": a}, {"person_id": b}])).unwrap();
        assert_eq!(parsed.members(), [a, b]);
        let rule = |v: Value| JointHolding::parse("h", &v).unwrap_err();
        assert_eq!(rule(json!([{"person_id": a}])).rule, "joint_holders");
        assert_eq!(rule(json!([{"person_id": a}, {"person_id": a}])).rule, "distinct");
        let entity = rule(json!([{"person_id": a}, {"entity_id": b}]));
        assert_eq!((entity.field.as_str(), entity.rule), ("h[1]", "person"));
        assert_eq!(rule(json!({"person_id": a})).rule, "type");
    }

    #[test]
    fn names_read_like_a_register() {
        let names = |v: &[&str]| JointHolding::display_name(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(names(&["Ann Lee", "Bo Lee"]), "Ann Lee and Bo Lee");
        assert_eq!(names(&["A", "B", "C"]), "A, B and C");
    }
}
