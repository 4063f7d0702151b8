//! The tenant-scoped transaction: the only way to reach tenant data.

use std::{future::Future, time::Duration};

use charter_domain::{
    access::{Actor, TenantGrant},
    ids::TenantId,
};
use deadpool_postgres::{Object, Pool};
use tokio_postgres::{Row, types::ToSql};

use crate::StoreError;

/// What a transaction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// `BEGIN READ ONLY`: the database itself refuses any write.
    Read,
    /// Read-only with one snapshot for the whole transaction (`REPEATABLE
    /// READ`), so that rows read from several tables are consistent.
    Snapshot,
    /// A write the API serves. It first checks, and holds until commit, that
    /// the tenant is writable here (not frozen for a move; SQLSTATE CH001).
    Write,
    /// The platform's own writes (onboarding, migrations, moves), which go on
    /// during a freeze. Only system grants may use it.
    Maintenance,
}

/// How a transaction begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxOptions {
    pub mode: TxMode,
    /// `SET LOCAL statement_timeout`, the tenant's tier limit.
    pub statement_timeout: Option<Duration>,
}

impl TxOptions {
    pub fn read() -> Self {
        Self { mode: TxMode::Read, statement_timeout: None }
    }

    pub fn write() -> Self {
        Self { mode: TxMode::Write, statement_timeout: None }
    }

    pub fn snapshot() -> Self {
        Self { mode: TxMode::Snapshot, statement_timeout: None }
    }

    pub fn maintenance() -> Self {
        Self { mode: TxMode::Maintenance, statement_timeout: None }
    }

    pub fn with_timeout(self, timeout: Option<Duration>) -> Self {
        Self { statement_timeout: timeout, ..self }
    }

    /// The statements that open the transaction, all rendered from parsed
    /// values: the tenant's uuid and an integer.
    fn begin_sql(&self, tenant: TenantId) -> String {
        let mut sql = String::from(match self.mode {
            TxMode::Read => "BEGIN READ ONLY",
            TxMode::Snapshot => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            TxMode::Write | TxMode::Maintenance => "BEGIN",
        });
        sql.push_str(&format!("; SET LOCAL charter.tenant_id = '{}'", tenant.as_uuid().hyphenated()));
        if let Some(timeout) = self.statement_timeout {
            sql.push_str(&format!("; SET LOCAL statement_timeout = {}", timeout.as_millis().max(1)));
        }
        if self.mode == TxMode::Write {
            sql.push_str("; SELECT charter.assert_writable()");
        }
        sql
    }
}

/// A transaction in which `charter.tenant_id` is set transaction-locally.
///
/// * The tenant is set with `SET LOCAL charter.tenant_id = '<uuid>'`, the
///   literal rendered from a parsed [`TenantId`] (never from raw input). Only
///   `SET LOCAL` reaches Citus workers; `set_config(…, true)` does not.
/// * `BEGIN` and `SET LOCAL` travel in the same network packet as the first
///   statement (pipelining), so the tenant costs no extra round trip.
/// * Dropped without [`commit`](Self::commit) — an error, a panic, a client
///   that hung up — the transaction is rolled back before its connection goes
///   back to the pool, so the next borrower never inherits the tenant.
pub struct TenantTx {
    conn: Option<Object>,
    tenant: TenantId,
    state: State,
    begin_sql: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Connection borrowed; nothing sent yet.
    Pending,
    /// `BEGIN` sent (or about to be, in the same poll).
    Open,
    /// Committed or rolled back.
    Done,
}

impl TenantTx {
    pub(crate) async fn begin(pool: &Pool, grant: &TenantGrant, options: TxOptions) -> Result<Self, StoreError> {
        if options.mode == TxMode::Maintenance && !matches!(grant.actor(), Actor::System(_)) {
            return Err(StoreError::Internal("maintenance transactions are for the platform's own jobs".into()));
        }
        let conn = pool.get().await?;
        let tenant = grant.tenant();
        Ok(Self { conn: Some(conn), tenant, state: State::Pending, begin_sql: options.begin_sql(tenant) })
    }

    /// The tenant every statement of this transaction is confined to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        if self.state == State::Open {
            self.conn()?.batch_execute("COMMIT").await?;
        }
        self.state = State::Done;
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), StoreError> {
        if self.state == State::Open {
            self.conn()?.batch_execute("ROLLBACK").await?;
        }
        self.state = State::Done;
        Ok(())
    }

    pub(crate) async fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        let begin = self.open();
        let conn = self.conn()?;
        let statement = conn.prepare_cached(sql).await?;
        pipelined(conn, begin, conn.query(&statement, params)).await
    }

    /// Like [`query`](Self::query), but planned for these parameters every
    /// time. Cached statements switch to a generic plan after five runs, and
    /// a generic plan does not know the tenant: for lists and searches, the
    /// plan that suits a tenant of 100 entities read a 100,000-entity
    /// tenant's whole index (0.3 s instead of 1 ms).
    pub(crate) async fn query_planned(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let begin = self.open();
        let conn = self.conn()?;
        pipelined(conn, begin, conn.query(sql, params)).await
    }

    pub(crate) async fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let mut rows = self.query(sql, params).await?;
        match rows.len() {
            0 | 1 => Ok(rows.pop()),
            n => Err(StoreError::Internal(format!("expected at most one row, got {n}"))),
        }
    }

    pub(crate) async fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, StoreError> {
        self.query_opt(sql, params).await?.ok_or(StoreError::NotFound)
    }

    pub(crate) async fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let begin = self.open();
        let conn = self.conn()?;
        let statement = conn.prepare_cached(sql).await?;
        pipelined(conn, begin, conn.execute(&statement, params)).await
    }

    /// Marks the transaction open and returns the `BEGIN` to send first, if
    /// it has not been sent. The state changes before anything is sent, so
    /// that a future cancelled mid-way is still rolled back on drop.
    pub(crate) fn open(&mut self) -> Option<String> {
        match std::mem::replace(&mut self.state, State::Open) {
            State::Pending => Some(self.begin_sql.clone()),
            State::Open => None,
            // Committed transactions are consumed; this cannot be reached.
            State::Done => None,
        }
    }

    /// Marks the transaction ended by a statement the caller sent itself
    /// (a batch ending in COMMIT).
    pub(crate) fn finished(&mut self) {
        self.state = State::Done;
    }

    pub(crate) fn conn(&self) -> Result<&Object, StoreError> {
        self.conn.as_ref().ok_or_else(|| StoreError::Internal("transaction used after it ended".into()))
    }
}

/// Runs `statement`, preceded in the same flight by `begin` if given.
/// tokio-postgres sends each request when its future is first polled, and
/// `join!` polls in order, so `BEGIN; SET LOCAL …` reaches the server first.
async fn pipelined<T>(
    conn: &Object,
    begin: Option<String>,
    statement: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    match begin {
        Some(begin) => {
            let (begun, result) = futures::join!(conn.batch_execute(&begin), statement);
            begun?;
            Ok(result?)
        }
        None => Ok(statement.await?),
    }
}

impl Drop for TenantTx {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.state != State::Open {
            return; // Back to the pool as it is: no transaction open.
        }
        // Roll back before the connection returns to the pool. Requests on
        // one connection are processed in order, so the ROLLBACK follows any
        // statement still in flight. If it fails, or there is no runtime to
        // send it on, the connection is closed instead of being reused.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = conn.batch_execute("ROLLBACK").await {
                        tracing::warn!(error = %e, "rollback of an abandoned tenant transaction failed; closing its connection");
                        drop(Object::take(conn));
                    }
                });
            }
            Err(_) => drop(Object::take(conn)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_begins_as_it_should() {
        let tenant = TenantId::generate();
        let set = format!("SET LOCAL charter.tenant_id = '{tenant}'");
        let read = TxOptions::read().begin_sql(tenant);
        assert!(read.starts_with("BEGIN READ ONLY;") && read.contains(&set), "{read}");
        assert!(!read.contains("assert_writable"));
        let write = TxOptions::write().with_timeout(Some(Duration::from_millis(1500))).begin_sql(tenant);
        assert!(write.starts_with("BEGIN;"), "{write}");
        assert!(write.contains("SET LOCAL statement_timeout = 1500"), "{write}");
        assert!(write.ends_with("SELECT charter.assert_writable()"), "{write}");
        let snapshot = TxOptions::snapshot().begin_sql(tenant);
        assert!(snapshot.starts_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"), "{snapshot}");
        // Never a session-level SET: every setting is transaction-local.
        for sql in [read, write, snapshot, TxOptions::maintenance().begin_sql(tenant)] {
            assert!(
                sql.split(';')
                    .filter(|s| s.trim_start().starts_with("SET"))
                    .all(|s| s.trim_start().starts_with("SET LOCAL"))
            );
        }
    }
}
