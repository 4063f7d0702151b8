//! Extractors whose rejections are problems, not axum's plain-text errors.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::{StatusCode, header, request::Parts},
};
use charter_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::{AppState, error::ApiError};

/// A JSON body, parsed strictly: `Content-Type: application/json`, within
/// the size limit, well-formed, and of the expected shape (unknown fields
/// are refused, so a misspelt field is not silently ignored). A shape error
/// names the field by its path.
pub(crate) struct JsonBody<T>(pub T);

impl<T> FromRequest<AppState> for JsonBody<T>
where
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| {
                let media = media.trim().to_ascii_lowercase();
                media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(state.config().max_body_bytes)
            } else {
                ApiError::InvalidJson(format!("the body could not be read: {rejection}"))
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                ApiError::Validation(vec![FieldError::new(field, "type", data_error_message(&inner))])
            }
            _ => ApiError::InvalidJson(inner.to_string()),
        }
    })?;
    deserializer.end().map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    Ok(value)
}

/// serde's message without its " at line L column C" suffix, which points
/// into the body rather than at the field.
fn data_error_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Path parameters as strings; handlers parse them into domain types so
/// that a malformed one is a 400 naming the parameter.
pub(crate) struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|rejection| ApiError::InvalidPath(vec![FieldError::new("path", "format", rejection.body_text())]))
    }
}

/// An entity id from the path (`{id}`); a malformed one is a 400 naming `id`.
pub(crate) fn entity_id(raw: &str) -> Result<charter_domain::ids::EntityId, ApiError> {
    charter_domain::ids::EntityId::parse("id", raw).map_err(|e| ApiError::InvalidPath(vec![e]))
}

/// Query parameters; like [`PathParams`], the values are parsed by the handler.
pub(crate) struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        // Handlers take every parameter as a string and parse it themselves,
        // so the only errors left here are unknown or repeated parameters.
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Self)
            .map_err(|error| ApiError::InvalidQuery(vec![FieldError::new("query", "format", error.to_string())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: Option<String>,
        nested: Option<Vec<Inner>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: i32,
    }

    #[test]
    fn names_the_offending_field() {
        let ApiError::Validation(errors) = parse_json::<Body>(br#"{"name": 5}"#).unwrap_err() else { panic!() };
        assert_eq!(errors[0].field, "name");
        let ApiError::Validation(errors) = parse_json::<Body>(br#"{"nested": [{"n": "x"}]}"#).unwrap_err() else {
            panic!()
        };
        assert_eq!(errors[0].field, "nested[0].n");
        let ApiError::Validation(errors) = parse_json::<Body>(br#"{"nmae": "x"}"#).unwrap_err() else { panic!() };
        assert!(errors[0].message.contains("nmae"), "{errors:?}");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for bad in [&b"{"[..], b"not json", b"{\"name\": \"a\"} trailing", b""] {
            assert!(
                matches!(parse_json::<Body>(bad), Err(ApiError::InvalidJson(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
