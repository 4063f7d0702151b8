//! `charter tenant`: onboarding and inspecting tenants.

use std::{path::PathBuf, time::Duration};

use anyhow::{Result, anyhow};
use charter_domain::tenant::{Placement, Slug, TenantName, Tier};
use charter_fleet::{OnboardRequest, Onboarded, lifecycle::MoveOptions};
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
    /// Move a tenant to another database, online: copy, a short write
    /// freeze, catch up, verify, switch, purge the source.
    Move {
        slug: String,
        /// The database to move to (its registry name, see `charter db list`).
        #[arg(long)]
        to: String,
        /// How long the source keeps the tenant's rows after the switch,
        /// for API processes whose cache still points there.
        #[arg(long, default_value_t = 10_000)]
        grace_ms: u64,
        #[arg(long)]
        json: bool,
    },
    /// Write a portable archive of a tenant (NDJSON per table + manifest).
    Export {
        slug: String,
        /// Where to write it; default `<slug>-<time>.tar.gz`.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Restore an archive as a new tenant, into any database.
    Import {
        archive: PathBuf,
        /// The new tenant's slug; default the archived one.
        #[arg(long)]
        slug: Option<String>,
        /// The database to restore into; default placed like a new shared tenant.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export a tenant, delete all of its rows, keep a tombstone.
    Offboard {
        slug: String,
        /// Where the export is kept.
        #[arg(long, env = "CHARTER_EXPORT_DIR", default_value = "exports")]
        archive_dir: PathBuf,
        #[arg(long)]
        json: bool,
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
        TenantCommand::Move { slug, to, grace_ms, json } => {
            let slug = Slug::parse("slug", &slug)?;
            let report = fleet.move_tenant(&slug, &to, &MoveOptions { grace: Duration::from_millis(grace_ms) }).await?;
            if json {
                return output::json(&report);
            }
            if let Some(recovered) = &report.recovered {
                println!("{recovered}");
            }
            println!(
                "moved {} from {} to {}: {} rows copied, {} caught up, writes frozen for {} ms, {} tables verified",
                report.tenant,
                report.from,
                report.to,
                report.rows_copied,
                report.rows_caught_up,
                report.freeze_ms,
                report.verified.len()
            );
            Ok(())
        }
        TenantCommand::Export { slug, out, json } => {
            let slug = Slug::parse("slug", &slug)?;
            let path = out.unwrap_or_else(|| {
                PathBuf::from(format!("{slug}-{}.tar.gz", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")))
            });
            let summary = fleet.export_tenant(&slug, &path).await?;
            if json {
                return output::json(&summary);
            }
            let rows: usize = summary.manifest.tables.iter().map(|t| t.rows).sum();
            println!("exported {slug} to {} ({rows} rows, sha256 {})", summary.path.display(), summary.sha256);
            Ok(())
        }
        TenantCommand::Import { archive, slug, to, json } => {
            let slug = slug.as_deref().map(|s| Slug::parse("--slug", s)).transpose()?;
            let tenant = fleet.import_tenant(&archive, slug.as_ref(), to.as_deref()).await?;
            let view = TenantView::from(&tenant);
            if json {
                return output::json(&view);
            }
            println!("imported {} into {}", view.slug, view.database.as_deref().unwrap_or("-"));
            Ok(())
        }
        TenantCommand::Offboard { slug, archive_dir, json } => {
            let slug = Slug::parse("slug", &slug)?;
            let report = fleet.offboard(&slug, &archive_dir).await?;
            if json {
                return output::json(&report);
            }
            println!(
                "offboarded {}: {} rows deleted; export {} (sha256 {})",
                report.tenant,
                report.rows_deleted,
                report.archive.display(),
                report.archive_sha256
            );
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
