//! Global reference data: ISO 3166 jurisdictions and ISO 20275 legal forms,
//! the same in every data-plane database.

use charter_domain::reference::{Jurisdiction, LegalForm};
use deadpool_postgres::Object;
use serde::Serialize;

use crate::{DATA_SCHEMA, StoreError, admin::AdminConnection, data::TenantTx};

/// The statements that replace the reference tables' content, for a
/// migration file (`charter reference sql`) or a refresh in place. Names are
/// unqualified: they run with `search_path = charter`.
pub fn load_sql(jurisdictions: &[Jurisdiction], forms: &[LegalForm]) -> String {
    let text = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let optional = |s: &Option<String>| s.as_deref().map_or_else(|| "NULL".to_owned(), text);
    let mut sql = String::from("DELETE FROM legal_form_name;\nDELETE FROM legal_form;\nDELETE FROM jurisdiction;\n");
    for chunk in jurisdictions.chunks(500) {
        sql.push_str("INSERT INTO jurisdiction (code, country, name, category, parent) VALUES\n");
        let rows: Vec<String> = chunk
            .iter()
            .map(|j| {
                format!(
                    "({}, {}, {}, {}, {})",
                    text(&j.code),
                    text(&j.country),
                    text(&j.name),
                    text(&j.category),
                    optional(&j.parent)
                )
            })
            .collect();
        sql.push_str(&rows.join(",\n"));
        sql.push_str(";\n");
    }
    for chunk in forms.chunks(500) {
        sql.push_str("INSERT INTO legal_form (code, country, subdivision, status, created_on) VALUES\n");
        let rows: Vec<String> = chunk
            .iter()
            .map(|f| {
                format!(
                    "({}, {}, {}, {}, {})",
                    text(&f.code),
                    optional(&f.country),
                    optional(&f.subdivision),
                    text(&f.status),
                    f.created_on.as_deref().map_or_else(|| "NULL".to_owned(), |d| format!("{}::date", text(d)))
                )
            })
            .collect();
        sql.push_str(&rows.join(",\n"));
        sql.push_str(";\n");
    }
    let names: Vec<String> = forms
        .iter()
        .flat_map(|f| {
            f.names.iter().enumerate().map(move |(i, n)| {
                format!(
                    "({}, {i}, {}, {}, {}, {}, {}, {})",
                    text(&f.code),
                    text(&n.language),
                    text(&n.language_code),
                    text(&n.local_name),
                    text(&n.transliterated_name),
                    text(&n.abbreviations_local),
                    text(&n.abbreviations_transliterated)
                )
            })
        })
        .collect();
    for chunk in names.chunks(500) {
        sql.push_str(
            "INSERT INTO legal_form_name (code, position, language, language_code, local_name, transliterated_name, \
             abbreviations_local, abbreviations_transliterated) VALUES\n",
        );
        sql.push_str(&chunk.join(",\n"));
        sql.push_str(";\n");
    }
    sql
}

impl AdminConnection {
    /// Replaces the reference data of this database in one transaction, as
    /// the owner role (readers see the old data until it commits).
    pub async fn load_reference(&mut self, sql: &str) -> Result<(), StoreError> {
        let tx = self.client_mut().transaction().await?;
        tx.batch_execute(&format!("SET LOCAL ROLE {}; SET LOCAL search_path = {DATA_SCHEMA};", crate::OWNER_ROLE))
            .await?;
        tx.batch_execute(sql).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A legal form as pickers and entities show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LegalFormView {
    pub code: String,
    pub country: Option<String>,
    pub subdivision: Option<String>,
    pub status: String,
    /// The first local name of the list, e.g. "Gesellschaft mit beschränkter Haftung".
    pub name: String,
    pub transliterated_name: String,
    pub abbreviations: String,
    pub language_code: String,
}

/// A jurisdiction as pickers show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JurisdictionView {
    pub code: String,
    pub country: String,
    pub name: String,
    pub category: String,
}

const FORM_COLUMNS: &str = "f.code, f.country, f.subdivision, f.status,
    coalesce(n.local_name, ''), coalesce(n.transliterated_name, ''),
    coalesce(nullif(n.abbreviations_local, ''), n.abbreviations_transliterated, ''), coalesce(n.language_code, '')";
const FORM_FROM: &str = "charter.legal_form f
    LEFT JOIN charter.legal_form_name n ON n.code = f.code AND n.position = 0";

fn form_view(row: &tokio_postgres::Row) -> LegalFormView {
    LegalFormView {
        code: row.get(0),
        country: row.get(1),
        subdivision: row.get(2),
        status: row.get(3),
        name: row.get(4),
        transliterated_name: row.get(5),
        abbreviations: row.get(6),
        language_code: row.get(7),
    }
}

/// Reads reference data on any data-plane connection.
pub struct ReferenceReader {
    pub(crate) conn: Object,
}

impl ReferenceReader {
    /// Countries, or the subdivisions of `country`; filtered by `q` on code or name.
    pub async fn jurisdictions(
        &self,
        country: Option<&str>,
        q: Option<&str>,
    ) -> Result<Vec<JurisdictionView>, StoreError> {
        let rows = self
            .conn
            .query(
                "SELECT code, country, name, category FROM charter.jurisdiction
                  WHERE ($1::text IS NULL AND category = 'country' OR country = $1 AND category <> 'country')
                    AND ($2::text IS NULL OR code ILIKE $2 || '%' OR name ILIKE '%' || $2 || '%')
                  ORDER BY code",
                &[&country, &q],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| JurisdictionView { code: r.get(0), country: r.get(1), name: r.get(2), category: r.get(3) })
            .collect())
    }

    /// Forms usable in `jurisdiction` (its own, and its country's for a
    /// subdivision), filtered by `q`: the start of the code (a picker
    /// completing `XT` to `XTIQ`), or part of a name or abbreviation.
    pub async fn legal_forms(
        &self,
        jurisdiction: Option<&str>,
        q: Option<&str>,
        limit: i64,
    ) -> Result<Vec<LegalFormView>, StoreError> {
        let rows = self
            .conn
            .query(
                &format!(
                    "SELECT {FORM_COLUMNS} FROM {FORM_FROM}
                      WHERE ($1::text IS NULL
                             OR f.subdivision = $1
                             OR f.subdivision IS NULL AND f.country = split_part($1, '-', 1))
                        AND ($2::text IS NULL OR starts_with(f.code, upper($2)) OR EXISTS (
                              SELECT 1 FROM charter.legal_form_name m WHERE m.code = f.code AND (
                                m.local_name ILIKE '%' || $2 || '%' OR m.transliterated_name ILIKE '%' || $2 || '%'
                                OR m.abbreviations_local ILIKE '%' || $2 || '%')))
                      ORDER BY f.status, f.subdivision NULLS LAST, f.code LIMIT $3"
                ),
                &[&jurisdiction, &q, &limit],
            )
            .await?;
        Ok(rows.iter().map(form_view).collect())
    }
}

impl TenantTx {
    /// Whether the jurisdiction exists.
    pub async fn jurisdiction_exists(&mut self, code: &str) -> Result<bool, StoreError> {
        Ok(self.query_opt("SELECT 1 FROM charter.jurisdiction WHERE code = $1", &[&code]).await?.is_some())
    }

    /// The first local name of each of `codes`.
    pub async fn legal_form_names(
        &mut self,
        codes: &[String],
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        if codes.is_empty() {
            return Ok(Default::default());
        }
        let rows = self
            .query(
                "SELECT code, local_name FROM charter.legal_form_name WHERE code = ANY ($1) AND position = 0",
                &[&codes],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// A legal form by ELF code.
    pub async fn legal_form(&mut self, code: &str) -> Result<Option<LegalFormView>, StoreError> {
        let row =
            self.query_opt(&format!("SELECT {FORM_COLUMNS} FROM {FORM_FROM} WHERE f.code = $1"), &[&code]).await?;
        Ok(row.as_ref().map(form_view))
    }
}
