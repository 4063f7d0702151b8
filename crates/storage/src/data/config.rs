//! What a tenant configures: appointment roles, custom fields, entity groups.

use charter_domain::{
    custom_field::CustomFieldDef,
    ids::{EntityId, GroupId, PersonId},
};
use serde_json::Value;

use super::TenantTx;
use crate::StoreError;

/// An appointment role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRecord {
    pub key: String,
    pub label: String,
    pub builtin: bool,
}

impl TenantTx {
    pub async fn roles(&mut self) -> Result<Vec<RoleRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query("SELECT key, label, builtin FROM charter.appointment_role WHERE tenant_id = $1 ORDER BY builtin DESC, key", &[&tenant])
            .await?;
        Ok(rows.iter().map(|r| RoleRecord { key: r.get(0), label: r.get(1), builtin: r.get(2) }).collect())
    }

    /// Adds a role; `false` if the key exists.
    pub async fn add_role(&mut self, key: &str, label: &str) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        let added = self
            .execute(
                "INSERT INTO charter.appointment_role (tenant_id, key, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&tenant, &key, &label],
            )
            .await?;
        Ok(added == 1)
    }

    pub async fn role_exists(&mut self, key: &str) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt("SELECT 1 FROM charter.appointment_role WHERE tenant_id = $1 AND key = $2", &[&tenant, &key])
            .await?
            .is_some())
    }

    pub async fn custom_fields(&mut self) -> Result<Vec<CustomFieldDef>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query("SELECT definition FROM charter.custom_field WHERE tenant_id = $1 ORDER BY key", &[&tenant])
            .await?;
        rows.iter()
            .map(|r| {
                let definition: Value = r.get(0);
                CustomFieldDef::parse(
                    definition
                        .as_object()
                        .ok_or_else(|| StoreError::Internal("a custom field definition is not an object".into()))?,
                )
                .map_err(|e| StoreError::Internal(format!("unreadable custom field definition: {e}")))
            })
            .collect()
    }

    /// Adds a definition; `false` if the key exists.
    pub async fn add_custom_field(&mut self, definition: &CustomFieldDef) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        let added = self
            .execute(
                "INSERT INTO charter.custom_field (tenant_id, key, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&tenant, &definition.key.as_str(), &definition.to_json()],
            )
            .await?;
        Ok(added == 1)
    }

    pub async fn entity_groups(&mut self) -> Result<Vec<(GroupId, String)>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query("SELECT id, name FROM charter.entity_group WHERE tenant_id = $1 ORDER BY name", &[&tenant])
            .await?;
        Ok(rows.iter().map(|r| (GroupId::from_uuid(r.get(0)), r.get(1))).collect())
    }

    /// Adds a group; `None` if the name is taken.
    pub async fn add_entity_group(&mut self, id: GroupId, name: &str) -> Result<Option<GroupId>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let added = self
            .execute(
                "INSERT INTO charter.entity_group (tenant_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&tenant, &id.as_uuid(), &name],
            )
            .await?;
        Ok((added == 1).then_some(id))
    }

    /// The ids among `ids` that are not groups of the tenant.
    pub async fn unknown_groups(&mut self, ids: &[uuid::Uuid]) -> Result<Vec<uuid::Uuid>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                "SELECT g FROM unnest($2::uuid[]) g
                  WHERE NOT EXISTS (SELECT 1 FROM charter.entity_group e WHERE e.tenant_id = $1 AND e.id = g)",
                &[&tenant, &ids],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Whether the person belongs to the tenant.
    pub async fn person_exists(&mut self, id: PersonId) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt("SELECT 1 FROM charter.person WHERE tenant_id = $1 AND id = $2", &[&tenant, &id.as_uuid()])
            .await?
            .is_some())
    }

    /// The entity's version, if it exists.
    pub async fn entity_version(&mut self, id: EntityId) -> Result<Option<i64>, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt(
                "SELECT version FROM charter.legal_entity WHERE tenant_id = $1 AND id = $2",
                &[&tenant, &id.as_uuid()],
            )
            .await?
            .map(|r| r.get(0)))
    }
}
