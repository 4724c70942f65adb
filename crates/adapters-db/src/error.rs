use diesel::result::{DatabaseErrorKind, Error};
use tokenauth_application::RepositoryError;

/// Sorts diesel's errors into what callers can act on: a lost or busy
/// database is `Unavailable` (503, retry), anything else is `Internal`.
pub(crate) fn from_diesel(error: Error) -> RepositoryError {
    match error {
        Error::NotFound => RepositoryError::NotFound,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            info,
        ) => RepositoryError::Unavailable(info.message().to_owned()),
        Error::DatabaseError(_, info) if is_transient(info.message()) => {
            RepositoryError::Unavailable(info.message().to_owned())
        }
        Error::BrokenTransactionManager => RepositoryError::Unavailable(error.to_string()),
        other => RepositoryError::Internal(other.to_string()),
    }
}

/// Messages of a database that is busy, shutting down or gone, as libpq and
/// SQLite word them.
fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 6] = [
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "the database system is shutting down",
        "the database system is starting up",
        "no connection to the server",
    ];
    TRANSIENT.iter().any(|needle| message.contains(needle))
}

/// True when the error is a violation of a unique index.
pub(crate) fn is_unique_violation(error: &Error) -> bool {
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}
