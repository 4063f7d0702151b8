//! A client's own identity provider (`/api/v1/tenants/{slug}/identity-provider`):
//! the client's staff sign in through it and can only ever be members of
//! that tenant. Set by platform admins or business development (as part of
//! onboarding); tenant admins may read it.

use axum::{Json, extract::State, http::StatusCode};
use charter_domain::{FieldError, access::Action, ids::TenantId, tenant::Slug, validation::Collector};
use charter_storage::{
    StoreError,
    control::{TenantIdentityProvider, TenantRecord},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::{Caller, security_event},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams},
    oidc::{OidcConfig, Provider, client_provider_config},
    problems::{ReadProblems, WriteProblems},
};

/// A client's provider, as set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetIdentityProvider {
    /// The provider's issuer URL (https; http only on loopback).
    #[schema(required = true, value_type = String)]
    issuer: Option<String>,
    /// Charter's client id at the client's provider.
    #[schema(required = true, value_type = String)]
    client_id: Option<String>,
    /// Its secret; never shown again.
    client_secret: Option<String>,
    /// Email domains whose sign-ins go to this provider (`login_hint`).
    #[schema(required = true, value_type = Vec<String>)]
    email_domains: Option<Vec<String>>,
}

/// A client's provider, as shown (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IdentityProvider {
    issuer: String,
    client_id: String,
    client_secret_set: bool,
    email_domains: Vec<String>,
    /// Register these at the client's provider.
    redirect_uri: String,
    post_logout_redirect_uri: String,
    /// Where the client's staff start signing in.
    login_url: String,
    updated_at: DateTime<Utc>,
}

impl IdentityProvider {
    fn new(record: TenantIdentityProvider, firm: &OidcConfig, slug: &Slug) -> Self {
        let base = firm.public_url.trim_end_matches('/');
        Self {
            issuer: record.issuer,
            client_id: record.client_id,
            client_secret_set: record.client_secret.is_some(),
            email_domains: record.email_domains,
            redirect_uri: firm.redirect_uri(),
            post_logout_redirect_uri: format!("{base}/"),
            login_url: format!("{base}/auth/login?tenant={slug}"),
            updated_at: record.updated_at,
        }
    }
}

/// An email domain as routing uses it: lower case, two labels at least.
fn parse_domain(field: &str, raw: &str) -> Result<String, FieldError> {
    let domain = raw.trim().to_lowercase();
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if domain.len() <= 253 && domain.split('.').count() >= 2 && domain.split('.').all(label) {
        Ok(domain)
    } else {
        Err(FieldError::new(field, "domain", "must be an email domain such as client.example"))
    }
}

/// https, or http on loopback (test and local providers).
fn parse_issuer(field: &str, raw: &str) -> Result<String, FieldError> {
    let issuer = raw.trim().trim_end_matches('/').to_owned();
    let url = url::Url::parse(&issuer).map_err(|_| FieldError::new(field, "url", "must be a URL"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !secure || url.query().is_some() || url.fragment().is_some() || issuer.len() > 500 {
        return Err(FieldError::new(field, "https", "must be an https URL without query or fragment"));
    }
    Ok(issuer)
}

async fn tenant(state: &AppState, raw: &str) -> Result<(TenantRecord, Slug), ApiError> {
    let slug = Slug::parse("slug", raw).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let tenant = state.fleet().control().tenant_by_slug(&slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
    Ok((tenant, slug))
}

fn firm(state: &AppState) -> Result<&OidcConfig, ApiError> {
    state.oidc().map(|p| &p.config).ok_or(ApiError::NotFound(Missing::Route))
}

/// Set the client's own identity provider (platform admins, business
/// development). The provider's discovery document must answer and name
/// the same issuer; its domains may not be another tenant's.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{slug}/identity-provider",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = SetIdentityProvider,
    responses((status = 200, description = "Set", body = IdentityProvider), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn set(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
    JsonBody(body): JsonBody<SetIdentityProvider>,
) -> Result<Json<IdentityProvider>, ApiError> {
    caller.require_onboarding()?;
    let firm = firm(&state)?.clone();
    let (tenant, slug) = tenant(&state, &raw).await?;
    let mut errors = Collector::new();
    let issuer = match body.issuer.as_deref() {
        Some(raw) => errors.take(parse_issuer("issuer", raw)),
        None => {
            errors.push(FieldError::new("issuer", "required", "is required"));
            None
        }
    };
    if issuer.as_deref() == Some(firm.issuer.trim_end_matches('/')) {
        errors.push(FieldError::new("issuer", "not_firm", "is the firm's own provider; a client's must be its own"));
    }
    let client_id = body.client_id.as_deref().map(str::trim).filter(|c| (1..=255).contains(&c.len()));
    if client_id.is_none() {
        errors.push(FieldError::new("client_id", "required", "is required (1 to 255 characters)"));
    }
    if body.client_secret.as_deref().is_some_and(|s| s.len() > 500) {
        errors.push(FieldError::new("client_secret", "max_length", "must be at most 500 characters"));
    }
    let mut domains = Vec::new();
    match &body.email_domains {
        Some(list) if (1..=20).contains(&list.len()) => {
            for (i, raw) in list.iter().enumerate() {
                domains.extend(errors.take(parse_domain(&format!("email_domains[{i}]"), raw)));
            }
        }
        _ => errors.push(FieldError::new("email_domains", "length", "must list 1 to 20 email domains")),
    }
    errors.finish()?;
    let (Some(issuer), Some(client_id)) = (issuer, client_id) else {
        return Err(ApiError::Internal("validated settings without issuer or client".into()));
    };
    // The provider must answer as itself before anyone is sent there.
    let probe = Provider::new(client_provider_config(&firm, &issuer, client_id, None));
    if probe.metadata().await.is_err() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "issuer",
            "discovery",
            "no OpenID discovery document naming this issuer at {issuer}/.well-known/openid-configuration",
        )]));
    }
    domains.sort();
    domains.dedup();
    let record = TenantIdentityProvider {
        tenant: tenant.id,
        issuer,
        client_id: client_id.to_owned(),
        client_secret: body.client_secret.clone().filter(|s| !s.is_empty()),
        email_domains: domains,
        updated_at: Utc::now(),
    };
    let saved = match state.fleet().control().set_tenant_identity_provider(&record).await {
        Err(StoreError::Conflict { constraint }) => {
            let field = if constraint.contains("domain") { "email_domains" } else { "issuer" };
            return Err(ApiError::Validation(vec![FieldError::new(field, "unique", "is another tenant's already")]));
        }
        other => other?,
    };
    state.caches().client_issuers.invalidate_all();
    let detail = json!({ "issuer": saved.issuer, "client_id": saved.client_id, "email_domains": saved.email_domains });
    security_event(&state, "identity_provider.set", Some(caller.0.actor().to_string()), Some(tenant.id), detail).await;
    Ok(Json(IdentityProvider::new(saved, &firm, &slug)))
}

/// The client's own identity provider (tenant admins, platform admins,
/// business development).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/identity-provider",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "The provider", body = IdentityProvider), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
) -> Result<Json<IdentityProvider>, ApiError> {
    let firm = firm(&state)?.clone();
    let tenant_id = readable(&state, &caller, &raw).await?;
    let (_, slug) = tenant(&state, &raw).await?;
    let record = state.fleet().control().tenant_identity_provider(tenant_id).await?;
    Ok(Json(IdentityProvider::new(record.ok_or(ApiError::NotFound(Missing::Route))?, &firm, &slug)))
}

/// Remove the client's own provider (platform admins, business
/// development); its users can no longer sign in.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{slug}/identity-provider",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 204, description = "Removed"), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_onboarding()?;
    let (tenant, _) = tenant(&state, &raw).await?;
    if !state.fleet().control().delete_tenant_identity_provider(tenant.id).await? {
        return Err(ApiError::NotFound(Missing::Route));
    }
    state.caches().client_issuers.invalidate_all();
    security_event(&state, "identity_provider.delete", Some(caller.0.actor().to_string()), Some(tenant.id), json!({}))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Tenant admins of the tenant, or those who onboard tenants.
async fn readable(state: &AppState, caller: &Caller, raw: &str) -> Result<TenantId, ApiError> {
    if caller.0.may_onboard() {
        return Ok(tenant(state, raw).await?.0.id);
    }
    Ok(state.tenant_scope(caller, raw, Action::Administer).await?.grant.tenant())
}
