//! Release builds embed the micro-frontend (`web/dist`, see `src/web.rs`):
//! build it first when it is missing and npm is at hand. Debug builds read
//! `web/dist` at run time, so they never wait for npm.

use std::{path::Path, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
    println!("cargo:rerun-if-env-changed=CHARTER_SKIP_WEB_BUILD");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let web = Path::new("../../web");
    if !release || web.join("dist/mfe/charter.js").exists() || std::env::var_os("CHARTER_SKIP_WEB_BUILD").is_some() {
        return;
    }
    let npm = |args: &[&str]| Command::new("npm").args(args).current_dir(web).status();
    let built = npm(&["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .and_then(|installed| if installed.success() { npm(&["run", "build"]) } else { Ok(installed) });
    match built {
        Ok(status) if status.success() => {}
        other => println!(
            "cargo:warning=the web UI was not built ({other:?}); this binary serves the API only. \
             Build it with (cd web && npm ci && npm run build) and rebuild."
        ),
    }
}
