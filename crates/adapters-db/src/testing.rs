//! Throwaway databases for tests: a fresh SQLite file or a fresh PostgreSQL
//! database per test, removed when dropped.
//!
//! PostgreSQL test databases are cloned from a template that already holds
//! the migrations (as crates.io's test harness does): `CREATE DATABASE ...
//! TEMPLATE` copies files, where running the migrations again per test costs
//! a round of DDL each. The template is named by the digest of the
//! migrations, built once per machine by whichever test process gets there
//! first, and rebuilt when a migration changes.

use std::path::PathBuf;
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::{Backend, Database, DatabaseSettings};

/// Where test PostgreSQL databases are created, unless `TEST_DATABASE_URL` says otherwise.
///
/// Without TLS and without GSSAPI: a test process exits with servers and pools
/// still running, and the exit handlers of the libraries libpq would load for
/// them race a pool thread inside libpq and crash the process after every test
/// passed (OpenSSL: SIGSEGV; Kerberos: `k5_mutex_lock` assertion, SIGABRT).
/// The same two options are added to a `TEST_DATABASE_URL` that does not set them.
pub const DEFAULT_TEST_DATABASE_URL: &str =
    "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&gssencmode=disable";

/// A database that exists for the life of this value.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Directory(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh database of `backend` whose migrations are applied or will
    /// be when the service opens it (at once, for PostgreSQL's template).
    ///
    /// # Panics
    /// When PostgreSQL cannot be reached: a test that needs it cannot run.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres(Some(template())),
        }
    }

    /// A fresh database of `backend` without any table, for tests of the
    /// migrations themselves.
    ///
    /// # Panics
    /// As [`TestDatabase::new`].
    pub fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres(None),
        }
    }

    fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("tokenauth-test-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", dir.join("tokenauth.sqlite3").display());
        Self {
            url,
            cleanup: Cleanup::Directory(dir),
        }
    }

    fn postgres(template: Option<&str>) -> Self {
        let admin_url = admin_url();
        let name = format!("tokenauth_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect(&admin_url);
        let create = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        admin
            .batch_execute(&create)
            .unwrap_or_else(|error| panic!("cannot create test database {name}: {error}"));
        Self {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::PostgresDatabase { admin_url, name },
        }
    }

    /// Its URL, for `DatabaseSettings::url`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .map(|url| with_exit_safe_options(&url))
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// `url` with `sslmode=disable` and `gssencmode=disable` unless it sets them
/// (see [`DEFAULT_TEST_DATABASE_URL`]).
fn with_exit_safe_options(url: &str) -> String {
    let mut url = url.to_owned();
    for option in ["sslmode=disable", "gssencmode=disable"] {
        let name = option.split('=').next().unwrap_or(option);
        if !url.contains(&format!("{name}=")) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(option);
        }
    }
    url
}

fn connect(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|error| {
        panic!("PostgreSQL at TEST_DATABASE_URL={admin_url} is not reachable: {error}")
    })
}

/// The migrated template of this build's migrations, made on first use.
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!(
            "tokenauth_template_{}",
            env!("TOKENAUTH_POSTGRES_MIGRATIONS_DIGEST")
        );
        build_template(&admin_url(), &name)
            .unwrap_or_else(|error| panic!("cannot build the template database {name}: {error}"));
        name
    })
}

/// An arbitrary key for the advisory lock that lets one test process build
/// the template while the others wait for it.
const TEMPLATE_LOCK: i64 = 0x746f_6b65_6e61;

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

fn build_template(admin_url: &str, name: &str) -> Result<(), String> {
    let mut admin = connect(admin_url);
    let text = |error: diesel::result::Error| error.to_string();
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .map_err(text)?;
    let existing: Vec<DatabaseName> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'tokenauth_template_%'",
    )
    .load(&mut admin)
    .map_err(text)?;
    let built = if existing.iter().any(|db| db.datname == name) {
        Ok(())
    } else {
        // Templates of older migrations are of no further use.
        for stale in &existing {
            admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    stale.datname
                ))
                .map_err(text)?;
        }
        // Built under another name and renamed when whole, so no test ever
        // clones a half-migrated template.
        let building = format!("tokenauth_building_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {building}"))
            .map_err(text)?;
        let migrated = Database::migrate(&DatabaseSettings {
            url: with_database(admin_url, &building).into(),
            pool_size: 1,
            workers: 1,
            connect_timeout: std::time::Duration::from_secs(10),
        });
        match migrated {
            Ok(_) => admin
                .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .map_err(text),
            Err(error) => {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building}"));
                Err(error.to_string())
            }
        }
    };
    let _ = admin.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"));
    built
}

/// Gives the user with this email staff status (and superuser status when
/// `superuser`): a state the public API cannot reach.
///
/// # Panics
/// When the database refuses the update.
pub fn promote(database: &Database, email: &str, superuser: bool) {
    use crate::schema::users;
    use diesel::{ExpressionMethods, QueryDsl};
    let key = tokenauth_domain::EmailKey::from_input(email);
    database
        .with_connection(|conn| {
            diesel::update(users::table.filter(users::email_key.eq(key.as_str())))
                .set((users::is_staff.eq(true), users::is_superuser.eq(superuser)))
                .execute(conn)
        })
        .unwrap_or_else(|error| panic!("cannot promote {email}: {error}"));
}

/// The same server URL naming another database.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    match query {
        Some(query) => format!("{scheme}://{authority}/{database}?{query}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn test_urls_turn_tls_and_gssapi_off_unless_they_say_otherwise() {
        assert_eq!(
            super::with_exit_safe_options("postgres://u@h/db"),
            "postgres://u@h/db?sslmode=disable&gssencmode=disable"
        );
        assert_eq!(
            super::with_exit_safe_options("postgres://u@h/db?sslmode=require"),
            "postgres://u@h/db?sslmode=require&gssencmode=disable"
        );
    }

    #[test]
    fn replaces_or_adds_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t"),
            "postgres://u@h:5432/t"
        );
        assert_eq!(with_database("postgres://u@h", "t"), "postgres://u@h/t");
        assert_eq!(
            with_database("postgres://u@h/x?sslmode=disable", "t"),
            "postgres://u@h/t?sslmode=disable"
        );
    }
}
