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

/// Facts of a GB entity named `name` holding `lei`.
fn facts_with_lei(name: &str, lei: &str) -> Vec<(Fact, serde_json::Value)> {
    let mut facts = facts(name);
    facts.push((Fact::Lei, serde_json::json!(lei)));
    facts
}

/// Two writers giving one LEI to two entities of a tenant at once (the
/// API's check passed for both): the second waits for the first to commit
/// and PostgreSQL refuses it, which the API names as the `lei` rule. Another
/// tenant holds the same LEI freely.
#[tokio::test]
async fn racing_writers_leave_an_lei_with_one_entity_of_the_tenant() {
    const LEI: &str = "5493001KJTIIGC8Y1R12";
    let deployment = Deployment::start().await;
    let (alpha, database) = tenant(&deployment, "alpha").await;
    let (beta, _) = tenant(&deployment, "beta").await;
    let fleet = deployment.another_fleet(3).await;
    let grant = TenantGrant::for_system(alpha, "test");

    let mut first = fleet.data().begin(database, &grant, TxOptions::write()).await.unwrap();
    first.create_entity(EntityId::generate(), &facts_with_lei("First Ltd", LEI), today(), "system:test").await.unwrap();
    let second = tokio::spawn({
        let (fleet, grant) = (fleet.clone(), grant.clone());
        async move {
            let mut tx = fleet.data().begin(database, &grant, TxOptions::write()).await?;
            tx.create_entity(EntityId::generate(), &facts_with_lei("Second Ltd", LEI), today(), "system:test").await?;
            tx.commit().await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second writer waits for the first");
    first.commit().await.unwrap();
    let refused = second.await.unwrap().expect_err("the second writer is refused");
    assert!(
        matches!(&refused, charter_storage::StoreError::Rejected { constraint: Some(c), .. }
            if c == charter_storage::data::LEI_HELD_ONCE),
        "{refused}"
    );
    match charter_api::error::ApiError::from(refused) {
        charter_api::error::ApiError::Validation(errors) => {
            assert_eq!((errors[0].field.as_str(), errors[0].rule), ("lei", "unique_lei"), "{errors:?}");
        }
        other => panic!("not a validation error: {other}"),
    }

    let mut other =
        fleet.data().begin(database, &TenantGrant::for_system(beta, "test"), TxOptions::write()).await.unwrap();
    other.create_entity(EntityId::generate(), &facts_with_lei("Beta Ltd", LEI), today(), "system:test").await.unwrap();
    other.commit().await.unwrap();
    deployment.destroy().await;
}
