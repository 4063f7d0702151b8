//! Shared state of the HTTP layer.

use std::{
    path::PathBuf,
    sync::{Arc, Weak},
    time::Duration,
};

use charter_fleet::Fleet;

use crate::{
    cache::Caches,
    limits::{Limits, RateLimiters},
    oidc::{OidcConfig, Provider, client_provider_config},
};
use charter_storage::control::TenantIdentityProvider;

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
    /// Where offboarding keeps its exports (and request-scoped scratch files).
    pub export_dir: PathBuf,
    /// Largest archive `POST /api/v1/tenant-imports` accepts.
    pub max_import_bytes: usize,
    /// How long a moved tenant's source keeps its rows after the switch;
    /// longer than `cache_ttl`, so that no process reads a purged source.
    pub move_grace: Duration,
    /// The firm's identity provider; without it only API keys authenticate.
    pub oidc: Option<OidcConfig>,
    /// Origins of host platforms that embed the micro-frontend and call the
    /// API from their pages (`https://platform.firm.example`); CORS answers
    /// only these. Empty: same-origin only.
    pub cors_origins: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            cache_ttl: Duration::from_secs(5),
            limits: Limits::default(),
            export_dir: PathBuf::from("exports"),
            max_import_bytes: 512 * 1024 * 1024,
            move_grace: Duration::from_secs(10),
            oidc: None,
            cors_origins: Vec::new(),
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
    rate_limiters: RateLimiters,
    config: ApiConfig,
    oidc: Option<Arc<Provider>>,
    /// Clients' own providers, by tenant, issuer, client and version of their settings.
    client_providers: moka::sync::Cache<String, Arc<Provider>>,
}

impl AppState {
    pub fn new(fleet: Fleet, config: ApiConfig) -> Self {
        let caches = Caches::new(config.cache_ttl);
        let rate_limiters = RateLimiters::new(&config.limits);
        let oidc = config.oidc.clone().map(|c| Arc::new(Provider::new(c)));
        let client_providers = moka::sync::Cache::builder().max_capacity(10_000).build();
        let inner = Arc::new(Inner { fleet, caches, rate_limiters, config, oidc, client_providers });
        // Forget idle tenants' rate buckets and idle connections now and then, and what other
        // processes announce changed; the tasks end with the state.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(follow_invalidations(Arc::downgrade(&inner)));
            let weak = Arc::downgrade(&inner);
            runtime.spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(5));
                loop {
                    every.tick().await;
                    match weak.upgrade() {
                        Some(inner) => {
                            inner.rate_limiters.prune();
                            inner.fleet.data().prune_idle();
                        }
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

    /// The identity provider, if single sign-on is configured.
    pub(crate) fn oidc(&self) -> Option<&Provider> {
        self.inner.oidc.as_deref()
    }

    /// The firm's provider, shared.
    pub(crate) fn firm_provider(&self) -> Option<Arc<Provider>> {
        self.inner.oidc.clone()
    }

    /// A client's own provider (its discovery and keys cached like the
    /// firm's until its settings change); `None` without single sign-on.
    pub(crate) fn client_provider(&self, record: &TenantIdentityProvider) -> Option<Arc<Provider>> {
        let firm = &self.inner.oidc.as_ref()?.config;
        let key = format!(
            "{}|{}|{}|{}",
            record.tenant,
            record.issuer,
            record.client_id,
            record.updated_at.timestamp_micros()
        );
        Some(self.inner.client_providers.get_with(key, || {
            let config =
                client_provider_config(firm, &record.issuer, &record.client_id, record.client_secret.as_deref());
            Arc::new(Provider::new(config))
        }))
    }
}

/// Listens for the control plane's invalidations and forgets what they name.
/// After a lost connection it forgets everything, since changes may have
/// been missed, and listens again.
async fn follow_invalidations(state: Weak<Inner>) {
    loop {
        let Some(inner) = state.upgrade() else { return };
        let listening = inner.fleet.control().listen().await;
        drop(inner);
        match listening {
            Ok(mut changes) => {
                if let Some(inner) = state.upgrade() {
                    inner.caches.forget_all();
                }
                while let Some(change) = changes.recv().await {
                    let Some(inner) = state.upgrade() else { return };
                    inner.caches.forget(change);
                }
                tracing::warn!("lost the invalidation listener; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for invalidations; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
