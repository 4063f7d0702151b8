//! Data migrations of one tenant, run as the application role inside the
//! tenant's transaction so that row-level security confines them.

use super::TenantTx;
use crate::{DATA_SCHEMA, StoreError};

/// One data migration to apply to the transaction's tenant.
#[derive(Debug, Clone, Copy)]
pub struct DmlStep<'a> {
    pub version: i32,
    /// `[a-z0-9_]+`, from the file name.
    pub name: &'a str,
    /// Hex SHA-256 of the file.
    pub checksum: &'a str,
    pub sql: &'a str,
}

/// What applying data migrations to a tenant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DmlOutcome {
    Applied,
    /// Another worker recorded one of them first; nothing was changed here.
    AlreadyApplied,
}

impl TenantTx {
    /// Runs `steps` in order and records each in the tenant's DML ledger,
    /// then commits — all in one transaction and one round trip. Either
    /// every step takes effect and is recorded, or none does: a DML runs
    /// exactly once per tenant even across crashes and concurrent runs.
    pub async fn apply_dml(mut self, steps: &[DmlStep<'_>]) -> Result<DmlOutcome, StoreError> {
        let tenant = self.tenant();
        let mut batch = self.open().unwrap_or_default();
        for step in steps {
            // Values are rendered, not bound (a simple-query batch takes no
            // parameters): a parsed uuid, an integer, and a name and checksum
            // checked to be [a-z0-9_] and hex.
            if !step.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                || !step.checksum.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(StoreError::MigrationFailed(format!(
                    "dml {:04}: malformed name or checksum",
                    step.version
                )));
            }
            batch.push_str(";\n");
            batch.push_str(step.sql);
            batch.push_str(&format!(
                ";\nINSERT INTO {DATA_SCHEMA}.dml_ledger (tenant_id, version, name, checksum) VALUES ('{tenant}', {}, '{}', '{}')",
                step.version, step.name, step.checksum
            ));
        }
        batch.push_str(";\nCOMMIT");
        let outcome = self.conn()?.batch_execute(&batch).await;
        match outcome {
            Ok(()) => {
                self.finished();
                Ok(DmlOutcome::Applied)
            }
            // Dropping `self` rolls the failed transaction back.
            Err(e) if e.as_db_error().is_some_and(|db| db.constraint() == Some("dml_ledger_pkey")) => {
                Ok(DmlOutcome::AlreadyApplied)
            }
            Err(e) => Err(StoreError::MigrationFailed(describe(&e, steps))),
        }
    }

    /// The data migrations this tenant has applied, ascending.
    pub async fn applied_dml(&mut self) -> Result<Vec<i32>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                &format!("SELECT version FROM {DATA_SCHEMA}.dml_ledger WHERE tenant_id = $1 ORDER BY version"),
                &[&tenant],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The data-plane schema version of this database.
    pub async fn ddl_version(&mut self) -> Result<i32, StoreError> {
        let row =
            self.query_one(&format!("SELECT coalesce(max(version), 0) FROM {DATA_SCHEMA}.ddl_ledger"), &[]).await?;
        Ok(row.get(0))
    }
}

fn describe(error: &tokio_postgres::Error, steps: &[DmlStep<'_>]) -> String {
    let labels: Vec<String> = steps.iter().map(|s| format!("dml/{:04}_{}", s.version, s.name)).collect();
    match error.as_db_error() {
        Some(db) => format!("{} failed: {} ({})", labels.join(", "), db.message(), db.code().code()),
        None => format!("{} failed: {error}", labels.join(", ")),
    }
}
