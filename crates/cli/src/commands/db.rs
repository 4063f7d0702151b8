//! `charter db`: the data-plane databases.

use anyhow::{Result, bail};
use charter_domain::tenant::DatabaseKind;
use charter_fleet::AddDatabase;
use charter_storage::{DbUrl, admin::AdminConnection, control::DatabaseRecord, lint::Violation};
use clap::Subcommand;
use serde::Serialize;

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Register a database (created if missing): roles, schema, registry.
    Add {
        /// `shared` (many tenants) or `dedicated` (one tenant).
        #[arg(long, value_parser = ["shared", "dedicated"])]
        kind: String,
        /// Administrative URL of the database (a role that may create roles and schemas).
        #[arg(long)]
        url: String,
        /// Name in the registry; default: the database's name.
        #[arg(long)]
        name: Option<String>,
        /// Tenants it may hold (shared databases; default 5000).
        #[arg(long)]
        capacity: Option<i32>,
        /// URL for the application role, if it cannot be derived from --url
        /// (e.g. through a connection pooler).
        #[arg(long)]
        app_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the databases with their tenant counts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check every database against the isolation rules (the schema lint).
    Lint {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct DatabaseView {
    id: String,
    name: String,
    kind: &'static str,
    status: String,
    tenants: i64,
    capacity: i32,
    url: String,
}

impl From<&DatabaseRecord> for DatabaseView {
    fn from(d: &DatabaseRecord) -> Self {
        Self {
            id: d.id.to_string(),
            name: d.name.clone(),
            kind: d.kind.as_str(),
            status: d.status.clone(),
            tenants: d.tenant_count,
            capacity: d.capacity,
            url: d.admin_url.to_string(),
        }
    }
}

pub async fn run(global: &GlobalArgs, command: DbCommand) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = execute(&connected.fleet, command).await;
    connected.shutdown().await?;
    result
}

async fn execute(fleet: &charter_fleet::Fleet, command: DbCommand) -> Result<()> {
    match command {
        DbCommand::Add { kind, url, name, capacity, app_url, json } => {
            let kind = DatabaseKind::parse("kind", &kind)?;
            let record = fleet
                .add_database(AddDatabase {
                    kind,
                    admin_url: DbUrl::parse(&url)?,
                    app_url: app_url.as_deref().map(DbUrl::parse).transpose()?,
                    name,
                    capacity,
                })
                .await?;
            if json {
                output::json(&DatabaseView::from(&record))
            } else {
                println!("registered {} database {} ({})", record.kind.as_str(), record.name, record.admin_url);
                Ok(())
            }
        }
        DbCommand::List { json } => {
            let databases = fleet.control().list_databases().await?;
            let views: Vec<DatabaseView> = databases.iter().map(DatabaseView::from).collect();
            if json {
                return output::json(&views);
            }
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|d| {
                    vec![
                        d.name.clone(),
                        d.kind.to_owned(),
                        d.status.clone(),
                        format!("{}/{}", d.tenants, d.capacity),
                        d.url.clone(),
                    ]
                })
                .collect();
            output::table(&["NAME", "KIND", "STATUS", "TENANTS", "URL"], &rows);
            Ok(())
        }
        DbCommand::Lint { json } => {
            #[derive(Serialize)]
            struct Report {
                database: String,
                violations: Vec<Violation>,
            }
            let mut reports = Vec::new();
            for database in fleet.control().list_databases().await? {
                let connection = AdminConnection::connect(&database.admin_url).await?;
                reports.push(Report { database: database.name, violations: connection.lint_schema().await? });
            }
            let total: usize = reports.iter().map(|r| r.violations.len()).sum();
            if json {
                output::json(&reports)?;
            } else {
                for report in &reports {
                    if report.violations.is_empty() {
                        println!("{}: ok", report.database);
                    }
                    for violation in &report.violations {
                        println!("{}: {violation}", report.database);
                    }
                }
            }
            if total > 0 {
                bail!("{total} isolation rule(s) broken");
            }
            Ok(())
        }
    }
}
