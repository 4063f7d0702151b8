//! `charter tenant`: onboarding and inspecting tenants.

use anyhow::{Result, anyhow};
use charter_domain::tenant::{Placement, Slug, TenantName, Tier};
use charter_fleet::{OnboardRequest, Onboarded};
use charter_storage::control::TenantRecord;
use clap::Subcommand;
use serde::Serialize;

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Onboard a tenant (idempotent on the slug).
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["shared", "dedicated"], default_value = "shared")]
        placement: String,
        /// Service tier: request rate and statement time limits.
        #[arg(long, value_parser = ["standard", "premium", "unmetered"], default_value = "standard")]
        tier: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a tenant's service tier.
    SetTier {
        slug: String,
        #[arg(value_parser = ["standard", "premium", "unmetered"])]
        tier: String,
    },
    /// List every tenant.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one tenant.
    Show {
        slug: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct TenantView {
    id: String,
    slug: String,
    name: String,
    placement: &'static str,
    status: &'static str,
    tier: &'static str,
    database: Option<String>,
    created_at: String,
}

impl From<&TenantRecord> for TenantView {
    fn from(t: &TenantRecord) -> Self {
        Self {
            id: t.id.to_string(),
            slug: t.slug.to_string(),
            name: t.name.as_str().to_owned(),
            placement: t.placement.as_str(),
            status: t.status.as_str(),
            tier: t.tier.as_str(),
            database: t.database.as_ref().map(|d| d.name.clone()),
            created_at: t.created_at.to_rfc3339(),
        }
    }
}

pub async fn run(global: &GlobalArgs, command: TenantCommand) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = execute(&connected.fleet, command).await;
    connected.shutdown().await?;
    result
}

async fn execute(fleet: &charter_fleet::Fleet, command: TenantCommand) -> Result<()> {
    match command {
        TenantCommand::Create { slug, name, placement, tier, json } => {
            let request = OnboardRequest {
                slug: Slug::parse("--slug", &slug)?,
                name: TenantName::parse("--name", &name)?,
                placement: Placement::parse("--placement", &placement)?,
                tier: Tier::parse("--tier", &tier)?,
            };
            let outcome = fleet.onboard(&request).await?;
            let view = TenantView::from(outcome.tenant());
            if json {
                return output::json(&view);
            }
            let verb = if matches!(outcome, Onboarded::Created(_)) { "onboarded" } else { "already onboarded:" };
            println!("{verb} {} in {}", view.slug, view.database.as_deref().unwrap_or("-"));
            Ok(())
        }
        TenantCommand::SetTier { slug, tier } => {
            let slug = Slug::parse("slug", &slug)?;
            let tier = Tier::parse("tier", &tier)?;
            let tenant = fleet.control().tenant_by_slug(&slug).await?.ok_or_else(|| anyhow!("no tenant {slug}"))?;
            fleet.control().set_tier(tenant.id, tier).await?;
            println!("{slug} is now {}", tier.as_str());
            Ok(())
        }
        TenantCommand::List { json } => {
            let mut tenants = Vec::new();
            let mut after: Option<Slug> = None;
            loop {
                let page = fleet.control().list_tenants(after.as_ref(), 1000, None).await?;
                let done = page.len() < 1000;
                after = page.last().map(|t| t.slug.clone());
                tenants.extend(page.iter().map(TenantView::from));
                if done {
                    break;
                }
            }
            if json {
                return output::json(&tenants);
            }
            let rows: Vec<Vec<String>> = tenants
                .iter()
                .map(|t| {
                    vec![
                        t.slug.clone(),
                        t.name.clone(),
                        t.placement.to_owned(),
                        t.status.to_owned(),
                        t.database.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(&["SLUG", "NAME", "PLACEMENT", "STATUS", "DATABASE"], &rows);
            Ok(())
        }
        TenantCommand::Show { slug, json } => {
            let slug = Slug::parse("slug", &slug)?;
            let tenant = fleet.control().tenant_by_slug(&slug).await?.ok_or_else(|| anyhow!("no tenant {slug}"))?;
            let view = TenantView::from(&tenant);
            if json {
                return output::json(&view);
            }
            output::table(
                &["SLUG", "NAME", "PLACEMENT", "STATUS", "DATABASE", "ID"],
                &[vec![
                    view.slug,
                    view.name,
                    view.placement.into(),
                    view.status.into(),
                    view.database.unwrap_or_default(),
                    view.id,
                ]],
            );
            Ok(())
        }
    }
}
