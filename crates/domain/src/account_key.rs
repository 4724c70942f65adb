//! Single-use keys sent by mail: a password reset, proof that an address
//! is its user's, or the move of an account to a new address. They follow the token rules: 160 random bits, shown once
//! (in the message), stored only as a SHA-256 digest.

use crate::{Email, Timestamp, TokenDigest, UserId};

crate::id::uuid_id!(
    /// The identity of a stored account key.
    AccountKeyId
);

/// What a mailed key lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// Set a new password without the old one.
    PasswordReset,
    /// Mark the user's address verified.
    EmailVerification,
    /// Move the account to the new address the key was mailed to.
    EmailChange,
}

impl KeyPurpose {
    /// The purpose's name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::EmailChange => "email_change",
        }
    }

    /// The purpose stored under `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::PasswordReset,
            Self::EmailVerification,
            Self::EmailChange,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == name)
    }
}

/// A stored account key: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    /// Its identity.
    pub id: AccountKeyId,
    /// Whose it is.
    pub user_id: UserId,
    /// The SHA-256 of the key.
    pub digest: TokenDigest,
    /// What it is for.
    pub purpose: KeyPurpose,
    /// When it was issued.
    pub created: Timestamp,
    /// When it stops working.
    pub expires: Timestamp,
}

impl AccountKey {
    /// True once its expiry has passed.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires <= now
    }
}

/// A key that moves an account to a new address, with that address: the
/// key alone is not enough, since the address is what it confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChange {
    /// The key, of purpose [`KeyPurpose::EmailChange`].
    pub key: AccountKey,
    /// The address the account moves to once the key comes back.
    pub new_email: Email,
}

#[cfg(test)]
mod tests {
    use super::KeyPurpose;

    #[test]
    fn purposes_read_back_from_their_names() {
        for purpose in [
            KeyPurpose::PasswordReset,
            KeyPurpose::EmailVerification,
            KeyPurpose::EmailChange,
        ] {
            assert_eq!(KeyPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(KeyPurpose::parse("login"), None);
    }
}
