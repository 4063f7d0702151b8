//! `charter demo`: the embedded default, a few demo tenants with sample
//! entities, and the API.

use anyhow::Result;
use charter_domain::{
    access::TenantGrant,
    api_key::KeyName,
    entity::NewEntity,
    ids::EntityId,
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_fleet::{Fleet, OnboardRequest};
use charter_storage::control::KeyRole;
use charter_storage::data::TxOptions;

use crate::{GlobalArgs, commands::serve, environment};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, env = "CHARTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// A demo tenant and its sample entities.
struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    placement: Placement,
    /// (legal name, jurisdiction)
    entities: &'static [(&'static str, &'static str)],
}

const DEMO_TENANTS: &[DemoTenant] = &[
    DemoTenant {
        slug: "acme",
        name: "Acme Corporation",
        placement: Placement::Shared,
        entities: &[
            ("Acme Holdings Ltd", "GB"),
            ("Acme Corporation", "US-DE"),
            ("Acme Europe GmbH", "DE"),
            ("Acme Asia Pte. Ltd.", "SG"),
        ],
    },
    DemoTenant {
        slug: "globex",
        name: "Globex Corporation",
        placement: Placement::Shared,
        entities: &[("Globex Corporation", "US-DE"), ("Globex UK Limited", "GB"), ("Globex Nederland B.V.", "NL")],
    },
    DemoTenant {
        slug: "umbrella",
        name: "Umbrella Holdings",
        placement: Placement::Dedicated,
        entities: &[("Umbrella Holdings plc", "GB"), ("Umbrella Pharma AG", "CH")],
    },
];

pub async fn run(global: &GlobalArgs, args: DemoArgs) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = async {
        serve::ensure_schema_current(&connected).await?;
        seed(&connected.fleet).await?;
        let name = KeyName::parse("name", &format!("demo {}", chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")))?;
        let (_, key) = connected.fleet.control().create_key(None, KeyRole::PlatformAdmin, &name, None).await?;
        serve::serve(&connected.fleet, &args.listen, |addr| {
            let key = key.expose();
            println!(
                "\nCharter demo is running at http://{addr}\n\
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

/// Onboards the demo tenants and gives each its sample entities, once.
async fn seed(fleet: &Fleet) -> Result<()> {
    for demo in DEMO_TENANTS {
        let request = OnboardRequest {
            slug: Slug::parse("slug", demo.slug)?,
            name: TenantName::parse("name", demo.name)?,
            placement: demo.placement,
            tier: Tier::Standard,
        };
        let tenant = fleet.onboard(&request).await?.tenant().clone();
        let Some(database) = tenant.database else {
            continue;
        };
        let mut tx = fleet
            .data()
            .begin(database.id, &TenantGrant::for_system(tenant.id, "demo seed"), TxOptions::maintenance())
            .await?;
        if tx.list_entities(None, 1).await?.is_empty() {
            for (legal_name, jurisdiction) in demo.entities {
                let entity = NewEntity::parse(Some(legal_name), Some(jurisdiction))?;
                tx.insert_entity(EntityId::generate(), &entity).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}
