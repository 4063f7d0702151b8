//! The migration set: `migrations/ddl/NNNN_name.sql` (schema, once per
//! database) and `migrations/dml/NNNN_name.sql` (data, once per tenant).

use std::{fs, path::Path};

use charter_storage::admin::{AppliedDdl, DdlScript};
use sha2::{Digest, Sha256};

use crate::FleetError;

include!(concat!(env!("OUT_DIR"), "/embedded_migrations.rs"));

/// A schema migration.
#[derive(Debug, Clone)]
pub struct DdlMigration {
    pub script: DdlScript,
}

/// Every migration, in version order.
#[derive(Debug, Clone, Default)]
pub struct MigrationSet {
    pub ddl: Vec<DdlMigration>,
}

impl MigrationSet {
    /// The migrations compiled into this binary.
    pub fn embedded() -> Result<Self, FleetError> {
        Self::from_files(
            EMBEDDED.iter().map(|(kind, name, sql)| {
                ((*kind).to_owned(), (*name).to_owned(), (*sql).to_owned())
            }),
        )
    }

    /// The migrations in `dir/ddl` and `dir/dml`.
    pub fn from_dir(dir: &Path) -> Result<Self, FleetError> {
        let mut files = Vec::new();
        for kind in ["ddl", "dml"] {
            let sub = dir.join(kind);
            let Ok(listing) = fs::read_dir(&sub) else {
                continue;
            };
            for entry in listing.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "sql") {
                    let sql = fs::read_to_string(&path).map_err(|e| {
                        FleetError::Migrations(format!("cannot read {}: {e}", path.display()))
                    })?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    files.push((kind.to_owned(), name, sql));
                }
            }
        }
        if files.is_empty() {
            return Err(FleetError::Migrations(format!(
                "no migrations found under {}/ddl or /dml",
                dir.display()
            )));
        }
        Self::from_files(files)
    }

    fn from_files(
        files: impl IntoIterator<Item = (String, String, String)>,
    ) -> Result<Self, FleetError> {
        let mut set = Self::default();
        for (kind, file, sql) in files {
            let (version, name) = parse_file_name(&file).ok_or_else(|| {
                FleetError::Migrations(format!(
                    "{kind}/{file}: file names must look like NNNN_name.sql"
                ))
            })?;
            let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
            // Data migrations (dml/) arrive with the fleet migration service.
            if kind == "ddl" {
                set.ddl.push(DdlMigration {
                    script: DdlScript {
                        version,
                        name,
                        checksum,
                        sql,
                    },
                });
            }
        }
        set.ddl.sort_by_key(|m| m.script.version);
        for pair in set.ddl.windows(2) {
            if pair[0].script.version == pair[1].script.version {
                return Err(FleetError::Migrations(format!(
                    "two DDL migrations have version {:04}: {} and {}",
                    pair[0].script.version, pair[0].script.name, pair[1].script.name
                )));
            }
        }
        Ok(set)
    }

    /// The highest DDL version, which a database must have to be served.
    pub fn latest_ddl(&self) -> i32 {
        self.ddl.last().map_or(0, |m| m.script.version)
    }

    /// The DDL migrations `applied` lacks, after checking that every applied
    /// one is unchanged.
    pub fn pending_ddl(
        &self,
        applied: &[AppliedDdl],
        database: &str,
    ) -> Result<Vec<&DdlMigration>, FleetError> {
        for done in applied {
            match self.ddl.iter().find(|m| m.script.version == done.version) {
                Some(m) if m.script.checksum != done.checksum => {
                    return Err(FleetError::Migrations(format!(
                        "DDL {:04}_{} was changed after it was applied to {database}: checksum mismatch (applied {}, file {})",
                        done.version,
                        done.name,
                        &done.checksum[..12.min(done.checksum.len())],
                        &m.script.checksum[..12]
                    )));
                }
                Some(_) => {}
                None => {
                    return Err(FleetError::Migrations(format!(
                        "{database} has DDL {:04}_{}, which this binary does not know: it is newer than this binary",
                        done.version, done.name
                    )));
                }
            }
        }
        Ok(self
            .ddl
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.script.version))
            .collect())
    }
}

/// `0001_foundation.sql` → `(1, "foundation")`.
fn parse_file_name(file: &str) -> Option<(i32, String)> {
    let stem = file.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || !valid_name {
        return None;
    }
    Some((digits.parse().ok()?, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_set_is_consistent() {
        let set = MigrationSet::embedded().unwrap();
        assert!(set.latest_ddl() >= 1);
        assert_eq!(set.ddl[0].script.name, "foundation");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("0007_add_lei.sql"),
            Some((7, "add_lei".into()))
        );
        for bad in [
            "7_x.sql",
            "0007.sql",
            "0007_.sql",
            "0007_X.sql",
            "abcd_x.sql",
            "0007_x.txt",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_changed_and_unknown_migrations() {
        let set = MigrationSet::embedded().unwrap();
        let first = &set.ddl[0].script;
        let applied = |checksum: &str, version| AppliedDdl {
            version,
            name: first.name.clone(),
            checksum: checksum.into(),
            applied_at: Default::default(),
            duration_ms: 1,
        };
        assert!(
            set.pending_ddl(&[applied(&first.checksum, first.version)], "db")
                .unwrap()
                .iter()
                .all(|m| m.script.version != first.version)
        );
        let changed = set
            .pending_ddl(&[applied("0000", first.version)], "db")
            .unwrap_err()
            .to_string();
        assert!(
            changed.contains("0001_foundation") && changed.contains("checksum mismatch"),
            "{changed}"
        );
        assert!(
            set.pending_ddl(&[applied(&first.checksum, 9999)], "db")
                .is_err()
        );
    }
}
