//! Cursor pagination: `?limit=&cursor=` in, `{"items", "next_cursor"}` out.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use charter_domain::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A parsed page request; the cursor is the key of the last item seen.
pub(crate) struct Page {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageQuery {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    pub fn parse(&self) -> Result<Page, Vec<FieldError>> {
        let mut errors = Vec::new();
        let limit = match self.limit.as_deref() {
            None => Self::DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=Self::MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        "limit",
                        "range",
                        format!("must be an integer from 1 to {}", Self::MAX_LIMIT),
                    ));
                    Self::DEFAULT_LIMIT
                }
            },
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => match URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()) {
                Some(key) => Some(key),
                None => {
                    errors.push(FieldError::new("cursor", "cursor", "is not a cursor returned by this API"));
                    None
                }
            },
        };
        if errors.is_empty() { Ok(Page { limit, after }) } else { Err(errors) }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Paged<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only
    /// says whether there is a next page.
    pub fn from_rows<R>(mut rows: Vec<R>, limit: i64, key: impl Fn(&R) -> String, item: impl Fn(R) -> T) -> Self {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if has_more { rows.last().map(|r| URL_SAFE_NO_PAD.encode(key(r))) } else { None };
        Self { items: rows.into_iter().map(item).collect(), next_cursor }
    }
}
