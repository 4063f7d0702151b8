//! Placement: fewest tenants first, capacity respected, idempotent under races.

use charter_domain::tenant::DatabaseKind;
use charter_fleet::AddDatabase;
use futures::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::support::Deployment;

#[tokio::test]
async fn shared_tenants_go_to_the_database_with_the_fewest_tenants_below_capacity() {
    let deployment = Deployment::start().await;
    let first = deployment.fleet.control().list_databases().await.unwrap().remove(0);
    for slug in ["a1", "a2"] {
        assert_eq!(deployment.onboard(slug, "shared").await.0, 201);
    }
    // A second shared database with room for two.
    let second = deployment
        .fleet
        .add_database(AddDatabase {
            kind: DatabaseKind::Shared,
            admin_url: first.admin_url.with_database(&format!("{}_2", first.admin_url.database())),
            app_url: None,
            name: None,
            capacity: Some(2),
        })
        .await
        .unwrap();
    let mut placed = Vec::new();
    for slug in ["b1", "b2", "b3", "b4"] {
        let (status, body) = deployment.onboard(slug, "shared").await;
        assert_eq!(status, 201, "{body}");
        placed.push(body["database"]["name"].as_str().unwrap().to_owned());
    }
    // b1 and b2 fill the emptier second database, then it is full.
    assert_eq!(placed, [second.name.clone(), second.name.clone(), first.name.clone(), first.name.clone()]);
    let counts: Vec<(String, i64)> = deployment
        .fleet
        .control()
        .list_databases()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.name, d.tenant_count))
        .collect();
    assert!(counts.contains(&(second.name.clone(), 2)), "{counts:?}");
    deployment.destroy().await;
}

#[tokio::test]
async fn concurrent_identical_onboardings_make_one_tenant() {
    let deployment = Deployment::start().await;
    let body = json!({ "slug": "racer", "name": "Racer LLP", "placement": "shared" });
    let requests =
        (0..8).map(|_| deployment.send(Method::POST, "/api/v1/tenants", &deployment.admin_key, Some(body.clone())));
    let responses = join_all(requests).await;
    let ids: std::collections::HashSet<String> =
        responses.iter().map(|(_, b)| b["id"].as_str().unwrap_or("?").to_owned()).collect();
    assert_eq!(ids.len(), 1, "{responses:?}");
    assert_eq!(responses.iter().filter(|(s, _)| *s == 201).count(), 1, "{responses:?}");
    assert!(responses.iter().all(|(s, b)| (*s == 201 || *s == 200) && b["status"] == "active"), "{responses:?}");
    deployment.destroy().await;
}
