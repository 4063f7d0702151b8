//! `charter serve`: the HTTP API.

use std::{net::SocketAddr, time::Duration};

use anyhow::{Context, Result};
use charter_api::{ApiConfig, AppState};
use charter_fleet::Fleet;
use tokio::net::TcpListener;

use crate::{GlobalArgs, environment};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHARTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> Result<()> {
    let connected = environment::connect(global).await?;
    let served = serve(&connected.fleet, &args.listen, |addr| {
        println!("charter: serving the API on http://{addr} (OpenAPI at /api/openapi.json)");
    })
    .await;
    connected.shutdown().await?;
    served
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub async fn serve(fleet: &Fleet, listen: &str, on_ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let state = AppState::new(fleet.clone(), api_config()?);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, charter_api::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped serving");
    Ok(())
}

fn api_config() -> Result<ApiConfig> {
    let defaults = ApiConfig::default();
    Ok(ApiConfig {
        max_body_bytes: environment::env_parse("CHARTER_MAX_BODY_BYTES")?
            .unwrap_or(defaults.max_body_bytes),
        cache_ttl: environment::env_parse("CHARTER_CACHE_TTL_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.cache_ttl),
    })
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
