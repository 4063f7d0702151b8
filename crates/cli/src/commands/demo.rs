//! `charter demo`: the embedded default, a few demo tenants with sample
//! entities, and the API.

use anyhow::Result;
use charter_domain::{
    access::TenantGrant,
    api_key::KeyName,
    ids::{EntityId, PersonId, ShareClassId},
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_fleet::{Fleet, OnboardRequest};
use charter_storage::control::KeyRole;
use charter_storage::data::TxOptions;
use chrono::Datelike;
use serde_json::{Value, json};

use crate::{
    GlobalArgs,
    commands::serve,
    environment,
    seed::{Seeder, lei_for},
};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, env = "CHARTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// A demo tenant.
struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    placement: Placement,
}

const DEMO_TENANTS: &[DemoTenant] = &[
    DemoTenant { slug: "acme", name: "Acme Corporation", placement: Placement::Shared },
    DemoTenant { slug: "globex", name: "Globex Corporation", placement: Placement::Shared },
    DemoTenant { slug: "umbrella", name: "Umbrella Holdings", placement: Placement::Dedicated },
];

pub async fn run(global: &GlobalArgs, args: DemoArgs) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = async {
        serve::ensure_schema_current(&connected).await?;
        seed(&connected.fleet).await?;
        let name = KeyName::parse("name", &format!("demo {}", chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")))?;
        let (_, key) = connected.fleet.control().create_key(None, KeyRole::PlatformAdmin, &name, None, None).await?;
        serve::serve(&connected.fleet, &args.listen, |addr| {
            let key = key.expose();
            println!(
                "\nCharter demo is running at http://{addr}\n\
                 \n  Open the host-platform demo (the micro-frontend embedded in a firm's own page):\n    \
                 http://{addr}/host-demo?tenant=acme#key={key}\n\
                 \n  Standalone app: http://{addr}/   API key sign-in; SSO: see docs/sso.md\n\
                 \n  Platform admin key (shown once): {key}\n\
                 \n  Try:\n    curl -H 'Authorization: Bearer {key}' http://{addr}/api/v1/tenants\n    \
                 curl -H 'Authorization: Bearer {key}' http://{addr}/api/v1/tenants/acme/entities\n\
                 \n  OpenAPI document: http://{addr}/api/openapi.json\n  \
                 Demo tenants: acme and globex (shared database), umbrella (dedicated database)\n\
                 \nPress Ctrl-C to stop.\n"
            );
        })
        .await
    }
    .await;
    connected.shutdown().await?;
    result
}

/// Onboards the demo tenants and gives each its sample data, once.
async fn seed(fleet: &Fleet) -> Result<()> {
    for demo in DEMO_TENANTS {
        let request = OnboardRequest {
            slug: Slug::parse("slug", demo.slug)?,
            name: TenantName::parse("name", demo.name)?,
            placement: demo.placement,
            tier: Tier::Standard,
        };
        let tenant = fleet.onboard(&request).await?.tenant().clone();
        let Some(database) = tenant.database else { continue };
        let grant = TenantGrant::for_system(tenant.id, "demo seed");
        let mut tx = fleet.data().begin(database.id, &grant, TxOptions::maintenance()).await?;
        if tx.entity_count().await? > 0 {
            tx.commit().await?;
            continue;
        }
        let mut seeder = Seeder::new(tx, &grant);
        match demo.slug {
            "acme" => seed_acme(&mut seeder).await?,
            "globex" => seed_globex(&mut seeder).await?,
            _ => seed_umbrella(&mut seeder).await?,
        }
        seeder.commit().await?;
    }
    Ok(())
}

/// A small group with history: a rename, a back-dated status correction, a
/// scheduled change, directors who came and went, and custom fields.
async fn seed_acme(s: &mut Seeder) -> Result<()> {
    s.custom_field(json!({"key": "matter_number", "label": "Matter number", "type": "text", "max_length": 20})).await?;
    s.custom_field(
        json!({"key": "risk_rating", "label": "Risk rating", "type": "choice", "options": ["low", "medium", "high"]}),
    )
    .await?;
    let address = |lines: &[&str], city: &str, country: &str| json!({"lines": lines, "city": city, "country": country});
    let holdings = s
        .entity(json!({
            "legal_name": "Acme Holdings Ltd", "jurisdiction": "GB", "legal_form": "B6ES",
            "registration_authority": "RA000585", "registration_number": "01234567",
            "lei": lei_for("213800ACMEHOLDING0"), "incorporation_date": "2001-03-14", "fiscal_year_end": "12-31",
            "addresses": {"registered_office": address(&["1 Acme Way"], "London", "GB")},
            "tags": ["parent", "listed"], "custom_fields": {"matter_number": "M-1001", "risk_rating": "low"},
            "effective_from": "2001-03-14"
        }))
        .await?;
    let corporation = s
        .entity(json!({
            "legal_name": "Acme Corporation", "jurisdiction": "US-DE", "legal_form": "XTIQ",
            "registration_number": "3141592", "incorporation_date": "2005-06-01", "fiscal_year_end": "06-30",
            "registered_agent": {"name": "Delaware Registered Agents Inc.",
                                  "address": address(&["1209 Orange Street"], "Wilmington", "US")},
            "tags": ["operating"], "custom_fields": {"matter_number": "M-1002", "risk_rating": "medium"},
            "effective_from": "2005-06-01"
        }))
        .await?;
    let europe = s
        .entity(json!({
            "legal_name": "Acme Deutschland GmbH", "jurisdiction": "DE", "legal_form": "2HBR",
            "registration_authority": "RA000197", "registration_number": "HRB 123456",
            "lei": lei_for("529900ACMEEUROPE00"), "incorporation_date": "2012-09-01",
            "addresses": {"registered_office": address(&["Hauptstraße 1"], "Berlin", "DE")},
            "tags": ["operating"], "custom_fields": {"matter_number": "M-1003"}, "effective_from": "2012-09-01"
        }))
        .await?;
    // Renamed in 2022, and a dormancy recorded late.
    s.change(
        europe,
        json!({"legal_name": "Acme Europe GmbH", "effective_from": "2022-07-01",
        "reason": "renamed by shareholder resolution of 2022-06-15",
        "other_names": [{"type": "former", "name": "Acme Deutschland GmbH"}]}),
    )
    .await?;
    let asia = s
        .entity(json!({
            "legal_name": "Acme Asia Pte. Ltd.", "jurisdiction": "SG", "legal_form": "IWZF",
            "registration_number": "201912345K", "incorporation_date": "2019-11-20",
            "tags": ["operating"], "effective_from": "2019-11-20"
        }))
        .await?;
    s.change(
        asia,
        json!({"status": "dormant", "effective_from": "2024-01-01", "reason": "late filing of the 2023 return"}),
    )
    .await?;
    // A change already decided for next year.
    let next_year = chrono::Utc::now().date_naive().year_ce().1 + 1;
    s.change(corporation, json!({"legal_name": "Acme Americas Inc.", "effective_from": format!("{next_year}-01-01")}))
        .await?;
    let jane = s
        .person(
            json!({"given_name": "Jane", "family_name": "Doe", "nationality": "GB", "email": "jane.doe@acme.example"}),
        )
        .await?;
    let john = s.person(json!({"given_name": "John", "family_name": "Smith", "nationality": "US"})).await?;
    let maria = s.person(json!({"given_name": "Maria", "family_name": "Schmidt", "nationality": "DE"})).await?;
    s.appoint(
        json!({"entity_id": holdings, "holder": {"person_id": jane}, "role": "director", "appointed_on": "2019-04-01"}),
    )
    .await?;
    s.appoint(json!({"entity_id": holdings, "holder": {"person_id": john}, "role": "secretary", "appointed_on": "2020-01-15"})).await?;
    s.appoint(
        json!({"entity_id": corporation, "holder": {"person_id": john}, "role": "ceo", "appointed_on": "2020-01-01",
                     "signing_authority": "sole"}),
    )
    .await?;
    s.appoint(json!({"entity_id": europe, "holder": {"person_id": jane}, "role": "managing_director",
                     "appointed_on": "2021-03-01", "ceased_on": "2024-02-29"}))
        .await?;
    s.appoint(json!({"entity_id": europe, "holder": {"person_id": maria}, "role": "managing_director",
                     "appointed_on": "2024-02-29", "signing_authority": "joint"}))
        .await?;
    s.appoint(
        json!({"entity_id": asia, "holder": {"entity_id": holdings}, "role": "director", "appointed_on": "2019-11-20"}),
    )
    .await?;
    seed_acme_shares(s, [holdings, corporation, europe, asia], [jane, john, maria]).await
}

/// Acme's share capital: the founders hold the parent (some preference
/// shares jointly), which holds the subsidiaries (Europe partly through the
/// US corporation), with a later transfer, so registers, charts and
/// effective ownership differ by date.
async fn seed_acme_shares(s: &mut Seeder, entities: [EntityId; 4], persons: [PersonId; 3]) -> Result<()> {
    let [holdings, corporation, europe, asia] = entities;
    let [jane, john, maria] = persons;
    let class = |name: &str, currency: &str, nominal: &str, authorised: u64| {
        json!({"name": name, "currency": currency, "nominal_value": nominal, "votes_per_share": 1,
               "authorised_shares": authorised, "effective_from": "2010-01-01"})
    };
    let ordinary = s.share_class(holdings, class("Ordinary", "GBP", "0.01", 1_000_000)).await?;
    let preference = s
        .share_class(
            holdings,
            json!({"name": "Preference", "currency": "GBP", "nominal_value": "1", "votes_per_share": 0,
                   "authorised_shares": 50_000, "effective_from": "2010-01-01"}),
        )
        .await?;
    let common = s.share_class(corporation, class("Common", "USD", "1", 10_000)).await?;
    let europe_shares = s.share_class(europe, class("Parts sociales", "EUR", "25", 2_000)).await?;
    let asia_shares = s.share_class(asia, class("Ordinary", "SGD", "1", 100_000)).await?;
    let issue = |class: ShareClassId, to: Value, shares: u64, on: &str| json!({"kind": "issuance", "share_class_id": class, "to_holder": to, "shares": shares, "effective_from": on});
    let person = |id: PersonId| json!({"person_id": id});
    let entity = |id: EntityId| json!({"entity_id": id});
    for body in [
        issue(ordinary, person(jane), 600_000, "2010-03-01"),
        issue(ordinary, person(john), 400_000, "2012-07-01"),
        // Preference shares registered to John and Maria jointly, John named first.
        issue(preference, json!({"joint_holders": [person(john), person(maria)]}), 5_000, "2014-01-01"),
        issue(preference, person(maria), 20_000, "2015-01-01"),
        json!({"kind": "transfer", "share_class_id": ordinary, "from_holder": person(jane), "to_holder": person(maria),
               "shares": 150_000, "effective_from": "2023-06-30"}),
        issue(common, entity(holdings), 10_000, "2012-09-01"),
        issue(europe_shares, entity(holdings), 1_600, "2015-05-01"),
        issue(europe_shares, entity(corporation), 400, "2015-05-01"),
        issue(asia_shares, entity(europe), 75_000, "2019-11-20"),
        issue(asia_shares, person(john), 25_000, "2019-11-20"),
    ] {
        s.share_transaction(body).await?;
    }
    // A transfer entered against the wrong holder, taken back: the ledger
    // keeps both, the register never shows it.
    let mistaken = s
        .share_transaction(json!({"kind": "transfer", "share_class_id": ordinary, "from_holder": person(john),
                                  "to_holder": person(jane), "shares": 50_000, "effective_from": "2024-03-31"}))
        .await?;
    s.reverse_share_transaction(mistaken, "entered against the wrong holder: the board approved it for Maria").await?;
    // Acme Asia's shareholders raised its authorised capital for a rights issue.
    s.change_authorised_capital(
        asia_shares,
        json!({"authorised_shares": 250_000, "effective_from": "2024-01-01",
               "reason": "ordinary resolution of 2023-12-15 (rights issue)"}),
    )
    .await?;
    s.share_transaction(issue(asia_shares, entity(europe), 100_000, "2024-02-01")).await?;
    Ok(())
}

async fn seed_globex(s: &mut Seeder) -> Result<()> {
    let parent = s
        .entity(json!({"legal_name": "Globex Corporation", "jurisdiction": "US-DE", "legal_form": "XTIQ",
                       "incorporation_date": "1989-05-05", "effective_from": "1989-05-05"}))
        .await?;
    s.entity(json!({"legal_name": "Globex UK Limited", "jurisdiction": "GB", "legal_form": "H0PO",
                    "registration_number": "07654321", "effective_from": "2010-02-01"}))
        .await?;
    s.entity(json!({"legal_name": "Globex Nederland B.V.", "jurisdiction": "NL", "effective_from": "2015-10-10",
                    "management_status": "outgoing"}))
        .await?;
    let hank = s.person(json!({"given_name": "Hank", "family_name": "Scorpio", "nationality": "US"})).await?;
    s.appoint(json!({"entity_id": parent, "holder": {"person_id": hank}, "role": "ceo", "appointed_on": "1995-01-01"}))
        .await?;
    // A real group: Shell plc and its direct children as GLEIF published
    // them (the repository's test fixtures, built into the binary).
    let documents = SHELL_FROM_GLEIF
        .iter()
        .map(|(name, text)| {
            let records = charter_api::gleif::read_file(name, text.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(((*name).to_owned(), records))
        })
        .collect::<Result<Vec<_>>>()?;
    let report = charter_api::gleif::import(&mut s.tx, "system:demo seed", &documents)
        .await
        .map_err(|e| anyhow::anyhow!("importing the GLEIF sample: {e}"))?;
    anyhow::ensure!(report.refused.is_empty(), "the GLEIF sample has refused records: {:?}", report.refused);
    Ok(())
}

/// GLEIF API files of Shell plc (LEI 21380068P1DRHMJ8KU70), fetched 2025-05-15.
const SHELL_FROM_GLEIF: [(&str, &str); 3] = [
    (
        "single_lei_record_21380068P1DRHMJ8KU70.json",
        include_str!("../../../../tests/fixtures/gleif/single_lei_record_21380068P1DRHMJ8KU70.json"),
    ),
    (
        "direct-children_21380068P1DRHMJ8KU70.json",
        include_str!("../../../../tests/fixtures/gleif/direct-children_21380068P1DRHMJ8KU70.json"),
    ),
    (
        "direct-child-relationships_21380068P1DRHMJ8KU70.json",
        include_str!("../../../../tests/fixtures/gleif/direct-child-relationships_21380068P1DRHMJ8KU70.json"),
    ),
];

async fn seed_umbrella(s: &mut Seeder) -> Result<()> {
    s.entity(json!({"legal_name": "Umbrella Holdings plc", "jurisdiction": "GB", "legal_form": "B6ES",
                    "effective_from": "1998-01-01"}))
        .await?;
    s.entity(json!({"legal_name": "Umbrella Pharma AG", "jurisdiction": "CH", "legal_form": "MVII",
                    "effective_from": "2003-04-01"}))
        .await?;
    Ok(())
}
