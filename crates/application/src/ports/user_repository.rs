use tokenauth_domain::{
    EmailKey, NewUser, PasswordHash, SecurityEvent, TokenId, User, UserChanges, UserId,
};

use super::{RepositoryError, SaveUserError};

/// Which users to list, and which page of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Lowercased search terms; a user matches when every term is found in
    /// its email, first name or last name. Empty: every user.
    pub terms: Vec<String>,
    /// The most users to return.
    pub limit: u32,
    /// How many matching users to skip.
    pub offset: u64,
}

/// One page of users.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPage {
    /// How many users match the query in all.
    pub count: u64,
    /// The users of this page, oldest `date_joined` first.
    pub users: Vec<User>,
}

/// What became of a user's request to delete its own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountDeletion {
    /// The user and everything it held are gone.
    Deleted,
    /// No user has this id (deleted meanwhile).
    NotFound,
    /// The user is the last active superuser; nothing changed.
    LastSuperuser,
}

/// Where users are stored.
///
/// Every method that changes something takes the security events that
/// record the change, and MUST write them in the change's own transaction:
/// a change is never kept without its events.
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new user and returns it as stored.
    ///
    /// MUST return [`SaveUserError::EmailTaken`] when a user with the same
    /// [`EmailKey`] exists, decided atomically by the store (a unique index),
    /// never by a check before the insert: of two concurrent inserts of one
    /// email exactly one succeeds.
    fn insert(&self, user: NewUser, events: &[SecurityEvent]) -> Result<User, SaveUserError>;

    /// The user whose email has this key, if any.
    fn find_by_email_key(&self, key: &EmailKey) -> Result<Option<User>, RepositoryError>;

    /// The user with this id, if any.
    fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;

    /// Applies `changes` and returns the user as stored now, or `None` when no
    /// user has this id. When the changes deactivate the user, MUST delete all
    /// of its tokens in the same transaction, so no request authenticates as
    /// an inactive user after this returns.
    fn update(
        &self,
        id: UserId,
        changes: &UserChanges,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError>;

    /// Replaces the password hash and deletes every token of the user except
    /// `keep`, in one transaction. Returns `false` when no user has this id.
    fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<TokenId>,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError>;

    /// One page of the users matching `query`, ordered by `date_joined` (then
    /// id), with the number of all matches.
    fn list(&self, query: &UserQuery) -> Result<UserPage, RepositoryError>;

    /// Deletes the user and all its tokens. Returns `false` when no user has this id.
    fn delete(&self, id: UserId, events: &[SecurityEvent]) -> Result<bool, RepositoryError>;

    /// Deletes the user and all it holds unless it is the last active
    /// superuser. MUST decide that atomically: of two active superusers
    /// deleting themselves at once, one stays.
    fn delete_own_account(
        &self,
        id: UserId,
        events: &[SecurityEvent],
    ) -> Result<AccountDeletion, RepositoryError>;
}
