//! A tenant's life across the fleet: moving between databases, exporting,
//! importing and offboarding. Tables come from the live catalogue, so every
//! tenant table a migration adds is covered.

mod archive;
mod moving;
mod offboard;

pub use archive::{ExportSummary, Manifest, ManifestTable, read_archive};
pub use moving::{MoveOptions, MoveReport};
pub use offboard::OffboardReport;

use charter_domain::tenant::{Slug, TenantStatus};
use charter_storage::control::{DatabaseRecord, PlacedIn, TenantRecord};

use crate::{Fleet, FleetError};

impl Fleet {
    /// An active, placed tenant, or an error naming the slug.
    pub(crate) async fn active_tenant(&self, slug: &Slug) -> Result<(TenantRecord, PlacedIn), FleetError> {
        let tenant =
            self.control.tenant_by_slug(slug).await?.ok_or_else(|| FleetError::Invalid(format!("no tenant {slug}")))?;
        match (tenant.status, tenant.database.clone()) {
            (TenantStatus::Active, Some(placed)) => Ok((tenant, placed)),
            (status, _) => Err(FleetError::Invalid(format!("tenant {slug} is {}, not active", status.as_str()))),
        }
    }

    pub(crate) async fn database_record(&self, placed: &PlacedIn) -> Result<DatabaseRecord, FleetError> {
        self.control
            .database(placed.id)
            .await?
            .ok_or_else(|| FleetError::Invalid(format!("database {} is not registered", placed.name)))
    }
}
