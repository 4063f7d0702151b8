//! The micro-frontend (`web/`): its built files (`web/dist`) are embedded in
//! release binaries and read from disk in debug builds (rust-embed), so
//! `charter serve` and `charter demo` need no separate web server.
//!
//! `/mfe/charter.js` is the one stable name a host page loads; everything
//! under `/mfe/assets/` carries a content hash and is cached for a year. The
//! standalone app is at `/`, the host-platform demo at `/host-demo`.

use axum::{
    Router,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use rust_embed::RustEmbed;

use crate::AppState;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|headers: HeaderMap| async move { file("index.html", &headers) }))
        .route("/host-demo", get(|headers: HeaderMap| async move { file("host-demo/index.html", &headers) }))
        .route(
            "/mfe/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move { file(&format!("mfe/{path}"), &headers) }),
        )
}

/// A built file with its type, a strong ETag (its SHA-256), and caching:
/// hashed assets for a year, everything else revalidated on each use.
fn file(path: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = Assets::get(path) else {
        return not_built(path);
    };
    let etag = format!("\"{}\"", hex::encode(asset.metadata.sha256_hash()));
    let cache = if path.starts_with("mfe/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.data.into_owned().into_response()
    };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(asset.metadata.mimetype()) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// 404 for an unknown file; for the pages, a note when the UI is not built.
fn not_built(path: &str) -> Response {
    if Assets::get("index.html").is_some() || path.starts_with("mfe/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let body = "<!doctype html><title>Charter</title><p>The web UI is not built into this binary. \
                Build it with <code>(cd web &amp;&amp; npm ci &amp;&amp; npm run build)</code> and rebuild Charter; \
                the API is at <code>/api/v1</code> (<a href=\"/api/openapi.json\">OpenAPI</a>).</p>";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}
