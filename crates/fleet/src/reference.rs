//! Refreshing the reference data of every database from newer official files.

use charter_domain::reference::{Jurisdiction, LegalForm};
use charter_storage::reference::load_sql;

use crate::{Fleet, FleetError, migrate::database::connect};

/// Control-plane setting holding the latest refresh, applied to databases
/// created after it (their migrations load the shipped lists).
const REFRESHED: &str = "reference_data_sql";

impl Fleet {
    /// Replaces the reference data in every database, and remembers it for
    /// databases created later. Returns the databases refreshed.
    pub async fn refresh_reference(
        &self,
        jurisdictions: &[Jurisdiction],
        forms: &[LegalForm],
    ) -> Result<Vec<String>, FleetError> {
        let sql = load_sql(jurisdictions, forms);
        let mut refreshed = Vec::new();
        for database in self.control.list_databases().await? {
            let mut db = connect(&database).await?;
            db.load_reference(&sql).await?;
            refreshed.push(database.name);
        }
        self.control.set_setting(REFRESHED, &sql).await?;
        Ok(refreshed)
    }

    /// Brings a new database's reference data to the latest refresh, if any.
    pub(crate) async fn apply_refreshed_reference(
        &self,
        db: &mut charter_storage::admin::AdminConnection,
    ) -> Result<(), FleetError> {
        if let Some(sql) = self.control.setting(REFRESHED).await? {
            db.load_reference(&sql).await?;
        }
        Ok(())
    }
}
