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

/// What recording a relationship did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New,
    Changed,
    Unchanged,
}

impl TenantTx {
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

    /// Records a relationship unless the same version is on record already;
    /// a changed one supersedes the version on record.
    pub async fn record_relationship(&mut self, r: &RelationshipRecord, actor: &str) -> Result<Recorded, StoreError> {
        let tenant = self.tenant().as_uuid();
        let current = self
            .query_opt(
                "SELECT child_id, parent_id, kind, status, lower(valid), upper(valid), id FROM charter.entity_relationship
                  WHERE tenant_id = $1 AND source = $2 AND source_id = $3 AND upper_inf(recorded)",
                &[&tenant, &r.source, &r.source_id],
            )
            .await?;
        let outcome = match &current {
            Some(row) => {
                let same = EntityId::from_uuid(row.get(0)) == r.child
                    && EntityId::from_uuid(row.get(1)) == r.parent
                    && row.get::<_, String>(2) == r.kind
                    && row.get::<_, String>(3) == r.status
                    && row.get::<_, Option<NaiveDate>>(4) == r.from
                    && row.get::<_, Option<NaiveDate>>(5) == r.to;
                if same {
                    return Ok(Recorded::Unchanged);
                }
                let id: uuid::Uuid = row.get(6);
                self.execute(
                    "UPDATE charter.entity_relationship SET recorded = tstzrange(lower(recorded), now())
                      WHERE tenant_id = $1 AND id = $2",
                    &[&tenant, &id],
                )
                .await?;
                Recorded::Changed
            }
            None => Recorded::New,
        };
        self.execute(
            "INSERT INTO charter.entity_relationship
                 (tenant_id, id, child_id, parent_id, kind, status, valid, recorded, source, source_id, recorded_by)
             VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, daterange($6, $7), tstzrange(now(), NULL), $8, $9, $10)",
            &[
                &tenant,
                &r.child.as_uuid(),
                &r.parent.as_uuid(),
                &r.kind,
                &r.status,
                &r.from,
                &r.to,
                &r.source,
                &r.source_id,
                &actor,
            ],
        )
        .await?;
        Ok(outcome)
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
                "SELECT child_id, parent_id, kind, status, lower(valid), upper(valid), source, source_id
                   FROM charter.entity_relationship
                  WHERE tenant_id = $1 AND upper_inf(recorded) AND valid @> $3::date AND status = 'ACTIVE'
                    AND (child_id = ANY ($2) OR parent_id = ANY ($2))",
                &[&tenant, &ids, &on],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| RelationshipRecord {
                child: EntityId::from_uuid(r.get(0)),
                parent: EntityId::from_uuid(r.get(1)),
                kind: r.get(2),
                status: r.get(3),
                from: r.get(4),
                to: r.get(5),
                source: r.get(6),
                source_id: r.get(7),
            })
            .collect())
    }
}
