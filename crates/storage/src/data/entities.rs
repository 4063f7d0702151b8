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

/// A fact set to a value (or removed, with `None`) from a date: until `to`,
/// or else until the next version of the fact already on record.
#[derive(Debug, Clone)]
pub struct FactSetting {
    pub entity: EntityId,
    pub fact: Fact,
    pub value: Option<Value>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A point in both times: business date and recording time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub date: NaiveDate,
    pub known_at: DateTime<Utc>,
    /// Whether `known_at` is now: the reads want what is on record now, the
    /// versions nothing has superseded, which partial indexes serve (and a
    /// write of a moment ago is seen whatever the clocks say).
    latest: bool,
}

impl AsOf {
    /// `date` as on record now.
    pub fn latest(date: NaiveDate) -> Self {
        Self { date, known_at: Utc::now(), latest: true }
    }

    /// `date` as on record at `known_at` (now, if that is not in the past).
    pub fn known_at(date: NaiveDate, known_at: DateTime<Utc>) -> Self {
        let now = Utc::now();
        if known_at >= now { Self::latest(date) } else { Self { date, known_at, latest: false } }
    }

    /// Another date, the same knowledge.
    pub fn on(self, date: NaiveDate) -> Self {
        Self { date, ..self }
    }

    pub fn is_latest(&self) -> bool {
        self.latest
    }

    /// The SQL condition that `alias`'s version was on record then, with
    /// the known-at parameter `param` (`None` when the latest record is
    /// wanted: the condition then takes no parameter).
    fn on_record(&self, alias: &str, param: Option<&str>) -> String {
        match param {
            Some(p) if !self.latest => format!("{alias}.recorded @> {p}::timestamptz"),
            _ => format!("upper_inf({alias}.recorded)"),
        }
    }
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
    /// Only entities in any of these groups (a grant limited to entity groups).
    pub within_groups: Option<Vec<String>>,
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

/// The facts of entities as of `$3`: on record now, or at `$4`.
fn state_sql(at: &AsOf) -> String {
    format!(
        "SELECT e.id, e.version, e.created_at, e.updated_at, f.fact, f.value
           FROM charter.legal_entity e
           LEFT JOIN charter.entity_fact f
             ON f.tenant_id = e.tenant_id AND f.entity_id = e.id AND f.valid @> $3::date AND {}
          WHERE e.tenant_id = $1 AND e.id = ANY ($2)",
        at.on_record("f", Some("$4"))
    )
}

impl TenantTx {
    /// Imports entities with their histories in two statements per batch
    /// (bulk loads: a legacy register, a benchmark). Returns how many were
    /// imported.
    pub async fn import_entities(
        &mut self,
        entities: &[ImportedEntity],
        reason: Option<&str>,
        actor: &str,
    ) -> Result<u64, StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(|e| e.id.as_uuid()).collect();
        let imported = self
            .execute("INSERT INTO charter.legal_entity (tenant_id, id) SELECT $1, unnest($2::uuid[])", &[&tenant, &ids])
            .await?;
        let count = entities.iter().map(|e| e.versions.len()).sum();
        let (mut fact_ids, mut owners, mut facts, mut values, mut texts, mut froms, mut tos) = (
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
        );
        for entity in entities {
            for version in &entity.versions {
                // Time-ordered ids: new keys go to the right edge of the
                // primary key (random ones touched a page each: 13 % of a
                // bulk insert).
                fact_ids.push(uuid::Uuid::now_v7());
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
                 (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, reason, recorded_by)
             SELECT $1, v.id, v.entity_id, v.fact, v.value, v.search_text, daterange(v.valid_from, v.valid_to),
                    tstzrange(now(), NULL), $10, $8
               FROM unnest($9::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::date[], $7::date[])
                    AS v (id, entity_id, fact, value, search_text, valid_from, valid_to)",
            &[&tenant, &owners, &facts, &values, &texts, &froms, &tos, &actor, &fact_ids, &reason],
        )
        .await?;
        Ok(imported)
    }

    /// Registers an entity with its facts, valid from `from` on.
    pub async fn create_entity(
        &mut self,
        id: EntityId,
        facts: &[(Fact, Value)],
        from: NaiveDate,
        actor: &str,
    ) -> Result<(), StoreError> {
        let versions = facts
            .iter()
            .map(|(fact, value)| ImportedVersion { fact: fact.clone(), value: value.clone(), from, to: None })
            .collect();
        self.import_entities(&[ImportedEntity { id, versions }], None, actor).await?;
        Ok(())
    }

    /// Sets `fact` to `value` (or removes it, with `None`) from `from`: until
    /// `to`, or else until the next version of the fact already on record.
    /// The versions it overlaps are superseded, and what they said outside
    /// the changed period is recorded again (see [`set_facts`](Self::set_facts)).
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
        let setting = FactSetting { entity, fact: fact.clone(), value: value.cloned(), from, to };
        self.set_facts(&[setting], reason, actor).await
    }

    /// Sets facts (or removes them) each from its date until its end or the
    /// next version of that fact on record, in one statement whatever the
    /// count: the versions they overlap are superseded and their parts
    /// outside the changed periods recorded again. Versions recorded earlier
    /// in this same transaction (a seeder writing a history) were never
    /// visible to anyone else, and superseding them would leave an empty
    /// recording period: they are cut out instead. An entity's fact may
    /// appear once.
    pub async fn set_facts(
        &mut self,
        settings: &[FactSetting],
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        if settings.is_empty() {
            return Ok(());
        }
        let tenant = self.tenant().as_uuid();
        let entities: Vec<uuid::Uuid> = settings.iter().map(|s| s.entity.as_uuid()).collect();
        let facts: Vec<String> = settings.iter().map(|s| s.fact.key()).collect();
        let values: Vec<Option<&Value>> = settings.iter().map(|s| s.value.as_ref()).collect();
        let texts: Vec<Option<String>> =
            settings.iter().map(|s| s.value.as_ref().and_then(|v| search_text(&s.fact, v))).collect();
        let froms: Vec<NaiveDate> = settings.iter().map(|s| s.from).collect();
        let tos: Vec<Option<NaiveDate>> = settings.iter().map(|s| s.to).collect();
        let ids: Vec<uuid::Uuid> = settings.iter().map(|_| uuid::Uuid::now_v7()).collect();
        // `current`: the changed entities' versions on record now, read once
        // by entity (before anything changes: a statement's CTEs share one
        // snapshot), so that no plan depends on statistics a bulk load has
        // not given the planner yet (probing each fact's next version by
        // name key and hashing the tenant's versions took 3 times as long).
        // `c`: the settings with the start of each fact's next version;
        // `hit`: the versions each overlaps. `own` and `superseded` take
        // them by primary key (still current when written to: a row a
        // concurrent writer superseded is left alone), disjoint sets;
        // `parts` is what those said outside the changed period.
        self.execute(
            "WITH setting AS (
                 SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::jsonb[], $6::text[], $7::date[],
                                      $10::date[])
                          AS s (id, entity_id, fact, value, search_text, valid_from, valid_to)),
             current AS MATERIALIZED (
                 SELECT f.id, f.entity_id, f.fact, f.valid, lower(f.recorded) = now() AS own
                   FROM charter.entity_fact f
                  WHERE f.tenant_id = $1 AND f.entity_id = ANY ($3) AND upper_inf(f.recorded)),
             next AS (
                 SELECT s.id, min(lower(x.valid)) AS starts
                   FROM setting s JOIN current x ON x.entity_id = s.entity_id AND x.fact = s.fact
                  WHERE lower(x.valid) > s.valid_from
                  GROUP BY s.id),
             c AS (
                 SELECT s.id, s.entity_id, s.fact, s.value, s.search_text, s.valid_from,
                        coalesce(s.valid_to, n.starts) AS valid_to
                   FROM setting s LEFT JOIN next n ON n.id = s.id),
             hit AS (
                 SELECT x.id, x.own, c.valid_from, c.valid_to
                   FROM current x JOIN c ON x.entity_id = c.entity_id AND x.fact = c.fact
                  WHERE x.valid && daterange(c.valid_from, c.valid_to)),
             own AS (
                 DELETE FROM charter.entity_fact f USING hit
                  WHERE f.tenant_id = $1 AND f.id = hit.id AND hit.own AND upper_inf(f.recorded)
                 RETURNING f.entity_id, f.fact, f.value, f.search_text, f.valid, f.reason, f.recorded_by,
                           hit.valid_from, hit.valid_to),
             superseded AS (
                 UPDATE charter.entity_fact f SET recorded = tstzrange(lower(f.recorded), now()) FROM hit
                  WHERE f.tenant_id = $1 AND f.id = hit.id AND NOT hit.own AND upper_inf(f.recorded)
                 RETURNING f.entity_id, f.fact, f.value, f.search_text, f.valid, f.reason, f.recorded_by,
                           hit.valid_from, hit.valid_to),
             parts AS (
                 SELECT o.entity_id, o.fact, o.value, o.search_text, p.part, o.reason, o.recorded_by
                   FROM (SELECT * FROM own UNION ALL SELECT * FROM superseded) o,
                        LATERAL (VALUES
                            (CASE WHEN lower_inf(o.valid) OR lower(o.valid) < o.valid_from
                                  THEN daterange(lower(o.valid), o.valid_from) END),
                            (CASE WHEN o.valid_to IS NOT NULL AND (upper_inf(o.valid) OR upper(o.valid) > o.valid_to)
                                  THEN daterange(o.valid_to, upper(o.valid)) END)) AS p (part)
                  WHERE p.part IS NOT NULL AND NOT isempty(p.part))
             INSERT INTO charter.entity_fact
                 (tenant_id, id, entity_id, fact, value, search_text, valid, recorded, reason, recorded_by)
             SELECT $1, gen_random_uuid(), entity_id, fact, value, search_text, part, tstzrange(now(), NULL),
                    reason, recorded_by
               FROM parts
             UNION ALL
             SELECT $1, id, entity_id, fact, value, search_text, daterange(valid_from, valid_to),
                    tstzrange(now(), NULL), $8, $9
               FROM c WHERE value IS NOT NULL",
            &[&tenant, &ids, &entities, &facts, &values, &texts, &froms, &reason, &actor, &tos],
        )
        .await?;
        Ok(())
    }

    /// Counts a change against each entity's version (changes made without
    /// an expected version: an import).
    pub async fn bump_entity_versions(&mut self, entities: &[EntityId]) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(EntityId::as_uuid).collect();
        self.execute(
            "UPDATE charter.legal_entity SET version = version + 1, updated_at = now()
              WHERE tenant_id = $1 AND id = ANY ($2)",
            &[&tenant, &ids],
        )
        .await?;
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
        let rows = if at.is_latest() {
            self.query(&state_sql(&at), &[&tenant, &uuids, &at.date]).await?
        } else {
            self.query(&state_sql(&at), &[&tenant, &uuids, &at.date, &at.known_at]).await?
        };
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

    /// Which of `facts` (entity, fact key, value, day) differ from what is
    /// on record now for that entity's fact on that day, or have no value
    /// then: their positions in `facts`, in order. Compared where the values
    /// are (as jsonb: keys in any order, 1.0 = 1), so that only the
    /// differences travel. The entities' current versions are read in one
    /// scan whatever the statistics say (a bulk import compares right after
    /// writing, before they have caught up, when a join's plan can go very
    /// wrong).
    pub async fn facts_differing(
        &mut self,
        facts: &[(EntityId, String, &Value, NaiveDate)],
    ) -> Result<Vec<usize>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let mut ids: Vec<uuid::Uuid> = facts.iter().map(|(e, _, _, _)| e.as_uuid()).collect();
        let entities = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let keys: Vec<&str> = facts.iter().map(|(_, f, _, _)| f.as_str()).collect();
        let values: Vec<&Value> = facts.iter().map(|(_, _, v, _)| *v).collect();
        let days: Vec<NaiveDate> = facts.iter().map(|(_, _, _, d)| *d).collect();
        let rows = self
            .query_planned(
                "WITH current AS MATERIALIZED (
                     SELECT entity_id, fact, value, valid FROM charter.entity_fact
                      WHERE tenant_id = $1 AND entity_id = ANY ($2) AND upper_inf(recorded))
                 SELECT i.n - 1
                   FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::date[])
                        WITH ORDINALITY AS i (entity_id, fact, value, day, n)
                   LEFT JOIN current c ON c.entity_id = i.entity_id AND c.fact = i.fact AND c.valid @> i.day
                  WHERE c.value IS DISTINCT FROM i.value
                  ORDER BY i.n",
                &[&tenant, &ids, &entities, &keys, &values, &days],
            )
            .await?;
        Ok(rows.iter().filter_map(|r| usize::try_from(r.get::<_, i64>(0)).ok()).collect())
    }

    /// Which of `facts` (entity, fact key, day) have a value on record now
    /// for that day: their positions in `facts`, in order, each with the
    /// reason its version was recorded for.
    pub async fn facts_held(
        &mut self,
        facts: &[(EntityId, String, NaiveDate)],
    ) -> Result<Vec<(usize, Option<String>)>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let entities: Vec<uuid::Uuid> = facts.iter().map(|(e, _, _)| e.as_uuid()).collect();
        let keys: Vec<&str> = facts.iter().map(|(_, f, _)| f.as_str()).collect();
        let days: Vec<NaiveDate> = facts.iter().map(|(_, _, d)| *d).collect();
        let rows = self
            .query_planned(
                "SELECT a.n - 1, f.reason
                   FROM unnest($2::uuid[], $3::text[], $4::date[]) WITH ORDINALITY AS a (entity_id, fact, day, n)
                   JOIN charter.entity_fact f
                     ON f.tenant_id = $1 AND f.entity_id = a.entity_id AND f.fact = a.fact
                    AND upper_inf(f.recorded) AND f.valid @> a.day
                  ORDER BY a.n",
                &[&tenant, &entities, &keys, &days],
            )
            .await?;
        Ok(rows.iter().filter_map(|r| Some((usize::try_from(r.get::<_, i64>(0)).ok()?, r.get(1)))).collect())
    }

    /// Whether the entity is in any of `groups` on `at.date` (its `groups`
    /// fact, as on record at `at.known_at`).
    pub async fn entity_in_groups(&mut self, id: EntityId, at: AsOf, groups: &[String]) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        let known_at = (!at.is_latest()).then_some(at.known_at);
        Ok(self
            .query_opt(
                "SELECT 1 FROM charter.entity_fact
                  WHERE tenant_id = $1 AND entity_id = $2 AND fact = 'groups' AND valid @> $3::date
                    AND CASE WHEN $4::timestamptz IS NULL THEN upper_inf(recorded) ELSE recorded @> $4::timestamptz END
                    AND value ?| $5::text[]",
                &[&tenant, &id.as_uuid(), &at.date, &known_at, &groups],
            )
            .await?
            .is_some())
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

    /// The entities that, as of `at.date` and as on record at `at.known_at`,
    /// match `query`, as (sort key, id) in order.
    ///
    /// The statement is shaped so that one index drives it and the page
    /// stops it: the search terms' index for a text search, else the
    /// legal-name index when sorting by name, else the index of the first
    /// value filter, else the entities' key; the other filters are probes
    /// per row. Row-level security lets an index serve only leakproof
    /// operators, so every indexed comparison is `=`, `<` or `>` on a plain
    /// column (`value_key`, `term`).
    pub async fn list_entities(
        &mut self,
        at: AsOf,
        query: &EntityQuery,
    ) -> Result<Vec<(String, EntityId)>, StoreError> {
        let words = match &query.text {
            Some(text) => self.search_words(text).await?,
            None => Vec::new(),
        };
        let tenant = self.tenant().as_uuid();
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> =
            vec![Box::new(tenant), Box::new(at.date), Box::new(query.limit)];
        let known_at = (!at.is_latest()).then(|| {
            params.push(Box::new(at.known_at));
            format!("${}", params.len())
        });
        let mut param = |value: Box<dyn ToSql + Sync + Send>| {
            params.push(value);
            format!("${}", params.len())
        };
        let on_record = |alias: &str| at.on_record(alias, known_at.as_deref());
        // `alias` is a version of the entity's `fact` holding on the date, as on record then.
        let holds = |alias: &str, fact: &str| {
            format!(
                "{alias}.tenant_id = $1 AND {alias}.fact = '{fact}' AND {alias}.valid @> $2::date AND {}",
                on_record(alias)
            )
        };
        // Every filter is a probe of the driving row's entity. `OFFSET 0` keeps
        // PostgreSQL from turning it into a semi-join: estimates multiply badly
        // across facts, and a hash semi-join over a 100,000-entity tenant read
        // every row (0.5 s) where probing in index order stops at the page's end.
        let exists = |fact: &str, condition: &str| {
            format!(
                "EXISTS (SELECT 1 FROM charter.entity_fact x WHERE {} AND x.entity_id = d.entity_id AND {condition}
                         OFFSET 0)",
                holds("x", fact)
            )
        };
        // Terms starting with a word: a range in the terms' byte order.
        let mut prefix = |word: &str| (param(Box::new(word.to_owned())), param(Box::new(format!("{word}\u{10FFFF}"))));
        let words: Vec<(String, String)> = words.iter().map(|w| prefix(w)).collect();
        let mut values: Vec<(&str, String)> = Vec::new();
        for (fact, wanted) in [
            ("jurisdiction", &query.jurisdiction),
            ("legal_form", &query.legal_form),
            ("status", &query.status),
            ("management_status", &query.management_status),
        ] {
            if let Some(wanted) = wanted {
                values.push((fact, param(Box::new(wanted.clone()))));
            }
        }
        let mut members: Vec<(&str, String)> = Vec::new();
        for (fact, member) in [("tags", &query.tag), ("groups", &query.group)] {
            if let Some(member) = member {
                members.push((fact, param(Box::new(Value::Array(vec![Value::String(member.clone())])))));
            }
        }
        let holder = query.holder.map(|h| param(Box::new(h)));
        // The previous page's last key (only a name sort needs more than the id).
        let after = query.after.as_ref().map(|(key, id)| {
            let key = (query.sort == EntitySort::LegalName).then(|| param(Box::new(key.clone())));
            (key, param(Box::new(id.as_uuid())))
        });

        // The driving rows `d`, one per entity, with the sort key `key`.
        let name_of = |entity: &str| {
            format!(
                "(SELECT n.value_key FROM charter.entity_fact n WHERE {} AND n.entity_id = {entity} LIMIT 1)",
                holds("n", "legal_name")
            )
        };
        let mut conditions = Vec::new();
        let mut driving_value = None;
        let (from, key) = match (words.first(), query.sort, values.first()) {
            (Some((word, end)), sort, _) => {
                let matches = format!(
                    "SELECT DISTINCT s.entity_id FROM charter.entity_search_term s
                      WHERE s.tenant_id = $1 AND s.term >= {word} AND s.term < {end}
                        AND s.valid @> $2::date AND {}",
                    on_record("s")
                );
                if sort == EntitySort::LegalName {
                    conditions.push("d.key IS NOT NULL".to_owned());
                    (format!("(SELECT m.entity_id, {} AS key FROM ({matches}) m) d", name_of("m.entity_id")), "d.key")
                } else {
                    conditions.push(exists("legal_name", "true"));
                    (format!("({matches}) d"), "d.entity_id::text")
                }
            }
            (None, EntitySort::LegalName, _) => {
                conditions.push(holds("d", "legal_name"));
                ("charter.entity_fact d".to_owned(), "d.value_key")
            }
            (None, EntitySort::Created, Some((fact, value))) => {
                driving_value = Some(*fact);
                conditions.extend([holds("d", fact), format!("d.value_key = {value}"), exists("legal_name", "true")]);
                ("charter.entity_fact d".to_owned(), "d.entity_id::text")
            }
            (None, EntitySort::Created, None) => {
                conditions.push(exists("legal_name", "true"));
                (
                    "(SELECT e.tenant_id, e.id AS entity_id FROM charter.legal_entity e WHERE e.tenant_id = $1) d"
                        .to_owned(),
                    "d.entity_id::text",
                )
            }
        };
        for (fact, value) in values.iter().filter(|(fact, _)| Some(*fact) != driving_value) {
            conditions.push(exists(fact, &format!("x.value_key = {value}")));
        }
        for (fact, member) in &members {
            conditions.push(exists(fact, &format!("x.value @> {member}::jsonb")));
        }
        if let Some(groups) = &query.within_groups {
            let groups = param(Box::new(groups.clone()));
            conditions.push(exists("groups", &format!("x.value ?| {groups}::text[]")));
        }
        // Every other word must start a term of the entity as well.
        for (word, end) in words.iter().skip(1) {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM charter.entity_search_term w
                          WHERE w.tenant_id = $1 AND w.entity_id = d.entity_id AND w.term >= {word} AND w.term < {end}
                            AND w.valid @> $2::date AND {} OFFSET 0)",
                on_record("w")
            ));
        }
        if let Some(holder) = &holder {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM charter.appointment a JOIN charter.appointment_term t
                           ON t.tenant_id = a.tenant_id AND t.appointment_id = a.id
                          WHERE a.tenant_id = $1 AND a.entity_id = d.entity_id
                            AND (a.holder_person_id = {holder} OR a.holder_entity_id = {holder})
                            AND t.valid @> $2::date AND {} OFFSET 0)",
                on_record("t")
            ));
        }
        if let Some((after_key, after_id)) = &after {
            conditions.push(match after_key {
                Some(after_key) => format!("({key}, d.entity_id) > ({after_key}, {after_id})"),
                None => format!("d.entity_id > {after_id}"),
            });
        }
        let order = match query.sort {
            EntitySort::LegalName => format!("{key}, d.entity_id"),
            EntitySort::Created => "d.entity_id".to_owned(),
        };
        let sql = format!(
            "SELECT {key}, d.entity_id FROM {from} WHERE {} ORDER BY {order} LIMIT $3",
            conditions.join(" AND ")
        );
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = self.query_planned(&sql, &refs).await?;
        Ok(rows.iter().map(|r| (r.get::<_, String>(0), EntityId::from_uuid(r.get(1)))).collect())
    }

    /// The distinct words of a search as the database folds them, longest
    /// (most selective) first, at most eight.
    async fn search_words(&mut self, text: &str) -> Result<Vec<String>, StoreError> {
        let row = self.query_one("SELECT string_to_array(charter.fold($1), ' ')", &[&text]).await?;
        let mut words: Vec<String> = row.get::<_, Option<Vec<String>>>(0).unwrap_or_default();
        words.retain(|w| !w.is_empty());
        words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        words.dedup();
        words.truncate(8);
        Ok(words)
    }
}
