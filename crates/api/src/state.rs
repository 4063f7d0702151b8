//! Shared state of the HTTP layer.

use std::{sync::Arc, time::Duration};

use charter_fleet::Fleet;

use crate::cache::Caches;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// How long an authenticated key or a tenant's placement is remembered
    /// before the control plane is asked again. Revoking a key through this
    /// process forgets it at once.
    pub cache_ttl: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            cache_ttl: Duration::from_secs(5),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    fleet: Fleet,
    caches: Caches,
    config: ApiConfig,
}

impl AppState {
    pub fn new(fleet: Fleet, config: ApiConfig) -> Self {
        let caches = Caches::new(config.cache_ttl);
        Self {
            inner: Arc::new(Inner {
                fleet,
                caches,
                config,
            }),
        }
    }

    pub fn fleet(&self) -> &Fleet {
        &self.inner.fleet
    }

    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }
}
