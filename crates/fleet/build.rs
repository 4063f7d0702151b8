//! Embeds `migrations/ddl` and `migrations/dml` into the binary, so that a
//! release carries the schema it needs. `--migrations DIR` reads a directory
//! at run time instead.

use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut entries = Vec::new();
    for kind in ["ddl", "dml"] {
        let dir = root.join(kind);
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(listing) = fs::read_dir(&dir) else {
            continue;
        };
        for file in listing.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "sql") {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let absolute = fs::canonicalize(&path).unwrap_or(path);
                entries.push(format!(
                    "    ({:?}, {:?}, include_str!({:?})),",
                    kind,
                    name,
                    absolute.display().to_string()
                ));
            }
        }
    }
    entries.sort();
    let source = format!(
        "/// (kind, file name, contents) of every embedded migration.\npub(crate) const EMBEDDED: &[(&str, &str, &str)] = &[\n{}\n];\n",
        entries.join("\n")
    );
    let out = Path::new(&env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded_migrations.rs");
    if let Err(e) = fs::write(&out, source) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
