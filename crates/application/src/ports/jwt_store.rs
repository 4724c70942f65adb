use std::num::NonZeroU32;

use tokenauth_domain::{
    AuthToken, PairJwtId, RefreshJwt, SecurityEvent, Timestamp, TokenId, User, UserId,
};

use super::RepositoryError;

/// What a login leaves in storage, in the transaction that records it.
#[derive(Debug, Clone, Copy)]
pub enum LoginGrant<'a> {
    /// A session token; the user keeps at most `keep` of them.
    Session {
        /// The token issued.
        token: &'a AuthToken,
        /// How many session tokens the user may hold.
        keep: NonZeroU32,
    },
    /// The refresh JWT of a new access and refresh pair.
    Pair(&'a RefreshJwt),
}

impl LoginGrant<'_> {
    /// Whose login it is.
    pub fn user_id(&self) -> UserId {
        match self {
            Self::Session { token, .. } => token.user_id,
            Self::Pair(refresh) => refresh.user_id,
        }
    }

    /// The stored token issued; `None` for a pair (JWTs are not stored
    /// tokens, and their events name none).
    pub fn token_id(&self) -> Option<TokenId> {
        match self {
            Self::Session { token, .. } => Some(token.id),
            Self::Pair(_) => None,
        }
    }
}

/// The user a pair JWT names, and what may have ended the JWT: the user's
/// cutoff and, for an access JWT, whether it was logged out.
#[derive(Debug, Clone)]
pub struct JwtSubject {
    /// The user.
    pub user: User,
    /// JWTs issued before this are ended: the last "log out everywhere",
    /// password change or reset, or deactivation.
    pub valid_after: Option<Timestamp>,
    /// The JWT was logged out (`POST /api/logout`).
    pub ended: bool,
}

/// Where a refresh JWT stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshState {
    /// Unused: buys one new pair.
    Active,
    /// Already exchanged for a new pair; presenting it again is reuse.
    Used,
    /// Blacklisted, or ended with its family.
    Ended,
}

/// What presenting a refresh JWT for rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRotation {
    /// It was active: now used, and the next one stored.
    Rotated,
    /// It was used already: its whole family is ended.
    Reused,
    /// It was ended, or is not known.
    Refused,
}

/// What the server keeps of pair JWTs: refresh JWTs (used up, blacklisted,
/// families), logged-out access JWTs, and each user's cutoff. Everything is
/// kept until the JWT would have expired anyway, and no longer.
pub trait JwtStore: Send + Sync + 'static {
    /// Records a login that issued a pair: the user's `last_login` set to
    /// `at`, the refresh JWT stored, `events` written, in one transaction.
    /// [`RepositoryError::NotFound`] when the user no longer exists, or
    /// its JWTs were ended after `at` (as for a session token).
    fn issue_pair(
        &self,
        refresh: &RefreshJwt,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;

    /// The user `user` and what may have ended the JWT `jti`, in one read.
    fn subject(&self, user: UserId, jti: &PairJwtId)
    -> Result<Option<JwtSubject>, RepositoryError>;

    /// Where the refresh JWT `jti` stands, and its family; `None` when it
    /// is not known.
    fn refresh_state(
        &self,
        jti: &PairJwtId,
    ) -> Result<Option<(RefreshState, PairJwtId)>, RepositoryError>;

    /// Exchanges the refresh JWT `used` for `next`, atomically: of two
    /// requests racing with one refresh JWT, one rotates and the other is
    /// reuse.
    fn rotate(
        &self,
        used: &PairJwtId,
        next: &RefreshJwt,
    ) -> Result<RefreshRotation, RepositoryError>;

    /// Ends the refresh JWT `jti`; whether it was active.
    fn blacklist(&self, jti: &PairJwtId) -> Result<bool, RepositoryError>;

    /// Ends the access JWT `jti` (logout), kept until `expires`.
    fn end_access(
        &self,
        jti: &PairJwtId,
        expires: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;

    /// Forgets what no live JWT can need any more; how many records went.
    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError>;
}
