//! Feature: Bad input gets a clear 4xx and changes nothing.

use cucumber::{then, when};
use serde_json::{Value, json};

use super::CharterWorld;
use crate::support::connect_as_admin;

#[derive(Default)]
pub struct State {
    /// Row counts before the request: (tenants, keys, entities).
    before: Option<(i64, i64, i64)>,
    content_type: Option<String>,
}

/// What a request changes, counted: tenants and keys in the control plane,
/// entities in the shared database.
async fn counts(world: &mut CharterWorld) -> (i64, i64, i64) {
    let deployment = world.deployment().await;
    let control = connect_as_admin(&deployment.control_url).await;
    let tenants: i64 = control.query_one("SELECT count(*) FROM control.tenants", &[]).await.expect("count").get(0);
    let keys: i64 = control.query_one("SELECT count(*) FROM control.api_keys", &[]).await.expect("count").get(0);
    let (_, shared) = deployment.tenant_database("acme").await;
    let entities: i64 = connect_as_admin(&shared)
        .await
        .query_one("SELECT count(*) FROM charter.legal_entity", &[])
        .await
        .expect("count")
        .get(0);
    (tenants, keys, entities)
}

/// The bearer key a caller description stands for (`None`: no header).
async fn caller_key(world: &mut CharterWorld, caller: &str) -> Option<String> {
    if caller == "the admin" {
        return Some(world.deployment().await.admin_key.clone());
    }
    if caller == "nobody" {
        return None;
    }
    if caller == "a forged key" {
        // Well-formed, never issued.
        return Some(format!("chk_{}", "A".repeat(43)));
    }
    if let Some(slug) = caller.strip_prefix("a viewer of \"").and_then(|s| s.strip_suffix('"')) {
        return Some(world.deployment().await.tenant_key(slug, "viewer").await);
    }
    if let Some(slug) = caller.strip_prefix('"').and_then(|s| s.strip_suffix("\"'s key")) {
        return Some(world.key_of(slug));
    }
    panic!("unknown caller: {caller}")
}

/// (method, path, body as raw bytes, content type) for a request description.
fn request(description: &str) -> (reqwest::Method, String, Vec<u8>, &'static str) {
    use reqwest::Method;
    let json_body = |value: Value| value.to_string().into_bytes();
    let quoted = |prefix: &str| -> Option<String> {
        description.strip_prefix(prefix).map(|rest| rest.trim_matches('"').to_owned())
    };
    let onboarding = |value: Value| (Method::POST, "/api/v1/tenants".to_owned(), json_body(value), "application/json");
    let entity = |tenant: &str, value: Value| {
        (Method::POST, format!("/api/v1/tenants/{tenant}/entities"), json_body(value), "application/json")
    };
    if let Some(slug) = quoted("an onboarding request with slug ") {
        return onboarding(json!({ "slug": slug, "name": "Bad", "placement": "shared" }));
    }
    if let Some(placement) = quoted("an onboarding request with placement ") {
        return onboarding(json!({ "slug": "newco", "name": "New Co", "placement": placement }));
    }
    if description == "an onboarding request without a name" {
        return onboarding(json!({ "slug": "newco", "placement": "shared" }));
    }
    if let Some(field) = quoted("an onboarding request with an unknown field ") {
        return onboarding(json!({ "slug": "newco", "name": "New Co", "placement": "shared", field: "gold" }));
    }
    if description == "an onboarding request with invalid JSON" {
        return (Method::POST, "/api/v1/tenants".into(), br#"{"slug": "newco", "name": "#.to_vec(), "application/json");
    }
    if description == "an onboarding request that is not JSON" {
        return (
            Method::POST,
            "/api/v1/tenants".into(),
            b"slug=newco&name=New+Co".to_vec(),
            "application/x-www-form-urlencoded",
        );
    }
    if description == "an onboarding request of 100 KiB" {
        return onboarding(json!({ "slug": "newco", "name": "x".repeat(100 * 1024), "placement": "shared" }));
    }
    if let Some(slug) = quoted("an onboarding request for ") {
        return onboarding(json!({ "slug": slug, "name": "Evil", "placement": "shared" }));
    }
    if let Some(tenant) = quoted("an entity for tenant ") {
        return entity(&tenant.replace(' ', "%20"), json!({ "legal_name": "Sneaky Ltd" }));
    }
    if description == "an entity with an empty legal name" {
        return entity("acme", json!({ "legal_name": "   " }));
    }
    if let Some(jurisdiction) = quoted("an entity with jurisdiction ") {
        return entity("acme", json!({ "legal_name": "Beispiel GmbH", "jurisdiction": jurisdiction }));
    }
    if description == "an entity with a legal name of 501 characters" {
        return entity("acme", json!({ "legal_name": "n".repeat(501) }));
    }
    if let Some(id) = quoted("a request for entity ") {
        return (Method::GET, format!("/api/v1/tenants/acme/entities/{id}"), Vec::new(), "application/json");
    }
    if let Some(limit) = quoted("a list of entities with limit ") {
        return (Method::GET, format!("/api/v1/tenants/acme/entities?limit={limit}"), Vec::new(), "application/json");
    }
    panic!("unknown request: {description}")
}

#[when(regex = r"^(the admin|nobody|a forged key|a viewer of .+|.+'s key) sends (.+)$")]
async fn sends(world: &mut CharterWorld, caller: String, description: String) {
    let key = caller_key(world, &caller).await;
    world.bad_input.before = Some(counts(world).await);
    let (method, path, body, content_type) = request(&description);
    let deployment = world.deployment().await;
    let mut builder = deployment.http.request(method, deployment.url(&path)).header("content-type", content_type);
    if let Some(key) = key {
        builder = builder.bearer_auth(key);
    }
    if !body.is_empty() {
        builder = builder.body(body);
    }
    let response = builder.send().await.expect("request sent");
    let status = response.status().as_u16();
    world.bad_input.content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = response.text().await.expect("body");
    world.responses.push((status, serde_json::from_str(&text).unwrap_or(Value::String(text))));
}

#[then(expr = "the response status is {int} with problem code {string}")]
async fn problem_with_code(world: &mut CharterWorld, status: u16, code: String) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    assert_eq!(world.bad_input.content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(body["code"], code.as_str(), "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:charter:problem:{code}"));
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{body}");
}

#[then(expr = "the problem names {string}")]
async fn problem_names(world: &mut CharterWorld, field: String) {
    if field == "-" {
        return;
    }
    let (_, body) = world.last();
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e["field"] == field.as_str() && e["rule"].as_str().is_some_and(|r| !r.is_empty())),
        "no error names {field}: {body}"
    );
    assert!(body["detail"].as_str().unwrap_or_default().contains(field.as_str()), "{body}");
}

#[then("nothing was written")]
async fn nothing_written(world: &mut CharterWorld) {
    let before = world.bad_input.before.expect("counted before");
    let after = counts(world).await;
    // Keys a step made for its caller exist before the first count.
    assert_eq!(before, after, "(tenants, keys, entities) before and after the request");
}
