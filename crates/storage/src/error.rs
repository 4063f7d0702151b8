//! The one error type of the storage layer.

use tokio_postgres::error::SqlState;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `constraint` names it.
    #[error("conflicts with an existing row ({constraint})")]
    Conflict { constraint: String },
    /// The database refused a write: a check, foreign key or row-level
    /// security policy. Callers validate input first, so reaching this from
    /// a request means a bug or an attack, not a typo.
    #[error("rejected by the database ({sqlstate}): {message}")]
    Rejected { sqlstate: String, message: String, constraint: Option<String> },
    /// The tenant may not be written here now: frozen while it moves to
    /// another database, or moved away already (SQLSTATE CH001).
    #[error("the tenant is not writable in this database right now")]
    TenantFrozen,
    /// A statement ran past the tenant's `statement_timeout`.
    #[error("a statement ran past its time limit")]
    Timeout,
    /// The database could not be reached or timed out.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A connection URL or setting is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A migration script failed; the message names it and the server's error.
    #[error("{0}")]
    MigrationFailed(String),
    #[error("database error: {}", describe(.0))]
    Database(#[source] tokio_postgres::Error),
    #[error("internal storage error: {0}")]
    Internal(String),
}

impl StoreError {
    /// The SQLSTATE behind this error, if the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Self::Rejected { sqlstate, .. } => Some(sqlstate),
            Self::Database(e) => e.code().map(SqlState::code),
            _ => None,
        }
    }
}

/// A server error with its SQLSTATE, detail and where it happened;
/// tokio-postgres's own `Display` says only "db error".
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                text.push_str(&format!("; {detail}"));
            }
            if let Some(place) = db.where_() {
                text.push_str(&format!("; at {place}"));
            }
            text
        }
        None => error.to_string(),
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        let Some(db) = error.as_db_error() else {
            // No server error: the connection broke or was never made.
            return Self::Unavailable(error.to_string());
        };
        let code = db.code();
        if code.code() == "CH001" {
            Self::TenantFrozen
        } else if *code == SqlState::QUERY_CANCELED && db.message().contains("statement timeout") {
            Self::Timeout
        } else if *code == SqlState::UNIQUE_VIOLATION {
            Self::Conflict { constraint: db.constraint().unwrap_or("unique").to_owned() }
        } else if [
            SqlState::CHECK_VIOLATION,
            SqlState::NOT_NULL_VIOLATION,
            SqlState::FOREIGN_KEY_VIOLATION,
            SqlState::EXCLUSION_VIOLATION,
            SqlState::INSUFFICIENT_PRIVILEGE,
        ]
        .contains(code)
        {
            Self::Rejected {
                sqlstate: code.code().to_owned(),
                message: db.message().to_owned(),
                constraint: db.constraint().map(str::to_owned),
            }
        } else if [
            SqlState::QUERY_CANCELED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
        ]
        .contains(code)
        {
            Self::Unavailable(db.message().to_owned())
        } else {
            Self::Database(error)
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Self::Unavailable(other.to_string()),
        }
    }
}
