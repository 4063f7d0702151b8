//! `charter migrate plan`: what would run on each database, for how many tenants.

use futures::{StreamExt, stream};
use serde::Serialize;

use super::database::{Ledgers, connect};
use crate::{Fleet, FleetError, migrations::MigrationSet};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub databases: Vec<DatabasePlan>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.databases.iter().all(|d| d.pending_ddl.is_empty() && d.pending_dml.is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabasePlan {
    pub database: String,
    pub kind: &'static str,
    pub ddl_version: i32,
    pub tenants: usize,
    pub pending_ddl: Vec<PendingDdl>,
    pub pending_dml: Vec<PendingDml>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingDdl {
    pub migration: String,
    /// A contract migration runs once every tenant has applied this DML.
    pub waits_for: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingDml {
    pub migration: String,
    /// Tenants that have not applied it.
    pub tenants: usize,
}

impl Fleet {
    /// Reads every database's ledgers and says what `apply` would do. Any
    /// unreachable database or edited migration fails the whole plan.
    pub async fn plan(&self, set: &MigrationSet) -> Result<Plan, FleetError> {
        let databases = self.control.list_databases().await?;
        let plans: Vec<Result<DatabasePlan, FleetError>> = stream::iter(databases)
            .map(|database| async move {
                let mut db = connect(&database).await?;
                let ledgers = Ledgers::read(&mut db, set, &database.name).await?;
                Ok(DatabasePlan {
                    kind: database.kind.as_str(),
                    ddl_version: ledgers.ddl_version(),
                    tenants: ledgers.dml.tenants.len(),
                    pending_ddl: set
                        .pending_ddl(&ledgers.ddl)
                        .into_iter()
                        .map(|m| PendingDdl {
                            migration: m.label(),
                            waits_for: m.requires_dml.and_then(|v| set.dml(v)).map(|d| d.label()),
                        })
                        .collect(),
                    pending_dml: set
                        .dml
                        .iter()
                        .map(|m| PendingDml { migration: m.label(), tenants: ledgers.tenants_lacking(m.version) })
                        .filter(|p| p.tenants > 0)
                        .collect(),
                    database: database.name,
                })
            })
            .buffered(8)
            .collect()
            .await;
        Ok(Plan { databases: plans.into_iter().collect::<Result<_, _>>()? })
    }
}
