//! Short-lived memories of the control plane, so that a request to tenant
//! data costs no control-plane round trip in the common case.

use std::time::Duration;

use charter_domain::{
    access::Principal,
    ids::{ApiKeyId, DatabaseId, TenantId, UserId},
    tenant::{Slug, Tier},
};
use charter_storage::control::{Invalidation, TenantIdentityProvider};
use moka::sync::Cache;

/// Where an active tenant lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TenantRoute {
    pub id: TenantId,
    pub database: DatabaseId,
    pub tier: Tier,
}

pub(crate) struct Caches {
    /// SHA-256 of a key → who it is. Only valid keys are remembered.
    pub keys: Cache<[u8; 32], Principal>,
    /// Slug → placement of an active tenant. Unknown slugs are not
    /// remembered, so a tenant onboarded a moment ago is found at once.
    pub tenants: Cache<Slug, TenantRoute>,
    /// A signed-in user → their roles and memberships.
    pub users: Cache<UserId, Principal>,
    /// An identity provider's issuer and subject → the user (never changes).
    pub subjects: Cache<String, UserId>,
    /// An issuer other than the firm's → the client provider that issues as
    /// it, or none (remembered too, so unknown issuers cost no query).
    pub client_issuers: Cache<String, Option<TenantIdentityProvider>>,
}

impl Caches {
    pub fn new(ttl: Duration) -> Self {
        Self {
            keys: Cache::builder().max_capacity(100_000).time_to_live(ttl).support_invalidation_closures().build(),
            tenants: Cache::builder().max_capacity(100_000).time_to_live(ttl).support_invalidation_closures().build(),
            users: Cache::builder().max_capacity(100_000).time_to_live(ttl).build(),
            subjects: Cache::builder().max_capacity(100_000).build(),
            client_issuers: Cache::builder().max_capacity(10_000).time_to_live(ttl).build(),
        }
    }

    /// Applies a change another process announced.
    pub fn forget(&self, change: Invalidation) {
        match change {
            Invalidation::Key(key) => self.forget_key(key),
            Invalidation::User(user) => self.users.invalidate(&user),
            Invalidation::Tenant(tenant) => {
                let _ = self.tenants.invalidate_entries_if(move |_, route| route.id == tenant);
                // Its keys too: offboarding revokes them all at once.
                let _ = self.keys.invalidate_entries_if(
                    move |_, principal| matches!(principal, Principal::TenantKey { tenant: t, .. } if *t == tenant),
                );
            }
        }
    }

    /// Forgets everything (changes may have been missed).
    pub fn forget_all(&self) {
        self.keys.invalidate_all();
        self.tenants.invalidate_all();
        self.users.invalidate_all();
    }

    /// Forgets a key at once (after revocation).
    pub fn forget_key(&self, key: ApiKeyId) {
        // Only fails if closures were not enabled at build time; they are.
        let _ = self
            .keys
            .invalidate_entries_if(move |_, principal| principal.actor() == charter_domain::access::Actor::ApiKey(key));
    }
}
