//! A host platform on another origin embeds the micro-frontend and calls the
//! API from its pages: CORS answers the configured origins only, for bearer
//! tokens (never cookies across origins).

use charter_api::ApiConfig;
use reqwest::{Method, header};

use crate::support::{Deployment, Server};

#[tokio::test]
async fn only_configured_host_origins_may_call_the_api() {
    let deployment = Deployment::start().await;
    assert_eq!(deployment.onboard("acme", "shared").await.0, 201);
    let key = deployment.tenant_key("acme", "viewer").await;
    let host = "https://platform.firm.example";
    let config = ApiConfig { cors_origins: vec![host.to_owned()], ..ApiConfig::default() };
    let server = Server::start_with(deployment.fleet.clone(), config).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/tenants/acme/entities", server.base);
    let preflight = |origin: &'static str| {
        http.request(Method::OPTIONS, &url)
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type, idempotency-key")
            .send()
    };
    let allowed = preflight(host).await.expect("preflight");
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], host);
    let allow = headers["access-control-allow-headers"].to_str().expect("text").to_lowercase();
    assert!(allow.contains("authorization") && allow.contains("idempotency-key"), "{allow}");
    assert!(headers.get("access-control-allow-credentials").is_none(), "no cookies across origins");

    let refused = preflight("https://evil.example").await.expect("preflight");
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    let read = http.get(&url).header(header::ORIGIN, host).bearer_auth(&key).send().await.expect("GET");
    assert_eq!(read.status().as_u16(), 200);
    assert_eq!(read.headers()["access-control-allow-origin"], host);
    let exposed = read.headers()["access-control-expose-headers"].to_str().expect("text").to_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("location"), "{exposed}");

    // Without configured origins, nobody else's pages may read the API.
    let plain = deployment.url("/api/v1/tenants/acme/entities");
    let same_origin_only = deployment.http.get(&plain).header(header::ORIGIN, host).bearer_auth(&key).send().await;
    let same_origin_only = same_origin_only.expect("GET");
    assert!(same_origin_only.headers().get("access-control-allow-origin").is_none());
    server.stop().await;
    deployment.destroy().await;
}
