//! Legal entities: the facts that describe one, each of which can change
//! over time and is kept as effective-dated versions.
//!
//! A request's body is parsed field by field into `(Fact, value)` pairs with
//! a canonical JSON value each; every broken rule is reported with the
//! field's path. Checks that need reference data (does the jurisdiction
//! exist, does the legal form fit it) happen where the data is.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::{
    FieldError, Invalid,
    custom_field::CustomFieldDef,
    lei::Lei,
    temporal::{EffectiveChange, parse_date},
    text::bounded_text,
    validation::Collector,
};

/// A fact about an entity that can change over time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fact {
    LegalName,
    OtherNames,
    Jurisdiction,
    LegalForm,
    LegalFormText,
    RegistrationAuthority,
    RegistrationNumber,
    Lei,
    TaxIds,
    IncorporationDate,
    FiscalYearEnd,
    Status,
    ManagementStatus,
    Addresses,
    RegisteredAgent,
    Tags,
    Groups,
    Notes,
    /// A tenant-defined custom field, by key.
    Custom(String),
}

/// The standard facts, by their JSON name.
pub const STANDARD_FACTS: [(&str, Fact); 18] = [
    ("legal_name", Fact::LegalName),
    ("other_names", Fact::OtherNames),
    ("jurisdiction", Fact::Jurisdiction),
    ("legal_form", Fact::LegalForm),
    ("legal_form_text", Fact::LegalFormText),
    ("registration_authority", Fact::RegistrationAuthority),
    ("registration_number", Fact::RegistrationNumber),
    ("lei", Fact::Lei),
    ("tax_ids", Fact::TaxIds),
    ("incorporation_date", Fact::IncorporationDate),
    ("fiscal_year_end", Fact::FiscalYearEnd),
    ("status", Fact::Status),
    ("management_status", Fact::ManagementStatus),
    ("addresses", Fact::Addresses),
    ("registered_agent", Fact::RegisteredAgent),
    ("tags", Fact::Tags),
    ("groups", Fact::Groups),
    ("notes", Fact::Notes),
];

/// Prefix of custom facts in storage: `custom.matter_number`.
const CUSTOM_PREFIX: &str = "custom.";

impl Fact {
    /// The key the fact is stored under.
    pub fn key(&self) -> String {
        match self {
            Self::Custom(key) => format!("{CUSTOM_PREFIX}{key}"),
            standard => STANDARD_FACTS
                .iter()
                .find(|(_, f)| f == standard)
                .map(|(name, _)| (*name).to_owned())
                .unwrap_or_default(),
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        if let Some(custom) = key.strip_prefix(CUSTOM_PREFIX) {
            return Some(Self::Custom(custom.to_owned()));
        }
        STANDARD_FACTS.iter().find(|(name, _)| *name == key).map(|(_, f)| f.clone())
    }

    /// The JSON field that carries it in requests: `legal_name`, or
    /// `custom_fields.matter_number`.
    pub fn field(&self) -> String {
        match self {
            Self::Custom(key) => format!("custom_fields.{key}"),
            other => other.key(),
        }
    }

    /// An entity always has these, from its creation on.
    pub fn required(&self) -> bool {
        matches!(self, Self::LegalName | Self::Jurisdiction)
    }
}

/// Legal status (what the registry says), kept apart from management status.
pub const LEGAL_STATUSES: [&str; 8] =
    ["active", "dormant", "in_liquidation", "in_administration", "dissolved", "merged", "struck_off", "inactive"];
/// Whether the firm manages the entity (and bills for it).
pub const MANAGEMENT_STATUSES: [&str; 6] = ["managed", "not_managed", "pending", "outgoing", "let_lapse", "closed"];
/// Kinds of other names (GLEIF's OtherEntityNames, plus short names).
pub const OTHER_NAME_TYPES: [&str; 5] = ["trading", "former", "transliterated", "alternative_language", "short"];
/// Kinds of address an entity has.
pub const ADDRESS_KINDS: [&str; 3] = ["registered_office", "principal_place_of_business", "mailing"];

/// A parsed request to register an entity or to change some of its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityInput {
    /// Each fact with its new value; `None` clears it from the effective date.
    pub facts: Vec<(Fact, Option<Value>)>,
    pub change: EffectiveChange,
}

impl EntityInput {
    /// The value of a fact in this input, if it sets one.
    pub fn value(&self, fact: &Fact) -> Option<&Value> {
        self.facts.iter().find(|(f, _)| f == fact).and_then(|(_, v)| v.as_ref())
    }
}

/// What kind of request a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A new entity: required facts must be present; defaults fill in.
    Create,
    /// A change: only the fields present; back-dating needs a reason.
    Update,
}

/// Fields a client may send that are not facts.
const CONTROL_FIELDS: [&str; 4] = ["effective_from", "effective_to", "reason", "custom_fields"];

/// Parses a JSON object into facts, reporting every broken rule.
pub fn parse_entity(
    body: &Map<String, Value>,
    intent: Intent,
    custom: &[CustomFieldDef],
    today: NaiveDate,
) -> Result<EntityInput, Invalid> {
    let mut errors = Collector::new();
    let text = |field: &str| match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(FieldError::new(field, "type", "must be a string")),
    };
    let change = {
        let (from, to, reason) = (text("effective_from"), text("effective_to"), text("reason"));
        match (from, to, reason) {
            (Ok(from), Ok(to), Ok(reason)) => {
                match EffectiveChange::parse(from, to, reason, today, intent == Intent::Update) {
                    Ok(change) => Some(change),
                    Err(Invalid(found)) => {
                        found.into_iter().for_each(|e| errors.push(e));
                        None
                    }
                }
            }
            (from, to, reason) => {
                [from.err(), to.err(), reason.err()].into_iter().flatten().for_each(|e| errors.push(e));
                None
            }
        }
    };
    let mut facts = Vec::new();
    for (field, value) in body {
        if CONTROL_FIELDS.contains(&field.as_str()) {
            continue;
        }
        let Some((_, fact)) = STANDARD_FACTS.iter().find(|(name, _)| name == field) else {
            let rule = if ["id", "legal_form_name", "version", "created_at", "updated_at", "as_of", "known_at"]
                .contains(&field.as_str())
            {
                ("read_only", "is computed by Charter and cannot be set")
            } else {
                ("unknown_field", "is not a field of a legal entity")
            };
            errors.push(FieldError::new(field, rule.0, rule.1));
            continue;
        };
        if value.is_null() {
            if fact.required() {
                errors.push(FieldError::new(field, "required", "cannot be removed"));
            } else {
                facts.push((fact.clone(), None));
            }
            continue;
        }
        if let Some(parsed) = errors.take(parse_fact(fact, field, value)) {
            facts.push((fact.clone(), Some(parsed)));
        }
    }
    match body.get("custom_fields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(values)) => {
            for (key, value) in values {
                let field = format!("custom_fields.{key}");
                let Some(def) = custom.iter().find(|d| d.key.as_str() == key) else {
                    errors.push(FieldError::new(field, "unknown_field", "is not a custom field of this tenant"));
                    continue;
                };
                if value.is_null() {
                    if def.required {
                        errors.push(FieldError::new(field, "required", "is a required custom field"));
                    } else {
                        facts.push((Fact::Custom(key.clone()), None));
                    }
                    continue;
                }
                if let Some(parsed) = errors.take(def.parse_value(&field, value)) {
                    facts.push((Fact::Custom(key.clone()), Some(parsed)));
                }
            }
        }
        Some(_) => errors.push(FieldError::new("custom_fields", "type", "must be an object")),
    }
    if intent == Intent::Create {
        for fact in [Fact::LegalName, Fact::Jurisdiction] {
            if !facts.iter().any(|(f, _)| *f == fact) && !errors_mention(&errors, &fact.field()) {
                errors.push(FieldError::new(fact.field(), "required", "is required"));
            }
        }
        for def in custom.iter().filter(|d| d.required) {
            let fact = Fact::Custom(def.key.as_str().to_owned());
            if !facts.iter().any(|(f, _)| *f == fact) && !errors_mention(&errors, &fact.field()) {
                errors.push(FieldError::new(fact.field(), "required", "is a required custom field"));
            }
        }
        for (fact, default) in [(Fact::Status, "active"), (Fact::ManagementStatus, "managed")] {
            if !facts.iter().any(|(f, _)| *f == fact) {
                facts.push((fact, Some(json!(default))));
            }
        }
    } else if facts.is_empty() && change.is_some() && errors.fields().next().is_none() {
        errors.push(FieldError::new("body", "no_change", "names no field to change"));
    }
    // 8888 and 9999 stand for no listed form: the form must then be given as text.
    let unlisted = facts.iter().any(|(f, v)| {
        *f == Fact::LegalForm && v.as_ref().and_then(Value::as_str).is_some_and(|c| c == "8888" || c == "9999")
    });
    let text_given = facts.iter().any(|(f, v)| *f == Fact::LegalFormText && v.is_some());
    if unlisted && !text_given {
        errors.push(FieldError::new(
            "legal_form_text",
            "required_for_unlisted_form",
            "legal forms 8888 and 9999 need the form as text",
        ));
    }
    errors.finish()?;
    facts.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(EntityInput { facts, change: change.unwrap_or(EffectiveChange { from: today, to: None, reason: None }) })
}

fn errors_mention(errors: &Collector, field: &str) -> bool {
    errors.fields().any(|f| f == field || f.starts_with(&format!("{field}.")))
}

/// Parses one standard fact's value into its canonical JSON.
fn parse_fact(fact: &Fact, field: &str, value: &Value) -> Result<Value, FieldError> {
    let string = |max: usize| -> Result<Value, FieldError> {
        let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
        bounded_text(field, raw, max).map(Value::String)
    };
    let one_of = |allowed: &[&str]| -> Result<Value, FieldError> {
        let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
        if allowed.contains(&raw) {
            Ok(Value::String(raw.to_owned()))
        } else {
            Err(FieldError::new(field, "one_of", format!("must be one of: {}", allowed.join(", "))))
        }
    };
    match fact {
        Fact::LegalName => string(500),
        Fact::LegalFormText | Fact::RegistrationAuthority => string(200),
        Fact::RegistrationNumber => string(100),
        Fact::Notes => string(10_000),
        Fact::Jurisdiction => {
            let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
            jurisdiction_shape(field, raw).map(Value::String)
        }
        Fact::LegalForm => {
            let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
            if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                Ok(Value::String(raw.to_owned()))
            } else {
                Err(FieldError::new(field, "elf_code", "must be an ISO 20275 ELF code of 4 characters"))
            }
        }
        Fact::Lei => {
            let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
            Lei::parse(field, raw).map(|lei| Value::String(lei.as_str().to_owned()))
        }
        Fact::IncorporationDate => {
            let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
            parse_date(field, raw).map(|d| Value::String(d.to_string()))
        }
        Fact::FiscalYearEnd => {
            let raw = value.as_str().ok_or_else(|| FieldError::new(field, "type", "must be a string"))?;
            fiscal_year_end(field, raw).map(Value::String)
        }
        Fact::Status => one_of(&LEGAL_STATUSES),
        Fact::ManagementStatus => one_of(&MANAGEMENT_STATUSES),
        Fact::OtherNames => list(field, value, 50, |path, item| {
            let object = object_with(path, item, &["type", "name", "language"])?;
            let kind = required_str(path, object, "type")?;
            if !OTHER_NAME_TYPES.contains(&kind) {
                return Err(FieldError::new(
                    format!("{path}.type"),
                    "one_of",
                    format!("must be one of: {}", OTHER_NAME_TYPES.join(", ")),
                ));
            }
            let name = bounded_text(&format!("{path}.name"), required_str(path, object, "name")?, 500)?;
            let mut out = json!({ "type": kind, "name": name });
            if let Some(language) = optional_str(path, object, "language")? {
                out["language"] = json!(bounded_text(&format!("{path}.language"), language, 20)?);
            }
            Ok(out)
        }),
        Fact::TaxIds => list(field, value, 20, |path, item| {
            let object = object_with(path, item, &["type", "country", "value"])?;
            let kind = bounded_text(&format!("{path}.type"), required_str(path, object, "type")?, 30)?;
            let id = bounded_text(&format!("{path}.value"), required_str(path, object, "value")?, 50)?;
            let mut out = json!({ "type": kind, "value": id });
            if let Some(country) = optional_str(path, object, "country")? {
                out["country"] = json!(country_shape(&format!("{path}.country"), country)?);
            }
            Ok(out)
        }),
        Fact::Addresses => {
            let object = value.as_object().ok_or_else(|| FieldError::new(field, "type", "must be an object"))?;
            let mut out = Map::new();
            for (kind, address) in object {
                let path = format!("{field}.{kind}");
                if !ADDRESS_KINDS.contains(&kind.as_str()) {
                    return Err(FieldError::new(
                        path,
                        "unknown_field",
                        format!("must be one of: {}", ADDRESS_KINDS.join(", ")),
                    ));
                }
                if !address.is_null() {
                    out.insert(kind.clone(), parse_address(&path, address)?);
                }
            }
            Ok(Value::Object(out))
        }
        Fact::RegisteredAgent => {
            let object = object_with(field, value, &["name", "address"])?;
            let name = bounded_text(&format!("{field}.name"), required_str(field, object, "name")?, 200)?;
            let mut out = json!({ "name": name });
            if let Some(address) = object.get("address").filter(|a| !a.is_null()) {
                out["address"] = parse_address(&format!("{field}.address"), address)?;
            }
            Ok(out)
        }
        Fact::Tags => {
            let tags = list(field, value, 50, |path, item| {
                let raw = item.as_str().ok_or_else(|| FieldError::new(path, "type", "must be a string"))?;
                bounded_text(path, raw, 50).map(Value::String)
            })?;
            let unique: BTreeSet<String> =
                tags.as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect();
            Ok(json!(unique))
        }
        Fact::Groups => {
            let groups = list(field, value, 50, |path, item| {
                let raw = item.as_str().ok_or_else(|| FieldError::new(path, "type", "must be a string"))?;
                crate::ids::GroupId::parse(path, raw).map(|g| Value::String(g.to_string()))
            })?;
            let unique: BTreeSet<String> =
                groups.as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect();
            Ok(json!(unique))
        }
        Fact::Custom(_) => Err(FieldError::new(field, "unknown_field", "custom fields go in custom_fields")),
    }
}

/// `DE` or `US-DE` (shape only).
pub fn jurisdiction_shape(field: &str, raw: &str) -> Result<String, FieldError> {
    let (country, subdivision) = match raw.split_once('-') {
        Some((country, sub)) => (country, Some(sub)),
        None => (raw, None),
    };
    let country_ok = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
    let subdivision_ok = subdivision
        .is_none_or(|s| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    if country_ok && subdivision_ok {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "iso_3166",
            "must be an ISO 3166-1 alpha-2 country code (\"DE\") or an ISO 3166-2 subdivision code (\"US-DE\")",
        ))
    }
}

/// An ISO 3166-1 alpha-2 country code (shape only).
pub fn country_shape(field: &str, raw: &str) -> Result<String, FieldError> {
    if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(field, "iso_3166_1", "must be an ISO 3166-1 alpha-2 country code (\"GB\")"))
    }
}

/// `MM-DD`, a day that exists in some year.
fn fiscal_year_end(field: &str, raw: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new(field, "month_day", "must be a month and day as MM-DD (\"12-31\")");
    let (month, day) = raw.split_once('-').ok_or_else(bad)?;
    if month.len() != 2 || day.len() != 2 {
        return Err(bad());
    }
    let (month, day): (u32, u32) = (month.parse().map_err(|_| bad())?, day.parse().map_err(|_| bad())?);
    // 2024 is a leap year, so 02-29 is a real fiscal year end.
    NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
    Ok(format!("{month:02}-{day:02}"))
}

fn parse_address(path: &str, value: &Value) -> Result<Value, FieldError> {
    let object = object_with(path, value, &["lines", "city", "region", "postal_code", "country"])?;
    let lines = list(&format!("{path}.lines"), object.get("lines").unwrap_or(&Value::Null), 4, |p, line| {
        let raw = line.as_str().ok_or_else(|| FieldError::new(p, "type", "must be a string"))?;
        bounded_text(p, raw, 200).map(Value::String)
    })?;
    if lines.as_array().is_none_or(Vec::is_empty) {
        return Err(FieldError::new(format!("{path}.lines"), "required", "needs at least one line"));
    }
    let city = bounded_text(&format!("{path}.city"), required_str(path, object, "city")?, 100)?;
    let country = country_shape(&format!("{path}.country"), required_str(path, object, "country")?)?;
    let mut out = json!({ "lines": lines, "city": city, "country": country });
    if let Some(region) = optional_str(path, object, "region")? {
        out["region"] = json!(bounded_text(&format!("{path}.region"), region, 100)?);
    }
    if let Some(postal_code) = optional_str(path, object, "postal_code")? {
        out["postal_code"] = json!(bounded_text(&format!("{path}.postal_code"), postal_code, 20)?);
    }
    Ok(out)
}

/// An array of at most `max` items, each parsed with `item`.
fn list(
    field: &str,
    value: &Value,
    max: usize,
    item: impl Fn(&str, &Value) -> Result<Value, FieldError>,
) -> Result<Value, FieldError> {
    let items = value.as_array().ok_or_else(|| FieldError::new(field, "type", "must be an array"))?;
    if items.len() > max {
        return Err(FieldError::new(field, "max_items", format!("must have at most {max} items")));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(&format!("{field}[{i}]"), v))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// An object with only the `allowed` keys.
fn object_with<'a>(path: &str, value: &'a Value, allowed: &[&str]) -> Result<&'a Map<String, Value>, FieldError> {
    let object = value.as_object().ok_or_else(|| FieldError::new(path, "type", "must be an object"))?;
    if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(FieldError::new(
            format!("{path}.{unknown}"),
            "unknown_field",
            format!("must be one of: {}", allowed.join(", ")),
        ));
    }
    Ok(object)
}

fn required_str<'a>(path: &str, object: &'a Map<String, Value>, key: &str) -> Result<&'a str, FieldError> {
    match object.get(key) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(FieldError::new(format!("{path}.{key}"), "required", "is required")),
        Some(_) => Err(FieldError::new(format!("{path}.{key}"), "type", "must be a string")),
    }
}

fn optional_str<'a>(path: &str, object: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, FieldError> {
    match object.get(key) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(FieldError::new(format!("{path}.{key}"), "type", "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_field::{CustomFieldDef, CustomFieldKey, CustomFieldKind};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn parse(body: Value, intent: Intent) -> Result<EntityInput, Invalid> {
        let custom = [CustomFieldDef {
            key: CustomFieldKey::parse("key", "matter_number").unwrap(),
            label: "Matter number".into(),
            kind: CustomFieldKind::Text { max_length: 20 },
            required: false,
        }];
        parse_entity(body.as_object().unwrap(), intent, &custom, today())
    }

    fn fields(result: Result<EntityInput, Invalid>) -> Vec<(String, &'static str)> {
        result.unwrap_err().0.into_iter().map(|e| (e.field, e.rule)).collect()
    }

    #[test]
    fn a_complete_entity_parses() {
        let input = parse(
            json!({
                "legal_name": " Beispiel GmbH ", "jurisdiction": "DE", "legal_form": "2HBR", "lei": "851WYGNLUQLFZBSYGB56",
                "other_names": [{"type": "trading", "name": "Beispiel"}],
                "tax_ids": [{"type": "VAT", "country": "DE", "value": "DE123456789"}],
                "incorporation_date": "2010-05-01", "fiscal_year_end": "12-31",
                "addresses": {"registered_office": {"lines": ["Hauptstr. 1"], "city": "Berlin", "country": "DE"}},
                "registered_agent": {"name": "Agent AG"}, "tags": ["b", "a", "a"],
                "custom_fields": {"matter_number": "M-1"}, "effective_from": "2020-01-01"
            }),
            Intent::Create,
        )
        .unwrap();
        assert_eq!(input.value(&Fact::LegalName), Some(&json!("Beispiel GmbH")));
        assert_eq!(input.value(&Fact::Tags), Some(&json!(["a", "b"])));
        assert_eq!(input.value(&Fact::Status), Some(&json!("active")), "defaults fill in");
        assert_eq!(input.value(&Fact::Custom("matter_number".into())), Some(&json!("M-1")));
        assert_eq!(input.change.from, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
    }

    #[test]
    fn every_broken_rule_is_named() {
        let found = fields(parse(
            json!({
                "jurisdiction": "Germany", "lei": "5493001KJTIIGC8Y1R13", "fiscal_year_end": "02-30",
                "status": "sleeping", "addresses": {"registered_office": {"lines": [], "city": "X", "country": "DEU"}},
                "custom_fields": {"nope": 1}, "id": "x", "colour": "red", "legal_form": "9999"
            }),
            Intent::Create,
        ));
        for expected in [
            ("jurisdiction", "iso_3166"),
            ("lei", "lei_check_digits"),
            ("fiscal_year_end", "month_day"),
            ("status", "one_of"),
            ("addresses.registered_office.lines", "required"),
            ("custom_fields.nope", "unknown_field"),
            ("id", "read_only"),
            ("colour", "unknown_field"),
            ("legal_name", "required"),
            ("legal_form_text", "required_for_unlisted_form"),
        ] {
            assert!(found.contains(&(expected.0.to_owned(), expected.1)), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn changes_need_a_field_and_reasons_for_corrections() {
        assert_eq!(fields(parse(json!({}), Intent::Update)), [("body".to_owned(), "no_change")]);
        assert_eq!(
            fields(parse(json!({"status": "dormant", "effective_from": "2024-01-01"}), Intent::Update)),
            [("reason".to_owned(), "required_for_correction")]
        );
        let scheduled =
            parse(json!({"legal_name": "Beta Ltd", "effective_from": "2030-06-01"}), Intent::Update).unwrap();
        assert_eq!(scheduled.facts.len(), 1);
        assert_eq!(fields(parse(json!({"legal_name": null}), Intent::Update)), [("legal_name".to_owned(), "required")]);
        assert_eq!(parse(json!({"lei": null}), Intent::Update).unwrap().facts, [(Fact::Lei, None)]);
    }

    #[test]
    fn fact_keys_round_trip() {
        for (name, fact) in STANDARD_FACTS {
            assert_eq!(fact.key(), name);
            assert_eq!(Fact::from_key(name), Some(fact));
        }
        assert_eq!(Fact::from_key("custom.matter"), Some(Fact::Custom("matter".into())));
    }
}
