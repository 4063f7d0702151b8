//! The audit chain extended one event at a time and many at once (an
//! import's path) is one chain: in order, each link covering the previous
//! one, and it verifies.

use charter_domain::{access::TenantGrant, ids::EntityId};
use charter_storage::data::{AuditQuery, AuditRecord, TxOptions};
use reqwest::Method;
use serde_json::{Value, json};

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

/// An entity's trail holds what belongs to it and nothing else (another
/// entity has the same kinds of events), in order, page by page, and with
/// another filter.
#[tokio::test]
async fn an_entity_trail_holds_its_own_events_page_by_page() {
    let deployment = Deployment::start().await;
    let (tenant, database) = tenant(&deployment, "alpha").await;
    let key = deployment.tenant_key("alpha", "admin").await;
    let base = "/api/v1/tenants/alpha";
    let post = |path: String, body: Value| {
        let (deployment, key) = (&deployment, key.clone());
        async move {
            let (status, body) = deployment.send(Method::POST, &path, &key, Some(body)).await;
            assert_eq!(status, 201, "{path}: {body}");
            body["id"].as_str().expect("id").to_owned()
        }
    };
    let issuer = deployment.create_entity("alpha", &key, "Issuer Ltd").await;
    let other = deployment.create_entity("alpha", &key, "Other Ltd").await;
    let pat = post(format!("{base}/persons"), json!({ "given_name": "Pat", "family_name": "Smith" })).await;
    for entity in [&issuer, &other] {
        let class = post(
            format!("{base}/entities/{entity}/share-classes"),
            json!({ "name": "Ordinary", "currency": "GBP", "authorised_shares": 1000, "effective_from": "2020-01-01" }),
        )
        .await;
        for n in 1..=7 {
            post(
                format!("{base}/share-transactions"),
                json!({ "kind": "issuance", "share_class_id": class, "to_holder": { "person_id": pat },
                        "shares": n, "effective_from": format!("2021-01-{n:02}") }),
            )
            .await;
        }
        post(
            format!("{base}/appointments"),
            json!({ "entity_id": entity, "holder": { "person_id": pat }, "role": "director", "appointed_on": "2021-01-01" }),
        )
        .await;
    }
    let grant = TenantGrant::for_system(tenant, "test");
    let mut tx = deployment.fleet.data().begin(database, &grant, TxOptions::snapshot()).await.unwrap();
    let entity = EntityId::parse("entity", &issuer).unwrap();
    let whole = AuditQuery { entity: Some(entity), limit: 100, ..AuditQuery::default() };
    let whole: Vec<_> = tx
        .audit_events(&whole)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.seq, e.action.clone(), e.resource_id.clone()))
        .collect();
    // Pages of three, as a client follows the cursor.
    let (mut events, mut after_seq) = (Vec::new(), None);
    loop {
        let query = AuditQuery { entity: Some(entity), after_seq, limit: 3, ..AuditQuery::default() };
        let page = tx.audit_events(&query).await.unwrap();
        after_seq = page.last().map(|e| e.seq);
        events.extend(page.iter().map(|e| (e.seq, e.action.clone(), e.resource_id.clone())));
        if page.len() < 3 {
            break;
        }
    }
    assert_eq!(events, whole, "page by page");
    let filtered = AuditQuery {
        entity: Some(entity),
        action: Some("share_transaction.create".into()),
        limit: 100,
        ..AuditQuery::default()
    };
    let issuances = tx.audit_events(&filtered).await.unwrap().len();
    let actions: Vec<&str> = events.iter().map(|(_, a, _)| a.as_str()).collect();
    let mut expected = vec!["entity.create", "share_class.create"];
    expected.extend(["share_transaction.create"; 7]);
    expected.push("appointment.create");
    assert_eq!(actions, expected, "{events:?}");
    assert_eq!(events[0].2.as_deref(), Some(issuer.as_str()));
    assert_eq!(issuances, 7);
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
    tx.commit().await.unwrap();
    deployment.destroy().await;
}
