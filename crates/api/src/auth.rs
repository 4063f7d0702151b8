//! Who is calling, and may they act in this tenant.
//!
//! The tenant a request works in is decided here, from the caller's
//! credential and the slug in the path together: [`AppState::tenant_scope`]
//! is the only place a `TenantGrant` is made for a request.

use std::{collections::BTreeSet, sync::Arc};

use axum::{
    extract::FromRequestParts,
    http::{Method, header, request::Parts},
};
use charter_domain::{
    access::{Action, EntityScope, PlatformRole, Principal, TenantGrant, authorize, authorize_configuration},
    api_key::ApiKeySecret,
    ids::{DatabaseId, EntityId, TenantId, UserId},
    tenant::{Slug, TenantStatus, Tier},
};
use charter_storage::data::{AsOf, TenantTx, TxMode, TxOptions};
use serde_json::{Value, json};

use crate::{
    AppState,
    cache::TenantRoute,
    error::{ApiError, Missing},
    middleware::current_request_id,
    oidc::{Provider, Rejection, claimed_issuer},
};

/// The authenticated caller of a request, and how it authenticated.
pub(crate) struct Caller(pub Principal, pub Credential);

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    ApiKey,
    /// The identity provider's access token, forwarded by a host platform.
    BearerToken,
    /// A browser session (cookie), with its CSRF token.
    Session {
        csrf_token: String,
    },
}

/// The browser session's cookie.
pub(crate) const SESSION_COOKIE: &str = "charter_session";

/// The header that carries a session's CSRF token on writes.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or(ApiError::InvalidCredentials)?;
            if let Some(secret) = ApiKeySecret::parse(token) {
                return Ok(Self(api_key(state, &secret).await?, Credential::ApiKey));
            }
            return match state.oidc() {
                Some(_) => Ok(Self(bearer_user(state, token).await?, Credential::BearerToken)),
                None => Err(ApiError::InvalidCredentials),
            };
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::Unauthenticated);
        };
        let session = state.fleet().control().session(secret).await?.ok_or(ApiError::Unauthenticated)?;
        // A browser sends cookies with requests other sites make it send:
        // writes must also prove they come from a page that read the token.
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                security_event(state, "csrf_rejected", Some(format!("user:{}", session.user)), None, json!({})).await;
                return Err(ApiError::CsrfRejected);
            }
        }
        let principal = user_principal(state, session.user, None).await?;
        Ok(Self(principal, Credential::Session { csrf_token: session.csrf_token }))
    }
}

async fn api_key(state: &AppState, secret: &ApiKeySecret) -> Result<Principal, ApiError> {
    let hash = secret.hash();
    if let Some(principal) = state.caches().keys.get(hash.as_bytes()) {
        return Ok(principal);
    }
    let principal = state.fleet().control().authenticate_key(&hash).await?.ok_or(ApiError::InvalidCredentials)?;
    state.caches().keys.insert(*hash.as_bytes(), principal.clone());
    Ok(principal)
}

/// The provider that verifies a bearer token: the firm's, or the client's
/// own provider that issues as the token claims (its users belong to that
/// tenant). A token of any other issuer is refused.
async fn bearer_provider(state: &AppState, token: &str) -> Result<(Arc<Provider>, Option<TenantId>), ApiError> {
    let firm = state.oidc().ok_or(ApiError::InvalidCredentials)?;
    let issuer = claimed_issuer(token);
    if issuer.as_deref().is_none_or(|iss| iss == firm.config.issuer) {
        return Ok((state.firm_provider().ok_or(ApiError::InvalidCredentials)?, None));
    }
    let issuer = issuer.unwrap_or_default();
    let record = match state.caches().client_issuers.get(&issuer) {
        Some(record) => record,
        None => {
            let record = state.fleet().control().tenant_identity_provider_by_issuer(&issuer).await?;
            state.caches().client_issuers.insert(issuer.clone(), record.clone());
            record
        }
    };
    match record.and_then(|r| state.client_provider(&r).map(|p| (p, Some(r.tenant)))) {
        Some(found) => Ok(found),
        None => {
            let detail = json!({ "reason": Rejection::Issuer.as_str() });
            security_event(state, "token_refused", None, None, detail).await;
            Err(ApiError::InvalidCredentials)
        }
    }
}

/// A user by an identity provider's access token: verified, then known by
/// its subject (created just in time on first sight). The platform roles
/// are the token's own (none for a client provider's users); the
/// memberships Charter's.
async fn bearer_user(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let (provider, tenant) = bearer_provider(state, token).await?;
    let config = &provider.config;
    let claims = match provider.verify(token, &config.audience, None).await {
        Ok(claims) => claims,
        Err(rejection) => {
            security_event(state, "token_refused", None, None, json!({ "reason": rejection.as_str() })).await;
            return Err(ApiError::InvalidCredentials);
        }
    };
    let identity = match config.identity(&claims) {
        Ok(identity) => identity,
        Err(e) => {
            let detail = json!({ "reason": "bad_claims", "detail": e.to_string() });
            security_event(state, "token_refused", None, None, detail).await;
            return Err(ApiError::InvalidCredentials);
        }
    };
    let key = format!("{}\n{}", identity.issuer, identity.subject);
    let user = match state.caches().subjects.get(&key) {
        Some(user) => user,
        None => {
            let control = state.fleet().control();
            let user = match control.user_by_subject(&identity.issuer, &identity.subject).await? {
                Some(user) => user,
                None => {
                    let user = control.sign_in(&identity, tenant).await?;
                    let actor = Some(format!("user:{}", user.id));
                    security_event(state, "user.create", actor, None, json!({ "via": "bearer_token" })).await;
                    user.id
                }
            };
            state.caches().subjects.insert(key, user);
            user
        }
    };
    let roles = if tenant.is_none() { identity.platform_roles } else { BTreeSet::new() };
    user_principal(state, user, Some(roles)).await
}

/// A user's principal: their memberships (cached until changed), with the
/// platform roles of the token when one was presented.
async fn user_principal(
    state: &AppState,
    user: UserId,
    platform_roles: Option<BTreeSet<PlatformRole>>,
) -> Result<Principal, ApiError> {
    let principal = match state.caches().users.get(&user) {
        Some(principal) => principal,
        None => {
            let found = state.fleet().control().user(user).await?.ok_or(ApiError::Unauthenticated)?;
            let principal = Principal::User(Box::new(found));
            state.caches().users.insert(user, principal.clone());
            principal
        }
    };
    Ok(match (principal, platform_roles) {
        (Principal::User(mut found), Some(roles)) => {
            found.platform_roles = roles;
            Principal::User(found)
        }
        (principal, _) => principal,
    })
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Appends to the security trail; a failure to record is logged, never
/// turned into the caller's error (the refusal stands either way).
pub(crate) async fn security_event(
    state: &AppState,
    kind: &str,
    actor: Option<String>,
    tenant: Option<TenantId>,
    detail: Value,
) {
    let request_id = current_request_id();
    if let Err(e) = state
        .fleet()
        .control()
        .record_security_event(kind, actor.as_deref(), tenant, &detail, request_id.as_deref())
        .await
    {
        tracing::error!(error = %e, kind, "cannot record a security event");
    }
}

impl Caller {
    pub fn require_platform_admin(&self) -> Result<(), ApiError> {
        if self.0.is_platform_admin() { Ok(()) } else { Err(ApiError::Forbidden) }
    }

    /// Platform admins and business development may onboard tenants.
    pub fn require_onboarding(&self) -> Result<(), ApiError> {
        if self.0.may_onboard() { Ok(()) } else { Err(ApiError::Forbidden) }
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
        let scope = self.tenant_scope_limited(caller, raw_slug, action).await?;
        // A grant limited to entity groups reaches only the routes that
        // check each entity against it (`tenant_scope_limited`).
        if *scope.grant.scope() != EntityScope::All {
            return Err(ApiError::Forbidden);
        }
        Ok(scope)
    }

    /// The tenant for a configuration route (settings, custom fields,
    /// roles, entity groups, members): like [`tenant_scope`](Self::tenant_scope),
    /// and also open to business development, which sets clients up
    /// without reading their data.
    pub(crate) async fn configuration_scope(
        &self,
        caller: &Caller,
        raw_slug: &str,
        action: Action,
    ) -> Result<TenantScope, ApiError> {
        let slug = Slug::parse("slug", raw_slug).map_err(|e| ApiError::InvalidPath(vec![e]))?;
        let configures = |tenant| caller.0.role_in(tenant).is_some() || caller.0.may_onboard();
        let route = self.tenant_route(&slug, configures).await?;
        let grant = authorize_configuration(&caller.0, route.id, action)?;
        // As in `tenant_scope`: a grant limited to entity groups configures nothing.
        if *grant.scope() != EntityScope::All {
            return Err(ApiError::Forbidden);
        }
        self.rate_limiters().check(route.tier, route.id).map_err(ApiError::RateLimited)?;
        Ok(TenantScope { grant, database: route.database, slug, tier: route.tier })
    }

    /// Like [`tenant_scope`](Self::tenant_scope), also for callers limited
    /// to entity groups: the caller must check every entity it touches
    /// against `scope.grant.scope()`.
    pub(crate) async fn tenant_scope_limited(
        &self,
        caller: &Caller,
        raw_slug: &str,
        action: Action,
    ) -> Result<TenantScope, ApiError> {
        let slug = Slug::parse("slug", raw_slug).map_err(|e| ApiError::InvalidPath(vec![e]))?;
        let route = self.tenant_route(&slug, |tenant| caller.0.role_in(tenant).is_some()).await?;
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

    /// Whether the grant reaches `entity` as of `at` (404 otherwise, as if it
    /// did not exist).
    pub(crate) async fn check_entity_scope(
        tx: &mut TenantTx,
        scope: &TenantScope,
        entity: EntityId,
        at: AsOf,
    ) -> Result<(), ApiError> {
        match scope.grant.scope().groups() {
            Some(groups) if !tx.entity_in_groups(entity, at, &groups).await? => {
                Err(ApiError::NotFound(Missing::Entity))
            }
            _ => Ok(()),
        }
    }

    /// A read transaction about `entity`, which must exist in the tenant (404 otherwise).
    pub(crate) async fn read_entity(&self, scope: &TenantScope, entity: EntityId) -> Result<TenantTx, ApiError> {
        let mut tx = self.begin(scope, TxMode::Read).await?;
        if !tx.entity_exists(entity).await? {
            return Err(ApiError::NotFound(Missing::Entity));
        }
        Ok(tx)
    }

    /// Where the tenant named `slug` lives. A tenant the caller may not
    /// reach (`reaches`) is reported as unknown before its status is, so
    /// that nobody learns of another client's tenant; on a cache hit the
    /// grant that follows refuses it the same way.
    async fn tenant_route(&self, slug: &Slug, reaches: impl Fn(TenantId) -> bool) -> Result<TenantRoute, ApiError> {
        if let Some(route) = self.caches().tenants.get(slug) {
            return Ok(route);
        }
        let tenant = self.fleet().control().tenant_by_slug(slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
        if !reaches(tenant.id) {
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
