//! Joint holdings (ddl 0014): several persons registered together as one
//! holder of shares. A holding is written once, when a ledger transaction
//! first names its persons, and never changes.

use std::collections::BTreeMap;

use charter_domain::{
    ids::{JointHoldingId, PersonId},
    joint::JointHolding,
};

use super::TenantTx;
use crate::StoreError;

impl TenantTx {
    /// Records the joint holdings not recorded yet (the same persons in the
    /// same order are the same holding: its id is derived from them).
    pub async fn record_joint_holdings(&mut self, holdings: &[JointHolding], actor: &str) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        for holding in holdings {
            let created = self
                .execute(
                    "INSERT INTO charter.joint_holding (tenant_id, id, recorded_by) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id, id) DO NOTHING",
                    &[&tenant, &holding.id.as_uuid(), &actor],
                )
                .await?;
            if created == 1 {
                let persons: Vec<uuid::Uuid> = holding.members().iter().map(|p| p.as_uuid()).collect();
                self.execute(
                    "INSERT INTO charter.joint_holding_member (tenant_id, joint_holding_id, ordinal, person_id)
                     SELECT $1, $2, ordinal, person_id FROM unnest($3::uuid[]) WITH ORDINALITY AS m (person_id, ordinal)",
                    &[&tenant, &holding.id.as_uuid(), &persons],
                )
                .await?;
            }
        }
        Ok(())
    }

    pub async fn joint_holding_exists(&mut self, id: JointHoldingId) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt(
                "SELECT 1 FROM charter.joint_holding WHERE tenant_id = $1 AND id = $2",
                &[&tenant, &id.as_uuid()],
            )
            .await?
            .is_some())
    }

    /// The persons of each of `holdings`, first-named first.
    pub async fn joint_holding_members(
        &mut self,
        holdings: &[JointHoldingId],
    ) -> Result<BTreeMap<JointHoldingId, Vec<PersonId>>, StoreError> {
        let mut members: BTreeMap<JointHoldingId, Vec<PersonId>> = BTreeMap::new();
        if holdings.is_empty() {
            return Ok(members);
        }
        let ids: Vec<uuid::Uuid> = holdings.iter().map(|j| j.as_uuid()).collect();
        for r in self
            .query(
                "SELECT joint_holding_id, person_id FROM charter.joint_holding_member
                  WHERE tenant_id = $1 AND joint_holding_id = ANY ($2) ORDER BY joint_holding_id, ordinal",
                &[&self.tenant().as_uuid(), &ids],
            )
            .await?
        {
            members.entry(JointHoldingId::from_uuid(r.get(0))).or_default().push(PersonId::from_uuid(r.get(1)));
        }
        Ok(members)
    }

    /// The persons' names of each of `holdings`, first-named first.
    pub(super) async fn joint_holding_member_names(
        &mut self,
        holdings: &[JointHoldingId],
    ) -> Result<BTreeMap<JointHoldingId, Vec<String>>, StoreError> {
        let mut names: BTreeMap<JointHoldingId, Vec<String>> = BTreeMap::new();
        if holdings.is_empty() {
            return Ok(names);
        }
        let ids: Vec<uuid::Uuid> = holdings.iter().map(|j| j.as_uuid()).collect();
        for r in self
            .query(
                "SELECT m.joint_holding_id, p.given_name || ' ' || p.family_name
                   FROM charter.joint_holding_member m
                   JOIN charter.person p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
                  WHERE m.tenant_id = $1 AND m.joint_holding_id = ANY ($2)
                  ORDER BY m.joint_holding_id, m.ordinal",
                &[&self.tenant().as_uuid(), &ids],
            )
            .await?
        {
            names.entry(JointHoldingId::from_uuid(r.get(0))).or_default().push(r.get(1));
        }
        Ok(names)
    }
}
