//! Imports into a tenant's register from outside sources.

use axum::{
    Json,
    extract::{Multipart, State},
};
use charter_domain::{FieldError, access::Action};
use charter_storage::data::TxMode;

use crate::{
    AppState,
    auth::Caller,
    error::ApiError,
    extract::PathParams,
    gleif::{ImportReport, import, read_files},
    problems::WriteProblems,
};

/// The files of an upload: each part a GLEIF file, API JSON or golden-copy CSV.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // documents the multipart body
pub(crate) struct GleifUpload {
    /// One or more GLEIF files: API JSON (`lei-records`, `relationship-records`)
    /// or golden-copy CSV (LEI-CDF 3.1, RR-CDF 2.1), told apart by content.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// Import GLEIF records (editors and admins): entities keyed by LEI (a
/// re-import creates no duplicate; changed attributes become versions dated
/// by GLEIF's last update), consolidation relationships with their periods.
/// Bad records are reported by LEI or id and skipped; the rest are imported.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/imports/gleif",
    tag = "share capital",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body(content = GleifUpload, content_type = "multipart/form-data"),
    responses((status = 200, description = "What was imported and what was refused", body = ImportReport), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn gleif(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    mut upload: Multipart,
) -> Result<Json<ImportReport>, ApiError> {
    let scope = state.tenant_scope(&caller, &slug, Action::Write).await?;
    let mut files = Vec::new();
    while let Some(part) = upload.next_field().await.map_err(|e| ApiError::InvalidJson(format!("multipart: {e}")))? {
        let name = part.file_name().or(part.name()).unwrap_or("upload").to_owned();
        let bytes = part.bytes().await.map_err(|e| ApiError::InvalidJson(format!("multipart: {e}")))?;
        files.push((name, bytes.to_vec()));
    }
    if files.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new("files", "required", "upload at least one file")]));
    }
    // Parsing is CPU work on every core: off the request threads.
    let files = tokio::task::spawn_blocking(move || read_files(&files))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the files: {e}")))?
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let mut tx = state.begin(&scope, TxMode::Write).await?;
    let actor = scope.grant.actor().to_string();
    let report = import(&mut tx, &actor, &files).await?;
    tx.commit().await?;
    Ok(Json(report))
}
