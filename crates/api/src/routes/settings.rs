//! A tenant's settings: one document, read by every role and changed by
//! tenant admins, one field per setting (so that a later setting is a new
//! field, and a client that sends only the fields it knows changes only
//! those).

use axum::{Json, extract::State};
use charter_domain::{
    FieldError, access::Action, entity::jurisdiction_shape, ownership::Threshold, validation::Collector,
};
use charter_storage::data::{AuditRecord, MODULES, TenantSettings, TxMode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    error::ApiError,
    extract::{JsonBody, PathParams},
    middleware::current_request_id,
    problems::{ReadProblems, WriteProblems},
};

/// The JSON fields of the settings.
const THRESHOLD: &str = "beneficial_ownership_threshold_pct";
const MODULES_FIELD: &str = "modules";
const JURISDICTIONS: &str = "default_jurisdictions";

/// At least one of [`MODULES`], each once; kept in `MODULES` order.
fn parse_modules(value: &Value) -> Result<Vec<String>, FieldError> {
    let names: Vec<&str> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .filter(|names: &Vec<&str>| names.len() == value.as_array().map_or(0, Vec::len))
        .ok_or_else(|| FieldError::new(MODULES_FIELD, "type", "must be a list of module names"))?;
    if let Some(unknown) = names.iter().find(|n| !MODULES.contains(n)) {
        return Err(FieldError::new(
            MODULES_FIELD,
            "one_of",
            format!("{unknown} is not a module; modules: {}", MODULES.join(", ")),
        ));
    }
    if names.is_empty() {
        return Err(FieldError::new(MODULES_FIELD, "min_items", "must name at least one module"));
    }
    Ok(MODULES.iter().filter(|m| names.contains(m)).map(|m| (*m).to_owned()).collect())
}

/// Up to 20 jurisdiction codes, each once, in the order given (existence is
/// checked against the reference data by the caller).
fn parse_jurisdictions(value: &Value) -> Result<Vec<String>, FieldError> {
    let items = value
        .as_array()
        .filter(|a| a.len() <= 20)
        .ok_or_else(|| FieldError::new(JURISDICTIONS, "type", "must be a list of at most 20 jurisdiction codes"))?;
    let mut codes: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("{JURISDICTIONS}[{i}]");
        let raw = item.as_str().ok_or_else(|| FieldError::new(field.clone(), "type", "must be a string"))?;
        let code = jurisdiction_shape(&field, raw)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// A tenant's settings; a setting never changed has its default.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Settings {
    /// Percent of effective capital or votes at which a natural person is a
    /// beneficial owner (default 25); `…/beneficial-owners` applies it when
    /// no `threshold` is given.
    #[schema(value_type = f64, example = 25)]
    beneficial_ownership_threshold_pct: Value,
    /// The modules the tenant uses: `register`, `shares`, `structure`,
    /// `beneficial_ownership` (default: all).
    modules: Vec<String>,
    /// Jurisdictions new entities default to (`GB`, `US-DE`), first first.
    default_jurisdictions: Vec<String>,
    /// When a setting was last changed (null while all have their defaults).
    updated_at: Option<DateTime<Utc>>,
    /// Who changed them last (`api_key:<id>`).
    updated_by: Option<String>,
}

impl From<&TenantSettings> for Settings {
    fn from(settings: &TenantSettings) -> Self {
        Self {
            beneficial_ownership_threshold_pct: settings.beneficial_ownership_threshold.to_json(),
            modules: settings.modules.clone(),
            default_jurisdictions: settings.default_jurisdictions.clone(),
            updated_at: settings.updated_at,
            updated_by: settings.updated_by.clone(),
        }
    }
}

/// A change of settings: only the fields given change; `null` restores a
/// setting's default. Unknown fields are refused.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documentation only: the handler reads the body as a map.
pub(crate) struct SettingsChange {
    /// Above 0 and at most 100, at most 6 decimals; `null` for the default (25).
    #[schema(value_type = Option<f64>, example = 10)]
    beneficial_ownership_threshold_pct: Option<f64>,
    /// Some of `register`, `shares`, `structure`, `beneficial_ownership`
    /// (at least one); `null` for all.
    modules: Option<Vec<String>>,
    /// Up to 20 jurisdiction codes of the reference data; `null` for none.
    default_jurisdictions: Option<Vec<String>>,
}

/// Applies `body` to `current`: the settings after it, or every field that
/// breaks a rule.
fn apply(current: &TenantSettings, body: &Map<String, Value>) -> Result<TenantSettings, ApiError> {
    let mut errors = Collector::new();
    let mut changed = current.clone();
    for (field, value) in body {
        match field.as_str() {
            THRESHOLD if value.is_null() => changed.beneficial_ownership_threshold = Threshold::DEFAULT,
            THRESHOLD => {
                if let Some(threshold) = errors.take(Threshold::parse(THRESHOLD, value)) {
                    changed.beneficial_ownership_threshold = threshold;
                }
            }
            MODULES_FIELD if value.is_null() => changed.modules = TenantSettings::default().modules,
            MODULES_FIELD => {
                if let Some(modules) = errors.take(parse_modules(value)) {
                    changed.modules = modules;
                }
            }
            JURISDICTIONS if value.is_null() => changed.default_jurisdictions = Vec::new(),
            JURISDICTIONS => {
                if let Some(codes) = errors.take(parse_jurisdictions(value)) {
                    changed.default_jurisdictions = codes;
                }
            }
            unknown => errors.push(FieldError::new(unknown, "unknown_field", "is not a setting")),
        }
    }
    errors.finish()?;
    Ok(changed)
}

/// The tenant's settings.
#[utoipa::path(
    get, path = "/api/v1/tenants/{slug}/settings", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Every setting, defaults included", body = Settings), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<Settings>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Read).await?;
    let mut tx = state.begin(&scope, TxMode::Read).await?;
    let settings = tx.settings().await?;
    tx.commit().await?;
    Ok(Json(Settings::from(&settings)))
}

/// Change settings (tenant admins): the fields given change, the others
/// stay. Audited with the settings before and after.
#[utoipa::path(
    patch, path = "/api/v1/tenants/{slug}/settings", tag = "configuration",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = SettingsChange,
    responses((status = 200, description = "Every setting after the change", body = Settings), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Settings>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    // Refuse a bad body before touching the database.
    apply(&TenantSettings::default(), &body)?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let current = tx.settings_for_update().await?;
    let changed = apply(&current, &body)?;
    let mut unknown = Vec::new();
    for (i, code) in changed.default_jurisdictions.iter().enumerate() {
        if !current.default_jurisdictions.contains(code) && !tx.jurisdiction_exists(code).await? {
            unknown.push(FieldError::new(format!("{JURISDICTIONS}[{i}]"), "exists", "is not a jurisdiction"));
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let values_equal = changed.beneficial_ownership_threshold == current.beneficial_ownership_threshold
        && changed.modules == current.modules
        && changed.default_jurisdictions == current.default_jurisdictions;
    if values_equal {
        // Nothing to write or audit (and no row made for a tenant without one).
        tx.rollback().await?;
        return Ok(Json(Settings::from(&current)));
    }
    let actor = scope.grant.actor().to_string();
    let stored = tx.write_settings(&changed, &actor).await?;
    let (before, after) = (Settings::from(&current), Settings::from(&stored));
    tx.append_audit(&AuditRecord {
        actor: &actor,
        action: "tenant_settings.update",
        resource_type: "tenant_settings",
        resource_id: None,
        request_id: current_request_id().as_deref(),
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&after).ok(),
        change: Some(Value::Object(body)),
    })
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn changes_only_what_is_given() {
        let current = TenantSettings::default();
        let ten = apply(&current, &body(json!({ THRESHOLD: 10 }))).unwrap();
        assert_eq!(ten.beneficial_ownership_threshold.percent(), 10.0);
        assert_eq!(apply(&ten, &body(json!({}))).unwrap(), ten);
        assert_eq!(
            apply(&ten, &body(json!({ THRESHOLD: null }))).unwrap().beneficial_ownership_threshold,
            Threshold::DEFAULT
        );
    }

    #[test]
    fn names_every_bad_field() {
        let current = TenantSettings::default();
        let Err(ApiError::Validation(errors)) = apply(&current, &body(json!({ THRESHOLD: "ten", "colour": "red" })))
        else {
            panic!("refused");
        };
        let mut named: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        named.sort_unstable();
        assert_eq!(named, vec![(THRESHOLD, "type"), ("colour", "unknown_field")]);
        for bad in [json!(0), json!(101), json!(-1)] {
            assert!(apply(&current, &body(json!({ THRESHOLD: bad }))).is_err());
        }
    }
}
