//! The one error type of the fleet service.

use charter_storage::{StoreError, control::TenantRecord};

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The slug belongs to a tenant onboarded with other details.
    #[error("tenant {} already exists with other details", .existing.slug)]
    SlugTaken { existing: Box<TenantRecord> },
    /// Every shared database is full.
    #[error("no shared database has room for another tenant; register one with `charter db add --kind shared`")]
    NoSharedCapacity,
    /// There is no server to create a dedicated database on.
    #[error(
        "no server is known for dedicated databases; register a shared database first or set CHARTER_DEDICATED_SERVER_URL"
    )]
    NoDedicatedServer,
    /// An input the operator gave (a name, a URL, a kind) is unusable.
    #[error("{0}")]
    Invalid(String),
    /// The migration files are inconsistent or were changed after being applied.
    #[error("{0}")]
    Migrations(String),
    /// A database did not answer.
    #[error("database {database} is unreachable: {reason}")]
    Unreachable { database: String, reason: String },
    /// A database's schema is older than this binary.
    #[error("database {database} is at DDL {at:04} but this binary needs {needs:04}: run `charter migrate apply`")]
    SchemaBehind { database: String, at: i32, needs: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}
