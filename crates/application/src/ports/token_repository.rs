use std::num::NonZeroU32;

use tokenauth_domain::{AuthToken, SecurityEvent, Timestamp, TokenDigest, TokenId, UserId};

use super::RepositoryError;

/// Where tokens are stored (as digests only).
///
/// Methods that change something write the security events they are given
/// in the change's own transaction.
pub trait TokenRepository: Send + Sync + 'static {
    /// Records a login: sets the user's `last_login` to `at`, stores `token`
    /// (a session token), and deletes the user's other session tokens beyond
    /// the newest `keep - 1`, so the user holds at most `keep` sessions and the
    /// new one is always among them. Personal tokens are left alone, and the
    /// cost must not grow with how many tokens the user holds.
    ///
    /// MUST be one transaction that serialises with other logins of the same
    /// user (e.g. by updating the user row first), so that after any number of
    /// concurrent calls the user holds at most `keep` tokens and each call's
    /// own token was valid when it returned. MUST return
    /// [`RepositoryError::NotFound`] when the user no longer exists, or when
    /// its tokens were ended (password change or reset, "log out
    /// everywhere", deactivation) after `at`: a login that began before
    /// such a change must not leave a token behind it.
    fn issue_for_login(
        &self,
        token: &AuthToken,
        keep: NonZeroU32,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;

    /// Stores a personal token. MUST return [`RepositoryError::NotFound`]
    /// when its user no longer exists.
    fn issue_personal(
        &self,
        token: &AuthToken,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;

    /// Deletes one token. A token already gone is not an error.
    fn revoke(&self, id: TokenId, events: &[SecurityEvent]) -> Result<(), RepositoryError>;

    /// Deletes the token with this digest, whoever holds it, with the event
    /// `event` makes of its id and user; `false` when there was none.
    fn revoke_by_digest(
        &self,
        digest: &TokenDigest,
        event: &dyn Fn(TokenId, UserId) -> SecurityEvent,
    ) -> Result<bool, RepositoryError>;

    /// The user's tokens that have not expired at `now`, newest first.
    fn list_active(&self, user: UserId, now: Timestamp) -> Result<Vec<AuthToken>, RepositoryError>;

    /// Deletes the token `id` if it belongs to `user`; `false` when it does not
    /// exist or is someone else's.
    /// The events are written only when a token was deleted.
    fn revoke_owned(
        &self,
        user: UserId,
        id: TokenId,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError>;

    /// Deletes every token whose expiry is at or before `now`; returns how many.
    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError>;

    /// Deletes every token of the user; returns how many there were.
    fn revoke_all(&self, user: UserId, events: &[SecurityEvent]) -> Result<usize, RepositoryError>;
}
