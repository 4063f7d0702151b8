//! Every route, one module per resource.

pub(crate) mod api_keys;
pub(crate) mod entities;
pub(crate) mod health;
pub(crate) mod lifecycle;
pub(crate) mod tenants;

use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, openapi::ApiDoc};

/// The documented API: routing and OpenAPI from the same declarations.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tenants::onboard, tenants::list))
        .routes(routes!(tenants::get))
        .routes(routes!(lifecycle::start_move, lifecycle::get_move))
        .routes(routes!(lifecycle::export))
        .routes(routes!(lifecycle::offboard))
        .routes(routes!(lifecycle::import))
        .routes(routes!(api_keys::create, api_keys::list))
        .routes(routes!(api_keys::revoke))
        .routes(routes!(entities::create, entities::list))
        .routes(routes!(entities::get))
}
