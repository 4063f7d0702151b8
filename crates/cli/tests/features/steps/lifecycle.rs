//! Feature: Tenant lifecycle.

use std::{
    collections::BTreeSet,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use charter_domain::tenant::DatabaseKind;
use charter_fleet::AddDatabase;
use cucumber::{given, then, when};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::CharterWorld;
use crate::support::connect_as_admin;

#[derive(Default)]
pub struct State {
    /// Ids the API acknowledged (201) while the writer ran.
    acknowledged: Arc<Mutex<Vec<String>>>,
    /// Writes refused because the tenant was frozen (503 with Retry-After).
    frozen: Arc<Mutex<usize>>,
    stop: Arc<AtomicBool>,
    writer: Option<JoinHandle<()>>,
    dedicated: Option<String>,
    move_report: Option<Value>,
    offboard_report: Option<Value>,
    scratch: Option<PathBuf>,
}

impl State {
    pub fn teardown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(writer) = self.writer.take() {
            writer.abort();
        }
        if let Some(dir) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

const ENTITIES: usize = 500;

impl CharterWorld {
    /// A tenant with `ENTITIES` entities and a neighbour in the same shared
    /// database, made once per scenario.
    async fn tenant_with_entities(&mut self, slug: &str) {
        if self.keys.contains_key(slug) {
            return;
        }
        self.onboard(slug, "shared").await;
        self.onboard("neighbour", "shared").await;
        let key = self.key_of(slug);
        let neighbour = self.key_of("neighbour");
        let deployment = self.deployment().await;
        for i in 0..ENTITIES {
            deployment.create_entity(slug, &key, &format!("{slug} entity {i}")).await;
        }
        deployment.create_entity("neighbour", &neighbour, "Neighbour Ltd").await;
    }

    fn scratch(&mut self) -> PathBuf {
        let dir = self
            .lifecycle
            .scratch
            .get_or_insert_with(|| {
                std::env::temp_dir().join(format!("charter-lifecycle-{}", uuid::Uuid::now_v7().simple()))
            })
            .clone();
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    /// (id, legal name, jurisdiction) of every entity of a tenant, via the API.
    async fn entities_of(&mut self, slug: &str) -> BTreeSet<(String, String, String)> {
        let key = self.deployment().await.admin_key.clone();
        let mut found = BTreeSet::new();
        let mut path = format!("/api/v1/tenants/{slug}/entities?limit=200");
        loop {
            let (status, page) = self.deployment().await.send(reqwest::Method::GET, &path, &key, None).await;
            assert_eq!(status, 200, "{page}");
            for e in page["items"].as_array().expect("items") {
                found.insert((e["id"].to_string(), e["legal_name"].to_string(), e["jurisdiction"].to_string()));
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/tenants/{slug}/entities?limit=200&cursor={cursor}"),
                None => return found,
            }
        }
    }

    /// Superuser count of a tenant's rows in every tenant table of a database.
    async fn rows_in(&mut self, database: &charter_storage::DbUrl, tenant: uuid::Uuid) -> i64 {
        let admin = connect_as_admin(database).await;
        let tables: Vec<String> = admin
            .query(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'charter' AND c.relkind = 'r' AND EXISTS (
                    SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')",
                &[],
            )
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(tables.len() >= 3);
        let mut total = 0;
        for table in tables {
            total += admin
                .query_one(&format!("SELECT count(*) FROM {table} WHERE tenant_id = $1"), &[&tenant])
                .await
                .expect("count")
                .get::<_, i64>(0);
        }
        total
    }
}

#[given(expr = "tenant {string} in a shared database receiving writes continuously")]
async fn tenant_under_load(world: &mut CharterWorld, slug: String) {
    world.tenant_with_entities(&slug).await;
    let key = world.key_of(&slug);
    let deployment = world.deployment().await;
    let (base, http) = (deployment.server.base.clone(), deployment.http.clone());
    let (acknowledged, frozen, stop) =
        (world.lifecycle.acknowledged.clone(), world.lifecycle.frozen.clone(), world.lifecycle.stop.clone());
    world.lifecycle.writer = Some(tokio::spawn(async move {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let response = http
                .post(format!("{base}/api/v1/tenants/{slug}/entities"))
                .bearer_auth(&key)
                .json(&json!({ "legal_name": format!("{slug} written under load {n}"), "jurisdiction": "GB" }))
                .send()
                .await;
            match response {
                Ok(r) if r.status() == 201 => {
                    let body: Value = r.json().await.unwrap_or_default();
                    if let Some(id) = body["id"].as_str() {
                        acknowledged.lock().expect("lock").push(id.to_owned());
                    }
                }
                // Over the tenant's tier rate: wait as told, like any client.
                Ok(r) if r.status() == 429 => {
                    let wait = r.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                    tokio::time::sleep(Duration::from_millis(wait.unwrap_or(1) * 100)).await;
                }
                Ok(r) if r.status() == 503 => {
                    assert!(r.headers().contains_key("retry-after"), "a frozen write says when to retry");
                    *frozen.lock().expect("lock") += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                // Anything else is a lost write the scenario must notice.
                Ok(r) => panic!("a write got {}: {}", r.status(), r.text().await.unwrap_or_default()),
                Err(e) => panic!("a write failed: {e}"),
            }
        }
    }));
    // Let the load build up before the move starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[when(expr = "{string} is moved to a new dedicated database")]
async fn moved_to_dedicated(world: &mut CharterWorld, slug: String) {
    let deployment = world.deployment().await;
    let first = deployment.databases().await.remove(0);
    let name = format!("{}_ded", deployment.control_url.database());
    deployment
        .fleet
        .add_database(AddDatabase {
            kind: DatabaseKind::Dedicated,
            admin_url: first.admin_url.with_database(&name),
            app_url: None,
            name: None,
            capacity: None,
        })
        .await
        .expect("a new dedicated database");
    let output = deployment.charter(&["tenant", "move", &slug, "--to", &name, "--grace-ms", "1000", "--json"]).await;
    assert!(output.status.success(), "move: {}", String::from_utf8_lossy(&output.stderr));
    world.lifecycle.move_report = Some(serde_json::from_slice(&output.stdout).expect("move report JSON"));
    world.lifecycle.dedicated = Some(name);
    // Writes go on against the new home for a moment, then stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    world.lifecycle.stop.store(true, Ordering::Relaxed);
    if let Some(writer) = world.lifecycle.writer.take() {
        writer.await.expect("the writer saw no lost write");
    }
}

#[then("every acknowledged write is in the dedicated database")]
async fn acknowledged_writes_kept(world: &mut CharterWorld) {
    let (tenant, home) = world.deployment().await.tenant_database("acme").await;
    assert_eq!(
        Some(home.database()),
        world.lifecycle.dedicated.as_deref(),
        "the tenant lives in the dedicated database"
    );
    let acknowledged = world.lifecycle.acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 10, "the writer wrote throughout: {}", acknowledged.len());
    let admin = connect_as_admin(&home).await;
    let ids: Vec<uuid::Uuid> = acknowledged.iter().map(|id| id.parse().expect("uuid")).collect();
    let present: i64 = admin
        .query_one("SELECT count(*) FROM charter.legal_entity WHERE tenant_id = $1 AND id = ANY ($2)", &[&tenant, &ids])
        .await
        .expect("count")
        .get(0);
    assert_eq!(present as usize, ids.len(), "acknowledged writes missing from the new home");
    let total: i64 = admin
        .query_one("SELECT count(*) FROM charter.legal_entity WHERE tenant_id = $1", &[&tenant])
        .await
        .expect("count")
        .get(0);
    assert_eq!(total as usize, ENTITIES + ids.len());
}

#[then("per-table row counts and content hashes match the source before purge")]
async fn verified_before_purge(world: &mut CharterWorld) {
    let report = world.lifecycle.move_report.clone().expect("a move report");
    let verified = report["verified"].as_object().expect("verified tables");
    for table in ["charter.tenant", "charter.legal_entity", "charter.dml_ledger"] {
        let entry = verified.get(table).unwrap_or_else(|| panic!("{table} verified: {report}"));
        assert!(entry[1].as_str().is_some_and(|hash| hash.len() == 32 || entry[0] == 0), "{table}: {entry}");
    }
    assert!(verified["charter.legal_entity"][0].as_i64().expect("rows") >= ENTITIES as i64);
    assert!(report["freeze_ms"].as_u64().expect("freeze_ms") < 5_000, "{report}");
}

#[then(expr = "the shared database holds no row of {string}")]
async fn shared_purged(world: &mut CharterWorld, slug: String) {
    let (tenant, _) = world.deployment().await.tenant_database(&slug).await;
    let shared = world.deployment().await.databases().await.remove(0);
    assert_eq!(shared.kind, DatabaseKind::Shared);
    assert_eq!(world.rows_in(&shared.admin_url, tenant).await, 0);
    // The neighbour kept everything.
    let (neighbour, _) = world.deployment().await.tenant_database("neighbour").await;
    assert!(world.rows_in(&shared.admin_url, neighbour).await >= 2);
}

#[when(expr = "{string} is exported and imported as {string}")]
async fn export_import(world: &mut CharterWorld, slug: String, copy: String) {
    world.tenant_with_entities(&slug).await;
    let archive = world.scratch().join(format!("{slug}.tar.gz"));
    let archive = archive.display().to_string();
    let deployment = world.deployment().await;
    let exported = deployment.charter(&["tenant", "export", &slug, "--out", &archive]).await;
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let imported = deployment.charter(&["tenant", "import", &archive, "--slug", &copy]).await;
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
}

#[then("both tenants hold the same entities")]
async fn same_entities(world: &mut CharterWorld) {
    let original = world.entities_of("acme").await;
    let copy = world.entities_of("acme-copy").await;
    assert_eq!(original.len(), ENTITIES);
    assert_eq!(original, copy);
    let (a, _) = world.deployment().await.tenant_database("acme").await;
    let (b, _) = world.deployment().await.tenant_database("acme-copy").await;
    assert_ne!(a, b, "the copy is a tenant of its own");
}

#[when(expr = "{string} is offboarded")]
async fn offboarded(world: &mut CharterWorld, slug: String) {
    world.tenant_with_entities(&slug).await;
    let dir = world.scratch().display().to_string();
    let output =
        world.deployment().await.charter(&["tenant", "offboard", &slug, "--archive-dir", &dir, "--json"]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    world.lifecycle.offboard_report = Some(serde_json::from_slice(&output.stdout).expect("report JSON"));
}

#[then("an export archive with a verified manifest exists")]
async fn archive_verified(world: &mut CharterWorld) {
    let report = world.lifecycle.offboard_report.clone().expect("offboard report");
    let path = PathBuf::from(report["archive"].as_str().expect("archive path"));
    let (manifest, tables) = charter_fleet::lifecycle::read_archive(&path).expect("the archive verifies");
    assert_eq!(manifest.tenant.slug, "acme");
    assert_eq!(tables["charter.legal_entity"].len(), ENTITIES);
    let bytes = std::fs::read(&path).expect("archive");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert_eq!(report["archive_sha256"], sha.as_str());
    // The tombstone remembers it.
    let deployment = world.deployment().await;
    let (status, tenant) =
        deployment.send(reqwest::Method::GET, "/api/v1/tenants/acme", &deployment.admin_key, None).await;
    assert_eq!((status, tenant["status"].as_str()), (200, Some("offboarded")), "{tenant}");
}

#[then(expr = "no table of its database holds a row of {string}")]
async fn nothing_left(world: &mut CharterWorld, slug: String) {
    let control = connect_as_admin(&world.deployment().await.control_url).await;
    let tenant: uuid::Uuid =
        control.query_one("SELECT id FROM control.tenants WHERE slug = $1", &[&slug]).await.expect("tombstone").get(0);
    for database in world.deployment().await.databases().await {
        assert_eq!(world.rows_in(&database.admin_url, tenant).await, 0, "{}", database.name);
    }
    // Its keys no longer work, and its data is gone from the API.
    let key = world.key_of(&slug);
    let (status, _) = world
        .deployment()
        .await
        .send(reqwest::Method::GET, &format!("/api/v1/tenants/{slug}/entities"), &key, None)
        .await;
    assert_eq!(status, 401);
}
