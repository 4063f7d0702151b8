//! The acceptance features in `features/*.feature`, run with cucumber
//! against real PostgreSQL and a real HTTP server. A step without a
//! definition is skipped, and a skipped step fails the run. The browser
//! features in `features/web/` are run by `scripts/test-web` (cucumber-js
//! driving Chromium), not here.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod steps;

use cucumber::{World as _, cli, parser, runner, tag::Ext as _, writer};

use steps::CharterWorld;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    support::sweep_leftovers().await;
    let features = concat!(env!("CARGO_MANIFEST_DIR"), "/../../features");
    // `--name`/`--tags` would replace the filter below (cucumber applies a
    // command-line filter instead of the given one), running browser
    // scenarios whose names match; so both are taken here and applied on top.
    let mut opts: cli::Opts<parser::basic::Cli, runner::basic::Cli, writer::basic::Cli> = cli::Opts::parsed();
    let (name, tags) = (opts.re_filter.take(), opts.tags_filter.take());
    CharterWorld::cucumber()
        .with_cli(opts)
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
        .filter_run_and_exit(features, move |feature, rule, scenario| {
            let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            let web = canonical(std::path::Path::new(features)).join("web");
            let in_browser = feature.path.as_deref().is_some_and(|p| canonical(p).starts_with(&web));
            let named = name.as_ref().is_none_or(|re| re.is_match(&scenario.name));
            let tagged = tags.as_ref().is_none_or(|t| {
                t.eval(feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(scenario.tags.iter()))
            });
            !in_browser && named && tagged
        })
        .await;
}
