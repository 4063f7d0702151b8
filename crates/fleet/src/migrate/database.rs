//! What one database needs, read from its ledgers.

use charter_storage::{
    admin::{AdminConnection, AppliedDdl, DmlState},
    control::DatabaseRecord,
};

use crate::{FleetError, migrations::MigrationSet};

/// A database's ledgers, checked against the migration set.
pub(crate) struct Ledgers {
    pub ddl: Vec<AppliedDdl>,
    pub dml: DmlState,
}

impl Ledgers {
    /// Reads and verifies the ledgers: an applied migration whose file
    /// changed since (or that this set does not know) is refused.
    pub async fn read(db: &mut AdminConnection, set: &MigrationSet, name: &str) -> Result<Self, FleetError> {
        let ddl = db.applied_ddl().await?;
        set.verify_applied_ddl(&ddl, name)?;
        let dml = db.dml_state().await?;
        for (version, checksums) in &dml.checksums {
            if let [one] = checksums.as_slice() {
                set.verify_applied_dml(&[(*version, one.clone())].into_iter().collect(), name)?;
            } else {
                let label = set.dml(*version).map_or_else(|| format!("dml/{version:04}"), |m| m.label());
                return Err(FleetError::Migrations(format!(
                    "{label} was applied in {name} with {} different checksums: the file changed between tenants",
                    checksums.len()
                )));
            }
        }
        Ok(Self { ddl, dml })
    }

    pub fn ddl_version(&self) -> i32 {
        self.ddl.iter().map(|d| d.version).max().unwrap_or(0)
    }

    /// Tenants that have not applied DML `version`.
    pub fn tenants_lacking(&self, version: i32) -> usize {
        self.dml.tenants.iter().filter(|t| !t.applied.contains(&version)).count()
    }
}

/// Connects to a database as the administrator, naming it in the error.
pub(crate) async fn connect(database: &DatabaseRecord) -> Result<AdminConnection, FleetError> {
    AdminConnection::connect(&database.admin_url)
        .await
        .map_err(|e| FleetError::Unreachable { database: database.name.clone(), reason: e.to_string() })
}
