//! Legal entities: an identity row and effective-dated facts.
//!
//! Every fact version has a business validity `valid` ([from, to) dates) and
//! a recording period `recorded` ([recorded_at, superseded_at)). A change
//! never edits a version: it closes the recording period of the versions it
//! replaces and records new ones, so that what was known at any time can be
//! read back. The database refuses overlapping versions of a fact
//! (`entity_fact_no_overlap`).

use std::collections::BTreeMap;

use charter_domain::{entity::Fact, ids::EntityId};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tokio_postgres::types::ToSql;

use super::TenantTx;
use crate::StoreError;

/// An entity's facts as of a date, as known at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityState {
    pub id: EntityId,
    /// Increases with every change; the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Fact key (`legal_name`, `custom.matter_number`) → value.
    pub facts: BTreeMap<String, Value>,
}

/// One version of one fact.
#[derive(Debug, Clone, PartialEq)]
pub struct FactVersion {
    pub fact: String,
    pub value: Value,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub superseded_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub recorded_by: String,
}

/// One version of a fact as stored.
#[derive(Debug, Clone)]
struct Version {
    value: Value,
    search_text: Option<String>,
    /// Business validity `[from, to)`; `None`: unbounded.
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    reason: Option<String>,
    recorded_by: String,
}

/// An entity to import with its history: versions of its facts, each with
/// its business validity. Versions of one fact must not overlap; the
/// database refuses the whole batch if they do.
#[derive(Debug, Clone)]
pub struct ImportedEntity {
    pub id: EntityId,
    pub versions: Vec<ImportedVersion>,
}

#[derive(Debug, Clone)]
pub struct ImportedVersion {
    pub fact: Fact,
    pub value: Value,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A point in both times: business date and recording time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub date: NaiveDate,
    pub known_at: DateTime<Utc>,
}

/// Filters and order of an entity list.
#[derive(Debug, Clone, Default)]
pub struct EntityQuery {
    pub jurisdiction: Option<String>,
    pub legal_form: Option<String>,
    pub status: Option<String>,
    pub management_status: Option<String>,
    pub tag: Option<String>,
    pub group: Option<String>,
    /// Entities where this person or entity holds an appointment as of the date.
    pub holder: Option<uuid::Uuid>,
    /// Matches names (legal and other) and identifiers (LEI, registration number, tax ids).
    pub text: Option<String>,
    pub sort: EntitySort,
    /// The key of the last entity of the previous page.
    pub after: Option<(String, EntityId)>,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntitySort {
    /// Creation order (ids are time-ordered).
    #[default]
    Created,
    /// Legal name as of the date, case-insensitively.
    LegalName,
}

/// The text of a fact that searches match, if it is a name or an identifier.
fn search_text(fact: &Fact, value: &Value) -> Option<String> {
    let strings = |field: &str| -> String {
        value.as_array().into_iter().flatten().filter_map(|v| v[field].as_str()).collect::<Vec<_>>().join(" | ")
    };
    match fact {
        Fact::LegalName | Fact::Lei | Fact::RegistrationNumber => value.as_str().map(str::to_owned),
        Fact::OtherNames => Some(strings("name")),
        Fact::TaxIds => Some(strings("value")),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

const STATE_SQL: &str = "
    SELECT e.id, e.version, e.created_at, e.updated_at, f.fact, f.value
      FROM charter.legal_entity e
      LEFT JOIN charter.entity_fact f
        ON f.tenant_id = e.tenant_id AND f.entity_id = e.id AND f.valid @> $3::date AND f.recorded @> $4::timestamptz
     WHERE e.tenant_id = $1 AND e.id = ANY ($2)";

impl TenantTx {
    /// Imports entities with their histories in two statements per batch
    /// (bulk loads: a legacy register, a benchmark). Returns how many were
    /// imported.
    pub async fn import_entities(&mut self, entities: &[ImportedEntity], actor: &str) -> Result<u64, StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(|e| e.id.as_uuid()).collect();
        let imported = self
            .execute("INSERT INTO charter.legal_entity (tenant_id, id) SELECT $1, unnest($2::uuid[])", &[&tenant, &ids])
            .await?;
        let count = entities.iter().map(|e| e.versions.len()).sum();
        let (mut owners, mut facts, mut values, mut texts, mut froms, mut tos) = (
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
        );
        for entity in entities {
            for version in &entity.versions {
                owners.push(entity.id.as_uuid());
                facts.push(version.fact.key());
                texts.push(search_text(&version.fact, &version.value));
                values.push(version.value.clone());
                froms.push(version.from);
                tos.push(version.to);
            }
        }
        self.execute(
            "INSERT INTO charter.entity_fact
                 (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, recorded_by)
             SELECT $1, gen_random_uuid(), v.entity_id, v.fact, v.value, v.search_text, daterange(v.valid_from, v.valid_to),
                    tstzrange(now(), NULL), $8
               FROM unnest($2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::date[], $7::date[])
                    AS v (entity_id, fact, value, search_text, valid_from, valid_to)",
            &[&tenant, &owners, &facts, &values, &texts, &froms, &tos, &actor],
        )
        .await?;
        Ok(imported)
    }

    /// Registers an entity with its facts, valid from `from` (until `to`).
    pub async fn create_entity(
        &mut self,
        id: EntityId,
        facts: &[(Fact, Value)],
        from: NaiveDate,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute("INSERT INTO charter.legal_entity (tenant_id, id) VALUES ($1, $2)", &[&tenant, &id.as_uuid()])
            .await?;
        for (fact, value) in facts {
            self.insert_fact(id, fact, value, from, None, None, actor).await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_fact(
        &mut self,
        entity: EntityId,
        fact: &Fact,
        value: &Value,
        from: NaiveDate,
        to: Option<NaiveDate>,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let version = Version {
            value: value.clone(),
            search_text: search_text(fact, value),
            from: Some(from),
            to,
            reason: reason.map(str::to_owned),
            recorded_by: actor.to_owned(),
        };
        self.insert_version(entity, &fact.key(), &version).await
    }

    /// Records a version of a fact from now on.
    async fn insert_version(&mut self, entity: EntityId, fact: &str, version: &Version) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute(
            "INSERT INTO charter.entity_fact
                 (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, reason, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, daterange($7, $8), tstzrange(now(), NULL), $9, $10)",
            &[
                &tenant,
                &uuid::Uuid::now_v7(),
                &entity.as_uuid(),
                &fact,
                &version.value,
                &version.search_text,
                &version.from,
                &version.to,
                &version.reason,
                &version.recorded_by,
            ],
        )
        .await?;
        Ok(())
    }

    /// Sets `fact` to `value` (or removes it, with `None`) from `from`: until
    /// `to`, or else until the next version of the fact already on record.
    /// The versions it overlaps are superseded, and what they said outside
    /// the changed period is recorded again.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_fact(
        &mut self,
        entity: EntityId,
        fact: &Fact,
        value: Option<&Value>,
        from: NaiveDate,
        to: Option<NaiveDate>,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let key = fact.key();
        let until: Option<NaiveDate> = match to {
            Some(to) => Some(to),
            None => self
                .query_one(
                    "SELECT min(lower(valid)) FROM charter.entity_fact
                      WHERE tenant_id = $1 AND entity_id = $2 AND fact = $3 AND upper_inf(recorded)
                        AND lower(valid) > $4",
                    &[&tenant, &entity.as_uuid(), &key, &from],
                )
                .await?
                .get(0),
        };
        // Versions recorded earlier in this same transaction (a seeder writing
        // a history) were never visible to anyone else, and superseding them
        // would leave an empty recording period: they are cut out instead,
        // and their parts outside the change recorded again below.
        let own: Vec<Version> = self
            .query(
                "DELETE FROM charter.entity_fact
                  WHERE tenant_id = $1 AND entity_id = $2 AND fact = $3 AND upper_inf(recorded)
                    AND lower(recorded) = now() AND valid && daterange($4, $5)
                 RETURNING value, search_text, lower(valid), upper(valid), reason, recorded_by",
                &[&tenant, &entity.as_uuid(), &key, &from, &until],
            )
            .await?
            .iter()
            .map(|r| Version {
                value: r.get(0),
                search_text: r.get(1),
                from: r.get(2),
                to: r.get(3),
                reason: r.get(4),
                recorded_by: r.get(5),
            })
            .collect();
        for version in &own {
            if version.from.is_none_or(|f| f < from) {
                self.insert_version(entity, &key, &Version { to: Some(from), ..version.clone() }).await?;
            }
            if let Some(until) = until
                && version.to.is_none_or(|t| t > until)
            {
                self.insert_version(entity, &key, &Version { from: Some(until), ..version.clone() }).await?;
            }
        }
        // Supersede what the change overlaps and, in the same statement (so
        // that only the versions this change superseded are read), record
        // again their parts before `from` and after `until`.
        self.execute(
            "WITH superseded AS (
                 UPDATE charter.entity_fact SET recorded = tstzrange(lower(recorded), now())
                  WHERE tenant_id = $1 AND entity_id = $2 AND fact = $3 AND upper_inf(recorded)
                    AND valid && daterange($4, $5)
                 RETURNING tenant_id, entity_id, fact, value, search_text, valid, reason, recorded_by)
             INSERT INTO charter.entity_fact
                 (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, reason, recorded_by)
             SELECT tenant_id, gen_random_uuid(), entity_id, fact, value, search_text, part, tstzrange(now(), NULL),
                    reason, recorded_by
               FROM superseded,
                    LATERAL (VALUES
                        (CASE WHEN lower_inf(valid) OR lower(valid) < $4 THEN daterange(lower(valid), $4) END),
                        (CASE WHEN $5::date IS NOT NULL AND (upper_inf(valid) OR upper(valid) > $5)
                              THEN daterange($5, upper(valid)) END)) AS parts (part)
              WHERE part IS NOT NULL AND NOT isempty(part)",
            &[&tenant, &entity.as_uuid(), &key, &from, &until],
        )
        .await?;
        if let Some(value) = value {
            self.insert_fact(entity, fact, value, from, until, reason, actor).await?;
        }
        Ok(())
    }

    /// Counts a change against the entity's version, if it is still
    /// `expected` (optimistic concurrency). `Ok(None)` if there is no such
    /// entity; `Ok(Some(false))` if its version moved on.
    pub async fn bump_entity_version(&mut self, entity: EntityId, expected: i64) -> Result<Option<bool>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                "UPDATE charter.legal_entity SET version = version + 1, updated_at = now()
                  WHERE tenant_id = $1 AND id = $2 AND version = $3 RETURNING version",
                &[&tenant, &entity.as_uuid(), &expected],
            )
            .await?;
        if row.is_some() {
            return Ok(Some(true));
        }
        let exists = self
            .query_opt(
                "SELECT 1 FROM charter.legal_entity WHERE tenant_id = $1 AND id = $2",
                &[&tenant, &entity.as_uuid()],
            )
            .await?;
        Ok(exists.map(|_| false))
    }

    /// The entities among `ids` that exist as of `at` (they have a legal
    /// name then), in the order of `ids`.
    pub async fn entities_as_of(&mut self, ids: &[EntityId], at: AsOf) -> Result<Vec<EntityState>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let uuids: Vec<uuid::Uuid> = ids.iter().map(EntityId::as_uuid).collect();
        let rows = self.query(STATE_SQL, &[&tenant, &uuids, &at.date, &at.known_at]).await?;
        let mut states: BTreeMap<uuid::Uuid, EntityState> = BTreeMap::new();
        for row in rows {
            let id: uuid::Uuid = row.get(0);
            let state = states.entry(id).or_insert_with(|| EntityState {
                id: EntityId::from_uuid(id),
                version: row.get(1),
                created_at: row.get(2),
                updated_at: row.get(3),
                facts: BTreeMap::new(),
            });
            if let (Some(fact), Some(value)) = (row.get::<_, Option<String>>(4), row.get::<_, Option<Value>>(5)) {
                state.facts.insert(fact, value);
            }
        }
        Ok(uuids.iter().filter_map(|id| states.remove(id)).filter(|s| s.facts.contains_key("legal_name")).collect())
    }

    pub async fn entity_as_of(&mut self, id: EntityId, at: AsOf) -> Result<Option<EntityState>, StoreError> {
        Ok(self.entities_as_of(&[id], at).await?.pop())
    }

    /// How many entities the tenant has (at any date).
    pub async fn entity_count(&mut self) -> Result<i64, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self.query_one("SELECT count(*) FROM charter.legal_entity WHERE tenant_id = $1", &[&tenant]).await?.get(0))
    }

    /// Whether the entity exists at all (at any date).
    pub async fn entity_exists(&mut self, id: EntityId) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt("SELECT 1 FROM charter.legal_entity WHERE tenant_id = $1 AND id = $2", &[&tenant, &id.as_uuid()])
            .await?
            .is_some())
    }

    /// Every version of every fact of an entity: as known at `known_at`, or
    /// every version ever recorded with `None`.
    pub async fn entity_history(
        &mut self,
        id: EntityId,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<FactVersion>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                "SELECT fact, value, lower(valid), upper(valid), lower(recorded), upper(recorded), reason, recorded_by
                   FROM charter.entity_fact
                  WHERE tenant_id = $1 AND entity_id = $2 AND NOT isempty(recorded)
                    AND ($3::timestamptz IS NULL OR recorded @> $3::timestamptz)
                  ORDER BY fact, lower(valid) NULLS FIRST, lower(recorded)",
                &[&tenant, &id.as_uuid(), &known_at],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| FactVersion {
                fact: r.get(0),
                value: r.get(1),
                valid_from: r.get(2),
                valid_to: r.get(3),
                recorded_at: r.get(4),
                superseded_at: r.get(5),
                reason: r.get(6),
                recorded_by: r.get(7),
            })
            .collect())
    }

    /// A page of entity ids as of `at`, filtered and ordered, with each
    /// one's sort key (for the next cursor).
    pub async fn list_entities(
        &mut self,
        at: AsOf,
        query: &EntityQuery,
    ) -> Result<Vec<(String, EntityId)>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> =
            vec![Box::new(tenant), Box::new(at.date), Box::new(at.known_at), Box::new(query.limit)];
        let mut param = |value: Box<dyn ToSql + Sync + Send>| {
            params.push(value);
            format!("${}", params.len())
        };
        // A fact of the entity, as of the date, as known at the time.
        let has_fact = |fact: &str, condition: &str| {
            format!(
                "EXISTS (SELECT 1 FROM charter.entity_fact x WHERE x.tenant_id = e.tenant_id AND x.entity_id = e.id
                   AND x.fact = '{fact}' AND x.valid @> $2::date AND x.recorded @> $3::timestamptz AND {condition})"
            )
        };
        let mut conditions = Vec::new();
        for (fact, wanted) in [
            ("jurisdiction", &query.jurisdiction),
            ("legal_form", &query.legal_form),
            ("status", &query.status),
            ("management_status", &query.management_status),
        ] {
            if let Some(wanted) = wanted {
                let p = param(Box::new(wanted.clone()));
                conditions.push(has_fact(fact, &format!("(x.value #>> '{{}}') = {p}")));
            }
        }
        for (fact, member) in [("tags", &query.tag), ("groups", &query.group)] {
            if let Some(member) = member {
                let p = param(Box::new(Value::Array(vec![Value::String(member.clone())])));
                conditions.push(has_fact(fact, &format!("x.value @> {p}::jsonb")));
            }
        }
        if let Some(text) = &query.text {
            let p =
                param(Box::new(format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM charter.entity_fact x WHERE x.tenant_id = e.tenant_id AND x.entity_id = e.id
                   AND x.search_text ILIKE {p} AND x.valid @> $2::date AND x.recorded @> $3::timestamptz)"
            ));
        }
        if let Some(holder) = query.holder {
            let p = param(Box::new(holder));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM charter.appointment a JOIN charter.appointment_term t
                           ON t.tenant_id = a.tenant_id AND t.appointment_id = a.id
                          WHERE a.tenant_id = e.tenant_id AND a.entity_id = e.id
                            AND (a.holder_person_id = {p} OR a.holder_entity_id = {p})
                            AND t.valid @> $2::date AND t.recorded @> $3::timestamptz)"
            ));
        }
        let sql = match query.sort {
            EntitySort::Created => {
                if let Some((_, after)) = &query.after {
                    let p = param(Box::new(after.as_uuid()));
                    conditions.push(format!("e.id > {p}"));
                }
                conditions.push(has_fact("legal_name", "true"));
                format!(
                    "SELECT e.id::text, e.id FROM charter.legal_entity e
                      WHERE e.tenant_id = $1 AND {} ORDER BY e.id LIMIT $4",
                    conditions.join(" AND ")
                )
            }
            EntitySort::LegalName => {
                if let Some((name, after)) = &query.after {
                    let (n, i) = (param(Box::new(name.clone())), param(Box::new(after.as_uuid())));
                    conditions.push(format!("(lower(f.search_text), e.id) > ({n}, {i})"));
                }
                format!(
                    "SELECT lower(f.search_text), e.id FROM charter.legal_entity e
                       JOIN charter.entity_fact f ON f.tenant_id = e.tenant_id AND f.entity_id = e.id
                        AND f.fact = 'legal_name' AND f.valid @> $2::date AND f.recorded @> $3::timestamptz
                      WHERE e.tenant_id = $1 {} ORDER BY lower(f.search_text), e.id LIMIT $4",
                    conditions.iter().map(|c| format!("AND {c}")).collect::<String>()
                )
            }
        };
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = self.query(&sql, &refs).await?;
        Ok(rows.iter().map(|r| (r.get::<_, String>(0), EntityId::from_uuid(r.get(1)))).collect())
    }
}
