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
//!
//! Most of a daily GLEIF file is records nothing has moved in. The register
//! keeps a digest of each record it agrees with (`entity_source_digest`,
//! dropped by PostgreSQL whenever the entity's facts are written), and a
//! record with the same digest is not compared again.

use std::collections::{BTreeMap, HashMap};

use charter_domain::{
    FieldError,
    entity::{Fact, Intent, parse_entity},
    gleif::{LeiRecord, Record, Relationship},
    ids::EntityId,
};
use charter_storage::data::{
    AuditRecord, FactSetting, ImportedEntity, ImportedVersion, RelationshipRecord, SourceDigest, TenantTx,
};
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
/// The source name digests are kept under.
const SOURCE: &str = "gleif";
/// Answers of the reference checks, by (jurisdiction, legal form).
type Checked = HashMap<(Option<String>, Option<String>), Result<(), String>>;

/// Records written per statement when importing (and per audit event).
const BATCH: usize = 1_000;

/// Reads a GLEIF file as uploaded: API JSON, or golden-copy CSV (LEI-CDF
/// 3.1, RR-CDF 2.1), told apart by content. An error names the file.
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<Record>, FieldError> {
    charter_domain::gleif_csv::read_file(name, bytes)
}

/// Reads named files as `read_file` does, several at a time (on every
/// core); the first file in order that cannot be read is the error.
pub fn read_files(files: &[(String, Vec<u8>)]) -> Result<Vec<(String, Vec<Record>)>, FieldError> {
    parallel_map(files, |(name, bytes)| read_file(name, bytes).map(|records| (name.clone(), records)))
        .into_iter()
        .collect()
}

/// Imports the records of GLEIF files (named, for the report) in one
/// transaction, in batches: new entities and relationships go in a few
/// statements per thousand records, reference data is checked once per
/// distinct jurisdiction and legal form, and each batch of new entities is
/// one audit event naming them.
pub async fn import(tx: &mut TenantTx, actor: &str, files: &[(String, Vec<Record>)]) -> Result<ImportReport, ApiError> {
    tx.take_turn_importing(SOURCE).await?;
    let mut report = ImportReport::default();
    let request_id = crate::middleware::current_request_id();
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

    // Parse every entity record (on all cores), check its reference data;
    // split new from known.
    let today = Utc::now().date_naive();
    let parsed = off_the_runtime(|| parallel_map(&entities, |(_, record)| parse_record(record, today)));
    let mut checked: Checked = HashMap::new();
    let mut new: Vec<(LeiRecord, Facts, SourceDigest)> = Vec::new();
    let mut existing: Vec<(EntityId, LeiRecord, Facts, SourceDigest)> = Vec::new();
    let known_ids: Vec<EntityId> = known.values().copied().collect();
    let agreed = tx.source_digests(SOURCE, &known_ids).await?;
    for ((file, record), parsed) in entities.into_iter().zip(parsed) {
        let (facts, digest) = match checked_facts(tx, parsed, &mut checked).await? {
            Ok(checked) => checked,
            Err(reason) => {
                report.refused.push(Refusal { file, record: record.lei.clone(), reason });
                continue;
            }
        };
        match known.get(&record.lei) {
            // The same record the register agreed with, and nothing written since.
            Some(id) if agreed.get(id) == Some(&digest) => report.entities_unchanged += 1,
            Some(id) => existing.push((*id, record, facts, digest)),
            None => new.push((record, facts, digest)),
        }
    }

    // New entities, in bulk.
    for chunk in new.chunks(BATCH) {
        let imported: Vec<ImportedEntity> = chunk
            .iter()
            .map(|(record, facts, _)| ImportedEntity {
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
        tx.import_entities(&imported, Some(IMPORTED), actor).await?;
        let created: Vec<Value> = chunk
            .iter()
            .zip(&imported)
            .map(|((record, _, _), entity)| json!({ "id": entity.id, "lei": record.lei }))
            .collect();
        for ((record, _, _), entity) in chunk.iter().zip(&imported) {
            known.insert(record.lei.clone(), entity.id);
        }
        // The register agrees with a record on its update day if its facts
        // hold by then (they hold from `since`).
        let agreeing: Vec<(EntityId, SourceDigest)> = chunk
            .iter()
            .zip(&imported)
            .filter(|((record, _, _), _)| record.since <= record.updated)
            .map(|((_, _, digest), entity)| (entity.id, *digest))
            .collect();
        tx.record_source_digests(SOURCE, &agreeing).await?;
        let after = json!({ "source": "gleif", "created": created });
        tx.append_audit(&event(actor, "entity.import", None, request_id.as_deref(), after)).await?;
        report.entities_created += chunk.len() as u64;
    }

    // Known entities: compare with what is on record now and change what
    // differs, from GLEIF's last update of the record; a few statements per
    // batch, one audit event per changed entity. An entity that is still the
    // placeholder of an LEI known from a relationship is completed instead.
    for chunk in existing.chunks(BATCH) {
        let ids: Vec<EntityId> = chunk.iter().map(|(id, _, _, _)| *id).collect();
        let placeholders = tx.lei_placeholders(&ids).await?;
        // Compared on the day GLEIF last updated the record, the day a
        // change takes effect from (and holds until the register's next
        // version of the fact: a later change made here outlives the sync).
        let asked: Vec<(EntityId, String, &Value, NaiveDate)> = chunk
            .iter()
            .filter(|(id, _, _, _)| !placeholders.contains_key(id))
            .flat_map(|(id, record, facts, _)| {
                facts.iter().map(|(fact, value)| (*id, fact.key(), value, record.updated))
            })
            .collect();
        let mut differ = tx.facts_differing(&asked).await?.into_iter().peekable();
        // The facts GLEIF could give that a record does not (say, other
        // names it dropped), held by the register on that day: those GLEIF
        // gave end there; those entered in the register stay.
        let missing: Vec<(EntityId, String, NaiveDate)> = chunk
            .iter()
            .filter(|(id, _, _, _)| !placeholders.contains_key(id))
            .flat_map(|(id, record, facts, _)| {
                charter_domain::gleif::FACTS
                    .iter()
                    .filter(|fact| !facts.iter().any(|(given, _)| given == *fact))
                    .map(|fact| (*id, fact.key(), record.updated))
            })
            .collect();
        let mut gone: HashMap<EntityId, Vec<Fact>> = HashMap::new();
        for (n, reason) in tx.facts_held(&missing).await? {
            let (id, key, _) = &missing[n];
            if given_by_gleif(reason.as_deref())
                && let Some(fact) = Fact::from_key(key)
            {
                gone.entry(*id).or_default().push(fact);
            }
        }
        // Grouped by the date they take effect: one reason per statement.
        let mut settings: BTreeMap<NaiveDate, Vec<FactSetting>> = BTreeMap::new();
        let mut completion = Completion::default();
        let mut changed: Vec<EntityId> = Vec::new();
        let mut events: Vec<(EntityId, Value)> = Vec::new();
        // Every record of the batch: on its update day, the register agrees
        // with it already or once its differences are set from that day.
        let mut agreeing: Vec<(EntityId, SourceDigest)> = Vec::new();
        let mut position = 0;
        for (id, record, facts, digest) in chunk {
            if let Some(held_from) = placeholders.get(id) {
                completion.add(*id, *held_from, record.since, facts);
                if record.since <= record.updated {
                    agreeing.push((*id, *digest));
                }
                let change: BTreeMap<String, &Value> = facts.iter().map(|(f, v)| (f.key(), v)).collect();
                let after = json!({ "facts": change, "effective_from": record.since, "reason": COMPLETED });
                events.push((*id, after));
                changed.push(*id);
                report.entities_updated += 1;
                report.facts_changed += facts.len() as u64;
                continue;
            }
            // `asked` lists each record's facts in turn: these are its positions.
            let mine = position..position + facts.len();
            position = mine.end;
            let mut differing: Vec<&(Fact, Value)> = Vec::new();
            while let Some(n) = differ.next_if(|n| mine.contains(n)) {
                differing.push(&facts[n - mine.start]);
            }
            agreeing.push((*id, *digest));
            let on = record.updated;
            let ended = gone.remove(id).unwrap_or_default();
            if differing.is_empty() && ended.is_empty() {
                report.entities_unchanged += 1;
                continue;
            }
            let set = differing.iter().map(|(fact, value)| (fact, Some(value)));
            let changes: Vec<(&Fact, Option<&Value>)> = set.chain(ended.iter().map(|fact| (fact, None))).collect();
            settings.entry(on).or_default().extend(changes.iter().map(|(fact, value)| FactSetting {
                entity: *id,
                fact: (*fact).clone(),
                value: value.cloned(),
                from: on,
                to: None,
            }));
            let change: BTreeMap<String, &Value> =
                changes.iter().map(|(f, v)| (f.key(), v.unwrap_or(&Value::Null))).collect();
            events.push((*id, json!({ "facts": change, "effective_from": on, "reason": updated_reason(on) })));
            changed.push(*id);
            report.entities_updated += 1;
            report.facts_changed += changes.len() as u64;
        }
        tx.bump_entity_versions(&changed).await?;
        tx.set_facts(&completion.cleared, Some(COMPLETED), actor).await?;
        tx.set_facts(&completion.set, Some(COMPLETED), actor).await?;
        for (on, settings) in &settings {
            tx.set_facts(settings, Some(&updated_reason(*on)), actor).await?;
        }
        let records: Vec<AuditRecord> = events
            .into_iter()
            .map(|(id, after)| event(actor, "entity.update", Some(id), request_id.as_deref(), after))
            .collect();
        tx.append_audits(&records).await?;
        tx.record_source_digests(SOURCE, &agreeing).await?;
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
        tx.import_entities(&imported, Some(PLACEHOLDER), actor).await?;
        let created: Vec<Value> =
            chunk.iter().zip(&imported).map(|((lei, _), e)| json!({ "id": e.id, "lei": lei })).collect();
        for ((lei, _), entity) in chunk.iter().zip(&imported) {
            known.insert((*lei).clone(), entity.id);
        }
        let after = json!({ "source": "gleif relationships", "created": created });
        tx.append_audit(&event(actor, "entity.import", None, request_id.as_deref(), after)).await?;
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

/// The reason recorded with the versions that complete a placeholder.
const COMPLETED: &str = "completed from its GLEIF record";

/// Placeholders completed from their records: the placeholder's versions
/// are superseded (`cleared`, set to no value), then the record's facts set
/// from the day the entity began, as for a new entity (`set`). Two
/// statements, since a statement sets an entity's fact once.
#[derive(Default)]
struct Completion {
    cleared: Vec<FactSetting>,
    set: Vec<FactSetting>,
}

impl Completion {
    fn add(&mut self, entity: EntityId, held_from: NaiveDate, since: NaiveDate, facts: &Facts) {
        self.cleared.extend([Fact::LegalName, Fact::Lei].map(|fact| FactSetting {
            entity,
            fact,
            value: None,
            from: held_from,
            to: None,
        }));
        self.set.extend(facts.iter().map(|(fact, value)| FactSetting {
            entity,
            fact: fact.clone(),
            value: Some(value.clone()),
            from: since,
            to: None,
        }));
    }
}

/// The reason recorded with the versions an updated GLEIF record changes.
fn updated_reason(on: NaiveDate) -> String {
    format!("{UPDATED}{on}")
}

/// What `updated_reason` starts with.
const UPDATED: &str = "GLEIF record updated ";

/// The reason recorded with a new entity's facts from its GLEIF record.
const IMPORTED: &str = "imported from GLEIF";
/// The reason recorded with the facts of an entity known only from a relationship.
const PLACEHOLDER: &str = "named in a GLEIF relationship";

/// Whether a version was recorded by an import (its reason says so): a
/// fact GLEIF gave, which a newer record that no longer gives it ends.
/// Versions entered in the register (any other reason, or none) stay.
fn given_by_gleif(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| {
        [IMPORTED, COMPLETED, PLACEHOLDER].contains(&r)
            || r.strip_prefix(UPDATED).is_some_and(|day| day.parse::<NaiveDate>().is_ok())
    })
}

/// The audit record of an import's change to an entity, or to the register
/// as a whole (`entity` `None`: resource type `import`).
fn event<'a>(
    actor: &'a str,
    action: &'a str,
    entity: Option<EntityId>,
    request_id: Option<&'a str>,
    after: Value,
) -> AuditRecord<'a> {
    AuditRecord {
        actor,
        action,
        resource_type: if entity.is_some() { "entity" } else { "import" },
        resource_id: entity.map(|e| e.to_string()),
        request_id,
        before: None,
        after: Some(after),
        change: None,
    }
}

/// A record's facts with the (jurisdiction, legal form) their reference
/// check needs, or why the record breaks the rules of `POST …/entities`.
type Parsed = Result<(Facts, (Option<String>, Option<String>), BTreeMap<String, Value>, SourceDigest), String>;

/// The facts of one LEI record under the rules of `POST …/entities`, before
/// the reference data is checked (pure: runs on any thread).
fn parse_record(record: &LeiRecord, today: NaiveDate) -> Parsed {
    let mut body = record.body.clone();
    body.insert("effective_from".into(), json!(record.since.to_string()));
    body.insert("reason".into(), json!(IMPORTED));
    let input = parse_entity(&body, Intent::Create, &[], today).map_err(|invalid| invalid.to_string())?;
    let facts: Vec<(Fact, Value)> = input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
    let as_map: BTreeMap<String, Value> = facts.iter().map(|(f, v)| (f.key(), v.clone())).collect();
    let text = |key: &str| as_map.get(key).and_then(Value::as_str).map(str::to_owned);
    let key = (text("jurisdiction"), text("legal_form"));
    let digest = digest(&as_map, record.updated);
    Ok((facts, key, as_map, digest))
}

/// The digest of a record's facts (by key, so in one order whatever the
/// file's) and of the day they are compared on (GLEIF's last update: the
/// register's agreement holds for that day): equal digests, the same
/// comparison.
fn digest(facts: &BTreeMap<String, Value>, compared_on: NaiveDate) -> SourceDigest {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(compared_on.to_string().as_bytes());
    hash.update([0]);
    for (key, value) in facts {
        hash.update(key.as_bytes());
        hash.update([0]);
        hash.update(value.to_string().as_bytes());
        hash.update([0]);
    }
    hash.finalize().into()
}

/// A parsed record's facts and digest once its reference data is checked;
/// `Ok(Err(reason))` when it breaks a rule. Reference data is checked once
/// per jurisdiction and legal form (`checked` remembers the answers).
async fn checked_facts(
    tx: &mut TenantTx,
    parsed: Parsed,
    checked: &mut Checked,
) -> Result<Result<(Facts, SourceDigest), String>, ApiError> {
    let (facts, key, as_map, digest) = match parsed {
        Ok(parsed) => parsed,
        Err(reason) => return Ok(Err(reason)),
    };
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
        Ok(()) => Ok((facts, digest)),
        Err(reason) => Err(reason.clone()),
    })
}

/// Runs CPU work from async code without stalling the tasks queued on this
/// worker: on a multi-threaded runtime (the server's, the CLI's) the worker
/// hands them to the others first; elsewhere (a single-threaded test) it
/// just runs.
fn off_the_runtime<R>(work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// `items.iter().map(f)` on every core, in order: parsing GLEIF files and
/// records is CPU work that a large import would otherwise do on one.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    if threads < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_else(|panicked| std::panic::resume_unwind(panicked)))
            .collect()
    })
}
