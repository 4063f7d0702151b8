//! GLEIF files as they come: an API JSON document, or a golden-copy CSV file
//! (LEI-CDF 3.1 `lei2`, RR-CDF 2.1 `rr`), read into the same records as
//! [`gleif::records`]. The format is recognised by content, not by name.
//!
//! A CSV row is rebuilt into the record the GLEIF API gives for it
//! (`{"type", "id", "attributes"}`) and read by the same mapping as the API's
//! JSON, so a record reads the same from either source. Columns are found by
//! their header name: their order, extra columns and missing optional ones do
//! not matter. A row that cannot be read is refused by its LEI (or relationship
//! id, or else its line in the file) and the others go on.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use csv::{ByteRecord, ReaderBuilder};
use serde_json::{Map, Value, json};

use crate::{
    gleif::{self, Record},
    validation::FieldError,
};

/// The records of one GLEIF file, whichever of the three formats it is in.
///
/// An API document whose JSON is broken, or a file in none of the formats,
/// is an error naming the file; a bad record or row is a [`Record::Refused`].
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<Record>, FieldError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let document: Value = serde_json::from_slice(bytes)
            .map_err(|e| FieldError::new(name, "json", format!("{name} is not valid JSON: {e}")))?;
        return gleif::records(&document)
            .map_err(|e| FieldError::new(name, e.rule, format!("{name}: `{}` {}", e.field, e.message)));
    }
    let mut reader = ReaderBuilder::new().flexible(true).from_reader(bytes);
    let layout = reader.byte_headers().ok().and_then(Layout::new).ok_or_else(|| {
        FieldError::new(
            name,
            "format",
            format!(
                "{name} is neither a GLEIF API JSON document nor a golden-copy CSV file \
                 (LEI-CDF 3.1 with `LEI` and `Entity.LegalName`, or RR-CDF 2.1 with `Relationship.StartNode.NodeID`)"
            ),
        )
    })?;
    let mut read = Vec::new();
    let mut row = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => read.push(layout.record(&row)),
            Err(e) => {
                let line = e.position().map_or_else(|| "?".to_owned(), |p| p.line().to_string());
                read.push(Record::Refused { id: format!("line {line}"), reason: e.to_string() });
                if e.is_io_error() {
                    break;
                }
            }
        }
    }
    Ok(read)
}

/// A golden-copy column and where its value goes in the API's record
/// (a path under `attributes`).
#[derive(Debug)]
struct Field {
    column: usize,
    path: Vec<&'static str>,
    /// Golden-copy timestamps carry the LOU's UTC offset; the API gives them in UTC.
    timestamp: bool,
}

/// A numbered column group (`….1`, `….2`, …) the API gives as a list of
/// objects (other names, relationship periods). Each item's fields have a
/// one-key path.
#[derive(Debug)]
struct List {
    path: Vec<&'static str>,
    items: Vec<Vec<Field>>,
}

/// Address lines: the first line and the additional ones, which the API
/// gives as one list of strings.
#[derive(Debug)]
struct Lines {
    path: Vec<&'static str>,
    columns: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// LEI-CDF 3.1: one legal entity per row.
    Lei,
    /// RR-CDF 2.1: one relationship per row.
    Relationship,
}

/// Where one file keeps what the API's record needs, found once from its header.
#[derive(Debug)]
struct Layout {
    kind: Kind,
    width: usize,
    /// What identifies a row: its LEI, or the relationship's start node,
    /// start node type, type and end node.
    key: Vec<Option<usize>>,
    fields: Vec<Field>,
    lists: Vec<List>,
    lines: Vec<Lines>,
}

/// LEI-CDF 3.1 columns with one value, and where the API has them.
const LEI_FIELDS: &[(&str, &str)] = &[
    ("LEI", "lei"),
    ("Entity.LegalName", "entity.legalName.name"),
    ("Entity.LegalName.xmllang", "entity.legalName.language"),
    ("Entity.RegistrationAuthority.RegistrationAuthorityID", "entity.registeredAt.id"),
    ("Entity.RegistrationAuthority.OtherRegistrationAuthorityID", "entity.registeredAt.other"),
    ("Entity.RegistrationAuthority.RegistrationAuthorityEntityID", "entity.registeredAs"),
    ("Entity.LegalJurisdiction", "entity.jurisdiction"),
    ("Entity.EntityCategory", "entity.category"),
    ("Entity.EntitySubCategory", "entity.subCategory"),
    ("Entity.LegalForm.EntityLegalFormCode", "entity.legalForm.id"),
    ("Entity.LegalForm.OtherLegalForm", "entity.legalForm.other"),
    ("Entity.EntityStatus", "entity.status"),
    ("Entity.EntityCreationDate", "entity.creationDate"),
    ("Registration.InitialRegistrationDate", "registration.initialRegistrationDate"),
    ("Registration.LastUpdateDate", "registration.lastUpdateDate"),
    ("Registration.RegistrationStatus", "registration.status"),
    ("Registration.NextRenewalDate", "registration.nextRenewalDate"),
    ("Registration.ManagingLOU", "registration.managingLou"),
    ("Registration.ValidationSources", "registration.corroborationLevel"),
    ("ConformityFlag", "conformityFlag"),
];

/// The two addresses of LEI-CDF 3.1: column prefix, API key.
const ADDRESSES: &[(&str, &str)] =
    &[("Entity.LegalAddress", "legalAddress"), ("Entity.HeadquartersAddress", "headquartersAddress")];

/// An address's columns besides its lines (those the API keeps apart from `addressLines`).
const ADDRESS_PARTS: &[(&str, &str)] = &[
    ("xmllang", "language"),
    ("AddressNumber", "addressNumber"),
    ("AddressNumberWithinBuilding", "addressNumberWithinBuilding"),
    ("MailRouting", "mailRouting"),
    ("City", "city"),
    ("Region", "region"),
    ("Country", "country"),
    ("PostalCode", "postalCode"),
];

/// The two name lists of LEI-CDF 3.1: column prefix, API key.
const NAME_LISTS: &[(&str, &str)] = &[
    ("Entity.OtherEntityNames.OtherEntityName", "otherNames"),
    ("Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName", "transliteratedOtherNames"),
];

/// RR-CDF 2.1 columns with one value, and where the API has them.
const RR_FIELDS: &[(&str, &str)] = &[
    ("Relationship.StartNode.NodeID", "relationship.startNode.id"),
    ("Relationship.StartNode.NodeIDType", "relationship.startNode.type"),
    ("Relationship.EndNode.NodeID", "relationship.endNode.id"),
    ("Relationship.EndNode.NodeIDType", "relationship.endNode.type"),
    ("Relationship.RelationshipType", "relationship.type"),
    ("Relationship.RelationshipStatus", "relationship.status"),
    ("Registration.InitialRegistrationDate", "registration.initialRegistrationDate"),
    ("Registration.LastUpdateDate", "registration.lastUpdateDate"),
    ("Registration.RegistrationStatus", "registration.status"),
    ("Registration.NextRenewalDate", "registration.nextRenewalDate"),
    ("Registration.ManagingLOU", "registration.managingLou"),
    ("Registration.ValidationSources", "registration.corroborationLevel"),
    ("Registration.ValidationDocuments", "registration.corroborationDocuments"),
    ("Registration.ValidationReference", "registration.corroborationReference"),
];

/// The relationship columns that identify a row, in the order of the id.
const RR_KEY: &[&str] = &[
    "Relationship.StartNode.NodeID",
    "Relationship.StartNode.NodeIDType",
    "Relationship.RelationshipType",
    "Relationship.EndNode.NodeID",
];

impl Layout {
    /// The layout of a header, if it is one of the two golden-copy formats.
    fn new(header: &ByteRecord) -> Option<Self> {
        let index: HashMap<&str, usize> = header
            .iter()
            .enumerate()
            .filter_map(|(i, name)| Some((std::str::from_utf8(name).ok()?.trim(), i)))
            .collect();
        let column = |name: &str| index.get(name).copied();
        let field = |name: &str, path: &'static str| {
            Some(Field { column: column(name)?, path: path.split('.').collect(), timestamp: name.ends_with("Date") })
        };
        let kind = if column("LEI").is_some() && column("Entity.LegalName").is_some() {
            Kind::Lei
        } else if column("Relationship.StartNode.NodeID").is_some() {
            Kind::Relationship
        } else {
            return None;
        };
        let mut layout = Self {
            kind,
            width: header.len(),
            key: Vec::new(),
            fields: Vec::new(),
            lists: Vec::new(),
            lines: Vec::new(),
        };
        match kind {
            Kind::Lei => {
                layout.key = vec![column("LEI")];
                layout.fields = LEI_FIELDS.iter().filter_map(|&(name, path)| field(name, path)).collect();
                for &(prefix, key) in ADDRESSES {
                    layout.fields.extend(ADDRESS_PARTS.iter().filter_map(|&(part, path)| {
                        let f = field(&format!("{prefix}.{part}"), path)?;
                        Some(Field { path: vec!["entity", key, path], ..f })
                    }));
                    // Repeating groups are numbered from 1 (to 5 today): read as many as the header has.
                    let first = column(&format!("{prefix}.FirstAddressLine"));
                    let additional = (1..).map_while(|n| column(&format!("{prefix}.AdditionalAddressLine.{n}")));
                    let columns = first.into_iter().chain(additional).collect();
                    layout.lines.push(Lines { path: vec!["entity", key, "addressLines"], columns });
                }
                for &(prefix, key) in NAME_LISTS {
                    let items = (1..)
                        .map_while(|n| {
                            column(&format!("{prefix}.{n}"))?;
                            let parts = [("", "name"), (".xmllang", "language"), (".type", "type")];
                            Some(
                                parts
                                    .iter()
                                    .filter_map(|&(suffix, path)| field(&format!("{prefix}.{n}{suffix}"), path))
                                    .collect(),
                            )
                        })
                        .collect();
                    layout.lists.push(List { path: vec!["entity", key], items });
                }
            }
            Kind::Relationship => {
                layout.key = RR_KEY.iter().map(|name| column(name)).collect();
                layout.fields = RR_FIELDS.iter().filter_map(|&(name, path)| field(name, path)).collect();
                let parts = [("startDate", "startDate"), ("endDate", "endDate"), ("periodType", "type")];
                let items = (1..)
                    .map_while(|n| {
                        let fields: Vec<Field> = parts
                            .iter()
                            .filter_map(|&(part, path)| field(&format!("Relationship.Period.{n}.{part}"), path))
                            .collect();
                        (!fields.is_empty()).then_some(fields)
                    })
                    .collect();
                layout.lists.push(List { path: vec!["relationship", "periods"], items });
            }
        }
        Some(layout)
    }

    /// One row, read or refused.
    fn record(&self, row: &ByteRecord) -> Record {
        let line = row.position().map_or(0, csv::Position::line);
        let key: Option<Vec<&str>> = self.key.iter().map(|column| cell(row, (*column)?)).collect();
        let id = key.map(|parts| match self.kind {
            Kind::Lei => parts.concat(),
            Kind::Relationship => relationship_id(&parts),
        });
        let refused =
            |reason: String| Record::Refused { id: id.clone().unwrap_or_else(|| format!("line {line}")), reason };
        if row.len() != self.width {
            return refused(format!("line {line} has {} fields where the header has {}", row.len(), self.width));
        }
        if let Some(n) = row.iter().position(|value| std::str::from_utf8(value).is_err()) {
            return refused(format!("line {line}, field {} is not UTF-8 text", n + 1));
        }
        let mut attributes = Map::new();
        for f in &self.fields {
            if let Some(value) = f.value(row) {
                put(&mut attributes, &f.path, value);
            }
        }
        for lines in &self.lines {
            let values: Vec<&str> = lines.columns.iter().filter_map(|column| cell(row, *column)).collect();
            if !values.is_empty() {
                put(&mut attributes, &lines.path, json!(values));
            }
        }
        for list in &self.lists {
            let items: Vec<Value> = list
                .items
                .iter()
                .filter_map(|fields| {
                    let item: Map<String, Value> =
                        fields.iter().filter_map(|f| Some((f.path.concat(), f.value(row)?))).collect();
                    (!item.is_empty()).then_some(Value::Object(item))
                })
                .collect();
            if !items.is_empty() {
                put(&mut attributes, &list.path, Value::Array(items));
            }
        }
        let kind = match self.kind {
            Kind::Lei => "lei-records",
            Kind::Relationship => "relationship-records",
        };
        let item = json!({ "type": kind, "id": id.clone(), "attributes": attributes });
        gleif::record(&item).unwrap_or_else(refused)
    }
}

impl Field {
    /// The field's value in a row, if it has one.
    fn value(&self, row: &ByteRecord) -> Option<Value> {
        let value = cell(row, self.column)?;
        Some(json!(if self.timestamp { in_utc(value) } else { value.to_owned() }))
    }
}

/// A cell's text, trimmed, if it has any.
fn cell(row: &ByteRecord, column: usize) -> Option<&str> {
    let value = std::str::from_utf8(row.get(column)?).ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The id a refused relationship row is reported by:
/// `{start node}|{start node type}|{relationship type}|{end node}`, the shape
/// of `gleif::relationship_key` that a row read keeps. (The API's record id,
/// e.g. `2138009AGE4DW1J76R35|LEI|IS_DIRECTLY_CONSOLIDATED_BY|8|e4d3…b82d|`,
/// goes on with a number and a SHA-256 digest that the golden copy does not
/// carry: no column of RR-CDF 2.1 and no hash of the record's values rebuilds
/// them.)
fn relationship_id(parts: &[&str]) -> String {
    parts.join("|")
}

/// A golden-copy timestamp as the API gives it: in UTC, to the second
/// (`2012-06-06T00:00:00.000+02:00` → `2012-06-05T22:00:00Z`), so that its date
/// part is the one the API's record has. Anything else is left as it is.
fn in_utc(value: &str) -> String {
    DateTime::parse_from_rfc3339(value)
        .map_or_else(|_| value.to_owned(), |t| t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Sets `path` in `target`, making the objects on the way.
fn put(target: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = target;
    for key in parents {
        let next = node.entry(*key).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(next) = next else { return };
        node = next;
    }
    node.insert((*last).to_owned(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gleif::Relationship;

    const SINGLE: &str = include_str!("../../../tests/fixtures/gleif/single_lei_record_21380068P1DRHMJ8KU70.json");
    const CHILDREN: &str = include_str!("../../../tests/fixtures/gleif/direct-children_21380068P1DRHMJ8KU70.json");
    const RELATIONSHIPS: &str =
        include_str!("../../../tests/fixtures/gleif/direct-child-relationships_21380068P1DRHMJ8KU70.json");
    const LEI2: &[u8] = include_bytes!("../../../tests/fixtures/gleif/golden-copy-lei2_21380068P1DRHMJ8KU70.csv");
    const RR: &[u8] = include_bytes!("../../../tests/fixtures/gleif/golden-copy-rr_21380068P1DRHMJ8KU70.csv");

    fn from_json(documents: &[&str]) -> Vec<Record> {
        documents.iter().flat_map(|d| gleif::records(&serde_json::from_str(d).unwrap()).unwrap()).collect()
    }

    fn entity(record: &Record) -> &gleif::LeiRecord {
        let Record::Entity(e) = record else { panic!("{record:?}") };
        e
    }

    fn relationship(record: &Record) -> &Relationship {
        let Record::Relationship(r) = record else { panic!("{record:?}") };
        r
    }

    fn refusal(record: &Record) -> (&str, &str) {
        let Record::Refused { id, reason } = record else { panic!("{record:?}") };
        (id, reason)
    }

    #[test]
    fn golden_copy_rows_read_as_the_api_records_they_copy() {
        let csv = read_file("lei2.csv", LEI2).unwrap();
        assert_eq!(csv.len(), 16);
        assert_eq!(csv, from_json(&[SINGLE, CHILDREN]));
        assert!(csv.iter().all(|r| matches!(r, Record::Entity(_))));

        let csv = read_file("rr.csv", RR).unwrap();
        let json = from_json(&[RELATIONSHIPS]);
        assert_eq!(csv.len(), 15);
        assert_eq!(csv.len(), json.len());
        for (csv, json) in csv.iter().map(relationship).zip(json.iter().map(relationship)) {
            // Keyed alike from both sources (`gleif::relationship_key`).
            assert_eq!(csv.id, format!("{}|LEI|{}|{}", json.child, json.kind, json.parent));
            assert_eq!(csv, json);
        }
        assert_eq!(
            relationship(&read_file("rr.csv", RR).unwrap()[0]).from.map(|d| d.to_string()).as_deref(),
            Some("2017-10-18")
        );

        // The API's own documents read through the same entry point, as `gleif::records` reads them.
        for document in [SINGLE, CHILDREN, RELATIONSHIPS] {
            assert_eq!(read_file("api.json", document.as_bytes()).unwrap(), from_json(&[document]));
        }
    }

    #[test]
    fn bad_rows_are_refused_by_lei_or_line_and_the_rest_read() {
        let text = std::str::from_utf8(LEI2)
            .unwrap()
            .replacen("\"2138004VFYZFYLELHT92\"", "\"2138004VFYZFYLELHT93\"", 1)
            .replacen("\"SHELL TANKERS (SINGAPORE) PRIVATE LIMITED\"", "\"\"", 1);
        let read = read_file("lei2.csv", text.as_bytes()).unwrap();
        let refused: Vec<(&str, &str)> =
            read.iter().filter(|r| matches!(r, Record::Refused { .. })).map(refusal).collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].0, "2138004VFYZFYLELHT93");
        assert!(refused[0].1.contains("check digits"), "{}", refused[0].1);
        assert_eq!(refused[1], ("2138008C61FDWXDY5169", "no legal name"));
        let expected = from_json(&[SINGLE, CHILDREN]);
        let kept: Vec<&Record> = read.iter().filter(|r| matches!(r, Record::Entity(_))).collect();
        assert_eq!(kept.len(), 14);
        assert!(kept.iter().all(|r| expected.contains(r)));

        // Lines count from the header (line 1), and a quoted line break does not end a row.
        let text = "LEI,Entity.LegalName,Entity.LegalAddress.FirstAddressLine,Entity.LegalAddress.City,\
                    Entity.LegalAddress.Country,Entity.EntityCreationDate\n\
                    \"21380068P1DRHMJ8KU70\",\"SHELL PLC\",\"SHELL CENTRE\nYORK ROAD\",\"LONDON\",\"GB\",\
                    \"2002-02-05T00:00:00Z\"\n\
                    \"\",\"NO LEI LTD\",\"1 HIGH STREET\",\"LONDON\",\"GB\",\"2002-02-05T00:00:00Z\"\n\
                    \"5493001KJTIIGC8Y1R12\",\"SHORT ROW LTD\"\n\
                    \"2138004VFYZFYLELHT92\",\"NO DATES LTD\",\"1 HIGH STREET\",\"LONDON\",\"GB\",\"\"\n";
        let read = read_file("small.csv", text.as_bytes()).unwrap();
        assert_eq!(read.len(), 4);
        let shell = entity(&read[0]);
        assert_eq!(shell.body["addresses"]["registered_office"]["lines"], json!(["SHELL CENTRE\nYORK ROAD"]));
        assert_eq!(shell.body["jurisdiction"], "GB");
        assert_eq!((shell.since.to_string(), shell.updated.to_string()), ("2002-02-05".into(), "2002-02-05".into()));
        assert_eq!(refusal(&read[1]), ("line 4", "no LEI"));
        assert_eq!(refusal(&read[2]), ("5493001KJTIIGC8Y1R12", "line 5 has 2 fields where the header has 6"));
        assert_eq!(refusal(&read[3]), ("2138004VFYZFYLELHT92", "neither a creation nor a registration date"));

        // A relationship row is refused by the id it would have had.
        let text = "Relationship.StartNode.NodeID,Relationship.StartNode.NodeIDType,Relationship.EndNode.NodeID,\
                    Relationship.EndNode.NodeIDType,Relationship.RelationshipType\n\
                    2138004VFYZFYLELHT92,LEI,21380068P1DRHMJ8KU70,LEI,IS_DIRECTLY_CONSOLIDATED_BY\n\
                    2138004VFYZFYLELHT92,LEI,NOT-AN-LEI,PNI,IS_ULTIMATELY_CONSOLIDATED_BY\n\
                    ,LEI,21380068P1DRHMJ8KU70,LEI,IS_DIRECTLY_CONSOLIDATED_BY\n";
        let read = read_file("rr.csv", text.as_bytes()).unwrap();
        let r = relationship(&read[0]);
        assert_eq!((r.status.as_str(), r.from, r.to), ("ACTIVE", None, None));
        let id = "2138004VFYZFYLELHT92|LEI|IS_ULTIMATELY_CONSOLIDATED_BY|NOT-AN-LEI";
        assert_eq!(refusal(&read[1]), (id, "endNode is not an LEI"));
        assert_eq!(refusal(&read[2]).0, "line 4");
    }

    #[test]
    fn a_file_in_no_gleif_format_is_an_error_naming_it() {
        for (name, bytes) in [
            ("notes.csv", &b"name,value\nSHELL PLC,1\n"[..]),
            ("empty.csv", b""),
            ("blank.csv", b" \n\n"),
            ("list.json", b"[1, 2]"),
            ("relationships.csv", b"Relationship.EndNode.NodeID,Relationship.RelationshipType\n"),
        ] {
            let e = read_file(name, bytes).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule), (name, "format"), "{name}");
            assert!(e.message.contains(name) && e.message.contains("neither"), "{}", e.message);
        }
        let e = read_file("broken.json", b"  {\"data\": [").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("broken.json", "json"));
        assert!(e.message.starts_with("broken.json is not valid JSON"), "{}", e.message);
        let e = read_file("meta.json", b"{\"meta\": {}}").unwrap_err();
        assert_eq!(e.field, "meta.json");
        assert!(e.message.contains("meta.json") && e.message.contains("not a GLEIF API document"), "{}", e.message);
    }

    #[test]
    fn byte_order_marks_quoting_and_column_order_do_not_matter() {
        // Columns in another order, one unknown, quoted commas, quotes and line breaks, a BOM, CRLF.
        let text = "\u{feff}\"Entity.LegalAddress.Country\",\"Entity.LegalName\",\"Unknown.Column\",\"LEI\",\
                    \"Entity.LegalAddress.FirstAddressLine\",\"Entity.LegalAddress.AdditionalAddressLine.1\",\
                    \"Entity.LegalAddress.City\",\"Entity.OtherEntityNames.OtherEntityName.2\",\
                    \"Entity.OtherEntityNames.OtherEntityName.2.type\",\"Entity.OtherEntityNames.OtherEntityName.1\",\
                    \"Entity.OtherEntityNames.OtherEntityName.1.type\",\
                    \"Entity.OtherEntityNames.OtherEntityName.1.xmllang\",\
                    \"Entity.EntityCreationDate\",\"Registration.LastUpdateDate\"\r\n\
                    \"GB\",\"SHELL, \"\"THE\"\" PLC\",\"x\",\" 21380068P1DRHMJ8KU70 \",\
                    \"SHELL CENTRE,\r\nYORK ROAD\",\"\",\
                    \"LONDON\",\"\",\"\",\"ROYAL DUTCH SHELL PLC\",\"PREVIOUS_LEGAL_NAME\",\"en\",\
                    \"2002-02-05T00:30:00.000+01:00\",\"2025-03-03T23:30:00-02:00\"\r\n";
        let read = read_file("lei2.csv", text.as_bytes()).unwrap();
        let shell = entity(&read[0]);
        assert_eq!(shell.lei, "21380068P1DRHMJ8KU70");
        assert_eq!(shell.body["legal_name"], "SHELL, \"THE\" PLC");
        assert_eq!(shell.body["addresses"]["registered_office"]["lines"], json!(["SHELL CENTRE,\r\nYORK ROAD"]));
        assert_eq!(
            shell.body["other_names"],
            json!([{ "type": "former", "name": "ROYAL DUTCH SHELL PLC", "language": "en" }])
        );
        // The date part of the timestamp in UTC, as the API gives it.
        assert_eq!(shell.body["incorporation_date"], "2002-02-04");
        assert_eq!((shell.since.to_string(), shell.updated.to_string()), ("2002-02-04".into(), "2025-03-04".into()));

        // A relationship file with a BOM, the relationship period second.
        let text = "\u{feff}Relationship.StartNode.NodeID,Relationship.StartNode.NodeIDType,\
                    Relationship.EndNode.NodeID,\
                    Relationship.EndNode.NodeIDType,Relationship.RelationshipType,Relationship.RelationshipStatus,\
                    Relationship.Period.1.startDate,Relationship.Period.1.endDate,Relationship.Period.1.periodType,\
                    Relationship.Period.2.startDate,Relationship.Period.2.endDate,Relationship.Period.2.periodType\n\
                    2138004VFYZFYLELHT92,LEI,21380068P1DRHMJ8KU70,LEI,IS_DIRECTLY_CONSOLIDATED_BY,INACTIVE,\
                    2018-01-01T00:00:00Z,2018-12-31T00:00:00Z,ACCOUNTING_PERIOD,\
                    2017-10-18T00:00:00.000+00:00,2021-06-30T00:00:00Z,RELATIONSHIP_PERIOD\n";
        let read = read_file("rr.csv", text.as_bytes()).unwrap();
        let r = relationship(&read[0]);
        assert_eq!(r.id, "2138004VFYZFYLELHT92|LEI|IS_DIRECTLY_CONSOLIDATED_BY|21380068P1DRHMJ8KU70");
        assert_eq!(r.status, "INACTIVE");
        assert_eq!(r.from.map(|d| d.to_string()).as_deref(), Some("2017-10-18"));
        assert_eq!(r.to.map(|d| d.to_string()).as_deref(), Some("2021-06-30"));

        // An API document with a BOM and leading white space.
        let document = format!("\u{feff}\n  {SINGLE}");
        assert_eq!(read_file("single.json", document.as_bytes()).unwrap(), from_json(&[SINGLE]));
    }

    #[test]
    fn timestamps_are_read_in_utc() {
        assert_eq!(in_utc("2012-06-06T00:00:00Z"), "2012-06-06T00:00:00Z");
        assert_eq!(in_utc("2012-06-06T00:00:00.000+02:00"), "2012-06-05T22:00:00Z");
        assert_eq!(in_utc("2012-06-06T21:00:00-05:00"), "2012-06-07T02:00:00Z");
        assert_eq!(in_utc("2012-06-06"), "2012-06-06");
    }
}
