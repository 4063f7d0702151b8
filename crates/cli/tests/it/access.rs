//! Credentials: who sees which tenants, revocation, request ids.

use reqwest::Method;
use serde_json::json;

use crate::support::Deployment;

#[tokio::test]
async fn a_tenant_key_sees_only_its_own_tenant() {
    let deployment = Deployment::start().await;
    for slug in ["alpha", "beta", "gamma"] {
        assert_eq!(deployment.onboard(slug, "shared").await.0, 201);
    }
    let beta = deployment.tenant_key("beta", "viewer").await;
    let (status, list) = deployment.send(Method::GET, "/api/v1/tenants", &beta, None).await;
    assert_eq!(status, 200);
    let slugs: Vec<&str> = list["items"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["beta"]);
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/alpha", &beta, None).await.0, 404);
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/beta", &beta, None).await.0, 200);
    // A viewer reads but does not write, and does not manage keys.
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/beta/entities", &beta, None).await.0, 200);
    let (status, body) = deployment
        .send(Method::POST, "/api/v1/tenants/beta/entities", &beta, Some(json!({ "legal_name": "Nope Ltd" })))
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/beta/api-keys", &beta, None).await.0, 403);
    deployment.destroy().await;
}

#[tokio::test]
async fn the_platform_lists_every_tenant_page_by_page() {
    let deployment = Deployment::start().await;
    for i in 0..5 {
        assert_eq!(deployment.onboard(&format!("firm-{i}"), "shared").await.0, 201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/tenants?limit=2".to_owned();
    loop {
        let (status, page) = deployment.send(Method::GET, &path, &deployment.admin_key, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|t| t["slug"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/tenants?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["firm-0", "firm-1", "firm-2", "firm-3", "firm-4"]);
    deployment.destroy().await;
}

#[tokio::test]
async fn a_revoked_key_stops_at_once_and_keys_are_shown_once() {
    let deployment = Deployment::start().await;
    assert_eq!(deployment.onboard("alpha", "shared").await.0, 201);
    let admin = deployment.tenant_key("alpha", "admin").await;
    let (status, created) = deployment
        .send(Method::POST, "/api/v1/tenants/alpha/api-keys", &admin, Some(json!({ "name": "ERP", "role": "editor" })))
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/alpha/entities", &key, None).await.0, 200);
    // Listed without the secret.
    let (_, keys) = deployment.send(Method::GET, "/api/v1/tenants/alpha/api-keys", &admin, None).await;
    assert!(!keys.to_string().contains(&key));
    assert!(keys["items"].as_array().unwrap().iter().any(|k| k["id"] == id.as_str() && k["prefix"] == key[..10]));
    // Stored only as a hash.
    let control = crate::support::connect_as_admin(&deployment.control_url).await;
    let stored: i64 = control
        .query_one("SELECT count(*) FROM control.api_keys WHERE secret_hash = sha256($1::text::bytea)", &[&key])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 1);
    let (status, _) =
        deployment.send(Method::DELETE, &format!("/api/v1/tenants/alpha/api-keys/{id}"), &admin, None).await;
    assert_eq!(status, 204);
    let (status, body) = deployment.send(Method::GET, "/api/v1/tenants/alpha/entities", &key, None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")));
    // Revoking another tenant's key through this tenant finds nothing.
    assert_eq!(deployment.onboard("beta", "shared").await.0, 201);
    let beta = deployment.tenant_key("beta", "admin").await;
    assert_eq!(
        deployment.send(Method::DELETE, &format!("/api/v1/tenants/beta/api-keys/{id}"), &beta, None).await.0,
        404
    );
    deployment.destroy().await;
}

#[tokio::test]
async fn request_ids_are_kept_or_made_and_quoted_in_problems() {
    let deployment = Deployment::start().await;
    let response = deployment
        .http
        .get(deployment.url("/api/v1/tenants"))
        .header("x-request-id", "host-trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-request-id"], "host-trace-42");
    assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"charter\"");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["request_id"], "host-trace-42");
    let response = deployment.http.get(deployment.url("/livez")).send().await.unwrap();
    let made = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    deployment.destroy().await;
}
