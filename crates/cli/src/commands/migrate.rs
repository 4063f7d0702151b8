//! `charter migrate`: the fleet migration service.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use anyhow::{Result, bail};
use charter_fleet::{
    Fleet,
    migrate::{ApplyOptions, ApplyReport, DatabaseReport, Progress},
};
use clap::Subcommand;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{GlobalArgs, environment, output};

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// What would run on each database, and for how many tenants.
    Plan {
        #[arg(long)]
        json: bool,
    },
    /// Apply every pending migration: DDL once per database, DML once per tenant.
    Apply {
        /// Databases migrated at the same time.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Migrate this many databases first; stop if any of them fails.
        #[arg(long, default_value_t = 0)]
        canary: usize,
        /// Tenants of one database migrated at the same time.
        #[arg(long, default_value_t = 4)]
        tenant_jobs: usize,
        #[arg(long)]
        json: bool,
    },
    /// DDL version per database and tenants per DML version.
    Status {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(global: &GlobalArgs, command: MigrateCommand) -> Result<()> {
    let connected = environment::connect(global).await?;
    let result = execute(&connected.fleet, command).await;
    connected.shutdown().await?;
    result
}

async fn execute(fleet: &Fleet, command: MigrateCommand) -> Result<()> {
    let set = fleet.migrations();
    match command {
        MigrateCommand::Plan { json } => {
            let plan = fleet.plan(set).await?;
            if json {
                return output::json(&plan);
            }
            for database in &plan.databases {
                println!(
                    "{} ({}, DDL {:04}, {} tenants)",
                    database.database, database.kind, database.ddl_version, database.tenants
                );
                for ddl in &database.pending_ddl {
                    match &ddl.waits_for {
                        Some(dml) => println!("  {}  (contract: once every tenant has applied {dml})", ddl.migration),
                        None => println!("  {}", ddl.migration),
                    }
                }
                for dml in &database.pending_dml {
                    println!("  {}  for {} tenant(s)", dml.migration, dml.tenants);
                }
                if database.pending_ddl.is_empty() && database.pending_dml.is_empty() {
                    println!("  up to date");
                }
            }
            Ok(())
        }
        MigrateCommand::Apply { jobs, canary, tenant_jobs, json } => {
            let bars = Bars::new();
            let report = fleet.apply(set, &ApplyOptions { jobs, canary, tenant_jobs }, &bars).await?;
            bars.clear();
            if json {
                output::json(&report)?;
            } else {
                print_report(&report);
            }
            if report.failed() {
                bail!("the migration did not complete everywhere (see above)");
            }
            Ok(())
        }
        MigrateCommand::Status { json } => {
            let status = fleet.status(set).await?;
            if json {
                output::json(&status)?;
            } else {
                let rows: Vec<Vec<String>> = status
                    .iter()
                    .map(|s| {
                        let histogram: Vec<String> =
                            s.dml_histogram.iter().map(|(v, n)| format!("{v:04}: {n}")).collect();
                        vec![
                            s.database.clone(),
                            s.kind.to_owned(),
                            format!("{:04}/{:04}", s.ddl_version, s.ddl_latest),
                            s.tenants.to_string(),
                            s.error.clone().unwrap_or_else(|| histogram.join(", ")),
                        ]
                    })
                    .collect();
                output::table(&["DATABASE", "KIND", "DDL", "TENANTS", "TENANTS BY DML VERSION"], &rows);
            }
            if status.iter().any(|s| s.error.is_some()) {
                bail!("some databases could not be read");
            }
            Ok(())
        }
    }
}

fn print_report(report: &ApplyReport) {
    for database in &report.databases {
        print_database(database);
    }
    if report.canary_failed {
        println!("the canary failed; not migrated: {}", report.skipped.join(", "));
    }
}

fn print_database(database: &DatabaseReport) {
    let dml: Vec<String> = database.dml_applied.iter().map(|(m, n)| format!("{m} on {n} tenant(s)")).collect();
    let mut done: Vec<String> = database.ddl_applied.clone();
    done.extend(dml);
    if done.is_empty() {
        println!("{}: nothing to do", database.database);
    } else {
        println!("{}: applied {}", database.database, done.join("; "));
    }
    for waiting in &database.waiting {
        println!("  waiting: {waiting}");
    }
    for failure in &database.tenant_failures {
        println!(
            "  FAILED tenant {} ({}): {}: {}",
            failure.tenant, failure.tenant_id, failure.migration, failure.error
        );
    }
    if let Some(error) = &database.error {
        println!("  FAILED: {error}");
    }
}

/// One progress bar per database, drawn only on a terminal.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn new() -> Self {
        Self { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()), bars: Mutex::new(HashMap::new()) }
    }

    fn with_bar(&self, database: &str, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(database)
        {
            f(bar);
        }
    }

    fn clear(&self) {
        let _ = self.multi.clear();
    }
}

impl Progress for Bars {
    fn database_started(&self, database: &str, tenant_runs: usize) {
        let bar = self.multi.add(ProgressBar::new(tenant_runs as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix:30} [{bar:30}] {pos}/{len} tenant runs {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(database.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(database.to_owned(), bar);
        }
    }

    fn ddl_applied(&self, database: &str, migration: &str) {
        self.with_bar(database, |bar| bar.set_message(migration.to_owned()));
    }

    fn tenant_done(&self, database: &str, _ok: bool) {
        self.with_bar(database, |bar| bar.inc(1));
    }

    fn database_finished(&self, report: &DatabaseReport) {
        let verdict = if report.failed() { "failed" } else { "done" };
        self.with_bar(&report.database, |bar| bar.finish_with_message(verdict));
    }
}
