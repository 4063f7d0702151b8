//! Tenants and their placements.

use charter_domain::{
    ids::{DatabaseId, TenantId},
    tenant::{DatabaseKind, Placement, Slug, TenantName, TenantStatus, Tier},
};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::{
    ControlPlane,
    notify::{Invalidation, announce},
};
use crate::StoreError;

/// A tenant as the control plane knows it.
#[derive(Debug, Clone)]
pub struct TenantRecord {
    pub id: TenantId,
    pub slug: Slug,
    pub name: TenantName,
    pub placement: Placement,
    pub status: TenantStatus,
    pub tier: Tier,
    pub created_at: DateTime<Utc>,
    /// The database that serves the tenant; `None` while it is being provisioned.
    pub database: Option<PlacedIn>,
}

/// The database a tenant lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedIn {
    pub id: DatabaseId,
    pub name: String,
    pub kind: DatabaseKind,
}

const SELECT_TENANT: &str = "
    SELECT t.id, t.slug, t.name, t.placement, t.status, t.created_at, d.id, d.name, d.kind, t.tier
      FROM control.tenants t
      LEFT JOIN control.placements p ON p.tenant_id = t.id
      LEFT JOIN control.databases d ON d.id = p.database_id";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("unreadable control-plane row: {e}"))
}

impl TenantRecord {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let database = match row.get::<_, Option<uuid::Uuid>>(6) {
            Some(id) => Some(PlacedIn {
                id: DatabaseId::from_uuid(id),
                name: row.get(7),
                kind: DatabaseKind::parse("kind", row.get(8)).map_err(corrupt)?,
            }),
            None => None,
        };
        Ok(Self {
            id: TenantId::from_uuid(row.get(0)),
            slug: Slug::parse("slug", row.get(1)).map_err(corrupt)?,
            name: TenantName::parse("name", row.get(2)).map_err(corrupt)?,
            placement: Placement::parse("placement", row.get(3)).map_err(corrupt)?,
            status: TenantStatus::parse("status", row.get(4)).map_err(corrupt)?,
            tier: Tier::parse("tier", row.get(9)).map_err(corrupt)?,
            created_at: row.get(5),
            database,
        })
    }
}

impl ControlPlane {
    /// Records a new tenant in state `provisioning`. Returns `None` if the
    /// slug is taken (the caller compares with the existing tenant).
    pub async fn insert_tenant(
        &self,
        id: TenantId,
        slug: &Slug,
        name: &TenantName,
        placement: Placement,
        tier: Tier,
    ) -> Result<Option<TenantRecord>, StoreError> {
        let conn = self.conn().await?;
        let inserted = conn
            .execute(
                "INSERT INTO control.tenants (id, slug, name, placement, tier) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (slug) DO NOTHING",
                &[&id.as_uuid(), &slug.as_str(), &name.as_str(), &placement.as_str(), &tier.as_str()],
            )
            .await?;
        // One connection at a time per call: holding one while asking the
        // pool for another deadlocks a busy pool.
        drop(conn);
        if inserted == 0 {
            return Ok(None);
        }
        self.tenant_by_slug(slug).await
    }

    pub async fn tenant_by_slug(&self, slug: &Slug) -> Result<Option<TenantRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn.query_opt(&format!("{SELECT_TENANT} WHERE t.slug = $1"), &[&slug.as_str()]).await?;
        row.as_ref().map(TenantRecord::from_row).transpose()
    }

    /// A page of tenants in slug order, after `after`; only `only` if given.
    pub async fn list_tenants(
        &self,
        after: Option<&Slug>,
        limit: i64,
        only: Option<&[TenantId]>,
    ) -> Result<Vec<TenantRecord>, StoreError> {
        let conn = self.conn().await?;
        let only: Option<Vec<uuid::Uuid>> = only.map(|ids| ids.iter().map(|t| t.as_uuid()).collect());
        let rows = conn
            .query(
                &format!(
                    "{SELECT_TENANT}
                      WHERE ($1::text IS NULL OR t.slug > $1) AND ($2::uuid[] IS NULL OR t.id = ANY ($2))
                      ORDER BY t.slug LIMIT $3"
                ),
                &[&after.map(Slug::as_str), &only, &limit],
            )
            .await?;
        rows.iter().map(TenantRecord::from_row).collect()
    }

    pub async fn set_tier(&self, id: TenantId, tier: Tier) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE control.tenants SET tier = $2, updated_at = now() WHERE id = $1",
            &[&id.as_uuid(), &tier.as_str()],
        )
        .await?;
        announce(&conn, Invalidation::Tenant(id)).await?;
        Ok(())
    }

    pub async fn activate_tenant(&self, id: TenantId) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE control.tenants SET status = 'active', updated_at = now() WHERE id = $1 AND status <> 'active'",
            &[&id.as_uuid()],
        )
        .await?;
        Ok(())
    }

    /// Places a tenant in the active shared database with the fewest tenants
    /// below its capacity. Returns `None` if every shared database is full.
    /// Idempotent: a tenant already placed keeps its database.
    pub async fn place_in_shared(&self, tenant: TenantId) -> Result<Option<PlacedIn>, StoreError> {
        if let Some(placed) = self.placement_of(tenant).await? {
            return Ok(Some(placed));
        }
        // Two onboardings may pick the same database; `try_place` recounts
        // under a row lock, and the loser of a race picks again.
        for _attempt in 0..8 {
            let candidate = self
                .conn()
                .await?
                .query_opt(
                    "SELECT d.id FROM control.databases d
                      WHERE d.kind = 'shared' AND d.status = 'active'
                        AND (SELECT count(*) FROM control.placements p WHERE p.database_id = d.id) < d.capacity
                      ORDER BY (SELECT count(*) FROM control.placements p WHERE p.database_id = d.id), d.created_at, d.id
                      LIMIT 1",
                    &[],
                )
                .await?;
            let Some(candidate) = candidate else {
                return Ok(None);
            };
            if let Some(placed) = self.place_in(tenant, DatabaseId::from_uuid(candidate.get(0))).await? {
                return Ok(Some(placed));
            }
        }
        Err(StoreError::Unavailable("too much contention placing the tenant; retry".into()))
    }

    /// Places a tenant in `database` if it has room (a dedicated database has
    /// room for one). Idempotent: a tenant placed already keeps its
    /// placement, which is returned. `None` if the database is full.
    pub async fn place_in(&self, tenant: TenantId, database: DatabaseId) -> Result<Option<PlacedIn>, StoreError> {
        if let Some(placed) = self.placement_of(tenant).await? {
            return Ok(Some(placed));
        }
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // The row lock serialises placements into one database, and each
        // statement in READ COMMITTED sees the placements committed before it.
        let has_room = tx
            .query_opt(
                "SELECT (SELECT count(*) FROM control.placements WHERE database_id = d.id) < d.capacity
                   FROM control.databases d WHERE d.id = $1 AND d.status = 'active' FOR UPDATE",
                &[&database.as_uuid()],
            )
            .await?
            .is_some_and(|r| r.get::<_, bool>(0));
        if !has_room {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO control.placements (tenant_id, database_id) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO NOTHING",
            &[&tenant.as_uuid(), &database.as_uuid()],
        )
        .await?;
        tx.commit().await?;
        drop(conn);
        self.placement_of(tenant).await
    }

    async fn placement_of(&self, tenant: TenantId) -> Result<Option<PlacedIn>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT d.id, d.name, d.kind FROM control.placements p
                   JOIN control.databases d ON d.id = p.database_id WHERE p.tenant_id = $1",
                &[&tenant.as_uuid()],
            )
            .await?;
        row.map(|r| {
            Ok(PlacedIn {
                id: DatabaseId::from_uuid(r.get(0)),
                name: r.get(1),
                kind: DatabaseKind::parse("kind", r.get(2)).map_err(corrupt)?,
            })
        })
        .transpose()
    }
}
