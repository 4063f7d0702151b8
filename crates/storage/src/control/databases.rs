//! The registry of data-plane databases.

use charter_domain::{ids::DatabaseId, tenant::DatabaseKind};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::ControlPlane;
use crate::{DbUrl, StoreError};

/// A database to register.
#[derive(Debug, Clone)]
pub struct NewDatabase {
    pub name: String,
    pub kind: DatabaseKind,
    pub admin_url: DbUrl,
    pub app_url: DbUrl,
    pub capacity: i32,
}

/// A registered database with its current number of tenants.
#[derive(Debug, Clone)]
pub struct DatabaseRecord {
    pub id: DatabaseId,
    pub name: String,
    pub kind: DatabaseKind,
    pub admin_url: DbUrl,
    pub app_url: DbUrl,
    pub capacity: i32,
    pub status: String,
    pub tenant_count: i64,
    pub created_at: DateTime<Utc>,
}

const SELECT_DATABASE: &str = "
    SELECT d.id, d.name, d.kind, d.admin_url, d.app_url, d.capacity, d.status, d.created_at,
           (SELECT count(*) FROM control.placements p WHERE p.database_id = d.id)
      FROM control.databases d";

impl DatabaseRecord {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let kind: String = row.get(2);
        let admin_url: String = row.get(3);
        let app_url: String = row.get(4);
        Ok(Self {
            id: DatabaseId::from_uuid(row.get(0)),
            name: row.get(1),
            kind: DatabaseKind::parse("kind", &kind).map_err(|e| StoreError::Internal(e.to_string()))?,
            admin_url: DbUrl::parse(&admin_url)?,
            app_url: DbUrl::parse(&app_url)?,
            capacity: row.get(5),
            status: row.get(6),
            created_at: row.get(7),
            tenant_count: row.get(8),
        })
    }
}

impl ControlPlane {
    /// Registers a database. A second registration under the same name is a
    /// [`StoreError::Conflict`].
    pub async fn register_database(&self, new: &NewDatabase) -> Result<DatabaseRecord, StoreError> {
        let conn = self.conn().await?;
        let id = DatabaseId::generate();
        conn.execute(
            "INSERT INTO control.databases (id, name, kind, admin_url, app_url, capacity)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id.as_uuid(),
                &new.name,
                &new.kind.as_str(),
                &new.admin_url.expose(),
                &new.app_url.expose(),
                &new.capacity,
            ],
        )
        .await?;
        drop(conn);
        self.database(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn database(&self, id: DatabaseId) -> Result<Option<DatabaseRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn.query_opt(&format!("{SELECT_DATABASE} WHERE d.id = $1"), &[&id.as_uuid()]).await?;
        row.as_ref().map(DatabaseRecord::from_row).transpose()
    }

    pub async fn database_by_name(&self, name: &str) -> Result<Option<DatabaseRecord>, StoreError> {
        let conn = self.conn().await?;
        let row = conn.query_opt(&format!("{SELECT_DATABASE} WHERE d.name = $1"), &[&name]).await?;
        row.as_ref().map(DatabaseRecord::from_row).transpose()
    }

    /// Points every database registered on server `from` (`host:port`) at
    /// `port` instead, e.g. after the embedded cluster had to change port.
    /// Returns how many were changed.
    pub async fn repoint_server(&self, from: &str, port: u16) -> Result<usize, StoreError> {
        let databases = self.list_databases().await?;
        let conn = self.conn().await?;
        let mut changed = 0;
        for database in databases {
            if database.admin_url.server() != from {
                continue;
            }
            let admin_url = database.admin_url.with_port(port);
            let app_url =
                if database.app_url.server() == from { database.app_url.with_port(port) } else { database.app_url };
            conn.execute(
                "UPDATE control.databases SET admin_url = $2, app_url = $3 WHERE id = $1",
                &[&database.id.as_uuid(), &admin_url.expose(), &app_url.expose()],
            )
            .await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// Every database, oldest first.
    pub async fn list_databases(&self) -> Result<Vec<DatabaseRecord>, StoreError> {
        let conn = self.conn().await?;
        let rows = conn.query(&format!("{SELECT_DATABASE} ORDER BY d.created_at, d.id"), &[]).await?;
        rows.iter().map(DatabaseRecord::from_row).collect()
    }
}
