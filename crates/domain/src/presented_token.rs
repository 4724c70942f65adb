use crate::{AuthToken, Scopes, Timestamp, TokenId, TokenKind};

/// A token as a request presents it: what authenticating the request reads
/// and may change (its kind, expiry and last use), its issue time (which
/// introspection reports), and the id to write that use back under.
///
/// The stored record's owner and digest are left out: the request path
/// knows the owner from the user it read and the digest from the key it was
/// given. Every protected request reads one of these, so what it leaves out
/// is not read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedToken {
    /// Its identity.
    pub id: TokenId,
    /// A session (login) token or a personal one, with its name and scopes.
    pub kind: TokenKind,
    /// When it was issued.
    pub created: Timestamp,
    /// When it stops working; `None` when it never expires.
    pub expires: Option<Timestamp>,
    /// When it last authenticated a request, to the minute (see
    /// [`crate::TokenLifetime`]); `None` until its first use.
    pub last_used: Option<Timestamp>,
}

impl PresentedToken {
    /// What the token may do: every scope for a session token.
    pub fn scopes(&self) -> Scopes {
        self.kind.scopes()
    }
}

impl From<AuthToken> for PresentedToken {
    fn from(token: AuthToken) -> Self {
        Self {
            id: token.id,
            created: token.created,
            kind: token.kind,
            expires: token.expires,
            last_used: token.last_used,
        }
    }
}
