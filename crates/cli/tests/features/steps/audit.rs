//! Feature: Audit trail.

use cucumber::{then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::CharterWorld;
use crate::support::connect_as_admin;

const TENANT: &str = "acme";

#[derive(Default)]
pub struct State {
    /// `api_key:<id>` of the key that made the changes.
    actor: Option<String>,
    /// Each change made: (action, resource id, what it set).
    changes: Vec<(String, String, Value)>,
    /// The chain's length before the changes.
    events_before: usize,
}

impl CharterWorld {
    /// Every audit event of the tenant, oldest first, page by page.
    async fn audit_events(&mut self) -> Vec<Value> {
        let key = self.key_of(TENANT);
        let deployment = self.deployment().await;
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/tenants/{TENANT}/audit-events?limit=50");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = deployment.send(Method::GET, &path, &key, None).await;
            assert_eq!(status, 200, "{page}");
            events.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return events,
            }
        }
    }
}

#[when(expr = "I make {int} changes through the API")]
async fn make_changes(world: &mut CharterWorld, count: usize) {
    world.onboard(TENANT, "shared").await;
    world.audit.events_before = world.audit_events().await.len();
    let admin = world.deployment().await.admin_key.clone();
    let deployment = world.deployment().await;
    let (status, issued) = deployment
        .send(
            Method::POST,
            &format!("/api/v1/tenants/{TENANT}/api-keys"),
            &admin,
            Some(json!({ "name": "paralegal", "role": "editor" })),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let key = issued["key"].as_str().expect("key").to_owned();
    world.audit.actor = Some(format!("api_key:{}", issued["id"].as_str().expect("id")));

    // A mix: entities registered, persons added, and entities changed.
    let mut entities: Vec<(String, i64)> = Vec::new();
    for n in 0..count {
        let deployment = world.deployment().await;
        let base = format!("/api/v1/tenants/{TENANT}");
        let change = if n % 10 == 0 || entities.is_empty() {
            let body = json!({ "legal_name": format!("Audited {n} Ltd"), "jurisdiction": "GB" });
            let (status, created) =
                deployment.send(Method::POST, &format!("{base}/entities"), &key, Some(body.clone())).await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().expect("id").to_owned();
            entities.push((id.clone(), created["version"].as_i64().expect("version")));
            ("entity.create".to_owned(), id, body)
        } else if n % 10 == 5 {
            let body = json!({ "given_name": "Person", "family_name": format!("Number {n}") });
            let (status, created) =
                deployment.send(Method::POST, &format!("{base}/persons"), &key, Some(body.clone())).await;
            assert_eq!(status, 201, "{created}");
            ("person.create".to_owned(), created["id"].as_str().expect("id").to_owned(), body)
        } else {
            let slot = n % entities.len();
            let (id, version) = entities[slot].clone();
            let body = json!({ "registration_number": format!("{n:08}") });
            let response = deployment
                .http
                .patch(deployment.url(&format!("{base}/entities/{id}")))
                .bearer_auth(&key)
                .header("if-match", format!("\"{version}\""))
                .json(&body)
                .send()
                .await
                .expect("request sent");
            assert_eq!(response.status(), 200);
            let updated: Value = response.json().await.expect("json");
            entities[slot].1 = updated["version"].as_i64().expect("version");
            ("entity.update".to_owned(), id, body)
        };
        world.audit.changes.push(change);
    }
}

#[then(expr = "{int} audit events exist, each naming its actor and change")]
async fn events_exist(world: &mut CharterWorld, count: usize) {
    let events = world.audit_events().await;
    let ours = &events[world.audit.events_before..];
    assert_eq!(ours.len(), count, "events after the changes");
    let actor = world.audit.actor.clone().expect("an actor");
    for (event, (action, resource, sent)) in ours.iter().zip(&world.audit.changes) {
        assert_eq!(event["actor"], actor.as_str(), "{event}");
        assert_eq!(event["action"], action.as_str(), "{event}");
        assert_eq!(event["resource_id"], resource.as_str(), "{event}");
        assert!(event["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{event}");
        assert!(event["hash"].as_str().is_some_and(|h| h.len() == 64), "{event}");
        // The change itself: what was sent is in the after image, and an
        // update's before image holds what it replaced.
        for (field, value) in sent.as_object().expect("object") {
            assert_eq!(&event["after"][field], value, "{field} after, in {event}");
        }
        if action.ends_with(".update") {
            assert!(event["before"].is_object(), "{event}");
            assert_ne!(event["before"]["registration_number"], event["after"]["registration_number"], "{event}");
            assert_eq!(
                event["before"]["version"].as_i64().map(|v| v + 1),
                event["after"]["version"].as_i64(),
                "{event}"
            );
            assert_eq!(&event["change"]["facts"], sent, "{event}");
        }
    }
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>(), "the chain has no gap");
}

#[then(expr = "{string} reports the chain intact")]
async fn verify_intact(world: &mut CharterWorld, command: String) {
    assert_eq!(command, "charter audit verify");
    let output = world.deployment().await.charter(&["audit", "verify", TENANT]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let total = world.audit_events().await.len();
    assert!(stdout.contains("intact") && stdout.contains(&format!("{total} events")), "{stdout}");
}

#[then(expr = "after one audit row is altered in the database {string} names that event")]
async fn verify_names_altered(world: &mut CharterWorld, command: String) {
    assert_eq!(command, "charter audit verify");
    let events = world.audit_events().await;
    let victim = &events[world.audit.events_before + 42];
    let (seq, id) = (victim["seq"].as_i64().expect("seq"), victim["id"].as_str().expect("id").to_owned());
    let (tenant, database) = world.deployment().await.tenant_database(TENANT).await;
    let admin = connect_as_admin(&database).await;
    // The application cannot rewrite history: the table refuses updates.
    let refused = admin
        .execute(
            "UPDATE charter.audit_event SET actor = 'api_key:someone-else' WHERE tenant_id = $1 AND seq = $2",
            &[&tenant, &seq],
        )
        .await;
    assert!(refused.is_err(), "an update of an audit event is refused");
    // Someone with the power to bypass triggers edits the row quietly.
    admin
        .batch_execute(&format!(
            "BEGIN; SET LOCAL session_replication_role = replica;
             UPDATE charter.audit_event SET after = jsonb_set(after, '{{registration_number}}', '\"TAMPERED\"')
              WHERE tenant_id = '{tenant}' AND seq = {seq};
             COMMIT;"
        ))
        .await
        .expect("tamper");
    let output = world.deployment().await.charter(&["audit", "verify", TENANT]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "verify fails on a broken chain: {stdout}");
    assert!(stdout.contains(&id) && stdout.contains(&format!("event {seq}")), "names event {seq} ({id}): {stdout}");
    // Machine-readable too.
    let output = world.deployment().await.charter(&["audit", "verify", TENANT, "--json"]).await;
    let report: Value = serde_json::from_slice(&output.stdout).expect("json report");
    assert_eq!(report["first_broken"]["seq"], seq, "{report}");
    assert_eq!(report["first_broken"]["id"], id.as_str(), "{report}");
}
