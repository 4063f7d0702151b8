//! Feature: Single sign-on, against the real `oidc-provider` on loopback.

use std::collections::HashMap;

use base64::Engine;
use cucumber::{given, then, when};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CharterWorld;
use crate::support::{
    Deployment,
    oidc::{AUDIENCE, Browser, OidcProvider},
};

#[derive(Default)]
pub struct State {
    provider: Option<OidcProvider>,
    /// A client's own provider.
    client_provider: Option<OidcProvider>,
    /// Person ("Sam", "BD") → their browser, signed in.
    browsers: HashMap<String, Browser>,
    /// Person → the session's CSRF token.
    csrf: HashMap<String, String>,
    /// The integration key of the scenario.
    key: Option<String>,
    /// The host platform's tokens for Sam.
    host_tokens: Option<Value>,
    /// Where the latest redirect chain ended.
    landed: Option<String>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn email_of(person: &str) -> String {
    match person {
        "Sam" => "sam@firm.example".into(),
        "BD" => "bd@firm.example".into(),
        other => format!("{}@firm.example", other.to_lowercase()),
    }
}

impl CharterWorld {
    fn provider(&self) -> &OidcProvider {
        self.sso.provider.as_ref().expect("the identity provider is running")
    }

    fn base(&self) -> String {
        self.deployment.as_ref().expect("a deployment").server.base.clone()
    }

    /// The browser code flow: `/auth/login` → provider → `/auth/callback` →
    /// session cookie; then the CSRF token from `/api/v1/me`.
    async fn sign_in(&mut self, person: &str) {
        let browser = Browser::new();
        let url = format!("{}/auth/login?login_hint={}&return_to=/api/v1/me", self.base(), email_of(person));
        let (status, landed, body) = browser.follow(&url).await;
        assert_eq!(status, 200, "signing in ended at {landed}: {body}");
        assert!(landed.ends_with("/api/v1/me"), "landed at {landed}");
        let me: Value = serde_json::from_str(&body).expect("the caller as JSON");
        let csrf = me["csrf_token"].as_str().expect("a CSRF token with a session").to_owned();
        self.sso.csrf.insert(person.to_owned(), csrf);
        self.sso.browsers.insert(person.to_owned(), browser);
    }

    /// A request from a person's signed-in browser; writes carry the CSRF token unless `csrf` is false.
    async fn as_person(
        &mut self,
        person: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        csrf: bool,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base());
        let browser = self.sso.browsers.get(person).expect("signed in");
        let mut request = browser.http.request(method, url);
        if csrf {
            request = request.header("x-csrf-token", self.sso.csrf[person].as_str());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn with_token(&mut self, token: &str) -> (u16, Value) {
        let url = format!("{}/api/v1/me", self.base());
        let response = reqwest::Client::new().get(url).bearer_auth(token).send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn security_events(&mut self, kind: &str) -> Vec<Value> {
        let deployment = self.deployment().await;
        let (status, body) = deployment
            .send(Method::GET, &format!("/api/v1/security-events?kind={kind}"), &deployment.admin_key, None)
            .await;
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().expect("items").clone()
    }

    /// The provider's valid claims for Sam, over which tokens are minted.
    fn sam_claims(&self) -> Value {
        json!({ "sub": "user-sam", "email": "sam@firm.example", "groups": [] })
    }
}

#[given("the firm's identity provider and Charter connected to it")]
async fn provider_and_charter(world: &mut CharterWorld) {
    let provider = OidcProvider::start().await;
    world.deployment = Some(Deployment::start_with_sso(&provider).await);
    world.sso.provider = Some(provider);
}

#[given(expr = "tenants {string} and {string}")]
async fn two_tenants(world: &mut CharterWorld, a: String, b: String) {
    world.onboard(&a, "shared").await;
    world.onboard(&b, "shared").await;
}

#[given(regex = r#"^"([^"]+)" is an? (\w+) of "([^"]+)" and an? (\w+) of "([^"]+)" at the identity provider's firm$"#)]
async fn memberships(world: &mut CharterWorld, email: String, role: String, a: String, other: String, b: String) {
    for (slug, role) in [(a, role), (b, other)] {
        let key = world.key_of(&slug);
        let deployment = world.deployment().await;
        let (status, body) = deployment
            .send(
                Method::POST,
                &format!("/api/v1/tenants/{slug}/members"),
                &key,
                Some(json!({ "email": email, "role": role })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["status"], "invited", "{body}");
    }
}

#[when("Sam signs in through the identity provider")]
async fn sam_signs_in(world: &mut CharterWorld) {
    world.sign_in("Sam").await;
}

#[then(regex = r#"^"GET /api/v1/me" lists exactly "([^"]+)" as (\w+) and "([^"]+)" as (\w+)$"#)]
async fn me_lists(world: &mut CharterWorld, a: String, role_a: String, b: String, role_b: String) {
    let (status, me) = world.as_person("Sam", Method::GET, "/api/v1/me", None, false).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["kind"], "user");
    assert_eq!(me["email"], "sam@firm.example");
    let mut tenants: Vec<(String, String)> = me["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| (t["slug"].as_str().unwrap_or_default().to_owned(), t["role"].as_str().unwrap_or_default().to_owned()))
        .collect();
    tenants.sort();
    assert_eq!(tenants, vec![(a, role_a), (b, role_b)], "{me}");
}

#[then(regex = r#"^Sam can create an entity in "([^"]+)" but gets 403 creating one in "([^"]+)"$"#)]
async fn sam_writes(world: &mut CharterWorld, allowed: String, refused: String) {
    let body = json!({ "legal_name": "Sam's Holdings Ltd", "jurisdiction": "GB" });
    let (status, created) = world
        .as_person("Sam", Method::POST, &format!("/api/v1/tenants/{allowed}/entities"), Some(body.clone()), true)
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, problem) =
        world.as_person("Sam", Method::POST, &format!("/api/v1/tenants/{refused}/entities"), Some(body), true).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["code"], "forbidden", "{problem}");
    // The audit trail names Sam as the author.
    let key = world.key_of(&allowed);
    let deployment = world.deployment().await;
    let (_, events) =
        deployment.send(Method::GET, &format!("/api/v1/tenants/{allowed}/audit-events"), &key, None).await;
    let actors: Vec<&str> =
        events["items"].as_array().expect("items").iter().filter_map(|e| e["actor"].as_str()).collect();
    assert!(actors.iter().any(|a| a.starts_with("user:")), "{events}");
}

#[then("Sam gets 403 or 404 for any tenant not listed")]
async fn sam_elsewhere(world: &mut CharterWorld) {
    world.onboard("umbrella", "shared").await;
    for path in
        ["/api/v1/tenants/umbrella/entities", "/api/v1/tenants/umbrella", "/api/v1/tenants/no-such-tenant/entities"]
    {
        let (status, body) = world.as_person("Sam", Method::GET, path, None, false).await;
        assert!(status == 403 || status == 404, "{path}: {status} {body}");
    }
}

#[given(regex = r#"^"([^"]+)" has the platform role "([^"]+)"$"#)]
async fn platform_role(world: &mut CharterWorld, email: String, role: String) {
    world.provider().set_groups(&email, &["staff", &format!("charter:{role}")]).await;
}

#[when(regex = r#"^BD onboards tenant "([^"]+)"$"#)]
async fn bd_onboards(world: &mut CharterWorld, slug: String) {
    world.sign_in("BD").await;
    let body = json!({ "slug": slug, "name": "Initech LLP", "placement": "shared" });
    let response = world.as_person("BD", Method::POST, "/api/v1/tenants", Some(body), true).await;
    world.responses.push(response);
}

#[then(regex = r#"^BD gets 403 or 404 listing the entities of "([^"]+)"$"#)]
async fn bd_reads_nothing(world: &mut CharterWorld, slug: String) {
    let (status, body) =
        world.as_person("BD", Method::GET, &format!("/api/v1/tenants/{slug}/entities"), None, false).await;
    assert!(status == 403 || status == 404, "{status} {body}");
    let (_, me) = world.as_person("BD", Method::GET, "/api/v1/me", None, false).await;
    assert_eq!(me["platform_roles"], json!(["business-development"]), "{me}");
}

#[when(regex = r"^a request carries a token that is (.+)$")]
async fn bad_token(world: &mut CharterWorld, defect: String) {
    let provider = world.provider();
    let now = chrono::Utc::now().timestamp();
    let claims = world.sam_claims();
    let token = match defect.as_str() {
        "signed by an unknown key" => {
            // A key the provider no longer publishes.
            let old = provider.signing_key().await["kid"].as_str().expect("kid").to_owned();
            provider.rotate(true).await;
            provider.mint(claims, Some(&old)).await
        }
        "expired" => provider.mint(json!({ "sub": "user-sam", "iat": now - 7200, "exp": now - 3600 }), None).await,
        "not yet valid" => provider.mint(json!({ "sub": "user-sam", "nbf": now + 3600 }), None).await,
        "issued for another audience" => provider.mint(json!({ "sub": "user-sam", "aud": "another-api" }), None).await,
        "issued by another issuer" => {
            provider.mint(json!({ "sub": "user-sam", "iss": "https://login.other.example" }), None).await
        }
        "unsigned with alg none" => {
            let kid = provider.signing_key().await["kid"].clone();
            let header = json!({ "alg": "none", "typ": "JWT", "kid": kid });
            let body = json!({ "iss": provider.issuer, "aud": AUDIENCE, "sub": "user-sam", "exp": now + 300,
                               "groups": ["charter:platform-admin"] });
            format!("{}.{}.", b64(header.to_string().as_bytes()), b64(body.to_string().as_bytes()))
        }
        "HMAC-signed with the provider's public key" => {
            let jwk = provider.signing_key().await;
            let public = json!({ "kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"], "kid": jwk["kid"] });
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            header.kid = jwk["kid"].as_str().map(str::to_owned);
            let body = json!({ "iss": provider.issuer, "aud": AUDIENCE, "sub": "user-sam", "exp": now + 300 });
            let secret = jsonwebtoken::EncodingKey::from_secret(public.to_string().as_bytes()).expect("a secret");
            jsonwebtoken::encode(&header, &body, &secret).expect("an HMAC token")
        }
        "altered after signing" => {
            let token = provider.mint(claims, None).await;
            let parts: Vec<&str> = token.split('.').collect();
            let mut payload: Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).expect("base64"),
            )
            .expect("claims");
            payload["groups"] = json!(["charter:platform-admin"]);
            format!("{}.{}.{}", parts[0], b64(payload.to_string().as_bytes()), parts[2])
        }
        other => panic!("unknown defect {other}"),
    };
    let before = world.security_events("token_refused").await.len();
    let response = world.with_token(&token).await;
    world.sso.landed = Some(before.to_string());
    world.responses.push(response);
}

#[then("the response status is 401 and an audit event records the failure")]
async fn refused_and_recorded(world: &mut CharterWorld) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "invalid_credentials", "{body}");
    let before: usize = world.sso.landed.as_deref().and_then(|n| n.parse().ok()).expect("events counted before");
    let events = world.security_events("token_refused").await;
    assert_eq!(events.len(), before + 1, "{events:?}");
    assert!(events[0]["detail"]["reason"].is_string(), "{:?}", events[0]);
    // The control: a good token of the same provider is accepted.
    let good = world.provider().mint(world.sam_claims(), None).await;
    let (status, me) = world.with_token(&good).await;
    assert_eq!(status, 200, "a valid token: {me}");
}

#[given("a token signed with the provider's current key is accepted")]
async fn current_key_accepted(world: &mut CharterWorld) {
    let token = world.provider().mint(world.sam_claims(), None).await;
    let (status, body) = world.with_token(&token).await;
    assert_eq!(status, 200, "{body}");
}

#[when("the identity provider starts signing with a new key")]
async fn provider_rotates(world: &mut CharterWorld) {
    let kid = world.provider().rotate(false).await;
    world.sso.landed = Some(kid);
}

#[then("tokens signed with the new key are accepted without a restart")]
async fn new_key_accepted(world: &mut CharterWorld) {
    let kid = world.sso.landed.clone().expect("the new key");
    let token = world.provider().mint(world.sam_claims(), None).await;
    let header = jsonwebtoken::decode_header(&token).expect("a JWT");
    assert_eq!(header.kid.as_deref(), Some(kid.as_str()), "minted with the new key");
    let (status, body) = world.with_token(&token).await;
    assert_eq!(status, 200, "{body}");
}

#[given(regex = r#"^an integration key of "([^"]+)"$"#)]
async fn integration_key(world: &mut CharterWorld, slug: String) {
    let key = world.deployment().await.tenant_key(&slug, "editor").await;
    let (status, body) =
        world.deployment().await.send(Method::GET, &format!("/api/v1/tenants/{slug}/entities"), &key, None).await;
    assert_eq!(status, 200, "{body}");
    world.sso.key = Some(key);
}

#[when("a tenant admin revokes it")]
async fn admin_revokes(world: &mut CharterWorld) {
    let admin = world.key_of("acme");
    let deployment = world.deployment().await;
    let (_, keys) = deployment.send(Method::GET, "/api/v1/tenants/acme/api-keys", &admin, None).await;
    let id = keys["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|k| k["role"] == "editor")
        .and_then(|k| k["id"].as_str())
        .expect("the editor key")
        .to_owned();
    let (status, body) =
        deployment.send(Method::DELETE, &format!("/api/v1/tenants/acme/api-keys/{id}"), &admin, None).await;
    assert_eq!(status, 204, "{body}");
}

#[then("the next request with it gets 401")]
async fn revoked_key_refused(world: &mut CharterWorld) {
    let key = world.sso.key.clone().expect("a key");
    let (status, body) = world.deployment().await.send(Method::GET, "/api/v1/tenants/acme/entities", &key, None).await;
    assert_eq!(status, 401, "{body}");
    let revoked = world.security_events("api_key.revoke").await;
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    // The tenant's admins see it in their part of the trail.
    let admin = world.key_of("acme");
    let deployment = world.deployment().await;
    let (status, trail) = deployment.send(Method::GET, "/api/v1/tenants/acme/security-events", &admin, None).await;
    assert_eq!(status, 200, "{trail}");
    let kinds: Vec<&str> =
        trail["items"].as_array().expect("items").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"api_key.revoke"), "{trail}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "api_key.create").count(),
        2,
        "the admin's and the integration key: {trail}"
    );
    // Nothing of another tenant's.
    assert!(trail["items"].as_array().expect("items").iter().all(|e| e["tenant_id"] == trail["items"][0]["tenant_id"]));
}

#[when("the host platform signs Sam in with its own client and calls Charter with the access token")]
async fn host_signs_in(world: &mut CharterWorld) {
    let provider = world.provider();
    let redirect = "http://127.0.0.1:9/host/callback";
    provider
        .register_client(json!({ "client_id": "host-platform", "redirect_uris": [redirect],
                                 "grant_types": ["authorization_code", "refresh_token"] }))
        .await;
    let verifier = "host-verifier-0123456789-0123456789-0123456789";
    let challenge = b64(&Sha256::digest(verifier.as_bytes()));
    let authorize = format!(
        "{}/auth?response_type=code&client_id=host-platform&redirect_uri={redirect}&scope=openid%20email%20profile\
         &state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256&login_hint=sam@firm.example",
        provider.issuer
    );
    // Follow the provider's redirects up to the host's redirect URI.
    let browser = Browser::new();
    let answer = browser.redirected_to(&authorize, redirect).await;
    let code = answer.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("a code");
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("client_id", "host-platform"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("tokens");
    world.sso.host_tokens = Some(tokens);
}

#[then(regex = r#"^Charter answers as Sam with "([^"]+)" as (\w+)$"#)]
async fn answers_as_sam(world: &mut CharterWorld, slug: String, role: String) {
    let token =
        world.sso.host_tokens.as_ref().and_then(|t| t["access_token"].as_str()).expect("an access token").to_owned();
    let (status, me) = world.with_token(&token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "sam@firm.example", "{me}");
    assert!(me["csrf_token"].is_null(), "no session with a bearer token: {me}");
    let tenants = me["tenants"].as_array().expect("tenants");
    assert!(tenants.iter().any(|t| t["slug"] == slug.as_str() && t["role"] == role.as_str()), "{me}");
}

#[then("after the host refreshes the token Charter still answers as Sam")]
async fn refreshed_token(world: &mut CharterWorld) {
    let refresh =
        world.sso.host_tokens.as_ref().and_then(|t| t["refresh_token"].as_str()).expect("a refresh token").to_owned();
    let issuer = world.provider().issuer.clone();
    let tokens: Value = reqwest::Client::new()
        .post(format!("{issuer}/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str()), ("client_id", "host-platform")])
        .send()
        .await
        .expect("refresh")
        .json()
        .await
        .expect("tokens");
    let old = world.sso.host_tokens.as_ref().and_then(|t| t["access_token"].as_str()).unwrap_or_default().to_owned();
    let token = tokens["access_token"].as_str().expect("a new access token").to_owned();
    assert_ne!(token, old);
    let (status, me) = world.with_token(&token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "sam@firm.example");
}

#[when("Sam signs in through the identity provider and the provider's answer is replayed")]
async fn replayed_answer(world: &mut CharterWorld) {
    let browser = Browser::new();
    let base = world.base();
    // Follow up to (not into) Charter's callback, then call it twice.
    let login = format!("{base}/auth/login?login_hint=sam@firm.example");
    let callback = browser.redirected_to(&login, &format!("{base}/auth/callback")).await.to_string();
    let first = browser.http.get(&callback).send().await.expect("callback");
    assert_eq!(first.status().as_u16(), 303, "the first answer signs in");
    let replay = Browser::new().http.get(&callback).send().await.expect("replay");
    let status = replay.status().as_u16();
    let body = replay.json().await.unwrap_or(Value::Null);
    world.responses.push((status, body));
}

#[then("the replay gets 401 and an audit event records the failed sign-in")]
async fn replay_refused(world: &mut CharterWorld) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "sign_in_failed", "{body}");
    let failed = world.security_events("sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["detail"]["reason"], "unknown_or_replayed_state");
    assert_eq!(world.security_events("sign_in").await.len(), 1, "the first answer signed in");
}

#[then(regex = r#"^creating an entity in "([^"]+)" without the CSRF token gets 403 and writes nothing$"#)]
async fn csrf_refused(world: &mut CharterWorld, slug: String) {
    let body = json!({ "legal_name": "Forged Ltd", "jurisdiction": "GB" });
    let (status, problem) =
        world.as_person("Sam", Method::POST, &format!("/api/v1/tenants/{slug}/entities"), Some(body), false).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["code"], "csrf_token_invalid", "{problem}");
    let (_, list) = world.as_person("Sam", Method::GET, &format!("/api/v1/tenants/{slug}/entities"), None, false).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    assert_eq!(world.security_events("csrf_rejected").await.len(), 1);
}

#[when("Sam signs out")]
async fn sam_signs_out(world: &mut CharterWorld) {
    let base = world.base();
    let browser = world.sso.browsers.get("Sam").expect("signed in");
    let response = browser
        .http
        .post(format!("{base}/auth/logout"))
        .header("x-csrf-token", world.sso.csrf["Sam"].as_str())
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()[reqwest::header::LOCATION].to_str().expect("Location").to_owned();
    assert!(location.starts_with(&world.provider().issuer), "RP-initiated logout at the provider: {location}");
    let (status, landed, _) = browser.follow(&location).await;
    world.sso.landed = Some(format!("{status} {landed}"));
}

#[then("the browser is sent to the provider's logout and back to Charter")]
async fn back_at_charter(world: &mut CharterWorld) {
    let landed = world.sso.landed.clone().expect("where logout ended");
    assert!(landed.contains(&format!("{}/", world.base())), "{landed}");
    assert_eq!(world.security_events("logout").await.len(), 1);
}

#[then(regex = r#"^the session cookie no longer opens "GET /api/v1/me"$"#)]
async fn session_ended(world: &mut CharterWorld) {
    let (status, body) = world.as_person("Sam", Method::GET, "/api/v1/me", None, false).await;
    assert_eq!(status, 401, "{body}");
}

// ---- Feature: Client users sign in with their own firm's identity provider ----

impl CharterWorld {
    fn client_provider(&self) -> &OidcProvider {
        self.sso.client_provider.as_ref().expect("the client's identity provider is running")
    }

    async fn set_identity_provider(&mut self, slug: &str, key: &str, body: Value) -> (u16, Value) {
        let deployment = self.deployment().await;
        deployment.send(Method::PUT, &format!("/api/v1/tenants/{slug}/identity-provider"), key, Some(body)).await
    }
}

#[given(regex = r#"^"([^"]+)" signs its users in with its own identity provider for "([^"]+)"$"#)]
async fn client_provider_set(world: &mut CharterWorld, slug: String, domain: String) {
    let provider = OidcProvider::start().await;
    provider.register_charter(&world.base()).await;
    let admin = world.deployment().await.admin_key.clone();
    let body = json!({ "issuer": provider.issuer, "client_id": crate::support::oidc::CLIENT_ID,
                       "client_secret": crate::support::oidc::CLIENT_SECRET, "email_domains": [domain] });
    let (status, set) = world.set_identity_provider(&slug, &admin, body).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["client_secret_set"], true, "{set}");
    assert!(set.get("client_secret").is_none(), "the secret is never shown: {set}");
    world.sso.client_provider = Some(provider);
}

#[given(regex = r#"^"([^"]+)" is an? (\w+) of "([^"]+)"$"#)]
async fn one_membership(world: &mut CharterWorld, email: String, role: String, slug: String) {
    let key = world.key_of(&slug);
    let deployment = world.deployment().await;
    let (status, body) = deployment
        .send(
            Method::POST,
            &format!("/api/v1/tenants/{slug}/members"),
            &key,
            Some(json!({ "email": email, "role": role })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[when(regex = r#"^the client user "([^"]+)" signs in$"#)]
async fn client_user_signs_in(world: &mut CharterWorld, email: String) {
    // Their groups at the client's provider would make them platform admins
    // at the firm's; a client's provider grants no platform role.
    world.client_provider().set_groups(&email, &["charter:platform-admin"]).await;
    let browser = Browser::new();
    let url = format!("{}/auth/login?login_hint={email}&return_to=/api/v1/me", world.base());
    let (status, landed, body) = browser.follow(&url).await;
    assert_eq!(status, 200, "signing in ended at {landed}: {body}");
    world.sso.browsers.insert("client".into(), browser);
    let me: Value = serde_json::from_str(&body).expect("the caller");
    world.sso.csrf.insert("client".into(), me["csrf_token"].as_str().unwrap_or_default().to_owned());
}

#[then("the sign-in went through the client's provider")]
async fn went_through_client(world: &mut CharterWorld) {
    let issuer = world.client_provider().issuer.clone();
    let events = world.security_events("sign_in").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["issuer"], issuer.as_str(), "{:?}", events[0]);
}

#[then(regex = r#"^"GET /api/v1/me" of the client user lists exactly "([^"]+)" as (\w+)$"#)]
async fn client_me(world: &mut CharterWorld, slug: String, role: String) {
    let (status, me) = world.as_person("client", Method::GET, "/api/v1/me", None, false).await;
    assert_eq!(status, 200, "{me}");
    let expected = json!([{ "slug": slug, "name": format!("{slug} firm"), "role": role, "entity_groups": null }]);
    assert_eq!(me["tenants"], expected, "{me}");
    assert_eq!(me["platform_roles"], json!([]), "{me}");
}

#[then(regex = r#"^the client's access tokens are accepted for "([^"]+)" but grant no platform role$"#)]
async fn client_tokens(world: &mut CharterWorld, slug: String) {
    // The subject the client's provider gives the user who signed in.
    let email = "cfo@acme-corp.example";
    let sub = format!("user-{}", &hex::encode(Sha256::digest(email.as_bytes()))[..16]);
    let token = world
        .client_provider()
        .mint(
            json!({ "sub": sub, "aud": crate::support::oidc::CLIENT_ID, "email": email,
                    "email_verified": true, "groups": ["charter:platform-admin"] }),
            None,
        )
        .await;
    let url = format!("{}/api/v1/tenants/{slug}/entities", world.base());
    let response = reqwest::Client::new().get(&url).bearer_auth(&token).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let (status, me) = world.with_token(&token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["platform_roles"], json!([]), "{me}");
    let (status, body) = {
        let url = format!("{}/api/v1/security-events", world.base());
        let response = reqwest::Client::new().get(&url).bearer_auth(&token).send().await.expect("GET");
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    };
    assert_eq!(status, 403, "not a platform admin: {body}");
}

#[then(regex = r#"^the client user gets 403 or 404 listing the entities of "([^"]+)"$"#)]
async fn client_elsewhere(world: &mut CharterWorld, slug: String) {
    let (status, body) =
        world.as_person("client", Method::GET, &format!("/api/v1/tenants/{slug}/entities"), None, false).await;
    assert!(status == 403 || status == 404, "{status} {body}");
}

#[when(regex = r#"^the client's provider signs in a user who claims to be "([^"]+)"$"#)]
async fn client_claims_staff(world: &mut CharterWorld, email: String) {
    let browser = Browser::new();
    let url = format!("{}/auth/login?tenant=acme&login_hint={email}&return_to=/api/v1/me", world.base());
    let (status, landed, body) = browser.follow(&url).await;
    assert_eq!(status, 200, "signing in ended at {landed}: {body}");
    world.sso.browsers.insert("client".into(), browser);
}

#[then(regex = r#"^that user can open "([^"]+)" at most and not "([^"]+)"$"#)]
async fn claimed_staff_contained(world: &mut CharterWorld, own: String, other: String) {
    let (_, me) = world.as_person("client", Method::GET, "/api/v1/me", None, false).await;
    let slugs: Vec<&str> =
        me["tenants"].as_array().expect("tenants").iter().filter_map(|t| t["slug"].as_str()).collect();
    assert!(slugs.iter().all(|s| *s == own), "{me}");
    let (status, _) =
        world.as_person("client", Method::GET, &format!("/api/v1/tenants/{other}/entities"), None, false).await;
    assert!(status == 403 || status == 404);
    // Sam's own membership of the other tenant is still waiting for Sam.
    let key = world.key_of(&other);
    let deployment = world.deployment().await;
    let (_, members) = deployment.send(Method::GET, &format!("/api/v1/tenants/{other}/members"), &key, None).await;
    assert_eq!(members["items"][0]["status"], "invited", "{members}");
}

#[when(regex = r#"^the identity provider of "([^"]+)" is set (.+)$"#)]
async fn bad_provider_settings(world: &mut CharterWorld, slug: String, fault: String) {
    let admin = world.deployment().await.admin_key.clone();
    let client_issuer = world.client_provider().issuer.clone();
    let mut key = admin;
    let mut body = json!({ "issuer": client_issuer, "client_id": "charter", "email_domains": ["globex.example"] });
    match fault.as_str() {
        "by a tenant admin" => key = world.key_of(&slug),
        "with an http issuer off loopback" => body["issuer"] = json!("http://login.globex.example"),
        "with an issuer that does not answer" => body["issuer"] = json!("http://127.0.0.1:9"),
        "with a domain of another tenant" => {
            // A provider of its own that answers, but a domain acme has.
            let other = OidcProvider::start().await;
            body["issuer"] = json!(other.issuer);
            body["email_domains"] = json!(["globex.example", "acme-corp.example"]);
            let response = world.set_identity_provider(&slug, &key, body).await;
            world.responses.push(response);
            return;
        }
        "with the firm's own issuer" => body["issuer"] = json!(world.provider().issuer),
        "without email domains" => body["email_domains"] = json!([]),
        other => panic!("unknown fault {other}"),
    }
    let response = world.set_identity_provider(&slug, &key, body).await;
    world.responses.push(response);
}

#[then(regex = r#"^the response status is (\d+) naming "([^"]*)" and nothing is set$"#)]
async fn provider_refused(world: &mut CharterWorld, status: u16, field: String) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    if !field.is_empty() {
        let errors = body["errors"].as_array().expect("errors");
        assert!(errors.iter().any(|e| e["field"] == field.as_str()), "{body}");
    }
    let admin = world.deployment().await.admin_key.clone();
    let deployment = world.deployment().await;
    let (status, body) = deployment.send(Method::GET, "/api/v1/tenants/globex/identity-provider", &admin, None).await;
    assert_eq!(status, 404, "globex has no provider: {body}");
}

// ---- Entity-group scopes ----

#[given(regex = r#"^entity group "([^"]+)" of "([^"]+)" holds "([^"]+)" and not "([^"]+)"$"#)]
async fn group_with_entities(world: &mut CharterWorld, group: String, slug: String, inside: String, outside: String) {
    let key = world.key_of(&slug);
    let deployment = world.deployment().await;
    let (status, created) = deployment
        .send(Method::POST, &format!("/api/v1/tenants/{slug}/entity-groups"), &key, Some(json!({ "name": group })))
        .await;
    assert_eq!(status, 201, "{created}");
    let group_id = created["id"].as_str().expect("id").to_owned();
    let mut made = Vec::new();
    for (name, groups) in [(inside, json!([group_id])), (outside, json!([]))] {
        let body =
            json!({ "legal_name": name, "jurisdiction": "GB", "groups": groups, "effective_from": "2020-01-01" });
        let (status, entity) =
            deployment.send(Method::POST, &format!("/api/v1/tenants/{slug}/entities"), &key, Some(body)).await;
        assert_eq!(status, 201, "{entity}");
        made.push((name, (slug.clone(), entity["id"].as_str().expect("id").to_owned())));
    }
    world.entities.extend(made);
    world.sso.landed = Some(group_id);
}

#[given(regex = r#"^"([^"]+)" is an? (\w+) of "([^"]+)" limited to entity group "([^"]+)"$"#)]
async fn limited_membership(world: &mut CharterWorld, email: String, role: String, slug: String, _group: String) {
    let group = world.sso.landed.clone().expect("the group's id");
    let key = world.key_of(&slug);
    let deployment = world.deployment().await;
    let body = json!({ "email": email, "role": role, "entity_groups": [group] });
    let (status, member) =
        deployment.send(Method::POST, &format!("/api/v1/tenants/{slug}/members"), &key, Some(body)).await;
    assert_eq!(status, 201, "{member}");
    assert_eq!(member["entity_groups"], json!([group]), "{member}");
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["legal_name"].as_str().map(str::to_owned))
        .collect()
}

#[then(regex = r#"^Sam's list of the entities of "([^"]+)" shows exactly "([^"]+)"$"#)]
async fn sam_lists_group(world: &mut CharterWorld, slug: String, name: String) {
    let (status, list) =
        world.as_person("Sam", Method::GET, &format!("/api/v1/tenants/{slug}/entities"), None, false).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(names(&list), vec![name], "{list}");
    let (_, me) = world.as_person("Sam", Method::GET, "/api/v1/me", None, false).await;
    let acme = me["tenants"].as_array().expect("tenants").iter().find(|t| t["slug"] == slug.as_str()).cloned();
    assert!(acme.is_some_and(|t| t["entity_groups"].as_array().is_some_and(|g| g.len() == 1)), "{me}");
}

#[then(regex = r#"^Sam gets 404 reading "([^"]+)" and 403 listing the persons of "([^"]+)"$"#)]
async fn sam_outside_group(world: &mut CharterWorld, outside: String, slug: String) {
    let (_, id) = world.entities[&outside].clone();
    for path in
        [format!("/api/v1/tenants/{slug}/entities/{id}"), format!("/api/v1/tenants/{slug}/entities/{id}/history")]
    {
        let (status, body) = world.as_person("Sam", Method::GET, &path, None, false).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, body) =
        world.as_person("Sam", Method::GET, &format!("/api/v1/tenants/{slug}/persons"), None, false).await;
    assert_eq!(status, 403, "{body}");
}

#[then(regex = r#"^Sam can rename "([^"]+)" but not move it out of "([^"]+)"$"#)]
async fn sam_edits_within_group(world: &mut CharterWorld, name: String, _group: String) {
    let (slug, id) = world.entities[&name].clone();
    let path = format!("/api/v1/tenants/{slug}/entities/{id}");
    let (_, entity) = world.as_person("Sam", Method::GET, &path, None, false).await;
    let version = entity["version"].as_i64().expect("version");
    let patch = |body: Value, version: i64| {
        let url = format!("{}{path}", world.base());
        let browser = world.sso.browsers.get("Sam").expect("signed in");
        browser
            .http
            .patch(url)
            .header("x-csrf-token", world.sso.csrf["Sam"].as_str())
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send()
    };
    let moved = patch(json!({ "groups": [] }), version).await.expect("PATCH");
    assert_eq!(moved.status().as_u16(), 422, "{:?}", moved.text().await);
    let renamed = patch(json!({ "legal_name": format!("{name} (renamed)") }), version).await.expect("PATCH");
    let status = renamed.status().as_u16();
    assert_eq!(status, 200, "{:?}", renamed.text().await);
}

#[given(regex = r#"^an? (integration|editor's) key of "([^"]+)" limited to entity group "([^"]+)"$"#)]
async fn limited_key(world: &mut CharterWorld, kind: String, slug: String, _group: String) {
    let group = world.sso.landed.clone().expect("the group's id");
    let admin = world.key_of(&slug);
    let deployment = world.deployment().await;
    let role = if kind == "integration" { "viewer" } else { "editor" };
    let body = json!({ "name": "Europe desk", "role": role, "entity_groups": [group] });
    let (status, key) =
        deployment.send(Method::POST, &format!("/api/v1/tenants/{slug}/api-keys"), &admin, Some(body)).await;
    assert_eq!(status, 201, "{key}");
    assert_eq!(key["entity_groups"], json!([group]), "{key}");
    world.sso.key = key["key"].as_str().map(str::to_owned);
}

#[then(regex = r#"^the key lists exactly "([^"]+)" of "([^"]+)" and gets 404 reading "([^"]+)"$"#)]
async fn limited_key_reaches(world: &mut CharterWorld, inside: String, slug: String, outside: String) {
    let key = world.sso.key.clone().expect("a key");
    let (_, outside_id) = world.entities[&outside].clone();
    let deployment = world.deployment().await;
    let (status, list) = deployment.send(Method::GET, &format!("/api/v1/tenants/{slug}/entities"), &key, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(names(&list), vec![inside], "{list}");
    let (status, body) =
        deployment.send(Method::GET, &format!("/api/v1/tenants/{slug}/entities/{outside_id}"), &key, None).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) =
        deployment.send(Method::GET, &format!("/api/v1/tenants/{slug}/audit-events"), &key, None).await;
    assert_eq!(status, 403, "{body}");
}

#[then(regex = r#"^BD can set up "([^"]+)": its modules and its first admin, but not read its entities$"#)]
async fn bd_sets_up(world: &mut CharterWorld, slug: String) {
    let settings = json!({ "modules": ["register", "structure"], "default_jurisdictions": ["US-DE"] });
    let (status, body) =
        world.as_person("BD", Method::PATCH, &format!("/api/v1/tenants/{slug}/settings"), Some(settings), true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["modules"], json!(["register", "structure"]), "{body}");
    let admin = json!({ "email": "admin@initech.example", "role": "admin" });
    let (status, body) =
        world.as_person("BD", Method::POST, &format!("/api/v1/tenants/{slug}/members"), Some(admin), true).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        world.as_person("BD", Method::GET, &format!("/api/v1/tenants/{slug}/entities"), None, false).await;
    assert!(status == 403 || status == 404, "{status} {body}");
}

#[given(regex = r#"^"([^"]+)" of "([^"]+)" holds the LEI "([^"]+)"$"#)]
async fn entity_holds_lei(world: &mut CharterWorld, name: String, slug: String, lei: String) {
    let key = world.key_of(&slug);
    let (status, body) = world.give_lei(&key, &slug, &name, &lei).await;
    assert_eq!(status, 200, "{body}");
}

impl CharterWorld {
    /// `PATCH` the entity named `name` (at its first version) with `lei`, with `key`.
    async fn give_lei(&mut self, key: &str, slug: &str, name: &str, lei: &str) -> (u16, Value) {
        let (_, id) = self.entities[name].clone();
        let deployment = self.deployment().await;
        let response = deployment
            .http
            .patch(deployment.url(&format!("/api/v1/tenants/{slug}/entities/{id}")))
            .bearer_auth(key)
            .header("if-match", "\"1\"")
            .json(&json!({ "lei": lei }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }
}

#[when(regex = r#"^the key gives "([^"]+)" of "([^"]+)" the LEI "([^"]+)"$"#)]
async fn key_gives_lei(world: &mut CharterWorld, name: String, slug: String, lei: String) {
    let key = world.sso.key.clone().expect("a key");
    let response = world.give_lei(&key, &slug, &name, &lei).await;
    world.responses.push(response);
}

#[then(regex = r#"^the response status is 422 naming "([^"]+)" without the id of "([^"]+)"$"#)]
async fn refused_without_id(world: &mut CharterWorld, field: String, outside: String) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"] == "unique_lei"), "{body}");
    let (_, outside_id) = world.entities[&outside].clone();
    assert!(!body.to_string().contains(&outside_id), "the refusal names an entity outside the caller's groups: {body}");
}
