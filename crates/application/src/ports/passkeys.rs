use std::num::NonZeroU32;

use tokenauth_domain::{
    AuthToken, Ceremony, CeremonyKind, Passkey, PasskeyId, SecurityEvent, Timestamp, UserHandle,
    UserId,
};

use super::{ProofOutcome, RepositoryError};

/// A passkey login that verified: the passkey's new state and the token it
/// issues.
#[derive(Debug, Clone)]
pub struct PasskeyUse<'a> {
    /// The passkey used, with the counter it had when read.
    pub passkey: &'a Passkey,
    /// Its credential after the login.
    pub credential: &'a str,
    /// Its new signature counter.
    pub counter: u32,
    /// The token to issue.
    pub token: &'a AuthToken,
    /// How many session tokens the user may hold.
    pub keep: NonZeroU32,
}

/// Passkeys, users' WebAuthn handles and ceremonies waiting for a response.
pub trait Passkeys: Send + Sync + 'static {
    /// The user's handle, storing `fresh` first when it has none yet; the
    /// one stored wins a race.
    fn user_handle(&self, user: UserId, fresh: UserHandle) -> Result<UserHandle, RepositoryError>;

    /// The user's passkeys, newest first.
    fn list(&self, user: UserId) -> Result<Vec<Passkey>, RepositoryError>;

    /// Stores a ceremony, and forgets expired ones.
    fn open_ceremony(&self, ceremony: &Ceremony, now: Timestamp) -> Result<(), RepositoryError>;

    /// Takes (deletes and returns) the unexpired ceremony of `kind` with
    /// this challenge: any answer, good or bad, uses it up.
    fn take_ceremony(
        &self,
        challenge: &str,
        kind: CeremonyKind,
        now: Timestamp,
    ) -> Result<Option<Ceremony>, RepositoryError>;

    /// Registers a passkey. `false` (nothing stored) when its credential id
    /// is registered already, to anyone: the unique index decides.
    fn add(&self, passkey: &Passkey, events: &[SecurityEvent]) -> Result<bool, RepositoryError>;

    /// The passkey with this credential id, and its owner's handle.
    fn find_by_credential(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<(Passkey, UserHandle)>, RepositoryError>;

    /// Deletes one of the user's passkeys, with the event `event` makes of
    /// it; `false` when the user has none with that id.
    fn delete(
        &self,
        user: UserId,
        id: PasskeyId,
        event: &dyn Fn(&Passkey) -> SecurityEvent,
    ) -> Result<bool, RepositoryError>;

    /// Completes a login in one transaction: moves the passkey's counter
    /// forward (refused when another login moved it meanwhile), then issues
    /// the token as a password login does.
    fn complete_login(
        &self,
        login: &PasskeyUse<'_>,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError>;
}
