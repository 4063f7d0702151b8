//! The migration service's edges: canaries, a failing DDL, onboarding after
//! a migration, `serve` against a stale schema, and the lifecycle API.

use std::{path::PathBuf, time::Duration};

use charter_domain::tenant::DatabaseKind;
use charter_fleet::AddDatabase;
use reqwest::Method;
use serde_json::json;

use crate::support::{Deployment, connect_as_admin};

/// A copy of the repository's migrations plus `extra` (path, contents).
fn migrations_with(extra: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("charter-it-migrations-{}", uuid::Uuid::now_v7().simple()));
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for kind in ["ddl", "dml"] {
        std::fs::create_dir_all(dir.join(kind)).unwrap();
        for entry in std::fs::read_dir(source.join(kind)).into_iter().flatten().flatten() {
            std::fs::copy(entry.path(), dir.join(kind).join(entry.file_name())).unwrap();
        }
    }
    for (file, contents) in extra {
        std::fs::write(dir.join(file), contents).unwrap();
    }
    dir
}

/// A DDL that fails on the oldest shared database only.
const FAILS_ON_FIRST: &str = "DO $$ BEGIN
  IF current_database() LIKE '%\\_shared\\_1' THEN RAISE EXCEPTION 'this database refuses 0901'; END IF;
END $$;
ALTER TABLE legal_entity ADD COLUMN canary text;";

async fn with_three_databases() -> Deployment {
    let deployment = Deployment::start().await;
    let first = deployment.databases().await.remove(0);
    for n in 2..=3 {
        deployment
            .fleet
            .add_database(AddDatabase {
                kind: DatabaseKind::Shared,
                admin_url: first.admin_url.with_database(&format!("{}_{n}", first.admin_url.database())),
                app_url: None,
                name: None,
                capacity: None,
            })
            .await
            .unwrap();
    }
    deployment
}

async fn ddl_applied(deployment: &Deployment, version: i32) -> Vec<bool> {
    let mut applied = Vec::new();
    for database in deployment.databases().await {
        let n: i64 = connect_as_admin(&database.admin_url)
            .await
            .query_one("SELECT count(*) FROM charter.ddl_ledger WHERE version = $1", &[&version])
            .await
            .unwrap()
            .get(0);
        applied.push(n == 1);
    }
    applied
}

#[tokio::test]
async fn a_failing_canary_stops_the_run_and_a_failing_ddl_stops_only_its_database() {
    let deployment = with_three_databases().await;
    let dir = migrations_with(&[("ddl/0901_canary.sql", FAILS_ON_FIRST)]);
    let dir = dir.display().to_string();

    let canary = deployment.charter(&["--migrations", &dir, "migrate", "apply", "--canary", "1"]).await;
    assert!(!canary.status.success());
    let text = String::from_utf8_lossy(&canary.stdout);
    assert!(text.contains("this database refuses 0901") && text.contains("the canary failed"), "{text}");
    assert_eq!(ddl_applied(&deployment, 901).await, [false, false, false], "nothing beyond the canary was touched");

    let all = deployment.charter(&["--migrations", &dir, "migrate", "apply"]).await;
    assert!(!all.status.success(), "a failing DDL fails the run");
    assert_eq!(ddl_applied(&deployment, 901).await, [false, true, true], "only the failing database stopped");
    deployment.destroy().await;
}

#[tokio::test]
async fn a_tenant_onboarded_after_a_migration_starts_at_the_latest_version() {
    let deployment = Deployment::start().await;
    let dir = migrations_with(&[(
        "dml/0901_seed_nothing.sql",
        "-- requires: ddl 0002\nUPDATE charter.tenant SET slug = slug WHERE tenant_id = charter.current_tenant();",
    )]);
    let dir = dir.display().to_string();
    assert!(deployment.charter(&["--migrations", &dir, "migrate", "apply"]).await.status.success());
    let created =
        deployment.charter(&["--migrations", &dir, "tenant", "create", "--slug", "late", "--name", "Late LLP"]).await;
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let status = deployment.charter(&["--migrations", &dir, "migrate", "status", "--json"]).await;
    let databases: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(databases[0]["dml_histogram"], json!({ "901": 1 }), "{databases}");
    deployment.destroy().await;
}

#[tokio::test]
async fn serve_refuses_a_database_behind_the_binary() {
    let deployment = Deployment::start().await;
    let dir = migrations_with(&[("ddl/0901_newer.sql", "ALTER TABLE legal_entity ADD COLUMN newer text;")]);
    let dir = dir.display().to_string();
    let served = tokio::time::timeout(
        Duration::from_secs(30),
        deployment.charter(&["--migrations", &dir, "serve", "--listen", "127.0.0.1:0"]),
    )
    .await
    .expect("refuses at once");
    assert!(!served.status.success());
    let error = String::from_utf8_lossy(&served.stderr);
    assert!(error.contains("refusing to serve") && error.contains("charter migrate apply"), "{error}");
    deployment.destroy().await;
}

#[tokio::test]
async fn the_lifecycle_api_moves_exports_imports_and_offboards() {
    let deployment = Deployment::start().await;
    assert_eq!(deployment.onboard("acme", "shared").await.0, 201);
    let key = deployment.tenant_key("acme", "editor").await;
    for i in 0..20 {
        deployment.create_entity("acme", &key, &format!("Acme {i} Ltd")).await;
    }
    let admin = deployment.admin_key.clone();

    // Export, then import the archive as a new tenant.
    let archive =
        deployment.http.post(deployment.url("/api/v1/tenants/acme/export")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(archive.status(), 200);
    assert_eq!(archive.headers()["content-type"], "application/gzip");
    let bytes = archive.bytes().await.unwrap();
    let imported = deployment
        .http
        .post(deployment.url("/api/v1/tenant-imports?slug=acme-copy"))
        .bearer_auth(&admin)
        .header("content-type", "application/gzip")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 201, "{}", imported.text().await.unwrap());
    let (_, copy) = deployment.send(Method::GET, "/api/v1/tenants/acme-copy/entities?limit=200", &admin, None).await;
    assert_eq!(copy["items"].as_array().unwrap().len(), 20);
    // A damaged archive is refused, naming the problem.
    let mut damaged = bytes.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    let refused = deployment
        .http
        .post(deployment.url("/api/v1/tenant-imports?slug=acme-broken"))
        .bearer_auth(&admin)
        .header("content-type", "application/gzip")
        .body(damaged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);

    // Move through the API: 202, then follow it until it is done.
    let first = deployment.databases().await.remove(0);
    let target = format!("{}_two", first.admin_url.database());
    deployment
        .fleet
        .add_database(AddDatabase {
            kind: DatabaseKind::Shared,
            admin_url: first.admin_url.with_database(&target),
            app_url: None,
            name: None,
            capacity: None,
        })
        .await
        .unwrap();
    let (status, accepted) =
        deployment.send(Method::POST, "/api/v1/tenants/acme/move", &admin, Some(json!({ "to": target }))).await;
    assert_eq!(status, 202, "{accepted}");
    let (status, again) =
        deployment.send(Method::POST, "/api/v1/tenants/acme/move", &admin, Some(json!({ "to": "nowhere" }))).await;
    assert_eq!((status, again["errors"][0]["field"].as_str()), (422, Some("to")), "{again}");
    let mut moved = json!(null);
    for _ in 0..300 {
        let (_, status) = deployment.send(Method::GET, "/api/v1/tenants/acme/move", &admin, None).await;
        if !status["last"].is_null() && status["in_progress"].is_null() {
            moved = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(moved["last"]["to"], target.as_str(), "{moved}");
    let (_, tenant) = deployment.send(Method::GET, "/api/v1/tenants/acme", &admin, None).await;
    assert_eq!(tenant["database"]["name"], target.as_str());
    assert_eq!(deployment.create_entity("acme", &key, "After the move Ltd").await.len(), 36);

    // Offboard through the API.
    let (status, offboarded) = deployment.send(Method::POST, "/api/v1/tenants/acme/offboard", &admin, None).await;
    assert_eq!(status, 200, "{offboarded}");
    assert!(
        offboarded["rows_deleted"].as_u64().unwrap() > 21 * 4,
        "the tenant row, 21 entities with their facts, audit events, …: {offboarded}"
    );
    assert!(std::path::Path::new(offboarded["archive"].as_str().unwrap()).exists());
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/acme/entities", &admin, None).await.0, 404);
    // Its keys were revoked with it.
    assert_eq!(deployment.send(Method::GET, "/api/v1/tenants/acme-copy/entities", &key, None).await.0, 401);
    // Even a tenant's own admin may not use the platform's lifecycle operations.
    let copy_admin = deployment.tenant_key("acme-copy", "admin").await;
    assert_eq!(deployment.send(Method::POST, "/api/v1/tenants/acme-copy/export", &copy_admin, None).await.0, 403);
    let _ = std::fs::remove_file(offboarded["archive"].as_str().unwrap());
    deployment.destroy().await;
}

#[tokio::test]
async fn a_move_killed_at_any_moment_is_completed_or_rolled_back_by_a_rerun() {
    let deployment = Deployment::start().await;
    let first = deployment.databases().await.remove(0);
    let target = format!("{}_target", first.admin_url.database());
    deployment
        .fleet
        .add_database(AddDatabase {
            kind: DatabaseKind::Shared,
            admin_url: first.admin_url.with_database(&target),
            app_url: None,
            name: None,
            capacity: None,
        })
        .await
        .unwrap();
    let seeded = deployment.charter(&["bench", "seed", "--slug", "mover", "--entities", "3000"]).await;
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let (tenant, _) = deployment.tenant_database("mover").await;
    let rows_in = |url: charter_storage::DbUrl| async move {
        connect_as_admin(&url)
            .await
            .query_one("SELECT count(*) FROM charter.legal_entity WHERE tenant_id = $1", &[&tenant])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    let (mut from, mut to) = (first.name.clone(), target.clone());
    for kill_after_ms in [40_u64, 150, 400, 900] {
        let mut child = deployment
            .charter_command(&["tenant", "move", "mover", "--to", &to, "--grace-ms", "600"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
        if let Some(pid) = child.id() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL);
        }
        let _ = child.wait().await;
        // Served from exactly one place whatever the moment: the placement
        // names one database and that database holds every row.
        let (_, home) = deployment.tenant_database("mover").await;
        assert_eq!(rows_in(home.clone()).await, 3000, "killed after {kill_after_ms} ms");
        // A rerun finishes the job (completing, or rolling back and moving).
        let rerun = deployment.charter(&["tenant", "move", "mover", "--to", &to, "--grace-ms", "0", "--json"]).await;
        let (_, home) = deployment.tenant_database("mover").await;
        if !rerun.status.success() {
            // The killed run had completed the switch and purge: it is there already.
            let error = String::from_utf8_lossy(&rerun.stderr);
            assert!(error.contains("already in"), "{error}");
        }
        assert_eq!(home.database(), to, "after the rerun the tenant lives in the target");
        assert_eq!(rows_in(home).await, 3000);
        let source = deployment.databases().await.into_iter().find(|d| d.name == from).unwrap();
        assert_eq!(rows_in(source.admin_url).await, 0, "the source is purged");
        let control = connect_as_admin(&deployment.control_url).await;
        let open: i64 = control.query_one("SELECT count(*) FROM control.tenant_moves", &[]).await.unwrap().get(0);
        assert_eq!(open, 0);
        std::mem::swap(&mut from, &mut to);
    }
    deployment.destroy().await;
}
