//! The two roles every data-plane server has: the migration role that owns
//! the schema and the application role the service connects as.

use super::{AdminConnection, quote_ident};
use crate::{APP_ROLE, OWNER_ROLE, StoreError};

/// Advisory-lock key serialising role changes ("CHROLES" in ASCII).
const ROLES_LOCK_KEY: i64 = 0x0043_4852_4f4c_4553;

impl AdminConnection {
    /// Creates both roles if missing, (re)asserts their attributes, and lets
    /// the connected administrator act as the owner role (to run DDL and
    /// create databases owned by it). With a password, the application role
    /// gets it, as a SCRAM verifier so the clear text never reaches the
    /// server's logs.
    ///
    /// Roles are global to a server and PostgreSQL does not serialise
    /// concurrent changes of one role ("tuple concurrently updated"), so all
    /// of it runs in one transaction behind an advisory lock.
    pub async fn ensure_roles(&self, app_password: Option<&str>) -> Result<(), StoreError> {
        let password = match app_password {
            Some(password) => format!(
                "ALTER ROLE {APP_ROLE} PASSWORD '{}';",
                postgres_protocol::password::scram_sha_256(password.as_bytes())
            ),
            None => String::new(),
        };
        self.client
            .batch_execute(&format!(
                "BEGIN;
                 SELECT pg_advisory_xact_lock({ROLES_LOCK_KEY});
                 DO $$ BEGIN
                   IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                     CREATE ROLE {OWNER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                   END IF;
                   IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}') THEN
                     CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
                   END IF;
                   IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                      AND NOT pg_has_role(current_user, '{OWNER_ROLE}', 'MEMBER') THEN
                     EXECUTE format('GRANT {OWNER_ROLE} TO %I', current_user);
                   END IF;
                 END $$;
                 ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
                 {password}
                 COMMIT;"
            ))
            .await?;
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
