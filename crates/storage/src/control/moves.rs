//! Tenant moves between databases, and offboarding tombstones.

use charter_domain::{
    ids::{DatabaseId, TenantId, UserId},
    tenant::DatabaseKind,
};
use chrono::{DateTime, Utc};

use super::{
    ControlPlane,
    notify::{Invalidation, announce},
};
use crate::StoreError;

/// How far a move got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovePhase {
    /// Rows are being copied; the source serves everything.
    Copying,
    /// Writes are frozen in the source; the rest is being copied and verified.
    Frozen,
    /// The placement points at the target; the source is to be purged.
    Switched,
}

impl MovePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Copying => "copying",
            Self::Frozen => "frozen",
            Self::Switched => "switched",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "copying" => Ok(Self::Copying),
            "frozen" => Ok(Self::Frozen),
            "switched" => Ok(Self::Switched),
            other => Err(StoreError::Internal(format!("unknown move phase {other}"))),
        }
    }
}

/// A finished move.
#[derive(Debug, Clone)]
pub struct FinishedMove {
    pub from: String,
    pub to: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub freeze_ms: i64,
    pub rows_copied: i64,
}

/// A move in progress.
#[derive(Debug, Clone)]
pub struct TenantMove {
    pub tenant: TenantId,
    pub source: DatabaseId,
    pub target: DatabaseId,
    pub phase: MovePhase,
    pub started_at: DateTime<Utc>,
}

impl ControlPlane {
    pub async fn move_of(&self, tenant: TenantId) -> Result<Option<TenantMove>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT source_id, target_id, phase, started_at FROM control.tenant_moves WHERE tenant_id = $1",
                &[&tenant.as_uuid()],
            )
            .await?;
        row.map(|r| {
            Ok(TenantMove {
                tenant,
                source: DatabaseId::from_uuid(r.get(0)),
                target: DatabaseId::from_uuid(r.get(1)),
                phase: MovePhase::parse(r.get(2))?,
                started_at: r.get(3),
            })
        })
        .transpose()
    }

    /// Records the start of a move; fails with a conflict if one is under way.
    pub async fn start_move(&self, tenant: TenantId, source: DatabaseId, target: DatabaseId) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO control.tenant_moves (tenant_id, source_id, target_id, phase) VALUES ($1, $2, $3, 'copying')",
            &[&tenant.as_uuid(), &source.as_uuid(), &target.as_uuid()],
        )
        .await?;
        Ok(())
    }

    pub async fn set_move_phase(&self, tenant: TenantId, phase: MovePhase) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE control.tenant_moves SET phase = $2, updated_at = now() WHERE tenant_id = $1",
            &[&tenant.as_uuid(), &phase.as_str()],
        )
        .await?;
        Ok(())
    }

    /// Points the tenant at `target` and marks the move switched, in one
    /// transaction: the tenant is served from exactly one place at any time.
    pub async fn switch_placement(
        &self,
        tenant: TenantId,
        target: DatabaseId,
        kind: DatabaseKind,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.execute(
            "UPDATE control.placements SET database_id = $2, placed_at = now() WHERE tenant_id = $1",
            &[&tenant.as_uuid(), &target.as_uuid()],
        )
        .await?;
        tx.execute(
            "UPDATE control.tenants SET placement = $2, updated_at = now() WHERE id = $1",
            &[&tenant.as_uuid(), &kind.as_str()],
        )
        .await?;
        tx.execute(
            "UPDATE control.tenant_moves SET phase = 'switched', updated_at = now() WHERE tenant_id = $1",
            &[&tenant.as_uuid()],
        )
        .await?;
        announce(&tx, Invalidation::Tenant(tenant)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a move: forgets it, and records it in the history if it completed.
    pub async fn end_move(&self, tenant: TenantId, completed: Option<(i64, i64)>) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let ended = tx
            .query_opt(
                "DELETE FROM control.tenant_moves WHERE tenant_id = $1 RETURNING source_id, target_id, started_at",
                &[&tenant.as_uuid()],
            )
            .await?;
        if let (Some(row), Some((freeze_ms, rows_copied))) = (ended, completed) {
            let (source, target, started): (uuid::Uuid, uuid::Uuid, DateTime<Utc>) =
                (row.get(0), row.get(1), row.get(2));
            tx.execute(
                "INSERT INTO control.tenant_move_history (tenant_id, source_id, target_id, started_at, freeze_ms, rows_copied)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&tenant.as_uuid(), &source, &target, &started, &freeze_ms, &rows_copied],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's most recent finished move: (from, to, started, finished, freeze ms, rows).
    pub async fn last_move(&self, tenant: TenantId) -> Result<Option<FinishedMove>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT s.name, t.name, h.started_at, h.finished_at, h.freeze_ms, h.rows_copied
                   FROM control.tenant_move_history h
                   JOIN control.databases s ON s.id = h.source_id
                   JOIN control.databases t ON t.id = h.target_id
                  WHERE h.tenant_id = $1 ORDER BY h.finished_at DESC LIMIT 1",
                &[&tenant.as_uuid()],
            )
            .await?;
        Ok(row.map(|r| FinishedMove {
            from: r.get(0),
            to: r.get(1),
            started_at: r.get(2),
            finished_at: r.get(3),
            freeze_ms: r.get(4),
            rows_copied: r.get(5),
        }))
    }

    /// Turns an offboarded tenant into a tombstone: status `offboarded`, no
    /// placement, every key revoked, its memberships (people's emails) and
    /// its own identity provider gone, and where its export was written.
    pub async fn tombstone(&self, tenant: TenantId, archive: &str, sha256: &str) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        tx.execute("DELETE FROM control.placements WHERE tenant_id = $1", &[&tenant.as_uuid()]).await?;
        tx.execute(
            "UPDATE control.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1",
            &[&tenant.as_uuid()],
        )
        .await?;
        let members = tx
            .query("DELETE FROM control.memberships WHERE tenant_id = $1 RETURNING user_id", &[&tenant.as_uuid()])
            .await?;
        tx.execute("DELETE FROM control.tenant_identity_providers WHERE tenant_id = $1", &[&tenant.as_uuid()]).await?;
        for user in members.iter().filter_map(|r| r.get::<_, Option<uuid::Uuid>>(0)) {
            announce(&tx, Invalidation::User(UserId::from_uuid(user))).await?;
        }
        tx.execute(
            "UPDATE control.tenants SET status = 'offboarded', offboarded_at = now(), export_archive = $2,
                    export_sha256 = $3, updated_at = now()
              WHERE id = $1",
            &[&tenant.as_uuid(), &archive, &sha256],
        )
        .await?;
        announce(&tx, Invalidation::Tenant(tenant)).await?;
        tx.commit().await?;
        Ok(())
    }
}
