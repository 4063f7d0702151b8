//! Deployment-wide settings.

use super::ControlPlane;
use crate::StoreError;

impl ControlPlane {
    /// The value of `key`, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn().await?;
        Ok(conn.query_opt("SELECT value FROM control.settings WHERE key = $1", &[&key]).await?.map(|r| r.get(0)))
    }

    /// Sets `key` to `value`.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO control.settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )
        .await?;
        Ok(())
    }

    /// The value of `key`, created from `initial` on first use. Concurrent
    /// first uses agree on one value.
    pub async fn setting_or_init(&self, key: &str, initial: impl FnOnce() -> String) -> Result<String, StoreError> {
        let conn = self.conn().await?;
        if let Some(row) = conn.query_opt("SELECT value FROM control.settings WHERE key = $1", &[&key]).await? {
            return Ok(row.get(0));
        }
        conn.execute(
            "INSERT INTO control.settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &initial()],
        )
        .await?;
        let row = conn.query_one("SELECT value FROM control.settings WHERE key = $1", &[&key]).await?;
        Ok(row.get(0))
    }
}
