//! Provisioning data-plane databases: roles, grants, schema, registration.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use charter_domain::tenant::{DatabaseKind, DatabaseName};
use charter_storage::{
    APP_ROLE, DbUrl, StoreError,
    admin::AdminConnection,
    control::{DatabaseRecord, NewDatabase},
};

use crate::{Fleet, FleetError};

/// Control-plane setting holding the application role's password, so that
/// every database on every server accepts the same application credentials.
const APP_PASSWORD_SETTING: &str = "app_role_password";

/// An operator's request to register a database (`charter db add`).
#[derive(Debug, Clone)]
pub struct AddDatabase {
    pub kind: DatabaseKind,
    /// Administrative URL of the database; it is created if missing.
    pub admin_url: DbUrl,
    /// How the service connects as the application role; derived from
    /// `admin_url` (same server and database, role `charter_app`) if absent.
    pub app_url: Option<DbUrl>,
    /// Registry name; defaults to the database's name.
    pub name: Option<String>,
    /// Tenant capacity; 1 for dedicated databases.
    pub capacity: Option<i32>,
}

impl Fleet {
    /// Registers a database: creates it if missing, creates the roles,
    /// applies every DDL migration, checks the schema lint and records it in
    /// the control plane.
    pub async fn add_database(&self, request: AddDatabase) -> Result<DatabaseRecord, FleetError> {
        let name = request.name.clone().unwrap_or_else(|| request.admin_url.database().to_owned());
        let name = DatabaseName::parse("name", &name).map_err(|e| FleetError::Invalid(e.to_string()))?;
        let capacity = match (request.kind, request.capacity) {
            (DatabaseKind::Dedicated, None | Some(1)) => 1,
            (DatabaseKind::Dedicated, Some(_)) => {
                return Err(FleetError::Invalid("a dedicated database holds exactly one tenant (capacity 1)".into()));
            }
            (DatabaseKind::Shared, Some(c)) if c < 1 => {
                return Err(FleetError::Invalid("capacity must be at least 1".into()));
            }
            (DatabaseKind::Shared, c) => c.unwrap_or(self.settings.shared_capacity),
        };
        if let Some(existing) = self.control.database_by_name(name.as_str()).await? {
            return Err(FleetError::Invalid(format!(
                "a database named {} is registered already ({})",
                existing.name, existing.admin_url
            )));
        }
        let password = self.app_password().await?;
        self.prepare_database(&request.admin_url, &password).await?;
        let app_url =
            request.app_url.clone().unwrap_or_else(|| request.admin_url.with_credentials(APP_ROLE, Some(&password)));
        let record = self
            .control
            .register_database(&NewDatabase {
                name: name.as_str().to_owned(),
                kind: request.kind,
                admin_url: request.admin_url,
                app_url,
                capacity,
            })
            .await;
        match record {
            Err(StoreError::Conflict { .. }) => {
                Err(FleetError::Invalid(format!("a database named {name} was registered concurrently")))
            }
            other => Ok(other?),
        }
    }

    /// Creates (if needed) and prepares the database `admin_url` names, and
    /// brings its schema up to date.
    pub(crate) async fn prepare_database(&self, admin_url: &DbUrl, app_password: &str) -> Result<(), FleetError> {
        // Roles are per server; the database may not exist yet, so work from
        // the server's maintenance database first.
        let server = AdminConnection::connect(&admin_url.with_database("postgres")).await?;
        server.ensure_roles(Some(app_password)).await?;
        if server.create_database(admin_url.database()).await? {
            tracing::info!(database = admin_url.database(), "created database");
        }
        let mut db = AdminConnection::connect(admin_url).await?;
        db.grant_database_access().await?;
        self.migrate_schema(&mut db).await?;
        self.apply_refreshed_reference(&mut db).await
    }

    /// Applies the pending DDL migrations to a database not (yet) served,
    /// under its schema lock. A contract migration whose DML some tenant of
    /// the database lacks is left for `charter migrate apply`.
    pub(crate) async fn migrate_schema(&self, db: &mut AdminConnection) -> Result<(), FleetError> {
        db.ensure_ddl_ledger().await?;
        let name = db.url().database().to_owned();
        db.lock_schema(self.settings.lock_timeout).await?;
        let outcome = async {
            let applied = db.applied_ddl().await?;
            self.migrations.verify_applied_ddl(&applied, &name)?;
            let tenants = db.dml_state().await?.tenants;
            for ddl in self.migrations.pending_ddl(&applied) {
                if let Some(required) = ddl.requires_dml
                    && tenants.iter().any(|t| !t.applied.contains(&required))
                {
                    break;
                }
                let took = db.apply_ddl(&ddl.script, self.settings.lock_timeout).await?;
                tracing::info!(database = %name, migration = %ddl.label(), ?took, "applied DDL");
            }
            Ok::<_, FleetError>(())
        }
        .await;
        let unlocked = db.unlock_schema().await;
        outcome?;
        unlocked?;
        Ok(())
    }

    /// The application role's password, made on first use.
    pub(crate) async fn app_password(&self) -> Result<String, FleetError> {
        Ok(self.control.setting_or_init(APP_PASSWORD_SETTING, random_password).await?)
    }

    /// Creates a new database named `name` on the server of `server` and
    /// registers it.
    pub async fn create_database(
        &self,
        server: &DbUrl,
        name: &DatabaseName,
        kind: DatabaseKind,
    ) -> Result<DatabaseRecord, FleetError> {
        self.add_database(AddDatabase {
            kind,
            admin_url: server.with_database(name.as_str()),
            app_url: None,
            name: Some(name.as_str().to_owned()),
            capacity: None,
        })
        .await
    }
}

fn random_password() -> String {
    let mut bytes = [0u8; 24];
    // Without randomness there is no safe password; an empty one makes the
    // first connection fail loudly rather than use a guessable secret.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    URL_SAFE_NO_PAD.encode(bytes)
}
