//! Settings from the environment, and the connection to the control plane
//! (a configured server, or the embedded default).

use std::time::Duration;

use anyhow::{Context, Result};
use charter_fleet::{Fleet, FleetSettings, migrations::MigrationSet};
use charter_storage::{DbUrl, PoolSettings};
use tracing_subscriber::EnvFilter;

use crate::{GlobalArgs, embedded::EmbeddedCluster};

pub fn init_tracing(format: &str) {
    let filter = EnvFilter::try_from_env("CHARTER_LOG").unwrap_or_else(|_| EnvFilter::new("info,tokio_postgres=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}

/// A connected fleet, and the embedded cluster behind it if there is one.
pub struct Connected {
    pub fleet: Fleet,
    pub cluster: Option<EmbeddedCluster>,
}

impl Connected {
    /// Stops the embedded cluster if this process started it.
    pub async fn shutdown(self) -> Result<()> {
        self.fleet.close().await;
        if let Some(cluster) = self.cluster {
            cluster.stop().await?;
        }
        Ok(())
    }
}

/// Connects to the control plane (starting the embedded default if no URL
/// is configured) and bootstraps it.
pub async fn connect(global: &GlobalArgs) -> Result<Connected> {
    let (url, cluster) = match &global.database_url {
        Some(raw) => (DbUrl::parse(raw).context("CHARTER_DATABASE_URL")?, None),
        None => {
            let cluster = EmbeddedCluster::start(&global.data_dir).await?;
            (cluster.control_url()?, Some(cluster))
        }
    };
    let fleet = Fleet::bootstrap(
        &url,
        pool_settings()?,
        match &global.migrations {
            Some(dir) => MigrationSet::from_dir(dir)?,
            None => MigrationSet::embedded()?,
        },
        fleet_settings()?,
    )
    .await
    .with_context(|| format!("cannot start on the control plane {url}"))?;
    if let Some((from, port)) = cluster.as_ref().and_then(EmbeddedCluster::moved) {
        let changed = fleet.control().repoint_server(&from, port).await?;
        tracing::info!(from, port, changed, "the embedded PostgreSQL moved to another port; registry updated");
    }
    Ok(Connected { fleet, cluster })
}

fn pool_settings() -> Result<PoolSettings> {
    let defaults = PoolSettings::default();
    Ok(PoolSettings {
        max_size: env_parse("CHARTER_DB_POOL_SIZE")?.unwrap_or(defaults.max_size),
        wait_timeout: env_parse("CHARTER_DB_POOL_TIMEOUT_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.wait_timeout),
        idle_timeout: env_parse("CHARTER_DB_IDLE_TIMEOUT_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.idle_timeout),
    })
}

fn fleet_settings() -> Result<FleetSettings> {
    let defaults = FleetSettings::default();
    Ok(FleetSettings {
        shared_capacity: env_parse("CHARTER_SHARED_CAPACITY")?.unwrap_or(defaults.shared_capacity),
        dedicated_server: std::env::var("CHARTER_DEDICATED_SERVER_URL")
            .ok()
            .map(|raw| DbUrl::parse(&raw))
            .transpose()
            .context("CHARTER_DEDICATED_SERVER_URL")?,
        ..defaults
    })
}

/// An environment variable parsed as `T`; `None` if unset.
pub fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(raw) => raw.trim().parse().map(Some).map_err(|e| anyhow::anyhow!("{name}={raw:?}: {e}")),
        Err(_) => Ok(None),
    }
}
