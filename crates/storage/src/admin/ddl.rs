//! The per-database DDL ledger and the application of one DDL script.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::AdminConnection;
use crate::{APP_ROLE, DATA_SCHEMA, OWNER_ROLE, StoreError};

/// A schema migration to run once on a database.
#[derive(Debug, Clone)]
pub struct DdlScript {
    pub version: i32,
    pub name: String,
    /// Hex SHA-256 of the file, to refuse edited migrations.
    pub checksum: String,
    pub sql: String,
}

/// One row of a database's DDL ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedDdl {
    pub version: i32,
    pub name: String,
    pub checksum: String,
    pub applied_at: DateTime<Utc>,
    pub duration_ms: i64,
}

impl AdminConnection {
    /// Creates the data-plane schema and its DDL ledger if missing. The
    /// ledger is global to the database (one schema per database), readable
    /// by the application role so the service can check the schema version.
    pub async fn ensure_ddl_ledger(&self) -> Result<(), StoreError> {
        self.client
            .batch_execute(&format!(
                "BEGIN;
                 SET LOCAL ROLE {OWNER_ROLE};
                 CREATE SCHEMA IF NOT EXISTS {DATA_SCHEMA};
                 CREATE TABLE IF NOT EXISTS {DATA_SCHEMA}.ddl_ledger (
                     version     integer PRIMARY KEY,
                     name        text NOT NULL,
                     checksum    text NOT NULL,
                     applied_at  timestamptz NOT NULL DEFAULT now(),
                     duration_ms bigint NOT NULL
                 );
                 GRANT USAGE ON SCHEMA {DATA_SCHEMA} TO {APP_ROLE};
                 REVOKE ALL ON {DATA_SCHEMA}.ddl_ledger FROM {APP_ROLE};
                 GRANT SELECT ON {DATA_SCHEMA}.ddl_ledger TO {APP_ROLE};
                 COMMIT;"
            ))
            .await?;
        Ok(())
    }

    /// The ledger in version order; empty for a database never migrated.
    pub async fn applied_ddl(&self) -> Result<Vec<AppliedDdl>, StoreError> {
        let exists = self
            .client
            .query_one(&format!("SELECT to_regclass('{DATA_SCHEMA}.ddl_ledger') IS NOT NULL"), &[])
            .await?
            .get::<_, bool>(0);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT version, name, checksum, applied_at, duration_ms
                       FROM {DATA_SCHEMA}.ddl_ledger ORDER BY version"
                ),
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AppliedDdl {
                version: r.get(0),
                name: r.get(1),
                checksum: r.get(2),
                applied_at: r.get(3),
                duration_ms: r.get(4),
            })
            .collect())
    }

    /// Runs one DDL script and records it, in one transaction, as the owner
    /// role: the script's objects belong to the migration role, and a crash
    /// leaves either both the change and its ledger row or neither.
    pub async fn apply_ddl(&mut self, script: &DdlScript, lock_timeout: Duration) -> Result<Duration, StoreError> {
        let started = Instant::now();
        let tx = self.client.transaction().await?;
        tx.batch_execute(&format!(
            "SET LOCAL ROLE {OWNER_ROLE};
             SET LOCAL search_path = {DATA_SCHEMA};
             SET LOCAL lock_timeout = '{}ms';",
            lock_timeout.as_millis()
        ))
        .await?;
        tx.batch_execute(&script.sql)
            .await
            .map_err(|e| StoreError::MigrationFailed(describe_script_error(script, &e)))?;
        let elapsed = started.elapsed();
        tx.execute(
            &format!(
                "INSERT INTO {DATA_SCHEMA}.ddl_ledger (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)"
            ),
            &[&script.version, &script.name, &script.checksum, &i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)],
        )
        .await?;
        tx.commit().await?;
        Ok(elapsed)
    }
}

fn describe_script_error(script: &DdlScript, error: &tokio_postgres::Error) -> String {
    let detail = match error.as_db_error() {
        Some(db) => {
            let position = match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(at)) => {
                    let line = script.sql[..(*at as usize).min(script.sql.len())].lines().count();
                    format!(" at line {line}")
                }
                _ => String::new(),
            };
            format!("{} ({}){position}", db.message(), db.code().code())
        }
        None => error.to_string(),
    };
    format!("DDL {:04}_{} failed: {detail}", script.version, script.name)
}
