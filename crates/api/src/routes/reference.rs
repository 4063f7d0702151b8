//! Reference data for pickers: jurisdictions and legal forms.

use axum::{Json, extract::State};
use charter_domain::FieldError;
use charter_storage::reference::{JurisdictionView, LegalFormView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{AppState, auth::Caller, error::ApiError, extract::QueryParams, problems::ReadProblems};

/// An ISO 3166 country or subdivision.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Jurisdiction {
    #[schema(example = "US-DE")]
    code: String,
    #[schema(example = "US")]
    country: String,
    #[schema(example = "Delaware")]
    name: String,
    /// `country`, or the subdivision's type.
    #[schema(example = "State")]
    category: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JurisdictionList {
    items: Vec<Jurisdiction>,
}

/// An ISO 20275 legal form.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LegalFormItem {
    #[schema(example = "2HBR")]
    code: String,
    country: Option<String>,
    subdivision: Option<String>,
    /// ACTV or INAC.
    status: String,
    #[schema(example = "Gesellschaft mit beschränkter Haftung")]
    name: String,
    transliterated_name: String,
    #[schema(example = "GmbH")]
    abbreviations: String,
    language_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LegalFormList {
    items: Vec<LegalFormItem>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct JurisdictionFilters {
    /// The subdivisions of this country (ISO 3166-1); without it, countries.
    country: Option<String>,
    /// Text in the code or name.
    q: Option<String>,
}

/// Countries, or a country's subdivisions.
#[utoipa::path(
    get, path = "/api/v1/jurisdictions", tag = "reference data", params(JurisdictionFilters),
    responses((status = 200, description = "Matching jurisdictions by code", body = JurisdictionList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn jurisdictions(
    State(state): State<AppState>,
    _caller: Caller,
    QueryParams(filters): QueryParams<JurisdictionFilters>,
) -> Result<Json<JurisdictionList>, ApiError> {
    let reader = state.fleet().data().reference().await?;
    let found =
        reader.jurisdictions(filters.country.as_deref(), filters.q.as_deref().filter(|q| !q.is_empty())).await?;
    Ok(Json(JurisdictionList {
        items: found
            .into_iter()
            .map(|JurisdictionView { code, country, name, category }| Jurisdiction { code, country, name, category })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LegalFormFilters {
    /// Forms usable there: its own, and its country's for a subdivision.
    jurisdiction: Option<String>,
    /// Text in the code, a name or an abbreviation.
    q: Option<String>,
    /// At most this many (1 to 500, default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
}

/// Legal forms for a picker, active ones first.
#[utoipa::path(
    get, path = "/api/v1/legal-forms", tag = "reference data", params(LegalFormFilters),
    responses((status = 200, description = "Matching legal forms", body = LegalFormList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn legal_forms(
    State(state): State<AppState>,
    _caller: Caller,
    QueryParams(filters): QueryParams<LegalFormFilters>,
) -> Result<Json<LegalFormList>, ApiError> {
    let limit = match filters.limit.as_deref() {
        None => 100,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| (1..=500).contains(n)).ok_or_else(|| {
            ApiError::InvalidQuery(vec![FieldError::new("limit", "range", "must be an integer from 1 to 500")])
        })?,
    };
    let reader = state.fleet().data().reference().await?;
    let found = reader
        .legal_forms(filters.jurisdiction.as_deref(), filters.q.as_deref().filter(|q| !q.is_empty()), limit)
        .await?;
    Ok(Json(LegalFormList {
        items: found
            .into_iter()
            .map(|f: LegalFormView| LegalFormItem {
                code: f.code,
                country: f.country,
                subdivision: f.subdivision,
                status: f.status,
                name: f.name,
                transliterated_name: f.transliterated_name,
                abbreviations: f.abbreviations,
                language_code: f.language_code,
            })
            .collect(),
    }))
}
