use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::DbConnection;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://<path>`: a file, created on first use.
    Sqlite,
}

impl Backend {
    /// The name OpenTelemetry's conventions give the database system.
    pub fn system_name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A database URL whose scheme has been recognised.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

impl DatabaseUrl {
    /// Recognises `postgres://`, `postgresql://` and `sqlite://` URLs.
    pub fn parse(url: &str) -> Result<Self, String> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(format!(
                    "database URL {url:?} names no file: tokenauth's SQLite needs a file shared by its connections"
                ));
            }
            Backend::Sqlite
        } else {
            return Err(format!(
                "database URL {:?} is neither postgres://… nor sqlite://<path>",
                redact_password(url)
            ));
        };
        Ok(Self {
            backend,
            url: url.to_owned(),
        })
    }

    /// The backend it names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL, for libpq.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The file of a SQLite URL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_password(&self.url))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages.
pub(crate) fn redact_password(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            // Only fails for URLs that cannot carry a password at all.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

/// Opens connections of the backend the URL names, with SQLite's pragmas set.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

/// Why a connection could not be opened: the driver's own message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(pub String);

impl ConnectionManager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    /// Opens one connection now.
    pub fn open(&self) -> Result<DbConnection, ConnectError> {
        match self.url.backend() {
            Backend::Postgres => PgConnection::establish(self.url.as_str())
                .map(DbConnection::Postgresql)
                .map_err(|error| ConnectError(error.to_string())),
            Backend::Sqlite => {
                let path = self.url.sqlite_path().unwrap_or_default();
                open_sqlite(&path).map(DbConnection::Sqlite)
            }
        }
    }
}

fn open_sqlite(path: &Path) -> Result<SqliteConnection, ConnectError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| {
            ConnectError(format!("cannot create {}: {error}", parent.display()))
        })?;
    }
    let text = path
        .to_str()
        .ok_or_else(|| ConnectError(format!("{} is not UTF-8", path.display())))?;
    let mut conn =
        SqliteConnection::establish(text).map_err(|error| ConnectError(error.to_string()))?;
    // One statement each: SQLite applies only the first of a batch of pragmas in some builds.
    for pragma in [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
        // 1 MiB of page cache per connection instead of 2: the OS caches the
        // file anyway, and 16 connections would otherwise hold 32 MiB.
        "PRAGMA cache_size = -1024",
    ] {
        conn.batch_execute(pragma)
            .map_err(|error| ConnectError(format!("{pragma}: {error}")))?;
    }
    Ok(conn)
}

/// A pooled connection and whether it was seen to fail.
#[derive(Debug)]
pub struct ManagedConnection {
    pub(crate) conn: DbConnection,
    /// Set when a query on it failed for want of the database: the pool then
    /// drops it instead of handing a dead connection to the next request,
    /// which is how the service recovers by itself when the database returns.
    pub(crate) broken: bool,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = ManagedConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<ManagedConnection, ConnectError> {
        self.open().map(|conn| ManagedConnection {
            conn,
            broken: false,
        })
    }

    fn is_valid(&self, managed: &mut ManagedConnection) -> Result<(), ConnectError> {
        managed
            .conn
            .ping()
            .map_err(|error| ConnectError(error.to_string()))
    }

    fn has_broken(&self, managed: &mut ManagedConnection) -> bool {
        managed.broken || std::thread::panicking() || managed.conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password_and_keeps_the_rest() {
        let url = DatabaseUrl::parse("postgres://ada:s3cret@db.example:5432/app?sslmode=require")
            .unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("ada:***@db.example:5432/app?sslmode=require"),
            "{shown}"
        );
        assert_eq!(
            format!(
                "{:?}",
                DatabaseUrl::parse("sqlite://data/x.sqlite3").unwrap()
            ),
            "sqlite://data/x.sqlite3"
        );
    }

    #[test]
    fn recognises_both_backends() {
        assert_eq!(
            DatabaseUrl::parse("postgres://h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.sqlite3")
                .unwrap()
                .backend(),
            Backend::Sqlite
        );
    }

    #[test]
    fn sqlite_paths_may_be_relative_or_absolute() {
        let relative = DatabaseUrl::parse("sqlite://data/x.sqlite3").unwrap();
        assert_eq!(
            relative.sqlite_path(),
            Some(PathBuf::from("data/x.sqlite3"))
        );
        let absolute = DatabaseUrl::parse("sqlite:///tmp/x.sqlite3").unwrap();
        assert_eq!(
            absolute.sqlite_path(),
            Some(PathBuf::from("/tmp/x.sqlite3"))
        );
    }

    #[test]
    fn refuses_other_schemes_without_echoing_passwords() {
        let error = DatabaseUrl::parse("mysql://root:hunter2@h/db").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
    }
}
