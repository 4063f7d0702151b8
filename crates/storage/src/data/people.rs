//! Natural persons.

use charter_domain::{ids::PersonId, person::PersonInput};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Row;

use super::TenantTx;
use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub email: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PersonRecord {
    pub fn input(&self) -> PersonInput {
        PersonInput {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth,
            nationality: self.nationality.clone(),
            email: self.email.clone(),
        }
    }

    fn from_row(row: &Row) -> Self {
        Self {
            id: PersonId::from_uuid(row.get(0)),
            given_name: row.get(1),
            family_name: row.get(2),
            date_of_birth: row.get(3),
            nationality: row.get(4),
            email: row.get(5),
            version: row.get(6),
            created_at: row.get(7),
            updated_at: row.get(8),
        }
    }
}

const COLUMNS: &str = "id, given_name, family_name, date_of_birth, nationality, email, version, created_at, updated_at";

impl TenantTx {
    pub async fn create_person(&mut self, id: PersonId, person: &PersonInput) -> Result<PersonRecord, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_one(
                &format!(
                    "INSERT INTO charter.person (tenant_id, id, given_name, family_name, date_of_birth, nationality, email)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
                ),
                &[
                    &tenant,
                    &id.as_uuid(),
                    &person.given_name,
                    &person.family_name,
                    &person.date_of_birth,
                    &person.nationality,
                    &person.email,
                ],
            )
            .await?;
        Ok(PersonRecord::from_row(&row))
    }

    pub async fn person(&mut self, id: PersonId) -> Result<Option<PersonRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                &format!("SELECT {COLUMNS} FROM charter.person WHERE tenant_id = $1 AND id = $2"),
                &[&tenant, &id.as_uuid()],
            )
            .await?;
        Ok(row.as_ref().map(PersonRecord::from_row))
    }

    /// Replaces a person's details if its version is still `expected`.
    /// `Ok(None)`: no such person; `Ok(Some(Err(())))`: the version moved on.
    pub async fn update_person(
        &mut self,
        id: PersonId,
        expected: i64,
        person: &PersonInput,
    ) -> Result<Option<Result<PersonRecord, ()>>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let row = self
            .query_opt(
                &format!(
                    "UPDATE charter.person SET given_name = $4, family_name = $5, date_of_birth = $6, nationality = $7,
                            email = $8, version = version + 1, updated_at = now()
                      WHERE tenant_id = $1 AND id = $2 AND version = $3 RETURNING {COLUMNS}"
                ),
                &[
                    &tenant,
                    &id.as_uuid(),
                    &expected,
                    &person.given_name,
                    &person.family_name,
                    &person.date_of_birth,
                    &person.nationality,
                    &person.email,
                ],
            )
            .await?;
        match row {
            Some(row) => Ok(Some(Ok(PersonRecord::from_row(&row)))),
            None => Ok(self.person(id).await?.map(|_| Err(()))),
        }
    }

    /// A page of persons by family and given name, after `after`
    /// (`(lower family, lower given, id)`), optionally matching `text`.
    pub async fn list_persons(
        &mut self,
        text: Option<&str>,
        after: Option<(String, String, PersonId)>,
        limit: i64,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let tenant = self.tenant().as_uuid();
        let pattern = text.map(|t| format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let (family, given, id) = match &after {
            Some((f, g, i)) => (Some(f.as_str()), Some(g.as_str()), Some(i.as_uuid())),
            None => (None, None, None),
        };
        let rows = self
            .query_planned(
                &format!(
                    "SELECT {COLUMNS} FROM charter.person
                      WHERE tenant_id = $1
                        AND ($2::text IS NULL OR given_name || ' ' || family_name ILIKE $2 OR email ILIKE $2)
                        AND ($3::text IS NULL OR (lower(family_name), lower(given_name), id) > ($3, $4, $5))
                      ORDER BY lower(family_name), lower(given_name), id LIMIT $6"
                ),
                &[&tenant, &pattern, &family, &given, &id, &limit],
            )
            .await?;
        Ok(rows.iter().map(PersonRecord::from_row).collect())
    }
}
