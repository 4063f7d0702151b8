//! `charter`: the one binary. Subcommands run the service (`serve`, `demo`)
//! and administer the fleet (`db`, `tenant`, `admin-key`, `bench`).

mod commands;
mod embedded;
mod environment;
mod output;
mod seed;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "charter", version, about = "Multi-tenant legal entity management", long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the control plane is, for every subcommand.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// The control plane's PostgreSQL URL. Without it, Charter runs a private
    /// PostgreSQL cluster in --data-dir (the embedded default).
    #[arg(long, env = "CHARTER_DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Data directory of the embedded default.
    #[arg(long, env = "CHARTER_DATA_DIR", global = true, default_value = ".charter")]
    data_dir: PathBuf,
    /// Read migrations from this directory (with ddl/ and dml/) instead of
    /// the ones built into the binary.
    #[arg(long, env = "CHARTER_MIGRATIONS_DIR", global = true)]
    migrations: Option<PathBuf>,
    /// Log format on standard error: `text` or `json`.
    #[arg(long, env = "CHARTER_LOG_FORMAT", global = true, default_value = "text")]
    log_format: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(commands::serve::ServeArgs),
    /// Serve the API on the embedded default with demo tenants and data.
    Demo(commands::demo::DemoArgs),
    /// Register and inspect data-plane databases.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Onboard and inspect tenants.
    #[command(subcommand)]
    Tenant(commands::tenant::TenantCommand),
    /// Migrate the fleet: DDL once per database, DML once per tenant.
    #[command(subcommand)]
    Migrate(commands::migrate::MigrateCommand),
    /// Platform administrator keys.
    #[command(subcommand, name = "admin-key")]
    AdminKey(commands::admin_key::AdminKeyCommand),
    /// Recompute a tenant's audit chain.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// The ISO 3166 and ISO 20275 reference lists.
    #[command(subcommand)]
    Reference(commands::reference::ReferenceCommand),
    /// Import outside data into a tenant's register (GLEIF).
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Benchmarks (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
}

fn main() -> ExitCode {
    charter_api::oidc::install_tls_provider();
    let cli = Cli::parse();
    environment::init_tracing(&cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    match cli.command {
        Command::Serve(args) => commands::serve::run(global, args).await,
        Command::Demo(args) => commands::demo::run(global, args).await,
        Command::Db(command) => commands::db::run(global, command).await,
        Command::Tenant(command) => commands::tenant::run(global, command).await,
        Command::AdminKey(command) => commands::admin_key::run(global, command).await,
        Command::Migrate(command) => commands::migrate::run(global, command).await,
        Command::Audit(command) => commands::audit::run(global, command).await,
        Command::Reference(command) => commands::reference::run(global, command).await,
        Command::Import(command) => commands::import::run(global, command).await,
        Command::Bench(command) => commands::bench::run(global, command).await,
    }
}
