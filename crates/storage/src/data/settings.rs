//! A tenant's settings: one row of `tenant_setting`, written on the first
//! change; a tenant without one has the defaults.

use charter_domain::ownership::Threshold;
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::TenantTx;
use crate::StoreError;

/// The modules a tenant may use (ddl 0015); all of them by default.
pub const MODULES: [&str; 4] = ["register", "shares", "structure", "beneficial_ownership"];

/// The settings of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    pub beneficial_ownership_threshold: Threshold,
    /// The modules the tenant uses, in `MODULES` order.
    pub modules: Vec<String>,
    /// Jurisdictions (`GB`, `US-DE`) new entities default to, first first.
    pub default_jurisdictions: Vec<String>,
    /// When and by whom they were last changed; `None` while every setting
    /// has its default.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            beneficial_ownership_threshold: Threshold::default(),
            modules: MODULES.iter().map(|m| (*m).to_owned()).collect(),
            default_jurisdictions: Vec::new(),
            updated_at: None,
            updated_by: None,
        }
    }
}

/// The columns `settings_row` reads (the threshold as millionths, exactly).
const COLUMNS: &str =
    "(beneficial_ownership_threshold * 1000000)::bigint, updated_at, updated_by, modules, default_jurisdictions";

fn settings_row(row: &Row) -> Result<TenantSettings, StoreError> {
    let millionths: i64 = row.get(0);
    let threshold = Threshold::from_millionths(i128::from(millionths)).ok_or_else(|| {
        StoreError::Internal(format!("tenant_setting threshold {millionths} millionths out of range"))
    })?;
    Ok(TenantSettings {
        beneficial_ownership_threshold: threshold,
        updated_at: row.get(1),
        updated_by: row.get(2),
        modules: row.get(3),
        default_jurisdictions: row.get(4),
    })
}

impl TenantTx {
    /// The tenant's settings (the defaults where none were set).
    pub async fn settings(&mut self) -> Result<TenantSettings, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(&format!("SELECT {COLUMNS} FROM charter.tenant_setting WHERE tenant_id = $1"), &[&tenant])
            .await?;
        row.as_ref().map_or_else(|| Ok(TenantSettings::default()), settings_row)
    }

    /// The tenant's settings, locked until the transaction ends, so that a
    /// read-change-write ([`TenantTx::write_settings`]) loses no concurrent
    /// change. In a write transaction only: a tenant without a row gets one
    /// with the defaults, which is what is locked (roll back if nothing
    /// changes, and it is gone again).
    pub async fn settings_for_update(&mut self) -> Result<TenantSettings, StoreError> {
        let tenant = self.tenant().as_uuid();
        // A concurrent first change waits here for this one to end.
        let fresh = self
            .execute(
                "INSERT INTO charter.tenant_setting (tenant_id, updated_by) VALUES ($1, '')
                 ON CONFLICT (tenant_id) DO NOTHING",
                &[&tenant],
            )
            .await?
            == 1;
        let row = self
            .query_one(
                &format!("SELECT {COLUMNS} FROM charter.tenant_setting WHERE tenant_id = $1 FOR UPDATE"),
                &[&tenant],
            )
            .await?;
        let current = settings_row(&row)?;
        // A row made just now has never been changed.
        Ok(if fresh { TenantSettings { updated_at: None, updated_by: None, ..current } } else { current })
    }

    /// Writes every setting (after [`TenantTx::settings_for_update`]);
    /// returns them as stored.
    pub async fn write_settings(
        &mut self,
        settings: &TenantSettings,
        actor: &str,
    ) -> Result<TenantSettings, StoreError> {
        let tenant = self.tenant().as_uuid();
        let threshold = i64::try_from(settings.beneficial_ownership_threshold.millionths())
            .map_err(|e| StoreError::Internal(format!("threshold out of range: {e}")))?;
        let row = self
            .query_opt(
                &format!(
                    "UPDATE charter.tenant_setting
                        SET beneficial_ownership_threshold = $2::bigint::numeric / 1000000,
                            modules = $4, default_jurisdictions = $5,
                            updated_at = now(), updated_by = $3
                      WHERE tenant_id = $1
                  RETURNING {COLUMNS}"
                ),
                &[&tenant, &threshold, &actor, &settings.modules, &settings.default_jurisdictions],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("write_settings without settings_for_update".into()))?;
        settings_row(&row)
    }
}
