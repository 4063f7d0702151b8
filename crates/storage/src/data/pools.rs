//! One pool of application-role connections per data-plane database, made
//! on first use from the control plane's registry.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use charter_domain::{access::TenantGrant, ids::DatabaseId};
use deadpool_postgres::Pool;

use super::{TenantTx, TxOptions};
use crate::{PoolSettings, StoreError, control::ControlPlane, pool::build_pool};

#[derive(Clone)]
pub struct DataPlane {
    inner: Arc<Inner>,
}

struct Inner {
    control: ControlPlane,
    settings: PoolSettings,
    pools: RwLock<HashMap<DatabaseId, Pool>>,
}

impl DataPlane {
    pub fn new(control: ControlPlane, settings: PoolSettings) -> Self {
        Self { inner: Arc::new(Inner { control, settings, pools: RwLock::new(HashMap::new()) }) }
    }

    /// Starts a transaction for the grant's tenant in `database`.
    pub async fn begin(
        &self,
        database: DatabaseId,
        grant: &TenantGrant,
        options: TxOptions,
    ) -> Result<TenantTx, StoreError> {
        let pool = self.pool(database).await?;
        TenantTx::begin(&pool, grant, options).await
    }

    /// A reader of the global reference data, on the oldest database (every
    /// database holds the same).
    pub async fn reference(&self) -> Result<crate::reference::ReferenceReader, StoreError> {
        let database = self
            .inner
            .control
            .list_databases()
            .await?
            .into_iter()
            .find(|d| d.status == "active")
            .ok_or(StoreError::NotFound)?;
        let pool = self.pool(database.id).await?;
        Ok(crate::reference::ReferenceReader { conn: pool.get().await? })
    }

    /// Whether `database` answers to the application role.
    pub async fn ping(&self, database: DatabaseId) -> Result<(), StoreError> {
        let pool = self.pool(database).await?;
        pool.get().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Closes connections idle longer than the pool settings allow, and
    /// forgets pools left empty. Call it now and then.
    pub fn prune_idle(&self) {
        let max_idle = self.inner.settings.idle_timeout;
        let mut pools = self.inner.pools.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        pools.retain(|_, pool| {
            pool.retain(|_, metrics| metrics.last_used() < max_idle);
            pool.status().size > 0
        });
    }

    /// Closes and forgets the pool of one database (e.g. once it is migrated).
    pub fn release(&self, database: DatabaseId) {
        let mut pools = self.inner.pools.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pool) = pools.remove(&database) {
            pool.close();
        }
    }

    /// Closes every pool's connections (at shutdown).
    pub fn close(&self) {
        let pools = self.inner.pools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        pools.values().for_each(Pool::close);
    }

    /// Connections in use and idle, per database, for diagnostics.
    pub fn pool_status(&self) -> Vec<(DatabaseId, usize, usize)> {
        let pools = self.inner.pools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        pools
            .iter()
            .map(|(id, pool)| {
                let status = pool.status();
                (*id, status.size - status.available, status.available)
            })
            .collect()
    }

    async fn pool(&self, database: DatabaseId) -> Result<Pool, StoreError> {
        {
            let pools = self.inner.pools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(pool) = pools.get(&database) {
                return Ok(pool.clone());
            }
        }
        let record = self.inner.control.database(database).await?.ok_or(StoreError::NotFound)?;
        let pool = build_pool(&record.app_url, self.inner.settings)?;
        let mut pools = self.inner.pools.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(pools.entry(database).or_insert(pool).clone())
    }
}
