//! Charter's HTTP layer.
//!
//! Handlers are thin: extractors (caller and tenant first, body last), one or
//! two calls into the fleet or a `TenantTx`, a response. Every error becomes
//! an RFC 9457 problem in one place, [`error::ApiError`]. Every route is
//! declared with `#[utoipa::path]`, so the OpenAPI document served at
//! `/api/openapi.json` is generated from the same code that routes.

pub mod error;

mod auth;
mod cache;
mod conditional;
mod extract;
pub mod gleif;
mod group;
mod limits;
mod middleware;
pub mod oidc;
mod openapi;
mod pagination;
mod problems;
mod routes;
mod state;
mod web;

pub use limits::{Limits, TierLimits};
pub use openapi::openapi;
pub use state::{ApiConfig, AppState};

use axum::Router;

/// The whole HTTP application, ready to serve (also in tests, on port 0).
pub fn router(state: AppState) -> Router {
    let (api, _) = routes::api().split_for_parts();
    let app = api
        .merge(routes::health::router())
        .merge(web::router())
        .route("/api/openapi.json", axum::routing::get(openapi::serve))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state.clone());
    middleware::wrap(app, &state)
}
