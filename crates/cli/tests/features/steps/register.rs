//! Features: the legal entity register, and effective dating.

use chrono::{DateTime, SecondsFormat, Utc};
use cucumber::{given, then, when};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_postgres::error::SqlState;

use super::CharterWorld;
use crate::support::{connect_as_admin, connect_as_app};

/// The tenant the register scenarios without a background work in.
const TENANT: &str = "acme";

#[derive(Default)]
pub struct State {
    /// The entity the latest step spoke of ("it").
    current: Option<String>,
    /// A time between an entity's creation and a later correction.
    before_correction: Option<DateTime<Utc>>,
    /// ETags two users read, with their keys.
    readers: Vec<(String, String)>,
    /// The person the latest directors step named.
    person: Option<String>,
    /// Results of the two raw SQL writes of an overlapping period.
    raw_writes: Vec<Result<u64, tokio_postgres::Error>>,
    /// Persons created by name, with their ids.
    persons: std::collections::HashMap<String, String>,
    /// The legal names of the entities the latest list or search returned.
    found: Vec<String>,
}

impl CharterWorld {
    /// The key of the register's tenant, onboarding it on first use.
    async fn register_key(&mut self) -> String {
        if !self.keys.contains_key(TENANT) {
            self.onboard(TENANT, "shared").await;
        }
        self.key_of(TENANT)
    }

    /// Sends a request to the register's tenant as its admin key.
    pub(super) async fn in_register(&mut self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let key = self.register_key().await;
        let deployment = self.deployment().await;
        deployment.send(method, &format!("/api/v1/tenants/{TENANT}{path}"), &key, body).await
    }

    /// Registers an entity; the response is kept and, on success, it becomes "it".
    async fn register(&mut self, body: Value) -> (u16, Value) {
        let (status, response) = self.in_register(Method::POST, "/entities", Some(body.clone())).await;
        if status == 201 {
            let id = response["id"].as_str().expect("id").to_owned();
            if let Some(name) = body["legal_name"].as_str() {
                self.entities.insert(name.to_owned(), (TENANT.to_owned(), id.clone()));
            }
            self.register.current = Some(id);
        }
        self.responses.push((status, response.clone()));
        (status, response)
    }

    fn current_entity(&self) -> String {
        self.register.current.clone().expect("an entity was registered")
    }

    /// An entity as of a date (and as known at a time, if given).
    async fn entity_as_of(&mut self, id: &str, as_of: &str, known_at: Option<DateTime<Utc>>) -> Value {
        let mut path = format!("/entities/{id}?as_of={as_of}");
        if let Some(at) = known_at {
            path.push_str(&format!("&known_at={}", at.to_rfc3339_opts(SecondsFormat::Micros, true)));
        }
        let (status, body) = self.in_register(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Changes an entity with `If-Match` set to its current ETag.
    async fn change_entity(&mut self, id: &str, change: Value) -> (u16, Value) {
        let (status, current) = self.in_register(Method::GET, &format!("/entities/{id}"), None).await;
        assert_eq!(status, 200, "{current}");
        let key = self.register_key().await;
        let response = patch(self, id, &key, &etag_of(&current), change).await;
        self.responses.push(response.clone());
        response
    }

    /// The entity registered under `name`, registering it (from 2020-01-01) if needed.
    pub(super) async fn entity_named(&mut self, name: &str) -> String {
        if let Some((_, id)) = self.entities.get(name) {
            return id.clone();
        }
        let (status, body) = self
            .register(json!({
                "legal_name": name, "jurisdiction": "GB",
                "effective_from": "2020-01-01", "reason": "registered from incorporation",
            }))
            .await;
        assert_eq!(status, 201, "{body}");
        self.current_entity()
    }

    /// The given and family names of the directors of an entity as of a date.
    async fn directors(&mut self, entity: &str, as_of: &str) -> Vec<String> {
        let id = self.entity_named(entity).await;
        let (status, page) = self
            .in_register(Method::GET, &format!("/appointments?entity_id={id}&role=director&as_of={as_of}"), None)
            .await;
        assert_eq!(status, 200, "{page}");
        let mut names = Vec::new();
        for appointment in page["items"].as_array().expect("items") {
            let person = appointment["holder"]["person_id"].as_str().expect("a person holds it").to_owned();
            let (status, body) = self.in_register(Method::GET, &format!("/persons/{person}"), None).await;
            assert_eq!(status, 200, "{body}");
            names.push(format!(
                "{} {}",
                body["given_name"].as_str().unwrap_or(""),
                body["family_name"].as_str().unwrap_or("")
            ));
        }
        names
    }
}

/// The ETag a response body stands for (its version, quoted).
fn etag_of(body: &Value) -> String {
    format!("\"{}\"", body["version"].as_i64().expect("version"))
}

async fn patch(world: &mut CharterWorld, id: &str, key: &str, etag: &str, change: Value) -> (u16, Value) {
    let deployment = world.deployment().await;
    let response = deployment
        .http
        .patch(deployment.url(&format!("/api/v1/tenants/{TENANT}/entities/{id}")))
        .bearer_auth(key)
        .header("if-match", etag)
        .json(&change)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

// ---- Feature: Legal entity register ----

#[when(expr = "I create an entity {string} in jurisdiction {string} with legal form {string} and LEI {string}")]
async fn create_full(world: &mut CharterWorld, name: String, jurisdiction: String, form: String, lei: String) {
    let (status, body) = world
        .register(json!({ "legal_name": name, "jurisdiction": jurisdiction, "legal_form": form, "lei": lei }))
        .await;
    assert_eq!(status, 201, "{body}");
}

#[then(expr = "it is listed with legal form {string}")]
async fn listed_with_form(world: &mut CharterWorld, form_name: String) {
    let id = world.current_entity();
    let created = world.last().1.clone();
    for path in
        ["/entities?limit=100".to_owned(), format!("/entities?q={}", created["legal_name"].as_str().expect("name"))]
    {
        let (status, page) = world.in_register(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let listed = page["items"].as_array().expect("items").iter().find(|e| e["id"] == id.as_str()).cloned();
        let listed = listed.unwrap_or_else(|| panic!("{id} is not listed by {path}: {page}"));
        assert_eq!(listed["legal_form_name"], form_name.as_str(), "{listed}");
        for field in ["legal_name", "jurisdiction", "legal_form", "lei"] {
            assert_eq!(listed[field], created[field], "{field} as listed: {listed}");
        }
    }
    let (status, filtered) = world.in_register(Method::GET, "/entities?jurisdiction=DE&legal_form=2HBR", None).await;
    assert_eq!(status, 200, "{filtered}");
    assert!(filtered["items"].as_array().expect("items").iter().any(|e| e["id"] == id.as_str()), "{filtered}");
}

#[when(expr = "I create an entity in jurisdiction {string} with legal form {string}")]
async fn create_with_form(world: &mut CharterWorld, jurisdiction: String, form: String) {
    world.register(json!({ "legal_name": "Exemple SAS", "jurisdiction": jurisdiction, "legal_form": form })).await;
}

#[when(expr = "I create an entity with LEI {string}")]
async fn create_with_lei(world: &mut CharterWorld, lei: String) {
    world.register(json!({ "legal_name": "Example Holdings Ltd", "jurisdiction": "GB", "lei": lei })).await;
}

#[then(expr = "the response status is {int} and it names {string}")]
async fn refused_naming(world: &mut CharterWorld, status: u16, field: String) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e["field"] == field.as_str() && e["rule"].as_str().is_some_and(|r| !r.is_empty())),
        "no error names {field}: {body}"
    );
    // Nothing written: the tenant has no entity.
    let (status, page) = world.in_register(Method::GET, "/entities", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"], json!([]), "an entity was written: {page}");
}

// ---- Feature: Effective dating ----

#[given(regex = r#"^an entity "([^"]+)" created effective (\d{4}-\d{2}-\d{2})$"#)]
async fn created_effective(world: &mut CharterWorld, name: String, from: String) {
    let (status, body) = world
        .register(json!({
            "legal_name": name, "jurisdiction": "GB", "effective_from": from, "reason": "registered from incorporation",
        }))
        .await;
    assert_eq!(status, 201, "{body}");
}

#[when(regex = r#"^I change its legal name to "([^"]+)" effective (\d{4}-\d{2}-\d{2})$"#)]
async fn change_name(world: &mut CharterWorld, name: String, from: String) {
    let id = world.current_entity();
    let (status, body) = world.change_entity(&id, json!({ "legal_name": name, "effective_from": from })).await;
    assert_eq!(status, 200, "{body}");
}

#[then(regex = r#"^as of (\d{4}-\d{2}-\d{2}) its (legal name|status) is "([^"]+)"$"#)]
async fn fact_as_of(world: &mut CharterWorld, date: String, fact: String, expected: String) {
    let id = world.current_entity();
    let entity = world.entity_as_of(&id, &date, None).await;
    let field = if fact == "legal name" { "legal_name" } else { "status" };
    assert_eq!(entity[field], expected.as_str(), "as of {date}: {entity}");
    assert_eq!(entity["as_of"], date.as_str());
}

#[then("its history lists both names with their periods")]
async fn history_of_names(world: &mut CharterWorld) {
    let id = world.current_entity();
    let (status, history) = world.in_register(Method::GET, &format!("/entities/{id}/history"), None).await;
    assert_eq!(status, 200, "{history}");
    let periods: Vec<(Value, Value, Value)> = history["facts"]["legal_name"]
        .as_array()
        .expect("legal_name versions")
        .iter()
        .map(|p| (p["value"].clone(), p["valid_from"].clone(), p["valid_to"].clone()))
        .collect();
    assert_eq!(
        periods,
        vec![
            (json!("Alpha Ltd"), json!("2020-01-01"), json!("2030-06-01")),
            (json!("Beta Ltd"), json!("2030-06-01"), Value::Null),
        ],
        "{history}"
    );
}

#[given(regex = r#"^an entity "([^"]+)" recorded as "([^"]+)" from (\d{4}-\d{2}-\d{2})$"#)]
async fn recorded_with_status(world: &mut CharterWorld, name: String, status: String, from: String) {
    let (code, body) = world
        .register(json!({
            "legal_name": name, "jurisdiction": "GB", "status": status,
            "effective_from": from, "reason": "registered from incorporation",
        }))
        .await;
    assert_eq!(code, 201, "{body}");
}

#[when(regex = r#"^I correct its status to "([^"]+)" from (\d{4}-\d{2}-\d{2}) with reason "([^"]+)"$"#)]
async fn correct_status(world: &mut CharterWorld, status: String, from: String, reason: String) {
    let id = world.current_entity();
    // A moment strictly between the creation and the correction.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    world.register.before_correction = Some(Utc::now());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (code, body) =
        world.change_entity(&id, json!({ "status": status, "effective_from": from, "reason": reason })).await;
    assert_eq!(code, 200, "{body}");
    // The correction is on record with its reason.
    let (_, history) = world.in_register(Method::GET, &format!("/entities/{id}/history"), None).await;
    let statuses = history["facts"]["status"].as_array().expect("status versions");
    assert!(statuses.iter().any(|p| p["value"] == status.as_str() && p["reason"] == reason.as_str()), "{history}");
}

#[then(regex = r#"^as of (\d{4}-\d{2}-\d{2}), known at a time before the correction, its status is "([^"]+)"$"#)]
async fn status_known_before(world: &mut CharterWorld, date: String, expected: String) {
    let id = world.current_entity();
    let before = world.register.before_correction.expect("a correction was made");
    let entity = world.entity_as_of(&id, &date, Some(before)).await;
    assert_eq!(entity["status"], expected.as_str(), "as of {date} known at {before}: {entity}");
    // The full record keeps both: the superseded knowledge and the correction.
    let (_, history) =
        world.in_register(Method::GET, &format!("/entities/{id}/history?include_superseded=true"), None).await;
    let statuses = history["facts"]["status"].as_array().expect("status versions");
    assert!(
        statuses.iter().any(|p| p["value"] == expected.as_str() && !p["superseded_at"].is_null()),
        "the superseded version is kept: {history}"
    );
}

#[given(
    regex = r#"^"([^"]+)" appointed director of "([^"]+)" on (\d{4}-\d{2}-\d{2}) and ceased on (\d{4}-\d{2}-\d{2})$"#
)]
async fn appointed_director(world: &mut CharterWorld, person: String, entity: String, on: String, ceased: String) {
    let entity = world.entity_named(&entity).await;
    let (given, family) = person.split_once(' ').expect("a given and a family name");
    let (status, created) =
        world.in_register(Method::POST, "/persons", Some(json!({ "given_name": given, "family_name": family }))).await;
    assert_eq!(status, 201, "{created}");
    world.register.persons.insert(person.clone(), created["id"].as_str().expect("id").to_owned());
    let (status, body) = world
        .in_register(
            Method::POST,
            "/appointments",
            Some(json!({
                "entity_id": entity, "holder": { "person_id": created["id"] }, "role": "director",
                "appointed_on": on, "ceased_on": ceased,
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[then(regex = r#"^the directors of "([^"]+)" as of (\d{4}-\d{2}-\d{2}) include "([^"]+)"$"#)]
async fn directors_include(world: &mut CharterWorld, entity: String, date: String, person: String) {
    let directors = world.directors(&entity, &date).await;
    assert!(directors.contains(&person), "directors as of {date}: {directors:?}");
    world.register.person = Some(person);
}

#[then(regex = r#"^the directors of "([^"]+)" as of (\d{4}-\d{2}-\d{2}) do not$"#)]
async fn directors_exclude(world: &mut CharterWorld, entity: String, date: String) {
    let person = world.register.person.clone().expect("a person named before");
    let directors = world.directors(&entity, &date).await;
    assert!(!directors.contains(&person), "directors as of {date}: {directors:?}");
}

#[when(
    "two versions of one entity's registered address are written with overlapping periods, even by SQL as the application role"
)]
async fn overlapping_by_sql(world: &mut CharterWorld) {
    let id = world.entity_named("Alpha Ltd").await;
    let (tenant, database) = world.deployment().await.tenant_database(TENANT).await;
    let app = connect_as_app(&database, &world.deployment().await.fleet).await;
    let entity = uuid::Uuid::parse_str(&id).expect("uuid");
    let address =
        |city: &str| json!({ "registered_office": { "lines": ["1 High Street"], "city": city, "country": "GB" } });
    for (city, from, to) in [("London", "2021-01-01", Some("2025-01-01")), ("Leeds", "2024-06-01", None)] {
        let sql = format!(
            "BEGIN; SET LOCAL charter.tenant_id = '{tenant}';
             INSERT INTO charter.entity_fact (tenant_id, id, entity_id, fact, value, valid, recorded, recorded_by)
             VALUES ('{tenant}', '{}', '{entity}', 'addresses', '{}'::jsonb,
                     daterange('{from}', {}), tstzrange(now(), NULL), 'sql:test');
             COMMIT;",
            uuid::Uuid::now_v7(),
            address(city),
            to.map_or("NULL".to_owned(), |d| format!("'{d}'")),
        );
        let result = app.batch_execute(&sql).await.map(|()| 1);
        if result.is_err() {
            app.batch_execute("ROLLBACK").await.expect("rollback");
        }
        world.register.raw_writes.push(result);
    }
}

#[then("the second is rejected")]
async fn second_rejected(world: &mut CharterWorld) {
    let writes = std::mem::take(&mut world.register.raw_writes);
    assert_eq!(writes.len(), 2);
    assert!(writes[0].is_ok(), "the first version is written: {:?}", writes[0]);
    let error = writes[1].as_ref().expect_err("the overlapping version is refused");
    let db = error.as_db_error().expect("a server error");
    assert_eq!(db.code(), &SqlState::EXCLUSION_VIOLATION, "{db:?}");
    assert_eq!(db.constraint(), Some("entity_fact_no_overlap"), "{db:?}");
    // And the API still reads the one version on record.
    let id = world.entity_named("Alpha Ltd").await;
    let (_, history) = world.in_register(Method::GET, &format!("/entities/{id}/history"), None).await;
    let addresses = history["facts"]["addresses"].as_array().expect("address versions");
    assert_eq!(addresses.len(), 1, "{history}");
    assert_eq!(addresses[0]["value"]["registered_office"]["city"], "London", "{history}");
    // The superuser view agrees: one address version in the database.
    let (tenant, database) = world.deployment().await.tenant_database(TENANT).await;
    let count: i64 = connect_as_admin(&database)
        .await
        .query_one("SELECT count(*) FROM charter.entity_fact WHERE tenant_id = $1 AND fact = 'addresses'", &[&tenant])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 1);
}

#[given(expr = "two users read entity {string}")]
async fn two_users_read(world: &mut CharterWorld, name: String) {
    let id = world.entity_named(&name).await;
    for user in ["first editor", "second editor"] {
        let key = world.deployment().await.tenant_key(TENANT, "editor").await;
        let deployment = world.deployment().await;
        let response = deployment
            .http
            .get(deployment.url(&format!("/api/v1/tenants/{TENANT}/entities/{id}")))
            .bearer_auth(&key)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "{user} reads");
        let etag = response.headers().get("etag").expect("an ETag").to_str().expect("ascii").to_owned();
        world.register.readers.push((key, etag));
    }
    world.register.current = Some(id);
}

#[when("both update it with the ETag they read")]
async fn both_update(world: &mut CharterWorld) {
    let id = world.current_entity();
    let readers = world.register.readers.clone();
    for (n, (key, etag)) in readers.iter().enumerate() {
        let response =
            patch(world, &id, key, etag, json!({ "legal_name": format!("Alpha Ltd (edit {})", n + 1) })).await;
        world.responses.push(response);
    }
}

#[then(expr = "the second update gets {int}")]
async fn second_update_gets(world: &mut CharterWorld, status: u16) {
    let n = world.responses.len();
    let (first, first_body) = world.responses[n - 2].clone();
    let (second, second_body) = world.responses[n - 1].clone();
    assert_eq!(first, 200, "{first_body}");
    assert_eq!(second, status, "{second_body}");
    assert_eq!(second_body["code"], "precondition_failed", "{second_body}");
    // The first user's change stands; the second was not written.
    let id = world.current_entity();
    let (_, now) = world.in_register(Method::GET, &format!("/entities/{id}"), None).await;
    assert_eq!(now["legal_name"], "Alpha Ltd (edit 1)", "{now}");
    // Without If-Match the change is refused outright.
    let key = world.register_key().await;
    let deployment = world.deployment().await;
    let response = deployment
        .http
        .patch(deployment.url(&format!("/api/v1/tenants/{TENANT}/entities/{id}")))
        .bearer_auth(&key)
        .json(&json!({ "legal_name": "Blind Write Ltd" }))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 428);
}

// ---- Feature: Lists and search ----

impl CharterWorld {
    /// Lists entities with a query string, following every cursor; keeps
    /// the legal names found, in order.
    async fn list_all(&mut self, query: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let path = match &cursor {
                Some(cursor) => format!("/entities?{query}&cursor={cursor}"),
                None => format!("/entities?{query}"),
            };
            let (status, page) = self.in_register(Method::GET, &path, None).await;
            assert_eq!(status, 200, "GET {path}: {page}");
            names.extend(
                page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|e| e["legal_name"].as_str().unwrap_or("").to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        self.register.found = names.clone();
        names
    }
}

/// `text` encoded as a query parameter's value.
fn url_encoded(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").expect("a URL");
    url.query_pairs_mut().append_pair("v", text);
    url.query().unwrap_or("v=")["v=".len()..].to_owned()
}

#[given("these entities, registered from 2020-01-01:")]
async fn these_entities(world: &mut CharterWorld, step: &cucumber::gherkin::Step) {
    let table = step.table.as_ref().expect("a table of entities");
    let header = &table.rows[0];
    for row in &table.rows[1..] {
        let mut body = json!({ "effective_from": "2020-01-01", "reason": "registered from incorporation" });
        for (column, cell) in header.iter().zip(row) {
            body[column] = match column.as_str() {
                "tags" => json!(cell.split(',').map(str::trim).collect::<Vec<_>>()),
                _ => json!(cell),
            };
        }
        let (status, created) = world.register(body).await;
        assert_eq!(status, 201, "{created}");
    }
}

#[when(regex = r#"^I search the register for "([^"]+)"(?: as of (\d{4}-\d{2}-\d{2}))?$"#)]
async fn search_for(world: &mut CharterWorld, text: String, as_of: String) {
    let mut query = format!("q={}&limit=2", url_encoded(&text));
    if !as_of.is_empty() {
        query.push_str(&format!("&as_of={as_of}"));
    }
    world.list_all(&query).await;
}

#[when(expr = "I list the entities with {string}")]
async fn list_with(world: &mut CharterWorld, query: String) {
    world.list_all(&format!("{query}&limit=1")).await;
}

#[when(regex = r"^I page through the entities sorted by legal name(?: as of (\d{4}-\d{2}-\d{2}))?, (\d+) per page$")]
async fn page_by_name(world: &mut CharterWorld, as_of: String, per_page: u32) {
    let mut query = format!("sort=legal_name&limit={per_page}");
    if !as_of.is_empty() {
        query.push_str(&format!("&as_of={as_of}"));
    }
    world.list_all(&query).await;
}

#[when(regex = r#"^I list the entities where "([^"]+)" holds an appointment as of (\d{4}-\d{2}-\d{2})$"#)]
async fn list_by_holder(world: &mut CharterWorld, person: String, as_of: String) {
    let id = world.register.persons.get(&person).cloned().expect("the person was appointed before");
    world.list_all(&format!("holder={id}&as_of={as_of}")).await;
}

#[given(regex = r#"^"([^"]+)" is renamed "([^"]+)" effective (\d{4}-\d{2}-\d{2})$"#)]
async fn renamed(world: &mut CharterWorld, name: String, new_name: String, from: String) {
    let id = world.entity_named(&name).await;
    let (status, body) = world.change_entity(&id, json!({ "legal_name": new_name, "effective_from": from })).await;
    assert_eq!(status, 200, "{body}");
}

#[then(regex = r#"^the entities found are "([^"]+)"( in that order)?$"#)]
async fn found_are(world: &mut CharterWorld, expected: String, ordered: String) {
    let mut expected: Vec<String> = split_names(&expected);
    let mut found = world.register.found.clone();
    if ordered.is_empty() {
        expected.sort();
        found.sort();
    }
    assert_eq!(found, expected);
}

#[then("no entity is found")]
async fn none_found(world: &mut CharterWorld) {
    assert_eq!(world.register.found, Vec::<String>::new());
}

/// Names separated by ", " (a name may itself hold a comma-free "S.à r.l.").
fn split_names(names: &str) -> Vec<String> {
    names.split(", ").map(str::to_owned).collect()
}

// ---- The legal-form picker ----

async fn legal_forms(world: &mut CharterWorld, jurisdiction: &str, q: &str) -> Vec<String> {
    let key = world.register_key().await;
    let deployment = world.deployment().await;
    let path = format!("/api/v1/legal-forms?jurisdiction={jurisdiction}&q={q}&limit=50");
    let (status, body) = deployment.send(Method::GET, &path, &key, None).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").iter().filter_map(|f| f["code"].as_str().map(str::to_owned)).collect()
}

#[then(regex = r#"^the legal forms of "([^"]+)" matching "([^"]+)" include "([^"]+)"$"#)]
async fn legal_forms_include(world: &mut CharterWorld, jurisdiction: String, q: String, code: String) {
    let codes = legal_forms(world, &jurisdiction, &q).await;
    assert!(codes.contains(&code), "{jurisdiction} {q}: {codes:?}");
}

#[then(regex = r#"^the legal forms of "([^"]+)" matching "([^"]+)" are none$"#)]
async fn legal_forms_none(world: &mut CharterWorld, jurisdiction: String, q: String) {
    let codes = legal_forms(world, &jurisdiction, &q).await;
    assert!(codes.is_empty(), "{jurisdiction} {q}: {codes:?}");
}
