//! Connection pools.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::{DbUrl, StoreError};

/// How big a pool is and how long a request may wait for a connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_size: usize,
    pub wait_timeout: Duration,
    /// Connections idle longer than this are closed, and a database's pool
    /// with none left is forgotten: a fleet of many dedicated databases must
    /// not hold a connection to each of them forever.
    pub idle_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_size: 16, wait_timeout: Duration::from_secs(10), idle_timeout: Duration::from_secs(60) }
    }
}

/// A pool of connections. Recycling is `Fast` (no reset query): nothing in
/// Charter sets session state, and a transaction abandoned mid-way is rolled
/// back before its connection is reused (see `TenantTx`'s `Drop`).
pub(crate) fn build_pool(url: &DbUrl, settings: PoolSettings) -> Result<Pool, StoreError> {
    let manager =
        Manager::from_config(url.pg_config()?, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(settings.max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| StoreError::Config(format!("cannot build a connection pool for {url}: {e}")))
}
