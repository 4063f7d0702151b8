//! Share certificates: the register of certificates of a class and each
//! certificate's status history (`share_certificate`,
//! `share_certificate_event`, both append-only), and the class's
//! `certificated` flag. The rules live in `charter_domain::certificate`;
//! this module loads what they need and records what they allow. Writes
//! lock the issuer as the share ledger's writes do, so a certificate is
//! checked against a ledger and a register nobody changes meanwhile.

use charter_domain::{
    certificate::{Certificate, CertificateStatus, StatusEvent},
    ids::{EntityId, ShareCertificateId, ShareClassId, ShareTransactionId},
};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::{
    TenantTx,
    shares::{holder, holder_columns},
};
use crate::StoreError;

/// What the certificate register needs to know of a class of shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateClass {
    pub id: ShareClassId,
    /// The entity whose shares these are.
    pub issuer: EntityId,
    /// Whether the class issues certificates.
    pub certificated: bool,
}

/// A certificate on record, with when and by whom it and each of its
/// events were recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRecord {
    pub issuer: EntityId,
    pub certificate: Certificate,
    /// The certificate this one replaced.
    pub replaces: Option<ShareCertificateId>,
    /// (recorded_at, recorded_by) of each entry of `certificate.history`.
    pub history_recorded: Vec<(DateTime<Utc>, String)>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

const CERTIFICATE_COLUMNS: &str = "c.id, c.share_class_id, s.entity_id, c.number, c.person_id, c.entity_id, c.shares,
    c.issued_on, c.share_transaction_id, c.recorded_at, c.recorded_by,
    (SELECT e.certificate_id FROM charter.share_certificate_event e
      WHERE e.tenant_id = c.tenant_id AND e.replacement_id = c.id), c.joint_holding_id";

fn certificate_record(row: &Row) -> Result<CertificateRecord, StoreError> {
    Ok(CertificateRecord {
        issuer: EntityId::from_uuid(row.get(2)),
        certificate: Certificate {
            id: ShareCertificateId::from_uuid(row.get(0)),
            class: ShareClassId::from_uuid(row.get(1)),
            number: row.get(3),
            holder: holder(row.get(4), row.get(5), row.get(12))
                .ok_or_else(|| StoreError::Internal("a share certificate without a holder".into()))?,
            shares: row.get(6),
            issued_on: row.get(7),
            share_transaction: row.get::<_, Option<uuid::Uuid>>(8).map(ShareTransactionId::from_uuid),
            history: Vec::new(),
        },
        replaces: row.get::<_, Option<uuid::Uuid>>(11).map(ShareCertificateId::from_uuid),
        history_recorded: Vec::new(),
        recorded_at: row.get(9),
        recorded_by: row.get(10),
    })
}

impl TenantTx {
    /// A class of shares as the certificate register sees it.
    pub async fn certificate_class(&mut self, class: ShareClassId) -> Result<Option<CertificateClass>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                "SELECT entity_id, certificated FROM charter.share_class WHERE tenant_id = $1 AND id = $2",
                &[&tenant, &class.as_uuid()],
            )
            .await?;
        Ok(row.map(|r| CertificateClass { id: class, issuer: EntityId::from_uuid(r.get(0)), certificated: r.get(1) }))
    }

    /// Sets whether a class issues certificates.
    pub async fn set_share_class_certificated(
        &mut self,
        class: ShareClassId,
        certificated: bool,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let changed = self
            .execute(
                "UPDATE charter.share_class SET certificated = $3 WHERE tenant_id = $1 AND id = $2",
                &[&tenant, &class.as_uuid(), &certificated],
            )
            .await?;
        if changed == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// The certificates of a class, in the order recorded, with their history.
    pub async fn share_certificates(&mut self, class: ShareClassId) -> Result<Vec<CertificateRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let rows = self
            .query(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS}
                       FROM charter.share_certificate c
                       JOIN charter.share_class s ON s.tenant_id = c.tenant_id AND s.id = c.share_class_id
                      WHERE c.tenant_id = $1 AND c.share_class_id = $2
                      ORDER BY c.id"
                ),
                &[&tenant, &class.as_uuid()],
            )
            .await?;
        let mut records = rows.iter().map(certificate_record).collect::<Result<Vec<_>, _>>()?;
        self.load_certificate_history(&mut records).await?;
        Ok(records)
    }

    /// One certificate with its history.
    pub async fn share_certificate(&mut self, id: ShareCertificateId) -> Result<Option<CertificateRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                &format!(
                    "SELECT {CERTIFICATE_COLUMNS}
                       FROM charter.share_certificate c
                       JOIN charter.share_class s ON s.tenant_id = c.tenant_id AND s.id = c.share_class_id
                      WHERE c.tenant_id = $1 AND c.id = $2"
                ),
                &[&tenant, &id.as_uuid()],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut records = vec![certificate_record(&row)?];
        self.load_certificate_history(&mut records).await?;
        Ok(records.pop())
    }

    async fn load_certificate_history(&mut self, records: &mut [CertificateRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let tenant = self.tenant().as_uuid();
        let ids: Vec<uuid::Uuid> = records.iter().map(|r| r.certificate.id.as_uuid()).collect();
        let rows = self
            .query(
                "SELECT certificate_id, status, effective_on, replacement_id, reason, recorded_at, recorded_by
                   FROM charter.share_certificate_event
                  WHERE tenant_id = $1 AND certificate_id = ANY ($2)
                  ORDER BY id",
                &[&tenant, &ids],
            )
            .await?;
        for row in rows {
            let id: uuid::Uuid = row.get(0);
            let status: String = row.get(1);
            let status =
                CertificateStatus::parse("status", &status).map_err(|e| StoreError::Internal(e.to_string()))?;
            if let Some(record) = records.iter_mut().find(|r| r.certificate.id.as_uuid() == id) {
                record.certificate.history.push(StatusEvent {
                    status,
                    effective_on: row.get(2),
                    replacement: row.get::<_, Option<uuid::Uuid>>(3).map(ShareCertificateId::from_uuid),
                    reason: row.get(4),
                });
                record.history_recorded.push((row.get(5), row.get(6)));
            }
        }
        Ok(())
    }

    /// Whether a class has a certificate with this number.
    pub async fn certificate_number_taken(&mut self, class: ShareClassId, number: &str) -> Result<bool, StoreError> {
        let tenant = self.tenant().as_uuid();
        Ok(self
            .query_opt(
                "SELECT 1 FROM charter.share_certificate WHERE tenant_id = $1 AND share_class_id = $2 AND number = $3",
                &[&tenant, &class.as_uuid(), &number],
            )
            .await?
            .is_some())
    }

    /// Records a new certificate and its history as it stands (its `issued`
    /// event). A number already used in the class is a
    /// [`StoreError::Conflict`] on `share_certificate_number`.
    pub async fn record_share_certificate(&mut self, certificate: &Certificate, actor: &str) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let [person, entity, joint] = holder_columns(Some(certificate.holder));
        self.execute(
            "INSERT INTO charter.share_certificate
                 (tenant_id, id, share_class_id, number, person_id, entity_id, shares, issued_on,
                  share_transaction_id, recorded_by, joint_holding_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &tenant,
                &certificate.id.as_uuid(),
                &certificate.class.as_uuid(),
                &certificate.number,
                &person,
                &entity,
                &certificate.shares,
                &certificate.issued_on,
                &certificate.share_transaction.map(|t| t.as_uuid()),
                &actor,
                &joint,
            ],
        )
        .await?;
        for event in &certificate.history {
            self.record_certificate_event(certificate.id, event, actor).await?;
        }
        Ok(())
    }

    /// Appends an event to a certificate's history.
    pub async fn record_certificate_event(
        &mut self,
        certificate: ShareCertificateId,
        event: &StatusEvent,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let id = uuid::Uuid::now_v7();
        self.execute(
            "INSERT INTO charter.share_certificate_event
                 (tenant_id, id, certificate_id, status, effective_on, replacement_id, reason, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &tenant,
                &id,
                &certificate.as_uuid(),
                &event.status.as_str(),
                &event.effective_on,
                &event.replacement.map(|r| r.as_uuid()),
                &event.reason,
                &actor,
            ],
        )
        .await?;
        Ok(())
    }
}
