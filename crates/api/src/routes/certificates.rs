//! Share certificates: the register of certificates of a certificated class
//! of shares, their status changes (cancel, report lost, replace) kept as
//! history, and the class's `certificated` flag.

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
    certificate::{
        Certificate, CertificateStatus, NewCertificate, Refusal, StatusAction, StatusChange, check_holding,
        parse_certificated,
    },
    ids::{EntityId, ShareCertificateId, ShareClassId, ShareTransactionId},
    shares::Ledger,
};
use charter_storage::{
    StoreError,
    data::{AuditRecord, CertificateClass, CertificateRecord, ShareClassRecord, TenantTx, TxMode},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::Caller,
    conditional::IdempotencyKey,
    error::{ApiError, Missing, Problem},
    extract::{JsonBody, PathParams, QueryParams},
    middleware::current_request_id,
    problems::{ReadProblems, WriteProblems},
    routes::shares::ShareClass,
};

/// A share certificate with its history.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ShareCertificate {
    id: uuid::Uuid,
    share_class_id: uuid::Uuid,
    /// The entity whose shares it evidences.
    issuer_id: uuid::Uuid,
    /// Unique within the class, e.g. `ORD-001`.
    number: String,
    /// `{"person_id": …}` or `{"entity_id": …}`.
    #[schema(value_type = Object)]
    holder: Value,
    shares: i64,
    issued_on: NaiveDate,
    /// `issued`, `cancelled`, `lost` or `replaced`: that of the latest event of `history`.
    status: String,
    /// The date the current status took effect (the cancellation or replacement date, …).
    status_from: NaiveDate,
    /// For a replaced certificate: the one issued in its place.
    replaced_by_id: Option<uuid::Uuid>,
    /// For a replacement: the certificate it replaced.
    replaces_id: Option<uuid::Uuid>,
    /// The ledger transaction it evidences.
    share_transaction_id: Option<uuid::Uuid>,
    /// Every status it had, in the order recorded, `issued` first.
    history: Vec<CertificateEvent>,
    recorded_at: DateTime<Utc>,
    recorded_by: String,
}

/// One entry of a certificate's history.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CertificateEvent {
    /// `issued`, `cancelled`, `lost` or `replaced`.
    status: String,
    effective_from: NaiveDate,
    /// For `replaced`: the certificate issued in its place.
    replacement_id: Option<uuid::Uuid>,
    reason: Option<String>,
    recorded_at: DateTime<Utc>,
    recorded_by: String,
}

impl From<CertificateRecord> for ShareCertificate {
    fn from(r: CertificateRecord) -> Self {
        let c = &r.certificate;
        let history = c
            .history
            .iter()
            .zip(r.history_recorded)
            .map(|(e, (recorded_at, recorded_by))| CertificateEvent {
                status: e.status.as_str().to_owned(),
                effective_from: e.effective_on,
                replacement_id: e.replacement.map(|id| id.as_uuid()),
                reason: e.reason.clone(),
                recorded_at,
                recorded_by,
            })
            .collect();
        Self {
            id: c.id.as_uuid(),
            share_class_id: c.class.as_uuid(),
            issuer_id: r.issuer.as_uuid(),
            number: c.number.clone(),
            holder: c.holder.to_json(),
            shares: c.shares,
            issued_on: c.issued_on,
            status: c.status().as_str().to_owned(),
            status_from: c.status_since(),
            replaced_by_id: c.replaced_by().map(|id| id.as_uuid()),
            replaces_id: r.replaces.map(|id| id.as_uuid()),
            share_transaction_id: c.share_transaction.map(|t| t.as_uuid()),
            history,
            recorded_at: r.recorded_at,
            recorded_by: r.recorded_by,
        }
    }
}

/// A new certificate.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through NewCertificate
pub(crate) struct ShareCertificateWrite {
    /// 1 to 50 characters, unique within the class, e.g. `ORD-001`.
    number: String,
    /// `{"person_id": …}` or `{"entity_id": …}`: a holder of the class on `issued_on`.
    #[schema(value_type = Object)]
    holder: Value,
    /// At most the holder's shares of the class on `issued_on`, less their other outstanding certificates.
    shares: i64,
    /// Default today; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    issued_on: Option<String>,
    /// The ledger transaction by which the holder received the shares.
    share_transaction_id: Option<uuid::Uuid>,
    reason: Option<String>,
}

/// A cancellation or a report of a lost certificate.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through StatusChange
pub(crate) struct CertificateStatusWrite {
    /// Default today; not before the certificate's current status, not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    reason: Option<String>,
}

/// A replacement: a new certificate for the same holder and shares.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through StatusChange
pub(crate) struct CertificateReplacementWrite {
    /// The new certificate's number, unique within the class.
    number: String,
    /// The replacement date (the new certificate's issue date); default today.
    #[schema(value_type = Option<String>, format = Date)]
    effective_from: Option<String>,
    reason: Option<String>,
}

/// A change to a class of shares: only whether it issues certificates.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsing goes through parse_certificated
pub(crate) struct ShareClassUpdate {
    certificated: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CertificateFilters {
    /// Only certificates with this status: `issued`, `cancelled`, `lost` or `replaced`.
    status: Option<String>,
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn class_param(raw: &str) -> Result<ShareClassId, ApiError> {
    ShareClassId::parse("class_id", raw).map_err(|e| ApiError::InvalidPath(vec![e]))
}

fn certificate_param(raw: &str) -> Result<ShareCertificateId, ApiError> {
    ShareCertificateId::parse("id", raw).map_err(|e| ApiError::InvalidPath(vec![e]))
}

fn class_not_found() -> ApiError {
    ApiError::NotFound(Missing::ShareClass)
}

fn certificate_not_found() -> ApiError {
    ApiError::NotFound(Missing::ShareCertificate)
}

fn duplicate(number: &str) -> ApiError {
    ApiError::Conflict(format!("the class already has a certificate numbered {number}; numbers are unique per class"))
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::State(detail) => ApiError::Conflict(detail),
        Refusal::Invalid(error) => ApiError::Validation(vec![error]),
    }
}

/// The class, with its issuer locked for the rest of the transaction, read
/// again after the lock; 404 if there is no such class.
async fn open_register(tx: &mut TenantTx, class: ShareClassId) -> Result<CertificateClass, ApiError> {
    let found = tx.certificate_class(class).await?.ok_or_else(class_not_found)?;
    tx.lock_share_capital(found.issuer).await?;
    tx.certificate_class(class).await?.ok_or_else(class_not_found)
}

/// The issuer's ledger, replayed by the domain.
async fn ledger_of(tx: &mut TenantTx, issuer: EntityId) -> Result<Ledger, ApiError> {
    Ok(tx.replayed_ledger(issuer).await?)
}

/// Records a certificate; a number taken meanwhile is a 409 like one taken before.
async fn record(tx: &mut TenantTx, certificate: &Certificate, actor: &str) -> Result<(), ApiError> {
    match tx.record_share_certificate(certificate, actor).await {
        Err(StoreError::Conflict { constraint }) if constraint == "share_certificate_number" => {
            Err(duplicate(&certificate.number))
        }
        other => Ok(other?),
    }
}

async fn read_back(tx: &mut TenantTx, id: ShareCertificateId) -> Result<Value, ApiError> {
    let record = tx.share_certificate(id).await?.ok_or_else(|| ApiError::Internal("certificate vanished".into()))?;
    to_json(&ShareCertificate::from(record))
}

fn audit<'a>(
    actor: &'a str,
    action: &'a str,
    id: ShareCertificateId,
    before: Option<Value>,
    after: Option<Value>,
    change: Option<Value>,
) -> AuditRecord<'a> {
    AuditRecord {
        actor,
        action,
        resource_type: "share_certificate",
        resource_id: Some(id.to_string()),
        request_id: None,
        before,
        after,
        change,
    }
}

fn created(slug: &str, id: ShareCertificateId, json: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(json)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/tenants/{slug}/share-certificates/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A holder of the tenant other than the issuer, and the transaction the
/// certificate evidences (one by which the holder received shares of the class).
async fn check_parties(tx: &mut TenantTx, class: &CertificateClass, new: &NewCertificate) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let exists = match new.holder {
        Holder::Person(p) => tx.person_exists(p).await?,
        Holder::Entity(e) => tx.entity_exists(e).await?,
        Holder::Joint(j) => tx.joint_holding_exists(j).await?,
    };
    if !exists {
        errors.push(FieldError::new(
            "holder",
            "exists",
            "no person, entity or joint holding with this id in this tenant",
        ));
    }
    if new.holder == Holder::Entity(class.issuer) {
        errors.push(FieldError::new("holder", "not_issuer", "an entity cannot hold its own shares here"));
    }
    if let Some(id) = new.share_transaction {
        errors.extend(evidence_error(tx, class.id, new.holder, id).await?);
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

async fn evidence_error(
    tx: &mut TenantTx,
    class: ShareClassId,
    holder: Holder,
    id: ShareTransactionId,
) -> Result<Option<FieldError>, ApiError> {
    let Some(record) = tx.share_transaction(id).await? else {
        return Ok(Some(FieldError::new(
            "share_transaction_id",
            "exists",
            "no share transaction with this id in this tenant",
        )));
    };
    let t = record.transaction;
    let received = t.to == Some(holder) && t.to_class.unwrap_or(t.class) == class;
    Ok((!received).then(|| {
        FieldError::new(
            "share_transaction_id",
            "evidences",
            "must be a transaction by which the holder received shares of this class",
        )
    }))
}

/// Issue a share certificate of a certificated class (editors and admins).
///
/// Refused (422, `shares`) if the holder holds fewer shares of the class on
/// `issued_on` (`exceeds_holding`), or if their outstanding certificates
/// would then cover more shares than they hold (`outstanding_exceeds_holding`);
/// 422 (`share_class_id`, `certificated`) if the class does not issue
/// certificates; 409 if the number is taken in the class.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-classes/{class_id}/certificates",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("class_id" = uuid::Uuid, Path, description = "The class of shares"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the request with the same key to get the first result"),
    ),
    request_body = ShareCertificateWrite,
    responses(
        (status = 201, description = "Issued", body = ShareCertificate, headers(("Location" = String))),
        (status = 409, description = "The number is taken in the class (`conflict`)", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, class_id)): PathParams<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let class = class_param(&class_id)?;
    let new = NewCertificate::parse(&body, today())?;
    let idempotency =
        IdempotencyKey::from_request(&headers, &format!("/certificates {slug} {class}"), &Value::Object(body.clone()))?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    if let Some(key) = &idempotency
        && let Some(replay) = IdempotencyKey::replay(tx.claim_idempotency(&key.key, &key.request_hash).await?)?
    {
        return Ok(replay);
    }
    let register = open_register(&mut tx, class).await?;
    if !register.certificated {
        return Err(ApiError::Validation(vec![FieldError::new(
            "share_class_id",
            "certificated",
            "the class does not issue certificates: set it certificated first (PATCH …/share-classes/{class_id})",
        )]));
    }
    check_parties(&mut tx, &register, &new).await?;
    if tx.certificate_number_taken(class, &new.number).await? {
        return Err(duplicate(&new.number));
    }
    let certificate = Certificate::issue(class, &new);
    let others: Vec<Certificate> = tx.share_certificates(class).await?.into_iter().map(|r| r.certificate).collect();
    let ledger = ledger_of(&mut tx, register.issuer).await?;
    check_holding(&ledger, &certificate, &others).map_err(|e| ApiError::Validation(vec![e]))?;
    let actor = scope.grant.actor().to_string();
    record(&mut tx, &certificate, &actor).await?;
    let json = read_back(&mut tx, certificate.id).await?;
    let request_id = current_request_id();
    tx.append_audit(&AuditRecord {
        request_id: request_id.as_deref(),
        ..audit(&actor, "share_certificate.issue", certificate.id, None, Some(json.clone()), None)
    })
    .await?;
    if let Some(key) = &idempotency {
        let location = format!("/api/v1/tenants/{}/share-certificates/{}", scope.slug, certificate.id);
        tx.settle_idempotency(&key.key, 201, &json, Some(&location)).await?;
    }
    tx.commit().await?;
    Ok(created(&scope.slug.to_string(), certificate.id, json))
}

/// The certificates of a class, in the order recorded (optionally only those with a status).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/share-classes/{class_id}/certificates",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("class_id" = uuid::Uuid, Path, description = "The class of shares"),
        CertificateFilters,
    ),
    responses((status = 200, description = "The certificates", body = Vec<ShareCertificate>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, class_id)): PathParams<(String, String)>,
    QueryParams(filters): QueryParams<CertificateFilters>,
) -> Result<Json<Vec<ShareCertificate>>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let class = class_param(&class_id)?;
    let status = filters
        .status
        .as_deref()
        .map(|raw| CertificateStatus::parse("status", raw))
        .transpose()
        .map_err(|e| ApiError::InvalidQuery(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    if tx.certificate_class(class).await?.is_none() {
        return Err(class_not_found());
    }
    let records = tx.share_certificates(class).await?;
    tx.commit().await?;
    Ok(Json(
        records
            .into_iter()
            .filter(|r| status.is_none_or(|s| r.certificate.status() == s))
            .map(ShareCertificate::from)
            .collect(),
    ))
}

/// One share certificate with its history.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/share-certificates/{id}",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The certificate's id"),
    ),
    responses((status = 200, description = "The certificate", body = ShareCertificate), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Json<ShareCertificate>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Read).await?;
    let id = certificate_param(&id)?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let found = tx.share_certificate(id).await?.ok_or_else(certificate_not_found)?;
    tx.commit().await?;
    Ok(Json(found.into()))
}

/// Cancel a certificate (editors and admins): an issued or lost certificate
/// becomes `cancelled` from `effective_from`. 409 if it is already cancelled
/// or replaced.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-certificates/{id}/cancel",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The certificate's id"),
    ),
    request_body = CertificateStatusWrite,
    responses(
        (status = 200, description = "Cancelled", body = ShareCertificate),
        (status = 409, description = "The certificate's status does not allow it (`conflict`)", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    change_status(&state, &caller, &slug, &id, &body, StatusAction::Cancel).await
}

/// Report a certificate lost (editors and admins): an issued certificate
/// becomes `lost` from `effective_from`, no longer counts as outstanding and
/// may be replaced. 409 unless it is `issued`.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-certificates/{id}/report-lost",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The certificate's id"),
    ),
    request_body = CertificateStatusWrite,
    responses(
        (status = 200, description = "Reported lost", body = ShareCertificate),
        (status = 409, description = "The certificate's status does not allow it (`conflict`)", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn report_lost(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    change_status(&state, &caller, &slug, &id, &body, StatusAction::ReportLost).await
}

/// Replace a certificate (editors and admins): a new certificate numbered
/// `number` for the same holder and shares, issued on `effective_from`; the
/// old one (issued or lost) becomes `replaced`, naming the new one. Returns
/// the new certificate. 409 if the old one is already cancelled or replaced
/// or the number is taken; 422 (`shares`) if the holder no longer holds the
/// shares on that date.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/share-certificates/{id}/replace",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The certificate to replace"),
    ),
    request_body = CertificateReplacementWrite,
    responses(
        (status = 201, description = "The replacement", body = ShareCertificate, headers(("Location" = String))),
        (status = 409, description = "The certificate's status does not allow it, or the number is taken (`conflict`)", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    change_status(&state, &caller, &slug, &id, &body, StatusAction::Replace).await
}

async fn change_status(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    id: &str,
    body: &Map<String, Value>,
    action: StatusAction,
) -> Result<Response, ApiError> {
    let scope = state.tenant_scope(caller, slug, Action::Write).await?;
    let id = certificate_param(id)?;
    let change = StatusChange::parse(action, body, today())?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let found = tx.share_certificate(id).await?.ok_or_else(certificate_not_found)?;
    tx.lock_share_capital(found.issuer).await?;
    // Read again under the lock: another change may have been committed meanwhile.
    let found = tx.share_certificate(id).await?.ok_or_else(certificate_not_found)?;
    let before = to_json(&ShareCertificate::from(found.clone()))?;
    let old = found.certificate;
    let actor = scope.grant.actor().to_string();
    let request_id = current_request_id();
    let request_id = request_id.as_deref();
    let change_json = Some(Value::Object(body.clone()));
    let Some(number) = change.number.as_deref().filter(|_| action == StatusAction::Replace) else {
        let event = old.change(&change, None).map_err(refused)?;
        tx.record_certificate_event(id, &event, &actor).await?;
        let after = read_back(&mut tx, id).await?;
        let name = match action {
            StatusAction::Cancel => "share_certificate.cancel",
            _ => "share_certificate.report_lost",
        };
        tx.append_audit(&AuditRecord {
            request_id,
            ..audit(&actor, name, id, Some(before), Some(after.clone()), change_json)
        })
        .await?;
        tx.commit().await?;
        return Ok((StatusCode::OK, Json(after)).into_response());
    };
    let new = old.replacement(number, &change);
    let event = old.change(&change, Some(new.id)).map_err(refused)?;
    if tx.certificate_number_taken(old.class, number).await? {
        return Err(duplicate(number));
    }
    let replaced = old.with_event(event.clone());
    let others: Vec<Certificate> = tx
        .share_certificates(old.class)
        .await?
        .into_iter()
        .map(|r| if r.certificate.id == id { replaced.clone() } else { r.certificate })
        .collect();
    let ledger = ledger_of(&mut tx, found.issuer).await?;
    check_holding(&ledger, &new, &others).map_err(|e| ApiError::Validation(vec![e]))?;
    record(&mut tx, &new, &actor).await?;
    tx.record_certificate_event(id, &event, &actor).await?;
    let after = read_back(&mut tx, id).await?;
    let issued = read_back(&mut tx, new.id).await?;
    tx.append_audit(&AuditRecord {
        request_id,
        ..audit(&actor, "share_certificate.replace", id, Some(before), Some(after), change_json)
    })
    .await?;
    tx.append_audit(&AuditRecord {
        request_id,
        ..audit(&actor, "share_certificate.issue", new.id, None, Some(issued.clone()), Some(json!({"replaces_id": id})))
    })
    .await?;
    tx.commit().await?;
    Ok(created(&scope.slug.to_string(), new.id, issued))
}

/// Set whether a class of shares issues certificates (editors and admins).
///
/// A class with outstanding (issued or lost) certificates stays certificated
/// (422, `certificated`, `has_certificates`) until they are cancelled.
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{slug}/share-classes/{class_id}",
    tag = "share capital",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("class_id" = uuid::Uuid, Path, description = "The class of shares"),
    ),
    request_body = ShareClassUpdate,
    responses((status = 200, description = "The class", body = ShareClass), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn update_class(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, class_id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let class = class_param(&class_id)?;
    let certificated = parse_certificated(&body)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let register = open_register(&mut tx, class).await?;
    let record = tx.share_classes(None, Some(class)).await?.pop().ok_or_else(class_not_found)?;
    let before = to_json(&ShareClass::from(record.clone()))?;
    if certificated == register.certificated {
        tx.commit().await?;
        return Ok(Json(before));
    }
    if !certificated {
        let open = tx.share_certificates(class).await?.iter().filter(|r| !r.certificate.status().is_final()).count();
        if open > 0 {
            return Err(ApiError::Validation(vec![FieldError::new(
                "certificated",
                "has_certificates",
                format!("the class has {open} issued or lost certificates: cancel or replace them first"),
            )]));
        }
    }
    tx.set_share_class_certificated(class, certificated).await?;
    let after = to_json(&ShareClass::from(ShareClassRecord { certificated, ..record }))?;
    let actor = scope.grant.actor().to_string();
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "share_class.update",
        resource_type: "share_class",
        resource_id: Some(class.to_string()),
        request_id: current_request_id().as_deref(),
        before: Some(before),
        after: Some(after.clone()),
        change: Some(Value::Object(body)),
    })
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
