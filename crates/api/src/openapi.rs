//! The OpenAPI 3.1 document, generated from the routes.

use std::sync::OnceLock;

use axum::{
    body::Bytes,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::error::{Problem, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Charter API",
        description = "Multi-tenant legal entity management. Tenant data lives under `/api/v1/tenants/{slug}/`. \
                       Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`. \
                       Lists return `{\"items\": [...], \"next_cursor\": ...}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth),
    tags(
        (name = "tenants", description = "Client firms and their onboarding"),
        (name = "tenant lifecycle", description = "Moving, exporting, importing and offboarding tenants"),
        (name = "api-keys", description = "Integration keys of a tenant"),
        (name = "entities", description = "Legal entities of a tenant, every fact effective-dated"),
        (name = "persons", description = "Natural persons of a tenant"),
        (name = "appointments", description = "Officers and directors, with their terms"),
        (name = "configuration", description = "A tenant's roles, custom fields, entity groups and settings"),
        (name = "audit", description = "The tenant's tamper-evident audit trail"),
        (name = "share capital", description = "Share classes, the append-only share ledger and registers of members as of any date"),
        (name = "reference data", description = "ISO 3166 jurisdictions and ISO 20275 legal forms"),
    )
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: `Authorization: Bearer chk_…`"))
                    .build(),
            ),
        );
    }
}

/// The complete document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::routes::api().split_for_parts().1
}

/// `GET /api/openapi.json`
pub(crate) async fn serve() -> Response {
    static DOCUMENT: OnceLock<Bytes> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| Bytes::from(openapi().to_pretty_json().unwrap_or_default())).clone();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}
