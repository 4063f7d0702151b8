//! Feature: Share certificates. The class, its issuer and the shareholders
//! come from the share ledger's steps (`steps/shares.rs`); these steps find
//! them again through the API.

use std::collections::HashMap;

use cucumber::{gherkin::Step, given, then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::CharterWorld;

#[derive(Default)]
pub struct State {
    /// Class name → id.
    classes: HashMap<String, String>,
    /// The number of certificates of the class before the latest request.
    before: Option<usize>,
}

impl CharterWorld {
    /// The id of the class of shares named so, of any entity of the scenario.
    async fn certificate_class(&mut self, name: &str) -> String {
        if let Some(id) = self.certificates.classes.get(name) {
            return id.clone();
        }
        let entities: Vec<String> = self.entities.values().map(|(_, id)| id.clone()).collect();
        for entity in entities {
            let (status, classes) =
                self.in_register(Method::GET, &format!("/entities/{entity}/share-classes"), None).await;
            assert_eq!(status, 200, "{classes}");
            if let Some(class) = classes.as_array().expect("classes").iter().find(|c| c["name"] == name) {
                let id = class["id"].as_str().expect("id").to_owned();
                self.certificates.classes.insert(name.to_owned(), id.clone());
                return id;
            }
        }
        panic!("no class of shares named {name}");
    }

    /// `{"person_id": …}` of the person named so, found by name (or created).
    async fn certificate_holder(&mut self, name: &str) -> Value {
        let (status, page) =
            self.in_register(Method::GET, &format!("/persons?q={}", name.replace(' ', "%20")), None).await;
        assert_eq!(status, 200, "{page}");
        let found = page["items"].as_array().expect("items").iter().find(|p| {
            format!("{} {}", p["given_name"].as_str().unwrap_or(""), p["family_name"].as_str().unwrap_or("")) == name
        });
        if let Some(person) = found {
            return json!({ "person_id": person["id"] });
        }
        let (given, family) = name.split_once(' ').expect("a given and a family name");
        let (status, created) = self
            .in_register(Method::POST, "/persons", Some(json!({ "given_name": given, "family_name": family })))
            .await;
        assert_eq!(status, 201, "{created}");
        json!({ "person_id": created["id"] })
    }

    /// The certificates of a class, as the API lists them (optionally with a status).
    async fn certificates_of(&mut self, class: &str, status: Option<&str>) -> Vec<Value> {
        let id = self.certificate_class(class).await;
        let query = status.map(|s| format!("?status={s}")).unwrap_or_default();
        let (code, list) =
            self.in_register(Method::GET, &format!("/share-classes/{id}/certificates{query}"), None).await;
        assert_eq!(code, 200, "{list}");
        list.as_array().expect("certificates").clone()
    }

    /// The certificate of a class with this number.
    async fn certificate_numbered(&mut self, class: &str, number: &str) -> Value {
        self.certificates_of(class, None)
            .await
            .into_iter()
            .find(|c| c["number"] == number)
            .unwrap_or_else(|| panic!("no certificate {number} of {class}"))
    }

    /// Asks for a certificate; keeps the response and the register's size before it.
    async fn issue_certificate(&mut self, number: &str, class: &str, holder: &str, shares: i64, on: &str) {
        let id = self.certificate_class(class).await;
        let holder = self.certificate_holder(holder).await;
        self.certificates.before = Some(self.certificates_of(class, None).await.len());
        let response = self
            .in_register(
                Method::POST,
                &format!("/share-classes/{id}/certificates"),
                Some(json!({ "number": number, "holder": holder, "shares": shares, "issued_on": on })),
            )
            .await;
        self.responses.push(response);
    }

    /// Posts a status change of a certificate; keeps the response.
    async fn change_certificate(&mut self, class: &str, number: &str, action: &str, body: Value) -> (u16, Value) {
        let certificate = self.certificate_numbered(class, number).await;
        let id = certificate["id"].as_str().expect("id").to_owned();
        self.certificates.before = Some(self.certificates_of(class, None).await.len());
        let response = self.in_register(Method::POST, &format!("/share-certificates/{id}/{action}"), Some(body)).await;
        self.responses.push(response.clone());
        response
    }
}

#[given(regex = r#"^class "([^"]+)" of "([^"]+)" issues certificates$"#)]
async fn class_certificated(world: &mut CharterWorld, class: String, entity: String) {
    let entity = world.entity_named(&entity).await;
    let (status, classes) = world.in_register(Method::GET, &format!("/entities/{entity}/share-classes"), None).await;
    assert_eq!(status, 200, "{classes}");
    let id =
        classes.as_array().expect("classes").iter().find(|c| c["name"] == class.as_str()).expect("the class")["id"]
            .as_str()
            .expect("id")
            .to_owned();
    let (status, updated) =
        world.in_register(Method::PATCH, &format!("/share-classes/{id}"), Some(json!({ "certificated": true }))).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["certificated"], true, "{updated}");
    assert_eq!(updated["name"], class.as_str(), "{updated}");
    world.certificates.classes.insert(class, id);
}

#[given(regex = r#"^certificate "([^"]+)" of "([^"]+)" issued to "([^"]+)" for (\d+) shares on (\d{4}-\d{2}-\d{2})$"#)]
async fn certificate_issued(
    world: &mut CharterWorld,
    number: String,
    class: String,
    holder: String,
    shares: i64,
    on: String,
) {
    world.issue_certificate(&number, &class, &holder, shares, &on).await;
    let (status, body) = world.last().clone();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "issued", "{body}");
}

#[when(
    regex = r#"^I issue certificate "([^"]+)" of "([^"]+)" to "([^"]+)" for (\d+) shares dated (\d{4}-\d{2}-\d{2})$"#
)]
async fn issue_certificate(
    world: &mut CharterWorld,
    number: String,
    class: String,
    holder: String,
    shares: i64,
    on: String,
) {
    world.issue_certificate(&number, &class, &holder, shares, &on).await;
}

#[when(regex = r#"^I cancel certificate "([^"]+)" of "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn cancel_certificate(world: &mut CharterWorld, number: String, class: String, on: String) {
    world.change_certificate(&class, &number, "cancel", json!({ "effective_from": on, "reason": "transferred" })).await;
}

#[when(regex = r#"^I report certificate "([^"]+)" of "([^"]+)" lost on (\d{4}-\d{2}-\d{2})$"#)]
async fn report_lost(world: &mut CharterWorld, number: String, class: String, on: String) {
    let (status, body) = world
        .change_certificate(&class, &number, "report-lost", json!({ "effective_from": on, "reason": "lost in a move" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "lost", "{body}");
}

#[when(regex = r#"^I set class "([^"]+)" not to issue certificates$"#)]
async fn class_uncertificated(world: &mut CharterWorld, class: String) {
    let id = world.certificate_class(&class).await;
    world.certificates.before = Some(world.certificates_of(&class, None).await.len());
    let response =
        world.in_register(Method::PATCH, &format!("/share-classes/{id}"), Some(json!({ "certificated": false }))).await;
    world.responses.push(response);
}

#[when(regex = r#"^I replace certificate "([^"]+)" of "([^"]+)" with "([^"]+)" on (\d{4}-\d{2}-\d{2})$"#)]
async fn replace_certificate(world: &mut CharterWorld, number: String, class: String, new: String, on: String) {
    let (status, body) = world
        .change_certificate(
            &class,
            &number,
            "replace",
            json!({ "number": new, "effective_from": on, "reason": "worn" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["number"], new.as_str(), "{body}");
}

#[when(regex = r#"^I ask for the certificates of class "([^"]+)"$"#)]
async fn ask_for_certificates(world: &mut CharterWorld, class: String) {
    let response = world.in_register(Method::GET, &format!("/share-classes/{class}/certificates"), None).await;
    world.responses.push(response);
}

#[when(regex = r#"^I ask for certificate "([^"]+)"$"#)]
async fn ask_for_certificate(world: &mut CharterWorld, id: String) {
    let response = world.in_register(Method::GET, &format!("/share-certificates/{id}"), None).await;
    world.responses.push(response);
}

#[then(
    regex = r#"^the response status is (\d+) (?:naming "([^"]+)" with rule "([^"]+)" )?and no certificate is written$"#
)]
async fn refused_nothing_written(world: &mut CharterWorld, status: u16, field: String, rule: String) {
    let (actual, body) = world.last().clone();
    assert_eq!(actual, status, "{body}");
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:charter:problem:")), "a problem: {body}");
    if !field.is_empty() {
        let errors = body["errors"].as_array().expect("errors");
        assert!(errors.iter().any(|e| e["field"] == field.as_str() && e["rule"] == rule.as_str()), "{body}");
    }
    let before = world.certificates.before.expect("the register's size before");
    let class = world.certificates.classes.keys().next().cloned().expect("a class");
    assert_eq!(world.certificates_of(&class, None).await.len(), before, "a certificate was written");
}

#[then(regex = r#"^the certificates of "([^"]+)" are$"#)]
async fn certificates_are(world: &mut CharterWorld, class: String, step: &Step) {
    let table = step.table.as_ref().expect("a table of certificates");
    let header = &table.rows[0];
    let listed = world.certificates_of(&class, None).await;
    assert_eq!(listed.len(), table.rows.len() - 1, "{listed:?}");
    for row in &table.rows[1..] {
        let cell = |name: &str| row[header.iter().position(|h| h == name).expect(name)].as_str();
        let certificate = listed
            .iter()
            .find(|c| c["number"] == cell("number"))
            .unwrap_or_else(|| panic!("certificate {} is not listed: {listed:?}", cell("number")));
        let holder = world.certificate_holder(cell("holder")).await;
        assert_eq!(certificate["holder"], holder, "{certificate}");
        assert_eq!(certificate["shares"], cell("shares").parse::<i64>().expect("shares"), "{certificate}");
        assert_eq!(certificate["issued_on"], cell("issued_on"), "{certificate}");
        assert_eq!(certificate["status"], cell("status"), "{certificate}");
    }
}

#[then(regex = r#"^the certificates of "([^"]+)" with status "([^"]+)" are (.+)$"#)]
async fn certificates_with_status(world: &mut CharterWorld, class: String, status: String, numbers: String) {
    let expected: Vec<&str> = numbers.split('"').skip(1).step_by(2).collect();
    let listed = world.certificates_of(&class, Some(&status)).await;
    let found: Vec<&str> = listed.iter().filter_map(|c| c["number"].as_str()).collect();
    assert_eq!(found, expected, "{listed:?}");
}

/// `issued on 2022-01-01, lost on 2024-01-01, replaced on 2024-01-15 by "ORD-002"` →
/// (status, date, replacement number).
fn history(text: &str) -> Vec<(String, String, Option<String>)> {
    text.split(", ")
        .map(|entry| {
            let (status, rest) = entry.split_once(" on ").expect("<status> on <date>");
            let (date, by) = match rest.split_once(" by ") {
                Some((date, by)) => (date, Some(by.trim_matches('"').to_owned())),
                None => (rest, None),
            };
            (status.to_owned(), date.to_owned(), by)
        })
        .collect()
}

#[then(regex = r#"^certificate "([^"]+)" of "([^"]+)" has the history (.+)$"#)]
async fn certificate_history(world: &mut CharterWorld, number: String, class: String, expected: String) {
    let expected = history(&expected);
    let listed = world.certificate_numbered(&class, &number).await;
    let id = listed["id"].as_str().expect("id").to_owned();
    let (status, certificate) = world.in_register(Method::GET, &format!("/share-certificates/{id}"), None).await;
    assert_eq!(status, 200, "{certificate}");
    let (last, on, _) = expected.last().expect("a history");
    assert_eq!(certificate["status"], last.as_str(), "{certificate}");
    assert_eq!(certificate["status_from"], on.as_str(), "{certificate}");
    let events = certificate["history"].as_array().expect("history");
    assert_eq!(events.len(), expected.len(), "{certificate}");
    for (event, (status, on, by)) in events.iter().zip(&expected) {
        assert_eq!((&event["status"], &event["effective_from"]), (&json!(status), &json!(on)), "{certificate}");
        assert!(event["recorded_by"].is_string(), "{certificate}");
        match by {
            None => assert!(event["replacement_id"].is_null(), "{certificate}"),
            Some(replacement) => {
                let new = world.certificate_numbered(&class, replacement).await;
                assert_eq!(event["replacement_id"], new["id"], "{certificate}");
                assert_eq!(certificate["replaced_by_id"], new["id"], "{certificate}");
                assert_eq!(new["replaces_id"], certificate["id"], "{new}");
                assert_eq!((&new["holder"], &new["shares"]), (&certificate["holder"], &certificate["shares"]), "{new}");
                assert_eq!(new["issued_on"], json!(on), "{new}");
            }
        }
    }
}
