//! Feature: Ownership settings and ultimate parents (the tenant's
//! beneficial-ownership threshold, and the parents at the top of the chains).

use cucumber::{then, when};
use reqwest::Method;
use serde_json::Value;

use super::CharterWorld;

/// The field of the tenant's threshold in the settings document.
const THRESHOLD: &str = "beneficial_ownership_threshold_pct";

#[derive(Default)]
pub struct State {
    /// The settings document before the latest change was asked for.
    settings_before: Option<Value>,
    /// The LEI of the subsidiary GLEIF says Shell plc consolidates, and the
    /// day the relationship began.
    subsidiary: Option<(String, String)>,
}

/// Shell plc's LEI, whose GLEIF records the repository keeps.
const SHELL: &str = "21380068P1DRHMJ8KU70";

/// The `data` of a GLEIF fixture file.
fn gleif_fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/gleif/{name}_{SHELL}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Value>(&text).expect("JSON")["data"].clone()
}

/// `10 %` → 10, `"ten"` → "ten", `0` → 0: a step's value as JSON.
fn threshold_value(raw: &str) -> Value {
    let raw = raw.trim().trim_end_matches('%').trim();
    serde_json::from_str(raw).unwrap_or_else(|e| panic!("{raw} is not a JSON value: {e}"))
}

impl CharterWorld {
    async fn settings(&mut self) -> Value {
        let (status, settings) = self.in_register(Method::GET, "/settings", None).await;
        assert_eq!(status, 200, "{settings}");
        settings
    }

    /// Asks for a change of the threshold with `key` (the admin's if none);
    /// keeps the response and the settings before it.
    async fn set_threshold(&mut self, value: Value, key: Option<String>) {
        let before = self.settings().await;
        let key = match key {
            Some(key) => key,
            None => self.key_of("acme"),
        };
        let body = serde_json::json!({ THRESHOLD: value });
        let response =
            self.deployment().await.send(Method::PATCH, "/api/v1/tenants/acme/settings", &key, Some(body)).await;
        self.responses.push(response);
        self.ownership.settings_before = Some(before);
    }

    /// The beneficial owners of `entity` with the tenant's threshold (no `threshold=`).
    async fn beneficial_owners_by_default(&mut self, entity: &str) -> Value {
        let id = self.entity_named(entity).await;
        let (status, body) = self.in_register(Method::GET, &format!("/entities/{id}/beneficial-owners"), None).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn ultimate_parents(&mut self, entity: &str) -> Value {
        let id = self.entity_named(entity).await;
        self.ultimate_parents_of(&id).await
    }

    async fn ultimate_parents_of(&mut self, id: &str) -> Value {
        let (status, body) = self.in_register(Method::GET, &format!("/entities/{id}/ultimate-parents"), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["entity_id"], id, "{body}");
        assert_eq!(body["basis"], "votes", "{body}");
        body
    }
}

#[then(regex = r"^the tenant's beneficial ownership threshold is ([\d.]+) %$")]
async fn threshold_is(world: &mut CharterWorld, percent: f64) {
    let settings = world.settings().await;
    assert_eq!(settings[THRESHOLD].as_f64(), Some(percent), "{settings}");
}

#[then(regex = r#"^"([^"]+)" has no beneficial owner under the tenant's threshold of ([\d.]+) %$"#)]
async fn no_owner_by_default(world: &mut CharterWorld, entity: String, percent: f64) {
    let owners = world.beneficial_owners_by_default(&entity).await;
    assert_eq!(owners["threshold"].as_f64(), Some(percent), "{owners}");
    assert_eq!(owners["threshold_source"], "tenant_settings", "{owners}");
    assert_eq!(owners["items"].as_array().map(Vec::len), Some(0), "{owners}");
}

#[then(regex = r#"^"([^"]+)" is the beneficial owner of "([^"]+)" under the tenant's threshold of ([\d.]+) %$"#)]
async fn owner_by_default(world: &mut CharterWorld, person: String, entity: String, percent: f64) {
    let owners = world.beneficial_owners_by_default(&entity).await;
    assert_eq!(owners["threshold"].as_f64(), Some(percent), "{owners}");
    assert_eq!(owners["threshold_source"], "tenant_settings", "{owners}");
    let items = owners["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{owners}");
    assert!(items[0]["person_id"].is_string(), "{owners}");
    assert_eq!(items[0]["name"], person.as_str(), "{owners}");
    // A threshold given in the request still wins.
    let entity_id = world.entity_named(&entity).await;
    let (status, asked) =
        world.in_register(Method::GET, &format!("/entities/{entity_id}/beneficial-owners?threshold=50"), None).await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!((asked["threshold"].as_f64(), &asked["threshold_source"]), (Some(50.0), &Value::from("query")));
    assert_eq!(asked["items"].as_array().map(Vec::len), Some(0), "{asked}");
}

#[then(regex = r#"^the BODS statements of "([^"]+)" apply the tenant's threshold of ([\d.]+) % and name "([^"]+)"$"#)]
async fn bods_by_default(world: &mut CharterWorld, entity: String, percent: f64, person: String) {
    let id = world.entity_named(&entity).await;
    let key = world.key_of("acme");
    let url = world.deployment().await.url(&format!("/api/v1/tenants/acme/entities/{id}/beneficial-owners/bods"));
    let response = reqwest::Client::new().get(url).bearer_auth(key).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("beneficial-ownership-threshold").and_then(|t| t.parse::<f64>().ok()), Some(percent));
    assert_eq!(header("beneficial-ownership-threshold-source").as_deref(), Some("tenant_settings"));
    let statements: Value = response.json().await.expect("JSON");
    let persons: Vec<&Value> = statements
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| s["recordType"] == "person")
        .map(|s| &s["recordDetails"]["names"][0]["fullName"])
        .collect();
    assert_eq!(persons, vec![&Value::from(person)], "{statements}");
}

#[when(regex = r"^the tenant admin sets the beneficial ownership threshold to (.+)$")]
async fn admin_sets_threshold(world: &mut CharterWorld, value: String) {
    world.set_threshold(threshold_value(&value), None).await;
}

#[when(regex = r"^a tenant editor sets the beneficial ownership threshold to (.+)$")]
async fn editor_sets_threshold(world: &mut CharterWorld, value: String) {
    world.settings().await; // Onboards the tenant on first use.
    let key = world.deployment().await.tenant_key("acme", "editor").await;
    world.set_threshold(threshold_value(&value), Some(key)).await;
}

#[then(regex = r"^the settings now say ([\d.]+) %, audited as a change from ([\d.]+) to ([\d.]+)$")]
async fn changed_and_audited(world: &mut CharterWorld, percent: f64, from: f64, to: f64) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[THRESHOLD].as_f64(), Some(percent), "{body}");
    assert!(body["updated_at"].is_string() && body["updated_by"].is_string(), "{body}");
    let (status, events) = world
        .in_register(Method::GET, "/audit-events?resource_type=tenant_settings&action=tenant_settings.update", None)
        .await;
    assert_eq!(status, 200, "{events}");
    let events = events["items"].as_array().expect("items");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["before"][THRESHOLD].as_f64(), Some(from), "{}", events[0]);
    assert_eq!(events[0]["after"][THRESHOLD].as_f64(), Some(to), "{}", events[0]);
}

#[then(regex = r#"^the response status is (\d+) naming "([^"]+)" and the settings are unchanged$"#)]
async fn refused_naming(world: &mut CharterWorld, status: u16, field: String) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"].is_string()), "{body}");
    settings_unchanged(world).await;
}

#[then(regex = r"^the response status is (\d+) and the settings are unchanged$")]
async fn refused(world: &mut CharterWorld, status: u16) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    settings_unchanged(world).await;
}

async fn settings_unchanged(world: &mut CharterWorld) {
    let before = world.ownership.settings_before.clone().expect("the settings before");
    assert_eq!(world.settings().await, before);
    let (status, events) = world.in_register(Method::GET, "/audit-events?resource_type=tenant_settings", None).await;
    assert_eq!(status, 200, "{events}");
    assert_eq!(events["items"].as_array().map(Vec::len), Some(0), "{events}");
}

/// `"Top" with 42 %` → ("Top", 42).
fn parents_in(text: &str) -> Vec<(String, f64)> {
    text.split(" and ")
        .map(|part| {
            let (name, percent) =
                part.trim().trim_start_matches('"').split_once("\" with ").expect("\"Name\" with N %");
            (name.to_owned(), percent.trim_end_matches('%').trim().parse().expect("a percentage"))
        })
        .collect()
}

#[then(regex = r#"^the ultimate parents of "([^"]+)" are (.+) of its votes$"#)]
async fn ultimate_parents_are(world: &mut CharterWorld, entity: String, expected: String) {
    let parents = world.ultimate_parents(&entity).await;
    let items = parents["items"].as_array().expect("items");
    let expected = parents_in(&expected);
    assert_eq!(items.len(), expected.len(), "{parents}");
    for (name, percent) in expected {
        let id = world.entity_named(&name).await;
        let item = items
            .iter()
            .find(|i| i["entity_id"] == id.as_str())
            .unwrap_or_else(|| panic!("{name} is not an ultimate parent: {parents}"));
        assert_eq!(item["name"], name.as_str(), "{item}");
        assert_eq!(item["source"], "shareholding", "{item}");
        assert_eq!(item["top"], true, "{item}");
        let effective = item["effective"].as_f64().expect("a fraction") * 100.0;
        assert!((effective - percent).abs() < 1e-6, "{name}: {effective} % (expected {percent} %): {parents}");
    }
}

#[then(regex = r#"^"([^"]+)" is the ultimate controlling parent of "([^"]+)", through "([^"]+)"$"#)]
async fn controlling_parent(world: &mut CharterWorld, parent: String, entity: String, through: String) {
    let parents = world.ultimate_parents(&entity).await;
    let (parent, through) = (world.entity_named(&parent).await, world.entity_named(&through).await);
    let controlling: Vec<&Value> =
        parents["items"].as_array().expect("items").iter().filter(|i| i["controlling"] == true).collect();
    assert_eq!(controlling.len(), 1, "{parents}");
    assert_eq!(controlling[0]["entity_id"], parent.as_str(), "{parents}");
    assert_eq!(parents["control_chain"], serde_json::json!([through, parent]), "{parents}");
}

#[then(regex = r#"^"([^"]+)" has no ultimate controlling parent$"#)]
async fn no_controlling_parent(world: &mut CharterWorld, entity: String) {
    let parents = world.ultimate_parents(&entity).await;
    assert!(parents["items"].as_array().expect("items").iter().all(|i| i["controlling"] == false), "{parents}");
    assert_eq!(parents["control_chain"], serde_json::json!([]), "{parents}");
}

#[when("GLEIF's records say that a subsidiary of Shell plc is ultimately consolidated by Shell plc")]
async fn gleif_says_ultimately_consolidated(world: &mut CharterWorld) {
    world.settings().await; // Onboards the tenant on first use.
    let shell = gleif_fixture("single_lei_record");
    let children = gleif_fixture("direct-children");
    let child_of = |lei: &Value| children.as_array().expect("records").iter().find(|r| r["id"] == *lei).cloned();
    // A relationship of the fixtures whose child's record is there too.
    let (mut link, child) = gleif_fixture("direct-child-relationships")
        .as_array()
        .expect("relationships")
        .iter()
        .find_map(|link| child_of(&link["attributes"]["relationship"]["startNode"]["id"]).map(|c| (link.clone(), c)))
        .expect("a child with its record");
    let subsidiary = child["id"].as_str().expect("the child's LEI").to_owned();
    link["attributes"]["relationship"]["type"] = "IS_ULTIMATELY_CONSOLIDATED_BY".into();
    link["id"] = format!("{subsidiary}|LEI|IS_ULTIMATELY_CONSOLIDATED_BY|{SHELL}").into();
    let upload = serde_json::json!({ "data": [shell, child, link] }).to_string();
    let key = world.key_of("acme");
    let url = world.deployment().await.url("/api/v1/tenants/acme/imports/gleif");
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::text(upload).file_name("records.json").mime_str("application/json").expect("mime"),
    );
    let response = reqwest::Client::new().post(url).bearer_auth(key).multipart(form).send().await.expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let began = link["attributes"]["relationship"]["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .find(|p| p["type"] == "RELATIONSHIP_PERIOD")
        .and_then(|p| p["startDate"].as_str())
        .map(|d| d[..10].to_owned())
        .expect("the relationship period");
    world.ownership.subsidiary = Some((subsidiary, began));
}

#[then("the ultimate parents of that subsidiary list Shell plc from GLEIF, and no shareholding")]
async fn gleif_parent_listed(world: &mut CharterWorld) {
    let (subsidiary, began) = world.ownership.subsidiary.clone().expect("a subsidiary");
    let mut ids = Vec::new();
    for lei in [subsidiary.as_str(), SHELL] {
        let (status, page) = world.in_register(Method::GET, &format!("/entities?q={lei}&limit=5"), None).await;
        assert_eq!(status, 200, "{page}");
        let entity = page["items"].as_array().expect("items").iter().find(|e| e["lei"] == lei).cloned();
        ids.push(entity.unwrap_or_else(|| panic!("no entity with LEI {lei}: {page}"))["id"].clone());
    }
    let parents = world.ultimate_parents_of(ids[0].as_str().expect("id")).await;
    let items = parents["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{parents}");
    let item = &items[0];
    assert_eq!((&item["entity_id"], &item["source"]), (&ids[1], &Value::from("gleif")), "{parents}");
    assert!(item["effective"].is_null() && item["controlling"] == false && item["name"].is_string(), "{item}");
    assert_eq!(item["valid_from"], began.as_str(), "{item}");
}

// ---- Feature: Tenant settings chosen at onboarding ----

fn list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

#[then("the tenant uses every module and has no default jurisdiction")]
async fn default_modules(world: &mut CharterWorld) {
    let settings = world.settings().await;
    assert_eq!(
        settings["modules"],
        serde_json::json!(["register", "shares", "structure", "beneficial_ownership"]),
        "{settings}"
    );
    assert_eq!(settings["default_jurisdictions"], serde_json::json!([]), "{settings}");
}

#[when(regex = r#"^the tenant admin sets the modules to "([^"]+)" and the default jurisdictions to "([^"]+)"$"#)]
async fn set_modules(world: &mut CharterWorld, modules: String, jurisdictions: String) {
    let body = serde_json::json!({ "modules": list(&modules), "default_jurisdictions": list(&jurisdictions) });
    world.change_settings(body).await;
}

#[when(regex = r"^the tenant admin sets the settings to (.+)$")]
async fn set_settings(world: &mut CharterWorld, body: String) {
    world.change_settings(serde_json::from_str(&body).expect("a JSON body")).await;
}

#[then(regex = r#"^the settings say modules "([^"]+)" and default jurisdictions "([^"]+)", audited$"#)]
async fn modules_said(world: &mut CharterWorld, modules: String, jurisdictions: String) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 200, "{body}");
    let settings = world.settings().await;
    assert_eq!(settings["modules"], serde_json::json!(list(&modules)), "{settings}");
    assert_eq!(settings["default_jurisdictions"], serde_json::json!(list(&jurisdictions)), "kept in order: {settings}");
    let (_, events) = world.in_register(Method::GET, "/audit-events?resource_type=tenant_settings", None).await;
    let events = events["items"].as_array().expect("items").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["after"]["modules"], settings["modules"], "{}", events[0]);
}

impl CharterWorld {
    /// PATCHes the settings as the tenant admin; keeps the response and the settings before.
    async fn change_settings(&mut self, body: Value) {
        let before = self.settings().await;
        let key = self.key_of("acme");
        let response =
            self.deployment().await.send(Method::PATCH, "/api/v1/tenants/acme/settings", &key, Some(body)).await;
        self.responses.push(response);
        self.ownership.settings_before = Some(before);
    }
}
