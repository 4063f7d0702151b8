//! Relationships from outside the share ledger (GLEIF consolidation), and
//! finding entities by LEI.

use std::collections::HashMap;

use charter_domain::ids::EntityId;
use chrono::NaiveDate;

use super::TenantTx;
use crate::StoreError;

/// A relationship as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRecord {
    pub child: EntityId,
    pub parent: EntityId,
    pub kind: String,
    pub status: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub source: String,
    pub source_id: String,
}

/// A row of `COLUMNS`.
fn relationship(r: &tokio_postgres::Row) -> RelationshipRecord {
    RelationshipRecord {
        child: EntityId::from_uuid(r.get(0)),
        parent: EntityId::from_uuid(r.get(1)),
        kind: r.get(2),
        status: r.get(3),
        from: r.get(4),
        to: r.get(5),
        source: r.get(6),
        source_id: r.get(7),
    }
}

/// The constraint that refuses a second entity of a tenant holding an LEI
/// (ddl 0017): a refused write's `StoreError::Rejected` names it.
pub const LEI_HELD_ONCE: &str = "entity_fact_lei_held_once";

/// The columns `relationship` reads.
const COLUMNS: &str = "child_id, parent_id, kind, status, lower(valid), upper(valid), source, source_id";

impl TenantTx {
    /// Waits until no other transaction imports from `source` into this
    /// tenant, and keeps others waiting until this one ends: two imports of
    /// one file would each find its LEIs new and create them twice (the
    /// second is refused by `LEI_HELD_ONCE`; in turn, it finds them known).
    pub async fn take_turn_importing(&mut self, source: &str) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let key = format!("charter import {source} {tenant}");
        self.query_one("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&key]).await?;
        Ok(())
    }

    /// The entities holding each LEI now (an LEI is stored as given, upper case).
    pub async fn entities_by_lei(&mut self, leis: &[String]) -> Result<HashMap<String, EntityId>, StoreError> {
        let tenant = self.tenant().as_uuid();
        // value_key holds identifiers folded (lower case), which the index serves.
        let keys: Vec<String> = leis.iter().map(|l| l.to_lowercase()).collect();
        let rows = self
            .query_planned(
                "SELECT DISTINCT ON (value_key) upper(value_key), entity_id FROM charter.entity_fact
                  WHERE tenant_id = $1 AND fact = 'lei' AND value_key = ANY ($2) AND upper_inf(recorded)
                  ORDER BY value_key, entity_id",
                &[&tenant, &keys],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), EntityId::from_uuid(r.get(1)))).collect())
    }

    /// Which of `entities` are still placeholders an import made for an LEI
    /// known only from a relationship: their facts on record are a legal
    /// name `LEI <lei>` and the LEI, nothing else. With the day they hold from.
    pub async fn lei_placeholders(
        &mut self,
        entities: &[EntityId],
    ) -> Result<HashMap<EntityId, NaiveDate>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(EntityId::as_uuid).collect();
        let rows = self
            .query_planned(
                "SELECT entity_id, min(lower(valid)) FROM charter.entity_fact
                  WHERE tenant_id = $1 AND entity_id = ANY ($2) AND upper_inf(recorded)
                  GROUP BY entity_id
                 HAVING bool_and(fact IN ('legal_name', 'lei'))
                    AND count(*) FILTER (WHERE fact = 'legal_name') = 1
                    AND count(*) FILTER (WHERE fact = 'lei') = 1
                    AND max(value #>> '{}') FILTER (WHERE fact = 'legal_name')
                        = 'LEI ' || max(value #>> '{}') FILTER (WHERE fact = 'lei')",
                &[&tenant, &ids],
            )
            .await?;
        Ok(rows.iter().map(|r| (EntityId::from_uuid(r.get(0)), r.get(1))).collect())
    }

    /// Records many relationships of one source at once (an import): the
    /// ones on record unchanged are left alone, changed ones superseded, new
    /// ones inserted; three statements whatever the count.
    pub async fn record_relationships(
        &mut self,
        records: &[RelationshipRecord],
        actor: &str,
    ) -> Result<(u64, u64, u64), StoreError> {
        let tenant = self.tenant().as_uuid();
        let Some(source) = records.first().map(|r| r.source.clone()) else { return Ok((0, 0, 0)) };
        let ids: Vec<String> = records.iter().map(|r| r.source_id.clone()).collect();
        let current: HashMap<String, RelationshipRecord> = self
            .query_planned(
                &format!(
                    "SELECT {COLUMNS} FROM charter.entity_relationship
                      WHERE tenant_id = $1 AND source = $2 AND source_id = ANY ($3) AND upper_inf(recorded)"
                ),
                &[&tenant, &source, &ids],
            )
            .await?
            .iter()
            .map(|r| {
                let record = relationship(r);
                (record.source_id.clone(), record)
            })
            .collect();
        let (mut changed, mut unchanged) = (Vec::new(), 0);
        let mut write: Vec<&RelationshipRecord> = Vec::new();
        for r in records {
            match current.get(&r.source_id) {
                Some(c) if c == r => unchanged += 1,
                Some(_) => {
                    changed.push(r.source_id.clone());
                    write.push(r);
                }
                None => write.push(r),
            }
        }
        if !changed.is_empty() {
            self.execute(
                "UPDATE charter.entity_relationship SET recorded = tstzrange(lower(recorded), now())
                  WHERE tenant_id = $1 AND source = $2 AND source_id = ANY ($3) AND upper_inf(recorded)",
                &[&tenant, &source, &changed],
            )
            .await?;
        }
        if !write.is_empty() {
            let column = |f: fn(&RelationshipRecord) -> String| write.iter().map(|r| f(r)).collect::<Vec<String>>();
            let children: Vec<uuid::Uuid> = write.iter().map(|r| r.child.as_uuid()).collect();
            let parents: Vec<uuid::Uuid> = write.iter().map(|r| r.parent.as_uuid()).collect();
            let froms: Vec<Option<NaiveDate>> = write.iter().map(|r| r.from).collect();
            let tos: Vec<Option<NaiveDate>> = write.iter().map(|r| r.to).collect();
            let (kinds, statuses, source_ids) =
                (column(|r| r.kind.clone()), column(|r| r.status.clone()), column(|r| r.source_id.clone()));
            self.execute(
                "INSERT INTO charter.entity_relationship
                     (tenant_id, id, child_id, parent_id, kind, status, valid, recorded, source, source_id, recorded_by)
                 SELECT $1, gen_random_uuid(), c, p, k, s, daterange(f, t), tstzrange(now(), NULL), $2, i, $3
                   FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::date[], $9::date[], $10::text[])
                        AS r (c, p, k, s, f, t, i)",
                &[&tenant, &source, &actor, &children, &parents, &kinds, &statuses, &froms, &tos, &source_ids],
            )
            .await?;
        }
        let changed = changed.len() as u64;
        Ok((write.len() as u64 - changed, changed, unchanged))
    }

    /// Active relationships on record now that hold on `on` and touch any of
    /// `entities` (as child or as parent).
    pub async fn relationships_around(
        &mut self,
        entities: &[EntityId],
        on: NaiveDate,
    ) -> Result<Vec<RelationshipRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                &format!(
                    "SELECT {COLUMNS} FROM charter.entity_relationship
                      WHERE tenant_id = $1 AND upper_inf(recorded) AND valid @> $3::date AND status = 'ACTIVE'
                        AND (child_id = ANY ($2) OR parent_id = ANY ($2))"
                ),
                &[&tenant, &ids, &on],
            )
            .await?;
        Ok(rows.iter().map(relationship).collect())
    }
}
