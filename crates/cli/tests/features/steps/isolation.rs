//! Feature: Tenant isolation in a shared database.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use charter_storage::lint::GLOBAL_TABLES;
use cucumber::{given, then, when};
use futures::{StreamExt, stream};
use serde_json::{Value, json};
use tokio_postgres::error::SqlState;

use super::CharterWorld;
use crate::support::{Server, connect_as_admin, connect_as_app};

#[derive(Default)]
pub struct State {
    /// A connection as the application role, possibly inside a transaction.
    app: Option<tokio_postgres::Client>,
    /// Tenant ids seen per tenant table by the unfiltered reads.
    seen: HashMap<String, Vec<uuid::Uuid>>,
    leaks: Option<LeakReport>,
}

impl State {
    pub fn teardown(&mut self) {
        self.app = None;
    }
}

/// What the concurrent run saw.
#[derive(Debug, Default)]
struct LeakReport {
    requests: usize,
    verified: usize,
    cancelled: usize,
    violations: Vec<String>,
    /// Connections of the pool at the end of the run.
    pool_size: usize,
    /// Application-role sessions left inside a transaction after the run.
    idle_in_transaction: i64,
}

/// Every tenant-owned table of the data plane (all but the declared globals).
async fn tenant_tables(client: &tokio_postgres::Client) -> Vec<String> {
    let rows = client
        .query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND n.nspname = 'charter' ORDER BY 1",
            &[],
        )
        .await
        .expect("catalogue");
    let tables: Vec<String> =
        rows.iter().map(|r| r.get::<_, String>(0)).filter(|t| !GLOBAL_TABLES.contains(&t.as_str())).collect();
    assert!(tables.len() >= 3, "expected the tenant tables, found {tables:?}");
    tables
}

impl CharterWorld {
    async fn tenant_id(&mut self, slug: &str) -> uuid::Uuid {
        self.deployment().await.tenant_database(slug).await.0
    }

    async fn shared_database(&mut self, slug: &str) -> charter_storage::DbUrl {
        self.deployment().await.tenant_database(slug).await.1
    }

    /// One row of `tenant`'s in `table` as JSON (as the superuser sees it), or
    /// a row holding only its tenant_id if the table has none of its rows.
    async fn sample_row(&mut self, table: &str, tenant: uuid::Uuid, database: &charter_storage::DbUrl) -> Value {
        let admin = connect_as_admin(database).await;
        let row = admin
            .query_opt(&format!("SELECT row_to_json(t)::text FROM {table} t WHERE tenant_id = $1 LIMIT 1"), &[&tenant])
            .await
            .expect("sample row");
        match row {
            Some(row) => serde_json::from_str(&row.get::<_, String>(0)).expect("json row"),
            None => json!({ "tenant_id": tenant }),
        }
    }
}

#[given("both tenants live in the same shared database")]
async fn same_shared_database(world: &mut CharterWorld) {
    let deployment = world.deployment().await;
    let (_, acme) = deployment.tenant_database("acme").await;
    let (_, globex) = deployment.tenant_database("globex").await;
    assert_eq!(acme.database(), globex.database());
    let databases = deployment.fleet.control().list_databases().await.expect("databases");
    let database = databases.iter().find(|d| d.admin_url.database() == acme.database()).expect("registered");
    assert_eq!(database.kind.as_str(), "shared");
}

#[given(expr = "{string} has a legal entity {string}")]
async fn has_entity(world: &mut CharterWorld, slug: String, legal_name: String) {
    let key = world.key_of(&slug);
    let id = world.deployment().await.create_entity(&slug, &key, &legal_name).await;
    world.entities.insert(legal_name, (slug, id));
}

#[when(regex = r#"^"([^"]+)"'s key lists the entities of tenant "([^"]+)"$"#)]
async fn key_lists_entities(world: &mut CharterWorld, caller: String, tenant: String) {
    let key = world.key_of(&caller);
    let response = world
        .deployment()
        .await
        .send(reqwest::Method::GET, &format!("/api/v1/tenants/{tenant}/entities"), &key, None)
        .await;
    world.responses.push(response);
}

#[then("the response status is 403 or 404")]
async fn status_403_or_404(world: &mut CharterWorld) {
    let (status, body) = world.last();
    assert!(*status == 403 || *status == 404, "{status} {body}");
}

#[then("the body contains no entity data")]
async fn no_entity_data(world: &mut CharterWorld) {
    let (_, body) = world.last();
    let text = body.to_string();
    assert!(body.get("items").is_none(), "{text}");
    assert!(!text.contains("legal_name"), "{text}");
    for (name, (_, id)) in &world.entities {
        assert!(!text.contains(name.as_str()) && !text.contains(id.as_str()), "{text} reveals {name}");
    }
}

#[when(regex = r#"^"([^"]+)"'s key requests the id of "([^"]+)" under tenant "([^"]+)"$"#)]
async fn key_requests_foreign_id(world: &mut CharterWorld, caller: String, legal_name: String, tenant: String) {
    let key = world.key_of(&caller);
    let (_, id) = world.entities.get(&legal_name).expect("known entity").clone();
    let path = format!("/api/v1/tenants/{tenant}/entities/{id}");
    let response = world.deployment().await.send(reqwest::Method::GET, &path, &key, None).await;
    world.responses.push(response);
}

#[given(expr = "a connection as the application role with tenant {string} set for the transaction")]
async fn app_connection_with_tenant(world: &mut CharterWorld, slug: String) {
    let tenant = world.tenant_id(&slug).await;
    let database = world.shared_database(&slug).await;
    let client = connect_as_app(&database, &world.deployment().await.fleet).await;
    client.batch_execute(&format!("BEGIN; SET LOCAL charter.tenant_id = '{tenant}'")).await.expect("set tenant");
    world.isolation.app = Some(client);
}

#[when("it counts the rows of every tenant table without any filter")]
async fn count_every_table(world: &mut CharterWorld) {
    let client = world.isolation.app.as_ref().expect("connection");
    let mut seen = HashMap::new();
    for table in tenant_tables(client).await {
        let rows = client.query(&format!("SELECT tenant_id FROM {table}"), &[]).await.expect("unfiltered read");
        seen.insert(table, rows.iter().map(|r| r.get(0)).collect());
    }
    world.isolation.seen = seen;
}

#[then(expr = "it counts no row of {string}")]
async fn counts_no_row_of(world: &mut CharterWorld, slug: String) {
    let other = world.tenant_id(&slug).await;
    let own = world.tenant_id("globex").await;
    for (table, tenants) in &world.isolation.seen {
        assert!(!tenants.contains(&other), "{table} shows a row of {slug}");
        assert!(tenants.iter().all(|t| *t == own), "{table} shows a row of another tenant");
    }
    // The reads did see the transaction's own tenant: the filter is not just "nothing".
    assert!(world.isolation.seen["charter.tenant"].contains(&own), "the tenant's own row is visible");
}

#[then(regex = r#"^an UPDATE or DELETE of "([^"]+)"'s rows affects 0 rows$"#)]
async fn update_delete_affect_nothing(world: &mut CharterWorld, slug: String) {
    let other = world.tenant_id(&slug).await;
    let database = world.shared_database(&slug).await;
    let client = world.isolation.app.as_ref().expect("connection");
    for table in tenant_tables(client).await {
        let updated = client
            .execute(&format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1"), &[&other])
            .await
            .expect("update runs");
        assert_eq!(updated, 0, "UPDATE of {table}");
        let deleted =
            client.execute(&format!("DELETE FROM {table} WHERE tenant_id = $1"), &[&other]).await.expect("delete runs");
        assert_eq!(deleted, 0, "DELETE of {table}");
    }
    // The rows are still there, as the superuser sees.
    let admin = connect_as_admin(&database).await;
    let kept: i64 = admin
        .query_one("SELECT count(*) FROM charter.legal_entity WHERE tenant_id = $1", &[&other])
        .await
        .expect("count")
        .get(0);
    assert!(kept >= 1);
}

/// An INSERT of one row given as a JSON object into `table`, naming every
/// column PostgreSQL lets one write (not the generated ones).
async fn insert_statement(client: &tokio_postgres::Client, table: &str) -> String {
    let columns: String = client
        .query_one(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_catalog.pg_attribute
              WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
            &[&table],
        )
        .await
        .expect("columns")
        .get(0);
    format!("INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_record(NULL::{table}, $1::text::json)")
}

#[then(regex = r#"^an INSERT carrying "([^"]+)"'s tenant_id is rejected$"#)]
async fn insert_rejected(world: &mut CharterWorld, slug: String) {
    let other = world.tenant_id(&slug).await;
    let database = world.shared_database(&slug).await;
    let tables = tenant_tables(world.isolation.app.as_ref().expect("connection")).await;
    for table in tables {
        let row = world.sample_row(&table, other, &database).await;
        let client = world.isolation.app.as_ref().expect("connection");
        client.batch_execute("SAVEPOINT probe").await.expect("savepoint");
        let outcome = client.execute(&insert_statement(client, &table).await, &[&row.to_string()]).await;
        let error = outcome.expect_err(&format!("INSERT into {table} with another tenant's id must fail"));
        assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{table}: {error}");
        client.batch_execute("ROLLBACK TO SAVEPOINT probe").await.expect("rollback to savepoint");
    }
}

#[given("a connection as the application role with no tenant set")]
async fn app_connection_without_tenant(world: &mut CharterWorld) {
    let database = world.shared_database("acme").await;
    let client = connect_as_app(&database, &world.deployment().await.fleet).await;
    // A transaction-local tenant that has ended must leave nothing behind.
    let globex = world.tenant_id("globex").await;
    client.batch_execute(&format!("BEGIN; SET LOCAL charter.tenant_id = '{globex}'; COMMIT")).await.expect("tx");
    world.isolation.app = Some(client);
}

#[then("every tenant table reads as empty and every insert is rejected")]
async fn everything_empty(world: &mut CharterWorld) {
    let acme = world.tenant_id("acme").await;
    let database = world.shared_database("acme").await;
    let admin = connect_as_admin(&database).await;
    let tables = tenant_tables(world.isolation.app.as_ref().expect("connection")).await;
    let mut populated = 0;
    for table in tables {
        let client = world.isolation.app.as_ref().expect("connection");
        let visible: i64 = client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.expect("count").get(0);
        assert_eq!(visible, 0, "{table} shows rows with no tenant set");
        let present: i64 = admin.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.expect("count").get(0);
        populated += usize::from(present > 0);
        let row = world.sample_row(&table, acme, &database).await;
        let client = world.isolation.app.as_ref().expect("connection");
        let error = client
            .execute(&insert_statement(client, &table).await, &[&row.to_string()])
            .await
            .expect_err("insert without a tenant must fail");
        assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{table}: {error}");
    }
    assert!(populated >= 2, "the tables hold rows, which the application role must not see");
}

const TENANTS: usize = 50;
const ENTITIES_PER_TENANT: usize = 3;
const CONCURRENCY: usize = 64;

#[when(regex = r"^([\d,]+) requests for (\d+) tenants run concurrently through a pool of (\d+) connections$")]
async fn concurrent_requests(world: &mut CharterWorld, requests: String, tenants: usize, pool: usize) {
    let requests: usize = requests.replace(',', "").parse().expect("count");
    assert_eq!(tenants, TENANTS);
    // Fifty tenants in the same shared database, three entities each.
    let mut slugs = vec!["acme".to_owned(), "globex".to_owned()];
    slugs.extend((slugs.len()..tenants).map(|i| format!("tenant-{i:02}")));
    let mut owned: HashMap<String, Vec<String>> = HashMap::new();
    for slug in &slugs {
        if !world.keys.contains_key(slug) {
            world.onboard(slug, "shared").await;
        }
        let key = world.key_of(slug);
        let deployment = world.deployment().await;
        for k in 0..ENTITIES_PER_TENANT {
            let id = deployment.create_entity(slug, &key, &format!("{slug} entity {k}")).await;
            owned.entry(slug.clone()).or_default().push(id);
        }
    }
    let database = world.shared_database("acme").await;
    for slug in &slugs {
        assert_eq!(world.shared_database(slug).await, database, "all tenants share one database");
    }
    // A second server over the same control plane, whose pool for that
    // database holds at most `pool` connections.
    let deployment = world.deployment().await;
    let fleet = deployment.another_fleet(pool).await;
    let server = Server::start(fleet.clone()).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().expect("client");
    let keys: Vec<(String, String)> = slugs.iter().map(|s| (s.clone(), world.key_of(s))).collect();
    let report = Arc::new(Mutex::new(LeakReport { requests, ..LeakReport::default() }));
    // Names each tenant owns: three per tenant, the Background's entity, and
    // whatever it writes during the run ("<slug> written <n>").
    let mut names: HashMap<String, HashSet<String>> = slugs
        .iter()
        .map(|s| (s.clone(), (0..ENTITIES_PER_TENANT).map(|k| format!("{s} entity {k}")).collect()))
        .collect();
    for (name, (slug, id)) in &world.entities {
        names.get_mut(slug).expect("known tenant").insert(name.clone());
        owned.get_mut(slug).expect("known tenant").push(id.clone());
    }
    let names = Arc::new(names);
    let all_ids: Vec<(String, String)> =
        owned.iter().flat_map(|(slug, ids)| ids.iter().map(move |id| (slug.clone(), id.clone()))).collect();
    stream::iter(0..requests)
        .for_each_concurrent(CONCURRENCY, |i| {
            let (slug, key) = keys[i % keys.len()].clone();
            let own_ids = owned[&slug].clone();
            let foreign = all_ids[(i * 7) % all_ids.len()].clone();
            let (base, http, report, names) = (server.base.clone(), http.clone(), report.clone(), names.clone());
            async move {
                let belongs = |item: &Value| {
                    item["legal_name"]
                        .as_str()
                        .is_some_and(|n| names[&slug].contains(n) || n.starts_with(&format!("{slug} written ")))
                };
                let outcome = one_request(&http, &base, &slug, &key, i, &own_ids, &foreign, belongs).await;
                let mut report = report.lock().expect("report");
                match outcome {
                    Outcome::Verified => report.verified += 1,
                    Outcome::Cancelled => report.cancelled += 1,
                    Outcome::Violation(v) => report.violations.push(v),
                }
            }
        })
        .await;
    server.stop().await;
    // Give abandoned transactions' rollbacks a moment, then look at the
    // application role's sessions: none may sit inside a transaction.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let admin = connect_as_admin(&database).await;
    let idle_in_transaction: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'charter_app' AND state LIKE 'idle in transaction%'",
            &[],
        )
        .await
        .expect("activity")
        .get(0);
    let mut report = Arc::try_unwrap(report).expect("run finished").into_inner().expect("report");
    report.idle_in_transaction = idle_in_transaction;
    report.pool_size = fleet.data().pool_status().iter().map(|(_, busy, idle)| busy + idle).max().unwrap_or(0);
    world.isolation.leaks = Some(report);
}

enum Outcome {
    Verified,
    Cancelled,
    Violation(String),
}

/// One request of the storm; a mix of reads, writes, probes of another
/// tenant's ids, and requests abandoned half-way by the client.
#[allow(clippy::too_many_arguments)]
async fn one_request(
    http: &reqwest::Client,
    base: &str,
    slug: &str,
    key: &str,
    i: usize,
    own_ids: &[String],
    foreign: &(String, String),
    belongs: impl Fn(&Value) -> bool,
) -> Outcome {
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(key);
    match i % 20 {
        // Abandoned by the client mid-request: the server drops the handler
        // and must roll the transaction back before reusing the connection.
        0 => {
            let _ = get(format!("/api/v1/tenants/{slug}/entities")).timeout(Duration::from_micros(500)).send().await;
            Outcome::Cancelled
        }
        // Another tenant's id through one's own tenant: never found.
        1 | 2 => {
            let (owner, id) = foreign;
            let response = get(format!("/api/v1/tenants/{slug}/entities/{id}")).send().await;
            match response.map(|r| r.status().as_u16()) {
                Ok(404) if owner != slug => Outcome::Verified,
                Ok(200) if owner == slug => Outcome::Verified,
                other => Outcome::Violation(format!("{slug} asked for {owner}'s entity {id}: {other:?}")),
            }
        }
        3 => {
            let response = http
                .post(format!("{base}/api/v1/tenants/{slug}/entities"))
                .bearer_auth(key)
                .json(&json!({ "legal_name": format!("{slug} written {i}"), "jurisdiction": "GB" }))
                .send()
                .await;
            match response {
                Ok(r) if r.status().as_u16() == 201 => match r.json::<Value>().await {
                    Ok(body) if belongs(&body) => Outcome::Verified,
                    other => Outcome::Violation(format!("{slug} created {other:?}")),
                },
                other => Outcome::Violation(format!("{slug} create: {:?}", other.map(|r| r.status()))),
            }
        }
        4..=8 => {
            let id = &own_ids[i % own_ids.len()];
            match get(format!("/api/v1/tenants/{slug}/entities/{id}")).send().await {
                Ok(r) if r.status().as_u16() == 200 => match r.json::<Value>().await {
                    Ok(body) if belongs(&body) && body["id"] == id.as_str() => Outcome::Verified,
                    other => Outcome::Violation(format!("{slug} got {other:?}")),
                },
                other => Outcome::Violation(format!("{slug} get: {:?}", other.map(|r| r.status()))),
            }
        }
        _ => match get(format!("/api/v1/tenants/{slug}/entities?limit=200")).send().await {
            Ok(r) if r.status().as_u16() == 200 => match r.json::<Value>().await {
                Ok(body) => {
                    let items = body["items"].as_array().cloned().unwrap_or_default();
                    let strangers: HashSet<String> =
                        items.iter().filter(|item| !belongs(item)).map(|item| item.to_string()).collect();
                    if items.len() >= ENTITIES_PER_TENANT && strangers.is_empty() {
                        Outcome::Verified
                    } else {
                        Outcome::Violation(format!("{slug} listed {} items, strangers {strangers:?}", items.len()))
                    }
                }
                Err(e) => Outcome::Violation(format!("{slug} list body: {e}")),
            },
            other => Outcome::Violation(format!("{slug} list: {:?}", other.map(|r| r.status()))),
        },
    }
}

#[then("every response holds only rows of the caller's tenant")]
async fn no_leak(world: &mut CharterWorld) {
    let report = world.isolation.leaks.as_ref().expect("the run happened");
    assert!(
        report.violations.is_empty(),
        "{} violations, first: {:?}",
        report.violations.len(),
        &report.violations[..report.violations.len().min(5)]
    );
    assert_eq!(report.verified + report.cancelled, report.requests, "{report:?}");
    assert!(report.verified >= report.requests * 9 / 10, "{report:?}");
    assert!(report.pool_size <= 4, "the pool grew beyond 4 connections: {report:?}");
    assert_eq!(report.idle_in_transaction, 0, "a connection was left inside a transaction: {report:?}");
}
