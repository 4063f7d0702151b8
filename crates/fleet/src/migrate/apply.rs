//! `charter migrate apply`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use charter_domain::{access::TenantGrant, ids::TenantId};
use charter_storage::{
    admin::AdminConnection,
    control::DatabaseRecord,
    data::TxOptions,
    data::{DmlOutcome, DmlStep},
};
use futures::{StreamExt, stream};
use serde::Serialize;

use super::database::{Ledgers, connect};
use crate::{
    Fleet, FleetError,
    migrations::{DmlMigration, MigrationSet},
};

/// How `apply` spreads its work.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Databases migrated at the same time.
    pub jobs: usize,
    /// Databases migrated first, one by one; if any fails, the run stops.
    pub canary: usize,
    /// Tenants of one database migrated at the same time.
    pub tenant_jobs: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self { jobs: 2, canary: 0, tenant_jobs: 4 }
    }
}

/// Hears what `apply` does, e.g. to draw progress bars.
pub trait Progress: Send + Sync {
    /// A database is locked and about to be migrated; `tenant_runs` counts
    /// the (tenant, DML) pairs pending.
    fn database_started(&self, _database: &str, _tenant_runs: usize) {}
    fn ddl_applied(&self, _database: &str, _migration: &str) {}
    fn tenant_done(&self, _database: &str, _ok: bool) {}
    fn database_finished(&self, _report: &DatabaseReport) {}
}

/// A [`Progress`] that hears nothing.
pub struct Silent;

impl Progress for Silent {}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    pub databases: Vec<DatabaseReport>,
    /// The canary databases failed, so the others were not touched.
    pub canary_failed: bool,
    /// Databases not migrated because the canary failed.
    pub skipped: Vec<String>,
}

impl ApplyReport {
    pub fn failed(&self) -> bool {
        self.canary_failed || self.databases.iter().any(DatabaseReport::failed)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DatabaseReport {
    pub database: String,
    pub ddl_applied: Vec<String>,
    /// Migration → tenants it was applied to in this run.
    pub dml_applied: BTreeMap<String, usize>,
    /// Contract migrations left for a later run, and why.
    pub waiting: Vec<String>,
    pub tenant_failures: Vec<TenantFailure>,
    /// Why this database stopped (a failing DDL, a lock held elsewhere).
    pub error: Option<String>,
}

impl DatabaseReport {
    pub fn failed(&self) -> bool {
        self.error.is_some() || !self.tenant_failures.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantFailure {
    pub tenant: String,
    pub tenant_id: String,
    pub migration: String,
    pub error: String,
}

impl Fleet {
    /// Migrates every database: the canaries first, then the rest `jobs` at
    /// a time. Plans first, so an edited migration or an unreachable database
    /// stops the run before anything changes.
    pub async fn apply(
        &self,
        set: &MigrationSet,
        options: &ApplyOptions,
        progress: &dyn Progress,
    ) -> Result<ApplyReport, FleetError> {
        self.plan(set).await?;
        let mut databases = self.control.list_databases().await?;
        let rest = databases.split_off(options.canary.min(databases.len()));
        let mut report = ApplyReport::default();
        for canary in &databases {
            report.databases.push(self.migrate_database(canary, set, options.tenant_jobs, progress).await);
        }
        if report.databases.iter().any(DatabaseReport::failed) {
            report.canary_failed = true;
            report.skipped = rest.into_iter().map(|d| d.name).collect();
            return Ok(report);
        }
        let others: Vec<DatabaseReport> = stream::iter(&rest)
            .map(|database| self.migrate_database(database, set, options.tenant_jobs, progress))
            .buffer_unordered(options.jobs.max(1))
            .collect()
            .await;
        report.databases.extend(others);
        Ok(report)
    }

    /// Migrates one database as far as its ledgers allow.
    pub(crate) async fn migrate_database(
        &self,
        database: &DatabaseRecord,
        set: &MigrationSet,
        tenant_jobs: usize,
        progress: &dyn Progress,
    ) -> DatabaseReport {
        let mut report = DatabaseReport { database: database.name.clone(), ..DatabaseReport::default() };
        if let Err(e) = self.migrate_locked(database, set, tenant_jobs, progress, &mut report).await {
            report.error = Some(e.to_string());
        }
        // A fleet of many databases must not keep a pool open to each.
        self.data.release(database.id);
        progress.database_finished(&report);
        report
    }

    async fn migrate_locked(
        &self,
        database: &DatabaseRecord,
        set: &MigrationSet,
        tenant_jobs: usize,
        progress: &dyn Progress,
        report: &mut DatabaseReport,
    ) -> Result<(), FleetError> {
        let mut db = connect(database).await?;
        db.ensure_ddl_ledger().await?;
        db.lock_schema(self.settings.lock_timeout).await?;
        let outcome = self.migrate_steps(&mut db, database, set, tenant_jobs, progress, report).await;
        // If the process dies instead, the session ends and the lock with it.
        let unlocked = db.unlock_schema().await;
        outcome?;
        unlocked?;
        Ok(())
    }

    /// Alternates DDL (as far as contracts allow) and DML (every tenant, in
    /// version order) until nothing more can be done.
    async fn migrate_steps(
        &self,
        db: &mut AdminConnection,
        database: &DatabaseRecord,
        set: &MigrationSet,
        tenant_jobs: usize,
        progress: &dyn Progress,
        report: &mut DatabaseReport,
    ) -> Result<(), FleetError> {
        let mut failed: HashSet<TenantId> = HashSet::new();
        let mut announced = false;
        loop {
            let ledgers = Ledgers::read(db, set, &database.name).await?;
            let mut applied: HashMap<TenantId, BTreeSet<i32>> =
                ledgers.dml.tenants.iter().map(|t| (t.tenant, t.applied.iter().copied().collect())).collect();
            if !announced {
                let runs = set.dml.iter().map(|m| ledgers.tenants_lacking(m.version)).sum();
                progress.database_started(&database.name, runs);
                announced = true;
            }
            let mut progressed = false;
            report.waiting.clear();

            let mut schema = ledgers.ddl_version();
            for ddl in set.pending_ddl(&ledgers.ddl) {
                if let Some(required) = ddl.requires_dml {
                    let missing = applied.values().filter(|versions| !versions.contains(&required)).count();
                    if missing > 0 {
                        let needed = set.dml(required).map_or_else(|| format!("dml/{required:04}"), |m| m.label());
                        report.waiting.push(format!(
                            "{} waits until every tenant has applied {needed} ({missing} tenant(s) have not)",
                            ddl.label()
                        ));
                        break;
                    }
                }
                // A failing DDL stops this database (the error ends the run here).
                db.apply_ddl(&ddl.script, self.settings.lock_timeout).await?;
                tracing::info!(database = %database.name, migration = %ddl.label(), "applied DDL");
                progress.ddl_applied(&database.name, &ddl.label());
                report.ddl_applied.push(ddl.label());
                schema = ddl.script.version;
                progressed = true;
            }

            for dml in set.dml.iter().filter(|m| m.requires_ddl <= schema) {
                let due: Vec<(TenantId, String)> = ledgers
                    .dml
                    .tenants
                    .iter()
                    .filter(|t| !failed.contains(&t.tenant))
                    .filter(|t| {
                        let done = &applied[&t.tenant];
                        !done.contains(&dml.version)
                            && set.dml.iter().filter(|m| m.version < dml.version).all(|m| done.contains(&m.version))
                    })
                    .map(|t| (t.tenant, t.slug.clone()))
                    .collect();
                let mut runs = stream::iter(due)
                    .map(|(tenant, slug)| async move {
                        let outcome = self.apply_dml_to(database, tenant, dml).await;
                        (tenant, slug, outcome)
                    })
                    .buffer_unordered(tenant_jobs.max(1));
                while let Some((tenant, slug, outcome)) = runs.next().await {
                    match outcome {
                        Ok(_) => {
                            applied.entry(tenant).or_default().insert(dml.version);
                            *report.dml_applied.entry(dml.label()).or_default() += 1;
                            progressed = true;
                            progress.tenant_done(&database.name, true);
                        }
                        Err(e) => {
                            tracing::warn!(database = %database.name, tenant = %slug, migration = %dml.label(), error = %e, "DML failed");
                            failed.insert(tenant);
                            report.tenant_failures.push(TenantFailure {
                                tenant: slug,
                                tenant_id: tenant.to_string(),
                                migration: dml.label(),
                                error: e.to_string(),
                            });
                            progress.tenant_done(&database.name, false);
                        }
                    }
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    async fn apply_dml_to(
        &self,
        database: &DatabaseRecord,
        tenant: TenantId,
        dml: &DmlMigration,
    ) -> Result<DmlOutcome, FleetError> {
        let tx = self
            .data
            .begin(database.id, &TenantGrant::for_system(tenant, "migration"), TxOptions::maintenance())
            .await?;
        let step = DmlStep { version: dml.version, name: &dml.name, checksum: &dml.checksum, sql: &dml.sql };
        Ok(tx.apply_dml(&[step]).await?)
    }
}
