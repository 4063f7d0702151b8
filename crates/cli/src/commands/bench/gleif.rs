//! The GLEIF import benchmark (`charter bench gleif`, and the last part of
//! `charter bench ownership`): records made from the fixture's real ones,
//! each under its own valid LEI, imported in-process from their JSON bytes
//! (reading them is part of importing) in three passes over one tenant:
//!
//! 1. new records: every LEI becomes an entity (the first load of a group);
//! 2. the same records again: nothing to write (a sync where nothing moved);
//! 3. a delta: the same records with `changed_pct` % renamed and updated by
//!    GLEIF later (a daily sync), each a new effective-dated version.
//!
//! Passes 2 and 3 run `repeat` times each, alternating, and report their
//! median; each starts from the state autovacuum leaves (`VACUUM ANALYZE`
//! before it, not timed), as a sync a day after the first load would.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use charter_domain::{access::TenantGrant, ids::DatabaseId, tenant::Slug};
use charter_fleet::{Fleet, OnboardRequest};
use charter_storage::data::TxOptions;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{output, seed::lei_for};

/// The timed imports of one kind: the median of `runs`.
#[derive(Debug, Serialize)]
pub struct Pass {
    pub pass: &'static str,
    pub records: usize,
    pub runs: usize,
    pub median_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
    pub records_per_s: f64,
    /// Entities created and updated by each run.
    pub created: u64,
    pub updated: u64,
}

/// GLEIF API files (1,000 records each) with `count` records made from the
/// fixture's real ones; in delta `k` (1, 2, …) the records `changed(n)` are
/// renamed and updated by GLEIF on the k-th day of July 2026.
fn files(count: u32, delta: u32, changed: impl Fn(u32) -> bool) -> Result<Vec<(String, Vec<u8>)>> {
    let sample: Value = serde_json::from_str(include_str!(
        "../../../../../tests/fixtures/gleif/direct-children_21380068P1DRHMJ8KU70.json"
    ))?;
    let records = sample["data"].as_array().context("records")?;
    let mut made = Vec::with_capacity(count as usize);
    for n in 0..count {
        let mut record = records[n as usize % records.len()].clone();
        let lei = lei_for(&format!("BENCH{n:013}"));
        record["id"] = json!(lei);
        record["attributes"]["lei"] = json!(lei);
        let name = record["attributes"]["entity"]["legalName"]["name"].as_str().unwrap_or("ENTITY").to_owned();
        let mut name = format!("{name} {n}");
        if delta > 0 && changed(n) {
            name.push_str(&format!(" RENAMED {delta}"));
            record["attributes"]["registration"]["lastUpdateDate"] = json!(format!("2026-07-{delta:02}T00:00:00Z"));
        }
        record["attributes"]["entity"]["legalName"]["name"] = json!(name);
        made.push(record);
    }
    Ok(made
        .chunks(1_000)
        .enumerate()
        .map(|(n, chunk)| (format!("part-{n}.json"), json!({ "data": chunk }).to_string().into_bytes()))
        .collect())
}

/// Imports `files` into the tenant in one transaction, timed from the
/// files' bytes (reading them is part of importing); the seconds and the
/// entities created and updated.
async fn timed_import(
    fleet: &Fleet,
    database: DatabaseId,
    grant: &TenantGrant,
    files: &[(String, Vec<u8>)],
) -> Result<(f64, u64, u64)> {
    let mut tx = fleet.data().begin(database, grant, TxOptions::maintenance()).await?;
    let started = Instant::now();
    let documents = charter_api::gleif::read_files(files).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report =
        charter_api::gleif::import(&mut tx, "system:bench", &documents).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    let seconds = started.elapsed().as_secs_f64();
    if !report.refused.is_empty() {
        bail!("GLEIF records refused: {:?}", &report.refused[..report.refused.len().min(3)]);
    }
    Ok((seconds, report.entities_created, report.entities_updated))
}

/// What autovacuum does some time after a bulk write, done at once (not
/// timed): a sync comes a day after the first load, and right after it the
/// planner knows nothing of the rows written and probes the wrong index
/// (25 times slower per changed fact, measured on a kept database).
async fn settle(fleet: &Fleet) -> Result<()> {
    for database in fleet.control().list_databases().await? {
        charter_storage::admin::AdminConnection::connect(&database.admin_url).await?.vacuum_analyze().await?;
    }
    Ok(())
}

fn pass(pass: &'static str, records: u32, runs: &[(f64, u64, u64)]) -> Pass {
    let mut seconds: Vec<f64> = runs.iter().map(|r| r.0).collect();
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    Pass {
        pass,
        records: records as usize,
        runs: runs.len(),
        median_seconds: median,
        min_seconds: seconds[0],
        max_seconds: seconds[seconds.len() - 1],
        records_per_s: f64::from(records) / median,
        created: runs[0].1,
        updated: runs[0].2,
    }
}

/// Times the passes into the tenant `slug` (which may hold other data):
/// the first load once, then `repeat` times each the same records again and
/// a delta with `changed_pct` % changed.
pub async fn passes(fleet: &Fleet, slug: &str, records: u32, changed_pct: u32, repeat: u32) -> Result<Vec<Pass>> {
    let tenant = fleet.control().tenant_by_slug(&Slug::parse("slug", slug)?).await?.context("the benchmark tenant")?;
    let database: DatabaseId = tenant.database.context("no database")?.id;
    let grant = TenantGrant::for_system(tenant.id, "bench gleif");
    let changed = |n: u32| n % 100 < changed_pct;
    let expect_updated = (0..records).filter(|n| changed(*n)).count() as u64;
    let first = files(records, 0, changed)?;
    let load = timed_import(fleet, database, &grant, &first).await?;
    if load.1 != u64::from(records) {
        bail!("the first load created {} entities of {records}", load.1);
    }
    let (mut again, mut deltas) = (Vec::new(), Vec::new());
    // The files the register agrees with: the first ones, then each delta.
    let mut current = first;
    for k in 1..=repeat.max(1) {
        settle(fleet).await?;
        let run = timed_import(fleet, database, &grant, &current).await?;
        // A pass that did other work than intended measures something else.
        if (run.1, run.2) != (0, 0) {
            bail!("importing the same records again created {} and updated {}", run.1, run.2);
        }
        again.push(run);
        let delta = files(records, k, changed)?;
        settle(fleet).await?;
        let run = timed_import(fleet, database, &grant, &delta).await?;
        if (run.1, run.2) != (0, expect_updated) {
            bail!("delta {k} created {} and updated {} (expected {expect_updated})", run.1, run.2);
        }
        deltas.push(run);
        current = delta;
    }
    Ok(vec![
        pass("new records", records, &[load]),
        pass("the same records again", records, &again),
        pass("a delta with changed records", records, &deltas),
    ])
}

pub fn print(passes: &[Pass]) {
    for p in passes {
        println!(
            "GLEIF import, {}: {} records, median of {} in {:.2} s (min {:.2}, max {:.2}) = {:.0} records/s \
             (created {}, updated {})",
            p.pass,
            p.records,
            p.runs,
            p.median_seconds,
            p.min_seconds,
            p.max_seconds,
            p.records_per_s,
            p.created,
            p.updated
        );
    }
}

/// `charter bench gleif`: the three passes into a fresh tenant.
pub async fn run(fleet: &Fleet, records: u32, changed_pct: u32, repeat: u32, json_out: bool) -> Result<()> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let slug = format!("gleif-{}", &run[run.len() - 8..]);
    fleet
        .onboard(&OnboardRequest {
            slug: Slug::parse("slug", &slug)?,
            name: charter_domain::tenant::TenantName::parse("name", "GLEIF import benchmark")?,
            placement: charter_domain::tenant::Placement::Shared,
            tier: charter_domain::tenant::Tier::Unmetered,
        })
        .await?;
    let timed = passes(fleet, &slug, records, changed_pct.min(100), repeat).await?;
    if json_out {
        return output::json(&json!({ "tenant": slug, "gleif_import": timed }));
    }
    print(&timed);
    Ok(())
}
