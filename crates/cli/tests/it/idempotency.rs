//! A write retried with the same `Idempotency-Key` gets the first answer and
//! writes once; the key with another body is refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::Deployment;

async fn post(deployment: &Deployment, key: &str, path: &str, idempotency: &str, body: &Value) -> (u16, Value) {
    let response = deployment
        .http
        .request(Method::POST, deployment.url(path))
        .bearer_auth(key)
        .header("idempotency-key", idempotency)
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn retried_writes_happen_once() {
    let deployment = Deployment::start().await;
    assert_eq!(deployment.onboard("acme", "shared").await.0, 201);
    let key = deployment.tenant_key("acme", "editor").await;
    let base = "/api/v1/tenants/acme";
    let count = |path: &'static str| {
        let deployment = &deployment;
        let key = key.clone();
        async move { deployment.send(Method::GET, path, &key, None).await.1 }
    };

    // Entities.
    let entity = json!({ "legal_name": "Once Ltd", "jurisdiction": "GB" });
    let first = post(&deployment, &key, &format!("{base}/entities"), "e-1", &entity).await;
    let again = post(&deployment, &key, &format!("{base}/entities"), "e-1", &entity).await;
    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(again, first, "the same answer");
    assert_eq!(count("/api/v1/tenants/acme/entities").await["items"].as_array().map(Vec::len), Some(1));
    let other =
        post(&deployment, &key, &format!("{base}/entities"), "e-1", &json!({ "legal_name": "Twice Ltd" })).await;
    assert_eq!(other.1["code"], "idempotency_key_reused", "{}", other.1);

    // Share classes, transactions and certificates.
    let id = first.1["id"].as_str().expect("id");
    let class = json!({ "name": "Ordinary", "currency": "GBP", "nominal_value": "1", "authorised_shares": 100,
                        "effective_from": "2020-01-01" });
    let classes = format!("{base}/entities/{id}/share-classes");
    let first_class = post(&deployment, &key, &classes, "c-1", &class).await;
    assert_eq!(first_class.0, 201, "{}", first_class.1);
    assert_eq!(post(&deployment, &key, &classes, "c-1", &class).await, first_class);
    let listed = deployment.send(Method::GET, &classes, &key, None).await.1;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let class_id = first_class.1["id"].as_str().expect("id").to_owned();

    let (_, person) = deployment
        .send(
            Method::POST,
            &format!("{base}/persons"),
            &key,
            Some(json!({ "given_name": "Pat", "family_name": "Smith" })),
        )
        .await;
    let holder = json!({ "person_id": person["id"] });
    let issue = json!({ "kind": "issuance", "share_class_id": class_id, "to_holder": holder, "shares": 10,
                        "effective_from": "2020-02-01" });
    let transactions = format!("{base}/share-transactions");
    let first_tx = post(&deployment, &key, &transactions, "t-1", &issue).await;
    assert_eq!(first_tx.0, 201, "{}", first_tx.1);
    assert_eq!(post(&deployment, &key, &transactions, "t-1", &issue).await, first_tx);
    let ledger = deployment.send(Method::GET, &format!("{base}/entities/{id}/share-transactions"), &key, None).await.1;
    assert_eq!(ledger.as_array().map(Vec::len), Some(1), "{ledger}");

    let (status, body) = deployment
        .send(Method::PATCH, &format!("{base}/share-classes/{class_id}"), &key, Some(json!({ "certificated": true })))
        .await;
    assert_eq!(status, 200, "{body}");
    let certificate = json!({ "number": "1", "holder": holder, "shares": 10, "issued_on": "2020-02-01" });
    let certificates = format!("{base}/share-classes/{class_id}/certificates");
    let first_cert = post(&deployment, &key, &certificates, "s-1", &certificate).await;
    assert_eq!(first_cert.0, 201, "{}", first_cert.1);
    assert_eq!(
        post(&deployment, &key, &certificates, "s-1", &certificate).await,
        first_cert,
        "not a 409 for its own number"
    );
    deployment.destroy().await;
}
