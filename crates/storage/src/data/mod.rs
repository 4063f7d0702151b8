//! Tenant data. Every statement runs inside a [`TenantTx`], which sets the
//! tenant transaction-locally before anything else; repositories are methods
//! on it and filter by its tenant explicitly as well (row-level security is
//! the safety net, the explicit filter keeps each query on one Citus shard).

mod appointments;
mod audit;
mod certificates;
mod config;
mod entities;
mod idempotency;
mod joint;
mod migrations;
mod people;
mod pools;
mod relationships;
mod rows;
mod settings;
mod shares;
mod source_digests;
mod tenant_row;
mod tenant_tx;

pub use appointments::{AppointmentQuery, AppointmentRecord};
pub use audit::{AuditEvent, AuditQuery, AuditRecord, BrokenLink, ChainCheck};
pub use certificates::{CertificateClass, CertificateRecord};
pub use config::RoleRecord;
pub use entities::{
    AsOf, EntityQuery, EntitySort, EntityState, FactSetting, FactVersion, ImportedEntity, ImportedVersion,
};
pub use idempotency::Claim;
pub use migrations::{DmlOutcome, DmlStep};
pub use people::PersonRecord;
pub use pools::DataPlane;
pub use relationships::{LEI_HELD_ONCE, RelationshipRecord};
pub use rows::{TableDigest, TenantTable};
pub use settings::{MODULES, TenantSettings};
pub use shares::{REVERSED_ONCE, ShareClassRecord, TransactionRecord};
pub use source_digests::SourceDigest;
pub use tenant_tx::{TenantTx, TxMode, TxOptions};
