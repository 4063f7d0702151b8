//! What a tenant configures: appointment roles, custom fields, entity groups.

use axum::{Json, extract::State, http::StatusCode};
use charter_domain::{
    FieldError, access::Action, appointment::parse_role, custom_field::CustomFieldDef, ids::GroupId,
    validation::Collector,
};
use charter_storage::data::{AuditRecord, TxMode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    error::ApiError,
    extract::{JsonBody, PathParams},
    middleware::current_request_id,
    problems::{ReadProblems, WriteProblems},
};

/// An appointment role.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Role {
    #[schema(example = "director")]
    key: String,
    #[schema(example = "Director")]
    label: String,
    /// Every tenant has the built-in roles; the others are the tenant's own.
    #[serde(default)]
    builtin: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RoleList {
    items: Vec<Role>,
}

/// A custom field definition.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct CustomField {
    /// `^[a-z][a-z0-9_]{0,62}$`; entities carry the value under `custom_fields.<key>`.
    #[schema(example = "matter_number")]
    key: String,
    #[schema(example = "Matter number")]
    label: String,
    /// text, number, date or choice.
    #[serde(rename = "type")]
    #[schema(example = "text")]
    kind: String,
    #[serde(default)]
    required: bool,
    /// For choice fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Vec<String>>,
    /// For text fields (default 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CustomFieldList {
    items: Vec<CustomField>,
}

/// A group of entities (for filtering and, later, for scoping access).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EntityGroup {
    id: uuid::Uuid,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EntityGroupList {
    items: Vec<EntityGroup>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewEntityGroup {
    #[schema(required = true, value_type = String)]
    name: Option<String>,
}

fn custom_field(def: &CustomFieldDef) -> Result<CustomField, ApiError> {
    serde_json::from_value(def.to_json()).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The tenant's appointment roles.
#[utoipa::path(
    get, path = "/api/v1/tenants/{slug}/appointment-roles", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Built-in roles first", body = RoleList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<RoleList>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Read).await?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let roles = tx.roles().await?;
    tx.commit().await?;
    Ok(Json(RoleList {
        items: roles.into_iter().map(|r| Role { key: r.key, label: r.label, builtin: r.builtin }).collect(),
    }))
}

/// Add an appointment role (tenant admins).
#[utoipa::path(
    post, path = "/api/v1/tenants/{slug}/appointment-roles", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = Role,
    responses((status = 201, description = "Added", body = Role), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn add_role(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<Role>), ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let mut errors = Collector::new();
    let key = match body.get("key").and_then(Value::as_str) {
        Some(raw) => errors.take(parse_role("key", raw)),
        None => {
            errors.push(FieldError::new("key", "required", "is required"));
            None
        }
    };
    let label = match body.get("label").and_then(Value::as_str).map(str::trim) {
        Some(label) if (1..=100).contains(&label.chars().count()) => Some(label.to_owned()),
        _ => {
            errors.push(FieldError::new("label", "required", "is required, at most 100 characters"));
            None
        }
    };
    for unknown in body.keys().filter(|k| !["key", "label"].contains(&k.as_str())) {
        errors.push(FieldError::new(unknown.clone(), "unknown_field", "is not a field of a role"));
    }
    errors.finish()?;
    let (Some(key), Some(label)) = (key, label) else {
        return Err(ApiError::Internal("parsed role incomplete".into()));
    };
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if !tx.add_role(&key, &label).await? {
        return Err(ApiError::Validation(vec![FieldError::new("key", "unique", format!("the role {key} exists"))]));
    }
    let role = Role { key, label, builtin: false };
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "appointment_role.create",
        resource_type: "appointment_role",
        resource_id: Some(role.key.clone()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: serde_json::to_value(&role).ok(),
        change: None,
    })
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// The tenant's custom fields on entities.
#[utoipa::path(
    get, path = "/api/v1/tenants/{slug}/custom-fields", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Every definition", body = CustomFieldList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list_custom_fields(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<CustomFieldList>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Read).await?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let defs = tx.custom_fields().await?;
    tx.commit().await?;
    Ok(Json(CustomFieldList { items: defs.iter().map(custom_field).collect::<Result<_, _>>()? }))
}

/// Define a custom field on entities (tenant admins). Values are validated
/// on every write and effective-dated like other facts.
#[utoipa::path(
    post, path = "/api/v1/tenants/{slug}/custom-fields", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = CustomField,
    responses((status = 201, description = "Defined", body = CustomField), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn add_custom_field(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<CustomField>), ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let def = CustomFieldDef::parse(&body)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if !tx.add_custom_field(&def).await? {
        return Err(ApiError::Validation(vec![FieldError::new(
            "key",
            "unique",
            format!("the custom field {} exists", def.key.as_str()),
        )]));
    }
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "custom_field.create",
        resource_type: "custom_field",
        resource_id: Some(def.key.as_str().to_owned()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(def.to_json()),
        change: None,
    })
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(custom_field(&def)?)))
}

/// The tenant's entity groups.
#[utoipa::path(
    get, path = "/api/v1/tenants/{slug}/entity-groups", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Every group by name", body = EntityGroupList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<EntityGroupList>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Read).await?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let groups = tx.entity_groups().await?;
    tx.commit().await?;
    Ok(Json(EntityGroupList {
        items: groups.into_iter().map(|(id, name)| EntityGroup { id: id.as_uuid(), name }).collect(),
    }))
}

/// Add an entity group (editors and admins).
#[utoipa::path(
    post, path = "/api/v1/tenants/{slug}/entity-groups", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = NewEntityGroup,
    responses((status = 201, description = "Added", body = EntityGroup), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn add_group(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<NewEntityGroup>,
) -> Result<(StatusCode, Json<EntityGroup>), ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Write).await?;
    let name =
        body.name.map(|n| n.trim().to_owned()).filter(|n| (1..=100).contains(&n.chars().count())).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new("name", "required", "is required, at most 100 characters")])
        })?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let id = tx
        .add_entity_group(GroupId::generate(), &name)
        .await?
        .ok_or_else(|| ApiError::Validation(vec![FieldError::new("name", "unique", "a group of this name exists")]))?;
    let group = EntityGroup { id: id.as_uuid(), name };
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "entity_group.create",
        resource_type: "entity_group",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: serde_json::to_value(&group).ok(),
        change: None,
    })
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(group)))
}
