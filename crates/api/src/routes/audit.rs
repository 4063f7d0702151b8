//! The audit trail (`/api/v1/tenants/{slug}/audit-events`).

use axum::{Json, extract::State};
use charter_domain::{FieldError, access::Action, ids::EntityId};
use charter_storage::data::{AuditQuery, TxMode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::Caller,
    error::ApiError,
    extract::{PathParams, QueryParams},
    pagination::{PageQuery, Paged},
    problems::ReadProblems,
};

/// One change, as recorded in the tenant's hash chain.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditEvent {
    /// Position in the tenant's chain, from 1.
    seq: i64,
    id: uuid::Uuid,
    at: DateTime<Utc>,
    /// `api_key:<id>` or `system:<job>`.
    actor: String,
    /// `entity.create`, `entity.update`, `person.create`, …
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    request_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    after: Option<Value>,
    /// What the request asked for beyond the difference: the facts sent,
    /// their effective period and the reason.
    #[schema(value_type = Option<Object>)]
    change: Option<Value>,
    /// SHA-256 over the previous event's hash and this event.
    hash: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditFilters {
    resource_type: Option<String>,
    resource_id: Option<String>,
    /// Events about this entity and what belongs to it: its share classes,
    /// ledger transactions, certificates and officers' appointments.
    #[param(value_type = Option<uuid::Uuid>)]
    entity_id: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    /// `oldest` first (the default) or `newest` first; a cursor continues
    /// the order it was given in.
    order: Option<String>,
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// The tenant's audit events, oldest first unless `order=newest` (tenant
/// admins).
#[utoipa::path(
    get, path = "/api/v1/tenants/{slug}/audit-events", tag = "audit",
    params(("slug" = String, Path, description = "The tenant's slug"), AuditFilters),
    responses((status = 200, description = "A page of events", body = Paged<AuditEvent>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(filters): QueryParams<AuditFilters>,
) -> Result<Json<Paged<AuditEvent>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Administer).await?;
    let page = PageQuery { limit: filters.limit, cursor: filters.cursor }.parse().map_err(ApiError::InvalidQuery)?;
    let after_seq = page
        .after
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::InvalidQuery(vec![FieldError::new("cursor", "cursor", "is not a cursor of this list")])
            })
        })
        .transpose()?;
    let entity = filters
        .entity_id
        .as_deref()
        .map(|raw| EntityId::parse("entity_id", raw).map_err(|e| ApiError::InvalidQuery(vec![e])))
        .transpose()?;
    let newest_first = match filters.order.as_deref() {
        None | Some("oldest") => false,
        Some("newest") => true,
        Some(_) => {
            return Err(ApiError::InvalidQuery(vec![FieldError::new("order", "one_of", "is oldest or newest")]));
        }
    };
    let query = AuditQuery {
        resource_type: filters.resource_type,
        resource_id: filters.resource_id,
        action: filters.action,
        actor: filters.actor,
        entity,
        after_seq,
        limit: page.limit + 1,
        newest_first,
    };
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let events = tx.audit_events(&query).await?;
    tx.commit().await?;
    Ok(Json(Paged::from_rows(
        events,
        page.limit,
        |e| e.seq.to_string(),
        |e| AuditEvent {
            seq: e.seq,
            id: e.id.as_uuid(),
            at: e.at,
            actor: e.actor,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            request_id: e.request_id,
            before: e.before,
            after: e.after,
            change: e.change,
            hash: e.hash,
        },
    )))
}
