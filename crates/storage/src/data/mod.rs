//! Tenant data. Every statement runs inside a [`TenantTx`], which sets the
//! tenant transaction-locally before anything else; repositories are methods
//! on it and filter by its tenant explicitly as well (row-level security is
//! the safety net, the explicit filter keeps each query on one Citus shard).

mod entities;
mod migrations;
mod pools;
mod rows;
mod tenant_row;
mod tenant_tx;

pub use entities::EntityRecord;
pub use migrations::{DmlOutcome, DmlStep};
pub use pools::DataPlane;
pub use rows::{TableDigest, TenantTable};
pub use tenant_tx::{TenantTx, TxMode, TxOptions};
