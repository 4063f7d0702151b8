//! `charter audit`: the tenants' audit trails.

use anyhow::{Result, anyhow, bail};
use charter_domain::{access::TenantGrant, tenant::Slug};
use charter_storage::data::TxOptions;
use clap::Subcommand;

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute a tenant's hash chain and report the first broken link.
    Verify {
        slug: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(global: &GlobalArgs, command: AuditCommand) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = async {
        let AuditCommand::Verify { slug, json } = command;
        let slug = Slug::parse("slug", &slug)?;
        let fleet = &connected.fleet;
        let tenant = fleet.control().tenant_by_slug(&slug).await?.ok_or_else(|| anyhow!("no tenant {slug}"))?;
        let database = tenant.database.ok_or_else(|| anyhow!("tenant {slug} has no database"))?;
        let grant = TenantGrant::for_system(tenant.id, "audit verify");
        let mut tx = fleet.data().begin(database.id, &grant, TxOptions::snapshot()).await?;
        let check = tx.verify_audit().await?;
        tx.commit().await?;
        if json {
            output::json(&check)?;
        }
        match check.first_broken {
            None => {
                if !json {
                    println!("the audit chain of {slug} is intact: {} events", check.events);
                }
                Ok(())
            }
            Some(link) => {
                if !json {
                    println!(
                        "the audit chain of {slug} is broken at event {} ({}): {}",
                        link.seq, link.id, link.problem
                    );
                }
                bail!("the audit chain of {slug} is broken at event {} ({})", link.seq, link.id)
            }
        }
    }
    .await;
    connected.shutdown().await?;
    result
}
