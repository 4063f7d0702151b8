//! Browser sign-in through the firm's identity provider: the authorization
//! code flow with PKCE, `state` and `nonce` (`/auth/login`,
//! `/auth/callback`), a server-side session in the control plane behind an
//! HttpOnly cookie, and logout (RP-initiated where the provider supports it).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use charter_domain::{ids::TenantId, tenant::Slug};
use charter_storage::control::{PendingLogin, random_secret};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::{
    AppState,
    auth::{CSRF_HEADER, SESSION_COOKIE, cookie, security_event},
    error::{ApiError, Missing},
    extract::QueryParams,
    oidc::Provider,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LoginQuery {
    /// Where to land after signing in: a path of Charter (default `/`).
    return_to: Option<String>,
    /// Passed to the provider to preselect the account (an email). An email
    /// of a domain a client signs in with goes to that client's provider.
    login_hint: Option<String>,
    /// Sign in to this tenant with its own provider, if it has one.
    tenant: Option<String>,
}

/// Start signing in: redirects to the identity provider (authorization code
/// flow with PKCE S256, `state` and `nonce`).
#[utoipa::path(
    get,
    path = "/auth/login",
    tag = "sign-in",
    params(LoginQuery),
    responses(
        (status = 302, description = "To the identity provider"),
        (status = 404, description = "Single sign-on is not configured"),
        (status = 503, description = "The identity provider cannot be reached"),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<LoginQuery>,
) -> Result<Response, ApiError> {
    let (provider, tenant) = login_provider(&state, &query).await?;
    let metadata = provider.metadata().await.map_err(|_| unreachable_provider())?;
    let (login_state, nonce, verifier) = (random_secret()?, random_secret()?, random_secret()?);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let return_to = safe_return_to(query.return_to.as_deref());
    let pending = PendingLogin { nonce: nonce.clone(), pkce_verifier: verifier, return_to, tenant };
    state.fleet().control().begin_login(&login_state, &pending).await?;
    let config = &provider.config;
    let mut url = url::Url::parse(&metadata.authorization_endpoint)
        .map_err(|e| ApiError::Internal(format!("the provider's authorization endpoint is not a URL: {e}")))?;
    {
        let mut pairs = url.query_pairs_mut();
        pairs
            .append_pair("response_type", "code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", &config.redirect_uri())
            .append_pair("scope", &config.scopes)
            .append_pair("state", &login_state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(hint) = query.login_hint.as_deref().filter(|h| !h.is_empty() && h.len() <= 254) {
            pairs.append_pair("login_hint", hint);
        }
    }
    redirect(StatusCode::FOUND, url.as_str())
}

/// The provider a sign-in goes to: the tenant's own when asked for by
/// `tenant` or by the domain of `login_hint`, else the firm's.
async fn login_provider(state: &AppState, query: &LoginQuery) -> Result<(Arc<Provider>, Option<TenantId>), ApiError> {
    let firm = state.firm_provider().ok_or(ApiError::NotFound(Missing::Route))?;
    let control = state.fleet().control();
    let record = match (&query.tenant, query.login_hint.as_deref().and_then(|h| h.rsplit_once('@'))) {
        (Some(slug), _) => {
            let slug = Slug::parse("tenant", slug).map_err(|e| ApiError::InvalidQuery(vec![e]))?;
            let tenant = control.tenant_by_slug(&slug).await?.ok_or(ApiError::NotFound(Missing::Tenant))?;
            control.tenant_identity_provider(tenant.id).await?
        }
        (None, Some((_, domain))) => control.tenant_identity_provider_for_domain(domain).await?,
        (None, None) => None,
    };
    Ok(match record.and_then(|r| state.client_provider(&r).map(|p| (p, r.tenant))) {
        Some((provider, tenant)) => (provider, Some(tenant)),
        None => (firm, None),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal, e.g. `access_denied`.
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

/// The provider's answer: the code is exchanged (with the PKCE verifier),
/// the ID token verified (signature, issuer, audience, expiry, nonce), the
/// user created or updated, and a session opened. A `state` is good once.
#[utoipa::path(
    get,
    path = "/auth/callback",
    tag = "sign-in",
    params(CallbackQuery),
    responses(
        (status = 303, description = "Signed in; to where the sign-in started, with the session cookie"),
        (status = 401, description = "The sign-in failed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn callback(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<CallbackQuery>,
) -> Result<Response, ApiError> {
    provider(&state)?;
    let failed = |reason: &str, detail: Value| {
        let state = state.clone();
        let reason = reason.to_owned();
        async move {
            let mut detail = detail;
            detail["reason"] = json!(reason);
            security_event(&state, "sign_in_failed", None, None, detail).await;
            ApiError::SignInFailed
        }
    };
    let Some(login_state) = query.state.as_deref() else {
        return Err(failed("missing_state", json!({})).await);
    };
    // Taken even when the provider refused, so the state is spent.
    let Some(pending) = state.fleet().control().take_login(login_state).await? else {
        return Err(failed("unknown_or_replayed_state", json!({})).await);
    };
    if let Some(error) = &query.error {
        let error: String = error.chars().take(100).collect();
        return Err(failed("provider_refused", json!({ "error": error })).await);
    }
    let Some(code) = query.code.as_deref() else {
        return Err(failed("missing_code", json!({})).await);
    };
    // The provider the sign-in went to: the firm's, or the client's own
    // (as it is configured now).
    let provider = match pending.tenant {
        None => state.firm_provider(),
        Some(tenant) => match state.fleet().control().tenant_identity_provider(tenant).await? {
            Some(record) => state.client_provider(&record),
            None => None,
        },
    };
    let Some(provider) = provider else {
        return Err(failed("client_provider_removed", json!({})).await);
    };
    let provider = provider.as_ref();
    let id_token = match exchange(provider, code, &pending.pkce_verifier).await {
        Ok(token) => token,
        Err(reason) => return Err(failed(reason, json!({})).await),
    };
    let config = &provider.config;
    let claims = match provider.verify(&id_token, &config.client_id, Some(&pending.nonce)).await {
        Ok(claims) => claims,
        Err(rejection) => return Err(failed(rejection.as_str(), json!({})).await),
    };
    let identity = match config.identity(&claims) {
        Ok(identity) => identity,
        Err(e) => return Err(failed("bad_claims", json!({ "detail": e.to_string() })).await),
    };
    let user = state.fleet().control().sign_in(&identity, pending.tenant).await?;
    state.caches().users.invalidate(&user.id);
    let lifetime = config.session_lifetime.as_secs_f64();
    let (secret, _) = state.fleet().control().create_session(user.id, Some(&id_token), lifetime).await?;
    let roles: Vec<&str> = user.platform_roles.iter().map(|r| r.as_str()).collect();
    let detail = json!({ "subject": identity.subject, "issuer": identity.issuer, "platform_roles": roles,
                         "tenants": user.memberships.len() });
    security_event(&state, "sign_in", Some(format!("user:{}", user.id)), pending.tenant, detail).await;
    let mut response = redirect(StatusCode::SEE_OTHER, &pending.return_to)?;
    let cookie = session_cookie(&secret, config.session_lifetime.as_secs(), !config.on_loopback());
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The code for tokens at the provider's token endpoint; the ID token.
async fn exchange(provider: &Provider, code: &str, verifier: &str) -> Result<String, &'static str> {
    let config = &provider.config;
    let endpoint = provider.metadata().await.map_err(|_| "provider_unavailable")?.token_endpoint.clone();
    let redirect_uri = config.redirect_uri();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier),
    ];
    let request = match &config.client_secret {
        Some(secret) => provider.http.post(&endpoint).basic_auth(&config.client_id, Some(secret)),
        None => {
            form.push(("client_id", config.client_id.as_str()));
            provider.http.post(&endpoint)
        }
    };
    let response = request.form(&form).send().await.map_err(|_| "provider_unavailable")?;
    if !response.status().is_success() {
        tracing::warn!(status = %response.status(), "the provider refused the authorization code");
        return Err("code_refused");
    }
    let tokens: TokenResponse = response.json().await.map_err(|_| "bad_token_response")?;
    tokens.id_token.ok_or("no_id_token")
}

/// Sign out: ends the session, clears its cookie, and sends the browser to
/// the provider's logout (RP-initiated) when it has one, else to `/`. With a
/// live session the CSRF token must come in `X-CSRF-Token`.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "sign-in",
    responses(
        (status = 303, description = "Signed out; to the provider's logout or to `/`"),
        (status = 403, description = "Without the session's CSRF token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let provider = provider(&state)?;
    let control = state.fleet().control();
    let mut target = format!("{}/", provider.config.public_url.trim_end_matches('/'));
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Some(session) = control.session(secret).await?
    {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if sent != session.csrf_token {
            security_event(&state, "csrf_rejected", Some(format!("user:{}", session.user)), None, json!({})).await;
            return Err(ApiError::CsrfRejected);
        }
        control.end_session(secret).await?;
        security_event(&state, "logout", Some(format!("user:{}", session.user)), None, json!({})).await;
        if let (Ok(metadata), Some(id_token)) = (provider.metadata().await, session.id_token.as_deref())
            && let Some(end_session) = &metadata.end_session_endpoint
            && let Ok(mut url) = url::Url::parse(end_session)
        {
            url.query_pairs_mut()
                .append_pair("id_token_hint", id_token)
                .append_pair("post_logout_redirect_uri", &target)
                .append_pair("client_id", &provider.config.client_id);
            target = url.to_string();
        }
    }
    let mut response = redirect(StatusCode::SEE_OTHER, &target)?;
    response.headers_mut().append(header::SET_COOKIE, session_cookie("", 0, !provider.config.on_loopback()));
    Ok(response)
}

fn provider(state: &AppState) -> Result<&Provider, ApiError> {
    state.oidc().ok_or(ApiError::NotFound(Missing::Route))
}

fn unreachable_provider() -> ApiError {
    ApiError::ProviderUnavailable
}

fn redirect(status: StatusCode, location: &str) -> Result<Response, ApiError> {
    let location = HeaderValue::from_str(location).map_err(|e| ApiError::Internal(format!("bad redirect: {e}")))?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// The session cookie: HttpOnly, SameSite=Lax (sent on the provider's
/// top-level redirect back, never on other sites' subrequests), Secure
/// unless Charter is served on loopback; `max_age` 0 clears it.
fn session_cookie(secret: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("charter_session=; Max-Age=0"))
}

/// A path of Charter to return to: absolute paths only, never another site
/// (`//evil.example`, `/\\evil.example`, a scheme).
fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 2000
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_only_to_paths_of_charter() {
        assert_eq!(safe_return_to(Some("/host-demo?x=1")), "/host-demo?x=1");
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/a\r\nSet-Cookie: x"] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn the_session_cookie_is_http_only_and_secure_off_loopback() {
        let cookie = session_cookie("abc", 60, true);
        let text = cookie.to_str().unwrap_or_default();
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.ends_with("; Secure"), "{text}");
        assert!(!session_cookie("abc", 60, false).to_str().unwrap_or_default().contains("Secure"));
    }
}
