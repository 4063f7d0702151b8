//! Writing a tenant's data the way the API does (parsed, dated, audited), for
//! the demo and the benchmarks.

use anyhow::{Result, anyhow};
use charter_domain::{
    access::TenantGrant,
    appointment::AppointmentInput,
    entity::{Fact, Intent, parse_entity},
    ids::{AppointmentId, EntityId, PersonId, ShareClassId, ShareTransactionId},
    person::PersonInput,
    shares::{AuthorisedChange, ShareClassInput, Transaction},
};
use charter_storage::data::{AuditRecord, TenantTx};
use chrono::{NaiveDate, Utc};
use serde_json::Value;

/// A tenant transaction that records what it writes in the audit trail.
pub struct Seeder {
    pub tx: TenantTx,
    actor: String,
}

impl Seeder {
    pub fn new(tx: TenantTx, grant: &TenantGrant) -> Self {
        Self { tx, actor: grant.actor().to_string() }
    }

    async fn audit(&mut self, action: &str, kind: &str, id: String, after: Value) -> Result<()> {
        self.tx
            .append_audit(&AuditRecord {
                actor: &self.actor,
                action,
                resource_type: kind,
                resource_id: Some(id),
                request_id: None,
                before: None,
                after: Some(after),
                change: None,
            })
            .await?;
        Ok(())
    }

    /// Registers an entity from an API-shaped body.
    pub async fn entity(&mut self, body: Value) -> Result<EntityId> {
        let custom = self.tx.custom_fields().await?;
        let object = body.as_object().ok_or_else(|| anyhow!("an entity body is an object"))?;
        let input = parse_entity(object, Intent::Create, &custom, Utc::now().date_naive())?;
        let facts: Vec<(Fact, Value)> = input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
        let id = EntityId::generate();
        self.tx.create_entity(id, &facts, input.change.from, &self.actor).await?;
        self.audit("entity.create", "entity", id.to_string(), body).await?;
        Ok(id)
    }

    /// Changes facts of an entity from an API-shaped body.
    pub async fn change(&mut self, id: EntityId, body: Value) -> Result<()> {
        let custom = self.tx.custom_fields().await?;
        let object = body.as_object().ok_or_else(|| anyhow!("a change body is an object"))?;
        let input = parse_entity(object, Intent::Update, &custom, Utc::now().date_naive())?;
        let version = self.tx.entity_version(id).await?.ok_or_else(|| anyhow!("no entity {id}"))?;
        self.tx.bump_entity_version(id, version).await?;
        for (fact, value) in &input.facts {
            self.tx
                .change_fact(
                    id,
                    fact,
                    value.as_ref(),
                    input.change.from,
                    input.change.to,
                    input.change.reason.as_deref(),
                    &self.actor,
                )
                .await?;
        }
        self.audit("entity.update", "entity", id.to_string(), body).await
    }

    pub async fn person(&mut self, body: Value) -> Result<PersonId> {
        let object = body.as_object().ok_or_else(|| anyhow!("a person body is an object"))?;
        let input = PersonInput::parse(object, None, Utc::now().date_naive())?;
        let id = PersonId::generate();
        self.tx.create_person(id, &input).await?;
        self.audit("person.create", "person", id.to_string(), body).await?;
        Ok(id)
    }

    pub async fn appoint(&mut self, body: Value) -> Result<AppointmentId> {
        let object = body.as_object().ok_or_else(|| anyhow!("an appointment body is an object"))?;
        let input = AppointmentInput::parse(object)?;
        let id = AppointmentId::generate();
        self.tx.create_appointment(id, &input, None, &self.actor).await?;
        self.audit("appointment.create", "appointment", id.to_string(), body).await?;
        Ok(id)
    }

    pub async fn custom_field(&mut self, body: Value) -> Result<()> {
        let object = body.as_object().ok_or_else(|| anyhow!("a custom field body is an object"))?;
        let def = charter_domain::custom_field::CustomFieldDef::parse(object)?;
        if self.tx.add_custom_field(&def).await? {
            self.audit("custom_field.create", "custom_field", def.key.as_str().to_owned(), def.to_json()).await?;
        }
        Ok(())
    }

    /// Adds a class of shares to an entity from an API-shaped body.
    pub async fn share_class(&mut self, entity: EntityId, body: Value) -> Result<ShareClassId> {
        let object = body.as_object().ok_or_else(|| anyhow!("a share class body is an object"))?;
        let input = ShareClassInput::parse(object, Utc::now().date_naive())?;
        let id = ShareClassId::generate();
        self.tx.create_share_class(id, entity, &input, None, &self.actor).await?;
        self.audit("share_class.create", "share_class", id.to_string(), body).await?;
        Ok(id)
    }

    /// Records a share transaction from an API-shaped body, checked against
    /// the issuer's whole ledger as the API checks it.
    /// Records a share transaction given as the API takes it; its id.
    pub async fn share_transaction(&mut self, body: Value) -> Result<ShareTransactionId> {
        let object = body.as_object().ok_or_else(|| anyhow!("a share transaction body is an object"))?;
        let (transaction, joint_holdings) = Transaction::parse(object, Utc::now().date_naive())?;
        self.tx.record_joint_holdings(&joint_holdings, &self.actor).await?;
        let class = self.tx.share_classes(None, Some(transaction.class)).await?.pop();
        let issuer = class.ok_or_else(|| anyhow!("no share class {}", transaction.class))?.entity;
        self.tx
            .record_share_transaction_checked(issuer, &transaction, &self.actor)
            .await?
            .map_err(|breach| anyhow!("{}", breach.to_field_error()))?;
        self.audit("share_transaction.create", "share_transaction", transaction.id.to_string(), body).await?;
        Ok(transaction.id)
    }

    /// Changes a class's authorised capital from an API-shaped body, checked
    /// against the issuer's ledger as the API checks it.
    pub async fn change_authorised_capital(&mut self, class: ShareClassId, body: Value) -> Result<()> {
        let object = body.as_object().ok_or_else(|| anyhow!("an authorised capital body is an object"))?;
        let change = AuthorisedChange::parse(object, Utc::now().date_naive())?;
        let issuer =
            self.tx.share_classes(None, Some(class)).await?.pop().ok_or_else(|| anyhow!("no class {class}"))?;
        self.tx
            .change_authorised_capital_checked(issuer.entity, class, &change, &self.actor)
            .await?
            .map_err(|breach| anyhow!("{}", breach.to_field_error()))?;
        self.audit("share_class.authorise", "share_class", class.to_string(), body).await
    }

    /// Reverses a share transaction recorded in error, for `reason`.
    pub async fn reverse_share_transaction(&mut self, id: ShareTransactionId, reason: &str) -> Result<()> {
        let original = self.tx.share_transaction(id).await?.ok_or_else(|| anyhow!("no share transaction {id}"))?;
        let reversal = Transaction::reversal(&original.transaction, reason)?;
        self.tx
            .record_share_reversal_checked(original.issuer, &reversal, &original.transaction, &self.actor)
            .await?
            .map_err(|breach| anyhow!("{}", breach.to_field_error()))?;
        let after = serde_json::json!({ "reverses": id, "reason": reason });
        self.audit("share_transaction.reverse", "share_transaction", id.to_string(), after).await
    }

    pub async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

/// The facts of an API-shaped entity body, for bulk loading (no custom fields).
pub fn entity_facts(body: Value) -> Result<(Vec<(Fact, Value)>, NaiveDate)> {
    let object = body.as_object().ok_or_else(|| anyhow!("an entity body is an object"))?;
    let input = parse_entity(object, Intent::Create, &[], Utc::now().date_naive())?;
    Ok((input.facts.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect(), input.change.from))
}

/// A valid LEI for a made-up 18-character base (demo data only).
pub fn lei_for(base: &str) -> String {
    let digits: String =
        format!("{base}00").chars().map(|c| c.to_digit(36).map_or_else(String::new, |d| d.to_string())).collect();
    let remainder = digits.chars().fold(0u32, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97);
    format!("{base}{:02}", 98 - remainder)
}
