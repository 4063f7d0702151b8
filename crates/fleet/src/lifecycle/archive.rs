//! Portable tenant archives: a gzip-compressed tar holding `manifest.json`
//! and one NDJSON file per tenant table (`tables/<table>.ndjson`, a JSON
//! object per row), each with its SHA-256 in the manifest.

use std::{
    collections::BTreeMap,
    fs::File,
    io::{Read, Write},
    path::{Path, PathBuf},
};

use charter_domain::{
    access::TenantGrant,
    ids::TenantId,
    tenant::{Placement, Slug, TenantName, Tier},
};
use charter_storage::{
    control::{PlacedIn, TenantRecord},
    data::TxOptions,
};
use chrono::{DateTime, Utc};
use flate2::{Compression, read::GzDecoder, write::GzEncoder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Fleet, FleetError};

const FORMAT: &str = "charter-tenant-export";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub exported_at: DateTime<Utc>,
    pub tenant: ManifestTenant,
    /// The schema the rows fit.
    pub ddl_version: i32,
    pub tables: Vec<ManifestTable>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestTenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub placement: String,
    pub tier: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestTable {
    pub table: String,
    pub file: String,
    pub rows: usize,
    pub sha256: String,
}

/// A written archive.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub path: PathBuf,
    /// SHA-256 of the archive file.
    pub sha256: String,
    pub manifest: Manifest,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> FleetError {
    FleetError::Invalid(format!("{}: {e}", path.display()))
}

impl Fleet {
    /// Writes the tenant's rows, read from one snapshot, to `path`.
    pub async fn export_tenant(&self, slug: &Slug, path: &Path) -> Result<ExportSummary, FleetError> {
        let (tenant, placed) = self.active_tenant(slug).await?;
        self.export_placed(&tenant, &placed, path).await
    }

    pub(crate) async fn export_placed(
        &self,
        tenant: &TenantRecord,
        placed: &PlacedIn,
        path: &Path,
    ) -> Result<ExportSummary, FleetError> {
        let grant = TenantGrant::for_system(tenant.id, "export");
        let mut tx = self.data.begin(placed.id, &grant, TxOptions::snapshot()).await?;
        let ddl_version = tx.ddl_version().await?;
        let mut files = Vec::new();
        for table in tx.tenant_tables().await? {
            let rows = tx.export_rows(&table).await?;
            let mut body = rows.join("\n");
            if !body.is_empty() {
                body.push('\n');
            }
            let file = format!("tables/{}.ndjson", table.name);
            files.push((
                ManifestTable { table: table.name, file, rows: rows.len(), sha256: sha256_hex(body.as_bytes()) },
                body,
            ));
        }
        tx.commit().await?;
        let manifest = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            exported_at: Utc::now(),
            tenant: ManifestTenant {
                id: tenant.id.to_string(),
                slug: tenant.slug.to_string(),
                name: tenant.name.as_str().to_owned(),
                placement: tenant.placement.as_str().into(),
                tier: tenant.tier.as_str().into(),
            },
            ddl_version,
            tables: files.iter().map(|(t, _)| t.clone()).collect(),
        };
        write_archive(path, &manifest, &files)?;
        let sha256 = sha256_hex(&std::fs::read(path).map_err(|e| io_error(path, e))?);
        // Read it back: an archive that does not verify is no archive.
        read_archive(path)?;
        Ok(ExportSummary { path: path.to_owned(), sha256, manifest })
    }

    /// Restores an archive as a new tenant (`slug`, default the archived
    /// one) in the database named `database` (default: placed like a new
    /// shared tenant).
    pub async fn import_tenant(
        &self,
        path: &Path,
        slug: Option<&Slug>,
        database: Option<&str>,
    ) -> Result<TenantRecord, FleetError> {
        let (manifest, tables) = read_archive(path)?;
        let slug = match slug {
            Some(slug) => slug.clone(),
            None => Slug::parse("slug", &manifest.tenant.slug).map_err(|e| FleetError::Invalid(e.to_string()))?,
        };
        let name = TenantName::parse("name", &manifest.tenant.name).map_err(|e| FleetError::Invalid(e.to_string()))?;
        let tier = Tier::parse("tier", &manifest.tenant.tier).unwrap_or(Tier::Standard);
        let target = match database {
            Some(name) => Some(
                self.control
                    .database_by_name(name)
                    .await?
                    .ok_or_else(|| FleetError::Invalid(format!("no database named {name}")))?,
            ),
            None => None,
        };
        let placement = target.as_ref().map_or(Placement::Shared, |d| d.kind);
        let id = TenantId::generate();
        let tenant = self.control.insert_tenant(id, &slug, &name, placement, tier).await?.ok_or_else(|| {
            FleetError::Invalid(format!("a tenant {slug} exists already; import under another --slug"))
        })?;
        let placed = match &target {
            Some(database) => self.control.place_in(id, database.id).await?.ok_or_else(|| {
                FleetError::Invalid(format!("database {} has no room for another tenant", database.name))
            })?,
            None => self.control.place_in_shared(id).await?.ok_or(FleetError::NoSharedCapacity)?,
        };
        let grant = TenantGrant::for_system(id, "import");
        let mut tx = self.data.begin(placed.id, &grant, TxOptions::maintenance()).await?;
        let schema = tx.ddl_version().await?;
        if schema != manifest.ddl_version {
            return Err(FleetError::Invalid(format!(
                "the archive holds rows of DDL {:04}, {} is at {schema:04}",
                manifest.ddl_version, placed.name
            )));
        }
        let live_tables = tx.tenant_tables().await?;
        for table in &live_tables {
            let Some(rows) = tables.get(&table.name) else {
                return Err(FleetError::Invalid(format!("the archive lacks table {}", table.name)));
            };
            let rewritten =
                rows.iter().map(|row| rewrite_row(row, &table.name, id, &slug)).collect::<Result<Vec<_>, _>>()?;
            tx.import_rows(table, &rewritten).await?;
        }
        tx.commit().await?;
        self.control.activate_tenant(id).await?;
        tracing::info!(tenant = %slug, database = %placed.name, archive = %path.display(), "imported tenant");
        Ok(self.control.tenant_by_slug(&slug).await?.unwrap_or(tenant))
    }
}

/// A row of the archive, made the new tenant's: its `tenant_id`, and for
/// the tenant's own row its slug and an open (unfrozen) state.
fn rewrite_row(row: &str, table: &str, tenant: TenantId, slug: &Slug) -> Result<String, FleetError> {
    let mut value: serde_json::Value =
        serde_json::from_str(row).map_err(|e| FleetError::Invalid(format!("a row of {table} is not JSON: {e}")))?;
    let object =
        value.as_object_mut().ok_or_else(|| FleetError::Invalid(format!("a row of {table} is not an object")))?;
    object.insert("tenant_id".into(), serde_json::Value::String(tenant.to_string()));
    if table == "charter.tenant" {
        object.insert("slug".into(), serde_json::Value::String(slug.to_string()));
        object.insert("write_frozen".into(), serde_json::Value::Bool(false));
    }
    Ok(value.to_string())
}

fn write_archive(path: &Path, manifest: &Manifest, files: &[(ManifestTable, String)]) -> Result<(), FleetError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    let file = File::create(path).map_err(|e| io_error(path, e))?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    let mut add = |name: &str, bytes: &[u8]| -> Result<(), FleetError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(u64::try_from(manifest.exported_at.timestamp()).unwrap_or(0));
        header.set_cksum();
        tar.append_data(&mut header, name, bytes).map_err(|e| io_error(path, e))
    };
    let manifest_json = serde_json::to_vec_pretty(manifest).map_err(|e| io_error(path, e))?;
    add("manifest.json", &manifest_json)?;
    for (table, body) in files {
        add(&table.file, body.as_bytes())?;
    }
    let mut gz = tar.into_inner().map_err(|e| io_error(path, e))?;
    gz.flush().map_err(|e| io_error(path, e))?;
    gz.finish().map_err(|e| io_error(path, e))?.sync_all().map_err(|e| io_error(path, e))?;
    Ok(())
}

/// Reads and verifies an archive: every file listed, with its checksum and
/// row count. Returns the manifest and table → rows.
pub fn read_archive(path: &Path) -> Result<(Manifest, BTreeMap<String, Vec<String>>), FleetError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in tar.entries().map_err(|e| io_error(path, e))? {
        let mut entry = entry.map_err(|e| io_error(path, e))?;
        let name = entry.path().map_err(|e| io_error(path, e))?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| io_error(path, e))?;
        contents.insert(name, bytes);
    }
    let manifest: Manifest = serde_json::from_slice(
        contents.get("manifest.json").ok_or_else(|| io_error(path, "no manifest.json: not a Charter archive"))?,
    )
    .map_err(|e| io_error(path, format!("manifest.json: {e}")))?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(io_error(
            path,
            format!("unsupported archive format {} v{}", manifest.format, manifest.format_version),
        ));
    }
    let mut tables = BTreeMap::new();
    for table in &manifest.tables {
        let bytes = contents.get(&table.file).ok_or_else(|| io_error(path, format!("{} is missing", table.file)))?;
        if sha256_hex(bytes) != table.sha256 {
            return Err(io_error(path, format!("{}: checksum mismatch", table.file)));
        }
        let text = String::from_utf8(bytes.clone()).map_err(|e| io_error(path, format!("{}: {e}", table.file)))?;
        let rows: Vec<String> = text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if rows.len() != table.rows {
            return Err(io_error(
                path,
                format!("{}: {} rows, the manifest says {}", table.file, rows.len(), table.rows),
            ));
        }
        tables.insert(table.table.clone(), rows);
    }
    Ok((manifest, tables))
}
