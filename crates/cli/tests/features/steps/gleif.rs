//! Feature: GLEIF import.

use std::collections::BTreeSet;

use cucumber::{then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::CharterWorld;
use crate::support::connect_as_admin;

const TENANT: &str = "acme";

#[derive(Default)]
pub struct State {
    /// GLEIF's last update of the record uploaded last.
    last_update: Option<String>,
}
const SHELL: &str = "21380068P1DRHMJ8KU70";

fn fixtures() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/gleif");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("the GLEIF fixtures")
        .map(|e| e.expect("entry").path().display().to_string())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    files
}

fn document(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// Every record of the JSON fixtures (LEI and relationship records).
fn fixture_records() -> Vec<Value> {
    let mut records = Vec::new();
    for file in fixtures() {
        match document(&file)["data"].take() {
            Value::Array(items) => records.extend(items),
            item => records.push(item),
        }
    }
    records
}

/// Every LEI the files name, in records or as ends of relationships.
fn leis_in_files() -> BTreeSet<String> {
    let mut leis = BTreeSet::new();
    for item in fixture_records() {
        if item["type"] == "lei-records" {
            leis.insert(item["id"].as_str().expect("id").to_owned());
        } else {
            for end in ["startNode", "endNode"] {
                leis.insert(item["attributes"]["relationship"][end]["id"].as_str().expect("LEI").to_owned());
            }
        }
    }
    leis
}

impl CharterWorld {
    async fn import_fixtures(&mut self) {
        self.import_files(&fixtures()).await;
    }

    /// `charter import gleif` of `files` into the tenant; its report becomes the last response.
    async fn import_files(&mut self, files: &[String]) {
        if !self.keys.contains_key(TENANT) {
            self.onboard(TENANT, "shared").await;
        }
        let mut args = vec!["import", "gleif", "--tenant", TENANT, "--json"];
        args.extend(files.iter().map(String::as_str));
        let output = self.deployment().await.charter(&args).await;
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        assert!(output.status.success(), "{report} {}", String::from_utf8_lossy(&output.stderr));
        self.responses.push((200, report));
    }

    /// Rows of the tenant's entities and fact versions, counted by the superuser.
    async fn register_size(&mut self) -> (i64, i64) {
        let (tenant, url) = self.deployment().await.tenant_database(TENANT).await;
        let admin = connect_as_admin(&url).await;
        let count = |table: &str| format!("SELECT count(*) FROM charter.{table} WHERE tenant_id = $1");
        let entities: i64 = admin.query_one(&count("legal_entity"), &[&tenant]).await.expect("count").get(0);
        let facts: i64 = admin.query_one(&count("entity_fact"), &[&tenant]).await.expect("count").get(0);
        (entities, facts)
    }

    /// The LEIs of the tenant's entities that have a GLEIF digest, read by the superuser.
    async fn leis_with_digests(&mut self) -> BTreeSet<String> {
        let (tenant, url) = self.deployment().await.tenant_database(TENANT).await;
        let admin = connect_as_admin(&url).await;
        let rows = admin
            .query(
                "SELECT f.value #>> '{}' FROM charter.entity_source_digest d
                   JOIN charter.entity_fact f ON f.tenant_id = d.tenant_id AND f.entity_id = d.entity_id
                  WHERE d.tenant_id = $1 AND d.source = 'gleif' AND f.fact = 'lei' AND upper_inf(f.recorded)",
                &[&tenant],
            )
            .await
            .expect("digests");
        rows.iter().map(|r| r.get(0)).collect()
    }

    /// The entity holding `lei`, by a search for it.
    async fn entity_with_lei(&mut self, lei: &str) -> Option<Value> {
        let key = self.key_of(TENANT);
        let deployment = self.deployment().await;
        let (status, page) = deployment
            .send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities?q={lei}&limit=5"), &key, None)
            .await;
        assert_eq!(status, 200, "{page}");
        page["items"].as_array().expect("items").iter().find(|e| e["lei"] == lei).cloned()
    }
}

#[when(
    regex = r"^I import the real GLEIF files of Shell plc \(LEI 21380068P1DRHMJ8KU70\) kept in the repository's test fixtures$"
)]
async fn import_shell(world: &mut CharterWorld) {
    world.import_fixtures().await;
}

#[then("every LEI in the files is an entity of the tenant")]
async fn every_lei_is_an_entity(world: &mut CharterWorld) {
    let leis = leis_in_files();
    assert!(leis.len() > 20, "the fixtures name {} LEIs", leis.len());
    for lei in &leis {
        assert!(world.entity_with_lei(lei).await.is_some(), "no entity holds LEI {lei}");
    }
    let shell = world.entity_with_lei(SHELL).await.expect("Shell plc");
    assert_eq!(shell["legal_name"], "SHELL PLC", "{shell}");
    assert_eq!(shell["jurisdiction"], "GB", "{shell}");
    assert_eq!(shell["registration_number"], "04366849", "{shell}");
}

#[then("the structure chart of Shell plc shows its direct children from the relationship file")]
async fn chart_shows_children(world: &mut CharterWorld) {
    let shell = world.entity_with_lei(SHELL).await.expect("Shell plc");
    let id = shell["id"].as_str().expect("id").to_owned();
    let key = world.key_of(TENANT);
    let deployment = world.deployment().await;
    let (status, chart) = deployment
        .send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{id}/structure?up=0&down=1"), &key, None)
        .await;
    assert_eq!(status, 200, "{chart}");
    let file = fixtures().into_iter().find(|f| f.contains("direct-child-relationships")).expect("relationship file");
    let expected: BTreeSet<String> = document(&file)["data"]
        .as_array()
        .expect("relationships")
        .iter()
        .filter(|r| r["attributes"]["relationship"]["type"] == "IS_DIRECTLY_CONSOLIDATED_BY")
        .map(|r| r["attributes"]["relationship"]["startNode"]["id"].as_str().expect("LEI").to_owned())
        .collect();
    let mut shown = BTreeSet::new();
    for link in chart["links"].as_array().expect("links") {
        if link["kind"] == "is_directly_consolidated_by" && link["from"] == id.as_str() {
            let child = link["to"].as_str().expect("child");
            let node = chart["nodes"].as_array().expect("nodes").iter().find(|n| n["id"] == child).cloned();
            assert!(node.is_some(), "the child {child} is not a node: {chart}");
            let (status, entity) =
                deployment.send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{child}"), &key, None).await;
            assert_eq!(status, 200, "{entity}");
            shown.insert(entity["lei"].as_str().expect("an LEI").to_owned());
        }
    }
    assert_eq!(shown, expected, "direct children shown: {chart}");
}

#[then("importing the same files again creates no new entity and no new version")]
#[then("importing the group's API JSON files afterwards creates no new entity, version or relationship")]
async fn reimport_changes_nothing(world: &mut CharterWorld) {
    let before = world.register_size().await;
    world.import_fixtures().await;
    let report = world.responses.last().cloned().expect("a report").1;
    assert_eq!(world.register_size().await, before, "{report}");
    for counter in
        ["entities_created", "entities_updated", "facts_changed", "relationships_created", "relationships_changed"]
    {
        assert_eq!(report[counter], 0, "{counter}: {report}");
    }
}

#[when("I upload a GLEIF file with Shell plc's record and a record with a broken LEI")]
async fn upload_with_bad_record(world: &mut CharterWorld) {
    if !world.keys.contains_key(TENANT) {
        world.onboard(TENANT, "shared").await;
    }
    let file = fixtures().into_iter().find(|f| f.contains("single_lei_record")).expect("Shell's record");
    let shell = document(&file)["data"].clone();
    let mut broken = shell.clone();
    broken["id"] = json!("5493001KJTIIGC8Y1R13");
    broken["attributes"]["lei"] = json!("5493001KJTIIGC8Y1R13");
    let upload = json!({ "data": [shell, broken] }).to_string();
    let key = world.key_of(TENANT);
    let base = world.deployment().await.url(&format!("/api/v1/tenants/{TENANT}/imports/gleif"));
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::text(upload).file_name("records.json").mime_str("application/json").expect("mime"),
    );
    let response = reqwest::Client::new().post(base).bearer_auth(key).multipart(form).send().await.expect("POST");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    world.responses.push((status, body));
}

impl CharterWorld {
    /// Uploads files through `POST …/imports/gleif`; the report is the latest response.
    async fn upload_gleif(&mut self, files: Vec<(String, Vec<u8>)>) {
        if !self.keys.contains_key(TENANT) {
            self.onboard(TENANT, "shared").await;
        }
        let key = self.key_of(TENANT);
        let base = self.deployment().await.url(&format!("/api/v1/tenants/{TENANT}/imports/gleif"));
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            form = form.part("files", reqwest::multipart::Part::bytes(bytes).file_name(name));
        }
        let response = reqwest::Client::new().post(base).bearer_auth(key).multipart(form).send().await.expect("POST");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON");
        self.responses.push((status, body));
    }
}

/// The golden-copy CSV fixtures (made from the JSON ones: see tests/fixtures/README.md).
fn golden_copy_files() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/gleif");
    ["golden-copy-lei2_21380068P1DRHMJ8KU70.csv", "golden-copy-rr_21380068P1DRHMJ8KU70.csv"]
        .into_iter()
        .map(|name| (name.to_owned(), std::fs::read(format!("{dir}/{name}")).expect("golden-copy fixture")))
        .collect()
}

#[when("I upload the golden-copy CSV files of Shell plc (LEI-CDF 3.1 and RR-CDF 2.1)")]
async fn upload_golden_copy(world: &mut CharterWorld) {
    world.upload_gleif(golden_copy_files()).await;
    let (status, report) = world.responses.last().cloned().expect("a report");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["refused"], json!([]), "{report}");
    assert!(report["relationships_created"].as_u64().is_some_and(|n| n > 0), "{report}");
}

#[then("uploading a golden-copy CSV file with a broken LEI refuses that row by its LEI and imports the others")]
async fn golden_copy_with_broken_row(world: &mut CharterWorld) {
    let (_, lei_file) = golden_copy_files().into_iter().next().expect("the LEI-CDF file");
    let text = String::from_utf8(lei_file).expect("UTF-8");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let shell_row =
        lines.find(|l| l.starts_with(&format!("\"{SHELL}\"")) || l.starts_with(SHELL)).expect("Shell's row");
    // The same record under a new name and an LEI whose check digits fail,
    // and one under a valid LEI not seen before.
    let broken = shell_row.replacen(SHELL, "5493001KJTIIGC8Y1R13", 1);
    let renamed = shell_row.replacen(SHELL, "5493001KJTIIGC8Y1R12", 1).replacen("SHELL PLC", "SHELL CSV TEST PLC", 1);
    let upload = format!("{header}\n{broken}\n{renamed}\n");
    world.upload_gleif(vec![("lei2.csv".into(), upload.into_bytes())]).await;
    let (status, report) = world.responses.last().cloned().expect("a report");
    assert_eq!(status, 200, "{report}");
    let refused = report["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 1, "{report}");
    assert_eq!(refused[0]["record"], "5493001KJTIIGC8Y1R13", "{report}");
    assert_eq!(report["entities_created"], 1, "{report}");
    assert!(world.entity_with_lei("5493001KJTIIGC8Y1R12").await.is_some(), "the valid row was imported");
}

#[then("the import report refuses the broken record by its id")]
async fn report_refuses_broken(world: &mut CharterWorld) {
    let (status, report) = world.responses.last().cloned().expect("a report");
    assert_eq!(status, 200, "{report}");
    let refused = report["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 1, "{report}");
    assert_eq!(refused[0]["record"], "5493001KJTIIGC8Y1R13", "{report}");
    assert!(refused[0]["reason"].as_str().is_some_and(|r| r.contains("check digits") || r.contains("lei")), "{report}");
    assert_eq!(report["entities_created"], 1, "{report}");
}

#[then("Shell plc is an entity of the tenant")]
async fn shell_is_an_entity(world: &mut CharterWorld) {
    assert!(world.entity_with_lei(SHELL).await.is_some());
}

#[when(regex = r#"^I upload Shell plc's record renamed "([^"]+)", last updated by GLEIF on (\d{4}-\d{2}-\d{2})$"#)]
async fn upload_renamed(world: &mut CharterWorld, name: String, on: String) {
    let file = fixtures().into_iter().find(|f| f.contains("single_lei_record")).expect("Shell's record");
    let mut shell = document(&file)["data"].clone();
    shell["attributes"]["entity"]["legalName"]["name"] = json!(name);
    shell["attributes"]["registration"]["lastUpdateDate"] = json!(format!("{on}T09:00:00Z"));
    world.upload_gleif(vec![("shell.json".into(), json!({ "data": shell }).to_string().into_bytes())]).await;
}

#[then(regex = r"^the import report counts (\d+) entity updated with (\d+) fact changed and no entity created$")]
async fn report_counts_updates(world: &mut CharterWorld, updated: u64, facts: u64) {
    let (status, report) = world.responses.last().cloned().expect("a report");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["entities_updated"], updated, "{report}");
    assert_eq!(report["facts_changed"], facts, "{report}");
    assert_eq!(report["entities_created"], 0, "{report}");
    assert_eq!(report["refused"], json!([]), "{report}");
}

#[then(regex = r#"^Shell plc is named "([^"]+)" as of (\S+) and "([^"]+)" as of (\S+)$"#)]
async fn named_as_of(world: &mut CharterWorld, before: String, day_before: String, after: String, day: String) {
    let shell = world.entity_with_lei(SHELL).await.expect("Shell plc");
    let id = shell["id"].as_str().expect("id").to_owned();
    let key = world.key_of(TENANT);
    let deployment = world.deployment().await;
    for (as_of, name) in [(day_before, before), (day, after)] {
        let (status, entity) = deployment
            .send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{id}?as_of={as_of}"), &key, None)
            .await;
        assert_eq!(status, 200, "{entity}");
        assert_eq!(entity["legal_name"], name.as_str(), "as of {as_of}: {entity}");
        assert_eq!(entity["jurisdiction"], "GB", "the facts GLEIF did not change stay: {entity}");
    }
}

#[then(regex = r#"^Shell plc's history keeps the old name until (\S+) and gives the new one the reason "([^"]+)"$"#)]
async fn history_of_rename(world: &mut CharterWorld, on: String, reason: String) {
    let shell = world.entity_with_lei(SHELL).await.expect("Shell plc");
    let id = shell["id"].as_str().expect("id").to_owned();
    let key = world.key_of(TENANT);
    let (status, history) = world
        .deployment()
        .await
        .send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{id}/history"), &key, None)
        .await;
    assert_eq!(status, 200, "{history}");
    let names = history["facts"]["legal_name"].as_array().expect("legal_name versions");
    assert_eq!(names.len(), 2, "{history}");
    assert_eq!(names[0]["value"], "SHELL PLC", "{history}");
    assert_eq!(names[0]["valid_to"], on.as_str(), "{history}");
    assert_eq!(names[1]["valid_from"], on.as_str(), "{history}");
    assert_eq!(names[1]["valid_to"], Value::Null, "{history}");
    assert_eq!(names[1]["reason"], reason.as_str(), "{history}");
    let statuses = history["facts"]["status"].as_array().expect("status versions");
    assert_eq!(statuses.len(), 1, "an unchanged fact gets no new version: {history}");
}

#[then(regex = r#"^the audit trail has one "([^"]+)" event for Shell plc and the tenant's audit chain verifies$"#)]
async fn audit_of_rename(world: &mut CharterWorld, action: String) {
    let shell = world.entity_with_lei(SHELL).await.expect("Shell plc");
    let id = shell["id"].as_str().expect("id").to_owned();
    let key = world.key_of(TENANT);
    let deployment = world.deployment().await;
    let (status, events) = deployment
        .send(
            Method::GET,
            &format!("/api/v1/tenants/{TENANT}/audit-events?resource_type=entity&resource_id={id}&action={action}"),
            &key,
            None,
        )
        .await;
    assert_eq!(status, 200, "{events}");
    let items = events["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(items[0]["after"]["facts"]["legal_name"], "SHELL RENAMED PLC", "{events}");
    let output = deployment.charter(&["audit", "verify", TENANT, "--json"]).await;
    let check: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(output.status.success(), "{check}");
    assert_eq!(check["first_broken"], Value::Null, "{check}");
}

/// The LEIs of the fixtures' entity records (not those known only from relationships).
fn leis_of_records() -> BTreeSet<String> {
    fixture_records()
        .iter()
        .filter(|i| i["type"] == "lei-records")
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

#[then("the register keeps a digest of every LEI record it imported")]
async fn digests_of_records(world: &mut CharterWorld) {
    let records = leis_of_records();
    assert!(records.len() > 10, "the fixtures hold {} LEI records", records.len());
    assert_eq!(world.leis_with_digests().await, records);
}

#[when(regex = r#"^an entity manager renames Shell plc "([^"]+)" from (\d{4}-\d{2}-\d{2})$"#)]
async fn manager_renames_shell(world: &mut CharterWorld, name: String, from: String) {
    let body =
        world.change_shell(json!({ "legal_name": name, "effective_from": from, "reason": "board resolution" })).await;
    assert_eq!(body["legal_name"], name.as_str(), "{body}");
}

impl CharterWorld {
    /// `PATCH` Shell plc's entity with `change`, as an entity manager; the changed entity.
    async fn change_shell(&mut self, change: Value) -> Value {
        let shell = self.entity_with_lei(SHELL).await.expect("Shell plc");
        let id = shell["id"].as_str().expect("id").to_owned();
        let version = shell["version"].as_i64().expect("version");
        let key = self.key_of(TENANT);
        let deployment = self.deployment().await;
        let response = deployment
            .http
            .patch(deployment.url(&format!("/api/v1/tenants/{TENANT}/entities/{id}")))
            .bearer_auth(&key)
            .header("if-match", format!("\"{version}\""))
            .json(&change)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(status, 200, "{body}");
        body
    }
}

#[then("Shell plc's digest is gone and the others are kept")]
async fn shell_digest_dropped(world: &mut CharterWorld) {
    let mut expected = leis_of_records();
    expected.remove(SHELL);
    assert_eq!(world.leis_with_digests().await, expected);
}

#[when("I import the real GLEIF files of Shell plc again")]
async fn import_shell_again(world: &mut CharterWorld) {
    world.import_fixtures().await;
}

#[then("every other LEI record was unchanged and every LEI record has its digest again")]
async fn digests_again(world: &mut CharterWorld) {
    let report = world.responses.last().cloned().expect("a report").1;
    let records = leis_of_records();
    assert_eq!(report["entities_unchanged"], records.len() - 1, "{report}");
    assert_eq!(world.leis_with_digests().await, records);
}

#[when("I import only the relationship file of Shell plc's group")]
async fn import_relationships_only(world: &mut CharterWorld) {
    let file = fixtures().into_iter().find(|f| f.contains("direct-child-relationships")).expect("relationship file");
    world.import_files(&[file]).await;
    let report = &world.responses.last().expect("a report").1;
    assert!(report["entities_from_relationships"].as_u64() > Some(1), "{report}");
}

#[then(
    "every direct child of Shell plc is named as its GLEIF record says from the day it began, and never by its placeholder any more"
)]
async fn children_complete(world: &mut CharterWorld) {
    let file = fixtures().into_iter().find(|f| f.contains("direct-children_")).expect("children file");
    let children = document(&file)["data"].as_array().expect("records").clone();
    assert!(children.len() > 5, "{} children", children.len());
    let key = world.key_of(TENANT);
    for child in children {
        let lei = child["id"].as_str().expect("LEI");
        let name = child["attributes"]["entity"]["legalName"]["name"].as_str().expect("name");
        // The day the facts hold from: the entity's creation, else its first registration.
        let began = child["attributes"]["entity"]["creationDate"]
            .as_str()
            .or_else(|| child["attributes"]["registration"]["initialRegistrationDate"].as_str())
            .expect("a start")[..10]
            .to_owned();
        let entity = world.entity_with_lei(lei).await.expect("the child");
        assert_eq!(entity["legal_name"], name, "today: {entity}");
        let id = entity["id"].as_str().expect("id").to_owned();
        let deployment = world.deployment().await;
        let (status, then) = deployment
            .send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{id}?as_of={began}"), &key, None)
            .await;
        assert_eq!(status, 200, "{then}");
        assert_eq!(then["legal_name"], name, "as of {began}: {then}");
        let (status, history) =
            deployment.send(Method::GET, &format!("/api/v1/tenants/{TENANT}/entities/{id}/history"), &key, None).await;
        assert_eq!(status, 200, "{history}");
        for version in history["facts"]["legal_name"].as_array().expect("legal_name versions") {
            assert_eq!(version["value"], name, "a placeholder name is still on record: {history}");
        }
    }
}

#[when("two imports of the real GLEIF files of Shell plc run at the same time")]
async fn two_imports_at_once(world: &mut CharterWorld) {
    if !world.keys.contains_key(TENANT) {
        world.onboard(TENANT, "shared").await;
    }
    let files = fixtures();
    let mut args = vec!["import", "gleif", "--tenant", TENANT, "--json"];
    args.extend(files.iter().map(String::as_str));
    let deployment = world.deployment().await;
    let (first, second) = tokio::join!(deployment.charter(&args), deployment.charter(&args));
    for output in [first, second] {
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        assert!(output.status.success(), "{report} {}", String::from_utf8_lossy(&output.stderr));
        world.responses.push((200, report));
    }
}

#[then("both imports succeed and every LEI in the files is held by exactly one entity of the tenant")]
async fn each_lei_once(world: &mut CharterWorld) {
    let leis = leis_in_files();
    let reports: Vec<Value> = world.responses.iter().rev().take(2).map(|(_, r)| r.clone()).collect();
    let created: u64 = reports
        .iter()
        .map(|r| r["entities_created"].as_u64().unwrap_or(0) + r["entities_from_relationships"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(created, leis.len() as u64, "one import creates the entities, the other finds them: {reports:?}");
    let (tenant, url) = world.deployment().await.tenant_database(TENANT).await;
    let admin = connect_as_admin(&url).await;
    let rows = admin
        .query(
            "SELECT value #>> '{}', count(DISTINCT entity_id) FROM charter.entity_fact
              WHERE tenant_id = $1 AND fact = 'lei' AND upper_inf(recorded) GROUP BY 1",
            &[&tenant],
        )
        .await
        .expect("LEIs");
    let held: BTreeSet<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(held, leis, "the LEIs of the tenant's entities");
    for row in &rows {
        assert_eq!(row.get::<_, i64>(1), 1, "entities holding {}", row.get::<_, String>(0));
    }
}

impl CharterWorld {
    /// Shell plc as of a day, read through the API.
    async fn shell_as_of(&mut self, day: &str) -> Value {
        let shell = self.entity_with_lei(SHELL).await.expect("Shell plc");
        let id = shell["id"].as_str().expect("id").to_owned();
        let key = self.key_of(TENANT);
        let path = format!("/api/v1/tenants/{TENANT}/entities/{id}?as_of={day}");
        let (status, entity) = self.deployment().await.send(Method::GET, &path, &key, None).await;
        assert_eq!(status, 200, "{entity}");
        entity
    }

    /// Shell's record without its other names, as GLEIF last updated it on `on`.
    fn shell_without_other_names(on: &str) -> Vec<(String, Vec<u8>)> {
        let file = fixtures().into_iter().find(|f| f.contains("single_lei_record")).expect("Shell's record");
        let mut shell = document(&file)["data"].clone();
        shell["attributes"]["entity"]["otherNames"] = json!([]);
        shell["attributes"]["registration"]["lastUpdateDate"] = json!(format!("{on}T09:00:00Z"));
        vec![("shell.json".into(), json!({ "data": shell }).to_string().into_bytes())]
    }
}

#[when(regex = r#"^an entity manager sets Shell plc's "([a-z_]+)" to "([^"]+)" from (\d{4}-\d{2}-\d{2})$"#)]
async fn manager_sets_fact(world: &mut CharterWorld, fact: String, value: String, from: String) {
    let body = world
        .change_shell(json!({ fact.as_str(): value, "effective_from": from, "reason": "from the articles" }))
        .await;
    assert_eq!(body[fact.as_str()], value.as_str(), "{body}");
}

#[when(regex = r"^I upload Shell plc's record without its other names, last updated by GLEIF on (\d{4}-\d{2}-\d{2})$")]
async fn upload_without_other_names(world: &mut CharterWorld, on: String) {
    world.upload_gleif(CharterWorld::shell_without_other_names(&on)).await;
    world.gleif.last_update = Some(on);
}

#[then(regex = r#"^Shell plc's former name "([^"]+)" holds as of (\S+) and no other name as of (\S+)$"#)]
async fn other_names_end(world: &mut CharterWorld, name: String, before: String, on: String) {
    let earlier = world.shell_as_of(&before).await;
    let names = earlier["other_names"].as_array().cloned().unwrap_or_default();
    assert!(names.iter().any(|n| n["name"] == name.as_str() && n["type"] == "former"), "{earlier}");
    let later = world.shell_as_of(&on).await;
    assert!(later["other_names"].as_array().is_none_or(Vec::is_empty), "{later}");
    assert_eq!(later["legal_name"], "SHELL PLC", "{later}");
}

#[then(regex = r#"^Shell plc's "([a-z_]+)" is still "([^"]+)" as of (\S+)$"#)]
async fn fact_stays(world: &mut CharterWorld, fact: String, value: String, on: String) {
    let entity = world.shell_as_of(&on).await;
    assert_eq!(entity[fact.as_str()], value.as_str(), "{entity}");
}

#[then("importing the same record again changes nothing")]
async fn same_record_again(world: &mut CharterWorld) {
    let on = world.gleif.last_update.clone().expect("a record was uploaded");
    let before = world.register_size().await;
    world.upload_gleif(CharterWorld::shell_without_other_names(&on)).await;
    let (status, report) = world.responses.last().cloned().expect("a report");
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["entities_updated"].clone(), report["facts_changed"].clone()), (json!(0), json!(0)), "{report}");
    assert_eq!(world.register_size().await, before, "{report}");
}
