//! Share capital: classes, the ledger, and the register of members as of a date.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError,
    access::Action,
    appointment::Holder,
    ids::{EntityId, JointHoldingId, PersonId, ShareClassId, ShareTransactionId},
    joint::JointHolding,
    shares::{AuthorisedChange, ClassTerms, ShareClassInput, Transaction, weigh},
};
use charter_storage::data::{AuditRecord, ShareClassRecord, TenantTx, TransactionRecord, TxMode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    conditional::{AsOfQuery, IdempotencyKey},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams, QueryParams, entity_id},
    group::holdings_of,
    middleware::current_request_id,
    problems::{ReadProblems, WriteProblems},
};

/// A class of shares.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ShareClass {
    id: uuid::Uuid,
    entity_id: uuid::Uuid,
    name: String,
    /// ISO 4217.
    currency: String,
    /// Decimal text, e.g. `"0.01"`.
    nominal_value: String,
    /// Decimal text, e.g. `"1"`.
    votes_per_share: String,
    /// Authorised shares today; `null`: unlimited.
    authorised_shares: Option<i64>,
    /// The authorised capital over time.
    authorised_history: Vec<AuthorisedPeriod>,
    /// Whether the class issues share certificates (set with
    /// `PATCH …/share-classes/{class_id}`).
    certificated: bool,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthorisedPeriod {
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    /// `null`: unlimited.
    authorised_shares: Option<i64>,
}

impl From<ShareClassRecord> for ShareClass {
    fn from(c: ShareClassRecord) -> Self {
        let today = Utc::now().date_naive();
        let authorised_shares = c
            .authorised
            .iter()
            .find(|(from, to, _)| *from <= today && to.is_none_or(|to| today < to))
            .and_then(|v| v.2);
        Self {
            id: c.id.as_uuid(),
            entity_id: c.entity.as_uuid(),
            name: c.name,
            currency: c.currency,
            nominal_value: c.nominal_value.to_text(),
            votes_per_share: c.votes_per_share.to_text(),
            authorised_shares,
            authorised_history: c
                .authorised
                .into_iter()
                .map(|(valid_from, valid_to, authorised_shares)| AuthorisedPeriod {
                    valid_from,
                    valid_to,
                    authorised_shares,
                })
                .collect(),
            certificated: c.certificated,
            created_at: c.created_at,
        }
    }
}

/// A new class of shares.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through ShareClassInput
pub(crate) struct ShareClassWrite {
    name: String,
    /// ISO 4217, e.g. `EUR`.
    currency: String,
    /// Decimal (string or number) ≥ 0, up to 6 decimals; default 0.
    #[schema(value_type = Option<String>, example = "1.00")]
    nominal_value: Option<Value>,
    /// Decimal ≥ 0; default 1.
    #[schema(value_type = Option<String>, example = "1")]
    votes_per_share: Option<Value>,
    /// Whole number ≥ 1, or `null` for unlimited.
    authorised_shares: Option<i64>,
    /// The first day the authorised capital holds; default today.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    reason: Option<String>,
}

/// A transaction of the share ledger.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ShareTransaction {
    id: uuid::Uuid,
    /// The entity whose shares these are.
    issuer_id: uuid::Uuid,
    /// `issuance`, `transfer`, `cancellation`, `split`, `conversion` or
    /// `reversal` (of the transaction in `reverses`).
    kind: String,
    share_class_id: uuid::Uuid,
    effective_from: NaiveDate,
    #[schema(value_type = Option<Object>)]
    from_holder: Option<Value>,
    #[schema(value_type = Option<Object>)]
    to_holder: Option<Value>,
    shares: i64,
    to_share_class_id: Option<uuid::Uuid>,
    to_shares: Option<i64>,
    ratio_numerator: Option<i64>,
    ratio_denominator: Option<i64>,
    reason: Option<String>,
    /// A reversal's transaction, taken back from its date on.
    reverses: Option<uuid::Uuid>,
    recorded_at: DateTime<Utc>,
    recorded_by: String,
}

impl From<TransactionRecord> for ShareTransaction {
    fn from(r: TransactionRecord) -> Self {
        let t = r.transaction;
        Self {
            id: t.id.as_uuid(),
            issuer_id: r.issuer.as_uuid(),
            kind: t.kind.as_str().to_owned(),
            share_class_id: t.class.as_uuid(),
            effective_from: t.effective_on,
            from_holder: t.from.map(Holder::to_json),
            to_holder: t.to.map(Holder::to_json),
            shares: t.shares,
            to_share_class_id: t.to_class.map(|c| c.as_uuid()),
            to_shares: t.to_shares,
            ratio_numerator: t.ratio.map(|r| r.0),
            ratio_denominator: t.ratio.map(|r| r.1),
            reason: t.reason,
            reverses: t.reverses.map(|id| id.as_uuid()),
            recorded_at: r.recorded_at,
            recorded_by: r.recorded_by,
        }
    }
}

/// A change of a class's authorised capital.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through AuthorisedChange::parse
pub(crate) struct AuthorisedCapitalWrite {
    /// Whole number ≥ 1, or `null` for unlimited.
    authorised_shares: Option<i64>,
    /// The first day it holds; default today.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    /// Why (the resolution); required when `effective_from` is before today.
    reason: Option<String>,
}

/// Change a class's authorised capital from a date on (editors and
/// admins): a resolution raising or lowering it, or lifting the limit.
///
/// What was on record from that date is superseded (later changes too);
/// the period running then ends on it. Refused (422 on
/// `authorised_shares`, `exceeds_authorised`, naming the date) if more
/// shares would then be issued at any date than authorised. Applying the
/// same change again changes nothing it did not already say.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-classes/{class_id}/authorised-capital",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("class_id" = uuid::Uuid, Path, description = "The class's id"),
    ),
    request_body = AuthorisedCapitalWrite,
    responses((status = 200, description = "The class with its authorised capital over time", body = ShareClass), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn change_authorised(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, class_id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<ShareClass>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let class = ShareClassId::parse("class_id", &class_id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let change = AuthorisedChange::parse(&body, Utc::now().date_naive())?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let issuer =
        tx.share_classes(None, Some(class)).await?.pop().ok_or(ApiError::NotFound(Missing::ShareClass))?.entity;
    // The audit's before image as it stands once writes to the issuer's
    // capital wait for this one.
    tx.lock_share_capital(issuer).await?;
    let before = tx.share_classes(None, Some(class)).await?.pop().ok_or(ApiError::NotFound(Missing::ShareClass))?;
    let actor = scope.grant.actor().to_string();
    tx.change_authorised_capital_checked(before.entity, class, &change, &actor).await?.map_err(|breach| {
        // The rule broken is the new limit's, whatever transaction meets it.
        let mut error = breach.to_field_error();
        error.field = "authorised_shares".into();
        ApiError::Validation(vec![error])
    })?;
    let after = tx.share_classes(None, Some(class)).await?.pop().ok_or(ApiError::NotFound(Missing::ShareClass))?;
    let to_json = |class: ShareClassRecord| {
        serde_json::to_value(ShareClass::from(class)).map_err(|e| ApiError::Internal(e.to_string()))
    };
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "share_class.authorise",
        resource_type: "share_class",
        resource_id: Some(class.to_string()),
        request_id: current_request_id().as_deref(),
        before: Some(to_json(before)?),
        after: Some(to_json(after.clone())?),
        change: Some(Value::Object(body)),
    })
    .await?;
    tx.commit().await?;
    Ok(Json(ShareClass::from(after)))
}

/// A transaction as the ledger shows it: with the names a reader needs and
/// whether it was taken back.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LedgerLine {
    #[serde(flatten)]
    transaction: ShareTransaction,
    /// The class's name.
    share_class: String,
    /// A conversion's target class's name.
    to_share_class: Option<String>,
    /// The holders' names today: a person's full name, an entity's legal
    /// name, a joint holding's persons.
    from_holder_name: Option<String>,
    to_holder_name: Option<String>,
    /// The reversal that took this transaction back, if any.
    reversed_by: Option<uuid::Uuid>,
}

/// A new ledger transaction. Which fields it needs depends on `kind`:
/// issuance (`to_holder`, `shares`), transfer (`from_holder`, `to_holder`,
/// `shares`), cancellation (`from_holder`, `shares`), split
/// (`ratio_numerator`, `ratio_denominator`), conversion (`from_holder`,
/// `shares`, `to_share_class_id`, optionally `to_shares` and `to_holder`).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through Transaction::parse
pub(crate) struct ShareTransactionWrite {
    kind: String,
    share_class_id: uuid::Uuid,
    /// `{"person_id": …}` or `{"entity_id": …}`.
    #[schema(value_type = Option<Object>)]
    from_holder: Option<Value>,
    #[schema(value_type = Option<Object>)]
    to_holder: Option<Value>,
    shares: Option<i64>,
    /// The date it takes effect; default today. A back-dated transaction is
    /// checked against every later date of the ledger.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    to_share_class_id: Option<uuid::Uuid>,
    to_shares: Option<i64>,
    ratio_numerator: Option<i64>,
    ratio_denominator: Option<i64>,
    reason: Option<String>,
}

/// One line of a register of members.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegisterLine {
    #[schema(value_type = Object)]
    holder: Value,
    holder_name: Option<String>,
    share_class_id: uuid::Uuid,
    share_class: String,
    shares: i64,
    /// Percent of the issuer's issued capital (by nominal value; by share
    /// count when every class has a nominal value of zero).
    capital_pct: f64,
    /// Percent of the votes.
    votes_pct: f64,
}

/// The register of members of an entity as of a date.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Register {
    entity_id: uuid::Uuid,
    as_of: NaiveDate,
    items: Vec<RegisterLine>,
}

/// Add a class of shares to an entity (editors and admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/entities/{id}/share-classes",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = ShareClassWrite,
    responses((status = 201, description = "Created", body = ShareClass), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn create_class(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let entity = entity_id(&id)?;
    let input = ShareClassInput::parse(&body, Utc::now().date_naive())?;
    let idempotency = IdempotencyKey::from_request(
        &headers,
        &format!("/entities/{entity}/share-classes {slug}"),
        &Value::Object(body.clone()),
    )?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    if !tx.entity_exists(entity).await? {
        return Err(ApiError::NotFound(Missing::Entity));
    }
    if tx.share_classes(Some(entity), None).await?.iter().any(|c| c.name == input.name) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            "unique",
            "the entity already has a class of shares with this name",
        )]));
    }
    let id = ShareClassId::generate();
    let actor = scope.grant.actor().to_string();
    tx.create_share_class(id, entity, &input, body.get("reason").and_then(Value::as_str), &actor).await?;
    let created = tx.share_classes(None, Some(id)).await?.pop().ok_or(ApiError::Internal("class vanished".into()))?;
    let created = ShareClass::from(created);
    let json = serde_json::to_value(&created).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "share_class.create",
        resource_type: "share_class",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(json.clone()),
        change: None,
    })
    .await?;
    if let Some(key) = &idempotency {
        tx.settle_idempotency(&key.key, 201, &json, None).await?;
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// The classes of shares of an entity.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/share-classes",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
    ),
    responses((status = 200, description = "The classes", body = Vec<ShareClass>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list_classes(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Json<Vec<ShareClass>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let entity = entity_id(&id)?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let classes = tx.share_classes(Some(entity), None).await?;
    tx.commit().await?;
    Ok(Json(classes.into_iter().map(ShareClass::from).collect()))
}

/// Checks that a transaction's classes and holders belong to the tenant and
/// one issuer (joint holders named by their persons: each person); returns
/// the issuer.
async fn check_parties(tx: &mut TenantTx, t: &Transaction, joint: &[JointHolding]) -> Result<EntityId, ApiError> {
    let mut errors = Vec::new();
    let class = tx.share_classes(None, Some(t.class)).await?.pop();
    if class.is_none() {
        errors.push(FieldError::new("share_class_id", "exists", "no class of shares with this id in this tenant"));
    }
    if let Some(to_class) = t.to_class {
        match tx.share_classes(None, Some(to_class)).await?.pop() {
            None => errors.push(FieldError::new(
                "to_share_class_id",
                "exists",
                "no class of shares with this id in this tenant",
            )),
            Some(target) if class.as_ref().is_some_and(|c| c.entity != target.entity) => errors.push(FieldError::new(
                "to_share_class_id",
                "same_issuer",
                "a conversion stays within the classes of one entity",
            )),
            Some(_) => {}
        }
    }
    for (field, holder) in [("from_holder", t.from), ("to_holder", t.to)] {
        let missing = match holder {
            Some(Holder::Person(p)) => !tx.person_exists(p).await?,
            Some(Holder::Entity(e)) => !tx.entity_exists(e).await?,
            Some(Holder::Joint(j)) => match joint.iter().find(|named| named.id == j) {
                Some(named) => {
                    for (index, person) in named.members().iter().enumerate() {
                        if !tx.person_exists(*person).await? {
                            errors.push(FieldError::new(
                                format!("{field}.joint_holders[{index}].person_id"),
                                "exists",
                                "no person with this id in this tenant",
                            ));
                        }
                    }
                    false
                }
                None => !tx.joint_holding_exists(j).await?,
            },
            None => false,
        };
        if missing {
            errors.push(FieldError::new(
                field,
                "exists",
                "no person, entity or joint holding with this id in this tenant",
            ));
        }
        if let (Some(Holder::Entity(e)), Some(c)) = (holder, &class)
            && e == c.entity
        {
            errors.push(FieldError::new(field, "not_issuer", "an entity cannot hold its own shares here"));
        }
    }
    match (class, errors.is_empty()) {
        (Some(class), true) => Ok(class.entity),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Record a transaction in a share ledger (editors and admins).
///
/// The ledger is append-only: a correction is a new transaction. The
/// transaction is refused (422, naming the date) if, replayed with it, the
/// ledger would leave any holder with fewer than zero shares or issue more
/// than authorised on any date — also dates after a back-dated transaction.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-transactions",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = ShareTransactionWrite,
    responses((status = 201, description = "Recorded", body = ShareTransaction, headers(("Location" = String))), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn record(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let idempotency =
        IdempotencyKey::from_request(&headers, &format!("/share-transactions {slug}"), &Value::Object(body.clone()))?;
    let (transaction, joint_holdings) = Transaction::parse(&body, Utc::now().date_naive())?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    let issuer = check_parties(&mut tx, &transaction, &joint_holdings).await?;
    let actor = scope.grant.actor().to_string();
    tx.record_joint_holdings(&joint_holdings, &actor).await?;
    tx.record_share_transaction_checked(issuer, &transaction, &actor)
        .await?
        .map_err(|breach| ApiError::Validation(vec![breach.to_field_error()]))?;
    let recorded = tx.share_transaction(transaction.id).await?.ok_or(ApiError::NotFound(Missing::ShareTransaction))?;
    let json = serde_json::to_value(ShareTransaction::from(recorded)).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "share_transaction.create",
        resource_type: "share_transaction",
        resource_id: Some(transaction.id.to_string()),
        request_id: current_request_id().as_deref(),
        before: None,
        after: Some(json.clone()),
        change: None,
    })
    .await?;
    let location = format!("/api/v1/tenants/{}/share-transactions/{}", scope.slug, transaction.id);
    commit_created(tx, idempotency.as_ref(), &location, json).await
}

/// Settles the idempotency key (if any), commits and answers 201 with the
/// new transaction at `location`.
async fn commit_created(
    mut tx: TenantTx,
    idempotency: Option<&IdempotencyKey>,
    location: &str,
    json: Value,
) -> Result<Response, ApiError> {
    if let Some(key) = idempotency {
        tx.settle_idempotency(&key.key, 201, &json, Some(location)).await?;
    }
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(json)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Why a transaction is taken back.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through reversal_reason
pub(crate) struct ReversalWrite {
    /// Required: the ledger keeps why (say, "recorded against the wrong holder").
    reason: String,
}

/// Reverse a transaction recorded in error (editors and admins).
///
/// A correction is a new transaction, never an edit: the reversal is
/// recorded now and takes the transaction back from its own date, so the
/// register as known from now on stands as if it had never been made, and
/// as known before, it did. Refused (422, naming the date) if the ledger
/// without it would break a rule at any date (say, a later transfer of the
/// shares it issued); a transaction is reversed once, and a reversal not at
/// all (record the transaction again instead). To amend, reverse and
/// record the corrected transaction.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-transactions/{id}/reversal",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The transaction to reverse"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = ReversalWrite,
    responses((status = 201, description = "Reversed", body = ShareTransaction, headers(("Location" = String))), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let id = ShareTransactionId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let idempotency = IdempotencyKey::from_request(
        &headers,
        &format!("/share-transactions/{id}/reversal {slug}"),
        &Value::Object(body.clone()),
    )?;
    let reason = reversal_reason(&body)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    let original = tx.share_transaction(id).await?.ok_or(ApiError::NotFound(Missing::ShareTransaction))?;
    let reversal = Transaction::reversal(&original.transaction, &reason)?;
    let actor = scope.grant.actor().to_string();
    // A second reversal of the transaction is refused by the database
    // (`REVERSED_ONCE`, 422 `reversed_once`).
    tx.record_share_reversal_checked(original.issuer, &reversal, &original.transaction, &actor)
        .await?
        .map_err(|breach| ApiError::Validation(vec![breach.to_field_error()]))?;
    let recorded = tx.share_transaction(reversal.id).await?.ok_or(ApiError::NotFound(Missing::ShareTransaction))?;
    let json = serde_json::to_value(ShareTransaction::from(recorded)).map_err(|e| ApiError::Internal(e.to_string()))?;
    let before =
        serde_json::to_value(ShareTransaction::from(original)).map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "share_transaction.reverse",
        resource_type: "share_transaction",
        resource_id: Some(id.to_string()),
        request_id: current_request_id().as_deref(),
        before: Some(before),
        after: Some(json.clone()),
        change: None,
    })
    .await?;
    let location = format!("/api/v1/tenants/{}/share-transactions/{}", scope.slug, reversal.id);
    commit_created(tx, idempotency.as_ref(), &location, json).await
}

/// The `reason` of a reversal's body, the only field it takes.
fn reversal_reason(body: &Map<String, Value>) -> Result<String, ApiError> {
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|k| k.as_str() != "reason")
        .map(|k| FieldError::new(k.clone(), "unknown_field", "is not a field of a reversal"))
        .collect();
    let reason = body.get("reason").and_then(Value::as_str).map(str::trim).filter(|r| !r.is_empty());
    if reason.is_none() {
        errors.push(FieldError::new("reason", "required", "say why the transaction is taken back"));
    }
    match reason {
        Some(reason) if errors.is_empty() => Ok(reason.to_owned()),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// One transaction of a share ledger.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/share-transactions/{id}",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The transaction's id"),
    ),
    responses((status = 200, description = "The transaction", body = ShareTransaction), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get_transaction(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Json<ShareTransaction>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let id = ShareTransactionId::parse("id", &id).map_err(|e| ApiError::InvalidPath(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let found = tx.share_transaction(id).await?.ok_or(ApiError::NotFound(Missing::ShareTransaction))?;
    tx.commit().await?;
    Ok(Json(found.into()))
}

/// The share ledger of an entity, in the order it takes effect.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/share-transactions",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
    ),
    responses((status = 200, description = "The ledger", body = Vec<LedgerLine>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Json<Vec<LedgerLine>>, ApiError> {
    Ok(Json(ledger_of(&state, &caller, &slug, &id).await?))
}

async fn ledger_of(state: &AppState, caller: &Caller, slug: &str, id: &str) -> Result<Vec<LedgerLine>, ApiError> {
    let scope = state.tenant_scope(caller, slug, Action::Read).await?;
    let entity = entity_id(id)?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let mut records = tx.share_ledger(entity).await?;
    let classes: BTreeMap<ShareClassId, String> =
        tx.share_classes(Some(entity), None).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let mut holders: Vec<Holder> =
        records.iter().flat_map(|r| [r.transaction.from, r.transaction.to]).flatten().collect();
    holders.sort_unstable();
    holders.dedup();
    let names = tx.holder_names(&holders, Utc::now().date_naive()).await?;
    let joint = joint_members(&mut tx, &holders).await?;
    tx.commit().await?;
    let reversed_by: BTreeMap<ShareTransactionId, ShareTransactionId> =
        records.iter().filter_map(|r| r.transaction.reverses.map(|original| (original, r.transaction.id))).collect();
    // Stable: the recorded order within a date.
    records.sort_by_key(|r| r.transaction.effective_on);
    let lines = records
        .into_iter()
        .map(|r| {
            let t = &r.transaction;
            let name = |h: Option<Holder>| h.and_then(|h| names.get(&h).cloned());
            let class_name = |c: ShareClassId| classes.get(&c).cloned();
            let (from, to) = (t.from, t.to);
            let share_class = class_name(t.class).unwrap_or_default();
            let to_share_class = t.to_class.and_then(class_name);
            let reversed_by = reversed_by.get(&t.id).map(|id| id.as_uuid());
            let mut transaction = ShareTransaction::from(r);
            // Joint holdings with their persons, as in the register.
            transaction.from_holder = from.map(|h| holder_json(h, &joint));
            transaction.to_holder = to.map(|h| holder_json(h, &joint));
            LedgerLine {
                transaction,
                share_class,
                to_share_class,
                from_holder_name: name(from),
                to_holder_name: name(to),
                reversed_by,
            }
        })
        .collect();
    Ok(lines)
}

/// The share ledger as CSV, one line per transaction in the order it takes
/// effect (the register of allotments and transfers a company keeps).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/share-transactions.csv",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
    ),
    responses(
        (status = 200, description = "effective_from,kind,share_class,from_type,from_id,from_name,to_type,to_id,to_name,shares,to_share_class,to_shares,ratio,reason,id,reverses,reversed_by,recorded_at,recorded_by", body = String, content_type = "text/csv"),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn ledger_csv(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    let lines = ledger_of(&state, &caller, &slug, &id).await?;
    let mut csv = String::from(LEDGER_CSV_HEADER);
    for line in &lines {
        let t = &line.transaction;
        let (from_type, from_id) = t.from_holder.as_ref().map(holder_kind_and_id).unwrap_or_default();
        let (to_type, to_id) = t.to_holder.as_ref().map(holder_kind_and_id).unwrap_or_default();
        let optional = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let id = |id: Option<uuid::Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
        let ratio = t.ratio_numerator.zip(t.ratio_denominator).map(|(n, d)| format!("{n}:{d}")).unwrap_or_default();
        let fields = [
            t.effective_from.to_string(),
            t.kind.clone(),
            line.share_class.clone(),
            from_type.to_owned(),
            from_id.to_owned(),
            line.from_holder_name.clone().unwrap_or_default(),
            to_type.to_owned(),
            to_id.to_owned(),
            line.to_holder_name.clone().unwrap_or_default(),
            t.shares.to_string(),
            line.to_share_class.clone().unwrap_or_default(),
            optional(t.to_shares),
            ratio,
            t.reason.clone().unwrap_or_default(),
            t.id.to_string(),
            id(t.reverses),
            id(line.reversed_by),
            t.recorded_at.to_rfc3339(),
            t.recorded_by.clone(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv_attachment(format!("share-ledger-{}.csv", entity_id(&id)?), csv)
}

const LEDGER_CSV_HEADER: &str = "effective_from,kind,share_class,from_type,from_id,from_name,to_type,to_id,to_name,\
    shares,to_share_class,to_shares,ratio,reason,id,reverses,reversed_by,recorded_at,recorded_by\n";

/// `("person" | "entity" | "joint_holding", id)` of a holder's JSON.
fn holder_kind_and_id(holder: &Value) -> (&'static str, &str) {
    let id = |key: &str| holder[key].as_str();
    match (id("person_id"), id("entity_id"), id("joint_holding_id")) {
        (Some(p), _, _) => ("person", p),
        (None, Some(e), _) => ("entity", e),
        (None, None, Some(j)) => ("joint_holding", j),
        _ => ("", ""),
    }
}

/// A CSV download named `name`.
fn csv_attachment(name: String, csv: String) -> Result<Response, ApiError> {
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv,
    )
        .into_response())
}

/// The register of members of an entity as of a date (and, with `known_at`,
/// as the ledger stood at that time).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/register",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        AsOfQuery,
    ),
    responses((status = 200, description = "Holdings by holder and class", body = Register), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(when): QueryParams<AsOfQuery>,
) -> Result<Json<Register>, ApiError> {
    Ok(Json(register_of(&state, &caller, &slug, &id, &when).await?))
}

async fn register_of(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    id: &str,
    when: &AsOfQuery,
) -> Result<Register, ApiError> {
    let scope = state.tenant_scope(caller, slug, Action::Read).await?;
    let entity = entity_id(id)?;
    let at = when.parse()?;
    let mut tx = state.read_entity(&scope, entity).await?;
    let classes: BTreeMap<ShareClassId, ShareClassRecord> =
        tx.share_classes(Some(entity), None).await?.into_iter().map(|c| (c.id, c)).collect();
    let holdings = holdings_of(&mut tx, &[entity], at).await?.remove(&entity).unwrap_or_default();
    let holders: Vec<Holder> = holdings.keys().map(|(_, h)| *h).collect();
    let names = tx.holder_names(&holders, at.date).await?;
    let joint = joint_members(&mut tx, &holders).await?;
    tx.commit().await?;
    Ok(Register {
        entity_id: entity.as_uuid(),
        as_of: at.date,
        items: register_lines(&classes, &holdings, &names, &joint),
    })
}

/// The persons of the joint holdings among `holders`, first-named first.
pub(crate) async fn joint_members(
    tx: &mut TenantTx,
    holders: &[Holder],
) -> Result<BTreeMap<JointHoldingId, Vec<PersonId>>, ApiError> {
    let joint: Vec<JointHoldingId> =
        holders.iter().filter_map(|h| if let Holder::Joint(j) = h { Some(*j) } else { None }).collect();
    Ok(tx.joint_holding_members(&joint).await?)
}

/// A holder as JSON; a joint holding with its persons, first-named first
/// (`{"joint_holding_id": …, "joint_holders": [{"person_id": …}, …]}`).
pub(crate) fn holder_json(holder: Holder, joint: &BTreeMap<JointHoldingId, Vec<PersonId>>) -> Value {
    let mut json = holder.to_json();
    if let Holder::Joint(j) = holder
        && let Some(members) = joint.get(&j)
    {
        json["joint_holders"] = members.iter().map(|p| serde_json::json!({ "person_id": p })).collect();
    }
    json
}

/// The register of members as CSV (one line per holder and class).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/entities/{id}/register.csv",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The entity's id"),
        AsOfQuery,
    ),
    responses(
        (status = 200, description = "holder_type,holder_id,holder_name,share_class,shares,capital_pct,votes_pct", body = String, content_type = "text/csv"),
        ReadProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn register_csv(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    QueryParams(when): QueryParams<AsOfQuery>,
) -> Result<Response, ApiError> {
    let register = register_of(&state, &caller, &slug, &id, &when).await?;
    let mut csv = String::from("holder_type,holder_id,holder_name,share_class,shares,capital_pct,votes_pct\n");
    for line in &register.items {
        let (kind, holder) = holder_kind_and_id(&line.holder);
        let fields = [
            kind.to_owned(),
            holder.to_owned(),
            line.holder_name.clone().unwrap_or_default(),
            line.share_class.clone(),
            line.shares.to_string(),
            line.capital_pct.to_string(),
            line.votes_pct.to_string(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv_attachment(format!("register-{}-{}.csv", register.entity_id, register.as_of), csv)
}

/// A CSV field, quoted when it holds a separator, a quote or a line break;
/// a leading formula character is escaped so spreadsheets show it as text.
fn csv_field(raw: &str) -> String {
    let text = if raw.starts_with(['=', '+', '-', '@']) && raw.parse::<f64>().is_err() {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// Lines of a register with each holding's share of capital and votes, largest first.
fn register_lines(
    classes: &BTreeMap<ShareClassId, ShareClassRecord>,
    holdings: &charter_domain::shares::Holdings,
    names: &std::collections::HashMap<Holder, String>,
    joint: &BTreeMap<JointHoldingId, Vec<PersonId>>,
) -> Vec<RegisterLine> {
    let terms: BTreeMap<ShareClassId, ClassTerms> = classes
        .iter()
        .map(|(id, c)| (*id, ClassTerms { nominal_value: c.nominal_value, votes_per_share: c.votes_per_share }))
        .collect();
    let percent = |fraction: f64| (fraction * 100.0 * 1e6).round() / 1e6;
    let mut lines: Vec<RegisterLine> = weigh(holdings, &terms)
        .into_iter()
        .map(|w| RegisterLine {
            holder: holder_json(w.holder, joint),
            holder_name: names.get(&w.holder).cloned(),
            share_class_id: w.class.as_uuid(),
            share_class: classes.get(&w.class).map(|c| c.name.clone()).unwrap_or_default(),
            shares: w.shares,
            capital_pct: percent(w.capital),
            votes_pct: percent(w.votes),
        })
        .collect();
    lines.sort_by(|a, b| b.shares.cmp(&a.shares).then_with(|| a.holder_name.cmp(&b.holder_name)));
    lines
}
