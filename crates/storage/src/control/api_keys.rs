//! API keys: platform keys and tenant integration keys, stored as SHA-256.

use charter_domain::{
    access::{EntityScope, Principal, TenantRole},
    api_key::{ApiKeySecret, KeyHash, KeyName},
    ids::{ApiKeyId, TenantId},
};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::{
    ControlPlane,
    notify::{Invalidation, announce},
};
use crate::{StoreError, random_bytes};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    PlatformAdmin,
    Tenant(TenantRole),
}

impl KeyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform-admin",
            Self::Tenant(role) => role.as_str(),
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "platform-admin" => Ok(Self::PlatformAdmin),
            other => TenantRole::parse("role", other)
                .map(Self::Tenant)
                .map_err(|e| StoreError::Internal(format!("unreadable key role: {e}"))),
        }
    }
}

/// A key as listed: everything but the secret, which is never kept.
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub tenant: Option<TenantId>,
    pub role: KeyRole,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The entity groups it is limited to (`None`: every entity).
    pub entity_groups: Option<Vec<String>>,
}

const SELECT_KEY: &str =
    "SELECT id, tenant_id, role, name, prefix, created_at, expires_at, revoked_at, last_used_at, entity_groups
       FROM control.api_keys";

impl ApiKeyRecord {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: ApiKeyId::from_uuid(row.get(0)),
            tenant: row.get::<_, Option<uuid::Uuid>>(1).map(TenantId::from_uuid),
            role: KeyRole::parse(row.get(2))?,
            name: row.get(3),
            prefix: row.get(4),
            created_at: row.get(5),
            expires_at: row.get(6),
            revoked_at: row.get(7),
            last_used_at: row.get(8),
            entity_groups: row.get(9),
        })
    }
}

/// How stale `last_used_at` may get before a use refreshes it; refreshing on
/// every request would turn every read into a write.
const LAST_USED_RESOLUTION_SECS: f64 = 60.0;

impl ControlPlane {
    /// Creates a key. The secret is returned once and only its hash is stored.
    pub async fn create_key(
        &self,
        tenant: Option<TenantId>,
        role: KeyRole,
        name: &KeyName,
        expires_at: Option<DateTime<Utc>>,
        entity_groups: Option<&[String]>,
    ) -> Result<(ApiKeyRecord, ApiKeySecret), StoreError> {
        let secret = ApiKeySecret::from_random_bytes(random_bytes()?);
        let id = ApiKeyId::generate();
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "INSERT INTO control.api_keys (id, tenant_id, role, name, prefix, secret_hash, expires_at, entity_groups)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 RETURNING id, tenant_id, role, name, prefix, created_at, expires_at, revoked_at, last_used_at, entity_groups",
                &[
                    &id.as_uuid(),
                    &tenant.map(|t| t.as_uuid()),
                    &role.as_str(),
                    &name.as_str(),
                    &secret.display_prefix(),
                    &secret.hash().as_bytes().as_slice(),
                    &expires_at,
                    &entity_groups,
                ],
            )
            .await?;
        Ok((ApiKeyRecord::from_row(&row)?, secret))
    }

    /// The principal behind a presented key, if the key exists, is not
    /// revoked and has not expired.
    pub async fn authenticate_key(&self, hash: &KeyHash) -> Result<Option<Principal>, StoreError> {
        let conn = self.conn().await?;
        let Some(row) = conn
            .query_opt(
                "SELECT id, tenant_id, role,
                        last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2), entity_groups
                   FROM control.api_keys
                  WHERE secret_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
                &[&hash.as_bytes().as_slice(), &LAST_USED_RESOLUTION_SECS],
            )
            .await?
        else {
            return Ok(None);
        };
        let key_id = ApiKeyId::from_uuid(row.get(0));
        if row.get::<_, bool>(3) {
            conn.execute("UPDATE control.api_keys SET last_used_at = now() WHERE id = $1", &[&key_id.as_uuid()])
                .await?;
        }
        let principal = match (KeyRole::parse(row.get(2))?, row.get::<_, Option<uuid::Uuid>>(1)) {
            (KeyRole::PlatformAdmin, None) => Principal::PlatformAdmin { key_id },
            (KeyRole::Tenant(role), Some(tenant)) => {
                let scope = EntityScope::of(row.get(4));
                Principal::TenantKey { key_id, tenant: TenantId::from_uuid(tenant), role, scope }
            }
            _ => {
                return Err(StoreError::Internal(format!("key {key_id} has a role that does not fit its scope")));
            }
        };
        Ok(Some(principal))
    }

    /// Keys of one tenant, or the platform keys with `None`; newest first.
    pub async fn list_keys(&self, tenant: Option<TenantId>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!("{SELECT_KEY} WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY created_at DESC, id"),
                &[&tenant.map(|t| t.as_uuid())],
            )
            .await?;
        rows.iter().map(ApiKeyRecord::from_row).collect()
    }

    /// Revokes a key of `tenant` (or a platform key with `None`). Returns the
    /// key's hash-less record, or `None` if there is no such key.
    pub async fn revoke_key(&self, tenant: Option<TenantId>, id: ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "UPDATE control.api_keys SET revoked_at = coalesce(revoked_at, now())
                  WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2
                  RETURNING id, tenant_id, role, name, prefix, created_at, expires_at, revoked_at, last_used_at, entity_groups",
                &[&id.as_uuid(), &tenant.map(|t| t.as_uuid())],
            )
            .await?;
        if row.is_some() {
            announce(&conn, Invalidation::Key(id)).await?;
        }
        row.as_ref().map(ApiKeyRecord::from_row).transpose()
    }
}
