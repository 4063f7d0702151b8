//! A tenant transaction abandoned half-way never reaches the next borrower
//! of its connection.

use std::time::Duration;

use charter_domain::{access::TenantGrant, entity::NewEntity, ids::EntityId, ids::TenantId};
use charter_storage::data::TxOptions;

use crate::support::{Deployment, connect_as_admin};

async fn tenant(deployment: &Deployment, slug: &str) -> (TenantId, charter_domain::ids::DatabaseId) {
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
    tx.insert_entity(abandoned, &NewEntity::parse(Some("Abandoned Ltd"), None).unwrap()).await.unwrap();
    drop(tx); // An error path, a panic or a client that hung up.

    let mut next =
        fleet.data().begin(database, &TenantGrant::for_system(beta, "test"), TxOptions::maintenance()).await.unwrap();
    let kept = EntityId::generate();
    next.insert_entity(kept, &NewEntity::parse(Some("Beta Ltd"), None).unwrap()).await.unwrap();
    assert!(next.list_entities(None, 10).await.unwrap().iter().all(|e| e.legal_name == "Beta Ltd"));
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
        let entity = NewEntity::parse(Some("Cancelled Ltd"), None).unwrap();
        // The insert is sent on the first poll and abandoned before its answer.
        let _ = tokio::time::timeout(Duration::from_micros(1), tx.insert_entity(id, &entity)).await;
        drop(tx);
        cancelled.push(id);
    }
    let mut tx =
        fleet.data().begin(database, &TenantGrant::for_system(alpha, "test"), TxOptions::maintenance()).await.unwrap();
    let visible = tx.list_entities(None, 100).await.unwrap();
    tx.commit().await.unwrap();
    for id in cancelled {
        assert!(!committed(&deployment, id).await, "a cancelled insert was committed");
        assert!(visible.iter().all(|e| e.id != id));
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
    tx.insert_entity(EntityId::generate(), &NewEntity::parse(Some("Alpha Ltd"), None).unwrap()).await.unwrap();
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
