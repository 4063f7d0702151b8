//! Importing GLEIF records into a tenant's register, for the CLI
//! (`charter import gleif`) and the API (`POST …/imports/gleif`).
//!
//! Entities are keyed by LEI: an LEI already in the register is updated, and
//! only the facts whose value differs become new versions, effective from
//! GLEIF's last update of the record; so importing the same files again
//! writes nothing. Each entity record passes the same rules as
//! `POST …/entities` (reference data included); one that fails is reported
//! by its LEI and skipped, the rest go on. Relationship records need both
//! ends in the register: an LEI known only from a relationship becomes an
//! entity holding just its LEI, completed when its own record is imported.

use std::collections::{BTreeMap, HashMap};

use charter_domain::{
    FieldError,
    entity::{Fact, Intent, parse_entity},
    gleif::{LeiRecord, Record, Relationship},
    ids::EntityId,
};
use charter_storage::data::{AuditRecord, ImportedEntity, ImportedVersion, RelationshipRecord, TenantTx};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::{error::ApiError, routes::entities::check_references};

/// A record that was not imported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refusal {
    pub file: String,
    /// The LEI or GLEIF id of the record (or its position in the file).
    pub record: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub entities_created: u64,
    pub entities_updated: u64,
    pub entities_unchanged: u64,
    /// Fact versions recorded for entities already in the register.
    pub facts_changed: u64,
    /// Entities known only from a relationship so far (their LEI alone).
    pub entities_from_relationships: u64,
    pub relationships_created: u64,
    pub relationships_changed: u64,
    pub relationships_unchanged: u64,
    pub refused: Vec<Refusal>,
}

/// The facts a record sets.
type Facts = Vec<(Fact, Value)>;
/// Answers of the reference checks, by (jurisdiction, legal form).
type Checked = HashMap<(Option<String>, Option<String>), Result<(), String>>;

/// Records written per statement when importing (and per audit event).
const BATCH: usize = 1_000;

/// Reads a GLEIF file as uploaded: API JSON, or golden-copy CSV (LEI-CDF
/// 3.1, RR-CDF 2.1), told apart by content. An error names the file.
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<Record>, FieldError> {
    charter_domain::gleif_csv::read_file(name, bytes)
}

/// Imports the records of GLEIF files (named, for the report) in one
/// transaction, in batches: new entities and relationships go in a few
/// statements per thousand records, reference data is checked once per
/// distinct jurisdiction and legal form, and each batch of new entities is
/// one audit event naming them.
pub async fn import(tx: &mut TenantTx, actor: &str, files: &[(String, Vec<Record>)]) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    let mut entities: Vec<(String, LeiRecord)> = Vec::new();
    let mut relationships: Vec<Relationship> = Vec::new();
    for (file, records) in files {
        for record in records {
            match record {
                Record::Entity(r) => entities.push((file.clone(), r.clone())),
                Record::Relationship(r) => relationships.push(r.clone()),
                Record::Refused { id, reason } => {
                    report.refused.push(Refusal { file: file.clone(), record: id.clone(), reason: reason.clone() });
                }
            }
        }
    }
    // The same LEI or relationship may come in several files: the latest wins.
    entities.sort_by(|a, b| a.1.lei.cmp(&b.1.lei).then(b.1.updated.cmp(&a.1.updated)));
    entities.dedup_by(|a, b| a.1.lei == b.1.lei);
    relationships.sort_by(|a, b| a.id.cmp(&b.id));
    relationships.dedup_by(|a, b| a.id == b.id);
    let mut leis: Vec<String> = entities.iter().map(|(_, r)| r.lei.clone()).collect();
    leis.extend(relationships.iter().flat_map(|r| [r.child.clone(), r.parent.clone()]));
    leis.sort();
    leis.dedup();
    let mut known = tx.entities_by_lei(&leis).await?;

    // Parse and check every entity record; split new from known.
    let mut checked: Checked = HashMap::new();
    let mut new: Vec<(LeiRecord, Facts)> = Vec::new();
    let mut existing: Vec<(EntityId, LeiRecord, Facts)> = Vec::new();
    for (file, record) in entities {
        let facts = match facts_of(tx, &record, &mut checked).await? {
            Ok(facts) => facts,
            Err(reason) => {
                report.refused.push(Refusal { file, record: record.lei.clone(), reason });
                continue;
            }
        };
        match known.get(&record.lei) {
            Some(id) => existing.push((*id, record, facts)),
            None => new.push((record, facts)),
        }
    }

    // New entities, in bulk.
    for chunk in new.chunks(BATCH) {
        let imported: Vec<ImportedEntity> = chunk
            .iter()
            .map(|(record, facts)| ImportedEntity {
                id: EntityId::generate(),
                versions: facts
                    .iter()
                    .map(|(fact, value)| ImportedVersion {
                        fact: fact.clone(),
                        value: value.clone(),
                        from: record.since,
                        to: None,
                    })
                    .collect(),
            })
            .collect();
        tx.import_entities(&imported, actor).await?;
        let created: Vec<Value> = chunk
            .iter()
            .zip(&imported)
            .map(|((record, _), entity)| json!({ "id": entity.id, "lei": record.lei }))
            .collect();
        for ((record, _), entity) in chunk.iter().zip(&imported) {
            known.insert(record.lei.clone(), entity.id);
        }
        audit(tx, actor, "entity.import", None, json!({ "source": "gleif", "created": created })).await?;
        report.entities_created += chunk.len() as u64;
    }

    // Known entities: compare with what is on record now, change what differs.
    let today = Utc::now().date_naive();
    for chunk in existing.chunks(BATCH) {
        let ids: Vec<EntityId> = chunk.iter().map(|(id, _, _)| *id).collect();
        let current = tx.current_facts(&ids, today).await?;
        for (id, record, facts) in chunk {
            let on_record = current.get(id);
            let differing: Vec<&(Fact, Value)> =
                facts.iter().filter(|(f, v)| on_record.and_then(|c| c.get(&f.key())) != Some(v)).collect();
            if differing.is_empty() {
                report.entities_unchanged += 1;
                continue;
            }
            let on = record.updated;
            if let Some(version) = tx.entity_version(*id).await? {
                tx.bump_entity_version(*id, version).await?;
            }
            let reason = format!("GLEIF record updated {on}");
            for (fact, value) in &differing {
                tx.change_fact(*id, fact, Some(value), on, None, Some(&reason), actor).await?;
            }
            let change: BTreeMap<String, &Value> = differing.iter().map(|(f, v)| (f.key(), v)).collect();
            audit(
                tx,
                actor,
                "entity.update",
                Some(*id),
                json!({ "facts": change, "effective_from": on, "reason": reason }),
            )
            .await?;
            report.entities_updated += 1;
            report.facts_changed += differing.len() as u64;
        }
    }

    // LEIs known only from relationships: entities holding their LEI alone.
    let mut missing: Vec<(&String, Option<NaiveDate>)> = Vec::new();
    let mut listed: std::collections::HashSet<&String> = std::collections::HashSet::new();
    for r in &relationships {
        for lei in [&r.child, &r.parent] {
            if !known.contains_key(lei) && listed.insert(lei) {
                missing.push((lei, r.from));
            }
        }
    }
    for chunk in missing.chunks(BATCH) {
        let imported: Vec<ImportedEntity> = chunk
            .iter()
            .map(|(lei, from)| {
                let from = from.unwrap_or(today);
                let version = |fact: Fact, value: Value| ImportedVersion { fact, value, from, to: None };
                ImportedEntity {
                    id: EntityId::generate(),
                    versions: vec![
                        version(Fact::LegalName, json!(format!("LEI {lei}"))),
                        version(Fact::Lei, json!(lei)),
                    ],
                }
            })
            .collect();
        tx.import_entities(&imported, actor).await?;
        let created: Vec<Value> =
            chunk.iter().zip(&imported).map(|((lei, _), e)| json!({ "id": e.id, "lei": lei })).collect();
        for ((lei, _), entity) in chunk.iter().zip(&imported) {
            known.insert((*lei).clone(), entity.id);
        }
        audit(tx, actor, "entity.import", None, json!({ "source": "gleif relationships", "created": created })).await?;
        report.entities_from_relationships += chunk.len() as u64;
    }

    // Relationships, in bulk.
    let records: Vec<RelationshipRecord> = relationships
        .iter()
        .filter_map(|r| {
            Some(RelationshipRecord {
                child: *known.get(&r.child)?,
                parent: *known.get(&r.parent)?,
                kind: r.kind.clone(),
                status: r.status.clone(),
                from: r.from,
                to: r.to,
                source: "gleif".into(),
                source_id: r.id.clone(),
            })
        })
        .collect();
    for chunk in records.chunks(BATCH) {
        let (created, changed, unchanged) = tx.record_relationships(chunk, actor).await?;
        report.relationships_created += created;
        report.relationships_changed += changed;
        report.relationships_unchanged += unchanged;
    }
    Ok(report)
}

async fn audit(
    tx: &mut TenantTx,
    actor: &str,
    action: &str,
    entity: Option<EntityId>,
    after: Value,
) -> Result<(), ApiError> {
    tx.append_audit(&AuditRecord {
        actor,
        action,
        resource_type: if entity.is_some() { "entity" } else { "import" },
        resource_id: entity.map(|e| e.to_string()),
        request_id: crate::middleware::current_request_id().as_deref(),
        before: None,
        after: Some(after),
        change: None,
    })
    .await?;
    Ok(())
}

/// The facts of one LEI record under the rules of `POST …/entities`;
/// `Ok(Err(reason))` when it breaks one. Reference data is checked once per
/// jurisdiction and legal form (`checked` remembers the answers).
async fn facts_of(
    tx: &mut TenantTx,
    record: &LeiRecord,
    checked: &mut Checked,
) -> Result<Result<Facts, String>, ApiError> {
    let mut body = record.body.clone();
    body.insert("effective_from".into(), json!(record.since.to_string()));
    body.insert("reason".into(), json!("imported from GLEIF"));
    let input = match parse_entity(&body, Intent::Create, &[], Utc::now().date_naive()) {
        Ok(input) => input,
        Err(invalid) => return Ok(Err(invalid.to_string())),
    };
    let facts: Vec<(Fact, Value)> = input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
    let as_map: BTreeMap<String, Value> = facts.iter().map(|(f, v)| (f.key(), v.clone())).collect();
    let text = |key: &str| as_map.get(key).and_then(Value::as_str).map(str::to_owned);
    let key = (text("jurisdiction"), text("legal_form"));
    if !checked.contains_key(&key) {
        let changed: Vec<Fact> = facts.iter().map(|(f, _)| f.clone()).collect();
        let answer = match check_references(tx, &as_map, &changed).await {
            Ok(()) => Ok(()),
            Err(ApiError::Validation(errors)) => {
                Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
            Err(other) => return Err(other),
        };
        checked.insert(key.clone(), answer);
    }
    Ok(match &checked[&key] {
        Ok(()) => Ok(facts),
        Err(reason) => Err(reason.clone()),
    })
}
