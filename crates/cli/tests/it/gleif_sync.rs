//! The GLEIF import's source digests change nothing but its speed: any
//! sequence of imports of real records (renamed, updated by GLEIF on various
//! days, with or without other names, often unchanged) and of an entity manager's renames leaves one
//! tenant, whose imports use the digests, with exactly the register,
//! histories and import reports of another tenant whose digests are wiped
//! before every import (so that each record is compared fact by fact).

use charter_domain::{access::TenantGrant, entity::Fact, ids::EntityId};
use charter_storage::data::{TenantTx, TxOptions};
use chrono::NaiveDate;
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::{Value, json};

use crate::{
    support::{Deployment, connect_as_admin},
    tenant_tx::tenant,
};

/// Records of the fixtures the imports are made of.
const RECORDS: usize = 3;

fn day(base: (i32, u32, u32), n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(base.0, base.1, base.2).unwrap() + chrono::Days::new(u64::from(n))
}

#[derive(Debug, Clone)]
enum Step {
    /// Every record, each under name `names[k]`, last updated by GLEIF on
    /// day `updated[k]`, with a former name unless `unnamed[k]` (a fact
    /// GLEIF stops giving ends).
    Import { names: [u8; RECORDS], updated: [u8; RECORDS], unnamed: [bool; RECORDS] },
    /// The last import's file again (a sync where nothing moved: what the
    /// digests skip).
    Again,
    /// An entity manager renames record `k`'s entity from a day on.
    Rename { record: usize, name: u8, from: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (prop::array::uniform3(0..3u8), prop::array::uniform3(0..4u8), prop::array::uniform3(any::<bool>()))
            .prop_map(|(names, updated, unnamed)| Step::Import { names, updated, unnamed }),
        1 => Just(Step::Again),
        1 => (0..RECORDS, 0..3u8, 0..90u8).prop_map(|(record, name, from)| Step::Rename { record, name, from }),
    ]
}

/// The fixture's first records, real GLEIF API records.
fn fixture_records() -> Vec<Value> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/gleif/direct-children_21380068P1DRHMJ8KU70.json");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    document["data"].as_array().unwrap()[..RECORDS].to_vec()
}

/// A GLEIF file of the records, renamed, dated and with other names as
/// `names`, `updated` and `unnamed` say.
fn file(
    records: &[Value],
    names: &[u8; RECORDS],
    updated: &[u8; RECORDS],
    unnamed: &[bool; RECORDS],
) -> Vec<(String, Vec<u8>)> {
    let data: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(k, record)| {
            let mut record = record.clone();
            record["attributes"]["entity"]["legalName"]["name"] = json!(format!("SYNC ENTITY {k} NAME {}", names[k]));
            record["attributes"]["entity"]["otherNames"] = if unnamed[k] {
                json!([])
            } else {
                json!([{ "name": format!("SYNC ENTITY {k} FORMER"), "type": "PREVIOUS_LEGAL_NAME" }])
            };
            record["attributes"]["entity"]["transliteratedOtherNames"] = json!([]);
            // Days from 2025-06-01 on: after every fixture's own dates.
            let on = day((2025, 6, 1), u32::from(updated[k]) * 7);
            record["attributes"]["registration"]["lastUpdateDate"] = json!(format!("{on}T08:00:00Z"));
            record
        })
        .collect();
    vec![("sync.json".to_owned(), json!({ "data": data }).to_string().into_bytes())]
}

/// What one tenant's register says of the records' entities: every version
/// on record now of every fact, by LEI.
async fn register(tx: &mut TenantTx, leis: &[String]) -> Vec<(String, Vec<(String, Value, String)>)> {
    let ids = tx.entities_by_lei(leis).await.unwrap();
    let mut seen = Vec::new();
    for lei in leis {
        let Some(id) = ids.get(lei) else {
            seen.push((lei.clone(), Vec::new()));
            continue;
        };
        let mut versions: Vec<(String, Value, String)> = tx
            .entity_history(*id, None)
            .await
            .unwrap()
            .into_iter()
            .map(|v| {
                let period = format!("{:?}..{:?} {:?}", v.valid_from, v.valid_to, v.reason);
                (v.fact, v.value, period)
            })
            .collect();
        versions.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
        seen.push((lei.clone(), versions));
    }
    seen
}

struct Tenant {
    slug: String,
    grant: TenantGrant,
    database: charter_domain::ids::DatabaseId,
    /// Wipes the digests before each import.
    forgetful: bool,
}

impl Tenant {
    async fn new(deployment: &Deployment, slug: String, forgetful: bool) -> Self {
        let (tenant, database) = tenant(deployment, &slug).await;
        Tenant { slug, grant: TenantGrant::for_system(tenant, "test"), database, forgetful }
    }

    /// The digests the tenant keeps, counted by the superuser; wiped first if `wipe`.
    async fn digests(&self, deployment: &Deployment, wipe: bool) -> i64 {
        let (tenant, url) = deployment.tenant_database(&self.slug).await;
        let admin = connect_as_admin(&url).await;
        if wipe {
            admin.execute("DELETE FROM charter.entity_source_digest WHERE tenant_id = $1", &[&tenant]).await.unwrap();
        }
        let count = "SELECT count(*) FROM charter.entity_source_digest WHERE tenant_id = $1";
        admin.query_one(count, &[&tenant]).await.unwrap().get(0)
    }
}

async fn run_case(deployment: &Deployment, tenants: &[Tenant; 2], records: &[Value], steps: Vec<Step>) {
    let leis: Vec<String> = records.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    let data = deployment.fleet.data();
    let mut last: Option<Step> = None;
    for (n, step) in steps.iter().enumerate() {
        let step = match step {
            Step::Again => match &last {
                Some(import) => import.clone(),
                None => continue,
            },
            other => other.clone(),
        };
        if matches!(step, Step::Import { .. }) {
            last = Some(step.clone());
        }
        let mut reports = Vec::new();
        for t in tenants {
            let mut tx = data.begin(t.database, &t.grant, TxOptions::maintenance()).await.unwrap();
            match &step {
                Step::Again => {} // resolved to the import it repeats, above
                Step::Import { names, updated, unnamed } => {
                    if t.forgetful {
                        assert_eq!(t.digests(deployment, true).await, 0);
                    }
                    let files = charter_api::gleif::read_files(&file(records, names, updated, unnamed)).unwrap();
                    let report = charter_api::gleif::import(&mut tx, "system:test", &files).await.unwrap();
                    assert_eq!(report.refused.len(), 0, "{:?}", report.refused);
                    reports.push(serde_json::to_value(&report).unwrap());
                }
                Step::Rename { record, name, from } => {
                    let id: EntityId =
                        match tx.entities_by_lei(&leis[*record..=*record]).await.unwrap().get(&leis[*record]) {
                            Some(id) => *id,
                            None => continue, // not imported yet
                        };
                    let value = json!(format!("LOCAL NAME {name}"));
                    let on = day((2025, 5, 1), u32::from(*from));
                    tx.change_fact(id, &Fact::LegalName, Some(&value), on, None, Some("manager"), "user:test")
                        .await
                        .unwrap();
                }
            }
            tx.commit().await.unwrap();
            if matches!(step, Step::Import { .. }) {
                // Every record is one the register now agrees with.
                assert_eq!(t.digests(deployment, false).await, RECORDS as i64, "after step {n} of {steps:?}");
            }
        }
        assert_eq!(reports.first(), reports.last(), "import reports differ at step {n} of {steps:?}");
        let mut registers = Vec::new();
        for t in tenants {
            let mut tx = data.begin(t.database, &t.grant, TxOptions::snapshot()).await.unwrap();
            registers.push(register(&mut tx, &leis).await);
            tx.commit().await.unwrap();
        }
        assert_eq!(registers[0], registers[1], "the registers differ after step {n} of {steps:?}");
    }
}

#[test]
fn source_digests_change_nothing_but_speed() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let deployment = runtime.block_on(Deployment::start());
    let records = fixture_records();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let outcome = runner.run(&prop::collection::vec(step(), 1..10), |steps| {
        // Each case starts from empty registers: two new tenants.
        let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tenants = runtime.block_on(async {
            [
                Tenant::new(&deployment, format!("sync-fast-{case}"), false).await,
                Tenant::new(&deployment, format!("sync-slow-{case}"), true).await,
            ]
        });
        runtime.block_on(run_case(&deployment, &tenants, &records, steps));
        Ok(())
    });
    runtime.block_on(deployment.destroy());
    outcome.unwrap();
}
