//! Every route, one module per resource.

pub(crate) mod api_keys;
pub(crate) mod appointments;
pub(crate) mod audit;
pub(crate) mod certificates;
pub(crate) mod configuration;
pub(crate) mod entities;
pub(crate) mod health;
pub(crate) mod identity_provider;
pub(crate) mod imports;
pub(crate) mod lifecycle;
pub(crate) mod me;
pub(crate) mod members;
pub(crate) mod ownership;
pub(crate) mod persons;
pub(crate) mod reference;
pub(crate) mod settings;
pub(crate) mod shares;
pub(crate) mod sso;
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
        .routes(routes!(members::create, members::list))
        .routes(routes!(members::get, members::update, members::delete))
        .routes(routes!(identity_provider::set, identity_provider::get, identity_provider::delete))
        .routes(routes!(me::me))
        .routes(routes!(me::security_events))
        .routes(routes!(me::tenant_security_events))
        .routes(routes!(sso::login))
        .routes(routes!(sso::callback))
        .routes(routes!(sso::logout))
        .routes(routes!(entities::create, entities::list))
        .routes(routes!(entities::validate))
        .routes(routes!(entities::get, entities::update))
        .routes(routes!(entities::history))
        .routes(routes!(persons::create, persons::list))
        .routes(routes!(persons::get, persons::update))
        .routes(routes!(appointments::create, appointments::list))
        .routes(routes!(appointments::get, appointments::update))
        .routes(routes!(configuration::list_roles, configuration::add_role))
        .routes(routes!(configuration::list_custom_fields, configuration::add_custom_field))
        .routes(routes!(configuration::list_groups, configuration::add_group))
        .routes(routes!(settings::get, settings::update))
        .routes(routes!(audit::list))
        .routes(routes!(shares::create_class, shares::list_classes))
        .routes(routes!(shares::record))
        .routes(routes!(shares::get_transaction))
        .routes(routes!(shares::reverse))
        .routes(routes!(shares::change_authorised))
        .routes(routes!(shares::ledger))
        .routes(routes!(shares::ledger_csv))
        .routes(routes!(shares::register))
        .routes(routes!(shares::register_csv))
        .routes(routes!(certificates::update_class))
        .routes(routes!(certificates::issue, certificates::list))
        .routes(routes!(certificates::get))
        .routes(routes!(certificates::cancel))
        .routes(routes!(certificates::report_lost))
        .routes(routes!(certificates::replace))
        .routes(routes!(ownership::structure))
        .routes(routes!(ownership::effective_ownership))
        .routes(routes!(ownership::beneficial))
        .routes(routes!(ownership::beneficial_bods))
        .routes(routes!(ownership::ultimate))
        .routes(routes!(imports::gleif))
        .routes(routes!(reference::jurisdictions))
        .routes(routes!(reference::legal_forms))
}
