//! Appointments (`/api/v1/tenants/{slug}/appointments`): who holds which
//! office at which entity, from when to when, kept with its history.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError,
    access::Action,
    appointment::{AppointmentInput, Holder, parse_term_change},
    ids::{AppointmentId, EntityId},
};
use charter_storage::data::{AppointmentQuery, AppointmentRecord, AsOf, AuditRecord, TenantTx, TxMode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::Caller,
    conditional::{AsOfQuery, IdempotencyKey, etag, if_match},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams, QueryParams},
    middleware::current_request_id,
    pagination::{PageQuery, Paged},
    problems::{ReadProblems, WriteProblems},
};

/// An appointment as known at a time.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Appointment {
    id: uuid::Uuid,
    entity_id: uuid::Uuid,
    /// `{"person_id": …}` or `{"entity_id": …}` (a corporate officer).
    #[schema(value_type = Object, example = json!({"person_id": "0193d2a4-5b6c-7d8e-9f00-112233445566"}))]
    holder: Value,
    /// A role key of the tenant (`GET …/appointment-roles`).
    #[schema(example = "director")]
    role: String,
    #[schema(value_type = String, format = Date)]
    appointed_on: NaiveDate,
    /// First day the office is no longer held; `null` while it is.
    #[schema(value_type = Option<String>, format = Date)]
    ceased_on: Option<NaiveDate>,
    signing_authority: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AppointmentRecord> for Appointment {
    fn from(a: AppointmentRecord) -> Self {
        Self {
            id: a.id.as_uuid(),
            entity_id: a.entity.as_uuid(),
            holder: a.holder.to_json(),
            role: a.role,
            appointed_on: a.term.appointed_on,
            ceased_on: a.term.ceased_on,
            signing_authority: a.term.signing_authority,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A new appointment, or a change of one (dates, signing authority).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // The handlers read the body as a map; this documents it.
pub(crate) struct AppointmentWrite {
    entity_id: Option<uuid::Uuid>,
    #[schema(value_type = Option<Object>)]
    holder: Option<Value>,
    role: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    appointed_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    ceased_on: Option<String>,
    signing_authority: Option<String>,
    /// Why a recorded term is corrected.
    reason: Option<String>,
}

/// Checks what an appointment refers to belongs to the tenant.
async fn check_parties(tx: &mut TenantTx, input: &AppointmentInput) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !tx.entity_exists(input.entity).await? {
        errors.push(FieldError::new("entity_id", "exists", "no entity with this id in this tenant"));
    }
    match input.holder {
        Holder::Person(person) if !tx.person_exists(person).await? => {
            errors.push(FieldError::new("holder.person_id", "exists", "no person with this id in this tenant"));
        }
        Holder::Entity(entity) if !tx.entity_exists(entity).await? => {
            errors.push(FieldError::new("holder.entity_id", "exists", "no entity with this id in this tenant"));
        }
        _ => {}
    }
    if !tx.role_exists(&input.role).await? {
        errors.push(FieldError::new(
            "role",
            "known_role",
            format!("{} is not an appointment role of this tenant", input.role),
        ));
    }
    if errors.is_empty()
        && let Some(other) =
            tx.overlapping_appointment((input.entity, input.holder, &input.role), &input.term, None).await?
    {
        errors.push(FieldError::new(
            "appointed_on",
            "no_overlap",
            format!("the holder already holds this role at this entity in an overlapping term (appointment {other})"),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Appoint an officer or director (editors and admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/appointments",
    tag = "appointments",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = AppointmentWrite,
    responses((status = 201, description = "Appointed", body = Appointment, headers(("Location" = String), ("ETag" = String))), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let idempotency =
        IdempotencyKey::from_request(&headers, &format!("/appointments {slug}"), &Value::Object(body.clone()))?;
    let input = AppointmentInput::parse(&body)?;
    let reason = body.get("reason").and_then(Value::as_str);
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    check_parties(&mut tx, &input).await?;
    let id = AppointmentId::generate();
    let actor = scope.grant.actor().to_string();
    tx.create_appointment(id, &input, reason, &actor).await?;
    let created = Appointment::from(
        tx.appointment(id, AsOf::latest(Utc::now().date_naive()))
            .await?
            .ok_or(ApiError::NotFound(Missing::Appointment))?,
    );
    let body = serde_json::to_value(&created).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "appointment.create",
        resource_type: "appointment",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(body.clone()),
        change: None,
    })
    .await?;
    let location = format!("/api/v1/tenants/{}/appointments/{id}", scope.slug);
    if let Some(key) = &idempotency {
        tx.settle_idempotency(&key.key, 201, &body, Some(&location)).await?;
    }
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response.headers_mut().insert(header::ETAG, etag(created.version));
    Ok(response)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AppointmentFilters {
    entity_id: Option<String>,
    /// A person or entity id.
    holder: Option<String>,
    role: Option<String>,
    /// `true` (default): only those held on `as_of`; `false`: every term as known at `known_at`.
    #[param(value_type = Option<bool>)]
    active: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// List appointments: the officers of an entity as of a date, the offices of a person, ….
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/appointments",
    tag = "appointments",
    params(("slug" = String, Path, description = "The tenant's slug"), AppointmentFilters),
    responses((status = 200, description = "A page of appointments", body = Paged<Appointment>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(filters): QueryParams<AppointmentFilters>,
) -> Result<Json<Paged<Appointment>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let at = AsOfQuery { as_of: filters.as_of, known_at: filters.known_at }.parse()?;
    let page = PageQuery { limit: filters.limit, cursor: filters.cursor }.parse().map_err(ApiError::InvalidQuery)?;
    let uuid = |field: &str, raw: Option<String>| {
        raw.map(|r| {
            uuid::Uuid::try_parse(&r)
                .map_err(|_| ApiError::InvalidQuery(vec![FieldError::new(field, "uuid", "must be a UUID")]))
        })
        .transpose()
    };
    let held_on_date = match filters.active.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(ApiError::InvalidQuery(vec![FieldError::new("active", "boolean", "must be true or false")]));
        }
    };
    let query = AppointmentQuery {
        entity: uuid("entity_id", filters.entity_id)?.map(EntityId::from_uuid),
        holder: uuid("holder", filters.holder)?,
        role: filters.role,
        held_on_date,
        after: uuid("cursor", page.after)?.map(AppointmentId::from_uuid),
        limit: page.limit + 1,
    };
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let rows = tx.list_appointments(at, &query).await?;
    tx.commit().await?;
    Ok(Json(Paged::from_rows(rows, page.limit, |a| a.id.to_string(), Appointment::from)))
}

/// Get an appointment as known at a time.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/appointments/{id}",
    tag = "appointments",
    params(("slug" = String, Path, description = "The tenant's slug"), ("id" = uuid::Uuid, Path, description = "The appointment's id"), AsOfQuery),
    responses((status = 200, description = "The appointment", body = Appointment, headers(("ETag" = String))), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(when): QueryParams<AsOfQuery>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let id = AppointmentId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let at = when.parse()?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let found = tx.appointment(id, at).await?.ok_or(ApiError::NotFound(Missing::Appointment))?;
    tx.commit().await?;
    Ok(([(header::ETAG, etag(found.version))], Json(Appointment::from(found))).into_response())
}

/// Change an appointment's dates or signing authority, e.g. record a
/// cessation (editors and admins; `If-Match` required). The earlier term
/// stays on record.
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{slug}/appointments/{id}",
    tag = "appointments",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The appointment's id"),
        ("If-Match" = String, Header, description = "The ETag of the version the change is based on"),
    ),
    request_body = AppointmentWrite,
    responses(
        (status = 200, description = "Changed", body = Appointment, headers(("ETag" = String))),
        (status = 412, description = "The appointment changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = crate::error::Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let id = AppointmentId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let expected = if_match(&headers)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let current = tx
        .appointment(id, AsOf::latest(Utc::now().date_naive()))
        .await?
        .ok_or(ApiError::NotFound(Missing::Appointment))?;
    let (term, reason) = parse_term_change(&body, &current.term)?;
    if let Some(other) =
        tx.overlapping_appointment((current.entity, current.holder, &current.role), &term, Some(id)).await?
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "ceased_on",
            "no_overlap",
            format!("the holder holds this role at this entity in an overlapping term (appointment {other})"),
        )]));
    }
    let actor = scope.grant.actor().to_string();
    match tx.change_term(id, expected.unwrap_or(current.version), &term, reason.as_deref(), &actor).await? {
        None => return Err(ApiError::NotFound(Missing::Appointment)),
        Some(false) => return Err(ApiError::PreconditionFailed),
        Some(true) => {}
    }
    let updated = Appointment::from(
        tx.appointment(id, AsOf::latest(Utc::now().date_naive()))
            .await?
            .ok_or(ApiError::NotFound(Missing::Appointment))?,
    );
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "appointment.update",
        resource_type: "appointment",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: serde_json::to_value(Appointment::from(current)).ok(),
        after: serde_json::to_value(&updated).ok(),
        change: Some(Value::Object(body)),
    })
    .await?;
    tx.commit().await?;
    Ok(([(header::ETAG, etag(updated.version))], Json(updated)).into_response())
}
