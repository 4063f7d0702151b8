//! Feature: Running Charter with the embedded default.

use std::{path::PathBuf, process::Stdio, time::Duration};

use cucumber::{given, then, when};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use super::CharterWorld;

#[derive(Default)]
pub struct State {
    data_dir: Option<PathBuf>,
    child: Option<Child>,
    base: Option<String>,
    key: Option<String>,
    exit: Option<std::process::ExitStatus>,
}

impl State {
    pub async fn teardown(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        if let Some(dir) = self.data_dir.take() {
            // If the demo died without stopping its cluster, stop it here.
            let pgdata = dir.join("pgdata");
            if pgdata.join("postmaster.pid").exists() {
                let _ = Command::new("runuser")
                    .args(["-u", "postgres", "--", "sh", "-c"])
                    .arg(format!(
                        "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl stop -m immediate -D {}",
                        pgdata.display()
                    ))
                    .status()
                    .await;
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[given("an empty data directory and no database URL")]
async fn empty_data_dir(world: &mut CharterWorld) {
    let dir =
        std::env::temp_dir().join(format!("charter-demo-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    world.running.data_dir = Some(dir);
}

#[when(regex = r#"^"charter demo" starts( again on the same data directory)?$"#)]
async fn demo_starts(world: &mut CharterWorld, _again: String) {
    let dir = world.running.data_dir.clone().expect("data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("CHARTER_DATABASE_URL")
        .env("CHARTER_DATA_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start charter demo");
    let stdout = child.stdout.take().expect("stdout");
    world.running.child = Some(child);
    let mut lines = BufReader::new(stdout).lines();
    let read = async {
        let (mut base, mut key) = (None, None);
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(rest) = line.split("Charter demo is running at ").nth(1) {
                base = Some(rest.trim().to_owned());
            }
            if let Some(rest) = line.split("Platform admin key (shown once): ").nth(1) {
                key = Some(rest.trim().to_owned());
            }
            if base.is_some() && key.is_some() {
                break;
            }
        }
        (base, key)
    };
    let (base, key) = tokio::time::timeout(Duration::from_secs(180), read).await.expect("demo starts within 3 minutes");
    world.running.base = base;
    world.running.key = key;
    // Keep draining stdout so the demo never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
}

#[then("it prints the URL and a platform admin key")]
async fn prints_url_and_key(world: &mut CharterWorld) {
    let base = world.running.base.as_deref().expect("URL printed");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let key = world.running.key.as_deref().expect("key printed");
    assert!(key.starts_with("chk_") && key.len() == 47, "{key}");
}

#[then("the API lists the demo tenants with that key")]
async fn lists_demo_tenants(world: &mut CharterWorld) {
    let (base, key) = (world.running.base.clone().expect("url"), world.running.key.clone().expect("key"));
    let http = reqwest::Client::new();
    let tenants: serde_json::Value = http
        .get(format!("{base}/api/v1/tenants"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let slugs: Vec<&str> =
        tenants["items"].as_array().expect("items").iter().filter_map(|t| t["slug"].as_str()).collect();
    for demo in ["acme", "globex", "umbrella"] {
        assert!(slugs.contains(&demo), "{slugs:?}");
    }
    let entities: serde_json::Value = http
        .get(format!("{base}/api/v1/tenants/acme/entities"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(!entities["items"].as_array().expect("items").is_empty(), "{entities}");
}

/// A demo tenant's API, as the key the demo printed.
struct Demo {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Demo {
    fn of(world: &CharterWorld, tenant: &str) -> Self {
        let base = world.running.base.clone().expect("url");
        Self {
            base: format!("{base}/api/v1/tenants/{tenant}"),
            key: world.running.key.clone().expect("key"),
            http: reqwest::Client::new(),
        }
    }

    /// GETs a path of the tenant, which must answer 200 with JSON.
    async fn get(&self, path: String) -> serde_json::Value {
        let response = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await.expect("GET");
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.expect("json")
    }
}

#[then("the demo's entities have histories, officers and custom fields")]
async fn demo_register(world: &mut CharterWorld) {
    let demo = Demo::of(world, "acme");
    let get = |path: String| demo.get(path);
    let entities = get("/entities?limit=100".into()).await;
    let entities = entities["items"].as_array().expect("items").clone();
    assert!(
        entities.iter().any(|e| e["custom_fields"].as_object().is_some_and(|f| !f.is_empty())),
        "no entity has custom fields: {entities:?}"
    );
    let mut changed = 0;
    for entity in &entities {
        let history = get(format!("/entities/{}/history", entity["id"].as_str().expect("id"))).await;
        let facts = history["facts"].as_object().expect("facts");
        changed += usize::from(facts.values().any(|versions| versions.as_array().is_some_and(|v| v.len() > 1)));
    }
    assert!(changed >= 2, "entities with a changed fact: {changed}");
    let appointments = get("/appointments?limit=100".into()).await;
    let appointments = appointments["items"].as_array().expect("items");
    assert!(appointments.len() >= 3, "officers: {appointments:?}");
}

#[then("the demo's group has share registers and effective owners")]
async fn demo_shares(world: &mut CharterWorld) {
    let demo = Demo::of(world, "acme");
    let get = |path: String| demo.get(path);
    let entities = get("/entities?limit=100".into()).await;
    let (mut registers, mut owned_through_chains) = (0, 0);
    for entity in entities["items"].as_array().expect("items") {
        let id = entity["id"].as_str().expect("id");
        let register = get(format!("/entities/{id}/register")).await;
        registers += usize::from(!register["items"].as_array().expect("items").is_empty());
        let owners = get(format!("/entities/{id}/effective-ownership")).await;
        let persons: f64 = owners["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|o| o["holder"]["person_id"].is_string() && o["direct"] == 0.0)
            .map(|o| o["effective"].as_f64().unwrap_or(0.0))
            .sum();
        owned_through_chains += usize::from(persons > 0.0);
    }
    assert!(registers >= 4, "entities with a register of members: {registers}");
    let mut reversals = 0;
    for entity in entities["items"].as_array().expect("items") {
        let ledger = get(format!("/entities/{}/share-transactions", entity["id"].as_str().expect("id"))).await;
        reversals += ledger.as_array().expect("transactions").iter().filter(|t| t["kind"] == "reversal").count();
    }
    assert_eq!(reversals, 1, "the demo's ledger shows a correction");
    let mut raised = 0;
    for entity in entities["items"].as_array().expect("items") {
        let classes = get(format!("/entities/{}/share-classes", entity["id"].as_str().expect("id"))).await;
        raised += classes
            .as_array()
            .expect("classes")
            .iter()
            .filter(|c| c["authorised_history"].as_array().is_some_and(|h| h.len() > 1))
            .count();
    }
    assert_eq!(raised, 1, "the demo shows a class whose authorised capital was raised");
    assert!(owned_through_chains >= 2, "entities owned by persons through chains: {owned_through_chains}");
}

#[then("the demo includes Shell plc's group imported from GLEIF")]
async fn demo_gleif(world: &mut CharterWorld) {
    let demo = Demo::of(world, "globex");
    let get = |path: String| demo.get(path);
    let found = get("/entities?q=21380068P1DRHMJ8KU70".into()).await;
    let shell = found["items"].as_array().and_then(|i| i.first()).cloned().expect("Shell plc");
    assert_eq!(shell["legal_name"], "SHELL PLC", "{shell}");
    let id = shell["id"].as_str().expect("id");
    let chart = get(format!("/entities/{id}/structure?up=0&down=1")).await;
    let children = chart["links"].as_array().expect("links").iter().filter(|l| l["from"] == id).count();
    assert!(children >= 10, "Shell's consolidated children in the chart: {chart}");
}

#[then(expr = "{string} reports the control plane and every database ready")]
async fn ready(world: &mut CharterWorld, path: String) {
    let base = world.running.base.clone().expect("url");
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    let checks = body["checks"].as_array().expect("checks");
    assert!(checks.len() >= 3, "control plane, shared and dedicated databases: {body}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{body}");
}

#[when("it is stopped with SIGTERM")]
async fn sigterm(world: &mut CharterWorld) {
    let mut child = world.running.child.take().expect("running");
    let pid = child.id().expect("pid");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGTERM).expect("signal");
    let status =
        tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("exits in time").expect("wait");
    world.running.exit = Some(status);
}

#[then("it exits cleanly and its PostgreSQL cluster is stopped")]
async fn exits_cleanly(world: &mut CharterWorld) {
    let status = world.running.exit.expect("exited");
    assert!(status.success(), "{status}");
    let pgdata = world.running.data_dir.as_ref().expect("dir").join("pgdata");
    assert!(pgdata.join("PG_VERSION").exists(), "the cluster was made in the data directory");
    assert!(!pgdata.join("postmaster.pid").exists(), "the cluster still runs");
}
