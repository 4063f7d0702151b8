//! `charter serve`: the HTTP API.

use std::{net::SocketAddr, num::NonZeroU32, time::Duration};

use anyhow::{Context, Result, bail};
use charter_api::{ApiConfig, AppState, Limits, TierLimits, oidc::OidcConfig};
use charter_fleet::{
    Fleet,
    migrate::{ApplyOptions, Silent},
};
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
    if let Err(e) = ensure_schema_current(&connected).await {
        connected.shutdown().await?;
        return Err(e);
    }
    let served = serve(&connected.fleet, &args.listen, |addr| {
        println!("charter: serving the API on http://{addr} (OpenAPI at /api/openapi.json)");
    })
    .await;
    connected.shutdown().await?;
    served
}

/// Refuses to serve databases whose schema is older than this binary, and
/// says how to migrate them. The embedded default, which one person runs,
/// is migrated on the spot instead.
pub async fn ensure_schema_current(connected: &environment::Connected) -> Result<()> {
    let fleet = &connected.fleet;
    let behind: Vec<String> = fleet
        .status(fleet.migrations())
        .await?
        .into_iter()
        .filter(|s| s.error.is_none() && s.ddl_version < s.ddl_latest)
        .map(|s| format!("{} is at DDL {:04}, this binary needs {:04}", s.database, s.ddl_version, s.ddl_latest))
        .collect();
    if behind.is_empty() {
        return Ok(());
    }
    if connected.cluster.is_none() {
        bail!(
            "refusing to serve: {}.\nRun `charter migrate plan` to see what will change, then `charter migrate apply` \
             (docs/migrations.md).",
            behind.join("; ")
        );
    }
    tracing::info!(databases = ?behind, "migrating the embedded default");
    let report = fleet.apply(fleet.migrations(), &ApplyOptions::default(), &Silent).await?;
    if report.failed() {
        bail!("migrating the embedded default failed: {}", serde_json::to_string(&report)?);
    }
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub async fn serve(fleet: &Fleet, listen: &str, on_ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let state = AppState::new(fleet.clone(), api_config()?);
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, charter_api::router(state)).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped serving");
    Ok(())
}

fn api_config() -> Result<ApiConfig> {
    let defaults = ApiConfig::default();
    Ok(ApiConfig {
        max_body_bytes: environment::env_parse("CHARTER_MAX_BODY_BYTES")?.unwrap_or(defaults.max_body_bytes),
        cache_ttl: environment::env_parse("CHARTER_CACHE_TTL_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.cache_ttl),
        limits: Limits {
            standard: tier_limits("STANDARD", defaults.limits.standard)?,
            premium: tier_limits("PREMIUM", defaults.limits.premium)?,
            unmetered: tier_limits("UNMETERED", defaults.limits.unmetered)?,
        },
        export_dir: std::env::var_os("CHARTER_EXPORT_DIR").map_or(defaults.export_dir, Into::into),
        max_import_bytes: environment::env_parse("CHARTER_MAX_IMPORT_BYTES")?.unwrap_or(defaults.max_import_bytes),
        move_grace: environment::env_parse("CHARTER_MOVE_GRACE_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.move_grace),
        oidc: oidc_config()?,
        cors_origins: std::env::var("CHARTER_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
    })
}

/// Single sign-on, when `CHARTER_OIDC_ISSUER` is set (docs/sso.md).
fn oidc_config() -> Result<Option<OidcConfig>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(issuer) = var("CHARTER_OIDC_ISSUER") else {
        return Ok(None);
    };
    let client_id =
        var("CHARTER_OIDC_CLIENT_ID").context("CHARTER_OIDC_ISSUER is set, so CHARTER_OIDC_CLIENT_ID is needed")?;
    let public_url = var("CHARTER_PUBLIC_URL")
        .context("CHARTER_OIDC_ISSUER is set, so CHARTER_PUBLIC_URL is needed (the redirect URI is {CHARTER_PUBLIC_URL}/auth/callback)")?;
    url::Url::parse(&public_url).context("CHARTER_PUBLIC_URL")?;
    Ok(Some(OidcConfig {
        issuer,
        audience: var("CHARTER_OIDC_AUDIENCE").unwrap_or_else(|| client_id.clone()),
        client_secret: var("CHARTER_OIDC_CLIENT_SECRET"),
        client_id,
        public_url: public_url.trim_end_matches('/').to_owned(),
        roles_claim: var("CHARTER_OIDC_ROLES_CLAIM").unwrap_or_else(|| "groups".to_owned()),
        scopes: var("CHARTER_OIDC_SCOPES").unwrap_or_else(|| "openid email profile".to_owned()),
        session_lifetime: Duration::from_secs(
            environment::env_parse("CHARTER_SESSION_LIFETIME_SECS")?.unwrap_or(8 * 3600),
        ),
        jwks_refetch_interval: Duration::from_secs(
            environment::env_parse("CHARTER_OIDC_JWKS_REFETCH_SECS")?.unwrap_or(10),
        ),
        trust_email: environment::env_parse("CHARTER_OIDC_TRUST_EMAIL")?.unwrap_or(false),
    }))
}

/// `CHARTER_TIER_<TIER>_RPS`, `_BURST` and `_STATEMENT_TIMEOUT_MS` (0: no limit).
fn tier_limits(tier: &str, defaults: TierLimits) -> Result<TierLimits> {
    let rps: Option<u32> = environment::env_parse(&format!("CHARTER_TIER_{tier}_RPS"))?;
    let burst: Option<u32> = environment::env_parse(&format!("CHARTER_TIER_{tier}_BURST"))?;
    let timeout: Option<u64> = environment::env_parse(&format!("CHARTER_TIER_{tier}_STATEMENT_TIMEOUT_MS"))?;
    Ok(TierLimits {
        requests_per_second: rps.map_or(defaults.requests_per_second, NonZeroU32::new),
        burst: burst.map_or(defaults.burst, NonZeroU32::new),
        statement_timeout: timeout.map_or(defaults.statement_timeout, |ms| (ms > 0).then(|| Duration::from_millis(ms))),
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
