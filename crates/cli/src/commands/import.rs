//! `charter import`: bringing outside data into a tenant's register.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use charter_domain::{access::TenantGrant, tenant::Slug};
use charter_storage::data::TxOptions;
use clap::Subcommand;

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import GLEIF API JSON files (`lei-records`, `relationship-records`):
    /// entities keyed by LEI, consolidation relationships with their periods.
    /// Bad records are reported and skipped; the rest are imported.
    Gleif {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// GLEIF files: API JSON (`lei-records`, `relationship-records`) or
        /// golden-copy CSV (LEI-CDF 3.1, RR-CDF 2.1), told apart by content.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(global: &GlobalArgs, command: ImportCommand) -> Result<()> {
    let ImportCommand::Gleif { tenant, files, json } = command;
    let mut contents = Vec::with_capacity(files.len());
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        contents.push((file.display().to_string(), bytes));
    }
    let documents = charter_api::gleif::read_files(&contents).map_err(|e| anyhow!("{}: {}", e.field, e.message))?;
    let connected = environment::connect(global).await?;
    let result = async {
        let slug = Slug::parse("tenant", &tenant)?;
        let fleet = &connected.fleet;
        let found = fleet.control().tenant_by_slug(&slug).await?.ok_or_else(|| anyhow!("no tenant {slug}"))?;
        let database = found.database.ok_or_else(|| anyhow!("tenant {slug} has no database"))?;
        let grant = TenantGrant::for_system(found.id, "gleif import");
        let mut tx = fleet.data().begin(database.id, &grant, TxOptions::write()).await?;
        let actor = grant.actor().to_string();
        let report = charter_api::gleif::import(&mut tx, &actor, &documents).await.map_err(|e| anyhow!("{e}"))?;
        tx.commit().await?;
        if json {
            output::json(&report)?;
        } else {
            println!(
                "{slug}: {} entities created, {} updated ({} facts), {} unchanged, {} known only from relationships; \
                 relationships: {} created, {} changed, {} unchanged; {} records refused",
                report.entities_created,
                report.entities_updated,
                report.facts_changed,
                report.entities_unchanged,
                report.entities_from_relationships,
                report.relationships_created,
                report.relationships_changed,
                report.relationships_unchanged,
                report.refused.len()
            );
            for refusal in &report.refused {
                println!("refused {} in {}: {}", refusal.record, refusal.file, refusal.reason);
            }
        }
        if report.refused.is_empty() { Ok(()) } else { bail!("{} records were refused", report.refused.len()) }
    }
    .await;
    connected.shutdown().await?;
    result
}
