//! The audit chain extended one event at a time and many at once (an
//! import's path) is one chain: in order, each link covering the previous
//! one, and it verifies.

use charter_domain::access::TenantGrant;
use charter_storage::data::{AuditQuery, AuditRecord, TxOptions};
use serde_json::json;

use crate::{support::Deployment, tenant_tx::tenant};

fn record(n: usize) -> AuditRecord<'static> {
    AuditRecord {
        actor: "system:test",
        action: "entity.update",
        resource_type: "entity",
        resource_id: Some(format!("resource-{n}")),
        request_id: n.is_multiple_of(2).then_some("request"),
        before: None,
        after: Some(json!({ "n": n, "name": "Müller & Söhne" })),
        change: n.is_multiple_of(3).then(|| json!({ "reason": "test" })),
    }
}

#[tokio::test]
async fn events_appended_in_bulk_continue_the_chain_in_order() {
    let deployment = Deployment::start().await;
    let (tenant, database) = tenant(&deployment, "alpha").await;
    let grant = TenantGrant::for_system(tenant, "test");
    let data = deployment.fleet.data();

    let mut tx = data.begin(database, &grant, TxOptions::maintenance()).await.unwrap();
    let before = tx.verify_audit().await.unwrap();
    tx.append_audit(&record(0)).await.unwrap();
    let bulk: Vec<AuditRecord> = (1..=250).map(record).collect();
    let ids = tx.append_audits(&bulk).await.unwrap();
    assert_eq!(ids.len(), 250);
    assert!(tx.append_audits(&[]).await.unwrap().is_empty());
    tx.append_audit(&record(251)).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = data.begin(database, &grant, TxOptions::snapshot()).await.unwrap();
    let check = tx.verify_audit().await.unwrap();
    assert_eq!(check.first_broken, None, "{check:?}");
    assert_eq!(check.events, before.events + 252);
    let events = tx
        .audit_events(&AuditQuery { action: Some("entity.update".into()), limit: 1_000, ..AuditQuery::default() })
        .await
        .unwrap();
    let mut resources: Vec<(i64, String)> =
        events.iter().map(|e| (e.seq, e.resource_id.clone().unwrap_or_default())).collect();
    resources.sort();
    let expected: Vec<String> = (0..=251).map(|n| format!("resource-{n}")).collect();
    assert_eq!(resources.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), expected, "in the order appended");
    let bulk_ids: Vec<_> = events.iter().filter(|e| ids.contains(&e.id)).map(|e| e.seq).collect();
    assert_eq!(bulk_ids.len(), 250, "every id returned names an event");
    tx.commit().await.unwrap();
    deployment.destroy().await;
}
