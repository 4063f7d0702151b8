//! PostgreSQL connection URLs, which carry credentials.

use std::{fmt, str::FromStr};

use crate::StoreError;

/// A `postgres://` URL. `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl(url::Url);

impl DbUrl {
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let url = url::Url::parse(raw).map_err(|e| StoreError::Config(format!("not a URL ({e}): {}", redact(raw))))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(StoreError::Config(format!("expected a postgres:// URL, got scheme {:?}", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(StoreError::Config("the database URL names no host".into()));
        }
        let parsed = Self(url);
        if parsed.database().is_empty() {
            return Err(StoreError::Config(format!("the database URL names no database: {parsed}")));
        }
        Ok(parsed)
    }

    /// The database name (the URL path without its leading `/`).
    pub fn database(&self) -> &str {
        self.0.path().trim_start_matches('/')
    }

    /// The same server, another database.
    pub fn with_database(&self, database: &str) -> Self {
        let mut url = self.0.clone();
        url.set_path(&format!("/{database}"));
        Self(url)
    }

    /// The same server and database, as another role.
    pub fn with_credentials(&self, user: &str, password: Option<&str>) -> Self {
        let mut url = self.0.clone();
        // Both setters fail only for URLs that cannot have a host, which `parse` ruled out.
        let _ = url.set_username(user);
        let _ = url.set_password(password);
        Self(url)
    }

    /// The same URL on another port of the same host.
    pub fn with_port(&self, port: u16) -> Self {
        let mut url = self.0.clone();
        let _ = url.set_port(Some(port));
        Self(url)
    }

    pub fn user(&self) -> &str {
        self.0.username()
    }

    /// The server part (`host:port`), to tell whether two URLs share a server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.0.host_str().unwrap_or_default(), self.0.port().unwrap_or(5432))
    }

    /// The URL with its password; only for connecting or storing.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    pub fn pg_config(&self) -> Result<tokio_postgres::Config, StoreError> {
        let mut config = tokio_postgres::Config::from_str(self.0.as_str())
            .map_err(|e| StoreError::Config(format!("unusable database URL {self}: {e}")))?;
        if config.get_application_name().is_none() {
            config.application_name("charter");
        }
        // JIT compiles a plan whose estimated cost is high; on short OLTP
        // statements over big tenants it spent 200 ms to save nothing.
        let options = match config.get_options() {
            Some(options) if options.contains("jit") => options.to_owned(),
            Some(options) => format!("{options} -c jit=off"),
            None => "-c jit=off".to_owned(),
        };
        config.options(&options);
        Ok(config)
    }
}

fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparseable>".into(),
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(self.0.as_str()))
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_passwords() {
        let url = DbUrl::parse("postgres://admin:s3cret@db.example:6432/charter").unwrap();
        assert_eq!(url.to_string(), "postgres://admin:***@db.example:6432/charter");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.database(), "charter");
        assert_eq!(url.server(), "db.example:6432");
    }

    #[test]
    fn derives_urls() {
        let url = DbUrl::parse("postgres://admin:pw@localhost/charter").unwrap();
        let app = url.with_database("shard_1").with_credentials("charter_app", Some("x y"));
        assert_eq!(app.expose(), "postgres://charter_app:x%20y@localhost/shard_1");
        assert!(app.pg_config().is_ok());
    }

    #[test]
    fn refuses_non_postgres_urls() {
        for bad in ["mysql://h/db", "postgres://h", "not a url", "postgres:///db"] {
            assert!(DbUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
