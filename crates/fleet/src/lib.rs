//! Charter's fleet service: everything that spans databases.
//!
//! * [`migrations`] — the migration set (embedded or from a directory).
//! * [`Fleet::add_database`], [`Fleet::create_database`] — provisioning data-plane databases.
//! * [`Fleet::onboard`] — placing a new tenant and making it ready.
//! * [`Fleet::bootstrap`] — first start: control-plane schema and a first shared database.
//!
//! The fleet decides order, locking and placement; every SQL statement it
//! causes lives in `charter-storage`.

mod bootstrap;
mod error;
pub mod lifecycle;
pub mod migrate;
pub mod migrations;
mod onboarding;
mod provision;
mod reference;

pub use error::FleetError;
pub use onboarding::{OnboardRequest, Onboarded};
pub use provision::AddDatabase;

use std::{sync::Arc, time::Duration};

use charter_storage::{DbUrl, control::ControlPlane, data::DataPlane};

use crate::migrations::MigrationSet;

/// How the fleet does its work.
#[derive(Debug, Clone)]
pub struct FleetSettings {
    /// Tenants a new shared database takes before placement moves on.
    pub shared_capacity: i32,
    /// Where new dedicated databases are created (an administrative URL of
    /// any database on that server). Default: the server of the oldest
    /// shared database.
    pub dedicated_server: Option<DbUrl>,
    /// How long schema work waits for another migrator's lock.
    pub lock_timeout: Duration,
}

impl Default for FleetSettings {
    fn default() -> Self {
        Self { shared_capacity: 5_000, dedicated_server: None, lock_timeout: Duration::from_secs(30) }
    }
}

/// The control plane, the data plane and the migrations, together.
#[derive(Clone)]
pub struct Fleet {
    control: ControlPlane,
    data: DataPlane,
    migrations: Arc<MigrationSet>,
    settings: FleetSettings,
}

impl Fleet {
    pub fn new(control: ControlPlane, data: DataPlane, migrations: MigrationSet, settings: FleetSettings) -> Self {
        Self { control, data, migrations: Arc::new(migrations), settings }
    }

    pub fn control(&self) -> &ControlPlane {
        &self.control
    }

    pub fn data(&self) -> &DataPlane {
        &self.data
    }

    /// Closes every pooled connection, so that a database stopped next sees
    /// its clients leave rather than being cut off.
    pub async fn close(&self) {
        self.data.close();
        self.control.close();
        // Let the connection tasks send their goodbyes.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    pub fn migrations(&self) -> &MigrationSet {
        &self.migrations
    }
}
