//! `charter migrate status`: DDL version per database, tenants per DML version.

use std::collections::BTreeMap;

use futures::{StreamExt, stream};
use serde::Serialize;

use super::database::{Ledgers, connect};
use crate::{Fleet, FleetError, migrations::MigrationSet};

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    pub database: String,
    pub kind: &'static str,
    pub ddl_version: i32,
    /// The highest DDL version of the migration set.
    pub ddl_latest: i32,
    pub tenants: usize,
    /// DML version (the highest a tenant has applied, 0 for none) → tenants.
    pub dml_histogram: BTreeMap<i32, usize>,
    /// Unreachable, or its ledgers disagree with the migration files.
    pub error: Option<String>,
}

impl Fleet {
    pub async fn status(&self, set: &MigrationSet) -> Result<Vec<DatabaseStatus>, FleetError> {
        let databases = self.control.list_databases().await?;
        Ok(stream::iter(databases)
            .map(|database| async move {
                let mut status = DatabaseStatus {
                    database: database.name.clone(),
                    kind: database.kind.as_str(),
                    ddl_version: 0,
                    ddl_latest: set.latest_ddl(),
                    tenants: 0,
                    dml_histogram: BTreeMap::new(),
                    error: None,
                };
                let ledgers = match connect(&database).await {
                    Ok(mut db) => Ledgers::read(&mut db, set, &database.name).await,
                    Err(e) => Err(e),
                };
                match ledgers {
                    Ok(ledgers) => {
                        status.ddl_version = ledgers.ddl_version();
                        status.tenants = ledgers.dml.tenants.len();
                        for tenant in &ledgers.dml.tenants {
                            *status.dml_histogram.entry(tenant.applied.last().copied().unwrap_or(0)).or_default() += 1;
                        }
                    }
                    Err(e) => status.error = Some(e.to_string()),
                }
                status
            })
            .buffered(8)
            .collect()
            .await)
    }
}
