//! Offboarding: export, delete every row, prove none is left, keep a tombstone.

use std::path::{Path, PathBuf};

use charter_domain::{access::TenantGrant, tenant::Slug};
use charter_storage::data::TxOptions;
use serde::Serialize;

use crate::{Fleet, FleetError};

#[derive(Debug, Clone, Serialize)]
pub struct OffboardReport {
    pub tenant: String,
    pub archive: PathBuf,
    pub archive_sha256: String,
    pub rows_deleted: u64,
}

impl Fleet {
    /// Freezes the tenant's writes, exports it to `archive_dir`, deletes
    /// every row of it, verifies no tenant table holds one, and turns the
    /// tenant into a tombstone (keys revoked, placement released).
    pub async fn offboard(&self, slug: &Slug, archive_dir: &Path) -> Result<OffboardReport, FleetError> {
        let (tenant, placed) = self.active_tenant(slug).await?;
        let grant = TenantGrant::for_system(tenant.id, "offboarding");
        let mut freeze = self.data.begin(placed.id, &grant, TxOptions::maintenance()).await?;
        freeze.set_write_frozen(true).await?;
        freeze.commit().await?;

        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let path = archive_dir.join(format!("{slug}-{stamp}.tar.gz"));
        let export = match self.export_placed(&tenant, &placed, &path).await {
            Ok(export) => export,
            Err(e) => {
                // Nothing was deleted: give the tenant its writes back.
                let mut thaw = self.data.begin(placed.id, &grant, TxOptions::maintenance()).await?;
                thaw.set_write_frozen(false).await?;
                thaw.commit().await?;
                return Err(e);
            }
        };

        let mut purge = self.data.begin(placed.id, &grant, TxOptions::maintenance()).await?;
        let tables = purge.tenant_tables().await?;
        let mut rows_deleted = 0;
        for table in tables.iter().rev() {
            rows_deleted += purge.delete_rows(table).await?;
        }
        purge.commit().await?;
        let mut check = self.data.begin(placed.id, &grant, TxOptions::read()).await?;
        for table in &tables {
            let left = check.digest(table).await?.rows;
            if left != 0 {
                return Err(FleetError::Invalid(format!("{} still holds {left} rows of {slug}", table.name)));
            }
        }
        check.commit().await?;
        let archive = export.path.to_string_lossy().into_owned();
        self.control.tombstone(tenant.id, &archive, &export.sha256).await?;
        tracing::info!(tenant = %slug, archive, rows_deleted, "offboarded tenant");
        Ok(OffboardReport {
            tenant: slug.to_string(),
            archive: export.path,
            archive_sha256: export.sha256,
            rows_deleted,
        })
    }
}
