//! A tenant's rows, table by table, for moving, exporting, importing and
//! deleting a whole tenant. Tables come from the live catalogue, so a table
//! added by a migration is covered without code changes.
//!
//! Rows travel as JSON objects (`row_to_json`) and come back through
//! `json_populate_recordset`, which keeps every column type PostgreSQL can
//! print and parse, and works through row-level security (COPY FROM does not).

use std::collections::{BTreeMap, BTreeSet};

use super::TenantTx;
use crate::{DATA_SCHEMA, StoreError, lint::GLOBAL_TABLES};

/// A tenant-owned table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantTable {
    /// `charter.name`, quoted as needed.
    pub name: String,
    /// Primary-key columns (quoted), `tenant_id` first.
    pub key: Vec<String>,
    /// Every other column (quoted) but generated ones, which PostgreSQL
    /// computes and refuses to be given.
    pub others: Vec<String>,
}

/// A table's content summary: rows and an order-independent hash of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub rows: i64,
    pub hash: String,
}

/// Tables a copy of a tenant leaves out because they follow from other
/// rows: search terms (triggers rebuild them from the facts copied) and
/// source digests (a cache; the next sync compares in full and records them).
pub const DERIVED_TABLES: &[&str] = &["charter.entity_search_term", "charter.entity_source_digest"];

/// Rows inserted per statement when copying.
const BATCH: usize = 1_000;

impl TenantTx {
    /// Every tenant-owned table, parents before children (foreign-key order).
    pub async fn tenant_tables(&mut self) -> Result<Vec<TenantTable>, StoreError> {
        let rows = self
            .query(
                "SELECT c.oid::regclass::text,
                        ARRAY(SELECT quote_ident(a.attname) FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, i)
                                JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum
                               ORDER BY u.i),
                        ARRAY(SELECT f.confrelid::regclass::text FROM pg_catalog.pg_constraint f
                               WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid),
                        ARRAY(SELECT quote_ident(a.attname) FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                 AND a.attnum <> ALL (k.conkey) AND a.attgenerated = ''
                               ORDER BY a.attnum)
                   FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
                  WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                 WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)",
                &[&DATA_SCHEMA],
            )
            .await?;
        /// (key columns, tables it references, other columns)
        type Shape = (Vec<String>, BTreeSet<String>, Vec<String>);
        let mut tables: BTreeMap<String, Shape> = BTreeMap::new();
        for row in rows {
            let name: String = row.get(0);
            if GLOBAL_TABLES.contains(&name.as_str()) || DERIVED_TABLES.contains(&name.as_str()) {
                continue;
            }
            tables.insert(name, (row.get(1), row.get::<_, Vec<String>>(2).into_iter().collect(), row.get(3)));
        }
        // Kahn's algorithm; references to tables outside the set (global
        // reference tables) do not order anything.
        let mut ordered = Vec::with_capacity(tables.len());
        let mut placed: BTreeSet<String> = BTreeSet::new();
        while placed.len() < tables.len() {
            let ready: Vec<String> = tables
                .iter()
                .filter(|(name, (_, parents, _))| {
                    !placed.contains(*name) && parents.iter().all(|p| placed.contains(p) || !tables.contains_key(p))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if ready.is_empty() {
                return Err(StoreError::Internal("tenant tables reference each other in a cycle".into()));
            }
            for name in ready {
                let (key, _, others) = tables[&name].clone();
                placed.insert(name.clone());
                ordered.push(TenantTable { name, key, others });
            }
        }
        Ok(ordered)
    }
}

impl TenantTable {
    /// The columns a copy writes: the key, then the others.
    fn columns(&self) -> String {
        self.key.iter().chain(&self.others).cloned().collect::<Vec<_>>().join(", ")
    }
}

impl TenantTx {
    /// Every row of the tenant in `table`, as JSON objects, in key order.
    pub async fn export_rows(&mut self, table: &TenantTable) -> Result<Vec<String>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let sql = format!(
            "SELECT row_to_json(t)::text FROM {} t WHERE t.tenant_id = $1 ORDER BY {}",
            table.name,
            table.key.iter().map(|k| format!("t.{k}")).collect::<Vec<_>>().join(", ")
        );
        let rows = self.query(&sql, &[&tenant]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Inserts rows given as JSON objects (which must carry this tenant's id;
    /// row-level security refuses any other).
    pub async fn import_rows(&mut self, table: &TenantTable, rows: &[String]) -> Result<u64, StoreError> {
        let sql = format!(
            "INSERT INTO {0} ({1}) SELECT {1} FROM json_populate_recordset(NULL::{0}, $1::text::json)",
            table.name,
            table.columns()
        );
        let mut inserted = 0;
        for chunk in rows.chunks(BATCH) {
            let array = format!("[{}]", chunk.join(","));
            inserted += self.execute(&sql, &[&array]).await?;
        }
        Ok(inserted)
    }

    /// Inserts rows, or updates those whose key exists already.
    pub async fn upsert_rows(&mut self, table: &TenantTable, rows: &[String]) -> Result<u64, StoreError> {
        let on_conflict = if table.others.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!(
                "DO UPDATE SET ({}) = ROW({})",
                table.others.join(", "),
                table.others.iter().map(|c| format!("EXCLUDED.{c}")).collect::<Vec<_>>().join(", ")
            )
        };
        let sql = format!(
            "INSERT INTO {0} ({2}) SELECT {2} FROM json_populate_recordset(NULL::{0}, $1::text::json)
             ON CONFLICT ({1}) {on_conflict}",
            table.name,
            table.key.join(", "),
            table.columns()
        );
        let mut written = 0;
        for chunk in rows.chunks(BATCH) {
            let array = format!("[{}]", chunk.join(","));
            written += self.execute(&sql, &[&array]).await?;
        }
        Ok(written)
    }

    /// Deletes every row of the tenant in `table`.
    pub async fn delete_rows(&mut self, table: &TenantTable) -> Result<u64, StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute(&format!("DELETE FROM {} WHERE tenant_id = $1", table.name), &[&tenant]).await
    }

    /// Each row's primary key (a JSON array) with a hash of the whole row.
    pub async fn row_hashes(&mut self, table: &TenantTable) -> Result<BTreeMap<String, String>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let key = table.key.iter().map(|k| format!("t.{k}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT json_build_array({key})::text, md5(row_to_json(t)::text) FROM {} t WHERE t.tenant_id = $1",
            table.name
        );
        let rows = self.query(&sql, &[&tenant]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The rows with the given keys (JSON arrays, as from [`row_hashes`](Self::row_hashes)).
    pub async fn rows_by_key(&mut self, table: &TenantTable, keys: &[String]) -> Result<Vec<String>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let key = table.key.iter().map(|k| format!("t.{k}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT row_to_json(t)::text FROM {} t
              WHERE t.tenant_id = $1 AND json_build_array({key})::text = ANY ($2)",
            table.name
        );
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH) {
            let rows = self.query(&sql, &[&tenant, &chunk]).await?;
            found.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        }
        Ok(found)
    }

    /// Deletes the rows with the given keys.
    pub async fn delete_by_key(&mut self, table: &TenantTable, keys: &[String]) -> Result<u64, StoreError> {
        let tenant = self.tenant().as_uuid();
        let key = table.key.iter().map(|k| format!("t.{k}")).collect::<Vec<_>>().join(", ");
        let sql =
            format!("DELETE FROM {} t WHERE t.tenant_id = $1 AND json_build_array({key})::text = ANY ($2)", table.name);
        let mut deleted = 0;
        for chunk in keys.chunks(BATCH) {
            deleted += self.execute(&sql, &[&tenant, &chunk]).await?;
        }
        Ok(deleted)
    }

    /// Rows and an order-independent hash of their content.
    pub async fn digest(&mut self, table: &TenantTable) -> Result<TableDigest, StoreError> {
        let tenant = self.tenant().as_uuid();
        let sql = format!(
            "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '')
               FROM (SELECT md5(row_to_json(t)::text) AS h FROM {} t WHERE t.tenant_id = $1) rows",
            table.name
        );
        let row = self.query_one(&sql, &[&tenant]).await?;
        Ok(TableDigest { rows: row.get(0), hash: row.get(1) })
    }

    /// Freezes or thaws the tenant's writes in this database. Freezing waits
    /// for every write transaction of the tenant in flight (they hold a share
    /// lock on the tenant's row from `assert_writable`).
    pub async fn set_write_frozen(&mut self, frozen: bool) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        let updated = self
            .execute(
                &format!("UPDATE {DATA_SCHEMA}.tenant SET write_frozen = $2 WHERE tenant_id = $1"),
                &[&tenant, &frozen],
            )
            .await?;
        Ok(updated == 1)
    }
}
