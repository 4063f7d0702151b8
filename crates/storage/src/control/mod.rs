//! The control plane: which tenants exist, which databases hold them, and
//! which keys may act. It holds no tenant business data.

mod api_keys;
mod databases;
mod identity;
mod moves;
mod notify;
mod settings;
mod tenants;

pub use api_keys::{ApiKeyRecord, KeyRole};
pub use databases::{DatabaseRecord, NewDatabase};
pub use identity::{
    MembershipRecord, PendingLogin, SecurityEvent, SessionRecord, TenantIdentityProvider, UserRecord, random_secret,
    secret_hash,
};
pub use moves::{FinishedMove, MovePhase, TenantMove};
pub use notify::Invalidation;
pub use tenants::{PlacedIn, TenantRecord};

use deadpool_postgres::Pool;

use crate::{DbUrl, PoolSettings, StoreError, pool::build_pool};

/// Control-plane migrations, applied in order at start-up. They are part of
/// the binary (the control plane is one database, not a fleet).
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../../../migrations/control/0001_control_plane.sql")),
    (2, include_str!("../../../../migrations/control/0002_lifecycle.sql")),
    (3, include_str!("../../../../migrations/control/0003_identity.sql")),
    (4, include_str!("../../../../migrations/control/0004_client_providers_and_scopes.sql")),
];

/// Advisory-lock key that serialises control-plane migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0043_4841_5254_4543;

#[derive(Clone)]
pub struct ControlPlane {
    pool: Pool,
    url: DbUrl,
}

impl ControlPlane {
    pub async fn connect(url: &DbUrl, settings: PoolSettings) -> Result<Self, StoreError> {
        let pool = build_pool(url, settings)?;
        // Fail at start-up, not at the first request.
        drop(pool.get().await?);
        Ok(Self { pool, url: url.clone() })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// Brings the control-plane schema up to date. Safe to run from several
    /// processes at once: they serialise on an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY]).await?;
        tx.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS control;
             CREATE TABLE IF NOT EXISTS control.schema_ledger (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await?;
        let applied: Vec<i32> =
            tx.query("SELECT version FROM control.schema_ledger", &[]).await?.iter().map(|r| r.get(0)).collect();
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
            tx.batch_execute(sql).await.map_err(|e| {
                StoreError::MigrationFailed(format!("control-plane migration {version:04} failed: {e}"))
            })?;
            tx.execute("INSERT INTO control.schema_ledger (version) VALUES ($1)", &[version]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the control plane answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.get().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Closes the pool's connections (at shutdown, before the server goes).
    pub fn close(&self) {
        self.pool.close();
    }

    pub(crate) async fn conn(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }
}
