use tokenauth_domain::{
    AccountKey, EmailChange, EmailKey, KeyPurpose, Mail, MailId, PasswordHash, RequestOrigin,
    SecurityEvent, Timestamp, TokenDigest, User,
};

use super::RepositoryError;

/// A request for account mail, as the client typed the address.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    /// What is asked for.
    pub purpose: KeyPurpose,
    /// The address, as the account lookup keys it.
    pub email: EmailKey,
    /// When it was asked.
    pub created: Timestamp,
    /// Where the request came from.
    pub origin: RequestOrigin,
}

/// A key to store and the message that carries it.
#[derive(Debug, Clone)]
pub struct KeyMail {
    /// The key (its digest only).
    pub key: AccountKey,
    /// The message's identity in the outbox.
    pub mail_id: MailId,
    /// The message, with the key in its link.
    pub mail: Mail,
}

/// A signed-in user's request to move its account to a new address: the
/// key and the message that carries it to the new address, and the notice
/// (no link) for the old one.
#[derive(Debug, Clone)]
pub struct EmailChangeRequest {
    /// The key (its digest only) and the address it confirms.
    pub change: EmailChange,
    /// The message with the link, to the new address.
    pub link: (MailId, Mail),
    /// The notice to the address the account has now.
    pub notice: (MailId, Mail),
}

/// What the mail worker decides for one request.
#[derive(Debug, Clone, Default)]
pub struct RequestDecision {
    /// The key and its message; `None` sends nothing.
    pub mail: Option<KeyMail>,
    /// Events recording the request, now that its account is known.
    pub events: Vec<SecurityEvent>,
}

/// How the mail worker decides for one request.
pub type DecideRequest<'a> = dyn FnMut(&AccountRequest, Option<&User>) -> RequestDecision + 'a;

/// Single-use keys sent by mail, and the requests for them.
pub trait AccountKeys: Send + Sync + 'static {
    /// Records a request for account mail. The same work whether or not an
    /// account has the address, so neither answer nor timing tells.
    fn request(
        &self,
        purpose: KeyPurpose,
        email: &EmailKey,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> Result<(), RepositoryError>;

    /// Takes the oldest waiting request (skipping any another process
    /// holds), looks its user up and asks `decide`; stores what `decide`
    /// returns (the key, and its message in the outbox due at `now`) and
    /// deletes the request, in one transaction, with the decision's events. `Ok(false)` when no request
    /// is waiting.
    fn process_request(
        &self,
        decide: &mut DecideRequest<'_>,
        now: Timestamp,
    ) -> Result<bool, RepositoryError>;

    /// The unused key with this digest and purpose, and its user.
    fn find_unused(
        &self,
        digest: &TokenDigest,
        purpose: KeyPurpose,
    ) -> Result<Option<(AccountKey, User)>, RepositoryError>;

    /// Completes a reset in one transaction: consumes `key`, sets the user's
    /// password hash, revokes every token of the user and consumes its other
    /// unused reset keys. `Ok(false)` (and nothing changed) when the key was
    /// consumed meanwhile.
    fn complete_reset(
        &self,
        key: &AccountKey,
        password_hash: &PasswordHash,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError>;

    /// Completes a verification in one transaction: consumes `key` and marks
    /// the user's address verified. `None` when the key was consumed meanwhile.
    fn complete_verification(
        &self,
        key: &AccountKey,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError>;

    /// Records an email change in one transaction: consumes the user's
    /// earlier unused change keys, queues the notice, and, unless an account
    /// (the user's own included) has the new address, stores the key and
    /// queues its link. The same answer either way, so the request tells
    /// nothing of who has an address.
    fn request_email_change(
        &self,
        request: &EmailChangeRequest,
        now: Timestamp,
    ) -> Result<(), RepositoryError>;

    /// The unused email change key with this digest, its new address, and
    /// its user.
    fn find_email_change(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(EmailChange, User)>, RepositoryError>;

    /// Completes an email change in one transaction: consumes the key and
    /// moves the user to the new address, marked verified. `None` (and
    /// nothing changed) when the key was consumed meanwhile or another
    /// account took the address: the unique index decides, not a check.
    fn complete_email_change(
        &self,
        change: &EmailChange,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError>;

    /// Deletes keys that can no longer be used (consumed or expired by
    /// `now`); returns how many.
    fn delete_spent(&self, now: Timestamp) -> Result<usize, RepositoryError>;
}
