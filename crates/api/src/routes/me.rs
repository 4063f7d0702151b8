//! Who the caller is and what they may open (`/api/v1/me`), and the
//! platform's security trail (`/api/v1/security-events`).

use axum::{Json, extract::State};
use charter_domain::{
    FieldError,
    access::{Action, Principal},
    ids::TenantId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::api_keys::RoleName;
use crate::{
    AppState,
    auth::{Caller, Credential},
    error::ApiError,
    extract::{PathParams, QueryParams},
    problems::ReadProblems,
};

/// A tenant the caller may open, with their role there.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OpenableTenant {
    slug: String,
    name: String,
    role: RoleName,
    /// The entity groups (ids) the access is limited to; `null`: every entity.
    entity_groups: Option<Vec<String>>,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    /// `user` (signed in through the identity provider) or `api_key`.
    kind: &'static str,
    user_id: Option<uuid::Uuid>,
    email: Option<String>,
    name: Option<String>,
    /// `platform-admin`, `business-development`.
    platform_roles: Vec<&'static str>,
    /// The tenants the caller may open. Platform admins may open every
    /// tenant; this lists those they are a member of.
    tenants: Vec<OpenableTenant>,
    /// With a browser session: send it as `X-CSRF-Token` on writes.
    csrf_token: Option<String>,
}

/// The caller and the tenants they may open.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "members",
    responses((status = 200, description = "The caller", body = Me), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let control = state.fleet().control();
    let csrf_token = match &caller.1 {
        Credential::Session { csrf_token } => Some(csrf_token.clone()),
        Credential::ApiKey | Credential::BearerToken => None,
    };
    let (memberships, me) = match &caller.0 {
        Principal::User(user) => {
            let record = control.user_record(user.id).await?;
            let me = Me {
                kind: "user",
                user_id: Some(user.id.as_uuid()),
                email: record.as_ref().and_then(|r| r.email.clone()),
                name: record.and_then(|r| r.name),
                platform_roles: user.platform_roles.iter().map(|r| r.as_str()).collect(),
                tenants: Vec::new(),
                csrf_token,
            };
            (user.memberships.clone(), me)
        }
        Principal::TenantKey { tenant, role, .. } => {
            let me = Me {
                kind: "api_key",
                user_id: None,
                email: None,
                name: None,
                platform_roles: Vec::new(),
                tenants: Vec::new(),
                csrf_token,
            };
            (std::iter::once((*tenant, *role)).collect(), me)
        }
        Principal::PlatformAdmin { .. } => {
            let me = Me {
                kind: "api_key",
                user_id: None,
                email: None,
                name: None,
                platform_roles: vec!["platform-admin"],
                tenants: Vec::new(),
                csrf_token,
            };
            (Default::default(), me)
        }
    };
    let ids: Vec<_> = memberships.keys().copied().collect();
    let tenants = control.list_tenants(None, 10_000, Some(&ids)).await?;
    let tenants = tenants
        .into_iter()
        .filter_map(|t| {
            memberships.get(&t.id).map(|role| OpenableTenant {
                slug: t.slug.to_string(),
                name: t.name.as_str().to_owned(),
                role: (*role).into(),
                entity_groups: caller.0.scope_in(t.id).groups(),
            })
        })
        .collect();
    Ok(Json(Me { tenants, ..me }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SecurityEventsQuery {
    /// `sign_in`, `sign_in_failed`, `token_refused`, `csrf_rejected`,
    /// `logout`, `user.create`, `membership.create|update|delete`,
    /// `api_key.create|revoke`.
    kind: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// An event of the security trail.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecurityEvent {
    id: uuid::Uuid,
    at: DateTime<Utc>,
    kind: String,
    actor: Option<String>,
    tenant_id: Option<uuid::Uuid>,
    #[schema(value_type = Object)]
    detail: Value,
    request_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecurityEventList {
    items: Vec<SecurityEvent>,
}

/// The platform's security trail, newest first (platform admins): sign-ins,
/// failed sign-ins, refused tokens, membership and key changes.
#[utoipa::path(
    get,
    path = "/api/v1/security-events",
    tag = "members",
    params(SecurityEventsQuery),
    responses((status = 200, description = "Events, newest first", body = SecurityEventList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn security_events(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<SecurityEventsQuery>,
) -> Result<Json<SecurityEventList>, ApiError> {
    caller.require_platform_admin()?;
    events(&state, None, &query).await
}

/// A tenant's part of the security trail, newest first (tenant admins):
/// sign-ins through its own provider, membership and key changes.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/security-events",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug"), SecurityEventsQuery),
    responses((status = 200, description = "Events, newest first", body = SecurityEventList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn tenant_security_events(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(query): QueryParams<SecurityEventsQuery>,
) -> Result<Json<SecurityEventList>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Administer).await?;
    events(&state, Some(scope.grant.tenant()), &query).await
}

async fn events(
    state: &AppState,
    tenant: Option<TenantId>,
    query: &SecurityEventsQuery,
) -> Result<Json<SecurityEventList>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::InvalidQuery(vec![FieldError::new("limit", "range", "must be between 1 and 1000")]));
    }
    let events = state.fleet().control().security_events(tenant, query.kind.as_deref(), limit).await?;
    let items = events
        .into_iter()
        .map(|e| SecurityEvent {
            id: e.id,
            at: e.at,
            kind: e.kind,
            actor: e.actor,
            tenant_id: e.tenant.map(|t| t.as_uuid()),
            detail: e.detail,
            request_id: e.request_id,
        })
        .collect();
    Ok(Json(SecurityEventList { items }))
}
