//! `/livez` and `/readyz` for the orchestrator.

use std::time::Duration;

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use futures::future::join_all;
use serde::Serialize;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/livez", get(livez)).route("/readyz", get(readyz))
}

/// The process is up.
async fn livez() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    checks: Vec<Check>,
}

#[derive(Serialize)]
struct Check {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready when the control plane and every data-plane database answer.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let fleet = state.fleet();
    let mut checks = vec![check("control-plane".into(), fleet.control().ping()).await];
    match fleet.control().list_databases().await {
        Ok(databases) => {
            let pings =
                databases.into_iter().map(|db| check(format!("database {}", db.name), fleet.data().ping(db.id)));
            checks.extend(join_all(pings).await);
        }
        Err(e) => checks.push(Check { name: "database registry".into(), ok: false, error: Some(e.to_string()) }),
    }
    let ready = checks.iter().all(|c| c.ok);
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { status: if ready { "ready" } else { "unavailable" }, checks }))
}

async fn check<E: std::fmt::Display>(name: String, ping: impl Future<Output = Result<(), E>>) -> Check {
    match tokio::time::timeout(CHECK_TIMEOUT, ping).await {
        Ok(Ok(())) => Check { name, ok: true, error: None },
        Ok(Err(e)) => Check { name, ok: false, error: Some(e.to_string()) },
        Err(_) => Check { name, ok: false, error: Some(format!("no answer within {CHECK_TIMEOUT:?}")) },
    }
}
