//! Natural persons of a tenant (`/api/v1/tenants/{slug}/persons`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{access::Action, ids::PersonId, person::PersonInput};
use charter_storage::data::{AuditRecord, PersonRecord, TxMode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    conditional::{IdempotencyKey, etag, if_match},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams, QueryParams},
    middleware::current_request_id,
    pagination::{PageQuery, Paged},
    problems::{ReadProblems, WriteProblems},
};

/// A natural person.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Person {
    id: uuid::Uuid,
    #[schema(example = "Jane")]
    given_name: String,
    #[schema(example = "Doe")]
    family_name: String,
    #[schema(value_type = Option<String>, format = Date)]
    date_of_birth: Option<NaiveDate>,
    /// ISO 3166-1 alpha-2.
    nationality: Option<String>,
    email: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The details of a person to add or change.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // The handlers read the body as a map; this documents it.
pub(crate) struct PersonWrite {
    given_name: Option<String>,
    family_name: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    date_of_birth: Option<String>,
    nationality: Option<String>,
    email: Option<String>,
}

impl From<PersonRecord> for Person {
    fn from(p: PersonRecord) -> Self {
        Self {
            id: p.id.as_uuid(),
            given_name: p.given_name,
            family_name: p.family_name,
            date_of_birth: p.date_of_birth,
            nationality: p.nationality,
            email: p.email,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Add a person (editors and admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/persons",
    tag = "persons",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = PersonWrite,
    responses((status = 201, description = "Added", body = Person, headers(("Location" = String), ("ETag" = String))), WriteProblems),
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
        IdempotencyKey::from_request(&headers, &format!("/persons {slug}"), &Value::Object(body.clone()))?;
    let input = PersonInput::parse(&body, None, Utc::now().date_naive())?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    let person = Person::from(tx.create_person(PersonId::generate(), &input).await?);
    let body = serde_json::to_value(&person).map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "person.create",
        resource_type: "person",
        resource_id: Some(person.id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(body.clone()),
        change: None,
    })
    .await?;
    let location = format!("/api/v1/tenants/{}/persons/{}", scope.slug, person.id);
    if let Some(key) = &idempotency {
        tx.settle_idempotency(&key.key, 201, &body, Some(&location)).await?;
    }
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response.headers_mut().insert(header::ETAG, etag(person.version));
    Ok(response)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PersonFilters {
    /// Text in the name or e-mail address.
    q: Option<String>,
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// List a tenant's persons by name.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/persons",
    tag = "persons",
    params(("slug" = String, Path, description = "The tenant's slug"), PersonFilters),
    responses((status = 200, description = "A page of persons", body = Paged<Person>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(filters): QueryParams<PersonFilters>,
) -> Result<Json<Paged<Person>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let page = PageQuery { limit: filters.limit, cursor: filters.cursor }.parse().map_err(ApiError::InvalidQuery)?;
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => {
            let mut parts = raw.split('\u{1f}');
            let (family, given, id) = (parts.next(), parts.next(), parts.next());
            let bad = || {
                ApiError::InvalidQuery(vec![charter_domain::FieldError::new(
                    "cursor",
                    "cursor",
                    "is not a cursor of this list",
                )])
            };
            Some((
                family.ok_or_else(bad)?.to_owned(),
                given.ok_or_else(bad)?.to_owned(),
                PersonId::parse("cursor", id.ok_or_else(bad)?).map_err(|_| bad())?,
            ))
        }
    };
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let rows = tx.list_persons(filters.q.as_deref().filter(|q| !q.trim().is_empty()), after, page.limit + 1).await?;
    tx.commit().await?;
    Ok(Json(Paged::from_rows(
        rows,
        page.limit,
        |p| format!("{}\u{1f}{}\u{1f}{}", p.family_name.to_lowercase(), p.given_name.to_lowercase(), p.id),
        Person::from,
    )))
}

/// Get a person.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/persons/{id}",
    tag = "persons",
    params(("slug" = String, Path, description = "The tenant's slug"), ("id" = uuid::Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = Person, headers(("ETag" = String))), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let id = PersonId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let person = tx.person(id).await?.ok_or(ApiError::NotFound(Missing::Person))?;
    tx.commit().await?;
    Ok(([(header::ETAG, etag(person.version))], Json(Person::from(person))).into_response())
}

/// Change a person's details (editors and admins; `If-Match` required).
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{slug}/persons/{id}",
    tag = "persons",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The person's id"),
        ("If-Match" = String, Header, description = "The ETag of the version the change is based on"),
    ),
    request_body = PersonWrite,
    responses(
        (status = 200, description = "Changed", body = Person, headers(("ETag" = String))),
        (status = 412, description = "The person changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let id = PersonId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let expected = if_match(&headers)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let current = tx.person(id).await?.ok_or(ApiError::NotFound(Missing::Person))?;
    let input = PersonInput::parse(&body, Some(&current.input()), Utc::now().date_naive())?;
    let updated = match tx.update_person(id, expected.unwrap_or(current.version), &input).await? {
        None => return Err(ApiError::NotFound(Missing::Person)),
        Some(Err(())) => return Err(ApiError::PreconditionFailed),
        Some(Ok(person)) => Person::from(person),
    };
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "person.update",
        resource_type: "person",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: serde_json::to_value(Person::from(current)).ok(),
        after: serde_json::to_value(&updated).ok(),
        change: Some(Value::Object(body)),
    })
    .await?;
    tx.commit().await?;
    Ok(([(header::ETAG, etag(updated.version))], Json(updated)).into_response())
}
