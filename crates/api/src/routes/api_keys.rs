//! A tenant's integration keys (`/api/v1/tenants/{slug}/api-keys`).

use axum::{Json, extract::State, http::StatusCode};
use charter_domain::{
    FieldError, Invalid,
    access::{Action, TenantRole},
    api_key::KeyName,
    ids::{ApiKeyId, GroupId},
    validation::Collector,
};
use charter_storage::{
    control::{ApiKeyRecord, KeyRole},
    data::TxMode,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::tenants::required;
use crate::{
    AppState,
    auth::{Caller, TenantScope, security_event},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams},
    problems::{ReadProblems, WriteProblems},
};

/// Request for a new key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateApiKey {
    /// What the key is for ("ERP integration").
    #[schema(required = true, value_type = String, max_length = 100)]
    name: Option<String>,
    /// The key's role in the tenant.
    #[schema(required = true, value_type = RoleName)]
    role: Option<String>,
    /// When the key stops working (RFC 3339); never if absent.
    expires_at: Option<DateTime<Utc>>,
    /// Limit the key to the entities of these entity groups (ids of
    /// `entity-groups`); every entity if absent. A limited key reaches the
    /// entity routes only.
    entity_groups: Option<Vec<String>>,
}

/// The entity groups (ids, as entities name them in their `groups` fact) a
/// membership or key is limited to: each a group of the tenant; `None` for
/// no limit.
pub(crate) async fn entity_groups(
    state: &AppState,
    scope: &TenantScope,
    raw: Option<&[String]>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.is_empty() || raw.len() > 50 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "entity_groups",
            "length",
            "must list 1 to 50 entity group ids, or be left out for every entity",
        )]));
    }
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (i, id) in raw.iter().enumerate() {
        match GroupId::parse(&format!("entity_groups[{i}]"), id) {
            Ok(id) => ids.push(id.as_uuid()),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        let mut tx = state.begin(scope, TxMode::Read).await?;
        let unknown = tx.unknown_groups(&ids).await?;
        tx.commit().await?;
        errors.extend(ids.iter().enumerate().filter(|(_, id)| unknown.contains(id)).map(|(i, _)| {
            FieldError::new(format!("entity_groups[{i}]"), "exists", "is not an entity group of this tenant")
        }));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut groups: Vec<String> = ids.iter().map(|id| GroupId::from_uuid(*id).to_string()).collect();
    groups.sort();
    groups.dedup();
    Ok(Some(groups))
}

/// A role in a tenant.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RoleName {
    Admin,
    Editor,
    Viewer,
}

impl From<TenantRole> for RoleName {
    fn from(role: TenantRole) -> Self {
        match role {
            TenantRole::Admin => Self::Admin,
            TenantRole::Editor => Self::Editor,
            TenantRole::Viewer => Self::Viewer,
        }
    }
}

/// A key as listed; the secret itself is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApiKey {
    id: uuid::Uuid,
    name: String,
    role: RoleName,
    /// The first characters of the key, to tell keys apart.
    #[schema(example = "chk_Ab3dE9")]
    prefix: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    /// The entity groups it is limited to; `null`: every entity.
    entity_groups: Option<Vec<String>>,
}

/// A new key, with its secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedApiKey {
    #[serde(flatten)]
    api_key: ApiKey,
    /// The key itself: send it as `Authorization: Bearer <key>`. It is shown
    /// only in this response; Charter keeps only its hash.
    #[schema(example = "chk_Ab3dE9...")]
    key: String,
}

/// Keys of a tenant.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApiKeyList {
    items: Vec<ApiKey>,
}

impl ApiKey {
    /// A tenant key as listed; `None` for platform keys, which are not tenant resources.
    fn from_record(k: ApiKeyRecord) -> Option<Self> {
        let KeyRole::Tenant(role) = k.role else {
            return None;
        };
        Some(Self {
            id: k.id.as_uuid(),
            name: k.name,
            role: role.into(),
            prefix: k.prefix,
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            entity_groups: k.entity_groups,
        })
    }
}

impl CreateApiKey {
    fn parse(&self) -> Result<(KeyName, TenantRole), Invalid> {
        let mut errors = Collector::new();
        let name = required(&mut errors, "name", self.name.as_deref(), KeyName::parse);
        let role = required(&mut errors, "role", self.role.as_deref(), TenantRole::parse);
        if self.expires_at.is_some_and(|at| at <= Utc::now()) {
            errors.push(FieldError::new("expires_at", "future", "must be in the future"));
        }
        errors.finish()?;
        name.zip(role).ok_or_else(|| Invalid(vec![FieldError::new("body", "required", "incomplete request")]))
    }
}

/// Create an integration key (tenant admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/api-keys",
    tag = "api-keys",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created; the secret is in this response only", body = CreatedApiKey),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<CreateApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Administer).await?;
    let (name, role) = body.parse()?;
    let groups = entity_groups(&state, &scope, body.entity_groups.as_deref()).await?;
    let (record, secret) = state
        .fleet()
        .control()
        .create_key(Some(scope.grant.tenant()), KeyRole::Tenant(role), &name, body.expires_at, groups.as_deref())
        .await?;
    tracing::info!(tenant = %scope.slug, key = %record.id, role = %role, "created API key");
    let detail = json!({ "api_key_id": record.id, "role": role.as_str(), "expires_at": record.expires_at,
                         "entity_groups": record.entity_groups });
    let actor = Some(scope.grant.actor().to_string());
    security_event(&state, "api_key.create", actor, Some(scope.grant.tenant()), detail).await;
    let key = ApiKey::from_record(record)
        .ok_or_else(|| ApiError::Internal("created a tenant key without a tenant role".into()))?;
    Ok((StatusCode::CREATED, Json(CreatedApiKey { api_key: key, key: secret.expose().to_owned() })))
}

/// List a tenant's keys (tenant admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/api-keys",
    tag = "api-keys",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 200, description = "Every key of the tenant, newest first", body = ApiKeyList),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Administer).await?;
    let keys = state.fleet().control().list_keys(Some(scope.grant.tenant())).await?;
    Ok(Json(ApiKeyList { items: keys.into_iter().filter_map(ApiKey::from_record).collect() }))
}

/// Revoke a key (tenant admins). It stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{slug}/api-keys/{id}",
    tag = "api-keys",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The key's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Administer).await?;
    let id = ApiKeyId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let revoked = state.fleet().control().revoke_key(Some(scope.grant.tenant()), id).await?;
    if revoked.is_none() {
        return Err(ApiError::NotFound(Missing::ApiKey));
    }
    state.caches().forget_key(id);
    tracing::info!(tenant = %scope.slug, key = %id, "revoked API key");
    let actor = Some(scope.grant.actor().to_string());
    security_event(&state, "api_key.revoke", actor, Some(scope.grant.tenant()), json!({ "api_key_id": id })).await;
    Ok(StatusCode::NO_CONTENT)
}
