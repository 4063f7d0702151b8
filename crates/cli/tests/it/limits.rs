//! Noisy neighbours: a tenant over its tier's rate gets 429, a frozen tenant
//! gets 503 for writes while reads go on.

use std::num::NonZeroU32;

use charter_api::{ApiConfig, Limits, TierLimits};
use charter_domain::{access::TenantGrant, ids::TenantId};
use charter_storage::data::TxOptions;
use reqwest::Method;
use serde_json::json;

use crate::support::{Deployment, Server};

#[tokio::test]
async fn a_tenant_over_its_rate_gets_429_and_its_neighbours_do_not() {
    let deployment = Deployment::start().await;
    for slug in ["noisy", "quiet"] {
        assert_eq!(deployment.onboard(slug, "shared").await.0, 201);
    }
    let (noisy, quiet) =
        (deployment.tenant_key("noisy", "viewer").await, deployment.tenant_key("quiet", "viewer").await);
    let limits = Limits {
        standard: TierLimits {
            requests_per_second: NonZeroU32::new(1),
            burst: NonZeroU32::new(3),
            statement_timeout: None,
        },
        ..Limits::default()
    };
    let server = Server::start_with(deployment.fleet.clone(), ApiConfig { limits, ..ApiConfig::default() }).await;
    let get = |key: &str, slug: &str| {
        deployment
            .http
            .get(format!("{}/api/v1/tenants/{slug}/entities", server.base))
            .bearer_auth(key.to_owned())
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get(&noisy, "noisy").await.unwrap().status(), 200);
    }
    let refused = get(&noisy, "noisy").await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(get(&quiet, "quiet").await.unwrap().status(), 200, "the neighbour is not limited");
    server.stop().await;
    deployment.destroy().await;
}

#[tokio::test]
async fn a_frozen_tenant_reads_but_its_writes_get_503() {
    let deployment = Deployment::start().await;
    let (_, tenant) = deployment.onboard("moving", "shared").await;
    let key = deployment.tenant_key("moving", "editor").await;
    let tenant_id = TenantId::parse("id", tenant["id"].as_str().unwrap()).unwrap();
    let database = charter_domain::ids::DatabaseId::parse("id", tenant["database"]["id"].as_str().unwrap()).unwrap();
    let freeze = |frozen: bool| {
        let fleet = deployment.fleet.clone();
        async move {
            let grant = TenantGrant::for_system(tenant_id, "test");
            let mut tx = fleet.data().begin(database, &grant, TxOptions::maintenance()).await.unwrap();
            assert!(tx.set_write_frozen(frozen).await.unwrap());
            tx.commit().await.unwrap();
        }
    };
    freeze(true).await;
    let write = deployment
        .http
        .post(deployment.url("/api/v1/tenants/moving/entities"))
        .bearer_auth(&key)
        .json(&json!({ "legal_name": "Frozen Ltd" }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 503);
    assert_eq!(write.headers()["retry-after"], "1");
    let body: serde_json::Value = write.json().await.unwrap();
    assert_eq!(body["code"], "tenant_frozen");
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/moving/entities", &key, None).await.0, 200);
    freeze(false).await;
    assert_eq!(deployment.create_entity("moving", &key, "Thawed Ltd").await.len(), 36);
    deployment.destroy().await;
}
