//! Passkeys: WebAuthn credentials a user logs in with instead of a password,
//! and the single-use challenges of their ceremonies.

use std::fmt;

use crate::{Timestamp, UserId};

crate::id::uuid_id!(
    /// The identity of a registered passkey, safe to show.
    PasskeyId
);

/// The name a user gives a passkey ("Laptop", "Phone").
pub type PasskeyName = crate::Label;

/// The random handle WebAuthn knows a user by (`user.id`): made once per
/// user, the same in every ceremony, and neither its id nor its email, so an
/// authenticator holds nothing that names the person.
#[derive(Clone, PartialEq, Eq)]
pub struct UserHandle(Vec<u8>);

impl UserHandle {
    /// 256 bits; WebAuthn allows up to 64 bytes.
    pub const BYTES: usize = 32;

    /// A handle from random bytes, or one read back from storage.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The handle's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for UserHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserHandle(…)")
    }
}

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// Its identity.
    pub id: PasskeyId,
    /// Whose it is.
    pub user_id: UserId,
    /// What its user calls it.
    pub name: PasskeyName,
    /// The authenticator's id for it (`rawId`), unique among all passkeys.
    pub credential_id: Vec<u8>,
    /// The public key and flags as the relying party stores them: opaque
    /// here, read only by the relying party that wrote it.
    pub credential: String,
    /// The last signature counter seen; one that does not move forward
    /// (unless both are 0, as synced passkeys send) betrays a cloned key.
    pub counter: u32,
    /// When it was registered.
    pub created: Timestamp,
    /// When it last logged in; `None` until it has.
    pub last_used: Option<Timestamp>,
}

/// What a WebAuthn challenge was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    /// Registering a passkey for the signed-in user.
    Registration,
    /// A passwordless login.
    Authentication,
}

impl CeremonyKind {
    /// Its name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Authentication => "authentication",
        }
    }
}

/// A challenge waiting for its response: single use, short lived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// The challenge, base64url as the browser echoes it in `clientDataJSON`.
    pub challenge: String,
    /// What it is for.
    pub kind: CeremonyKind,
    /// The user registering; `None` for a login, which names nobody.
    pub user_id: Option<UserId>,
    /// The relying party's state for the ceremony: opaque here.
    pub state: String,
    /// When it stops working.
    pub expires: Timestamp,
}
