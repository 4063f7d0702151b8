//! Custom fields a tenant defines on its entities (text, number, date,
//! choice), validated on write and effective-dated like every other fact.

use serde_json::{Map, Value, json};

use crate::{FieldError, Invalid, temporal::parse_date, text::bounded_text, validation::Collector};

/// `^[a-z][a-z0-9_]{0,62}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CustomFieldKey(String);

impl CustomFieldKey {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let ok = (1..=63).contains(&raw.len())
            && raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(field, "pattern", "must match ^[a-z][a-z0-9_]{0,62}$"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CustomFieldKind {
    Text { max_length: usize },
    Number,
    Date,
    Choice { options: Vec<String> },
}

impl CustomFieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Choice { .. } => "choice",
        }
    }
}

/// A custom field's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldDef {
    pub key: CustomFieldKey,
    pub label: String,
    pub kind: CustomFieldKind,
    pub required: bool,
}

impl CustomFieldDef {
    pub const MAX_TEXT: usize = 2_000;

    /// Parses a definition from a request body.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        let string = |field: &str| body.get(field).and_then(Value::as_str);
        if let Some(unknown) =
            body.keys().find(|k| !["key", "label", "type", "required", "options", "max_length"].contains(&k.as_str()))
        {
            errors.push(FieldError::new(unknown.clone(), "unknown_field", "is not a field of a custom field"));
        }
        let key = match string("key") {
            Some(raw) => errors.take(CustomFieldKey::parse("key", raw)),
            None => {
                errors.push(FieldError::new("key", "required", "is required"));
                None
            }
        };
        let label = match string("label") {
            Some(raw) => errors.take(bounded_text("label", raw, 100)),
            None => {
                errors.push(FieldError::new("label", "required", "is required"));
                None
            }
        };
        let required = match body.get("required") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.push(FieldError::new("required", "type", "must be true or false"));
                false
            }
        };
        let kind = match string("type") {
            Some("text") => {
                let max_length = match body.get("max_length") {
                    None | Some(Value::Null) => Some(500),
                    Some(v) => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                        Some(n) if (1..=Self::MAX_TEXT).contains(&n) => Some(n),
                        _ => {
                            errors.push(FieldError::new(
                                "max_length",
                                "range",
                                format!("must be from 1 to {}", Self::MAX_TEXT),
                            ));
                            None
                        }
                    },
                };
                max_length.map(|max_length| CustomFieldKind::Text { max_length })
            }
            Some("number") => Some(CustomFieldKind::Number),
            Some("date") => Some(CustomFieldKind::Date),
            Some("choice") => {
                let options: Option<Vec<String>> = body
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|o| o.iter().filter_map(Value::as_str).map(str::to_owned).collect());
                match options {
                    Some(options) if !options.is_empty() && options.len() <= 200 => {
                        Some(CustomFieldKind::Choice { options })
                    }
                    _ => {
                        errors.push(FieldError::new("options", "required", "a choice needs 1 to 200 string options"));
                        None
                    }
                }
            }
            _ => {
                errors.push(FieldError::new("type", "one_of", "must be one of: text, number, date, choice"));
                None
            }
        };
        errors.finish()?;
        match (key, label, kind) {
            (Some(key), Some(label), Some(kind)) => Ok(Self { key, label, kind, required }),
            _ => Err(Invalid(vec![FieldError::new("body", "required", "incomplete custom field")])),
        }
    }

    /// Checks a value against the definition; the canonical JSON on success.
    pub fn parse_value(&self, field: &str, value: &Value) -> Result<Value, FieldError> {
        match &self.kind {
            CustomFieldKind::Text { max_length } => {
                let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
                bounded_text(field, raw, *max_length).map(Value::String)
            }
            CustomFieldKind::Number => {
                let number = value
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| FieldError::new(field, "type", "must be a number"))?;
                Ok(json!(number))
            }
            CustomFieldKind::Date => {
                let raw =
                    value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a date as YYYY-MM-DD"))?;
                parse_date(field, raw).map(|d| Value::String(d.to_string()))
            }
            CustomFieldKind::Choice { options } => {
                let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
                if options.iter().any(|o| o == raw) {
                    Ok(Value::String(raw.to_owned()))
                } else {
                    Err(FieldError::new(field, "one_of", format!("must be one of: {}", options.join(", "))))
                }
            }
        }
    }

    /// The definition as stored and returned: `{key, label, type, required, …}`.
    pub fn to_json(&self) -> Value {
        let mut out =
            json!({ "key": self.key, "label": self.label, "type": self.kind.name(), "required": self.required });
        match &self.kind {
            CustomFieldKind::Text { max_length } => out["max_length"] = json!(max_length),
            CustomFieldKind::Choice { options } => out["options"] = json!(options),
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(body: Value) -> Result<CustomFieldDef, Invalid> {
        CustomFieldDef::parse(body.as_object().unwrap())
    }

    #[test]
    fn definitions_and_values() {
        let choice =
            def(json!({"key": "risk", "label": "Risk", "type": "choice", "options": ["low", "high"]})).unwrap();
        assert_eq!(choice.parse_value("custom_fields.risk", &json!("low")).unwrap(), json!("low"));
        assert_eq!(choice.parse_value("custom_fields.risk", &json!("mid")).unwrap_err().rule, "one_of");
        let number =
            def(json!({"key": "headcount", "label": "Headcount", "type": "number", "required": true})).unwrap();
        assert!(number.required);
        assert_eq!(number.parse_value("f", &json!("12")).unwrap_err().rule, "type");
        let round_trip = def(choice.to_json()).unwrap();
        assert_eq!(round_trip, choice);
        let Invalid(errors) = def(json!({"key": "Bad Key", "type": "colour"})).unwrap_err();
        let rules: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert!(
            rules.contains(&("key", "pattern"))
                && rules.contains(&("label", "required"))
                && rules.contains(&("type", "one_of"))
        );
    }
}
