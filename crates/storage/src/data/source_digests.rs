//! What an external source last said about entities the register agrees
//! with (ddl 0016): a sync skips the records whose digest is unchanged
//! instead of comparing their facts one by one. Any write to an entity's
//! facts deletes its digests (triggers), so a digest found is still true.

use std::collections::HashMap;

use charter_domain::ids::EntityId;

use super::TenantTx;
use crate::StoreError;

/// A SHA-256 digest of the facts a source's record gives.
pub type SourceDigest = [u8; 32];

impl TenantTx {
    /// The digests of `source`'s records the register agrees with, for
    /// those of `entities` that have one.
    pub async fn source_digests(
        &mut self,
        source: &str,
        entities: &[EntityId],
    ) -> Result<HashMap<EntityId, SourceDigest>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = entities.iter().map(|e| e.as_uuid()).collect();
        let rows = self
            .query_planned(
                "SELECT entity_id, digest FROM charter.entity_source_digest
                  WHERE tenant_id = $1 AND source = $2 AND entity_id = ANY ($3)",
                &[&tenant, &source, &ids],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let digest: &[u8] = r.get(1);
                Some((EntityId::from_uuid(r.get(0)), SourceDigest::try_from(digest).ok()?))
            })
            .collect())
    }

    /// Records that the register agrees with these digests of `source`'s
    /// records. Call it after this transaction's writes to their facts:
    /// each write drops the digests of the entities it touches.
    pub async fn record_source_digests(
        &mut self,
        source: &str,
        digests: &[(EntityId, SourceDigest)],
    ) -> Result<(), StoreError> {
        if digests.is_empty() {
            return Ok(());
        }
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = digests.iter().map(|(e, _)| e.as_uuid()).collect();
        let values: Vec<&[u8]> = digests.iter().map(|(_, d)| d.as_slice()).collect();
        self.execute(
            "INSERT INTO charter.entity_source_digest (tenant_id, entity_id, source, digest)
             SELECT $1, entity_id, $2, digest FROM unnest($3::uuid[], $4::bytea[]) AS i (entity_id, digest)
             ON CONFLICT (tenant_id, entity_id, source) DO UPDATE SET digest = EXCLUDED.digest",
            &[&tenant, &source, &ids, &values],
        )
        .await?;
        Ok(())
    }
}
