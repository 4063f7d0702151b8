//! The migration set: `migrations/ddl/NNNN_name.sql` (schema, once per
//! database, as the migration role) and `migrations/dml/NNNN_name.sql`
//! (data, once per tenant, as the application role with the tenant set).
//!
//! Header lines at the top of a file declare dependencies:
//!
//! * `-- requires: ddl 0007` — a DML needs that schema version (mandatory
//!   for DML);
//! * `-- phase: contract` with `-- requires: dml 0003` — a DDL that runs on
//!   a database only once every tenant in it has applied that DML (the
//!   "contract" half of expand/contract).

use std::{collections::BTreeMap, fs, path::Path};

use charter_storage::admin::{AppliedDdl, DdlScript};
use sha2::{Digest, Sha256};

use crate::FleetError;

include!(concat!(env!("OUT_DIR"), "/embedded_migrations.rs"));

/// A schema migration.
#[derive(Debug, Clone)]
pub struct DdlMigration {
    pub script: DdlScript,
    /// For a contract migration: the DML every tenant of a database must
    /// have applied first.
    pub requires_dml: Option<i32>,
}

impl DdlMigration {
    pub fn is_contract(&self) -> bool {
        self.requires_dml.is_some()
    }

    pub fn label(&self) -> String {
        format!("ddl/{:04}_{}", self.script.version, self.script.name)
    }
}

/// A data migration, run once per tenant.
#[derive(Debug, Clone)]
pub struct DmlMigration {
    pub version: i32,
    pub name: String,
    pub checksum: String,
    pub sql: String,
    /// The DDL version the script needs.
    pub requires_ddl: i32,
}

impl DmlMigration {
    pub fn label(&self) -> String {
        format!("dml/{:04}_{}", self.version, self.name)
    }
}

/// Every migration, in version order, with their dependencies checked.
#[derive(Debug, Clone, Default)]
pub struct MigrationSet {
    pub ddl: Vec<DdlMigration>,
    pub dml: Vec<DmlMigration>,
}

impl MigrationSet {
    /// The migrations compiled into this binary.
    pub fn embedded() -> Result<Self, FleetError> {
        Self::from_files(
            EMBEDDED.iter().map(|(kind, name, sql)| ((*kind).to_owned(), (*name).to_owned(), (*sql).to_owned())),
        )
    }

    /// The migrations in `dir/ddl` and `dir/dml` (for operators and tests).
    pub fn from_dir(dir: &Path) -> Result<Self, FleetError> {
        if !dir.is_dir() {
            return Err(FleetError::Migrations(format!("{} is not a directory", dir.display())));
        }
        let mut files = Vec::new();
        for kind in ["ddl", "dml"] {
            let sub = dir.join(kind);
            let Ok(listing) = fs::read_dir(&sub) else { continue };
            for entry in listing.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "sql") {
                    let sql = fs::read_to_string(&path)
                        .map_err(|e| FleetError::Migrations(format!("cannot read {}: {e}", path.display())))?;
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    files.push((kind.to_owned(), name, sql));
                }
            }
        }
        if files.is_empty() {
            return Err(FleetError::Migrations(format!("no migrations under {}/ddl or {0}/dml", dir.display())));
        }
        Self::from_files(files)
    }

    fn from_files(files: impl IntoIterator<Item = (String, String, String)>) -> Result<Self, FleetError> {
        let mut set = Self::default();
        for (kind, file, sql) in files {
            let label = format!("{kind}/{file}");
            let bad = |why: String| FleetError::Migrations(format!("{label}: {why}"));
            let (version, name) =
                parse_file_name(&file).ok_or_else(|| bad("file names must look like NNNN_name.sql".into()))?;
            let headers = Headers::parse(&sql).map_err(bad)?;
            let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
            match kind.as_str() {
                "ddl" => {
                    if headers.requires_ddl.is_some() {
                        return Err(bad("a DDL migration cannot require a DDL version; order is by version".into()));
                    }
                    if headers.contract != headers.requires_dml.is_some() {
                        return Err(bad("`-- phase: contract` and `-- requires: dml NNNN` go together".into()));
                    }
                    set.ddl.push(DdlMigration {
                        script: DdlScript { version, name, checksum, sql },
                        requires_dml: headers.requires_dml,
                    });
                }
                _ => {
                    if headers.contract || headers.requires_dml.is_some() {
                        return Err(bad("a DML migration takes only `-- requires: ddl NNNN`".into()));
                    }
                    let requires_ddl = headers
                        .requires_ddl
                        .ok_or_else(|| bad("a DML migration must declare `-- requires: ddl NNNN`".into()))?;
                    set.dml.push(DmlMigration { version, name, checksum, sql, requires_ddl });
                }
            }
        }
        set.ddl.sort_by_key(|m| m.script.version);
        set.dml.sort_by_key(|m| m.version);
        set.check()?;
        Ok(set)
    }

    /// Unique versions, known targets of every `requires`, no cycle.
    fn check(&self) -> Result<(), FleetError> {
        let duplicate =
            |kind: &str, v: i32| FleetError::Migrations(format!("two {kind} migrations have version {v:04}"));
        for pair in self.ddl.windows(2) {
            if pair[0].script.version == pair[1].script.version {
                return Err(duplicate("DDL", pair[0].script.version));
            }
        }
        for pair in self.dml.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(duplicate("DML", pair[0].version));
            }
        }
        for dml in &self.dml {
            if self.ddl(dml.requires_ddl).is_none() {
                return Err(FleetError::Migrations(format!(
                    "{} requires ddl {:04}, which does not exist",
                    dml.label(),
                    dml.requires_ddl
                )));
            }
        }
        for ddl in &self.ddl {
            if let Some(required) = ddl.requires_dml
                && self.dml(required).is_none()
            {
                return Err(FleetError::Migrations(format!(
                    "{} requires dml {required:04}, which does not exist",
                    ddl.label()
                )));
            }
        }
        self.check_acyclic()
    }

    /// DDL run in version order, DML too; a DML needs its DDL, a contract DDL
    /// needs its DML. A contract DDL whose DML (or an earlier DML) needs this
    /// DDL or a later one can never run.
    fn check_acyclic(&self) -> Result<(), FleetError> {
        for ddl in &self.ddl {
            let Some(required) = ddl.requires_dml else { continue };
            // The contract needs every DML up to `required` applied; each of
            // those needs its DDL, which must come before the contract.
            if let Some(blocker) =
                self.dml.iter().filter(|m| m.version <= required).find(|m| m.requires_ddl >= ddl.script.version)
            {
                return Err(FleetError::Migrations(format!(
                    "dependency cycle: {} waits for dml {required:04}, but {} requires ddl {:04}, which comes at or after the contract",
                    ddl.label(),
                    blocker.label(),
                    blocker.requires_ddl
                )));
            }
        }
        Ok(())
    }

    pub fn ddl(&self, version: i32) -> Option<&DdlMigration> {
        self.ddl.iter().find(|m| m.script.version == version)
    }

    pub fn dml(&self, version: i32) -> Option<&DmlMigration> {
        self.dml.iter().find(|m| m.version == version)
    }

    /// The highest DDL version, which a database must have to be served.
    pub fn latest_ddl(&self) -> i32 {
        self.ddl.last().map_or(0, |m| m.script.version)
    }

    /// The highest DML version, which every tenant reaches eventually.
    pub fn latest_dml(&self) -> i32 {
        self.dml.last().map_or(0, |m| m.version)
    }

    /// Checks that every applied DDL is unchanged and known to this binary.
    pub fn verify_applied_ddl(&self, applied: &[AppliedDdl], database: &str) -> Result<(), FleetError> {
        for done in applied {
            match self.ddl(done.version) {
                Some(m) if m.script.checksum != done.checksum => {
                    return Err(FleetError::Migrations(format!(
                        "{} was changed after it was applied to {database}: checksum mismatch (applied {}, file {})",
                        m.label(),
                        short(&done.checksum),
                        short(&m.script.checksum)
                    )));
                }
                Some(_) => {}
                None => {
                    return Err(FleetError::Migrations(format!(
                        "{database} has ddl/{:04}_{}, which these migrations do not know: the database is newer than this binary",
                        done.version, done.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Checks applied DML checksums (version → checksum as recorded by any tenant).
    pub fn verify_applied_dml(&self, applied: &BTreeMap<i32, String>, database: &str) -> Result<(), FleetError> {
        for (version, checksum) in applied {
            match self.dml(*version) {
                Some(m) if &m.checksum != checksum => {
                    return Err(FleetError::Migrations(format!(
                        "{} was changed after it was applied in {database}: checksum mismatch (applied {}, file {})",
                        m.label(),
                        short(checksum),
                        short(&m.checksum)
                    )));
                }
                Some(_) => {}
                None => {
                    return Err(FleetError::Migrations(format!(
                        "{database} has dml/{version:04}, which these migrations do not know: the database is newer than this binary"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The DDL migrations `applied` lacks, in order.
    pub fn pending_ddl(&self, applied: &[AppliedDdl]) -> Vec<&DdlMigration> {
        self.ddl.iter().filter(|m| !applied.iter().any(|a| a.version == m.script.version)).collect()
    }
}

fn short(checksum: &str) -> &str {
    &checksum[..12.min(checksum.len())]
}

/// The dependency headers of a file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Headers {
    requires_ddl: Option<i32>,
    requires_dml: Option<i32>,
    contract: bool,
}

impl Headers {
    /// Reads `-- key: value` lines from the leading comment block. Other
    /// comments are prose; a known key with a bad value is an error.
    fn parse(sql: &str) -> Result<Self, String> {
        let mut headers = Self::default();
        for line in sql.lines().map(str::trim).take_while(|l| l.is_empty() || l.starts_with("--")) {
            let Some(body) = line.strip_prefix("--").map(str::trim) else { continue };
            let Some((key, value)) = body.split_once(':') else { continue };
            let value = value.trim();
            match key.trim() {
                "requires" => {
                    let (kind, version) = value
                        .split_once(char::is_whitespace)
                        .ok_or_else(|| format!("malformed header `{line}`: expected `-- requires: ddl|dml NNNN`"))?;
                    let version = parse_version(version.trim())
                        .ok_or_else(|| format!("malformed header `{line}`: the version must be four digits"))?;
                    match kind {
                        "ddl" if headers.requires_ddl.is_none() => headers.requires_ddl = Some(version),
                        "dml" if headers.requires_dml.is_none() => headers.requires_dml = Some(version),
                        "ddl" | "dml" => return Err(format!("`requires: {kind}` appears twice")),
                        other => return Err(format!("malformed header `{line}`: `{other}` is neither ddl nor dml")),
                    }
                }
                "phase" => match value {
                    "contract" => headers.contract = true,
                    "expand" => headers.contract = false,
                    other => {
                        return Err(format!(
                            "malformed header `{line}`: phase `{other}` is neither expand nor contract"
                        ));
                    }
                },
                _ => {}
            }
        }
        Ok(headers)
    }
}

fn parse_version(raw: &str) -> Option<i32> {
    (raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit())).then(|| raw.parse().ok()).flatten()
}

/// `0001_foundation.sql` → `(1, "foundation")`.
fn parse_file_name(file: &str) -> Option<(i32, String)> {
    let stem = file.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_name {
        return None;
    }
    Some((parse_version(digits)?, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str, &str)]) -> Result<MigrationSet, FleetError> {
        MigrationSet::from_files(list.iter().map(|(k, n, s)| ((*k).into(), (*n).into(), (*s).into())))
    }

    #[test]
    fn embedded_set_is_consistent() {
        let set = MigrationSet::embedded().unwrap();
        assert!(set.latest_ddl() >= 2);
        assert_eq!(set.ddl[0].script.name, "foundation");
    }

    #[test]
    fn file_names() {
        assert_eq!(parse_file_name("0007_add_lei.sql"), Some((7, "add_lei".into())));
        for bad in ["7_x.sql", "0007.sql", "0007_.sql", "0007_X.sql", "abcd_x.sql", "0007_x.txt"] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn headers() {
        let h = Headers::parse("-- Fill the column.\n-- requires: ddl 0003\n\nUPDATE x SET y = 1;").unwrap();
        assert_eq!(h, Headers { requires_ddl: Some(3), requires_dml: None, contract: false });
        let h = Headers::parse("-- phase: contract\n-- requires: dml 0002\nALTER TABLE x DROP y;").unwrap();
        assert_eq!(h, Headers { requires_ddl: None, requires_dml: Some(2), contract: true });
        // Prose with colons is not a header; headers end with the comment block.
        assert_eq!(Headers::parse("-- Rules: none\nSELECT 1;\n-- requires: ddl 9").unwrap(), Headers::default());
        for bad in ["-- requires: ddl 7", "-- requires: table 0001", "-- requires: ddl", "-- phase: sideways"] {
            assert!(Headers::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_inconsistent_sets() {
        let ddl1 = ("ddl", "0001_a.sql", "CREATE TABLE a ();");
        let expect_err = |list: &[(&str, &str, &str)], needle: &str| {
            let message = files(list).unwrap_err().to_string();
            assert!(message.contains(needle), "{message} should mention {needle}");
        };
        expect_err(&[ddl1, ("dml", "0001_x.sql", "UPDATE a SET b = 1;")], "must declare");
        expect_err(
            &[ddl1, ("dml", "0001_x.sql", "-- requires: ddl 0009\nSELECT 1;")],
            "ddl 0009, which does not exist",
        );
        expect_err(&[ddl1, ("ddl", "0002_c.sql", "-- phase: contract\nSELECT 1;")], "go together");
        expect_err(&[ddl1, ("ddl", "0002_c.sql", "-- phase: contract\n-- requires: dml 0004\nSELECT 1;")], "dml 0004");
        expect_err(&[ddl1, ("ddl", "0001_b.sql", "SELECT 1;")], "version 0001");
        // The contract waits for a DML that itself needs the contract.
        expect_err(
            &[
                ddl1,
                ("ddl", "0002_c.sql", "-- phase: contract\n-- requires: dml 0001\nSELECT 1;"),
                ("dml", "0001_x.sql", "-- requires: ddl 0002\nSELECT 1;"),
            ],
            "dependency cycle",
        );
        assert!(
            files(&[
                ddl1,
                ("ddl", "0002_c.sql", "-- phase: contract\n-- requires: dml 0001\nSELECT 1;"),
                ("dml", "0001_x.sql", "-- requires: ddl 0001\nSELECT 1;"),
            ])
            .is_ok()
        );
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
        assert!(set.verify_applied_ddl(&[applied(&first.checksum, first.version)], "db").is_ok());
        let changed = set.verify_applied_ddl(&[applied("0000", first.version)], "db").unwrap_err().to_string();
        assert!(changed.contains("0001_foundation") && changed.contains("checksum mismatch"), "{changed}");
        assert!(set.verify_applied_ddl(&[applied(&first.checksum, 9999)], "db").is_err());
    }
}
