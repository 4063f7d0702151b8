//! Legal entities (minimal record; the register issue extends it).

use charter_domain::{entity::NewEntity, ids::EntityId};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::TenantTx;
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRecord {
    pub id: EntityId,
    pub legal_name: String,
    pub jurisdiction: Option<String>,
    /// Increases with every change; the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, legal_name, jurisdiction, version, created_at, updated_at";

impl EntityRecord {
    fn from_row(row: &Row) -> Self {
        Self {
            id: EntityId::from_uuid(row.get(0)),
            legal_name: row.get(1),
            jurisdiction: row.get(2),
            version: row.get(3),
            created_at: row.get(4),
            updated_at: row.get(5),
        }
    }
}

impl TenantTx {
    pub async fn insert_entity(&mut self, id: EntityId, entity: &NewEntity) -> Result<EntityRecord, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_one(
                &format!(
                    "INSERT INTO charter.legal_entity (tenant_id, id, legal_name, jurisdiction)
                     VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
                ),
                &[
                    &tenant,
                    &id.as_uuid(),
                    &entity.legal_name.as_str(),
                    &entity.jurisdiction.as_ref().map(|j| j.as_str()),
                ],
            )
            .await?;
        Ok(EntityRecord::from_row(&row))
    }

    pub async fn entity(&mut self, id: EntityId) -> Result<Option<EntityRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                &format!("SELECT {COLUMNS} FROM charter.legal_entity WHERE tenant_id = $1 AND id = $2"),
                &[&tenant, &id.as_uuid()],
            )
            .await?;
        Ok(row.as_ref().map(EntityRecord::from_row))
    }

    /// A page of entities in id (= creation) order, after `after`.
    pub async fn list_entities(
        &mut self,
        after: Option<EntityId>,
        limit: i64,
    ) -> Result<Vec<EntityRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM charter.legal_entity
                      WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2)
                      ORDER BY id LIMIT $3"
                ),
                &[&tenant, &after.map(|a| a.as_uuid()), &limit],
            )
            .await?;
        Ok(rows.iter().map(EntityRecord::from_row).collect())
    }
}
