//! Onboarding a tenant: record it, place it, make its database ready.
//!
//! Each step is idempotent and the tenant stays `provisioning` until the
//! last one succeeds, so repeating the same request after any failure
//! resumes where the first attempt stopped.

use charter_domain::{
    access::TenantGrant,
    ids::TenantId,
    tenant::{DatabaseKind, DatabaseName, Placement, Slug, TenantName, TenantStatus, Tier},
};
use charter_storage::{
    control::{PlacedIn, TenantRecord},
    data::DmlStep,
    data::TxOptions,
};

use crate::{Fleet, FleetError};

/// A parsed onboarding request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnboardRequest {
    pub slug: Slug,
    pub name: TenantName,
    pub placement: Placement,
    /// The tier a new tenant starts in. Not part of the request's identity:
    /// repeating an onboarding after the tier was changed is not a conflict.
    pub tier: Tier,
}

/// What onboarding did.
#[derive(Debug, Clone)]
pub enum Onboarded {
    /// A new tenant, live now.
    Created(TenantRecord),
    /// The same request was made before; this is the tenant it made.
    Existing(TenantRecord),
}

impl Onboarded {
    pub fn tenant(&self) -> &TenantRecord {
        match self {
            Self::Created(t) | Self::Existing(t) => t,
        }
    }
}

impl Fleet {
    pub async fn onboard(&self, request: &OnboardRequest) -> Result<Onboarded, FleetError> {
        let id = TenantId::generate();
        let (tenant, created) = match self
            .control
            .insert_tenant(id, &request.slug, &request.name, request.placement, request.tier)
            .await?
        {
            Some(tenant) => (tenant, true),
            None => {
                let existing = self.control.tenant_by_slug(&request.slug).await?.ok_or_else(|| {
                    FleetError::Invalid(format!("tenant {} vanished while being onboarded", request.slug))
                })?;
                if existing.name != request.name || existing.placement != request.placement {
                    return Err(FleetError::SlugTaken { existing: Box::new(existing) });
                }
                (existing, false)
            }
        };
        if tenant.status == TenantStatus::Active {
            return Ok(Onboarded::Existing(tenant));
        }
        let database = match tenant.database.clone() {
            Some(placed) => placed,
            None => self.place(&tenant).await?,
        };
        self.provision_tenant_data(&tenant, &database).await?;
        self.control.activate_tenant(tenant.id).await?;
        let live = self
            .control
            .tenant_by_slug(&tenant.slug)
            .await?
            .ok_or_else(|| FleetError::Invalid(format!("tenant {} vanished while being onboarded", tenant.slug)))?;
        tracing::info!(tenant = %live.slug, database = %database.name, placement = live.placement.as_str(), "onboarded tenant");
        Ok(if created { Onboarded::Created(live) } else { Onboarded::Existing(live) })
    }

    /// Writes the tenant's row in its database and applies every data
    /// migration to it, in one transaction: a new tenant starts at the
    /// latest DML version, like every other tenant after `migrate apply`.
    async fn provision_tenant_data(&self, tenant: &TenantRecord, database: &PlacedIn) -> Result<(), FleetError> {
        let mut tx = self
            .data
            .begin(database.id, &TenantGrant::for_system(tenant.id, "onboarding"), TxOptions::maintenance())
            .await?;
        let schema = tx.ddl_version().await?;
        if schema < self.migrations.latest_ddl() {
            return Err(FleetError::SchemaBehind {
                database: database.name.clone(),
                at: schema,
                needs: self.migrations.latest_ddl(),
            });
        }
        tx.ensure_tenant_row(&tenant.slug).await?;
        let applied = tx.applied_dml().await?;
        // A DML a contract migration waited for bridges an old shape to a
        // new one; the contract has run here, so a new tenant never had the
        // old shape: record the DML without running it.
        let bridged: Vec<i32> =
            self.migrations.ddl.iter().filter(|d| d.script.version <= schema).filter_map(|d| d.requires_dml).collect();
        let steps: Vec<DmlStep<'_>> = self
            .migrations
            .dml
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| DmlStep {
                version: m.version,
                name: &m.name,
                checksum: &m.checksum,
                sql: if bridged.contains(&m.version) { "" } else { &m.sql },
            })
            .collect();
        tx.apply_dml(&steps).await?;
        Ok(())
    }

    async fn place(&self, tenant: &TenantRecord) -> Result<PlacedIn, FleetError> {
        match tenant.placement {
            Placement::Shared => self.control.place_in_shared(tenant.id).await?.ok_or(FleetError::NoSharedCapacity),
            Placement::Dedicated => {
                let name = self.dedicated_database_name(tenant.id)?;
                let database = match self.control.database_by_name(name.as_str()).await? {
                    Some(existing) => existing,
                    None => {
                        let server = self.dedicated_server().await?;
                        self.create_database(&server, &name, DatabaseKind::Dedicated).await?
                    }
                };
                self.control.place_in(tenant.id, database.id).await?.ok_or_else(|| {
                    FleetError::Invalid(format!("dedicated database {} already holds another tenant", database.name))
                })
            }
        }
    }

    /// `<control database>_t_<tenant id>`: derived from the tenant's id, so a
    /// retried onboarding finds the database a failed attempt created, and
    /// prefixed by the control plane's name, so deployments sharing a server
    /// do not collide.
    fn dedicated_database_name(&self, tenant: TenantId) -> Result<DatabaseName, FleetError> {
        let prefix: String = self.control.url().database().chars().take(24).collect();
        let raw = format!("{prefix}_t_{}", tenant.as_uuid().simple()).to_lowercase();
        DatabaseName::parse("name", &raw).map_err(|e| FleetError::Invalid(format!("{raw}: {e}")))
    }

    async fn dedicated_server(&self) -> Result<charter_storage::DbUrl, FleetError> {
        if let Some(server) = &self.settings.dedicated_server {
            return Ok(server.clone());
        }
        let databases = self.control.list_databases().await?;
        databases
            .into_iter()
            .find(|d| d.kind == DatabaseKind::Shared)
            .map(|d| d.admin_url)
            .ok_or(FleetError::NoDedicatedServer)
    }
}
