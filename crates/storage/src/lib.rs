//! Charter's storage layer: the only crate that speaks SQL.
//!
//! * [`control`] — the control plane: tenants, databases, placements, keys.
//! * [`data`] — tenant data, reachable only through a [`data::TenantTx`].
//! * [`admin`] — server administration: roles, databases, the DDL ledger.
//! * [`lint`] — the schema lint that guards the isolation rules.

pub mod admin;
pub mod control;
pub mod data;
pub mod lint;
pub mod reference;

mod error;
mod pool;
mod url;

pub use error::StoreError;
pub use pool::PoolSettings;
pub use url::DbUrl;

/// The role that owns every data-plane schema object and runs DDL.
pub const OWNER_ROLE: &str = "charter_owner";
/// The role the service connects as: no superuser, no BYPASSRLS, owns nothing.
pub const APP_ROLE: &str = "charter_app";
/// The data-plane schema.
pub const DATA_SCHEMA: &str = "charter";

/// 32 bytes from the operating system's random source.
pub(crate) fn random_bytes() -> Result<[u8; 32], StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Internal(format!("no randomness available: {e}")))?;
    Ok(bytes)
}
