//! The two roles every data-plane server has: the migration role that owns
//! the schema and the application role the service connects as.

use tokio_postgres::error::SqlState;

use super::{AdminConnection, quote_ident};
use crate::{APP_ROLE, OWNER_ROLE, StoreError};

impl AdminConnection {
    /// Creates both roles if missing and (re)asserts their attributes. With a
    /// password, the application role gets it (as a SCRAM verifier, so the
    /// clear text never reaches the server's logs).
    pub async fn ensure_roles(&self, app_password: Option<&str>) -> Result<(), StoreError> {
        let create = format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                 CREATE ROLE {OWNER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
               END IF;
               IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}') THEN
                 CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
               END IF;
             END $$;
             ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;"
        );
        // Roles are global to a server: concurrent provisioning of two
        // databases on one server may race on the CREATE; the loser retries.
        let mut attempts = 0;
        loop {
            match self.client.batch_execute(&create).await {
                Ok(()) => break,
                Err(e)
                    if attempts < 3
                        && matches!(e.code(), Some(c) if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::DUPLICATE_OBJECT) =>
                {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(password) = app_password {
            let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
            self.client.batch_execute(&format!("ALTER ROLE {APP_ROLE} PASSWORD '{verifier}'")).await?;
        }
        // The administrator must be able to act as the owner role to run DDL
        // (SET ROLE) and to create databases owned by it.
        let row = self
            .client
            .query_one(
                "SELECT r.rolsuper OR pg_has_role(current_user, $1::text, 'MEMBER')
                   FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
                &[&OWNER_ROLE],
            )
            .await?;
        if !row.get::<_, bool>(0) {
            self.client.batch_execute(&format!("GRANT {OWNER_ROLE} TO CURRENT_USER")).await?;
        }
        Ok(())
    }

    /// Grants on the database this connection is connected to, so that the
    /// owner role may create the schema and the application role may connect.
    pub async fn grant_database_access(&self) -> Result<(), StoreError> {
        let db = quote_ident(self.url.database());
        self.client
            .batch_execute(&format!(
                "GRANT CONNECT, CREATE ON DATABASE {db} TO {OWNER_ROLE};
                 GRANT CONNECT ON DATABASE {db} TO {APP_ROLE};"
            ))
            .await?;
        Ok(())
    }
}
