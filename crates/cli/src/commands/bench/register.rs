//! The register's benchmark: a fleet-sized register loaded in bulk
//! (`charter bench register-data`), then list, search and get-by-id
//! latencies measured at the API (`charter bench register-latency`) for a
//! tenant with 100,000 entities, a tenant with 100, and the 10,000 tenants
//! of one shared database at random.
//!
//! Both commands derive every entity from (tenant number, entity number)
//! with the same generator, so the measuring side knows ids, names and
//! registration numbers without reading the database.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use charter_domain::{
    access::TenantGrant,
    entity::Fact,
    ids::EntityId,
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_fleet::{Fleet, OnboardRequest};
use charter_storage::data::{ImportedEntity, ImportedVersion, TxOptions};
use chrono::{Datelike as _, NaiveDate};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::{Value, json};

use super::Timings;
use crate::output;

/// How the benchmark's register is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub tenants: u32,
    pub total: u64,
    pub big: u32,
    pub small: u32,
}

impl Layout {
    /// Tenant 0 is the big one, tenant 1 the small one, the rest share what is left.
    pub fn entities_of(&self, tenant: u32) -> u32 {
        match tenant {
            0 => self.big,
            1 => self.small,
            n => {
                let others = u64::from(self.tenants.saturating_sub(2)).max(1);
                let rest = self.total.saturating_sub(u64::from(self.big) + u64::from(self.small));
                let (each, extra) = (rest / others, rest % others);
                (each + u64::from(u64::from(n - 2) < extra)) as u32
            }
        }
    }

    pub fn slug(prefix: &str, tenant: u32) -> String {
        match tenant {
            0 => format!("{prefix}-big"),
            1 => format!("{prefix}-small"),
            n => format!("{prefix}{n:05}"),
        }
    }
}

/// splitmix64: small, fast, and the same on both sides.
struct Rng(u64);

impl Rng {
    fn of(tenant: u32, entity: u32, salt: u64) -> Self {
        Self((u64::from(tenant) << 32 | u64::from(entity)) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn date(&mut self, from_year: i32, to_year: i32) -> NaiveDate {
        let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
        let days = (NaiveDate::from_ymd_opt(to_year, 1, 1).unwrap_or_default() - start).num_days().max(1);
        start + chrono::Days::new(self.below(days as u64))
    }
}

/// (jurisdiction, an active ELF code of it, a name suffix, a city, weight).
const PLACES: [(&str, &str, &str, &str, u64); 12] = [
    ("GB", "17R0", "Limited", "London", 26),
    ("US-DE", "12N6", "LLC", "Wilmington", 18),
    ("DE", "2HBR", "GmbH", "Frankfurt am Main", 10),
    ("LU", "2IGL", "S.à r.l.", "Luxembourg", 9),
    ("NL", "33MN", "B.V.", "Amsterdam", 7),
    ("IE", "2GV9", "Limited", "Dublin", 6),
    ("KY", "4XP8", "Ltd.", "George Town", 6),
    ("SG", "0NYS", "Pte. Ltd.", "Singapore", 5),
    ("FR", "1L24", "SAS", "Paris", 5),
    ("CH", "3EKS", "Sàrl", "Zug", 4),
    ("JE", "21F4", "Limited", "St Helier", 2),
    ("HK", "254M", "Limited", "Hong Kong", 2),
];

pub const JURISDICTIONS: [&str; 12] = ["GB", "US-DE", "DE", "LU", "NL", "IE", "KY", "SG", "FR", "CH", "JE", "HK"];

/// First words of names; a search for one matches about 1 entity in 40.
pub const FIRST_WORDS: [&str; 40] = [
    "Northwind",
    "Atlas",
    "Meridian",
    "Harbour",
    "Granite",
    "Summit",
    "Beacon",
    "Cedar",
    "Falcon",
    "Orion",
    "Sterling",
    "Willow",
    "Aurora",
    "Pioneer",
    "Crescent",
    "Evergreen",
    "Keystone",
    "Lighthouse",
    "Marble",
    "Nimbus",
    "Oakridge",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Sapphire",
    "Tidewater",
    "Union",
    "Vanguard",
    "Westbrook",
    "Zenith",
    "Alder",
    "Bramble",
    "Copper",
    "Driftwood",
    "Ember",
    "Fjord",
    "Glacier",
    "Heron",
    "Ironbridge",
    "Juniper",
];
const SECOND_WORDS: [&str; 24] = [
    "Capital",
    "Holdings",
    "Ventures",
    "Partners",
    "Investments",
    "Properties",
    "Trading",
    "Logistics",
    "Energy",
    "Technologies",
    "Finance",
    "Estates",
    "Industries",
    "Resources",
    "Media",
    "Health",
    "Infrastructure",
    "Services",
    "Shipping",
    "Foods",
    "Brands",
    "Systems",
    "Assets",
    "Securities",
];
const THIRD_WORDS: [&str; 16] = [
    "Europe",
    "Group",
    "International",
    "Nominees",
    "Services",
    "Finance",
    "II",
    "III",
    "Topco",
    "Midco",
    "Bidco",
    "Opco",
    "Funding",
    "Management",
    "Trustees",
    "Global",
];
pub const TAGS: [&str; 6] = ["holding", "operating", "spv", "fund", "regulated", "dormant-review"];
pub const STATUSES: [&str; 4] = ["active", "dormant", "in_liquidation", "dissolved"];

/// The predictable id of entity `entity` of tenant `tenant`.
pub fn entity_id(tenant: u32, entity: u32) -> EntityId {
    EntityId::from_uuid(uuid::Uuid::from_u128(
        0x0000_0000_0000_7000_8000_0000_0000_0000 | u128::from(tenant) << 32 | u128::from(entity),
    ))
}

/// What the measuring side needs to know of an entity.
pub struct Known {
    pub id: EntityId,
    pub registration_number: String,
    pub incorporated: NaiveDate,
}

/// An ISO 17442 LEI with valid check digits (ISO 7064 MOD 97-10).
fn lei(rng: &mut Rng) -> String {
    const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut body = String::from("549300");
    for _ in 0..12 {
        body.push(char::from(ALPHANUMERIC[rng.below(36) as usize]));
    }
    let remainder = format!("{body}00").chars().fold(0u64, |acc, c| {
        let value = c.to_digit(36).unwrap_or(0) as u64;
        if value >= 10 { (acc * 100 + value) % 97 } else { (acc * 10 + value) % 97 }
    });
    format!("{body}{:02}", 98 - remainder)
}

/// Entity `entity` of tenant `tenant`, with its history.
pub fn entity(tenant: u32, entity: u32) -> (ImportedEntity, Known) {
    let mut rng = Rng::of(tenant, entity, 1);
    let weights: u64 = PLACES.iter().map(|p| p.4).sum();
    let mut roll = rng.below(weights);
    let place = PLACES
        .iter()
        .find(|p| {
            if roll < p.4 {
                true
            } else {
                roll -= p.4;
                false
            }
        })
        .unwrap_or(&PLACES[0]);
    let (jurisdiction, form, suffix, city, _) = *place;
    let mut name =
        || format!("{} {} {} {suffix}", rng.pick(&FIRST_WORDS), rng.pick(&SECOND_WORDS), rng.pick(&THIRD_WORDS));
    let (first_name, last_name) = (name(), name());
    let incorporated = rng.date(1990, 2024);
    let registration_number = format!("{:08}", rng.below(100_000_000));
    let mut versions = Vec::with_capacity(12);
    let mut fact = |fact: Fact, value: Value, from: NaiveDate, to: Option<NaiveDate>| {
        versions.push(ImportedVersion { fact, value, from, to });
    };
    // A quarter changed their name once; a tenth changed status.
    if rng.chance(25) {
        let renamed = rng.date(incorporated.year() + 1, 2026).max(incorporated.succ_opt().unwrap_or(incorporated));
        fact(Fact::LegalName, json!(first_name), incorporated, Some(renamed));
        fact(Fact::LegalName, json!(last_name), renamed, None);
        fact(Fact::OtherNames, json!([{ "type": "former", "name": first_name }]), renamed, None);
    } else {
        fact(Fact::LegalName, json!(last_name), incorporated, None);
    }
    let status = match rng.below(100) {
        0..=84 => STATUSES[0],
        85..=89 => STATUSES[1],
        90..=92 => STATUSES[2],
        _ => STATUSES[3],
    };
    if status != "active" && rng.chance(70) {
        let changed = rng.date(incorporated.year() + 1, 2026).max(incorporated.succ_opt().unwrap_or(incorporated));
        fact(Fact::Status, json!("active"), incorporated, Some(changed));
        fact(Fact::Status, json!(status), changed, None);
    } else {
        fact(Fact::Status, json!(status), incorporated, None);
    }
    fact(Fact::Jurisdiction, json!(jurisdiction), incorporated, None);
    fact(Fact::LegalForm, json!(form), incorporated, None);
    fact(Fact::RegistrationNumber, json!(registration_number), incorporated, None);
    fact(Fact::IncorporationDate, json!(incorporated.to_string()), incorporated, None);
    fact(Fact::ManagementStatus, json!(if rng.chance(90) { "managed" } else { "not_managed" }), incorporated, None);
    let mut tags = vec![rng.pick(&TAGS).to_string()];
    if rng.chance(40) {
        tags.push(rng.pick(&TAGS).to_string());
        tags.dedup();
    }
    fact(Fact::Tags, json!(tags), incorporated, None);
    if rng.chance(30) {
        fact(Fact::Lei, json!(lei(&mut rng)), incorporated, None);
    }
    let street = format!("{} {} Street", 1 + rng.below(200), rng.pick(&FIRST_WORDS));
    let country = &jurisdiction[..2];
    fact(
        Fact::Addresses,
        json!({ "registered_office": { "lines": [street], "city": city, "country": country } }),
        incorporated,
        None,
    );
    let id = entity_id(tenant, entity);
    (ImportedEntity { id, versions }, Known { id, registration_number, incorporated })
}

/// Onboards the layout's tenants in the first shared database and imports
/// their entities; a tenant that already has its entities is skipped.
pub async fn load(fleet: &Fleet, layout: Layout, prefix: &str, concurrency: usize) -> Result<()> {
    let started = Instant::now();
    let progress = indicatif::ProgressBar::new(layout.total);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} {bar:40} {pos}/{len} entities ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // The big tenant first, alone: its batches are the long pole.
    let order: Vec<u32> = (0..layout.tenants).collect();
    futures::stream::iter(order)
        .map(|tenant| {
            let progress = progress.clone();
            async move {
                let request = OnboardRequest {
                    slug: Slug::parse("slug", &Layout::slug(prefix, tenant))?,
                    name: TenantName::parse("name", &format!("Benchmark client {tenant}"))?,
                    placement: Placement::Shared,
                    tier: Tier::Unmetered,
                };
                let record = fleet.onboard(&request).await?.tenant().clone();
                let database = record.database.context("placed")?.id;
                let grant = TenantGrant::for_system(record.id, "bench register-data");
                let count = layout.entities_of(tenant);
                let mut tx = fleet.data().begin(database, &grant, TxOptions::maintenance()).await?;
                let have = tx.entity_count().await?;
                tx.commit().await?;
                if have >= i64::from(count) {
                    progress.inc(u64::from(count));
                    return anyhow::Ok(());
                }
                if have > 0 {
                    bail!(
                        "tenant {} has {have} of its {count} entities: drop the database and load again",
                        request.slug
                    );
                }
                for batch in (0..count).collect::<Vec<_>>().chunks(2_000) {
                    let entities: Vec<ImportedEntity> = batch.iter().map(|&k| entity(tenant, k).0).collect();
                    let mut tx = fleet.data().begin(database, &grant, TxOptions::maintenance()).await?;
                    tx.import_entities(&entities, None, "system:bench register-data").await?;
                    tx.commit().await?;
                    progress.inc(batch.len() as u64);
                }
                Ok(())
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    progress.finish_and_clear();
    println!(
        "{}",
        json!({ "tenants": layout.tenants, "entities": layout.total, "seconds": started.elapsed().as_secs_f64() })
    );
    Ok(())
}

/// One kind of request the benchmark times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// The first page, newest first.
    List,
    /// Pages 2–5 by legal name, following cursors.
    ListByName,
    /// Filtered by one jurisdiction.
    FilterJurisdiction,
    /// Filtered by status and tag together.
    FilterStatusTag,
    /// Text search for a word of names (about 1 in 40 entities match).
    SearchWord,
    /// Text search for one registration number.
    SearchNumber,
    /// The first page as of a random date since 2000.
    ListAsOf,
    /// One entity as of a random date in its life.
    GetAsOf,
}

impl Probe {
    const ALL: [Probe; 8] = [
        Self::List,
        Self::ListByName,
        Self::FilterJurisdiction,
        Self::FilterStatusTag,
        Self::SearchWord,
        Self::SearchNumber,
        Self::ListAsOf,
        Self::GetAsOf,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::ListByName => "list by name, pages 2-5",
            Self::FilterJurisdiction => "filter jurisdiction",
            Self::FilterStatusTag => "filter status + tag",
            Self::SearchWord => "search a name word",
            Self::SearchNumber => "search a registration number",
            Self::ListAsOf => "list as of a date",
            Self::GetAsOf => "get by id as of a date",
        }
    }
}

/// Which tenants a series of requests goes to.
#[derive(Debug, Clone, Copy)]
enum Target {
    Big,
    Small,
    /// A random tenant of the shared database for each request.
    Any,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Self::Big => "100k-entity tenant",
            Self::Small => "100-entity tenant",
            Self::Any => "random tenant of 10k",
        }
    }
}

#[derive(Serialize)]
struct Row {
    probe: &'static str,
    tenant: &'static str,
    #[serde(flatten)]
    timings: Timings,
}

/// Times each probe against each target, one request at a time.
pub async fn measure(api: &str, key: &str, layout: Layout, prefix: &str, requests: usize, json: bool) -> Result<()> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(4).build()?;
    let mut rng = Rng::of(u32::MAX, 0, 7);
    let mut rows = Vec::new();
    for probe in Probe::ALL {
        for target in [Target::Big, Target::Small, Target::Any] {
            let mut samples = Vec::with_capacity(requests);
            // Warm-up: connections, caches and prepared statements.
            for _ in 0..requests / 10 + 5 {
                let _ = time(&client, api, key, &request(probe, target, layout, prefix, &mut rng)).await?;
            }
            while samples.len() < requests {
                let paths = request(probe, target, layout, prefix, &mut rng);
                samples.extend(time(&client, api, key, &paths).await?);
            }
            samples.truncate(requests);
            rows.extend(Timings::of(target.name(), samples).map(|timings| Row {
                probe: probe.name(),
                tenant: target.name(),
                timings,
            }));
        }
    }
    if json {
        return output::json(&rows);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.probe.to_owned(),
                r.tenant.to_owned(),
                r.timings.count.to_string(),
                format!("{:.2}", r.timings.median_ms),
                format!("{:.2}", r.timings.p95_ms),
                format!("{:.2}", r.timings.max_ms),
            ]
        })
        .collect();
    output::table(&["PROBE", "TENANT", "REQUESTS", "MEDIAN_MS", "P95_MS", "MAX_MS"], &table);
    Ok(())
}

/// The request(s) of one sample: a path, or a first page whose cursor the
/// timed pages follow.
enum Paths {
    One(String),
    FollowCursor { first: String, pages: usize },
}

fn request(probe: Probe, target: Target, layout: Layout, prefix: &str, rng: &mut Rng) -> Paths {
    let tenant = match target {
        Target::Big => 0,
        Target::Small => 1,
        Target::Any => 2 + rng.below(u64::from(layout.tenants.saturating_sub(2)).max(1)) as u32,
    };
    let base = format!("/api/v1/tenants/{}/entities", Layout::slug(prefix, tenant));
    let count = layout.entities_of(tenant).max(1);
    let known = entity(tenant, rng.below(u64::from(count)) as u32).1;
    let date = |rng: &mut Rng| rng.date(2000, 2030);
    Paths::One(match probe {
        Probe::List => format!("{base}?limit=50"),
        Probe::ListByName => {
            return Paths::FollowCursor { first: format!("{base}?sort=legal_name&limit=50"), pages: 4 };
        }
        Probe::FilterJurisdiction => format!("{base}?jurisdiction={}&limit=50", rng.pick(&JURISDICTIONS)),
        Probe::FilterStatusTag => format!("{base}?status={}&tag={}&limit=50", rng.pick(&STATUSES), rng.pick(&TAGS)),
        Probe::SearchWord => format!("{base}?q={}&limit=50", rng.pick(&FIRST_WORDS)),
        Probe::SearchNumber => format!("{base}?q={}&limit=50", known.registration_number),
        Probe::ListAsOf => format!("{base}?as_of={}&limit=50", date(rng)),
        Probe::GetAsOf => {
            let span = (NaiveDate::from_ymd_opt(2030, 1, 1).unwrap_or_default() - known.incorporated).num_days().max(1);
            let on = known.incorporated + chrono::Days::new(rng.below(span as u64));
            format!("{base}/{}?as_of={on}", known.id)
        }
    })
}

/// Sends the request(s) of one sample; returns the timed durations.
async fn time(client: &reqwest::Client, api: &str, key: &str, paths: &Paths) -> Result<Vec<Duration>> {
    let get = |path: String| async move {
        let started = Instant::now();
        let response = client.get(format!("{api}{path}")).bearer_auth(key).send().await.context("request failed")?;
        let status = response.status();
        let body: Value = response.json().await.context("reading the body")?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            bail!("GET {path} returned {status}: {body}");
        }
        anyhow::Ok((elapsed, body))
    };
    match paths {
        Paths::One(path) => Ok(vec![get(path.clone()).await?.0]),
        Paths::FollowCursor { first, pages } => {
            let (first_elapsed, mut body) = get(first.clone()).await?;
            let mut timed = Vec::with_capacity(*pages);
            for _ in 0..*pages {
                let Some(cursor) = body["next_cursor"].as_str().map(str::to_owned) else { break };
                let (elapsed, next) = get(format!("{first}&cursor={cursor}")).await?;
                timed.push(elapsed);
                body = next;
            }
            // A list of one page (a small tenant) has only that page to
            // time; without it, `measure` would wait for samples forever.
            if timed.is_empty() {
                timed.push(first_elapsed);
            }
            Ok(timed)
        }
    }
}
