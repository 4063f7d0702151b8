//! Shared state of the HTTP layer.

use std::{sync::Arc, time::Duration};

use charter_fleet::Fleet;

use crate::{
    cache::Caches,
    limits::{Limits, RateLimiters},
};

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// How long an authenticated key or a tenant's placement is remembered
    /// before the control plane is asked again. Revoking a key through this
    /// process forgets it at once.
    pub cache_ttl: Duration,
    /// Rate and statement-time limits per tenant tier.
    pub limits: Limits,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self { max_body_bytes: 1024 * 1024, cache_ttl: Duration::from_secs(5), limits: Limits::default() }
    }
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    fleet: Fleet,
    caches: Caches,
    rate_limiters: RateLimiters,
    config: ApiConfig,
}

impl AppState {
    pub fn new(fleet: Fleet, config: ApiConfig) -> Self {
        let caches = Caches::new(config.cache_ttl);
        let rate_limiters = RateLimiters::new(&config.limits);
        let inner = Arc::new(Inner { fleet, caches, rate_limiters, config });
        // Forget idle tenants' rate buckets now and then; the task ends with the state.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&inner);
            runtime.spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(60));
                loop {
                    every.tick().await;
                    match weak.upgrade() {
                        Some(inner) => inner.rate_limiters.prune(),
                        None => break,
                    }
                }
            });
        }
        Self { inner }
    }

    pub fn fleet(&self) -> &Fleet {
        &self.inner.fleet
    }

    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    pub(crate) fn rate_limiters(&self) -> &RateLimiters {
        &self.inner.rate_limiters
    }

    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }
}
