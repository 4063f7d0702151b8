//! Who is calling, and may they act in this tenant.
//!
//! The tenant a request works in is decided here, from the caller's
//! credential and the slug in the path together: [`AppState::tenant_scope`]
//! is the only place a `TenantGrant` is made for a request.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use charter_domain::{
    access::{Action, Principal, TenantGrant, authorize},
    api_key::ApiKeySecret,
    ids::{DatabaseId, EntityId},
    tenant::{Slug, TenantStatus, Tier},
};
use charter_storage::data::{TenantTx, TxMode, TxOptions};

use crate::{
    AppState,
    cache::TenantRoute,
    error::{ApiError, Missing},
};

/// The authenticated caller of a request.
pub(crate) struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or(ApiError::Unauthenticated)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ApiError::InvalidCredentials)?;
        let secret = ApiKeySecret::parse(token).ok_or(ApiError::InvalidCredentials)?;
        let hash = secret.hash();
        if let Some(principal) = state.caches().keys.get(hash.as_bytes()) {
            return Ok(Self(principal));
        }
        let principal = state.fleet().control().authenticate_key(&hash).await?.ok_or(ApiError::InvalidCredentials)?;
        state.caches().keys.insert(*hash.as_bytes(), principal.clone());
        Ok(Self(principal))
    }
}

impl Caller {
    pub fn require_platform_admin(&self) -> Result<(), ApiError> {
        if self.0.is_platform_admin() { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

/// A tenant the caller may act in, with where its data lives.
pub(crate) struct TenantScope {
    pub grant: TenantGrant,
    pub database: DatabaseId,
    pub slug: Slug,
    pub tier: Tier,
}

impl AppState {
    /// Resolves the tenant named in the path and checks the caller may
    /// perform `action` there. Unknown tenants and tenants the caller has no
    /// role in are the same 404, so keys cannot probe for other clients.
    pub(crate) async fn tenant_scope(
        &self,
        caller: &Caller,
        raw_slug: &str,
        action: Action,
    ) -> Result<TenantScope, ApiError> {
        let slug = Slug::parse("slug", raw_slug).map_err(|e| ApiError::InvalidPath(vec![e]))?;
        let route = self.tenant_route(&slug, &caller.0).await?;
        let grant = authorize(&caller.0, route.id, action)?;
        self.rate_limiters().check(route.tier, route.id).map_err(ApiError::RateLimited)?;
        Ok(TenantScope { grant, database: route.database, slug, tier: route.tier })
    }

    /// Opens the tenant-scoped transaction for a resolved scope, with the
    /// tenant's tier limit on statement time. `Write` transactions first
    /// check the tenant is writable here (not frozen for a move).
    pub(crate) async fn begin(&self, scope: &TenantScope, mode: TxMode) -> Result<TenantTx, ApiError> {
        let options = TxOptions { mode, statement_timeout: self.config().limits.of(scope.tier).statement_timeout };
        Ok(self.fleet().data().begin(scope.database, &scope.grant, options).await?)
    }

    /// A read transaction about `entity`, which must exist in the tenant (404 otherwise).
    pub(crate) async fn read_entity(&self, scope: &TenantScope, entity: EntityId) -> Result<TenantTx, ApiError> {
        let mut tx = self.begin(scope, TxMode::Read).await?;
        if !tx.entity_exists(entity).await? {
            return Err(ApiError::NotFound(Missing::Entity));
        }
        Ok(tx)
    }

    async fn tenant_route(&self, slug: &Slug, caller: &Principal) -> Result<TenantRoute, ApiError> {
        if let Some(route) = self.caches().tenants.get(slug) {
            return Ok(route);
        }
        let tenant = self.fleet().control().tenant_by_slug(slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
        if caller.role_in(tenant.id).is_none() {
            return Err(ApiError::NotFound(Missing::Tenant));
        }
        let database = match (tenant.status, tenant.database) {
            (TenantStatus::Active, Some(database)) => database,
            // A tombstone has no data left to open.
            (TenantStatus::Offboarded, _) => return Err(ApiError::NotFound(Missing::Tenant)),
            _ => return Err(ApiError::TenantNotReady),
        };
        let route = TenantRoute { id: tenant.id, database: database.id, tier: tenant.tier };
        self.caches().tenants.insert(slug.clone(), route.clone());
        Ok(route)
    }
}
