//! The share-capital benchmark (`charter bench ownership`): a group of
//! 10,000 entities with 30,000 holdings and one entity whose ledger has
//! 50,000 transactions, loaded through the storage layer into a fresh
//! tenant; then effective ownership, beneficial owners, the register and a
//! structure chart are timed at the API, one request at a time, and a GLEIF
//! import of 20,000 records is timed in-process (records/s).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use charter_domain::{
    access::TenantGrant,
    appointment::Holder,
    entity::Fact,
    ids::{EntityId, PersonId, ShareClassId, ShareTransactionId},
    person::PersonInput,
    shares::{Decimal6, ShareClassInput, Transaction, TransactionKind},
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_fleet::{Fleet, OnboardRequest};
use charter_storage::data::{ImportedEntity, ImportedVersion, TenantTx, TxOptions};
use chrono::NaiveDate;
use serde_json::json;

use super::Timings;
use crate::output;

/// How big the benchmark's data is.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub entities: u32,
    pub holders_per_entity: u32,
    pub ledger: u32,
    pub gleif_records: u32,
}

/// Operations per transaction while loading.
const BATCH: usize = 2_000;

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() + chrono::Days::new(u64::from(n))
}

/// splitmix64, for holders picked the same way every run.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn class_input(name: &str) -> ShareClassInput {
    ShareClassInput {
        name: name.into(),
        currency: "EUR".into(),
        nominal_value: Decimal6::ONE,
        votes_per_share: Decimal6::ONE,
        authorised: None,
        effective_from: day(0),
    }
}

fn issuance(class: ShareClassId, to: Holder, shares: i64, on: NaiveDate) -> Transaction {
    Transaction {
        id: ShareTransactionId::generate(),
        kind: TransactionKind::Issuance,
        class,
        effective_on: on,
        from: None,
        to: Some(to),
        shares,
        to_class: None,
        to_shares: None,
        ratio: None,
        reason: None,
        reverses: None,
    }
}

struct Loaded {
    slug: String,
    entities: Vec<EntityId>,
    ledger_entity: EntityId,
}

async fn begin(fleet: &Fleet, database: charter_domain::ids::DatabaseId, grant: &TenantGrant) -> Result<TenantTx> {
    Ok(fleet.data().begin(database, grant, TxOptions::maintenance()).await?)
}

async fn load(fleet: &Fleet, sizes: Sizes) -> Result<Loaded> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let slug = format!("own-{}", &run[run.len() - 8..]);
    let request = OnboardRequest {
        slug: Slug::parse("slug", &slug)?,
        name: TenantName::parse("name", "Ownership benchmark")?,
        placement: Placement::Shared,
        tier: Tier::Unmetered,
    };
    let tenant = fleet.onboard(&request).await?.tenant().clone();
    let database = tenant.database.context("the tenant has no database")?.id;
    let grant = TenantGrant::for_system(tenant.id, "bench ownership");
    let actor = grant.actor().to_string();

    // Entities, persons and one class of shares each.
    let entities: Vec<EntityId> = (0..sizes.entities).map(|_| EntityId::generate()).collect();
    let mut tx = begin(fleet, database, &grant).await?;
    for chunk in entities.chunks(BATCH) {
        let imported: Vec<ImportedEntity> = chunk
            .iter()
            .enumerate()
            .map(|(n, id)| ImportedEntity {
                id: *id,
                versions: vec![
                    ImportedVersion {
                        fact: Fact::LegalName,
                        value: json!(format!("Group Entity {n}")),
                        from: day(0),
                        to: None,
                    },
                    ImportedVersion { fact: Fact::Jurisdiction, value: json!("GB"), from: day(0), to: None },
                ],
            })
            .collect();
        tx.import_entities(&imported, None, &actor).await?;
    }
    let mut persons = Vec::new();
    for n in 0..300 {
        let id = PersonId::generate();
        let input = PersonInput {
            given_name: "Person".into(),
            family_name: format!("P{n}"),
            date_of_birth: None,
            nationality: None,
            email: None,
        };
        tx.create_person(id, &input).await?;
        persons.push(Holder::Person(id));
    }
    let mut classes = Vec::with_capacity(entities.len());
    for (n, entity) in entities.iter().enumerate() {
        let class = ShareClassId::generate();
        tx.create_share_class(class, *entity, &class_input("Ordinary"), None, &actor).await?;
        classes.push(class);
        if n % BATCH == BATCH - 1 {
            tx.commit().await?;
            tx = begin(fleet, database, &grant).await?;
        }
    }
    tx.commit().await?;

    // Holdings: entity i is held by entities of lower index (so each chain
    // ends at persons), the first ones and some others by persons.
    let mut tx = begin(fleet, database, &grant).await?;
    let mut written = 0;
    for (i, entity) in entities.iter().enumerate() {
        let mut ledger = Vec::new();
        for k in 0..sizes.holders_per_entity {
            let r = mix((i as u64) << 8 | u64::from(k));
            let holder = if i < 30 || (k == 2 && i % 7 == 0) {
                persons[(r % persons.len() as u64) as usize]
            } else {
                Holder::Entity(entities[(r % i as u64) as usize])
            };
            ledger.push(issuance(classes[i], holder, 10 + (r >> 32) as i64 % 90, day(3650)));
        }
        tx.record_share_transactions(*entity, &ledger, &actor).await?;
        written += ledger.len();
        if written >= BATCH {
            tx.commit().await?;
            tx = begin(fleet, database, &grant).await?;
            written = 0;
        }
    }
    tx.commit().await?;

    // One entity with a long ledger: an issuance, then transfers of one share.
    let ledger_entity = EntityId::generate();
    let mut tx = begin(fleet, database, &grant).await?;
    let facts = [(Fact::LegalName, json!("Ledger Co")), (Fact::Jurisdiction, json!("GB"))];
    tx.create_entity(ledger_entity, &facts, day(0), &actor).await?;
    let class = ShareClassId::generate();
    tx.create_share_class(class, ledger_entity, &class_input("Ordinary"), None, &actor).await?;
    let mut ledger = vec![issuance(class, persons[0], 1_000_000, day(0))];
    for n in 1..sizes.ledger {
        let t = Transaction {
            id: ShareTransactionId::generate(),
            kind: TransactionKind::Transfer,
            class,
            effective_on: day(1 + n / 10),
            from: Some(persons[0]),
            to: Some(persons[1 + (n as usize % 99)]),
            shares: 1,
            to_class: None,
            to_shares: None,
            ratio: None,
            reason: None,
            reverses: None,
        };
        ledger.push(t);
    }
    tx.record_share_transactions(ledger_entity, &ledger, &actor).await?;
    tx.commit().await?;
    Ok(Loaded { slug, entities, ledger_entity })
}

async fn time_get(client: &reqwest::Client, url: &str, key: &str) -> Result<Duration> {
    let started = Instant::now();
    let response = client.get(url).bearer_auth(key).send().await.context("request failed")?;
    let status = response.status();
    let body = response.bytes().await?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        bail!("GET {url} returned {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(elapsed)
}

pub async fn run(fleet: &Fleet, api: &str, key: &str, sizes: Sizes, requests: usize, json_out: bool) -> Result<()> {
    let started = Instant::now();
    let loaded = load(fleet, sizes).await?;
    eprintln!(
        "loaded {} entities with {} holdings and a {}-transaction ledger in {:.0} s",
        sizes.entities,
        sizes.entities * sizes.holders_per_entity,
        sizes.ledger,
        started.elapsed().as_secs_f64()
    );
    // The steady state: statistics as autovacuum would have them a little
    // after the load (right after it, the planner guesses: 1.6 times slower).
    for database in fleet.control().list_databases().await? {
        charter_storage::admin::AdminConnection::connect(&database.admin_url).await?.vacuum_analyze().await?;
    }
    let client = reqwest::Client::new();
    let base = format!("{api}/api/v1/tenants/{}", loaded.slug);
    let deepest = loaded.entities.last().copied().context("no entities")?;
    let middle = loaded.entities[loaded.entities.len() / 2];
    let probes: [(&'static str, String); 5] = [
        ("effective ownership, deepest entity", format!("{base}/entities/{deepest}/effective-ownership")),
        ("beneficial owners, deepest entity", format!("{base}/entities/{deepest}/beneficial-owners")),
        (
            "register, 50,000-transaction ledger",
            format!("{base}/entities/{}/register?as_of=DATE", loaded.ledger_entity),
        ),
        ("register as CSV, same ledger", format!("{base}/entities/{}/register.csv?as_of=DATE", loaded.ledger_entity)),
        ("structure chart, 3 up and 3 down", format!("{base}/entities/{middle}/structure?up=3&down=3")),
    ];
    let mut results = Vec::new();
    for (label, url) in probes {
        let mut samples = Vec::with_capacity(requests);
        for n in 0..requests + 3 {
            let url = url.replace("DATE", &day(1 + (mix(n as u64) % 6_000) as u32).to_string());
            let elapsed = time_get(&client, &url, key).await?;
            if n >= 3 {
                samples.push(elapsed);
            }
        }
        results.extend(Timings::of(label, samples));
    }

    // GLEIF import, in-process (with 5 % changed in the delta).
    let rates = super::gleif::passes(fleet, &loaded.slug, sizes.gleif_records, 5, 3).await?;

    if json_out {
        return output::json(&json!({ "latency": results, "gleif_import": rates }));
    }
    println!("{:<40} {:>8} {:>10} {:>8} {:>8}", "PROBE", "REQUESTS", "MEDIAN_MS", "P95_MS", "MAX_MS");
    for t in &results {
        println!("{:<40} {:>8} {:>10.2} {:>8.2} {:>8.2}", t.label, t.count, t.median_ms, t.p95_ms, t.max_ms);
    }
    super::gleif::print(&rates);
    Ok(())
}
