//! Legal entities of a tenant (`/api/v1/tenants/{slug}/entities`): every
//! changing fact effective-dated, reads as of any date as known at any time.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError, Invalid,
    access::Action,
    entity::{Fact, Intent, STANDARD_FACTS, parse_entity},
    ids::EntityId,
    reference::{LegalForm, form_fits},
};
use charter_storage::data::{AsOf, AuditRecord, EntityQuery, EntitySort, EntityState, FactVersion, TenantTx, TxMode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::{Caller, TenantScope},
    conditional::{AsOfQuery, IdempotencyKey, etag, if_match},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams, QueryParams, entity_id},
    middleware::current_request_id,
    pagination::{PageQuery, Paged},
    problems::{ReadProblems, WriteProblems},
};

/// A legal entity as of a date, as known at a time.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Entity {
    id: uuid::Uuid,
    #[schema(example = "Beispiel GmbH")]
    legal_name: Option<String>,
    other_names: Vec<OtherName>,
    /// ISO 3166-1 country (`DE`) or ISO 3166-2 subdivision (`US-DE`).
    #[schema(example = "DE")]
    jurisdiction: Option<String>,
    /// ISO 20275 ELF code; 8888 or 9999 with `legal_form_text`.
    #[schema(example = "2HBR")]
    legal_form: Option<String>,
    /// The form's name from the ELF list (read only).
    #[schema(example = "Gesellschaft mit beschränkter Haftung")]
    legal_form_name: Option<String>,
    legal_form_text: Option<String>,
    registration_authority: Option<String>,
    registration_number: Option<String>,
    /// ISO 17442 Legal Entity Identifier.
    #[schema(example = "851WYGNLUQLFZBSYGB56")]
    lei: Option<String>,
    tax_ids: Vec<TaxId>,
    #[schema(value_type = Option<String>, format = Date)]
    incorporation_date: Option<String>,
    /// `MM-DD`.
    #[schema(example = "12-31")]
    fiscal_year_end: Option<String>,
    /// Legal status: active, dormant, in_liquidation, in_administration, dissolved, merged, struck_off, inactive.
    status: Option<String>,
    /// Whether the firm manages it: managed, not_managed, pending, outgoing, let_lapse, closed.
    management_status: Option<String>,
    addresses: Addresses,
    registered_agent: Option<RegisteredAgent>,
    tags: Vec<String>,
    /// Entity group ids.
    groups: Vec<uuid::Uuid>,
    notes: Option<String>,
    /// The tenant's custom fields (`GET …/custom-fields`), by key.
    #[schema(value_type = Object, extensions(("x-charter-custom-fields" = json!("Keys and types are defined per tenant at /api/v1/tenants/{slug}/custom-fields"))))]
    custom_fields: Map<String, Value>,
    /// Increases with every change; the ETag.
    version: i64,
    #[schema(value_type = String, format = Date)]
    as_of: NaiveDate,
    known_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct OtherName {
    /// trading, former, transliterated, alternative_language, short.
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct TaxId {
    /// VAT, EIN, UTR, …
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    value: String,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct Addresses {
    #[serde(skip_serializing_if = "Option::is_none")]
    registered_office: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_place_of_business: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mailing: Option<Address>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Address {
    lines: Vec<String>,
    city: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    country: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct RegisteredAgent {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<Address>,
}

/// The fields of an entity to register or change. On a change, only the
/// fields sent change; `null` removes an optional fact from the effective date.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // The handlers read the body as a map; this documents it.
pub(crate) struct EntityWrite {
    legal_name: Option<String>,
    other_names: Option<Vec<OtherName>>,
    jurisdiction: Option<String>,
    legal_form: Option<String>,
    /// Required with legal form 8888 or 9999.
    legal_form_text: Option<String>,
    registration_authority: Option<String>,
    registration_number: Option<String>,
    lei: Option<String>,
    tax_ids: Option<Vec<TaxId>>,
    #[schema(value_type = Option<String>, format = Date)]
    incorporation_date: Option<String>,
    fiscal_year_end: Option<String>,
    status: Option<String>,
    management_status: Option<String>,
    addresses: Option<Addresses>,
    registered_agent: Option<RegisteredAgent>,
    tags: Option<Vec<String>>,
    groups: Option<Vec<uuid::Uuid>>,
    notes: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom_fields: Option<Map<String, Value>>,
    /// First day the values hold (default today). A future date schedules
    /// the change; a past date is a correction and needs `reason`.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    /// First day they no longer hold (default: until the next recorded change).
    #[schema(value_type = Option<String>, format = Date)]
    effective_to: Option<String>,
    reason: Option<String>,
}

fn text(facts: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    facts.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn typed<T: serde::de::DeserializeOwned + Default>(facts: &BTreeMap<String, Value>, key: &str) -> T {
    facts.get(key).and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
}

impl Entity {
    fn new(state: EntityState, form_names: &BTreeMap<String, String>, at: AsOf) -> Self {
        let facts = &state.facts;
        let legal_form = text(facts, "legal_form");
        Self {
            id: state.id.as_uuid(),
            legal_name: text(facts, "legal_name"),
            other_names: typed(facts, "other_names"),
            jurisdiction: text(facts, "jurisdiction"),
            legal_form_name: legal_form.as_ref().and_then(|c| form_names.get(c).cloned()),
            legal_form,
            legal_form_text: text(facts, "legal_form_text"),
            registration_authority: text(facts, "registration_authority"),
            registration_number: text(facts, "registration_number"),
            lei: text(facts, "lei"),
            tax_ids: typed(facts, "tax_ids"),
            incorporation_date: text(facts, "incorporation_date"),
            fiscal_year_end: text(facts, "fiscal_year_end"),
            status: text(facts, "status"),
            management_status: text(facts, "management_status"),
            addresses: typed(facts, "addresses"),
            registered_agent: facts.get("registered_agent").and_then(|v| serde_json::from_value(v.clone()).ok()),
            tags: typed(facts, "tags"),
            groups: typed(facts, "groups"),
            notes: text(facts, "notes"),
            custom_fields: facts
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("custom.").map(|key| (key.to_owned(), v.clone())))
                .collect(),
            version: state.version,
            as_of: at.date,
            known_at: at.known_at,
            created_at: state.created_at,
            updated_at: state.updated_at,
        }
    }
}

/// Renders states with their legal form names (one lookup for the page).
async fn render(tx: &mut TenantTx, states: Vec<EntityState>, at: AsOf) -> Result<Vec<Entity>, ApiError> {
    let codes: Vec<String> = states.iter().filter_map(|s| text(&s.facts, "legal_form")).collect();
    let names = tx.legal_form_names(&codes).await?;
    Ok(states.into_iter().map(|s| Entity::new(s, &names, at)).collect())
}

/// Which entity a write is about, and what the caller may learn of others.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Writing {
    /// The entity written, `None` for a new one.
    pub own: Option<EntityId>,
    /// Whether the caller reaches every entity of the tenant (a grant not
    /// limited to entity groups): only then does a refusal name another.
    pub sees_all: bool,
}

/// Every rule an entity's new facts must hold beyond their own formats:
/// the references (`check_references`), and an LEI that no other entity of
/// the tenant holds.
pub(crate) async fn check_entity(
    tx: &mut TenantTx,
    facts: &BTreeMap<String, Value>,
    changed: &[Fact],
    writing: Writing,
) -> Result<(), ApiError> {
    let mut errors = match check_references(tx, facts, changed).await {
        Ok(()) => Vec::new(),
        Err(ApiError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    if changed.contains(&Fact::Lei)
        && let Some(lei) = text(facts, "lei")
        && let Some(holder) = tx.entities_by_lei(std::slice::from_ref(&lei)).await?.into_values().next()
        && Some(holder) != writing.own
    {
        let named = if writing.sees_all { format!(" ({holder})") } else { String::new() };
        errors.push(FieldError::new(
            "lei",
            "unique_lei",
            format!("{lei} is the LEI of another entity of this tenant{named}; an LEI identifies one entity"),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Refuses references to data that does not exist or does not fit: an
/// unknown jurisdiction, an ELF code of another jurisdiction, an unknown group.
pub(crate) async fn check_references(
    tx: &mut TenantTx,
    facts: &BTreeMap<String, Value>,
    changed: &[Fact],
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let jurisdiction = text(facts, "jurisdiction");
    if changed.contains(&Fact::Jurisdiction)
        && let Some(j) = &jurisdiction
        && !tx.jurisdiction_exists(j).await?
    {
        errors.push(FieldError::new(
            "jurisdiction",
            "known_jurisdiction",
            format!("{j} is not an ISO 3166 country or subdivision"),
        ));
    }
    if (changed.contains(&Fact::LegalForm) || changed.contains(&Fact::Jurisdiction))
        && let (Some(code), Some(j)) = (text(facts, "legal_form"), &jurisdiction)
    {
        match tx.legal_form(&code).await? {
            None => errors.push(FieldError::new(
                "legal_form",
                "known_elf_code",
                format!("{code} is not an ISO 20275 ELF code"),
            )),
            Some(form) => {
                let domain = LegalForm {
                    code: form.code.clone(),
                    country: form.country.clone(),
                    subdivision: form.subdivision.clone(),
                    status: form.status.clone(),
                    created_on: None,
                    names: Vec::new(),
                };
                if !form_fits(&domain, j) {
                    let home = form.subdivision.or(form.country).unwrap_or_default();
                    errors.push(FieldError::new(
                        "legal_form",
                        "jurisdiction",
                        format!("{code} is a legal form of {home}, not of {j}"),
                    ));
                }
            }
        }
    }
    if changed.contains(&Fact::Groups) {
        let ids: Vec<uuid::Uuid> = typed::<Vec<uuid::Uuid>>(facts, "groups");
        let unknown = tx.unknown_groups(&ids).await?;
        if !unknown.is_empty() {
            errors.push(FieldError::new("groups", "known_group", format!("not groups of this tenant: {unknown:?}")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

fn location(scope: &TenantScope, id: EntityId) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("/api/v1/tenants/{}/entities/{id}", scope.slug)).ok()
}

/// Register a legal entity (editors and admins).
///
/// `effective_from` (default today) dates every fact; the entity did not
/// exist before it. Send `Idempotency-Key` to make a retry safe.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/entities",
    tag = "entities",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = EntityWrite,
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
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let idempotency =
        IdempotencyKey::from_request(&headers, &format!("/entities {slug}"), &Value::Object(body.clone()))?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    let today = Utc::now().date_naive();
    let custom = tx.custom_fields().await?;
    let input = parse_entity(&body, Intent::Create, &custom, today)?;
    let facts: Vec<(Fact, Value)> = input.facts.iter().filter_map(|(f, v)| v.clone().map(|v| (f.clone(), v))).collect();
    let as_map: BTreeMap<String, Value> = facts.iter().map(|(f, v)| (f.key(), v.clone())).collect();
    let changed: Vec<Fact> = facts.iter().map(|(f, _)| f.clone()).collect();
    check_entity(&mut tx, &as_map, &changed, Writing { own: None, sees_all: true }).await?;
    let id = EntityId::generate();
    let actor = scope.grant.actor().to_string();
    tx.create_entity(id, &facts, input.change.from, &actor).await?;
    let at = AsOf::latest(input.change.from);
    let created = tx.entity_as_of(id, at).await?.ok_or(ApiError::NotFound(Missing::Entity))?;
    let entity = render(&mut tx, vec![created], at).await?.remove(0);
    let body = serde_json::to_value(&entity).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "entity.create",
        resource_type: "entity",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(body.clone()),
        change: None,
    })
    .await?;
    let location = location(&scope, id);
    if let Some(key) = &idempotency {
        let place = location.as_ref().and_then(|l| l.to_str().ok());
        tx.settle_idempotency(&key.key, 201, &body, place).await?;
    }
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response.headers_mut().insert(header::ETAG, etag(entity.version));
    Ok(response)
}

/// Filters of the entity list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EntityFilters {
    jurisdiction: Option<String>,
    legal_form: Option<String>,
    status: Option<String>,
    management_status: Option<String>,
    tag: Option<String>,
    /// An entity group id.
    group: Option<String>,
    /// A person or entity id: entities where it holds an appointment as of the date.
    holder: Option<String>,
    /// Words that each start a word of a legal or other name, the LEI, the
    /// registration number or a tax id (case, accents and punctuation
    /// ignored; an identifier also matches written without its spaces).
    q: Option<String>,
    /// `created` (default) or `legal_name`.
    sort: Option<String>,
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    cursor: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
}

/// List and search a tenant's entities as of a date.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities",
    tag = "entities",
    params(("slug" = String, Path, description = "The tenant's slug"), EntityFilters),
    responses((status = 200, description = "A page of entities", body = Paged<Entity>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    QueryParams(filters): QueryParams<EntityFilters>,
) -> Result<Json<Paged<Entity>>, ApiError> {
    let scope = state.tenant_scope_limited(&caller, &slug, Action::Read).await?;
    let at = AsOfQuery { as_of: filters.as_of.clone(), known_at: filters.known_at.clone() }.parse()?;
    let page = PageQuery { limit: filters.limit.clone(), cursor: filters.cursor.clone() }
        .parse()
        .map_err(ApiError::InvalidQuery)?;
    let sort = match filters.sort.as_deref() {
        None | Some("created") => EntitySort::Created,
        Some("legal_name") => EntitySort::LegalName,
        Some(_) => {
            return Err(ApiError::InvalidQuery(vec![FieldError::new(
                "sort",
                "one_of",
                "must be one of: created, legal_name",
            )]));
        }
    };
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => {
            let (key, id) = raw.rsplit_once('\u{1f}').unwrap_or(("", raw));
            Some((key.to_owned(), EntityId::parse("cursor", id).map_err(|e| ApiError::InvalidQuery(vec![e]))?))
        }
    };
    let holder = filters
        .holder
        .as_deref()
        .map(|h| {
            uuid::Uuid::try_parse(h)
                .map_err(|_| ApiError::InvalidQuery(vec![FieldError::new("holder", "uuid", "must be a UUID")]))
        })
        .transpose()?;
    let query = EntityQuery {
        jurisdiction: filters.jurisdiction,
        legal_form: filters.legal_form,
        status: filters.status,
        management_status: filters.management_status,
        tag: filters.tag,
        group: filters.group,
        within_groups: scope.grant.scope().groups(),
        holder,
        text: filters.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
        sort,
        after,
        limit: page.limit + 1,
    };
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let keys = tx.list_entities(at, &query).await?;
    let ids: Vec<EntityId> = keys.iter().take(page.limit as usize).map(|(_, id)| *id).collect();
    let states = tx.entities_as_of(&ids, at).await?;
    let entities = render(&mut tx, states, at).await?;
    tx.commit().await?;
    let more = keys.len() as i64 > page.limit;
    let next_cursor = more.then(|| {
        let (key, id) = &keys[page.limit as usize - 1];
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{key}\u{1f}{id}"))
    });
    Ok(Json(Paged { items: entities, next_cursor }))
}

/// The outcome of a validation without writing.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Validated {
    /// Whether `POST …/entities` would accept the body.
    valid: bool,
    /// Every field that breaks a rule, as a 422 from `POST …/entities` would name it.
    #[schema(value_type = Vec<Object>)]
    errors: Vec<Value>,
}

/// Check a new entity against every rule `POST …/entities` applies
/// (formats, the reference data, the tenant's custom fields and groups)
/// without writing anything: for wizards that validate step by step. The
/// answer is 200 either way, with the errors a create would get (a broken
/// body is the expected outcome here, not a failed request).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/entities/validate",
    tag = "entities",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = EntityWrite,
    responses((status = 200, description = "Every rule holds", body = Validated), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Validated>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let custom = tx.custom_fields().await?;
    let checked = match parse_entity(&body, Intent::Create, &custom, Utc::now().date_naive()) {
        Err(invalid) => Err(ApiError::from(invalid)),
        Ok(input) => {
            let facts: BTreeMap<String, Value> =
                input.facts.iter().filter_map(|(f, v)| v.clone().map(|v| (f.key(), v))).collect();
            let changed: Vec<Fact> = input.facts.iter().map(|(f, _)| f.clone()).collect();
            check_entity(&mut tx, &facts, &changed, Writing { own: None, sees_all: true }).await
        }
    };
    tx.commit().await?;
    let broken = match checked {
        Ok(()) => Vec::new(),
        Err(ApiError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let errors: Vec<Value> =
        broken.into_iter().map(|e| json!({ "field": e.field, "rule": e.rule, "message": e.message })).collect();
    Ok(Json(Validated { valid: errors.is_empty(), errors }))
}

/// Get a legal entity as of a date, as known at a time.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}",
    tag = "entities",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        AsOfQuery,
    ),
    responses((status = 200, description = "The entity", body = Entity, headers(("ETag" = String))), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(when): QueryParams<AsOfQuery>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope_limited(&caller, &slug, Action::Read).await?;
    let id = entity_id(&id)?;
    let at = when.parse()?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    AppState::check_entity_scope(&mut tx, &scope, id, at).await?;
    let found = tx.entity_as_of(id, at).await?.ok_or(ApiError::NotFound(Missing::Entity))?;
    let entity = render(&mut tx, vec![found], at).await?.remove(0);
    tx.commit().await?;
    let version = entity.version;
    Ok(([(header::ETAG, etag(version))], Json(entity)).into_response())
}

/// Change some facts of a legal entity (editors and admins).
///
/// Needs `If-Match` with the ETag read (412 if it moved on, 428 without).
/// The values hold from `effective_from` (default today) until
/// `effective_to`, or else until the fact's next recorded change. What was
/// on record before stays readable with `known_at`.
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{slug}/entities/{id}",
    tag = "entities",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        ("If-Match" = String, Header, description = "The ETag of the version the change is based on"),
    ),
    request_body = EntityWrite,
    responses(
        (status = 200, description = "Changed; the entity as of the effective date", body = Entity, headers(("ETag" = String))),
        (status = 412, description = "The entity changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let scope = state.tenant_scope_limited(&caller, &slug, Action::Write).await?;
    let id = entity_id(&id)?;
    let expected = if_match(&headers)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let today = Utc::now().date_naive();
    AppState::check_entity_scope(&mut tx, &scope, id, AsOf::latest(today)).await?;
    let custom = tx.custom_fields().await?;
    let input = parse_entity(&body, Intent::Update, &custom, today)?;
    // A caller limited to entity groups may not move an entity out of them.
    if let (Some(limit), Some((_, new))) =
        (scope.grant.scope().groups(), input.facts.iter().find(|(fact, _)| *fact == Fact::Groups))
    {
        let keeps = new
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|g| g.iter().filter_map(Value::as_str).any(|group| limit.iter().any(|l| l == group)));
        if !keeps {
            return Err(Invalid(vec![FieldError::new(
                "groups",
                "within_scope",
                "must keep one of the entity groups your access is limited to",
            )])
            .into());
        }
    }
    let version = tx.entity_version(id).await?.ok_or(ApiError::NotFound(Missing::Entity))?;
    // The before image is read first so that it carries the version it had;
    // the bump below then fails (412) if anything changed since.
    let at_change = AsOf::latest(input.change.from);
    let before = tx.entity_as_of(id, at_change).await?;
    match tx.bump_entity_version(id, expected.unwrap_or(version)).await? {
        None => return Err(ApiError::NotFound(Missing::Entity)),
        Some(false) => return Err(ApiError::PreconditionFailed),
        Some(true) => {}
    }
    let mut facts: BTreeMap<String, Value> = before.as_ref().map(|b| b.facts.clone()).unwrap_or_default();
    for (fact, value) in &input.facts {
        match value {
            Some(v) => facts.insert(fact.key(), v.clone()),
            None => facts.remove(&fact.key()),
        };
    }
    if before.is_none() && !input.facts.iter().any(|(f, _)| *f == Fact::LegalName) {
        return Err(Invalid(vec![FieldError::new(
            "effective_from",
            "entity_exists",
            "the entity did not exist on that date; change it from its creation on",
        )])
        .into());
    }
    let changed: Vec<Fact> = input.facts.iter().map(|(f, _)| f.clone()).collect();
    let writing = Writing { own: Some(id), sees_all: scope.grant.scope().groups().is_none() };
    check_entity(&mut tx, &facts, &changed, writing).await?;
    let actor = scope.grant.actor().to_string();
    for (fact, value) in &input.facts {
        tx.change_fact(
            id,
            fact,
            value.as_ref(),
            input.change.from,
            input.change.to,
            input.change.reason.as_deref(),
            &actor,
        )
        .await?;
    }
    let after_state = tx.entity_as_of(id, at_change).await?.ok_or(ApiError::NotFound(Missing::Entity))?;
    let mut rendered = render(&mut tx, before.into_iter().chain([after_state]).collect(), at_change).await?;
    let after = rendered.pop().ok_or_else(|| ApiError::Internal("no entity after the change".into()))?;
    let before_json = rendered.pop().map(|b| serde_json::to_value(b).unwrap_or(Value::Null));
    let after_json = serde_json::to_value(&after).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "entity.update",
        resource_type: "entity",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: before_json,
        after: Some(after_json),
        change: Some(json!({
            "facts": input.facts.iter().map(|(f, v)| (f.key(), v.clone().unwrap_or(Value::Null))).collect::<Map<_, _>>(),
            "effective_from": input.change.from,
            "effective_to": input.change.to,
            "reason": input.change.reason,
        })),
    })
    .await?;
    tx.commit().await?;
    Ok(([(header::ETAG, etag(after.version))], Json(after)).into_response())
}

/// One version of one fact.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FactPeriod {
    #[schema(value_type = Object)]
    value: Value,
    /// First day it holds; `null`: from the beginning.
    #[schema(value_type = Option<String>, format = Date)]
    valid_from: Option<NaiveDate>,
    /// First day it no longer holds; `null`: until further notice.
    #[schema(value_type = Option<String>, format = Date)]
    valid_to: Option<NaiveDate>,
    recorded_at: DateTime<Utc>,
    /// When a later change replaced this knowledge; `null`: still on record.
    superseded_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    recorded_by: String,
}

/// The timeline of every fact of an entity.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct History {
    entity_id: uuid::Uuid,
    /// Fact (`legal_name`, `status`, `custom.matter_number`, …) → its versions in time order.
    #[schema(value_type = Object)]
    facts: BTreeMap<String, Vec<FactPeriod>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryQuery {
    /// The timeline as on record at this time (default now).
    #[param(value_type = Option<String>, format = DateTime)]
    known_at: Option<String>,
    /// `true`: every version ever recorded, superseded ones included.
    #[param(value_type = Option<bool>)]
    include_superseded: Option<String>,
}

/// The timeline of every fact of an entity.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/history",
    tag = "entities",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        HistoryQuery,
    ),
    responses((status = 200, description = "Every fact's versions", body = History), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn history(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<HistoryQuery>,
) -> Result<Json<History>, ApiError> {
    let scope = state.tenant_scope_limited(&caller, &slug, Action::Read).await?;
    let id = entity_id(&id)?;
    let all = match query.include_superseded.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::InvalidQuery(vec![FieldError::new(
                "include_superseded",
                "boolean",
                "must be true or false",
            )]));
        }
    };
    let known_at = AsOfQuery { as_of: None, known_at: query.known_at }.parse()?.known_at;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    if !tx.entity_exists(id).await? {
        return Err(ApiError::NotFound(Missing::Entity));
    }
    AppState::check_entity_scope(&mut tx, &scope, id, AsOf::latest(Utc::now().date_naive())).await?;
    let versions = tx.entity_history(id, (!all).then_some(known_at)).await?;
    tx.commit().await?;
    let mut facts: BTreeMap<String, Vec<FactPeriod>> = BTreeMap::new();
    for FactVersion { fact, value, valid_from, valid_to, recorded_at, superseded_at, reason, recorded_by } in versions {
        let superseded_at = superseded_at.filter(|_| all);
        facts.entry(fact).or_default().push(FactPeriod {
            value,
            valid_from,
            valid_to,
            recorded_at,
            superseded_at,
            reason,
            recorded_by,
        });
    }
    // Standard facts keep their documented order before custom ones.
    let order = |k: &String| STANDARD_FACTS.iter().position(|(n, _)| n == k).unwrap_or(usize::MAX);
    let mut ordered: Vec<(String, Vec<FactPeriod>)> = facts.into_iter().collect();
    ordered.sort_by_key(|(k, _)| (order(k), k.clone()));
    Ok(Json(History { entity_id: id.as_uuid(), facts: ordered.into_iter().collect() }))
}
