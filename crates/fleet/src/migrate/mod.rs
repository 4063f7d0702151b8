//! The fleet migration service: DDL once per database, DML once per tenant,
//! in dependency order, resumable after any crash.
//!
//! * [`Fleet::plan`] — what would run where; refuses edited migrations.
//! * [`Fleet::apply`] — databases in parallel, each under its schema lock;
//!   tenants of a database in parallel; a failing tenant is reported and the
//!   others go on; a failing DDL stops its database only.
//! * [`Fleet::status`] — DDL version per database and tenants per DML version.
//!
//! Exactly once: a DDL and its ledger row commit together; a tenant's DML
//! and its ledger row commit together. A crash loses at most the work in
//! flight, which the next run does again.

mod apply;
pub(crate) mod database;
mod plan;
mod status;

pub use apply::{ApplyOptions, ApplyReport, DatabaseReport, Progress, Silent, TenantFailure};
pub use plan::{DatabasePlan, PendingDdl, PendingDml, Plan};
pub use status::DatabaseStatus;
