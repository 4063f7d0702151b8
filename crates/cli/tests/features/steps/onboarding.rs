//! Feature: Onboarding.

use charter_storage::admin::AdminConnection;
use cucumber::{then, when};
use serde_json::{Value, json};

use super::CharterWorld;
use crate::support::connect_as_admin;

#[when(expr = "a platform admin onboards {string} with placement {string}")]
async fn admin_onboards(world: &mut CharterWorld, slug: String, placement: String) {
    let response = world.deployment().await.onboard(&slug, &placement).await;
    world.responses.push(response);
}

#[then(expr = "the response status is 201 and {string} is placed in a shared database")]
async fn placed_in_shared(world: &mut CharterWorld, slug: String) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], slug.as_str());
    assert_eq!(body["status"], "active");
    assert_eq!(body["placement"], "shared");
    assert_eq!(body["database"]["kind"], "shared", "{body}");
    let deployment = world.deployment().await;
    let databases = deployment.fleet.control().list_databases().await.expect("databases");
    let placed = databases.iter().find(|d| d.id.to_string() == body["database"]["id"].as_str().unwrap_or_default());
    assert_eq!(placed.map(|d| d.kind.as_str()), Some("shared"));
}

/// Creates a key, an entity, and reads it back by id and in the list.
async fn create_and_read(world: &mut CharterWorld, slug: &str) -> String {
    let deployment = world.deployment().await;
    let key = deployment.tenant_key(slug, "editor").await;
    let name = format!("{slug} first entity");
    let id = deployment.create_entity(slug, &key, &name).await;
    let (status, entity) =
        deployment.send(reqwest::Method::GET, &format!("/api/v1/tenants/{slug}/entities/{id}"), &key, None).await;
    assert_eq!(status, 200, "{entity}");
    assert_eq!(entity["legal_name"], name.as_str());
    let (status, list) =
        deployment.send(reqwest::Method::GET, &format!("/api/v1/tenants/{slug}/entities"), &key, None).await;
    assert_eq!(status, 200, "{list}");
    assert!(list["items"].as_array().expect("items").iter().any(|e| e["id"] == id.as_str()), "{list}");
    id
}

#[then(expr = "{string} can create and read entities immediately")]
async fn can_use_at_once(world: &mut CharterWorld, slug: String) {
    create_and_read(world, &slug).await;
}

#[when("the same onboarding request is sent twice")]
async fn onboard_twice(world: &mut CharterWorld) {
    for _ in 0..2 {
        let response = world.deployment().await.onboard("initech", "shared").await;
        world.responses.push(response);
    }
}

#[then(expr = "both responses name the same tenant and only one tenant {string} exists")]
async fn same_tenant_once(world: &mut CharterWorld, slug: String) {
    let [(first_status, first), (second_status, second)] = &world.responses[..] else {
        panic!("expected two responses, got {:?}", world.responses)
    };
    assert_eq!((*first_status, *second_status), (201, 200), "{first} {second}");
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["slug"], slug.as_str());
    let deployment = world.deployment().await;
    let (status, list) =
        deployment.send(reqwest::Method::GET, "/api/v1/tenants?limit=200", &deployment.admin_key, None).await;
    assert_eq!(status, 200);
    let matching: Vec<&Value> =
        list["items"].as_array().expect("items").iter().filter(|t| t["slug"] == slug.as_str()).collect();
    assert_eq!(matching.len(), 1, "{list}");
    // A different request for the same slug is a conflict, not a second tenant.
    let (status, body) = deployment
        .send(
            reqwest::Method::POST,
            "/api/v1/tenants",
            &deployment.admin_key,
            Some(json!({ "slug": slug, "name": "Someone else", "placement": "shared" })),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "tenant_conflict");
}

#[then(expr = "a new database exists that holds only rows of {string}")]
async fn own_database(world: &mut CharterWorld, slug: String) {
    let (status, body) = world.last().clone();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["database"]["kind"], "dedicated", "{body}");
    let deployment = world.deployment().await;
    let (tenant, database) = deployment.tenant_database(&slug).await;
    let databases = deployment.fleet.control().list_databases().await.expect("databases");
    let shared = databases.iter().find(|d| d.kind.as_str() == "shared").expect("a shared database");
    assert_ne!(shared.admin_url.database(), database.database(), "a database of its own");
    let admin = connect_as_admin(&database).await;
    let tables: Vec<String> = admin
        .query(
            "SELECT 'charter.' || relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'charter' AND c.relkind = 'r' AND EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')",
            &[],
        )
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 3);
    for table in &tables {
        let others: i64 = admin
            .query_one(&format!("SELECT count(*) FROM {table} WHERE tenant_id <> $1"), &[&tenant])
            .await
            .expect("count")
            .get(0);
        assert_eq!(others, 0, "{table} holds another tenant's rows");
    }
    // The same schema: the same DDL ledger as the shared database, and the lint passes.
    let ledger = |url: charter_storage::DbUrl| async move {
        let conn = AdminConnection::connect(&url).await.expect("connect");
        let applied = conn.applied_ddl().await.expect("ledger");
        let violations = conn.lint_schema().await.expect("lint");
        (applied.into_iter().map(|a| (a.version, a.checksum)).collect::<Vec<_>>(), violations)
    };
    let (dedicated_ledger, dedicated_violations) = ledger(database.clone()).await;
    let (shared_ledger, _) = ledger(shared.admin_url.clone()).await;
    assert_eq!(dedicated_ledger, shared_ledger);
    assert!(dedicated_violations.is_empty(), "{dedicated_violations:?}");
}

#[then(expr = "the same API calls work for {string} as for shared tenants")]
async fn same_api(world: &mut CharterWorld, slug: String) {
    let id = create_and_read(world, &slug).await;
    // The entity landed in the dedicated database, not in the shared one.
    let deployment = world.deployment().await;
    let (_, dedicated) = deployment.tenant_database(&slug).await;
    let databases = deployment.fleet.control().list_databases().await.expect("databases");
    let shared = databases.iter().find(|d| d.kind.as_str() == "shared").expect("a shared database");
    let id: uuid::Uuid = id.parse().expect("uuid");
    let count = |url: charter_storage::DbUrl| async move {
        connect_as_admin(&url)
            .await
            .query_one("SELECT count(*) FROM charter.legal_entity WHERE id = $1", &[&id])
            .await
            .expect("count")
            .get::<_, i64>(0)
    };
    assert_eq!(count(dedicated).await, 1);
    assert_eq!(count(shared.admin_url.clone()).await, 0);
}
