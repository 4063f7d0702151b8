//! The one error type of the HTTP layer and its single mapping to RFC 9457
//! `application/problem+json`.
//!
//! Each variant has a stable `code` that clients may switch on. Messages of
//! 5xx errors are logged with the request id and never returned.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{FieldError, Invalid, access::Denied};
use charter_fleet::FleetError;
use charter_storage::{
    StoreError,
    data::{LEI_HELD_ONCE, REVERSED_ONCE},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::current_request_id;

/// What was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Route,
    Tenant,
    Entity,
    ApiKey,
    Person,
    Appointment,
    ShareTransaction,
    ShareClass,
    ShareCertificate,
    Membership,
}

#[derive(Debug)]
pub enum ApiError {
    /// The body is not JSON, or not well-formed.
    InvalidJson(String),
    /// A path parameter is malformed.
    InvalidPath(Vec<FieldError>),
    /// A query parameter is malformed.
    InvalidQuery(Vec<FieldError>),
    /// The body is JSON but breaks the resource's rules.
    Validation(Vec<FieldError>),
    /// No credentials were sent.
    Unauthenticated,
    /// The credentials are unknown, malformed, revoked or expired.
    InvalidCredentials,
    /// Authenticated, but the role does not allow this.
    Forbidden,
    /// A write authenticated by a session cookie came without its CSRF token.
    CsrfRejected,
    /// A sign-in through the identity provider did not complete (refused,
    /// replayed `state`, a token that does not verify).
    SignInFailed,
    /// The identity provider did not answer.
    ProviderUnavailable,
    NotFound(Missing),
    MethodNotAllowed,
    /// A request header is malformed.
    InvalidHeader(Vec<FieldError>),
    /// An update came without `If-Match`.
    PreconditionRequired,
    /// `If-Match` names a version that is no longer current.
    PreconditionFailed,
    /// An `Idempotency-Key` came back with a different request.
    IdempotencyKeyReused,
    /// The slug is taken by a tenant with other details.
    TenantConflict(String),
    /// The request conflicts with work under way.
    Conflict(String),
    PayloadTooLarge(usize),
    UnsupportedMediaType,
    /// The tenant exists but is still being onboarded.
    TenantNotReady,
    /// No database can take another tenant.
    NoCapacity,
    /// The tenant's writes are paused while it moves between databases.
    TenantFrozen,
    /// The tenant is over its tier's request rate; retry after the wait.
    RateLimited(std::time::Duration),
    /// A statement ran past the tenant's tier limit.
    StatementTimeout,
    /// A database did not answer (logged, not returned).
    Unavailable(String),
    /// A bug or a broken invariant (logged, not returned).
    Internal(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail())
    }
}

impl std::error::Error for ApiError {}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:charter:problem:validation_failed",
    "title": "The request breaks a rule",
    "status": 422,
    "detail": "slug: must match ^[a-z0-9][a-z0-9-]{1,62}$ (pattern)",
    "code": "validation_failed",
    "request_id": "0b0c3a7e-6a8f-4f7c-9d5e-2a6f1f0c9e11",
    "errors": [{"field": "slug", "rule": "pattern", "message": "must match ^[a-z0-9][a-z0-9-]{1,62}$"}]
}))]
pub struct Problem {
    /// `urn:charter:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// The `x-request-id` of the request, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Each offending field and the rule it broke.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field, as a path into the request (`name`, `addresses[0].city`) or a parameter name.
    pub field: String,
    /// Stable rule name: `required`, `pattern`, `max_length`, `one_of`, `uuid`, `type`, …
    pub rule: String,
    pub message: String,
}

impl ApiError {
    fn status_code_title(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Self::InvalidJson(_) => (S::BAD_REQUEST, "invalid_json", "The body is not valid JSON"),
            Self::InvalidPath(_) => (S::BAD_REQUEST, "invalid_path_parameter", "A path parameter is malformed"),
            Self::InvalidQuery(_) => (S::BAD_REQUEST, "invalid_query_parameter", "A query parameter is malformed"),
            Self::Validation(_) => (S::UNPROCESSABLE_ENTITY, "validation_failed", "The request breaks a rule"),
            Self::Unauthenticated => (S::UNAUTHORIZED, "unauthenticated", "Credentials are required"),
            Self::InvalidCredentials => (S::UNAUTHORIZED, "invalid_credentials", "The credentials are not valid"),
            Self::Forbidden => (S::FORBIDDEN, "forbidden", "Not allowed"),
            Self::CsrfRejected => (S::FORBIDDEN, "csrf_token_invalid", "The CSRF token is missing or wrong"),
            Self::SignInFailed => (S::UNAUTHORIZED, "sign_in_failed", "The sign-in did not complete"),
            Self::ProviderUnavailable => {
                (S::SERVICE_UNAVAILABLE, "identity_provider_unavailable", "The identity provider cannot be reached")
            }
            Self::NotFound(Missing::Route) => (S::NOT_FOUND, "not_found", "No such resource"),
            Self::NotFound(Missing::Tenant) => (S::NOT_FOUND, "tenant_not_found", "No such tenant"),
            Self::NotFound(Missing::Entity) => (S::NOT_FOUND, "entity_not_found", "No such entity"),
            Self::NotFound(Missing::ApiKey) => (S::NOT_FOUND, "api_key_not_found", "No such API key"),
            Self::NotFound(Missing::Person) => (S::NOT_FOUND, "person_not_found", "No such person"),
            Self::NotFound(Missing::Appointment) => (S::NOT_FOUND, "appointment_not_found", "No such appointment"),
            Self::NotFound(Missing::ShareTransaction) => {
                (S::NOT_FOUND, "share_transaction_not_found", "No such share transaction")
            }
            Self::NotFound(Missing::ShareClass) => (S::NOT_FOUND, "share_class_not_found", "No such share class"),
            Self::NotFound(Missing::ShareCertificate) => {
                (S::NOT_FOUND, "share_certificate_not_found", "No such share certificate")
            }
            Self::NotFound(Missing::Membership) => (S::NOT_FOUND, "membership_not_found", "No such membership"),
            Self::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed"),
            Self::InvalidHeader(_) => (S::BAD_REQUEST, "invalid_header", "A request header is malformed"),
            Self::PreconditionRequired => (S::PRECONDITION_REQUIRED, "precondition_required", "Updates need If-Match"),
            Self::PreconditionFailed => {
                (S::PRECONDITION_FAILED, "precondition_failed", "The resource changed since it was read")
            }
            Self::IdempotencyKeyReused => {
                (S::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "The Idempotency-Key was used for another request")
            }
            Self::TenantConflict(_) => (S::CONFLICT, "tenant_conflict", "The slug belongs to another tenant"),
            Self::Conflict(_) => (S::CONFLICT, "conflict", "Conflicts with work under way"),
            Self::PayloadTooLarge(_) => (S::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is too large"),
            Self::UnsupportedMediaType => {
                (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "The body must be application/json")
            }
            Self::TenantNotReady => (S::SERVICE_UNAVAILABLE, "tenant_not_ready", "The tenant is being onboarded"),
            Self::NoCapacity => (S::SERVICE_UNAVAILABLE, "no_capacity", "No database can take another tenant"),
            Self::TenantFrozen => (S::SERVICE_UNAVAILABLE, "tenant_frozen", "The tenant is moving; writes are paused"),
            Self::RateLimited(_) => (S::TOO_MANY_REQUESTS, "rate_limited", "Too many requests for this tenant"),
            Self::StatementTimeout => {
                (S::SERVICE_UNAVAILABLE, "statement_timeout", "The request ran past the tenant's time limit")
            }
            Self::Unavailable(_) => (S::SERVICE_UNAVAILABLE, "unavailable", "A database is unavailable"),
            Self::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }

    /// The public, human-readable detail.
    fn detail(&self) -> String {
        let fields = |errors: &[FieldError]| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        match self {
            Self::InvalidJson(detail) => detail.clone(),
            Self::InvalidPath(errors)
            | Self::InvalidQuery(errors)
            | Self::Validation(errors)
            | Self::InvalidHeader(errors) => fields(errors),
            Self::PreconditionRequired => {
                "send If-Match with the ETag you read, so that you do not overwrite a change you have not seen".into()
            }
            Self::PreconditionFailed => "the ETag in If-Match is not the current one: read the resource again".into(),
            Self::IdempotencyKeyReused => {
                "this Idempotency-Key was used with a different request; use a new key".into()
            }
            Self::Unauthenticated => {
                "send an API key or the identity provider's access token as `Authorization: Bearer …`, or sign in at /auth/login".into()
            }
            Self::InvalidCredentials => "the credentials are unknown, revoked, expired or not valid here".into(),
            Self::Forbidden => "your role does not allow this action".into(),
            Self::CsrfRejected => {
                "a write with a session cookie needs the session's CSRF token in `X-CSRF-Token` (see GET /api/v1/me)".into()
            }
            Self::SignInFailed => "start again at /auth/login".into(),
            Self::ProviderUnavailable => "the identity provider did not answer; retry shortly".into(),
            Self::NotFound(Missing::Route) => "no resource at this path".into(),
            Self::NotFound(Missing::Tenant) => "no tenant with this slug is accessible to you".into(),
            Self::NotFound(Missing::Entity) => "no entity with this id in this tenant (as of the date asked)".into(),
            Self::NotFound(Missing::ApiKey) => "no API key with this id in this tenant".into(),
            Self::NotFound(Missing::Person) => "no person with this id in this tenant".into(),
            Self::NotFound(Missing::Appointment) => "no appointment with this id in this tenant".into(),
            Self::NotFound(Missing::ShareTransaction) => "no share transaction with this id in this tenant".into(),
            Self::NotFound(Missing::ShareClass) => "no share class with this id in this tenant".into(),
            Self::NotFound(Missing::ShareCertificate) => "no share certificate with this id in this tenant".into(),
            Self::NotFound(Missing::Membership) => "no membership with this id in this tenant".into(),
            Self::MethodNotAllowed => "this resource does not support this method".into(),
            Self::TenantConflict(slug) => {
                format!(
                    "tenant {slug} exists with a different name or placement; onboarding is idempotent only for the same request"
                )
            }
            Self::Conflict(detail) => detail.clone(),
            Self::PayloadTooLarge(limit) => format!("the body exceeds the limit of {limit} bytes"),
            Self::UnsupportedMediaType => "send the body with `Content-Type: application/json`".into(),
            Self::TenantNotReady => "the tenant is being onboarded; retry shortly".into(),
            Self::NoCapacity => "every shared database is full; an operator must add one".into(),
            Self::TenantFrozen => "the tenant is moving to another database; reads go on, retry writes shortly".into(),
            Self::RateLimited(wait) => {
                format!("the tenant's request rate is exhausted; retry in {} ms", wait.as_millis().max(1))
            }
            Self::StatementTimeout => "a statement ran past the tenant's tier limit; narrow the request".into(),
            Self::Unavailable(_) => "a database did not answer; retry shortly".into(),
            Self::Internal(_) => "an internal error occurred; quote the request id to support".into(),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::InvalidPath(errors)
            | Self::InvalidQuery(errors)
            | Self::Validation(errors)
            | Self::InvalidHeader(errors) => errors,
            _ => &[],
        }
    }

    /// The stable code, for logs and tests.
    pub fn code(&self) -> &'static str {
        self.status_code_title().1
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.status_code_title();
        let request_id = current_request_id();
        match &self {
            Self::Internal(message) => tracing::error!(code, request_id, message, "request failed"),
            Self::Unavailable(message) => {
                tracing::warn!(code, request_id, message, "request failed")
            }
            _ => tracing::debug!(code, request_id, status = status.as_u16(), "request refused"),
        }
        let problem = Problem {
            problem_type: format!("urn:charter:problem:{code}"),
            title,
            status: status.as_u16(),
            detail: self.detail(),
            code,
            request_id,
            errors: self
                .field_errors()
                .iter()
                .map(|e| ProblemField { field: e.field.clone(), rule: e.rule.to_owned(), message: e.message.clone() })
                .collect(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"charter\""));
            }
            Self::TenantNotReady | Self::Unavailable(_) | Self::NoCapacity | Self::TenantFrozen => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::RateLimited(wait) => {
                // Whole seconds, rounded up (RFC 9110 delay-seconds).
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Validation(errors)
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            // Indistinguishable from an unknown tenant, on purpose.
            Denied::NoAccess => Self::NotFound(Missing::Tenant),
            Denied::RoleTooWeak => Self::Forbidden,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(message) => Self::Unavailable(message),
            StoreError::TenantFrozen => Self::TenantFrozen,
            StoreError::Timeout => Self::StatementTimeout,
            // Another entity got the LEI between the check and the write
            // (the check names it; here a concurrent write committed first).
            StoreError::Rejected { constraint: Some(c), .. } if c == LEI_HELD_ONCE => {
                Self::Validation(vec![FieldError::new(
                    "lei",
                    "unique_lei",
                    "another entity of this tenant was given this LEI at the same time",
                )])
            }
            // Two reversals of one transaction: the second waited for the
            // first to commit (both hold the issuer's lock in turn).
            StoreError::Conflict { constraint } if constraint == REVERSED_ONCE => {
                Self::Validation(vec![FieldError::new(
                    "id",
                    "reversed_once",
                    "the transaction was reversed already; record it again to reinstate it",
                )])
            }
            // An exclusion constraint caught two versions of one fact (or
            // term) overlapping: a concurrent write got there first.
            StoreError::Rejected { sqlstate, .. } if sqlstate == "23P01" => Self::Conflict(
                "another change to the same fact and period was recorded at the same time; read it again and retry"
                    .into(),
            ),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<FleetError> for ApiError {
    fn from(error: FleetError) -> Self {
        match error {
            FleetError::SlugTaken { existing } => Self::TenantConflict(existing.slug.to_string()),
            FleetError::NoSharedCapacity | FleetError::NoDedicatedServer => Self::NoCapacity,
            FleetError::Store(e) => e.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Fallback for unknown paths.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound(Missing::Route)
}

/// Fallback for known paths with an unsupported method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
