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

use std::collections::BTreeMap;

use charter_domain::{
    entity::{Fact, Intent, parse_entity},
    gleif::{LeiRecord, Record, Relationship, records},
    ids::EntityId,
};
use charter_storage::data::{AsOf, AuditRecord, Recorded, RelationshipRecord, TenantTx};
use chrono::Utc;
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

/// Imports GLEIF API documents (named, for the report) in one transaction.
pub async fn import(tx: &mut TenantTx, actor: &str, documents: &[(String, Value)]) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    let mut entities: Vec<(String, LeiRecord)> = Vec::new();
    let mut relationships: Vec<(String, Relationship)> = Vec::new();
    for (file, document) in documents {
        match records(document) {
            Err(e) => report.refused.push(Refusal { file: file.clone(), record: "-".into(), reason: e.message }),
            Ok(read) => {
                for record in read {
                    match record {
                        Record::Entity(r) => entities.push((file.clone(), r)),
                        Record::Relationship(r) => relationships.push((file.clone(), r)),
                        Record::Refused { id, reason } => {
                            report.refused.push(Refusal { file: file.clone(), record: id, reason });
                        }
                    }
                }
            }
        }
    }
    // The same LEI may come in several files: the latest update wins.
    entities.sort_by(|a, b| a.1.lei.cmp(&b.1.lei).then(b.1.updated.cmp(&a.1.updated)));
    entities.dedup_by(|a, b| a.1.lei == b.1.lei);
    let mut leis: Vec<String> = entities.iter().map(|(_, r)| r.lei.clone()).collect();
    leis.extend(relationships.iter().flat_map(|(_, r)| [r.child.clone(), r.parent.clone()]));
    leis.sort();
    leis.dedup();
    let mut known = tx.entities_by_lei(&leis).await?;

    for (file, record) in &entities {
        match import_entity(tx, actor, record, known.get(&record.lei).copied(), &mut report).await? {
            Ok(id) => {
                known.insert(record.lei.clone(), id);
            }
            Err(reason) => report.refused.push(Refusal { file: file.clone(), record: record.lei.clone(), reason }),
        }
    }
    for (_, r) in &relationships {
        let mut ends = [EntityId::generate(); 2];
        for (end, lei) in ends.iter_mut().zip([&r.child, &r.parent]) {
            *end = match known.get(lei) {
                Some(id) => *id,
                None => {
                    let id = EntityId::generate();
                    let since = r.from.unwrap_or_else(|| Utc::now().date_naive());
                    let facts = [(Fact::LegalName, json!(format!("LEI {lei}"))), (Fact::Lei, json!(lei))];
                    tx.create_entity(id, &facts, since, actor).await?;
                    audit(tx, actor, "entity.import", id, json!({ "lei": lei, "source": "gleif relationship" }))
                        .await?;
                    report.entities_from_relationships += 1;
                    known.insert(lei.clone(), id);
                    id
                }
            };
        }
        let record = RelationshipRecord {
            child: ends[0],
            parent: ends[1],
            kind: r.kind.clone(),
            status: r.status.clone(),
            from: r.from,
            to: r.to,
            source: "gleif".into(),
            source_id: r.id.clone(),
        };
        match tx.record_relationship(&record, actor).await? {
            Recorded::New => report.relationships_created += 1,
            Recorded::Changed => report.relationships_changed += 1,
            Recorded::Unchanged => report.relationships_unchanged += 1,
        }
    }
    Ok(report)
}

async fn audit(tx: &mut TenantTx, actor: &str, action: &str, id: EntityId, after: Value) -> Result<(), ApiError> {
    tx.append_audit(&AuditRecord {
        actor,
        action,
        resource_type: "entity",
        resource_id: Some(id.to_string()),
        request_id: crate::middleware::current_request_id().as_deref(),
        before: None,
        after: Some(after),
        change: None,
    })
    .await?;
    Ok(())
}

/// Creates or updates the entity of one LEI record; `Ok(Err(reason))` when
/// the record breaks a rule (nothing written for it).
async fn import_entity(
    tx: &mut TenantTx,
    actor: &str,
    record: &LeiRecord,
    existing: Option<EntityId>,
    report: &mut ImportReport,
) -> Result<Result<EntityId, String>, ApiError> {
    let mut body = record.body.clone();
    body.insert("effective_from".into(), json!(record.since.to_string()));
    body.insert("reason".into(), json!("imported from GLEIF"));
    let input = match parse_entity(&body, Intent::Create, &[], Utc::now().date_naive()) {
        Ok(input) => input,
        Err(invalid) => return Ok(Err(invalid.to_string())),
    };
    let facts: Vec<(Fact, Value)> = input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
    let as_map: BTreeMap<String, Value> = facts.iter().map(|(f, v)| (f.key(), v.clone())).collect();
    let changed: Vec<Fact> = facts.iter().map(|(f, _)| f.clone()).collect();
    match check_references(tx, &as_map, &changed).await {
        Ok(()) => {}
        Err(ApiError::Validation(errors)) => {
            return Ok(Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
        }
        Err(other) => return Err(other),
    }
    let Some(id) = existing else {
        let id = EntityId::generate();
        tx.create_entity(id, &facts, record.since, actor).await?;
        audit(tx, actor, "entity.import", id, Value::Object(record.body.clone())).await?;
        report.entities_created += 1;
        return Ok(Ok(id));
    };
    let on = record.updated;
    let current = tx.entity_as_of(id, AsOf::latest(on)).await?.map(|s| s.facts).unwrap_or_default();
    let differing: Vec<&(Fact, Value)> = facts.iter().filter(|(f, v)| current.get(&f.key()) != Some(v)).collect();
    if differing.is_empty() {
        report.entities_unchanged += 1;
        return Ok(Ok(id));
    }
    if let Some(version) = tx.entity_version(id).await? {
        tx.bump_entity_version(id, version).await?;
    }
    let reason = format!("GLEIF record updated {on}");
    for (fact, value) in &differing {
        tx.change_fact(id, fact, Some(value), on, None, Some(&reason), actor).await?;
    }
    let change: BTreeMap<String, &Value> = differing.iter().map(|(f, v)| (f.key(), v)).collect();
    audit(tx, actor, "entity.update", id, json!({ "facts": change, "effective_from": on, "reason": reason })).await?;
    report.entities_updated += 1;
    report.facts_changed += differing.len() as u64;
    Ok(Ok(id))
}
