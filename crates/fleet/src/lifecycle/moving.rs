//! Moving a tenant between databases, online.
//!
//! 1. **Copy** every row from a consistent snapshot of the source while the
//!    tenant keeps working there.
//! 2. **Freeze** the tenant's writes in the source (they get 503 with
//!    `Retry-After`; reads go on). Freezing waits for writes in flight.
//! 3. **Catch up**: compare row hashes table by table and copy what changed
//!    during step 1; then **verify** per-table row counts and content hashes.
//! 4. **Switch** the placement in one control-plane transaction, thaw the
//!    target, and after a grace period (longer than the API caches live)
//!    **purge** the source.
//!
//! `control.tenant_moves` records the phase. A rerun after a crash rolls an
//! unswitched move back (the source never stopped being the tenant's home)
//! and completes a switched one. Both databases' schema locks are held
//! throughout, so no migration runs under a move.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use charter_domain::{access::TenantGrant, tenant::Slug};
use charter_storage::{
    admin::AdminConnection,
    control::{DatabaseRecord, MovePhase, TenantMove, TenantRecord},
    data::{TenantTable, TxOptions},
};
use serde::Serialize;

use crate::{Fleet, FleetError, migrate::database::connect};

/// How a move behaves.
#[derive(Debug, Clone)]
pub struct MoveOptions {
    /// How long the source keeps the tenant's (frozen) rows after the
    /// switch, so that API processes whose cache still points there read
    /// consistent data. Longer than the API's cache TTL.
    pub grace: Duration,
}

impl Default for MoveOptions {
    fn default() -> Self {
        Self { grace: Duration::from_secs(10) }
    }
}

/// What a move did.
#[derive(Debug, Clone, Serialize)]
pub struct MoveReport {
    pub tenant: String,
    pub from: String,
    pub to: String,
    /// Rows copied in the first pass, and caught up while frozen.
    pub rows_copied: u64,
    pub rows_caught_up: u64,
    /// How long the tenant's writes were refused.
    pub freeze_ms: u64,
    /// Per table: rows and content hash, equal on both sides before the switch.
    pub verified: BTreeMap<String, (i64, String)>,
    /// An interrupted earlier move this run rolled back or completed.
    pub recovered: Option<String>,
}

impl Fleet {
    /// Moves a tenant to the database named `to`.
    pub async fn move_tenant(&self, slug: &Slug, to: &str, options: &MoveOptions) -> Result<MoveReport, FleetError> {
        let (tenant, placed) = self.active_tenant(slug).await?;
        let mut recovered = None;
        if let Some(interrupted) = self.control.move_of(tenant.id).await? {
            let (source, target) = self.move_databases(&interrupted).await?;
            if interrupted.phase == MovePhase::Switched {
                // Completing it is all that is left; the tenant lives in the target.
                let report = self.finish_switched(&tenant, &source, &target, options, 0, 0).await?;
                return Ok(MoveReport { recovered: Some(format!("completed the move to {}", target.name)), ..report });
            }
            self.roll_back(&tenant, &source, &target).await?;
            recovered = Some(format!("rolled back an interrupted move to {}", target.name));
        }
        let source = self.database_record(&placed).await?;
        let target = self
            .control
            .database_by_name(to)
            .await?
            .ok_or_else(|| FleetError::Invalid(format!("no database named {to}")))?;
        if target.id == source.id {
            return Err(FleetError::Invalid(format!("tenant {slug} is already in {to}")));
        }
        if target.status != "active" {
            return Err(FleetError::Invalid(format!("database {to} is {}, not active", target.status)));
        }
        if target.tenant_count >= i64::from(target.capacity) {
            return Err(FleetError::Invalid(format!(
                "database {to} is full ({} of {})",
                target.tenant_count, target.capacity
            )));
        }
        let mut report = self.run_move(&tenant, &source, &target, options).await?;
        report.recovered = recovered;
        Ok(report)
    }

    async fn run_move(
        &self,
        tenant: &TenantRecord,
        source: &DatabaseRecord,
        target: &DatabaseRecord,
        options: &MoveOptions,
    ) -> Result<MoveReport, FleetError> {
        let locks = SchemaLocks::take(self, source, target).await?;
        locks.require_same_schema().await?;
        self.control.start_move(tenant.id, source.id, target.id).await?;
        let grant = TenantGrant::for_system(tenant.id, "move");

        // 1. Copy from one snapshot while the tenant works on.
        let mut read = self.data.begin(source.id, &grant, TxOptions::snapshot()).await?;
        let tables = read.tenant_tables().await?;
        let mut write = self.data.begin(target.id, &grant, TxOptions::maintenance()).await?;
        for table in tables.iter().rev() {
            write.delete_rows(table).await?; // leftovers of an earlier attempt
        }
        let mut rows_copied = 0;
        for table in &tables {
            let rows = read.export_rows(table).await?;
            rows_copied += write.import_rows(table, &rows).await?;
        }
        write.commit().await?;
        read.commit().await?;

        // 2. Freeze: waits for the tenant's writes in flight.
        self.control.set_move_phase(tenant.id, MovePhase::Frozen).await?;
        let frozen_at = Instant::now();
        let mut freeze = self.data.begin(source.id, &grant, TxOptions::maintenance()).await?;
        freeze.set_write_frozen(true).await?;
        freeze.commit().await?;

        // 3. Catch up and verify; on any mismatch, give the tenant back its source.
        let caught_up = match self.catch_up_and_verify(&grant, source, target, &tables).await {
            Ok(outcome) => outcome,
            Err(e) => {
                self.roll_back(tenant, source, target).await?;
                drop(locks);
                return Err(e);
            }
        };

        // 4. Switch, thaw, purge after the grace period.
        self.control.switch_placement(tenant.id, target.id, target.kind).await?;
        let mut thaw = self.data.begin(target.id, &grant, TxOptions::maintenance()).await?;
        thaw.set_write_frozen(false).await?;
        thaw.commit().await?;
        let freeze_ms = u64::try_from(frozen_at.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(tenant = %tenant.slug, from = %source.name, to = %target.name, freeze_ms, "switched");
        let mut report = self.finish_switched(tenant, source, target, options, rows_copied, freeze_ms).await?;
        report.rows_caught_up = caught_up.0;
        report.verified = caught_up.1;
        locks.release().await?;
        Ok(report)
    }

    /// Copies what changed in the source since the snapshot, then checks
    /// both sides hold the same rows.
    async fn catch_up_and_verify(
        &self,
        grant: &TenantGrant,
        source: &DatabaseRecord,
        target: &DatabaseRecord,
        tables: &[TenantTable],
    ) -> Result<(u64, BTreeMap<String, (i64, String)>), FleetError> {
        let mut src = self.data.begin(source.id, grant, TxOptions::snapshot()).await?;
        let mut dst = self.data.begin(target.id, grant, TxOptions::maintenance()).await?;
        let mut stale: Vec<Vec<String>> = Vec::with_capacity(tables.len());
        let mut changed: Vec<Vec<String>> = Vec::with_capacity(tables.len());
        for table in tables {
            let theirs = src.row_hashes(table).await?;
            let ours = dst.row_hashes(table).await?;
            stale.push(ours.keys().filter(|k| !theirs.contains_key(*k)).cloned().collect());
            changed.push(theirs.iter().filter(|(k, h)| ours.get(*k) != Some(*h)).map(|(k, _)| k.clone()).collect());
        }
        let mut caught_up = 0;
        for (table, keys) in tables.iter().zip(&changed) {
            if !keys.is_empty() {
                let rows = src.rows_by_key(table, keys).await?;
                caught_up += dst.upsert_rows(table, &rows).await?;
            }
        }
        for (table, keys) in tables.iter().zip(&stale).rev() {
            if !keys.is_empty() {
                caught_up += dst.delete_by_key(table, keys).await?;
            }
        }
        let mut verified = BTreeMap::new();
        for table in tables {
            let (theirs, ours) = (src.digest(table).await?, dst.digest(table).await?);
            if theirs != ours {
                return Err(FleetError::Invalid(format!(
                    "verification failed for {}: source {} rows ({}), target {} rows ({})",
                    table.name, theirs.rows, theirs.hash, ours.rows, ours.hash
                )));
            }
            verified.insert(table.name.clone(), (theirs.rows, theirs.hash));
        }
        dst.commit().await?;
        src.commit().await?;
        Ok((caught_up, verified))
    }

    /// After the switch: thaw the target, wait out the grace period, purge
    /// the source and check it holds nothing of the tenant.
    async fn finish_switched(
        &self,
        tenant: &TenantRecord,
        source: &DatabaseRecord,
        target: &DatabaseRecord,
        options: &MoveOptions,
        rows_copied: u64,
        freeze_ms: u64,
    ) -> Result<MoveReport, FleetError> {
        let grant = TenantGrant::for_system(tenant.id, "move");
        let mut thaw = self.data.begin(target.id, &grant, TxOptions::maintenance()).await?;
        thaw.set_write_frozen(false).await?;
        thaw.commit().await?;
        tokio::time::sleep(options.grace).await;
        let mut purge = self.data.begin(source.id, &grant, TxOptions::maintenance()).await?;
        let tables = purge.tenant_tables().await?;
        for table in tables.iter().rev() {
            purge.delete_rows(table).await?;
        }
        for table in &tables {
            let left = purge.digest(table).await?.rows;
            if left != 0 {
                return Err(FleetError::Invalid(format!("{} still holds {left} rows after the purge", table.name)));
            }
        }
        purge.commit().await?;
        let copied = i64::try_from(rows_copied).unwrap_or(i64::MAX);
        self.control.end_move(tenant.id, Some((i64::try_from(freeze_ms).unwrap_or(i64::MAX), copied))).await?;
        Ok(MoveReport {
            tenant: tenant.slug.to_string(),
            from: source.name.clone(),
            to: target.name.clone(),
            rows_copied,
            rows_caught_up: 0,
            freeze_ms,
            verified: BTreeMap::new(),
            recovered: None,
        })
    }

    /// Undoes an unswitched move: the target forgets the tenant, the source
    /// thaws. The source served the tenant throughout.
    async fn roll_back(
        &self,
        tenant: &TenantRecord,
        source: &DatabaseRecord,
        target: &DatabaseRecord,
    ) -> Result<(), FleetError> {
        let grant = TenantGrant::for_system(tenant.id, "move rollback");
        let mut clear = self.data.begin(target.id, &grant, TxOptions::maintenance()).await?;
        for table in clear.tenant_tables().await?.iter().rev() {
            clear.delete_rows(table).await?;
        }
        clear.commit().await?;
        let mut thaw = self.data.begin(source.id, &grant, TxOptions::maintenance()).await?;
        thaw.set_write_frozen(false).await?;
        thaw.commit().await?;
        self.control.end_move(tenant.id, None).await?;
        tracing::warn!(tenant = %tenant.slug, from = %source.name, to = %target.name, "rolled back a move");
        Ok(())
    }

    async fn move_databases(&self, m: &TenantMove) -> Result<(DatabaseRecord, DatabaseRecord), FleetError> {
        let lookup = |id| async move {
            self.control.database(id).await?.ok_or_else(|| FleetError::Invalid(format!("database {id} vanished")))
        };
        Ok((lookup(m.source).await?, lookup(m.target).await?))
    }
}

/// Both databases' schema locks, held for the whole move.
struct SchemaLocks {
    source: AdminConnection,
    target: AdminConnection,
    names: (String, String),
}

impl SchemaLocks {
    async fn take(fleet: &Fleet, source: &DatabaseRecord, target: &DatabaseRecord) -> Result<Self, FleetError> {
        let (source_db, target_db) = (connect(source).await?, connect(target).await?);
        source_db.lock_schema(fleet.settings.lock_timeout).await?;
        target_db.lock_schema(fleet.settings.lock_timeout).await?;
        Ok(Self { source: source_db, target: target_db, names: (source.name.clone(), target.name.clone()) })
    }

    /// Rows move as they are: both databases must have the same schema.
    async fn require_same_schema(&self) -> Result<(), FleetError> {
        let version = |applied: Vec<charter_storage::admin::AppliedDdl>| applied.iter().map(|d| d.version).max();
        let (from, to) = (version(self.source.applied_ddl().await?), version(self.target.applied_ddl().await?));
        if from != to {
            return Err(FleetError::Invalid(format!(
                "{} is at DDL {from:?} and {} at {to:?}: run `charter migrate apply` first",
                self.names.0, self.names.1
            )));
        }
        Ok(())
    }

    async fn release(self) -> Result<(), FleetError> {
        self.source.unlock_schema().await?;
        self.target.unlock_schema().await?;
        Ok(())
    }
}
