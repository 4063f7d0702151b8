//! Tenants: onboarding and lookup (`/api/v1/tenants`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError, Invalid,
    access::Principal,
    ids::TenantId,
    tenant::{Placement, Slug, TenantName, Tier},
    validation::Collector,
};
use charter_fleet::{OnboardRequest, Onboarded};
use charter_storage::control::TenantRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    error::{ApiError, Missing, Problem},
    extract::{JsonBody, PathParams, QueryParams},
    pagination::{PageQuery, Paged},
    problems::{ReadProblems, WriteProblems},
};

/// Request to onboard a client firm.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnboardTenant {
    /// The tenant's URL name.
    #[schema(required = true, value_type = String, pattern = "^[a-z0-9][a-z0-9-]{1,62}$", example = "acme")]
    slug: Option<String>,
    /// The client firm's name.
    #[schema(required = true, value_type = String, max_length = 200, example = "Acme Corporation")]
    name: Option<String>,
    /// `shared`: placed beside other tenants in a shared database, isolated by
    /// row-level security, ready in milliseconds. `dedicated`: a database of
    /// its own with the same schema.
    #[schema(required = true, value_type = PlacementName)]
    placement: Option<String>,
    /// Service tier, which sets the tenant's request rate and statement time
    /// limits (default `standard`).
    #[schema(value_type = Option<TierName>)]
    tier: Option<String>,
}

/// A tenant's service tier.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TierName {
    Standard,
    Premium,
    Unmetered,
}

impl From<Tier> for TierName {
    fn from(tier: Tier) -> Self {
        match tier {
            Tier::Standard => Self::Standard,
            Tier::Premium => Self::Premium,
            Tier::Unmetered => Self::Unmetered,
        }
    }
}

/// Where a tenant's data lives.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlacementName {
    Shared,
    Dedicated,
}

impl From<Placement> for PlacementName {
    fn from(placement: Placement) -> Self {
        match placement {
            Placement::Shared => Self::Shared,
            Placement::Dedicated => Self::Dedicated,
        }
    }
}

impl OnboardTenant {
    fn parse(&self) -> Result<OnboardRequest, Invalid> {
        let mut errors = Collector::new();
        let slug = required(&mut errors, "slug", self.slug.as_deref(), Slug::parse);
        let name = required(&mut errors, "name", self.name.as_deref(), TenantName::parse);
        let placement = required(&mut errors, "placement", self.placement.as_deref(), Placement::parse);
        let tier = match self.tier.as_deref() {
            Some(raw) => errors.take(Tier::parse("tier", raw)),
            None => Some(Tier::Standard),
        };
        errors.finish()?;
        match (slug, name, placement, tier) {
            (Some(slug), Some(name), Some(placement), Some(tier)) => Ok(OnboardRequest { slug, name, placement, tier }),
            _ => Err(Invalid(vec![FieldError::new("body", "required", "incomplete request")])),
        }
    }
}

/// Parses a required field, recording a `required` error when it is absent.
pub(crate) fn required<T>(
    errors: &mut Collector,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str, &str) -> Result<T, FieldError>,
) -> Option<T> {
    match raw {
        Some(raw) => errors.take(parse(field, raw)),
        None => {
            errors.push(FieldError::new(field, "required", "is required"));
            None
        }
    }
}

/// A tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tenant {
    id: uuid::Uuid,
    #[schema(example = "acme")]
    slug: String,
    name: String,
    placement: PlacementName,
    /// `provisioning` while onboarding runs, then `active`; `offboarded` for a tombstone.
    #[schema(example = "active")]
    status: &'static str,
    tier: TierName,
    /// The database serving the tenant; `null` while provisioning.
    database: Option<TenantDatabase>,
    created_at: DateTime<Utc>,
}

/// The database a tenant lives in.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TenantDatabase {
    id: uuid::Uuid,
    name: String,
    kind: PlacementName,
}

impl From<TenantRecord> for Tenant {
    fn from(t: TenantRecord) -> Self {
        Self {
            id: t.id.as_uuid(),
            slug: t.slug.to_string(),
            name: t.name.as_str().to_owned(),
            placement: t.placement.into(),
            status: t.status.as_str(),
            tier: t.tier.into(),
            database: t.database.map(|d| TenantDatabase { id: d.id.as_uuid(), name: d.name, kind: d.kind.into() }),
            created_at: t.created_at,
        }
    }
}

/// Onboard a tenant (platform administrators).
///
/// Idempotent on `slug`: the same request again returns the same tenant
/// with 200; a different request for an existing slug is 409.
#[utoipa::path(
    post,
    path = "/api/v1/tenants",
    tag = "tenants",
    request_body = OnboardTenant,
    responses(
        (status = 201, description = "Onboarded; live now", body = Tenant, headers(("Location" = String))),
        (status = 200, description = "Onboarded before by the same request", body = Tenant),
        (status = 409, description = "Slug taken by another tenant", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn onboard(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<OnboardTenant>,
) -> Result<Response, ApiError> {
    caller.require_onboarding()?;
    let request = body.parse()?;
    let outcome = state.fleet().onboard(&request).await?;
    let created = matches!(outcome, Onboarded::Created(_));
    let tenant = match outcome {
        Onboarded::Created(t) | Onboarded::Existing(t) => Tenant::from(t),
    };
    if !created {
        return Ok((StatusCode::OK, Json(tenant)).into_response());
    }
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/tenants/{}", tenant.slug)) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(tenant)).into_response())
}

/// List the tenants the caller may open.
///
/// Platform administrators and business development see every tenant; a
/// tenant key sees its own, a signed-in user the tenants they are a member of.
#[utoipa::path(
    get,
    path = "/api/v1/tenants",
    tag = "tenants",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tenants in slug order", body = Paged<Tenant>),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Paged<Tenant>>, ApiError> {
    let page = query.parse().map_err(ApiError::InvalidQuery)?;
    let after = page
        .after
        .as_deref()
        .map(|raw| Slug::parse("cursor", raw))
        .transpose()
        .map_err(|e| ApiError::InvalidQuery(vec![e]))?;
    // Business development sees every tenant's name and status (it onboards
    // and configures them), but none of their data.
    let only: Option<Vec<TenantId>> = match &caller.0 {
        principal if principal.may_onboard() => None,
        Principal::PlatformAdmin { .. } => None,
        Principal::TenantKey { tenant, .. } => Some(vec![*tenant]),
        Principal::User(user) => Some(user.memberships.keys().copied().collect()),
    };
    let rows = state.fleet().control().list_tenants(after.as_ref(), page.limit + 1, only.as_deref()).await?;
    Ok(Json(Paged::from_rows(rows, page.limit, |t| t.slug.to_string(), Tenant::from)))
}

/// Get a tenant.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}",
    tag = "tenants",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 200, description = "The tenant", body = Tenant),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_slug): PathParams<String>,
) -> Result<Json<Tenant>, ApiError> {
    let slug = Slug::parse("slug", &raw_slug).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let tenant = state.fleet().control().tenant_by_slug(&slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
    if caller.0.role_in(tenant.id).is_none() {
        return Err(ApiError::NotFound(Missing::Tenant));
    }
    Ok(Json(Tenant::from(tenant)))
}
