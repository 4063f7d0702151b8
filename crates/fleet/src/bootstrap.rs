//! First start: the control-plane schema, and one shared database if there
//! is none.

use charter_domain::tenant::{DatabaseKind, DatabaseName};
use charter_storage::{DbUrl, PoolSettings, control::ControlPlane, data::DataPlane};

use crate::{Fleet, FleetError, FleetSettings, migrations::MigrationSet};

impl Fleet {
    /// Connects to the control plane, migrates it, and on an empty control
    /// plane creates the first shared database (`<control db>_shared_1`) on
    /// the control plane's server.
    pub async fn bootstrap(
        control_url: &DbUrl,
        pools: PoolSettings,
        migrations: MigrationSet,
        settings: FleetSettings,
    ) -> Result<Self, FleetError> {
        let control = ControlPlane::connect(control_url, PoolSettings { max_size: 8, ..pools }).await?;
        control.migrate().await?;
        let data = DataPlane::new(control.clone(), pools);
        let fleet = Self::new(control, data, migrations, settings);
        if fleet.control.list_databases().await?.is_empty() {
            let raw = format!("{}_shared_1", control_url.database());
            let name = DatabaseName::parse("name", &raw).map_err(|e| FleetError::Invalid(format!("{raw}: {e}")))?;
            match fleet.create_database(control_url, &name, DatabaseKind::Shared).await {
                Ok(record) => {
                    tracing::info!(database = %record.name, "created the first shared database")
                }
                // Another process bootstrapping at the same moment won.
                Err(_) if fleet.control.database_by_name(name.as_str()).await?.is_some() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(fleet)
    }
}
