//! GLEIF records (the GLEIF API's JSON: `lei-records` and
//! `relationship-records`) turned into what the register keeps: an entity
//! body as the API takes it, dated by GLEIF's own dates, and consolidation
//! relationships with their periods. A record that cannot be read is
//! reported by its id and imported not at all.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::{entity::Fact, lei::Lei, validation::FieldError};

/// Every fact a GLEIF record can give (`lei_record` sets no other): those a
/// newer record may stop giving. Legal name, LEI, jurisdiction and status
/// are in every record; the others only when GLEIF has them.
pub const FACTS: [Fact; 11] = [
    Fact::LegalName,
    Fact::Lei,
    Fact::OtherNames,
    Fact::Jurisdiction,
    Fact::LegalForm,
    Fact::LegalFormText,
    Fact::RegistrationAuthority,
    Fact::RegistrationNumber,
    Fact::Status,
    Fact::IncorporationDate,
    Fact::Addresses,
];

/// An entity as GLEIF describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeiRecord {
    pub lei: String,
    /// An entity body as `POST …/entities` takes it (without dates).
    pub body: Map<String, Value>,
    /// From when the facts hold: the entity's creation date, else its first registration.
    pub since: NaiveDate,
    /// When GLEIF last changed the record: the date a changed fact takes effect.
    pub updated: NaiveDate,
}

/// A consolidation relationship: `child` is consolidated by `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    /// The relationship's key, the same from the API and the golden copy:
    /// `{child}|LEI|{type}|{parent}`.
    pub id: String,
    pub child: String,
    pub parent: String,
    /// `IS_DIRECTLY_CONSOLIDATED_BY`, `IS_ULTIMATELY_CONSOLIDATED_BY`, ….
    pub kind: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// The relationship period, if GLEIF gives one.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One record of a file, read or refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Entity(LeiRecord),
    Relationship(Relationship),
    /// Not importable: the record's id (or position) and why.
    Refused {
        id: String,
        reason: String,
    },
}

/// The records of one GLEIF API document (`{"data": [...]}` or `{"data": {...}}`).
pub fn records(document: &Value) -> Result<Vec<Record>, FieldError> {
    let data =
        document.get("data").ok_or_else(|| FieldError::new("data", "required", "is not a GLEIF API document"))?;
    let items: Vec<&Value> = match data {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![data],
        _ => return Err(FieldError::new("data", "type", "must be a record or a list of records")),
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            record(item).unwrap_or_else(|reason| {
                let id = item["id"].as_str().map_or_else(|| format!("record {}", n + 1), str::to_owned);
                Record::Refused { id, reason }
            })
        })
        .collect())
}

/// One record in the API's shape (`{"type": "lei-records" | "relationship-records", "id", "attributes"}`),
/// or why it cannot be read. The golden-copy CSV reader (`gleif_csv`) builds this shape
/// too, so both sources go through the same mapping.
pub(crate) fn record(item: &Value) -> Result<Record, String> {
    match item["type"].as_str() {
        Some("lei-records") => lei_record(item).map(Record::Entity),
        Some("relationship-records") => relationship(item).map(Record::Relationship),
        other => Err(format!("unknown record type {other:?}")),
    }
}

/// What identifies a relationship across GLEIF's formats and publications:
/// `{child}|LEI|{type}|{parent}`. GLEIF has one relationship of a type
/// between two LEIs; the API's own record id goes on with a number and a
/// digest that the golden copy does not carry (and that may change with a
/// new revision of the record), so it cannot key a relationship that comes
/// from either source.
pub(crate) fn relationship_key(child: &str, kind: &str, parent: &str) -> String {
    format!("{child}|LEI|{kind}|{parent}")
}

fn date(value: &Value) -> Option<NaiveDate> {
    value.as_str().and_then(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

fn text(value: &Value) -> Option<&str> {
    value.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn address(value: &Value) -> Option<Value> {
    let lines: Vec<&str> = value["addressLines"].as_array()?.iter().filter_map(text).take(4).collect();
    let (city, country) = (text(&value["city"])?, text(&value["country"])?);
    if lines.is_empty() {
        return None;
    }
    let mut out = json!({ "lines": lines, "city": city, "country": country });
    if let Some(region) = text(&value["region"]) {
        out["region"] = json!(region);
    }
    if let Some(code) = text(&value["postalCode"]) {
        out["postal_code"] = json!(code);
    }
    Some(out)
}

/// GLEIF's kinds of other names, as the register names them.
fn name_type(gleif: &str) -> &'static str {
    match gleif {
        "PREVIOUS_LEGAL_NAME" => "former",
        "TRADING_OR_OPERATING_NAME" => "trading",
        "ALTERNATIVE_LANGUAGE_LEGAL_NAME" => "alternative_language",
        _ => "transliterated",
    }
}

fn lei_record(item: &Value) -> Result<LeiRecord, String> {
    let attributes = &item["attributes"];
    let entity = &attributes["entity"];
    let lei = text(&attributes["lei"]).or_else(|| text(&item["id"])).ok_or("no LEI")?;
    let lei = Lei::parse("lei", lei).map_err(|e| e.message)?.as_str().to_owned();
    let legal_name = text(&entity["legalName"]["name"]).ok_or("no legal name")?;
    let mut body = Map::new();
    body.insert("legal_name".into(), json!(legal_name));
    body.insert("lei".into(), json!(lei));
    let other_names: Vec<Value> = ["otherNames", "transliteratedOtherNames"]
        .iter()
        .flat_map(|list| entity[*list].as_array().cloned().unwrap_or_default())
        .filter_map(|n| {
            let name = text(&n["name"])?;
            let mut out = json!({ "type": name_type(n["type"].as_str().unwrap_or("")), "name": name });
            if let Some(language) = text(&n["language"]) {
                out["language"] = json!(language);
            }
            Some(out)
        })
        .collect();
    if !other_names.is_empty() {
        body.insert("other_names".into(), Value::Array(other_names));
    }
    let jurisdiction = text(&entity["jurisdiction"]).or_else(|| text(&entity["legalAddress"]["country"]));
    body.insert("jurisdiction".into(), json!(jurisdiction.ok_or("no jurisdiction")?));
    if let Some(form) = text(&entity["legalForm"]["id"]) {
        body.insert("legal_form".into(), json!(form));
        if let Some(other) = text(&entity["legalForm"]["other"]) {
            body.insert("legal_form_text".into(), json!(other));
        }
    }
    if let Some(authority) = text(&entity["registeredAt"]["id"]).or_else(|| text(&entity["registeredAt"]["other"])) {
        body.insert("registration_authority".into(), json!(authority));
    }
    if let Some(number) = text(&entity["registeredAs"]) {
        body.insert("registration_number".into(), json!(number));
    }
    let status = match entity["status"].as_str() {
        Some("INACTIVE") => "inactive",
        _ => "active",
    };
    body.insert("status".into(), json!(status));
    let created = date(&entity["creationDate"]);
    if let Some(created) = created {
        body.insert("incorporation_date".into(), json!(created.to_string()));
    }
    let mut addresses = Map::new();
    if let Some(a) = address(&entity["legalAddress"]) {
        addresses.insert("registered_office".into(), a);
    }
    if let Some(a) = address(&entity["headquartersAddress"]) {
        addresses.insert("principal_place_of_business".into(), a);
    }
    if !addresses.is_empty() {
        body.insert("addresses".into(), Value::Object(addresses));
    }
    let registration = &attributes["registration"];
    let first = date(&registration["initialRegistrationDate"]);
    let since = created.or(first).ok_or("neither a creation nor a registration date")?;
    let updated = date(&registration["lastUpdateDate"]).or(first).unwrap_or(since).max(since);
    Ok(LeiRecord { lei, body, since, updated })
}

fn relationship(item: &Value) -> Result<Relationship, String> {
    let attributes = &item["attributes"];
    let r = &attributes["relationship"];
    let node = |end: &str| -> Result<String, String> {
        let node = &r[end];
        if node["type"].as_str() != Some("LEI") {
            return Err(format!("{end} is not an LEI"));
        }
        let id = text(&node["id"]).ok_or(format!("{end} has no id"))?;
        Lei::parse(end, id).map(|l| l.as_str().to_owned()).map_err(|e| format!("{end}: {}", e.message))
    };
    let period =
        r["periods"].as_array().into_iter().flatten().find(|p| p["type"].as_str() == Some("RELATIONSHIP_PERIOD"));
    let (child, parent) = (node("startNode")?, node("endNode")?);
    let kind = text(&r["type"]).ok_or("no relationship type")?.to_owned();
    Ok(Relationship {
        id: relationship_key(&child, &kind, &parent),
        child,
        parent,
        kind,
        status: text(&r["status"]).unwrap_or("ACTIVE").to_owned(),
        from: period.and_then(|p| date(&p["startDate"])),
        to: period.and_then(|p| date(&p["endDate"])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_refuses_bad_ones_by_id() {
        let document = json!({"data": [
            {"type": "lei-records", "id": "21380068P1DRHMJ8KU70", "attributes": {
                "lei": "21380068P1DRHMJ8KU70",
                "entity": {"legalName": {"name": "SHELL PLC"}, "jurisdiction": "GB", "legalForm": {"id": "B6ES"},
                           "registeredAs": "04366849", "status": "ACTIVE", "creationDate": "2002-02-05T00:00:00Z",
                           "otherNames": [{"name": "ROYAL DUTCH SHELL PLC", "type": "PREVIOUS_LEGAL_NAME", "language": "en"}],
                           "legalAddress": {"addressLines": ["SHELL CENTRE"], "city": "LONDON", "country": "GB", "postalCode": "SE1 7NA"}},
                "registration": {"initialRegistrationDate": "2012-06-06T00:00:00Z", "lastUpdateDate": "2025-03-03T10:00:00Z"}}},
            {"type": "lei-records", "id": "5493001KJTIIGC8Y1R13", "attributes": {"lei": "5493001KJTIIGC8Y1R13", "entity": {}}},
            {"type": "relationship-records", "id": "X|Y", "attributes": {"relationship": {
                "startNode": {"id": "2138004VFYZFYLELHT92", "type": "LEI"}, "endNode": {"id": "21380068P1DRHMJ8KU70", "type": "LEI"},
                "type": "IS_DIRECTLY_CONSOLIDATED_BY", "status": "ACTIVE",
                "periods": [{"startDate": "2017-10-18T00:00:00Z", "type": "RELATIONSHIP_PERIOD"}]}}}
        ]});
        let read = records(&document).unwrap();
        let Record::Entity(shell) = &read[0] else { panic!("{read:?}") };
        assert_eq!(shell.body["legal_name"], "SHELL PLC");
        assert_eq!(shell.body["other_names"][0]["type"], "former");
        assert_eq!(shell.since.to_string(), "2002-02-05");
        assert_eq!(shell.updated.to_string(), "2025-03-03");
        assert!(matches!(&read[1], Record::Refused { id, .. } if id == "5493001KJTIIGC8Y1R13"));
        let Record::Relationship(r) = &read[2] else { panic!("{read:?}") };
        assert_eq!((r.child.as_str(), r.parent.as_str()), ("2138004VFYZFYLELHT92", "21380068P1DRHMJ8KU70"));
        assert_eq!(r.from.map(|d| d.to_string()).as_deref(), Some("2017-10-18"));
        assert!(records(&json!({"meta": {}})).is_err());
    }

    #[test]
    fn a_record_with_every_field_gives_only_the_listed_facts() {
        let full = json!({"type": "lei-records", "id": "21380068P1DRHMJ8KU70", "attributes": {
            "lei": "21380068P1DRHMJ8KU70",
            "entity": {"legalName": {"name": "SHELL PLC"}, "jurisdiction": "GB",
                       "legalForm": {"id": "8888", "other": "public limited company"},
                       "registeredAt": {"id": "RA000585"}, "registeredAs": "04366849", "status": "INACTIVE",
                       "creationDate": "2002-02-05T00:00:00Z",
                       "otherNames": [{"name": "ROYAL DUTCH SHELL PLC", "type": "PREVIOUS_LEGAL_NAME"}],
                       "transliteratedOtherNames": [{"name": "SHELL", "type": "AUTO_ASCII_TRANSLITERATED_LEGAL_NAME"}],
                       "legalAddress": {"addressLines": ["SHELL CENTRE"], "city": "LONDON", "country": "GB"},
                       "headquartersAddress": {"addressLines": ["SHELL CENTRE"], "city": "LONDON", "country": "GB"}},
            "registration": {"initialRegistrationDate": "2012-06-06T00:00:00Z"}}});
        let Ok(Record::Entity(record)) = record(&full) else { panic!("not read") };
        let listed: Vec<String> = FACTS.iter().map(Fact::key).collect();
        let given: Vec<&String> = record.body.keys().collect();
        assert_eq!(given.len(), FACTS.len(), "every listed fact is given by some record: {given:?}");
        assert!(given.iter().all(|key| listed.contains(key)), "{given:?} beyond {listed:?}");
    }
}
