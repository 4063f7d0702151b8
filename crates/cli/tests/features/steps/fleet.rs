//! Feature: Fleet migrations.

use std::{
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use charter_domain::{
    access::TenantGrant,
    entity::{Intent, parse_entity},
    ids::EntityId,
    tenant::{DatabaseKind, Placement, Slug, TenantName, Tier},
};
use charter_fleet::{AddDatabase, OnboardRequest};
use charter_storage::{admin::AdminConnection, data::TxOptions};
use cucumber::{given, then, when};
use futures::{StreamExt, stream};

use super::CharterWorld;
use crate::support::connect_as_admin;

#[derive(Default)]
pub struct State {
    migrations: Option<PathBuf>,
    /// The slug a migration was written to fail for.
    failing: Option<String>,
    run: Option<Output>,
    /// Tenants migrated when each kill landed.
    kills: Vec<i64>,
    /// The fleet before the command.
    before: Option<Vec<(String, i64)>>,
}

impl State {
    pub fn teardown(&mut self) {
        if let Some(dir) = self.migrations.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

const ENTITIES_PER_TENANT: usize = 2;

#[given(regex = r"^(\d+) shared databases holding ([\d,]+) tenants in all, and (\d+) dedicated databases$")]
async fn fleet_of_tenants(world: &mut CharterWorld, shared: usize, tenants: String, dedicated: usize) {
    let tenants: usize = tenants.replace(',', "").parse().expect("a number");
    let deployment = world.deployment().await;
    let first = deployment.databases().await.remove(0);
    for n in 2..=shared {
        deployment
            .fleet
            .add_database(AddDatabase {
                kind: DatabaseKind::Shared,
                admin_url: first.admin_url.with_database(&format!("{}_shared_{n}", deployment.control_url.database())),
                app_url: None,
                name: None,
                capacity: None,
            })
            .await
            .expect("add a shared database");
    }
    let fleet = deployment.fleet.clone();
    let onboard = |slug: String, placement: Placement| {
        let fleet = fleet.clone();
        async move {
            let request = OnboardRequest {
                slug: Slug::parse("slug", &slug).expect("slug"),
                name: TenantName::parse("name", &format!("Client {slug}")).expect("name"),
                placement,
                tier: Tier::Standard,
            };
            let tenant = fleet.onboard(&request).await.expect("onboard").tenant().clone();
            let database = tenant.database.expect("placed").id;
            let grant = TenantGrant::for_system(tenant.id, "test fixture");
            let mut tx = fleet.data().begin(database, &grant, TxOptions::maintenance()).await.expect("begin");
            for k in 0..ENTITIES_PER_TENANT {
                let body = serde_json::json!({ "legal_name": format!("{slug} entity {k}"), "jurisdiction": "GB" });
                let input = parse_entity(
                    body.as_object().expect("object"),
                    Intent::Create,
                    &[],
                    chrono::Utc::now().date_naive(),
                )
                .expect("entity");
                let facts: Vec<_> = input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
                tx.create_entity(EntityId::generate(), &facts, input.change.from, "system:test fixture")
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
    };
    stream::iter((0..tenants).map(|i| format!("t{i:04}")))
        .for_each_concurrent(12, |slug| onboard(slug, Placement::Shared))
        .await;
    for i in 0..dedicated {
        onboard(format!("dedicated-{i}"), Placement::Dedicated).await;
    }
    let databases = deployment.databases().await;
    assert_eq!(databases.len(), shared + dedicated);
    let shared_count: i64 = databases.iter().filter(|d| d.kind == DatabaseKind::Shared).map(|d| d.tenant_count).sum();
    assert_eq!(shared_count, tenants as i64);
}

impl CharterWorld {
    /// A copy of the repository's migrations with `extra` files added
    /// (or replaced): (path under the directory, contents).
    fn migrations_with(&mut self, extra: &[(&str, String)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("charter-migrations-{}", uuid::Uuid::now_v7().simple()));
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        for kind in ["ddl", "dml"] {
            std::fs::create_dir_all(dir.join(kind)).expect("mkdir");
            for entry in std::fs::read_dir(source.join(kind)).into_iter().flatten().flatten() {
                std::fs::copy(entry.path(), dir.join(kind).join(entry.file_name())).expect("copy");
            }
        }
        for (file, contents) in extra {
            std::fs::write(dir.join(file), contents).expect("write migration");
        }
        self.fleet.migrations = Some(dir.clone());
        dir
    }

    async fn run_charter(&mut self, command: &str) -> Output {
        let mut args: Vec<String> = Vec::new();
        if let Some(dir) = &self.fleet.migrations {
            args.extend(["--migrations".to_owned(), dir.display().to_string()]);
        }
        args.extend(command.trim_start_matches("charter ").split_whitespace().map(str::to_owned));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.deployment().await.charter(&args).await
    }

    /// Runs `sql` as a superuser on every data-plane database and sums the first column.
    async fn sum_over_databases(&mut self, sql: &str) -> i64 {
        let mut total = 0;
        for database in self.deployment().await.databases().await {
            total += connect_as_admin(&database.admin_url).await.query_one(sql, &[]).await.expect(sql).get::<_, i64>(0);
        }
        total
    }
}

/// Adds a column; the DML fills it with "<slug>:" for each of the tenant's
/// rows, appending, so that a second application would show.
fn mark_migrations(fail_for: Option<&str>) -> Vec<(&'static str, String)> {
    let guard = fail_for
        .map(|slug| {
            format!(
                "DO $$ BEGIN
                   IF (SELECT slug FROM charter.tenant WHERE tenant_id = charter.current_tenant()) = '{slug}' THEN
                     RAISE EXCEPTION 'cannot convert the data of {slug}';
                   END IF;
                 END $$;\n"
            )
        })
        .unwrap_or_default();
    vec![
        (
            "ddl/0901_add_migration_mark.sql",
            "-- A column for the fleet-migration features.\nALTER TABLE legal_entity ADD COLUMN migration_mark text;\n"
                .into(),
        ),
        (
            "dml/0901_fill_migration_mark.sql",
            format!(
                "-- Fills the new column for each tenant.\n-- requires: ddl 0901\n{guard}\
                 UPDATE charter.legal_entity
                    SET migration_mark = coalesce(migration_mark, '')
                        || (SELECT slug FROM charter.tenant WHERE tenant_id = charter.current_tenant()) || ':'
                  WHERE tenant_id = charter.current_tenant();\n"
            ),
        ),
    ]
}

#[given("a new DDL migration that adds a column and a DML migration that fills it for each tenant")]
async fn column_and_fill(world: &mut CharterWorld) {
    world.migrations_with(&mark_migrations(None));
}

#[given("a DML migration that fails for exactly one tenant")]
async fn failing_for_one(world: &mut CharterWorld) {
    world.fleet.failing = Some("t1234".into());
    world.migrations_with(&mark_migrations(Some("t1234")));
}

#[given("a contract DDL that depends on a DML not yet applied to every tenant of a database")]
async fn contract_waits(world: &mut CharterWorld) {
    world.fleet.failing = Some("t0007".into());
    let mut files = mark_migrations(Some("t0007"));
    files.push((
        "ddl/0902_require_migration_mark.sql",
        "-- Every row carries its mark from now on.\n-- phase: contract\n-- requires: dml 0901\n\
         ALTER TABLE legal_entity ALTER COLUMN migration_mark SET NOT NULL;\n"
            .into(),
    ));
    world.migrations_with(&files);
}

#[given("migration 0002 was applied and its file has changed since")]
async fn edited_migration(world: &mut CharterWorld) {
    let applied: i64 = world.sum_over_databases("SELECT count(*) FROM charter.ddl_ledger WHERE version = 2").await;
    assert_eq!(applied, 5, "0002 is applied everywhere");
    let original =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/ddl/0002_fleet.sql"))
            .expect("0002");
    world.migrations_with(&[("ddl/0002_fleet.sql", format!("{original}\n-- An innocent-looking edit.\n"))]);
}

#[when(regex = r#"^I run "(charter [^"]+)"(?: while that DML fails for one tenant)?$"#)]
async fn run_command(world: &mut CharterWorld, command: String) {
    let command = match command.contains("the-shared-database") {
        true => {
            let shared = world.deployment().await.databases().await.remove(0);
            command.replace("the-shared-database", &shared.name)
        }
        false => command,
    };
    world.fleet.before = Some(world.fleet_snapshot().await);
    let output = world.run_charter(&command).await;
    world.fleet.run = Some(output);
}

#[given("nothing else")]
async fn nothing_else(_world: &mut CharterWorld) {}

/// A valid new DDL, so that a run that went ahead would change something.
fn pending_ddl() -> (&'static str, String) {
    (
        "ddl/0903_pending.sql",
        "-- Would change every database.\nALTER TABLE legal_entity ADD COLUMN pending text;\n".into(),
    )
}

#[given("a pending migration with a malformed header")]
async fn malformed_header(world: &mut CharterWorld) {
    world.migrations_with(&[(
        "ddl/0903_bad_header.sql",
        "-- requires: ddl three\nALTER TABLE legal_entity ADD COLUMN x text;\n".into(),
    )]);
}

#[given("a pending DML that requires an unknown DDL")]
async fn unknown_requirement(world: &mut CharterWorld) {
    world.migrations_with(&[
        pending_ddl(),
        ("dml/0901_orphan.sql", "-- requires: ddl 0042\nUPDATE charter.legal_entity SET pending = 'x';\n".into()),
    ]);
}

#[given("pending migrations that wait on each other")]
async fn cycle(world: &mut CharterWorld) {
    world.migrations_with(&[
        (
            "ddl/0903_contract.sql",
            "-- phase: contract\n-- requires: dml 0901\nALTER TABLE legal_entity ADD COLUMN y text;\n".into(),
        ),
        ("dml/0901_needs_contract.sql", "-- requires: ddl 0903\nUPDATE charter.legal_entity SET y = 'x';\n".into()),
    ]);
}

#[given("a pending migration and an unreachable database")]
async fn unreachable(world: &mut CharterWorld) {
    world.migrations_with(&[pending_ddl()]);
    let deployment = world.deployment().await;
    let nowhere = charter_storage::DbUrl::parse("postgres://charter_app@127.0.0.1:1/unreachable").expect("url");
    deployment
        .fleet
        .control()
        .register_database(&charter_storage::control::NewDatabase {
            name: "unreachable-db".into(),
            kind: DatabaseKind::Shared,
            admin_url: nowhere.clone(),
            app_url: nowhere,
            capacity: 10,
        })
        .await
        .expect("register");
}

#[then(expr = "it exits non-zero and its error names {string}")]
async fn refused_naming(world: &mut CharterWorld, named: String) {
    let output = world.fleet.run.as_ref().expect("a run");
    assert!(!output.status.success(), "exits non-zero: {}", run_text(world));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_else(|| panic!("an error line: {stderr}"));
    assert!(error.contains(&named), "{error}");
}

#[then("nothing in the fleet changed")]
async fn nothing_changed(world: &mut CharterWorld) {
    let before = world.fleet.before.clone().expect("a snapshot");
    assert_eq!(world.fleet_snapshot().await, before);
}

impl CharterWorld {
    /// The fleet's state, counted: control-plane rows, and per reachable
    /// database its ledgers, tenants and rows.
    async fn fleet_snapshot(&mut self) -> Vec<(String, i64)> {
        let deployment = self.deployment().await;
        let control = connect_as_admin(&deployment.control_url).await;
        let mut snapshot = Vec::new();
        for table in ["tenants", "placements", "api_keys", "tenant_moves"] {
            let n: i64 =
                control.query_one(&format!("SELECT count(*) FROM control.{table}"), &[]).await.expect("count").get(0);
            snapshot.push((format!("control.{table}"), n));
        }
        for database in deployment.databases().await {
            let Ok((client, connection)) =
                database.admin_url.pg_config().expect("config").connect(tokio_postgres::NoTls).await
            else {
                continue;
            };
            tokio::spawn(connection);
            for (label, sql) in [
                ("ddl", "SELECT count(*) FROM charter.ddl_ledger"),
                ("dml", "SELECT count(*) FROM charter.dml_ledger"),
                ("tenants", "SELECT count(*) FROM charter.tenant"),
                ("entities", "SELECT count(*) FROM charter.legal_entity"),
                ("frozen", "SELECT count(*) FROM charter.tenant WHERE write_frozen"),
                ("columns", "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'charter'"),
            ] {
                let n: i64 = client.query_one(sql, &[]).await.expect(sql).get(0);
                snapshot.push((format!("{} {label}", database.name), n));
            }
        }
        snapshot
    }
}

#[when(
    regex = r#"^"charter migrate apply" is killed with SIGKILL at a random moment, (\d+) times in a row, and then run to completion$"#
)]
async fn killed_repeatedly(world: &mut CharterWorld, times: usize) {
    let dir = world.fleet.migrations.clone().expect("migrations").display().to_string();
    let databases = world.deployment().await.databases().await;
    let mut ledgers = Vec::new();
    for database in &databases {
        ledgers.push(connect_as_admin(&database.admin_url).await);
    }
    let total: i64 = 3_002;
    let random = |bound: u64| (uuid::Uuid::new_v4().as_u128() % u128::from(bound.max(1))) as u64;
    for round in 0..times {
        let mut child = world
            .deployment()
            .await
            .charter_command(&["--migrations", &dir, "migrate", "apply", "--jobs", "3"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let applied = migrated(&ledgers).await;
        if round % 4 == 0 {
            // Early: while connecting, locking or running DDL.
            tokio::time::sleep(Duration::from_millis(random(150))).await;
        } else {
            // Mid-DML: once a random share of the remaining tenants is done.
            let target =
                applied + i64::try_from(random(u64::try_from((total - applied) / 3).unwrap_or(0))).unwrap_or(0);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            while migrated(&ledgers).await < target && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let pid = child.id().map(|p| p as i32);
        if let Some(pid) = pid {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        let _ = child.wait().await;
        world.fleet.kills.push(migrated(&ledgers).await);
    }
    let output = world.run_charter("charter migrate apply").await;
    assert!(output.status.success(), "the final run completes: {}", String::from_utf8_lossy(&output.stdout));
    // The kills landed at different points of the work, not all after it.
    let kills = &world.fleet.kills;
    assert!(kills.iter().filter(|n| **n < total).count() >= times / 2, "tenants migrated at each kill: {kills:?}");
    world.fleet.run = Some(output);
}

/// Tenants that have applied any DML, over every database.
async fn migrated(ledgers: &[tokio_postgres::Client]) -> i64 {
    let mut total = 0;
    for ledger in ledgers {
        total += ledger
            .query_one("SELECT count(*) FROM charter.dml_ledger WHERE version = 901", &[])
            .await
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(0);
    }
    total
}

fn run_text(world: &CharterWorld) -> String {
    let output = world.fleet.run.as_ref().expect("a run");
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[then(regex = r"^each of the (\d+) databases records the DDL exactly once$")]
async fn ddl_once(world: &mut CharterWorld, databases: usize) {
    let output = world.fleet.run.as_ref().expect("a run");
    assert!(output.status.success(), "{}", run_text(world));
    let all = world.deployment().await.databases().await;
    assert_eq!(all.len(), databases);
    for database in all {
        let admin = connect_as_admin(&database.admin_url).await;
        let recorded: i64 = admin
            .query_one("SELECT count(*) FROM charter.ddl_ledger WHERE version = 901", &[])
            .await
            .expect("ledger")
            .get(0);
        assert_eq!(recorded, 1, "{}", database.name);
        let column: i64 = admin
            .query_one(
                "SELECT count(*) FROM information_schema.columns
                  WHERE table_schema = 'charter' AND table_name = 'legal_entity' AND column_name = 'migration_mark'",
                &[],
            )
            .await
            .expect("catalogue")
            .get(0);
        assert_eq!(column, 1, "{}", database.name);
    }
}

#[then(regex = r"^each of the ([\d,]+) tenants records the DML exactly once$")]
async fn dml_once(world: &mut CharterWorld, tenants: String) {
    let tenants: i64 = tenants.replace(',', "").parse().expect("a number");
    assert_eq!(world.sum_over_databases("SELECT count(*) FROM charter.tenant").await, tenants);
    assert_eq!(world.sum_over_databases("SELECT count(*) FROM charter.dml_ledger WHERE version = 901").await, tenants);
}

#[then("each tenant's rows were filled by its own DML only")]
async fn filled_by_own(world: &mut CharterWorld) {
    let wrong = world
        .sum_over_databases(
            "SELECT count(*) FROM charter.legal_entity e JOIN charter.tenant t ON t.tenant_id = e.tenant_id
              WHERE e.migration_mark IS DISTINCT FROM t.slug || ':'",
        )
        .await;
    assert_eq!(wrong, 0, "rows not marked exactly once, by their own tenant");
    let marked = world.sum_over_databases("SELECT count(*) FROM charter.legal_entity").await;
    assert_eq!(marked, 3_002 * ENTITIES_PER_TENANT as i64);
}

#[then("every tenant is at the latest version and no DML took effect twice")]
async fn latest_and_once(world: &mut CharterWorld) {
    let tenants = world.sum_over_databases("SELECT count(*) FROM charter.tenant").await;
    assert_eq!(world.sum_over_databases("SELECT count(*) FROM charter.dml_ledger WHERE version = 901").await, tenants);
    assert_eq!(world.sum_over_databases("SELECT count(*) FROM charter.ddl_ledger WHERE version = 901").await, 5);
    filled_by_own(world).await;
    // And `status` agrees: every tenant of every database at DML 0001.
    let status = world.run_charter("charter migrate status --json").await;
    let databases: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    for database in databases.as_array().expect("databases") {
        assert_eq!(database["ddl_version"], 901, "{database}");
        let histogram = database["dml_histogram"].as_object().expect("histogram");
        assert_eq!(histogram.keys().collect::<Vec<_>>(), ["901"], "{database}");
    }
}

#[then("no advisory lock is left held")]
async fn no_lock_left(world: &mut CharterWorld) {
    for database in world.deployment().await.databases().await {
        let admin = AdminConnection::connect(&database.admin_url).await.expect("connect");
        assert_eq!(admin.advisory_locks_held().await.expect("locks"), 0, "{}", database.name);
    }
}

#[then("it reports that tenant with its error and exits non-zero")]
async fn reports_failing_tenant(world: &mut CharterWorld) {
    let output = world.fleet.run.as_ref().expect("a run");
    assert!(!output.status.success(), "exits non-zero");
    let text = run_text(world);
    let slug = world.fleet.failing.clone().expect("failing tenant");
    assert!(text.contains(&format!("FAILED tenant {slug}")), "{text}");
    assert!(text.contains(&format!("cannot convert the data of {slug}")), "{text}");
}

#[then("every other tenant is migrated")]
async fn others_migrated(world: &mut CharterWorld) {
    let tenants = world.sum_over_databases("SELECT count(*) FROM charter.tenant").await;
    let migrated = world.sum_over_databases("SELECT count(*) FROM charter.dml_ledger WHERE version = 901").await;
    assert_eq!(migrated, tenants - 1);
    let slug = world.fleet.failing.clone().expect("failing tenant");
    let failing = world
        .sum_over_databases(&format!(
            "SELECT count(*) FROM charter.dml_ledger l JOIN charter.tenant t USING (tenant_id)
              WHERE t.slug = '{slug}' AND l.version = 901"
        ))
        .await;
    assert_eq!(failing, 0, "the failing tenant's DML was rolled back");
}

#[then("it exits non-zero naming 0002 and the checksum mismatch")]
async fn refused_edit(world: &mut CharterWorld) {
    let output = world.fleet.run.as_ref().expect("a run");
    assert!(!output.status.success(), "exits non-zero");
    let text = run_text(world);
    assert!(text.contains("0002_fleet") && text.contains("checksum mismatch"), "{text}");
}

#[then("the contract DDL is not applied to that database")]
async fn contract_not_applied(world: &mut CharterWorld) {
    let slug = world.fleet.failing.clone().expect("failing tenant");
    let mut waited = 0;
    for database in world.deployment().await.databases().await {
        let admin = connect_as_admin(&database.admin_url).await;
        let holds_failing: i64 = admin
            .query_one("SELECT count(*) FROM charter.tenant WHERE slug = $1", &[&slug])
            .await
            .expect("tenant")
            .get(0);
        let contract: i64 = admin
            .query_one("SELECT count(*) FROM charter.ddl_ledger WHERE version = 902", &[])
            .await
            .expect("ledger")
            .get(0);
        // Where every tenant applied the DML the contract ran; where one did not, it waits.
        assert_eq!(contract, 1 - holds_failing, "{}", database.name);
        waited += holds_failing;
    }
    assert_eq!(waited, 1);
    let text = run_text(world);
    assert!(text.contains("0902_require_migration_mark waits"), "{text}");
}
