//! Who may call an endpoint, and with which kind of token: declared per
//! endpoint in [`crate::endpoints`], read by the router, `OPTIONS` and the
//! OpenAPI document.

use tokenauth_domain::Scope;

/// Who may call an endpoint at all, as DRF's permission classes say it.
/// `OPTIONS` asks the same of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    /// No token needed.
    Anyone,
    /// Any valid token.
    Authenticated,
    /// A valid token of a staff user.
    Staff,
}

/// The token one operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRule {
    /// No token: the operation is public.
    None,
    /// Any valid token, whatever its kind and scopes.
    AnyToken,
    /// Only a login (session) token.
    SessionOnly,
    /// A session token, or a personal token holding this scope.
    Scope(Scope),
}

impl TokenRule {
    /// Whether the operation needs a token at all.
    pub(crate) fn needs_token(self) -> bool {
        self != Self::None
    }
}
