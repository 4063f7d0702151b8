//! The tenant's own row in its database.

use charter_domain::tenant::Slug;

use super::TenantTx;
use crate::StoreError;

impl TenantTx {
    /// Records the tenant in this database (idempotent).
    pub async fn ensure_tenant_row(&mut self, slug: &Slug) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute(
            "INSERT INTO charter.tenant (tenant_id, slug) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING",
            &[&tenant, &slug.as_str()],
        )
        .await?;
        Ok(())
    }
}
