use tokenauth_domain::{EmailKey, NewUser, User, UserId};

use super::{RepositoryError, SaveUserError};

/// Where users are stored.
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new user and returns it as stored.
    ///
    /// MUST return [`SaveUserError::EmailTaken`] when a user with the same
    /// [`EmailKey`] exists, decided atomically by the store (a unique index),
    /// never by a check before the insert: of two concurrent inserts of one
    /// email exactly one succeeds.
    fn insert(&self, user: NewUser) -> Result<User, SaveUserError>;

    /// The user whose email has this key, if any.
    fn find_by_email_key(&self, key: &EmailKey) -> Result<Option<User>, RepositoryError>;

    /// The user with this id, if any.
    fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;
}
