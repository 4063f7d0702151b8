//! Conditional and repeatable requests: `ETag`/`If-Match` against lost
//! updates, `Idempotency-Key` against double submissions, and the
//! `as_of`/`known_at` point every time-dependent read takes.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::FieldError;
use charter_storage::data::{AsOf, Claim};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::error::ApiError;

/// The `ETag` of a resource version.
pub(crate) fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version an update expects (`If-Match: "7"`); `None` for `*`.
/// Updates without it are refused: they would overwrite blindly.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let raw = headers.get(header::IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    let raw = raw.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    if raw == "*" {
        return Ok(None);
    }
    let tag = raw.trim_start_matches("W/").trim_matches('"');
    tag.parse().map(Some).map_err(|_| ApiError::PreconditionFailed)
}

/// A client's `Idempotency-Key` and the hash of the request it came with.
pub(crate) struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyKey {
    pub fn from_request(headers: &HeaderMap, path: &str, body: &Value) -> Result<Option<Self>, ApiError> {
        let Some(raw) = headers.get("idempotency-key") else { return Ok(None) };
        let key = raw.to_str().ok().map(str::trim).filter(|k| (1..=200).contains(&k.len())).ok_or_else(|| {
            ApiError::InvalidHeader(vec![FieldError::new(
                "Idempotency-Key",
                "format",
                "must be 1 to 200 visible characters",
            )])
        })?;
        let request_hash = hex::encode(Sha256::digest(format!("{path}\n{body}").as_bytes()));
        Ok(Some(Self { key: key.to_owned(), request_hash }))
    }

    /// The earlier result to return, if the key was used before.
    pub fn replay(claim: Claim) -> Result<Option<Response>, ApiError> {
        match claim {
            Claim::Fresh => Ok(None),
            Claim::Mismatch => Err(ApiError::IdempotencyKeyReused),
            Claim::Replay { status, body, location } => {
                let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response();
                if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
                Ok(Some(response))
            }
        }
    }
}

/// `as_of` (a date, default today) and `known_at` (a timestamp, default now).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AsOfQuery {
    /// Business date the answer is for (`YYYY-MM-DD`); default today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// What was on record at this time (RFC 3339); default now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub known_at: Option<String>,
}

impl AsOfQuery {
    pub fn parse(&self) -> Result<AsOf, ApiError> {
        let mut errors = Vec::new();
        let date = match self.as_of.as_deref() {
            None => Some(Utc::now().date_naive()),
            Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new("as_of", "date", "must be a date as YYYY-MM-DD"));
                    None
                }
            },
        };
        // `None` inside: the latest record.
        let known_at = match self.known_at.as_deref() {
            None => Some(None),
            Some(raw) => match DateTime::parse_from_rfc3339(raw) {
                Ok(t) => Some(Some(t.with_timezone(&Utc))),
                Err(_) => {
                    errors.push(FieldError::new("known_at", "timestamp", "must be an RFC 3339 timestamp"));
                    None
                }
            },
        };
        match (date, known_at) {
            (Some(date), Some(None)) if errors.is_empty() => Ok(AsOf::latest(date)),
            (Some(date), Some(Some(known_at))) if errors.is_empty() => Ok(AsOf::known_at(date, known_at)),
            _ => Err(ApiError::InvalidQuery(errors)),
        }
    }
}
