//! Feature: Bad input gets a clear 4xx and changes nothing.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::CharterWorld;
use crate::support::connect_as_admin;

#[derive(Default)]
pub struct State {
    /// Row counts before the request, by table.
    before: Option<Vec<(&'static str, i64)>>,
    content_type: Option<String>,
}

/// The tables of the shared database a refused request must leave alone.
const DATA_TABLES: [&str; 8] = [
    "legal_entity",
    "entity_fact",
    "person",
    "appointment",
    "appointment_term",
    "custom_field",
    "audit_event",
    "idempotency_key",
];

/// What a request could change, counted: tenants and keys in the control
/// plane, the register's tables in the shared database.
async fn counts(world: &mut CharterWorld) -> Vec<(&'static str, i64)> {
    let deployment = world.deployment().await;
    let control = connect_as_admin(&deployment.control_url).await;
    let mut counts = Vec::new();
    for table in ["tenants", "api_keys"] {
        let sql = format!("SELECT count(*) FROM control.{table}");
        counts.push((table, control.query_one(&sql, &[]).await.expect("count").get(0)));
    }
    let (_, shared) = deployment.tenant_database("acme").await;
    let data = connect_as_admin(&shared).await;
    for table in DATA_TABLES {
        let sql = format!("SELECT count(*) FROM charter.{table}");
        counts.push((table, data.query_one(&sql, &[]).await.expect("count").get(0)));
    }
    counts
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

/// (method, path, body as raw bytes, content type, extra headers).
type Request = (reqwest::Method, String, Vec<u8>, &'static str, Vec<(&'static str, String)>);

/// A register request, after making what it refers to (as acme's admin).
async fn register_request(world: &mut CharterWorld, description: &str) -> Option<Request> {
    use reqwest::Method;
    let entity = |value: Value| {
        Some((
            Method::POST,
            "/api/v1/tenants/acme/entities".to_owned(),
            value.to_string().into_bytes(),
            "application/json",
            vec![],
        ))
    };
    let acme = world.key_of("acme");
    let quoted = |prefix: &str| description.strip_prefix(prefix).map(|rest| rest.trim_matches('"').to_owned());
    const TAKEN: &str = "5493001KJTIIGC8Y1R12";
    if description == "an entity with the LEI of another entity of the tenant" {
        let deployment = world.deployment().await;
        let alpha = json!({ "legal_name": "Alpha Ltd", "jurisdiction": "GB", "lei": TAKEN });
        let (status, body) = deployment.send(Method::POST, "/api/v1/tenants/acme/entities", &acme, Some(alpha)).await;
        assert_eq!(status, 201, "{body}");
        return entity(json!({ "legal_name": "Beta Ltd", "jurisdiction": "GB", "lei": TAKEN }));
    }
    if description == "a change giving an entity the LEI of another entity" {
        let deployment = world.deployment().await;
        let alpha = json!({ "legal_name": "Alpha Ltd", "jurisdiction": "GB", "lei": TAKEN });
        let (status, body) = deployment.send(Method::POST, "/api/v1/tenants/acme/entities", &acme, Some(alpha)).await;
        assert_eq!(status, 201, "{body}");
        let beta = deployment.create_entity("acme", &acme, "Beta Ltd").await;
        return Some((
            Method::PATCH,
            format!("/api/v1/tenants/acme/entities/{beta}"),
            json!({ "lei": TAKEN }).to_string().into_bytes(),
            "application/json",
            vec![("if-match", "\"1\"".to_owned())],
        ));
    }
    if let Some(lei) = quoted("an entity with LEI ") {
        return entity(json!({ "legal_name": "Example Ltd", "jurisdiction": "GB", "lei": lei }));
    }
    if let Some((form, jurisdiction)) = description
        .strip_prefix("an entity with legal form \"")
        .and_then(|rest| rest.split_once("\" in jurisdiction \""))
    {
        return entity(
            json!({ "legal_name": "Exemple SAS", "jurisdiction": jurisdiction.trim_end_matches('"'), "legal_form": form }),
        );
    }
    if let Some(jurisdiction) = quoted("an entity in the unknown jurisdiction ") {
        return entity(json!({ "legal_name": "Nowhere Ltd", "jurisdiction": jurisdiction }));
    }
    if let Some((to, from)) = description.strip_prefix("an entity valid to ").and_then(|rest| rest.split_once(" from "))
    {
        return entity(
            json!({ "legal_name": "Backwards Ltd", "jurisdiction": "GB", "effective_from": from, "effective_to": to, "reason": "test" }),
        );
    }
    if let Some(key) = quoted("an entity with the unknown custom field ") {
        return entity(json!({ "legal_name": "Custom Ltd", "jurisdiction": "GB", "custom_fields": { key: "blue" } }));
    }
    if let Some(key) = description
        .strip_prefix("an entity with the number custom field \"")
        .and_then(|rest| rest.strip_suffix("\" set to text"))
    {
        let deployment = world.deployment().await;
        let definition = json!({ "key": key, "label": "Head count", "type": "number" });
        let (status, body) =
            deployment.send(Method::POST, "/api/v1/tenants/acme/custom-fields", &acme, Some(definition)).await;
        assert_eq!(status, 201, "{body}");
        return entity(json!({ "legal_name": "Custom Ltd", "jurisdiction": "GB", "custom_fields": { key: "twelve" } }));
    }
    let appointment = |value: Value| {
        Some((
            Method::POST,
            "/api/v1/tenants/acme/appointments".to_owned(),
            value.to_string().into_bytes(),
            "application/json",
            vec![],
        ))
    };
    let person = |given: &str| json!({ "given_name": given, "family_name": "Doe" });
    if description == "an appointment that ceases before it starts" {
        let deployment = world.deployment().await;
        let entity = deployment.create_entity("acme", &acme, "Alpha Ltd").await;
        let (_, jane) =
            deployment.send(Method::POST, "/api/v1/tenants/acme/persons", &acme, Some(person("Jane"))).await;
        return appointment(json!({
            "entity_id": entity, "holder": { "person_id": jane["id"] }, "role": "director",
            "appointed_on": "2024-03-01", "ceased_on": "2024-02-01",
        }));
    }
    if let Some(other) = quoted("an appointment of a person of tenant ") {
        let other_key = world.key_of(&other);
        let deployment = world.deployment().await;
        let entity = deployment.create_entity("acme", &acme, "Alpha Ltd").await;
        let path = format!("/api/v1/tenants/{other}/persons");
        let (status, john) = deployment.send(Method::POST, &path, &other_key, Some(person("John"))).await;
        assert_eq!(status, 201, "{john}");
        return appointment(json!({
            "entity_id": entity, "holder": { "person_id": john["id"] }, "role": "director", "appointed_on": "2024-03-01",
        }));
    }
    if description == "an appointment overlapping the same director's term" {
        let deployment = world.deployment().await;
        let entity = deployment.create_entity("acme", &acme, "Alpha Ltd").await;
        let (_, jane) =
            deployment.send(Method::POST, "/api/v1/tenants/acme/persons", &acme, Some(person("Jane"))).await;
        let first = json!({
            "entity_id": entity, "holder": { "person_id": jane["id"] }, "role": "director",
            "appointed_on": "2021-03-01", "ceased_on": "2024-02-29",
        });
        let (status, body) =
            deployment.send(Method::POST, "/api/v1/tenants/acme/appointments", &acme, Some(first)).await;
        assert_eq!(status, 201, "{body}");
        return appointment(json!({
            "entity_id": entity, "holder": { "person_id": jane["id"] }, "role": "director", "appointed_on": "2023-01-01",
        }));
    }
    if description == "a back-dated change without a reason" {
        let deployment = world.deployment().await;
        let id = deployment.create_entity("acme", &acme, "Alpha Ltd").await;
        return Some((
            Method::PATCH,
            format!("/api/v1/tenants/acme/entities/{id}"),
            json!({ "status": "dormant", "effective_from": "2020-01-01" }).to_string().into_bytes(),
            "application/json",
            vec![("if-match", "\"1\"".to_owned())],
        ));
    }
    None
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
    if description == "a validation of an entity with legal form \"2HBR\" in jurisdiction \"FR\"" {
        let body = json!({ "legal_name": "Exemple SA", "jurisdiction": "FR", "legal_form": "2HBR" });
        return (Method::POST, "/api/v1/tenants/acme/entities/validate".into(), json_body(body), "application/json");
    }
    if description == "a validation of a good entity" {
        let body = json!({ "legal_name": "Exemple SA", "jurisdiction": "FR" });
        return (Method::POST, "/api/v1/tenants/acme/entities/validate".into(), json_body(body), "application/json");
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
    let (method, path, body, content_type, headers) = match register_request(world, &description).await {
        Some(request) => request,
        None => {
            let (method, path, body, content_type) = request(&description);
            (method, path, body, content_type, Vec::new())
        }
    };
    // Counted after what the request refers to was made.
    world.bad_input.before = Some(counts(world).await);
    let deployment = world.deployment().await;
    let mut builder = deployment.http.request(method, deployment.url(&path)).header("content-type", content_type);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
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
    let before = world.bad_input.before.clone().expect("counted before");
    let after = counts(world).await;
    // Keys a step made for its caller exist before the first count.
    assert_eq!(before, after, "rows by table before and after the request");
}

#[then(expr = "the validation names {string} with rule {string}")]
async fn validation_names(world: &mut CharterWorld, field: String, rule: String) {
    let (_, body) = world.last().clone();
    assert_eq!(body["valid"], false, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"] == rule.as_str()), "{body}");
}

#[then("the validation passes")]
async fn validation_passes(world: &mut CharterWorld) {
    let (_, body) = world.last().clone();
    assert_eq!(body, json!({ "valid": true, "errors": [] }));
}

#[given(expr = "{string} has an entity with LEI {string}")]
async fn tenant_has_lei(world: &mut CharterWorld, slug: String, lei: String) {
    let key = world.key_of(&slug);
    let body = json!({ "legal_name": format!("{slug} Holdings Ltd"), "jurisdiction": "GB", "lei": lei });
    let (status, created) = world
        .deployment()
        .await
        .send(reqwest::Method::POST, &format!("/api/v1/tenants/{slug}/entities"), &key, Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
}
