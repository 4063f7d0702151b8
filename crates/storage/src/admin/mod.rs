//! Server administration over direct (unpooled) connections: roles,
//! databases, the DDL ledger and the migration lock.
//!
//! Admin work runs on its own connection because it holds session-level
//! advisory locks, which must not outlive the work on a pooled connection.

mod ddl;
mod roles;
mod tenants;

pub use ddl::{AppliedDdl, DdlScript};
pub use tenants::{DmlState, TenantLedger};

use std::time::Duration;

use tokio_postgres::{Client, NoTls};

use crate::{DbUrl, OWNER_ROLE, StoreError};

/// A direct connection as an administrative role (one that may create roles,
/// databases and schema objects).
pub struct AdminConnection {
    client: Client,
    url: DbUrl,
}

impl AdminConnection {
    pub async fn connect(url: &DbUrl) -> Result<Self, StoreError> {
        let client = connect_direct(url).await?;
        Ok(Self { client, url: url.clone() })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// The same server, another database.
    pub async fn reconnect_to(&self, database: &str) -> Result<Self, StoreError> {
        Self::connect(&self.url.with_database(database)).await
    }

    /// `VACUUM ANALYZE` of the whole database: what autovacuum does some
    /// time after a bulk load, done at once (benchmarks measure the steady
    /// state, not the minutes before the planner has statistics).
    pub async fn vacuum_analyze(&self) -> Result<(), StoreError> {
        self.client.batch_execute("VACUUM ANALYZE").await?;
        Ok(())
    }

    /// Whether a database of that name exists on this server.
    pub async fn database_exists(&self, name: &str) -> Result<bool, StoreError> {
        let row = self.client.query_opt("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", &[&name]).await?;
        Ok(row.is_some())
    }

    /// Creates a data-plane database owned by the migration role. Returns
    /// `false` if it already existed (a retried provisioning adopts it).
    pub async fn create_database(&self, name: &str) -> Result<bool, StoreError> {
        if self.database_exists(name).await? {
            return Ok(false);
        }
        let sql = format!("CREATE DATABASE {} OWNER {OWNER_ROLE}", quote_ident(name));
        match self.client.batch_execute(&sql).await {
            Ok(()) => {
                // Only the roles granted below may connect to a database we made.
                self.client.batch_execute(&format!("REVOKE ALL ON DATABASE {} FROM PUBLIC", quote_ident(name))).await?;
                Ok(true)
            }
            // Someone else created it between the check and the create.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a database owned by the connected role (the control plane's
    /// own database). Returns `false` if it already existed.
    pub async fn create_plain_database(&self, name: &str) -> Result<bool, StoreError> {
        if self.database_exists(name).await? {
            return Ok(false);
        }
        match self.client.batch_execute(&format!("CREATE DATABASE {}", quote_ident(name))).await {
            Ok(()) => Ok(true),
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Drops a database, disconnecting its sessions. For tests and for
    /// discarding a half-provisioned dedicated database.
    pub async fn drop_database(&self, name: &str) -> Result<(), StoreError> {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
        self.client.batch_execute(&sql).await?;
        Ok(())
    }

    /// Names of the databases on this server that start with `prefix`.
    pub async fn databases_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let pattern = format!("{}%", prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows =
            self.client.query("SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE $1", &[&pattern]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Takes the session-level advisory lock that serialises schema work on
    /// this database, waiting at most `timeout`. The lock vanishes with the
    /// session, so a crashed migrator never leaves it held. Release it with
    /// [`AdminConnection::unlock_schema`].
    pub async fn lock_schema(&self, timeout: Duration) -> Result<(), StoreError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let row = self.client.query_one("SELECT pg_try_advisory_lock($1)", &[&SCHEMA_LOCK_KEY]).await?;
            if row.get::<_, bool>(0) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StoreError::Unavailable(format!(
                    "another process holds the schema lock of database {} (waited {timeout:?})",
                    self.url.database()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn unlock_schema(&self) -> Result<(), StoreError> {
        self.client.query_one("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK_KEY]).await?;
        Ok(())
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn client_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Advisory-lock key for schema work: "CHARTER" in ASCII.
const SCHEMA_LOCK_KEY: i64 = 0x0043_4841_5254_4552;

/// Opens one unpooled connection and drives it on the runtime.
pub(crate) async fn connect_direct(url: &DbUrl) -> Result<Client, StoreError> {
    let config = url.pg_config()?;
    let (client, connection) =
        config.connect(NoTls).await.map_err(|e| StoreError::Unavailable(format!("cannot connect to {url}: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "admin connection closed with an error");
        }
    });
    Ok(client)
}

/// Quotes an SQL identifier (PostgreSQL rules: double the double quotes).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_identifiers() {
        assert_eq!(super::quote_ident("a"), "\"a\"");
        assert_eq!(super::quote_ident("we\"ird"), "\"we\"\"ird\"");
    }
}
