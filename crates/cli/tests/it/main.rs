//! Integration tests: the one test binary of the crate besides the
//! acceptance features. Each test makes its own deployment on the test
//! PostgreSQL server.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod access;
mod audit_chain;
mod bitemporal;
mod cors;
mod fleet;
mod gleif_sync;
mod idempotency;
mod limits;
mod openapi;
mod placement;
mod shares;
mod tenant_tx;
