//! Who may call an endpoint, and with which kind of token: declared per
//! endpoint in [`crate::endpoints`], read by the router, `OPTIONS` and the
//! OpenAPI document.

use actix_web::http::Method;
use tokenauth_application::Authenticated;
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

impl TokenRule {
    /// Whether the authenticated token may take the operation: session-only
    /// operations refuse personal tokens, scoped ones need the scope.
    pub(crate) fn permits<Who>(self, session: &Authenticated<Who>) -> bool {
        match self {
            Self::None | Self::AnyToken => true,
            Self::SessionOnly => session.is_session(),
            Self::Scope(scope) => session.holds(scope),
        }
    }
}

/// The token rule of each method of one endpoint, attached to its actix
/// resource so that authentication can apply the rule of the operation the
/// request was routed to.
#[derive(Debug, Clone)]
pub(crate) struct TokenRules(pub(crate) Vec<(Method, TokenRule)>);

impl TokenRules {
    /// The rule of `method`'s operation (`HEAD` is `GET`'s); `None` when the
    /// method is not declared.
    pub(crate) fn of(&self, method: &Method) -> Option<TokenRule> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0
            .iter()
            .find(|(declared, _)| declared == method)
            .map(|(_, rule)| *rule)
    }
}
