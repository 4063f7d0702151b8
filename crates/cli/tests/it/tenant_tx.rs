//! A tenant transaction abandoned half-way never reaches the next borrower
//! of its connection.

use std::time::Duration;

use charter_domain::{
    access::TenantGrant,
    entity::{Fact, Intent, parse_entity},
    ids::EntityId,
    ids::TenantId,
};

/// The facts of a GB entity named `name`.
fn facts(name: &str) -> Vec<(Fact, serde_json::Value)> {
    let body = serde_json::json!({ "legal_name": name, "jurisdiction": "GB" });
    let input = parse_entity(body.as_object().unwrap(), Intent::Create, &[], chrono::Utc::now().date_naive()).unwrap();
    input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
use charter_storage::data::TxOptions;

use crate::support::{Deployment, connect_as_admin};

pub(crate) async fn tenant(deployment: &Deployment, slug: &str) -> (TenantId, charter_domain::ids::DatabaseId) {
    let (status, body) = deployment.onboard(slug, "shared").await;
    assert_eq!(status, 201, "{body}");
    let tenant = TenantId::parse("id", body["id"].as_str().unwrap()).unwrap();
    let database = charter_domain::ids::DatabaseId::parse("id", body["database"]["id"].as_str().unwrap()).unwrap();
    (tenant, database)
}

async fn committed(deployment: &Deployment, id: EntityId) -> bool {
    let (_, url) = deployment.tenant_database("alpha").await;
    connect_as_admin(&url)
        .await
        .query_one("SELECT count(*) FROM charter.legal_entity WHERE id = $1", &[&id.as_uuid()])
        .await
        .unwrap()
        .get::<_, i64>(0)
        == 1
}

#[tokio::test]
async fn a_dropped_transaction_is_rolled_back_before_its_connection_is_reused() {
    let deployment = Deployment::start().await;
    let (alpha, database) = tenant(&deployment, "alpha").await;
    let (beta, _) = tenant(&deployment, "beta").await;
    // One connection, so the next transaction must reuse it.
    let fleet = deployment.another_fleet(1).await;

    let abandoned = EntityId::generate();
    let mut tx =
        fleet.data().begin(database, &TenantGrant::for_system(alpha, "test"), TxOptions::maintenance()).await.unwrap();
    tx.create_entity(abandoned, &facts("Abandoned Ltd"), today(), "system:test").await.unwrap();
    drop(tx); // An error path, a panic or a client that hung up.

    let mut next =
        fleet.data().begin(database, &TenantGrant::for_system(beta, "test"), TxOptions::maintenance()).await.unwrap();
    let kept = EntityId::generate();
    next.create_entity(kept, &facts("Beta Ltd"), today(), "system:test").await.unwrap();
    let now = charter_storage::data::AsOf::latest(today());
    let listed: Vec<EntityId> = next
        .list_entities(now, &charter_storage::data::EntityQuery { limit: 10, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(listed, [kept], "beta sees only its own entity");
    next.commit().await.unwrap();

    // Had the connection come back still inside alpha's transaction, beta's
    // COMMIT would have committed alpha's insert as well.
    assert!(!committed(&deployment, abandoned).await, "the abandoned insert was committed");
    assert!(committed(&deployment, kept).await);
    deployment.destroy().await;
}

#[tokio::test]
async fn a_statement_cancelled_in_flight_is_rolled_back_too() {
    let deployment = Deployment::start().await;
    let (alpha, database) = tenant(&deployment, "alpha").await;
    let fleet = deployment.another_fleet(1).await;

    let mut cancelled = Vec::new();
    for _ in 0..20 {
        let id = EntityId::generate();
        let mut tx = fleet
            .data()
            .begin(database, &TenantGrant::for_system(alpha, "test"), TxOptions::maintenance())
            .await
            .unwrap();
        let entity = facts("Cancelled Ltd");
        // The insert is sent on the first poll and abandoned before its answer.
        let _ =
            tokio::time::timeout(Duration::from_micros(1), tx.create_entity(id, &entity, today(), "system:test")).await;
        drop(tx);
        cancelled.push(id);
    }
    let mut tx =
        fleet.data().begin(database, &TenantGrant::for_system(alpha, "test"), TxOptions::maintenance()).await.unwrap();
    let now = charter_storage::data::AsOf::latest(today());
    let query = charter_storage::data::EntityQuery { limit: 100, ..Default::default() };
    let visible: Vec<EntityId> = tx.list_entities(now, &query).await.unwrap().into_iter().map(|(_, id)| id).collect();
    tx.commit().await.unwrap();
    for id in cancelled {
        assert!(!committed(&deployment, id).await, "a cancelled insert was committed");
        assert!(visible.iter().all(|e| *e != id));
    }
    deployment.destroy().await;
}

#[tokio::test]
async fn pooled_connections_go_back_idle_not_inside_a_transaction() {
    let deployment = Deployment::start().await;
    let (alpha, database) = tenant(&deployment, "alpha").await;
    let fleet = deployment.another_fleet(1).await;
    let mut tx =
        fleet.data().begin(database, &TenantGrant::for_system(alpha, "test"), TxOptions::maintenance()).await.unwrap();
    tx.create_entity(EntityId::generate(), &facts("Alpha Ltd"), today(), "system:test").await.unwrap();
    tx.commit().await.unwrap();
    // Every application-role session, as the server sees it, is idle rather
    // than inside a transaction that still carries a tenant.
    let (_, url) = deployment.tenant_database("alpha").await;
    let admin = connect_as_admin(&url).await;
    let states: Vec<String> = admin
        .query("SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename = 'charter_app'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!states.is_empty() && states.iter().all(|s| s == "idle"), "{states:?}");
    deployment.destroy().await;
}
