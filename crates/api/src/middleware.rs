//! The layers around every request: request ids, tracing, body limit,
//! panics as problems.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Request},
    http::{HeaderName, HeaderValue, Method, Response, header},
    middleware::{self, Next},
    response::IntoResponse,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::{OnResponse, TraceLayer},
};
use tracing::{Level, Span};

use crate::{AppState, error::ApiError};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being served, for problem documents and logs.
pub(crate) fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// CORS for the host platforms that embed the micro-frontend on their own
/// origin: bearer tokens only (no cookies across origins, so a session can
/// never be ridden by another site), the headers the API reads, and the ones
/// a client needs to see.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> =
        origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::ACCEPT,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::RETRY_AFTER,
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

pub(crate) fn wrap(app: Router, state: &AppState) -> Router {
    let app = match cors(&state.config().cors_origins) {
        Some(cors) => app.layer(cors),
        None => app,
    };
    app.layer(DefaultBodyLimit::max(state.config().max_body_bytes))
        .layer(middleware::from_fn(scope_request_id))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([axum::http::header::AUTHORIZATION]))
                // Keeps a client-supplied id (so a host platform can trace
                // its calls through), else makes one.
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<Body>| {
                            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                        })
                        .on_request(())
                        // Failures are logged once, where `ApiError` renders them.
                        .on_failure(())
                        .on_response(LogResponse),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response())),
        )
}

/// Logs each response: server errors as warnings, the rest at debug level
/// (an access log at info level would cost more than the requests).
#[derive(Clone, Copy)]
struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        if response.status().is_server_error() {
            tracing::event!(Level::WARN, status, latency_us, "served");
        } else {
            tracing::event!(Level::DEBUG, status, latency_us, "served");
        }
    }
}

/// Makes the request id available to error responses built deep inside handlers.
async fn scope_request_id(request: Request, next: Next) -> axum::response::Response {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    CURRENT_REQUEST_ID.scope(id, next.run(request)).await
}
