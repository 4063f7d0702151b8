//! `charter bench`: the measurements behind docs/benchmarks.md.
//! `scripts/bench-foundation.sh` runs them beside pgbench and wrk.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use charter_domain::{
    access::TenantGrant,
    ids::EntityId,
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_fleet::OnboardRequest;
use charter_storage::data::TxOptions;
use clap::Subcommand;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::{GlobalArgs, environment, output, seed::entity_facts};

mod gleif;
mod ownership;
mod register;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Onboards tenants one after another through the HTTP API and reports
    /// the time of each request (median, p95).
    Onboarding {
        /// Base URL of a running `charter serve`.
        #[arg(long)]
        api: String,
        /// A platform-admin key.
        #[arg(long, env = "CHARTER_KEY", hide_env_values = true)]
        key: String,
        /// Shared tenants to onboard.
        #[arg(long, default_value_t = 200)]
        shared: usize,
        /// Dedicated tenants to onboard (each creates a database).
        #[arg(long, default_value_t = 5)]
        dedicated: usize,
        #[arg(long)]
        json: bool,
    },
    /// Builds a fleet for migration benchmarks: D shared databases (the
    /// first is the one bootstrap made) and N shared tenants spread over
    /// them, each with E entities. Tenants are unmetered.
    Populate {
        #[arg(long, default_value_t = 10_000)]
        tenants: usize,
        #[arg(long, default_value_t = 1)]
        databases: usize,
        #[arg(long, default_value_t = 10)]
        entities: usize,
        /// Onboardings at a time.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value = "t")]
        prefix: String,
    },
    /// Loads the register benchmark's data into the first shared database:
    /// TENANTS tenants holding TOTAL entities with their histories, one of
    /// them BIG entities and one SMALL (bulk import, resumable per tenant).
    RegisterData {
        #[command(flatten)]
        layout: LayoutArgs,
        /// Tenants loading at a time.
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
    },
    /// Loads a group of ENTITIES entities with HOLDERS holdings each and one
    /// LEDGER-transaction share ledger into a new tenant, times effective
    /// ownership, beneficial owners, registers and a structure chart at the
    /// API, and a GLEIF import in-process.
    Ownership {
        #[arg(long)]
        api: String,
        #[arg(long, env = "CHARTER_KEY", hide_env_values = true)]
        key: String,
        #[arg(long, default_value_t = 10_000)]
        entities: u32,
        #[arg(long, default_value_t = 3)]
        holders: u32,
        #[arg(long, default_value_t = 50_000)]
        ledger: u32,
        #[arg(long, default_value_t = 20_000)]
        gleif_records: u32,
        /// Timed requests per probe.
        #[arg(long, default_value_t = 100)]
        requests: usize,
        #[arg(long)]
        json: bool,
    },
    /// Times GLEIF imports into a new tenant: RECORDS new records, the same
    /// again, then a delta where CHANGED_PCT % of them changed.
    Gleif {
        #[arg(long, default_value_t = 20_000)]
        records: u32,
        /// Records per hundred changed in the delta.
        #[arg(long, default_value_t = 5)]
        changed_pct: u32,
        /// Runs of the re-import and of the delta (their median is reported).
        #[arg(long, default_value_t = 5)]
        repeat: u32,
        #[arg(long)]
        json: bool,
    },
    /// Times list, search and get-by-id requests at the API, one at a time,
    /// for the big tenant, the small one and random ones.
    RegisterLatency {
        #[arg(long)]
        api: String,
        #[arg(long, env = "CHARTER_KEY", hide_env_values = true)]
        key: String,
        #[command(flatten)]
        layout: LayoutArgs,
        /// Timed requests per probe and tenant.
        #[arg(long, default_value_t = 400)]
        requests: usize,
        #[arg(long)]
        json: bool,
    },
    /// Onboards a shared tenant holding N entities with predictable ids
    /// (00000000-0000-7000-8000-<n as 12 hex digits>, n = 1..=N), for load
    /// generators that pick ids at random.
    Seed {
        #[arg(long)]
        slug: String,
        #[arg(long, default_value_t = 10_000)]
        entities: u32,
        #[arg(long)]
        json: bool,
    },
}

/// The register benchmark's layout (the same for loading and measuring).
#[derive(Debug, clap::Args)]
pub struct LayoutArgs {
    #[arg(long, default_value_t = 10_000)]
    tenants: u32,
    #[arg(long, default_value_t = 1_000_000)]
    total: u64,
    #[arg(long, default_value_t = 100_000)]
    big: u32,
    #[arg(long, default_value_t = 100)]
    small: u32,
    #[arg(long, default_value = "reg")]
    prefix: String,
}

impl LayoutArgs {
    fn layout(&self) -> register::Layout {
        register::Layout { tenants: self.tenants.max(2), total: self.total, big: self.big, small: self.small }
    }
}

pub async fn run(global: &GlobalArgs, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::RegisterData { layout, concurrency } => {
            let connected = environment::connect(global).await?;
            let result = register::load(&connected.fleet, layout.layout(), &layout.prefix, concurrency).await;
            connected.shutdown().await?;
            result
        }
        BenchCommand::RegisterLatency { api, key, layout, requests, json } => {
            register::measure(&api, &key, layout.layout(), &layout.prefix, requests, json).await
        }
        BenchCommand::Ownership { api, key, entities, holders, ledger, gleif_records, requests, json } => {
            let connected = environment::connect(global).await?;
            let sizes = ownership::Sizes { entities, holders_per_entity: holders, ledger, gleif_records };
            let result = ownership::run(&connected.fleet, &api, &key, sizes, requests, json).await;
            connected.shutdown().await?;
            result
        }
        BenchCommand::Gleif { records, changed_pct, repeat, json } => {
            let connected = environment::connect(global).await?;
            let result = gleif::run(&connected.fleet, records, changed_pct, repeat, json).await;
            connected.shutdown().await?;
            result
        }
        BenchCommand::Onboarding { api, key, shared, dedicated, json } => {
            onboarding(&api, &key, shared, dedicated, json).await
        }
        BenchCommand::Populate { tenants, databases, entities, concurrency, prefix } => {
            let connected = environment::connect(global).await?;
            let result = populate(&connected.fleet, tenants, databases, entities, concurrency, &prefix).await;
            connected.shutdown().await?;
            result
        }
        BenchCommand::Seed { slug, entities, json } => {
            let connected = environment::connect(global).await?;
            let result = seed(&connected.fleet, &slug, entities, json).await;
            connected.shutdown().await?;
            result
        }
    }
}

#[derive(Serialize)]
struct Timings {
    /// What was timed: a placement, a tenant.
    #[serde(rename = "placement")]
    label: &'static str,
    count: usize,
    median_ms: f64,
    p95_ms: f64,
    min_ms: f64,
    max_ms: f64,
}

impl Timings {
    fn of(label: &'static str, mut samples: Vec<Duration>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| ms(samples[((samples.len() as f64 - 1.0) * q).round() as usize]);
        Some(Self {
            label,
            count: samples.len(),
            median_ms: at(0.5),
            p95_ms: at(0.95),
            min_ms: ms(samples[0]),
            max_ms: ms(samples[samples.len() - 1]),
        })
    }
}

async fn onboarding(api: &str, key: &str, shared: usize, dedicated: usize, json: bool) -> Result<()> {
    let client = reqwest::Client::new();
    let run = uuid::Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    let mut results = Vec::new();
    for (placement, count) in [("shared", shared), ("dedicated", dedicated)] {
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let body = serde_json::json!({
                "slug": format!("bench-{run}-{}{i}", &placement[..1]),
                "name": format!("Benchmark tenant {i}"),
                "placement": placement,
            });
            let started = Instant::now();
            let response = client
                .post(format!("{api}/api/v1/tenants"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .context("onboarding request failed")?;
            let elapsed = started.elapsed();
            if response.status() != reqwest::StatusCode::CREATED {
                bail!("onboarding returned {}: {}", response.status(), response.text().await.unwrap_or_default());
            }
            samples.push(elapsed);
        }
        results.extend(Timings::of(placement, samples));
    }
    if json {
        return output::json(&results);
    }
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|t| {
            vec![
                t.label.to_owned(),
                t.count.to_string(),
                format!("{:.2}", t.median_ms),
                format!("{:.2}", t.p95_ms),
                format!("{:.2}", t.min_ms),
                format!("{:.2}", t.max_ms),
            ]
        })
        .collect();
    output::table(&["PLACEMENT", "TENANTS", "MEDIAN_MS", "P95_MS", "MIN_MS", "MAX_MS"], &rows);
    Ok(())
}

/// The predictable id of the n-th seeded entity.
pub fn seeded_entity_id(n: u32) -> EntityId {
    EntityId::from_uuid(uuid::Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000 | u128::from(n)))
}

async fn seed(fleet: &charter_fleet::Fleet, slug: &str, entities: u32, json: bool) -> Result<()> {
    let request = OnboardRequest {
        slug: Slug::parse("--slug", slug)?,
        name: TenantName::parse("name", &format!("Benchmark {slug}"))?,
        placement: Placement::Shared,
        // Load tests measure the platform, not the tier limits.
        tier: Tier::Unmetered,
    };
    let tenant = fleet.onboard(&request).await?.tenant().clone();
    let database = tenant.database.clone().context("the tenant has no database")?;
    let grant = TenantGrant::for_system(tenant.id, "bench seed");
    let mut tx = fleet.data().begin(database.id, &grant, TxOptions::maintenance()).await?;
    let mut inserted = 0;
    if entities > 0 && !tx.entity_exists(seeded_entity_id(entities)).await? {
        for n in 1..=entities {
            let id = seeded_entity_id(n);
            if !tx.entity_exists(id).await? {
                let (facts, from) = entity_facts(
                    serde_json::json!({"legal_name": format!("{slug} entity {n}"), "jurisdiction": "GB"}),
                )?;
                tx.create_entity(id, &facts, from, "system:bench seed").await?;
                inserted += 1;
            }
        }
    }
    tx.commit().await?;
    let summary = serde_json::json!({
        "tenant": tenant.slug.to_string(),
        "tenant_id": tenant.id.to_string(),
        "database": database.name,
        "entities": entities,
        "inserted": inserted,
    });
    if json {
        output::json(&summary)
    } else {
        println!("{summary}");
        Ok(())
    }
}

async fn populate(
    fleet: &charter_fleet::Fleet,
    tenants: usize,
    databases: usize,
    entities: usize,
    concurrency: usize,
    prefix: &str,
) -> Result<()> {
    let started = Instant::now();
    let first = fleet.control().list_databases().await?.into_iter().next().context("no database")?;
    for n in 2..=databases {
        let name = format!("{}_{n}", first.admin_url.database());
        if fleet.control().database_by_name(&name).await?.is_none() {
            fleet
                .add_database(charter_fleet::AddDatabase {
                    kind: charter_domain::tenant::DatabaseKind::Shared,
                    admin_url: first.admin_url.with_database(&name),
                    app_url: None,
                    name: None,
                    capacity: Some(i32::try_from(tenants).unwrap_or(i32::MAX)),
                })
                .await?;
        }
    }
    let made = std::sync::atomic::AtomicUsize::new(0);
    futures::stream::iter(0..tenants)
        .map(|i| {
            let made = &made;
            async move {
                let request = OnboardRequest {
                    slug: Slug::parse("slug", &format!("{prefix}{i:06}"))?,
                    name: TenantName::parse("name", &format!("Benchmark client {i}"))?,
                    placement: Placement::Shared,
                    tier: Tier::Unmetered,
                };
                let tenant = fleet.onboard(&request).await?.tenant().clone();
                let database = tenant.database.context("placed")?.id;
                let grant = TenantGrant::for_system(tenant.id, "bench populate");
                let mut tx = fleet.data().begin(database, &grant, TxOptions::maintenance()).await?;
                if tx.entity_count().await? == 0 {
                    for k in 0..entities {
                        let (facts, from) = entity_facts(
                            serde_json::json!({"legal_name": format!("Client {i} entity {k}"), "jurisdiction": "GB"}),
                        )?;
                        tx.create_entity(EntityId::generate(), &facts, from, "system:bench populate").await?;
                    }
                }
                tx.commit().await?;
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                anyhow::Ok(())
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    let summary = serde_json::json!({
        "tenants": made.into_inner(),
        "databases": databases,
        "entities_per_tenant": entities,
        "seconds": started.elapsed().as_secs_f64(),
    });
    println!("{summary}");
    Ok(())
}
