/// Storage failed.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The database cannot be reached now (down, or no connection free in
    /// time). Callers answer 503 and may retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The record the operation needs no longer exists.
    #[error("the record no longer exists")]
    NotFound,
    /// Anything else: a bug or a broken database. Logged, never shown.
    #[error("storage failed: {0}")]
    Internal(String),
}

/// Storing a new user failed.
#[derive(Debug, thiserror::Error)]
pub enum SaveUserError {
    /// A user with the same email key exists.
    #[error("a user with this email already exists")]
    EmailTaken,
    /// Storage failed otherwise.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}
