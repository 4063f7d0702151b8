//! The acceptance features in `features/*.feature`, run with cucumber
//! against real PostgreSQL and a real HTTP server. A step without a
//! definition is skipped, and a skipped step fails the run. The browser
//! features in `features/web/` are run by `scripts/test-web` (cucumber-js
//! driving Chromium), not here.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod steps;

use cucumber::World as _;

use steps::CharterWorld;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    support::sweep_leftovers().await;
    let features = concat!(env!("CARGO_MANIFEST_DIR"), "/../../features");
    CharterWorld::cucumber()
        // Each scenario has its own deployment (control plane, databases,
        // server); a few at a time keep within the server's connections.
        .max_concurrent_scenarios(3)
        .fail_on_skipped()
        .after(|_feature, _rule, _scenario, _finished, world| {
            Box::pin(async move {
                if let Some(world) = world {
                    world.teardown().await;
                }
            })
        })
        .filter_run_and_exit(features, |feature, _, _| {
            let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            let web = canonical(std::path::Path::new(features)).join("web");
            !feature.path.as_deref().is_some_and(|p| canonical(p).starts_with(&web))
        })
        .await;
}
