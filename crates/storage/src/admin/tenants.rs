//! What the migration role may read across tenants: which tenants a
//! database holds and which data migrations each has applied.

use std::collections::BTreeMap;

use charter_domain::ids::TenantId;

use super::AdminConnection;
use crate::{DATA_SCHEMA, OWNER_ROLE, StoreError};

/// A tenant held by a database, with its DML ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantLedger {
    pub tenant: TenantId,
    pub slug: String,
    /// Applied DML versions, ascending.
    pub applied: Vec<i32>,
}

/// The tenants of one database and the checksums their DML was applied with.
#[derive(Debug, Clone, Default)]
pub struct DmlState {
    pub tenants: Vec<TenantLedger>,
    /// Version → every distinct checksum recorded for it (more than one
    /// means the file changed between tenants).
    pub checksums: BTreeMap<i32, Vec<String>>,
}

impl AdminConnection {
    /// Reads every tenant's DML ledger. Runs as the migration role, whose
    /// SELECT-only `owner_reads_ledger` policies allow it (a superuser reads
    /// without them); on a database too old to have them, it sees nothing.
    pub async fn dml_state(&mut self) -> Result<DmlState, StoreError> {
        let exists: bool = self
            .client
            .query_one(&format!("SELECT to_regclass('{DATA_SCHEMA}.dml_ledger') IS NOT NULL"), &[])
            .await?
            .get(0);
        if !exists {
            return Ok(DmlState::default());
        }
        let tx = self.client.transaction().await?;
        let superuser: bool =
            tx.query_one("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", &[]).await?.get(0);
        if !superuser {
            tx.batch_execute(&format!("SET LOCAL ROLE {OWNER_ROLE}")).await?;
        }
        let rows = tx
            .query(
                &format!(
                    "SELECT t.tenant_id, t.slug,
                            coalesce(array_agg(l.version ORDER BY l.version) FILTER (WHERE l.version IS NOT NULL), '{{}}')
                       FROM {DATA_SCHEMA}.tenant t
                       LEFT JOIN {DATA_SCHEMA}.dml_ledger l ON l.tenant_id = t.tenant_id
                      GROUP BY t.tenant_id, t.slug
                      ORDER BY t.slug"
                ),
                &[],
            )
            .await?;
        let tenants = rows
            .iter()
            .map(|r| TenantLedger { tenant: TenantId::from_uuid(r.get(0)), slug: r.get(1), applied: r.get(2) })
            .collect();
        let rows = tx
            .query(
                &format!("SELECT version, array_agg(DISTINCT checksum) FROM {DATA_SCHEMA}.dml_ledger GROUP BY version"),
                &[],
            )
            .await?;
        let checksums = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        tx.commit().await?;
        Ok(DmlState { tenants, checksums })
    }

    /// Whether any session holds an advisory lock on this database (for
    /// tests and diagnostics: a crashed migrator must leave none).
    pub async fn advisory_locks_held(&self) -> Result<i64, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_database d ON d.oid = l.database
                  WHERE l.locktype = 'advisory' AND d.datname = current_database() AND l.pid <> pg_backend_pid()",
                &[],
            )
            .await?;
        Ok(row.get(0))
    }
}
