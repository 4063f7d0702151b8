//! A tenant's members: people who sign in through an identity provider,
//! granted a role by email before or after their first sign-in
//! (`/api/v1/tenants/{slug}/members`, tenant admins).

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use charter_domain::{
    FieldError, Invalid, access::Action, access::TenantRole, identity::parse_email, validation::Collector,
};
use charter_storage::{StoreError, control::MembershipRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{
    api_keys::{RoleName, entity_groups},
    tenants::required,
};
use crate::{
    AppState,
    auth::{Caller, TenantScope, security_event},
    error::{ApiError, Missing},
    extract::{JsonBody, PathParams},
    problems::{ReadProblems, WriteProblems},
};

/// A new membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateMember {
    /// The person's email at the identity provider; the membership binds to
    /// them when they sign in with it verified.
    #[schema(required = true, value_type = String, format = Email)]
    email: Option<String>,
    #[schema(required = true, value_type = RoleName)]
    role: Option<String>,
    /// Limit the membership to the entities of these entity groups (ids of
    /// `entity-groups`); every entity if absent.
    entity_groups: Option<Vec<String>>,
}

/// A change of role (and of the entity groups it is limited to: absent
/// means every entity).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateMember {
    #[schema(required = true, value_type = RoleName)]
    role: Option<String>,
    entity_groups: Option<Vec<String>>,
}

/// A membership of the tenant.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Member {
    id: uuid::Uuid,
    email: String,
    role: RoleName,
    /// The entity groups it is limited to; `null`: every entity.
    entity_groups: Option<Vec<String>>,
    /// The user it is bound to, once they signed in.
    user_id: Option<uuid::Uuid>,
    /// `invited` until the person signs in, then `active`.
    status: &'static str,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MemberList {
    items: Vec<Member>,
}

impl From<MembershipRecord> for Member {
    fn from(m: MembershipRecord) -> Self {
        Self {
            id: m.id,
            email: m.email,
            role: m.role.into(),
            entity_groups: m.entity_groups,
            user_id: m.user.map(|u| u.as_uuid()),
            status: if m.user.is_some() { "active" } else { "invited" },
            created_at: m.created_at,
            created_by: m.created_by,
            updated_at: m.updated_at,
        }
    }
}

fn member_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::try_parse(raw)
        .ok()
        .filter(|_| raw.len() == 36)
        .ok_or_else(|| ApiError::InvalidPath(vec![FieldError::new("id", "uuid", "must be a UUID (membership id)")]))
}

async fn audit(state: &AppState, scope: &TenantScope, kind: &str, member: &Member) {
    let detail = json!({ "membership_id": member.id, "email": member.email, "role": member.role,
                         "entity_groups": member.entity_groups });
    security_event(state, kind, Some(scope.grant.actor().to_string()), Some(scope.grant.tenant()), detail).await;
}

/// Grant a membership (tenant admins). 409 if the email is a member already.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{slug}/members",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug")),
    request_body = CreateMember,
    responses(
        (status = 201, description = "Granted", body = Member, headers(("Location" = String))),
        (status = 409, description = "That email is a member already", body = crate::error::Problem, content_type = "application/problem+json"),
        WriteProblems,
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<CreateMember>,
) -> Result<Response, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let mut errors = Collector::new();
    let email = required(&mut errors, "email", body.email.as_deref(), parse_email);
    let role = required(&mut errors, "role", body.role.as_deref(), TenantRole::parse);
    errors.finish()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(Invalid(vec![FieldError::new("body", "required", "incomplete request")]).into());
    };
    let groups = entity_groups(&state, &scope, body.entity_groups.as_deref()).await?;
    let actor = scope.grant.actor().to_string();
    let control = state.fleet().control();
    let record = match control.create_membership(scope.grant.tenant(), &email, role, groups.as_deref(), &actor).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "email",
                "unique",
                "is a member of this tenant already",
            )]));
        }
        other => other?,
    };
    if let Some(user) = record.user {
        state.caches().users.invalidate(&user);
    }
    let member = Member::from(record);
    audit(&state, &scope, "membership.create", &member).await;
    let location = format!("/api/v1/tenants/{}/members/{}", scope.slug, member.id);
    let mut response = (StatusCode::CREATED, Json(member)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The tenant's members, by email (tenant admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/members",
    tag = "members",
    params(("slug" = String, Path, description = "The tenant's slug")),
    responses((status = 200, description = "Every membership", body = MemberList), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(slug): PathParams<String>,
) -> Result<Json<MemberList>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let members = state.fleet().control().memberships(scope.grant.tenant()).await?;
    Ok(Json(MemberList { items: members.into_iter().map(Member::from).collect() }))
}

/// One membership (tenant admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{slug}/members/{id}",
    tag = "members",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The membership's id"),
    ),
    responses((status = 200, description = "The membership", body = Member), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<Json<Member>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let record = state.fleet().control().membership(scope.grant.tenant(), member_id(&id)?).await?;
    Ok(Json(record.ok_or(ApiError::NotFound(Missing::Membership))?.into()))
}

/// Change a member's role (tenant admins); it applies at once.
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{slug}/members/{id}",
    tag = "members",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The membership's id"),
    ),
    request_body = UpdateMember,
    responses((status = 200, description = "Changed", body = Member), WriteProblems),
    security(("api_key" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<UpdateMember>,
) -> Result<Json<Member>, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let id = member_id(&id)?;
    let mut errors = Collector::new();
    let role = required(&mut errors, "role", body.role.as_deref(), TenantRole::parse);
    errors.finish()?;
    let role = role.ok_or_else(|| ApiError::Validation(vec![FieldError::new("role", "required", "is required")]))?;
    let groups = entity_groups(&state, &scope, body.entity_groups.as_deref()).await?;
    let record = state.fleet().control().update_membership(scope.grant.tenant(), id, role, groups.as_deref()).await?;
    let record = record.ok_or(ApiError::NotFound(Missing::Membership))?;
    if let Some(user) = record.user {
        state.caches().users.invalidate(&user);
    }
    let member = Member::from(record);
    audit(&state, &scope, "membership.update", &member).await;
    Ok(Json(member))
}

/// End a membership (tenant admins); the person loses the tenant at once.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{slug}/members/{id}",
    tag = "members",
    params(
        ("slug" = String, Path, description = "The tenant's slug"),
        ("id" = uuid::Uuid, Path, description = "The membership's id"),
    ),
    responses((status = 204, description = "Ended"), ReadProblems),
    security(("api_key" = []))
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((slug, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let scope = state.configuration_scope(&caller, &slug, Action::Administer).await?;
    let record = state.fleet().control().delete_membership(scope.grant.tenant(), member_id(&id)?).await?;
    let record = record.ok_or(ApiError::NotFound(Missing::Membership))?;
    if let Some(user) = record.user {
        state.caches().users.invalidate(&user);
    }
    audit(&state, &scope, "membership.delete", &Member::from(record)).await;
    Ok(StatusCode::NO_CONTENT)
}
