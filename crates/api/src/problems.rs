//! The error responses each kind of operation documents, so every route
//! lists them the same way. (Documentation only: at run time every error is
//! an `ApiError`.)

#![allow(dead_code)]

use utoipa::IntoResponses;

use crate::error::Problem;

/// Errors of an operation without a request body.
#[derive(IntoResponses)]
pub(crate) enum ReadProblems {
    /// A path or query parameter is malformed (`invalid_path_parameter`, `invalid_query_parameter`).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credentials (`unauthenticated`), or a key that is unknown, revoked or expired (`invalid_credentials`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller's role does not allow this (`forbidden`).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such tenant or resource, or no access to the tenant (`tenant_not_found`, `entity_not_found`, …).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The tenant is being onboarded or a database is unavailable; retry after `Retry-After`.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Errors of an operation with a JSON request body.
#[derive(IntoResponses)]
pub(crate) enum WriteProblems {
    /// The body is not well-formed JSON (`invalid_json`), or a path parameter is malformed.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credentials (`unauthenticated`), or a key that is unknown, revoked or expired (`invalid_credentials`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller's role does not allow this (`forbidden`).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such tenant, or no access to it (`tenant_not_found`).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The body exceeds the size limit (`payload_too_large`).
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not `application/json` (`unsupported_media_type`).
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// A field breaks a rule (`validation_failed`); `errors` names each field and rule.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
    /// A database is unavailable or full; retry after `Retry-After`.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}
