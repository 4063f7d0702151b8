//! Test support shared by the integration tests (`tests/it`) and the
//! acceptance features (`tests/features`): a real deployment on the test
//! PostgreSQL server, with its own control-plane database, its own data
//! databases and an HTTP server on port 0, running the production wiring
//! (`charter_api::router`).

#![allow(dead_code)]

pub mod oidc;

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use charter_api::{ApiConfig, AppState};
use charter_fleet::{Fleet, FleetSettings, migrations::MigrationSet};
use charter_storage::{DbUrl, PoolSettings, admin::AdminConnection};
use serde_json::{Value, json};
use tokio::{sync::oneshot, task::JoinHandle};

/// Prefix of every database a test creates; `<prefix><pid>_` identifies the
/// process, so leftovers of dead test processes can be swept.
pub const TEST_DB_PREFIX: &str = "chtest_";

/// The test server's administrative URL (a superuser, or a role with
/// CREATEDB and CREATEROLE).
pub fn server_url() -> DbUrl {
    let raw = std::env::var("CHARTER_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    DbUrl::parse(&raw).expect("CHARTER_TEST_DATABASE_URL must be a postgres:// URL")
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique_database_name() -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{TEST_DB_PREFIX}{}_{n}", std::process::id())
}

/// Drops databases left behind by test processes that no longer run.
pub async fn sweep_leftovers() {
    let Ok(admin) = AdminConnection::connect(&server_url()).await else {
        return;
    };
    let Ok(names) = admin.databases_with_prefix(TEST_DB_PREFIX).await else {
        return;
    };
    for name in names {
        let pid = name[TEST_DB_PREFIX.len()..].split('_').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = admin.drop_database(&name).await;
        }
    }
}

/// A running Charter: control plane, first shared database, HTTP server.
pub struct Deployment {
    pub control_url: DbUrl,
    pub fleet: Fleet,
    pub server: Server,
    pub admin_key: String,
    pub http: reqwest::Client,
}

/// One HTTP server over a fleet.
pub struct Server {
    pub base: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    pub async fn start(fleet: Fleet) -> Self {
        // Cache changes are announced (NOTIFY), so a short grace is safe here.
        let config =
            ApiConfig { max_body_bytes: 64 * 1024, move_grace: Duration::from_millis(500), ..ApiConfig::default() };
        Self::start_with(fleet, config).await
    }

    pub async fn start_with(fleet: Fleet, config: ApiConfig) -> Self {
        Self::start_configured(fleet, |_| config).await
    }

    /// Binds a port first, so that the configuration can name the server's
    /// own URL (single sign-on's redirect URI).
    pub async fn start_configured(fleet: Fleet, config: impl FnOnce(&str) -> ApiConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let state = AppState::new(fleet, config(&base));
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            axum::serve(listener, charter_api::router(state))
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .expect("server runs");
        });
        Self { base, shutdown: Some(tx), handle: Some(handle) }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        }
    }
}

impl Deployment {
    pub async fn start() -> Self {
        Self::start_with_pool(4).await
    }

    /// A deployment whose users sign in through `provider`.
    pub async fn start_with_sso(provider: &oidc::OidcProvider) -> Self {
        let mut deployment = Self::start().await;
        let fleet = deployment.fleet.clone();
        let issuer = provider.issuer.clone();
        let server = Server::start_configured(fleet, |base| ApiConfig {
            max_body_bytes: 64 * 1024,
            oidc: Some(charter_api::oidc::OidcConfig {
                issuer,
                client_id: oidc::CLIENT_ID.into(),
                client_secret: Some(oidc::CLIENT_SECRET.into()),
                audience: oidc::AUDIENCE.into(),
                public_url: base.to_owned(),
                roles_claim: "groups".into(),
                scopes: "openid email profile".into(),
                session_lifetime: Duration::from_secs(3600),
                jwks_refetch_interval: Duration::from_secs(10),
                trust_email: false,
            }),
            ..ApiConfig::default()
        })
        .await;
        provider.register_charter(&server.base).await;
        let plain = std::mem::replace(&mut deployment.server, server);
        plain.stop().await;
        deployment
    }

    pub async fn start_with_pool(pool_size: usize) -> Self {
        charter_api::oidc::install_tls_provider();
        sweep_leftovers().await;
        let server_url = server_url();
        let name = unique_database_name();
        let admin = AdminConnection::connect(&server_url).await.expect("connect to the test PostgreSQL");
        admin.create_plain_database(&name).await.expect("create the control-plane database");
        let control_url = server_url.with_database(&name);
        let fleet = fleet(&control_url, pool_size).await;
        let (_, key) = fleet
            .control()
            .create_key(
                None,
                charter_storage::control::KeyRole::PlatformAdmin,
                &charter_domain::api_key::KeyName::parse("name", "test admin").expect("name"),
                None,
                None,
            )
            .await
            .expect("admin key");
        let server = Server::start(fleet.clone()).await;
        Self { control_url, fleet, server, admin_key: key.expose().to_owned(), http: reqwest::Client::new() }
    }

    /// Another fleet over the same control plane, with its own pools.
    pub async fn another_fleet(&self, pool_size: usize) -> Fleet {
        fleet(&self.control_url, pool_size).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// `POST /api/v1/tenants` as the platform admin; returns (status, body).
    pub async fn onboard(&self, slug: &str, placement: &str) -> (u16, Value) {
        let body = json!({ "slug": slug, "name": format!("{slug} firm"), "placement": placement });
        self.send(reqwest::Method::POST, "/api/v1/tenants", &self.admin_key, Some(body)).await
    }

    /// A new key of `slug` with `role`.
    pub async fn tenant_key(&self, slug: &str, role: &str) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/tenants/{slug}/api-keys"),
                &self.admin_key,
                Some(json!({ "name": format!("{role} key"), "role": role })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["key"].as_str().expect("key in response").to_owned()
    }

    /// Creates an entity in `slug` with `key`; returns its id.
    pub async fn create_entity(&self, slug: &str, key: &str, legal_name: &str) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/tenants/{slug}/entities"),
                key,
                Some(json!({ "legal_name": legal_name, "jurisdiction": "GB" })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body read");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// The administrative URL of the database a tenant lives in.
    pub async fn tenant_database(&self, slug: &str) -> (uuid::Uuid, DbUrl) {
        let slug = charter_domain::tenant::Slug::parse("slug", slug).expect("slug");
        let tenant = self.fleet.control().tenant_by_slug(&slug).await.expect("lookup").expect("tenant exists");
        let placed = tenant.database.expect("placed");
        let record = self.fleet.control().database(placed.id).await.expect("lookup").expect("database exists");
        (tenant.id.as_uuid(), record.admin_url)
    }

    /// Stops the server and drops every database of this deployment.
    pub async fn destroy(self) {
        self.server.stop().await;
        let databases = self.fleet.control().list_databases().await.unwrap_or_default();
        drop(self.fleet);
        let admin = AdminConnection::connect(&server_url()).await.expect("connect");
        for database in databases {
            let _ = admin.drop_database(database.admin_url.database()).await;
        }
        let _ = admin.drop_database(self.control_url.database()).await;
    }
}

async fn fleet(control_url: &DbUrl, pool_size: usize) -> Fleet {
    Fleet::bootstrap(
        control_url,
        PoolSettings { max_size: pool_size, wait_timeout: Duration::from_secs(30), ..PoolSettings::default() },
        MigrationSet::embedded().expect("embedded migrations"),
        FleetSettings::default(),
    )
    .await
    .expect("bootstrap the fleet")
}

impl Deployment {
    /// Runs the `charter` binary against this deployment's control plane.
    pub async fn charter(&self, args: &[&str]) -> std::process::Output {
        self.charter_command(args).output().await.expect("run charter")
    }

    /// The `charter` command, ready to spawn, pointed at this deployment.
    pub fn charter_command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_charter"));
        command
            .args(args)
            .env("CHARTER_DATABASE_URL", self.control_url.expose())
            .env("CHARTER_LOG", "warn")
            // Tests share one server's connections; keep each process frugal.
            .env("CHARTER_DB_POOL_SIZE", "4")
            .env_remove("CHARTER_MIGRATIONS_DIR")
            .kill_on_drop(true);
        command
    }

    /// The registered databases, oldest first.
    pub async fn databases(&self) -> Vec<charter_storage::control::DatabaseRecord> {
        self.fleet.control().list_databases().await.expect("databases")
    }
}

/// A connection to `database` as the application role (as the service
/// connects), for tests that act on the database directly.
pub async fn connect_as_app(database: &DbUrl, fleet: &Fleet) -> tokio_postgres::Client {
    let record = fleet
        .control()
        .list_databases()
        .await
        .expect("databases")
        .into_iter()
        .find(|d| d.admin_url.database() == database.database())
        .expect("registered database");
    let (client, connection) =
        record.app_url.pg_config().expect("config").connect(tokio_postgres::NoTls).await.expect("connect as app");
    tokio::spawn(connection);
    client
}

/// A superuser connection to `database`.
pub async fn connect_as_admin(database: &DbUrl) -> tokio_postgres::Client {
    let (client, connection) =
        database.pg_config().expect("config").connect(tokio_postgres::NoTls).await.expect("connect as admin");
    tokio::spawn(connection);
    client
}
