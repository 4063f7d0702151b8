//! `charter admin-key`: platform administrator keys.

use anyhow::{Result, bail};
use charter_domain::{api_key::KeyName, ids::ApiKeyId};
use charter_storage::control::KeyRole;
use clap::Subcommand;
use serde::Serialize;

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum AdminKeyCommand {
    /// Create a platform-admin key and print it (shown once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List platform-admin keys (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a platform-admin key.
    Revoke { id: String },
}

pub async fn run(global: &GlobalArgs, command: AdminKeyCommand) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = execute(&connected.fleet, command).await;
    connected.shutdown().await?;
    result
}

#[derive(Serialize)]
struct KeyView {
    id: String,
    name: String,
    prefix: String,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

async fn execute(fleet: &charter_fleet::Fleet, command: AdminKeyCommand) -> Result<()> {
    let control = fleet.control();
    match command {
        AdminKeyCommand::Create { name, json } => {
            let name = KeyName::parse("--name", &name)?;
            let (record, secret) = control.create_key(None, KeyRole::PlatformAdmin, &name, None, None).await?;
            if json {
                output::json(
                    &serde_json::json!({ "id": record.id.to_string(), "name": record.name, "key": secret.expose() }),
                )
            } else {
                println!("{}", secret.expose());
                eprintln!("created platform-admin key {} ({}); it is shown only once", record.name, record.id);
                Ok(())
            }
        }
        AdminKeyCommand::List { json } => {
            let keys: Vec<KeyView> = control
                .list_keys(None)
                .await?
                .into_iter()
                .map(|k| KeyView {
                    id: k.id.to_string(),
                    name: k.name,
                    prefix: k.prefix,
                    created_at: k.created_at.to_rfc3339(),
                    revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
                    last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
                })
                .collect();
            if json {
                return output::json(&keys);
            }
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        k.id.clone(),
                        k.name.clone(),
                        k.prefix.clone(),
                        k.created_at.clone(),
                        k.revoked_at.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            output::table(&["ID", "NAME", "PREFIX", "CREATED", "REVOKED"], &rows);
            Ok(())
        }
        AdminKeyCommand::Revoke { id } => {
            let id = ApiKeyId::parse("id", &id)?;
            match control.revoke_key(None, id).await? {
                Some(_) => {
                    println!("revoked {id}");
                    Ok(())
                }
                None => bail!("no platform-admin key {id}"),
            }
        }
    }
}
