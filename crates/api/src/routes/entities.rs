//! Legal entities of a tenant (`/api/v1/tenants/{slug}/entities`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use charter_domain::{access::Action, entity::NewEntity, ids::EntityId};
use charter_storage::data::{EntityRecord, TxMode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams, QueryParams},
    pagination::{PageQuery, Paged},
    problems::{ReadProblems, WriteProblems},
};

/// Request to register a legal entity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateEntity {
    /// The registered legal name.
    #[schema(required = true, value_type = String, max_length = 500, example = "Acme Holdings Ltd")]
    legal_name: Option<String>,
    /// ISO 3166-1 alpha-2 country (`GB`) or ISO 3166-2 subdivision (`US-DE`).
    #[schema(example = "GB")]
    jurisdiction: Option<String>,
}

/// A legal entity.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Entity {
    id: uuid::Uuid,
    #[schema(example = "Acme Holdings Ltd")]
    legal_name: String,
    #[schema(example = "GB")]
    jurisdiction: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<EntityRecord> for Entity {
    fn from(e: EntityRecord) -> Self {
        Self {
            id: e.id.as_uuid(),
            legal_name: e.legal_name,
            jurisdiction: e.jurisdiction,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

fn etag(record: &EntityRecord) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{}\"", record.version)).ok()
}

/// Register a legal entity (editors and admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/entities",
    tag = "entities",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = CreateEntity,
    responses(
        (status = 201, description = "Registered", body = Entity, headers(("Location" = String), ("ETag" = String))),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<CreateEntity>,
) -> Result<(StatusCode, HeaderMap, Json<Entity>), ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let entity = NewEntity::parse(body.legal_name.as_deref(), body.jurisdiction.as_deref())?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let record = tx.insert_entity(EntityId::generate(), &entity).await?;
    tx.commit().await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/tenants/{}/entities/{}", scope.slug, record.id)) {
        headers.insert(header::LOCATION, location);
    }
    if let Some(tag) = etag(&record) {
        headers.insert(header::ETAG, tag);
    }
    Ok((StatusCode::CREATED, headers, Json(record.into())))
}

/// List a tenant's legal entities, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities",
    tag = "entities",
    params(("slug" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of entities", body = Paged<Entity>),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Paged<Entity>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let page = query.parse().map_err(ApiError::InvalidQuery)?;
    let after = page
        .after
        .as_deref()
        .map(|raw| EntityId::parse("cursor", raw))
        .transpose()
        .map_err(|e| ApiError::InvalidQuery(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let rows = tx.list_entities(after, page.limit + 1).await?;
    tx.commit().await?;
    Ok(Json(Paged::from_rows(rows, page.limit, |e| e.id.to_string(), Entity::from)))
}

/// Get a legal entity.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}",
    tag = "entities",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
    ),
    responses(
        (status = 200, description = "The entity", body = Entity, headers(("ETag" = String))),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<(HeaderMap, Json<Entity>), ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let id = EntityId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let record = tx.entity(id).await?;
    tx.commit().await?;
    let record = record.ok_or(ApiError::NotFound(Missing::Entity))?;
    let mut headers = HeaderMap::new();
    if let Some(tag) = etag(&record) {
        headers.insert(header::ETAG, tag);
    }
    Ok((headers, Json(record.into())))
}
