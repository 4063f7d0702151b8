//! The OpenAPI document: generated from the routes, complete, committed.

use std::collections::BTreeSet;

use crate::support::Deployment;

/// Every documented operation, as "METHOD /path".
fn operations(document: &serde_json::Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("path item") {
            found.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    found
}

#[tokio::test]
async fn the_served_document_describes_every_operation() {
    let deployment = Deployment::start().await;
    let response = deployment.http.get(deployment.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    let expected: BTreeSet<String> = [
        "POST /api/v1/tenants",
        "GET /api/v1/tenants",
        "GET /api/v1/tenants/{slug}",
        "POST /api/v1/tenants/{slug}/move",
        "GET /api/v1/tenants/{slug}/move",
        "POST /api/v1/tenants/{slug}/export",
        "POST /api/v1/tenants/{slug}/offboard",
        "POST /api/v1/tenant-imports",
        "POST /api/v1/tenants/{slug}/api-keys",
        "GET /api/v1/tenants/{slug}/api-keys",
        "DELETE /api/v1/tenants/{slug}/api-keys/{id}",
        "POST /api/v1/tenants/{slug}/entities",
        "GET /api/v1/tenants/{slug}/entities",
        "GET /api/v1/tenants/{slug}/entities/{id}",
        "PATCH /api/v1/tenants/{slug}/entities/{id}",
        "GET /api/v1/tenants/{slug}/entities/{id}/history",
        "POST /api/v1/tenants/{slug}/entities/{id}/share-classes",
        "GET /api/v1/tenants/{slug}/entities/{id}/share-classes",
        "GET /api/v1/tenants/{slug}/entities/{id}/share-transactions",
        "GET /api/v1/tenants/{slug}/entities/{id}/share-transactions.csv",
        "GET /api/v1/tenants/{slug}/entities/{id}/register",
        "GET /api/v1/tenants/{slug}/entities/{id}/structure",
        "GET /api/v1/tenants/{slug}/entities/{id}/effective-ownership",
        "GET /api/v1/tenants/{slug}/entities/{id}/beneficial-owners",
        "GET /api/v1/tenants/{slug}/entities/{id}/beneficial-owners/bods",
        "GET /api/v1/tenants/{slug}/entities/{id}/ultimate-parents",
        "GET /api/v1/tenants/{slug}/entities/{id}/register.csv",
        "POST /api/v1/tenants/{slug}/share-transactions",
        "POST /api/v1/tenants/{slug}/imports/gleif",
        "GET /api/v1/tenants/{slug}/share-transactions/{id}",
        "PATCH /api/v1/tenants/{slug}/share-classes/{class_id}",
        "POST /api/v1/tenants/{slug}/share-classes/{class_id}/certificates",
        "POST /api/v1/tenants/{slug}/share-classes/{class_id}/authorised-capital",
        "GET /api/v1/tenants/{slug}/share-classes/{class_id}/certificates",
        "GET /api/v1/tenants/{slug}/share-certificates/{id}",
        "POST /api/v1/tenants/{slug}/share-certificates/{id}/cancel",
        "POST /api/v1/tenants/{slug}/share-certificates/{id}/report-lost",
        "POST /api/v1/tenants/{slug}/share-transactions/{id}/reversal",
        "POST /api/v1/tenants/{slug}/share-certificates/{id}/replace",
        "POST /api/v1/tenants/{slug}/persons",
        "GET /api/v1/tenants/{slug}/persons",
        "GET /api/v1/tenants/{slug}/persons/{id}",
        "PATCH /api/v1/tenants/{slug}/persons/{id}",
        "POST /api/v1/tenants/{slug}/appointments",
        "GET /api/v1/tenants/{slug}/appointments",
        "GET /api/v1/tenants/{slug}/appointments/{id}",
        "PATCH /api/v1/tenants/{slug}/appointments/{id}",
        "GET /api/v1/tenants/{slug}/appointment-roles",
        "POST /api/v1/tenants/{slug}/appointment-roles",
        "GET /api/v1/tenants/{slug}/custom-fields",
        "POST /api/v1/tenants/{slug}/custom-fields",
        "GET /api/v1/tenants/{slug}/entity-groups",
        "POST /api/v1/tenants/{slug}/entity-groups",
        "GET /api/v1/tenants/{slug}/settings",
        "PATCH /api/v1/tenants/{slug}/settings",
        "GET /api/v1/tenants/{slug}/audit-events",
        "GET /api/v1/jurisdictions",
        "GET /api/v1/legal-forms",
        "POST /api/v1/tenants/{slug}/members",
        "GET /api/v1/tenants/{slug}/members",
        "GET /api/v1/tenants/{slug}/members/{id}",
        "PATCH /api/v1/tenants/{slug}/members/{id}",
        "DELETE /api/v1/tenants/{slug}/members/{id}",
        "GET /api/v1/me",
        "POST /api/v1/tenants/{slug}/entities/validate",
        "PUT /api/v1/tenants/{slug}/identity-provider",
        "GET /api/v1/tenants/{slug}/identity-provider",
        "DELETE /api/v1/tenants/{slug}/identity-provider",
        "GET /api/v1/security-events",
        "GET /api/v1/tenants/{slug}/security-events",
        "GET /auth/login",
        "GET /auth/callback",
        "POST /auth/logout",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(operations(&document), expected);
    // Every API operation documents its errors as problem documents and
    // needs credentials; the browser's sign-in routes (`/auth/…`) are how
    // credentials are had.
    for (path, item) in document["paths"].as_object().unwrap() {
        if path.starts_with("/auth/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("401"), "{method} {path} documents 401");
            assert!(
                responses
                    .iter()
                    .filter(|(code, _)| code.starts_with('4'))
                    .all(|(_, r)| r["content"].get("application/problem+json").is_some()),
                "{method} {path}: errors are problem+json"
            );
            assert!(operation["security"].is_array(), "{method} {path} declares its security");
        }
    }
    deployment.destroy().await;
}

#[test]
fn the_committed_document_matches_the_code() {
    let generated = charter_api::openapi().to_pretty_json().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed.trim() != generated.trim() {
        if std::env::var_os("CHARTER_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, format!("{generated}\n")).unwrap();
        } else {
            panic!(
                "docs/openapi.json is out of date: run `CHARTER_UPDATE_OPENAPI=1 cargo nextest run -p charter -E 'test(committed_document)'`"
            );
        }
    }
}
