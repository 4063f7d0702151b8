//! A tenant's life across the fleet, for platform administrators: moving it
//! between databases, exporting, importing and offboarding.

use std::path::PathBuf;

use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{FieldError, tenant::Slug};
use charter_fleet::lifecycle::{MoveOptions, OffboardReport};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::tenants::Tenant;
use crate::{
    AppState,
    auth::Caller,
    error::{ApiError, Missing, Problem},
    extract::{JsonBody, PathParams, QueryParams},
    problems::{ReadProblems, WriteProblems},
};

/// Request to move a tenant to another database.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveTenant {
    /// The target database's registry name (`charter db list`).
    #[schema(required = true, value_type = String, example = "charter_shared_2")]
    to: Option<String>,
}

/// Where a tenant's moves stand.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MoveStatus {
    /// The move under way, if any.
    in_progress: Option<MoveInProgress>,
    /// The last finished move, if any.
    last: Option<FinishedMove>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MoveInProgress {
    /// `copying` (the source serves everything), `frozen` (writes get 503)
    /// or `switched` (served from the target; the source is being purged).
    phase: &'static str,
    from: String,
    to: String,
    started_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FinishedMove {
    from: String,
    to: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    /// How long the tenant's writes were refused.
    freeze_ms: i64,
    rows_copied: i64,
}

/// The outcome of offboarding.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Offboarded {
    tenant: String,
    /// Where the export was written, on the server.
    archive: String,
    archive_sha256: String,
    rows_deleted: u64,
}

impl From<OffboardReport> for Offboarded {
    fn from(r: OffboardReport) -> Self {
        Self {
            tenant: r.tenant,
            archive: r.archive.to_string_lossy().into_owned(),
            archive_sha256: r.archive_sha256,
            rows_deleted: r.rows_deleted,
        }
    }
}

fn parse_slug(raw: &str) -> Result<Slug, ApiError> {
    Slug::parse("slug", raw).map_err(|e| ApiError::InvalidPath(vec![e]))
}

async fn move_status(state: &AppState, slug: &Slug) -> Result<MoveStatus, ApiError> {
    let control = state.fleet().control();
    let tenant = control.tenant_by_slug(slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
    let name_of =
        |id| async move { Ok::<_, ApiError>(control.database(id).await?.map(|d| d.name).unwrap_or_default()) };
    let in_progress = match control.move_of(tenant.id).await? {
        Some(m) => Some(MoveInProgress {
            phase: m.phase.as_str(),
            from: name_of(m.source).await?,
            to: name_of(m.target).await?,
            started_at: m.started_at,
        }),
        None => None,
    };
    let last = control.last_move(tenant.id).await?.map(|m| FinishedMove {
        from: m.from,
        to: m.to,
        started_at: m.started_at,
        finished_at: m.finished_at,
        freeze_ms: m.freeze_ms,
        rows_copied: m.rows_copied,
    });
    Ok(MoveStatus { in_progress, last })
}

/// Move a tenant to another database, online (platform administrators).
///
/// Runs in the background: copy, a short write freeze (writes get 503 with
/// `Retry-After`, reads go on), catch up, verify row counts and content
/// hashes, switch, purge the source. Follow it at the `Location` returned.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/move",
    tag = "tenant lifecycle",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = MoveTenant,
    responses(
        (status = 202, description = "The move has started", body = MoveStatus, headers(("Location" = String))),
        (status = 409, description = "A move is under way already", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn start_move(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_slug): PathParams<String>,
    JsonBody(body): JsonBody<MoveTenant>,
) -> Result<Response, ApiError> {
    caller.require_platform_admin()?;
    let slug = parse_slug(&raw_slug)?;
    let to = body.to.ok_or_else(|| ApiError::Validation(vec![FieldError::new("to", "required", "is required")]))?;
    let control = state.fleet().control();
    let tenant = control.tenant_by_slug(&slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
    let target = control.database_by_name(&to).await?.ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new("to", "exists", format!("no database named {to}"))])
    })?;
    if tenant.database.as_ref().is_some_and(|d| d.id == target.id) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "to",
            "different",
            "the tenant is in this database already",
        )]));
    }
    if target.tenant_count >= i64::from(target.capacity) {
        return Err(ApiError::Validation(vec![FieldError::new("to", "capacity", format!("{to} is full"))]));
    }
    if control.move_of(tenant.id).await?.is_some() {
        return Err(ApiError::Conflict("a move of this tenant is under way".into()));
    }
    let fleet = state.fleet().clone();
    let options = MoveOptions { grace: state.config().move_grace };
    let moving = slug.clone();
    tokio::spawn(async move {
        match fleet.move_tenant(&moving, &to, &options).await {
            Ok(report) => tracing::info!(tenant = %moving, to, freeze_ms = report.freeze_ms, "move finished"),
            Err(e) => tracing::error!(tenant = %moving, to, error = %e, "move failed"),
        }
    });
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/tenants/{slug}/move")) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::ACCEPTED, headers, Json(move_status(&state, &slug).await?)).into_response())
}

/// Where a tenant's moves stand (platform administrators).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/move",
    tag = "tenant lifecycle",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "The move under way and the last one finished", body = MoveStatus), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get_move(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_slug): PathParams<String>,
) -> Result<Json<MoveStatus>, ApiError> {
    caller.require_platform_admin()?;
    Ok(Json(move_status(&state, &parse_slug(&raw_slug)?).await?))
}

/// A portable archive of the tenant (platform administrators).
///
/// A gzip-compressed tar: `manifest.json` (tenant, schema version, and per
/// table its file, row count and SHA-256) and `tables/<table>.ndjson`.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/export",
    tag = "tenant lifecycle",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "The archive", content_type = "application/gzip", body = Vec<u8>), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_slug): PathParams<String>,
) -> Result<Response, ApiError> {
    caller.require_platform_admin()?;
    let slug = parse_slug(&raw_slug)?;
    let path = scratch_file(&state, &format!("{slug}.tar.gz"))?;
    let exported = state.fleet().export_tenant(&slug, &path).await;
    let bytes =
        exported.and_then(|_| std::fs::read(&path).map_err(|e| charter_fleet::FleetError::Invalid(e.to_string())));
    let _ = std::fs::remove_file(&path);
    let bytes = bytes.map_err(|e| match e {
        charter_fleet::FleetError::Invalid(message) if message.starts_with("no tenant") => {
            ApiError::NotFound(Missing::Tenant)
        }
        other => other.into(),
    })?;
    let disposition = format!("attachment; filename=\"{slug}-{}.tar.gz\"", Utc::now().format("%Y%m%dT%H%M%SZ"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/gzip")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Where an imported archive goes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// The new tenant's slug; default the archived one.
    slug: Option<String>,
    /// The database to restore into; default placed like a new shared tenant.
    database: Option<String>,
}

/// Restore an archive as a new tenant (platform administrators).
#[utoipa::path(
    post,
    path = "/api/v1/tenant-imports",
    tag = "tenant lifecycle",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/gzip", description = "An archive from `/export`"),
    responses(
        (status = 201, description = "Imported", body = Tenant),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ImportQuery>,
    body: Body,
) -> Result<(StatusCode, Json<Tenant>), ApiError> {
    caller.require_platform_admin()?;
    let slug = query
        .slug
        .as_deref()
        .map(|s| Slug::parse("slug", s))
        .transpose()
        .map_err(|e| ApiError::InvalidQuery(vec![e]))?;
    if let Some(slug) = &slug
        && state.fleet().control().tenant_by_slug(slug).await?.is_some()
    {
        return Err(ApiError::TenantConflict(slug.to_string()));
    }
    let limit = state.config().max_import_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::PayloadTooLarge(limit))?;
    let path = scratch_file(&state, &format!("import-{}.tar.gz", uuid::Uuid::now_v7().simple()))?;
    std::fs::write(&path, &bytes).map_err(|e| ApiError::Internal(format!("cannot write {}: {e}", path.display())))?;
    let imported = state.fleet().import_tenant(&path, slug.as_ref(), query.database.as_deref()).await;
    let _ = std::fs::remove_file(&path);
    let tenant = imported.map_err(|e| match e {
        charter_fleet::FleetError::Invalid(message) => {
            ApiError::Validation(vec![FieldError::new("body", "archive", message)])
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(Tenant::from(tenant))))
}

/// Offboard a tenant (platform administrators): export it to the server's
/// export directory, delete every row, verify none is left, keep a tombstone.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/offboard",
    tag = "tenant lifecycle",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Offboarded", body = Offboarded), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn offboard(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_slug): PathParams<String>,
) -> Result<Json<Offboarded>, ApiError> {
    caller.require_platform_admin()?;
    let slug = parse_slug(&raw_slug)?;
    let control = state.fleet().control();
    let tenant = control.tenant_by_slug(&slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
    if tenant.status != charter_domain::tenant::TenantStatus::Active {
        return Err(ApiError::NotFound(Missing::Tenant));
    }
    let report = state.fleet().offboard(&slug, &state.config().export_dir).await?;
    state.caches().forget(charter_storage::control::Invalidation::Tenant(tenant.id));
    Ok(Json(report.into()))
}

/// A path in the export directory for a file that lives only for a request.
fn scratch_file(state: &AppState, name: &str) -> Result<PathBuf, ApiError> {
    let dir = state.config().export_dir.join("tmp");
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir.join(name))
}
