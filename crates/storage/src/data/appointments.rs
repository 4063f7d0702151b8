//! Appointments and their terms, kept bitemporally like entity facts.

use charter_domain::{
    appointment::{AppointmentInput, Holder, Term},
    ids::{AppointmentId, EntityId, PersonId},
};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Row;

use super::{TenantTx, entities::AsOf};
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: AppointmentId,
    pub entity: EntityId,
    pub holder: Holder,
    pub role: String,
    pub term: Term,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which appointments a list wants.
#[derive(Debug, Clone, Default)]
pub struct AppointmentQuery {
    pub entity: Option<EntityId>,
    pub holder: Option<uuid::Uuid>,
    pub role: Option<String>,
    /// Only those held on the date (else every appointment as known then).
    pub held_on_date: bool,
    pub after: Option<AppointmentId>,
    pub limit: i64,
}

const SELECT: &str = "
    SELECT a.id, a.entity_id, a.holder_person_id, a.holder_entity_id, a.role, lower(t.valid), upper(t.valid),
           t.signing_authority, a.version, a.created_at, a.updated_at
      FROM charter.appointment a
      JOIN charter.appointment_term t ON t.tenant_id = a.tenant_id AND t.appointment_id = a.id";

impl AppointmentRecord {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let holder = match (row.get::<_, Option<uuid::Uuid>>(2), row.get::<_, Option<uuid::Uuid>>(3)) {
            (Some(person), None) => Holder::Person(PersonId::from_uuid(person)),
            (None, Some(entity)) => Holder::Entity(EntityId::from_uuid(entity)),
            _ => return Err(StoreError::Internal("an appointment without exactly one holder".into())),
        };
        let appointed_on: Option<NaiveDate> = row.get(5);
        Ok(Self {
            id: AppointmentId::from_uuid(row.get(0)),
            entity: EntityId::from_uuid(row.get(1)),
            holder,
            role: row.get(4),
            term: Term {
                appointed_on: appointed_on.ok_or_else(|| StoreError::Internal("a term without a start".into()))?,
                ceased_on: row.get(6),
                signing_authority: row.get(7),
            },
            version: row.get(8),
            created_at: row.get(9),
            updated_at: row.get(10),
        })
    }
}

impl TenantTx {
    pub async fn create_appointment(
        &mut self,
        id: AppointmentId,
        input: &AppointmentInput,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        let [person, entity, joint] = super::shares::holder_columns(Some(input.holder));
        if joint.is_some() {
            // `Holder::parse` (officers) never yields one.
            return Err(StoreError::Internal("an office is held by a person or an entity, never jointly".into()));
        }
        self.execute(
            "INSERT INTO charter.appointment (tenant_id, id, entity_id, holder_person_id, holder_entity_id, role)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&tenant, &id.as_uuid(), &input.entity.as_uuid(), &person, &entity, &input.role],
        )
        .await?;
        self.insert_term(id, &input.term, reason, actor).await
    }

    async fn insert_term(
        &mut self,
        id: AppointmentId,
        term: &Term,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute(
            "INSERT INTO charter.appointment_term
                 (tenant_id, id, appointment_id, valid, recorded, signing_authority, reason, recorded_by)
             VALUES ($1, $2, $3, daterange($4, $5), tstzrange(now(), NULL), $6, $7, $8)",
            &[
                &tenant,
                &uuid::Uuid::now_v7(),
                &id.as_uuid(),
                &term.appointed_on,
                &term.ceased_on,
                &term.signing_authority,
                &reason,
                &actor,
            ],
        )
        .await?;
        Ok(())
    }

    /// Another appointment, current on record, of the same holder in the same
    /// role at the same entity whose term overlaps `term` (`except` aside).
    pub async fn overlapping_appointment(
        &mut self,
        (entity, holder, role): (EntityId, Holder, &str),
        term: &Term,
        except: Option<AppointmentId>,
    ) -> Result<Option<AppointmentId>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let holder = holder.as_uuid();
        let except = except.map(|a| a.as_uuid());
        let row = self
            .query_opt(
                "SELECT a.id FROM charter.appointment a
                   JOIN charter.appointment_term t ON t.tenant_id = a.tenant_id AND t.appointment_id = a.id
                  WHERE a.tenant_id = $1 AND a.entity_id = $2 AND a.role = $3
                    AND coalesce(a.holder_person_id, a.holder_entity_id) = $4
                    AND a.id IS DISTINCT FROM $5 AND upper_inf(t.recorded)
                    AND t.valid && daterange($6, $7)
                  LIMIT 1",
                &[&tenant, &entity.as_uuid(), &role, &holder, &except, &term.appointed_on, &term.ceased_on],
            )
            .await?;
        Ok(row.map(|r| AppointmentId::from_uuid(r.get(0))))
    }

    /// An appointment as on record at `at.known_at` (its date aside).
    pub async fn appointment(&mut self, id: AppointmentId, at: AsOf) -> Result<Option<AppointmentRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = if at.is_latest() {
            self.query_opt(
                &format!("{SELECT} WHERE a.tenant_id = $1 AND a.id = $2 AND upper_inf(t.recorded)"),
                &[&tenant, &id.as_uuid()],
            )
            .await?
        } else {
            self.query_opt(
                &format!("{SELECT} WHERE a.tenant_id = $1 AND a.id = $2 AND t.recorded @> $3::timestamptz"),
                &[&tenant, &id.as_uuid(), &at.known_at],
            )
            .await?
        };
        row.as_ref().map(AppointmentRecord::from_row).transpose()
    }

    /// Replaces an appointment's term (a new version; the old one stays on
    /// record) if its version is still `expected`.
    pub async fn change_term(
        &mut self,
        id: AppointmentId,
        expected: i64,
        term: &Term,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<Option<bool>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let bumped = self
            .query_opt(
                "UPDATE charter.appointment SET version = version + 1, updated_at = now()
                  WHERE tenant_id = $1 AND id = $2 AND version = $3 RETURNING version",
                &[&tenant, &id.as_uuid(), &expected],
            )
            .await?;
        if bumped.is_none() {
            let exists = self
                .query_opt(
                    "SELECT 1 FROM charter.appointment WHERE tenant_id = $1 AND id = $2",
                    &[&tenant, &id.as_uuid()],
                )
                .await?;
            return Ok(exists.map(|_| false));
        }
        self.execute(
            "UPDATE charter.appointment_term SET recorded = tstzrange(lower(recorded), now())
              WHERE tenant_id = $1 AND appointment_id = $2 AND upper_inf(recorded)",
            &[&tenant, &id.as_uuid()],
        )
        .await?;
        self.insert_term(id, term, reason, actor).await?;
        Ok(Some(true))
    }

    /// Appointments as known at `at.known_at`; held on `at.date` only, if asked.
    pub async fn list_appointments(
        &mut self,
        at: AsOf,
        query: &AppointmentQuery,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        // On record then; `$3 IS NOT NULL` keeps the parameter typed when the latest record is wanted.
        let recorded = if at.is_latest() {
            "upper_inf(t.recorded) AND $3::timestamptz IS NOT NULL"
        } else {
            "t.recorded @> $3::timestamptz"
        };
        let rows = self
            .query_planned(
                &format!(
                    "{SELECT}
                      WHERE a.tenant_id = $1 AND {recorded}
                        AND (NOT $4 OR t.valid @> $2::date)
                        AND ($5::uuid IS NULL OR a.entity_id = $5)
                        AND ($6::uuid IS NULL OR a.holder_person_id = $6 OR a.holder_entity_id = $6)
                        AND ($7::text IS NULL OR a.role = $7)
                        AND ($8::uuid IS NULL OR a.id > $8)
                      ORDER BY a.id LIMIT $9"
                ),
                &[
                    &tenant,
                    &at.date,
                    &at.known_at,
                    &query.held_on_date,
                    &query.entity.map(|e| e.as_uuid()),
                    &query.holder,
                    &query.role,
                    &query.after.map(|a| a.as_uuid()),
                    &query.limit,
                ],
            )
            .await?;
        rows.iter().map(AppointmentRecord::from_row).collect()
    }
}
