//! Personal access tokens: named, scoped, long-lived keys a user makes for
//! its scripts (`POST /api/me/tokens`).

use std::sync::Arc;

use tokenauth_domain::{
    AuthToken, EventKind, IssuedToken, RequestOrigin, Scope, Scopes, SecurityEvent, TokenDays,
    TokenId, TokenKind, TokenName,
};

use crate::ports::{Clock, KeyGenerationError, RepositoryError, TokenGenerator, TokenRepository};
use crate::validation::{FieldError, ValidationErrors};
use crate::{Authenticated, FieldValue, ListValue};

/// What a client sends to make a personal token.
#[derive(Debug, Clone, Default)]
pub struct PersonalTokenInput {
    /// Required: what the user calls it.
    pub name: FieldValue,
    /// Required: a non-empty list of scope names.
    pub scopes: ListValue,
    /// Optional: days it lives (default 30), or `null` for never.
    pub expires_in_days: FieldValue,
}

/// Why no personal token was made.
#[derive(Debug, thiserror::Error)]
pub enum CreateTokenError {
    /// Fields broke the rules; every failing field is listed.
    #[error("invalid personal token")]
    Invalid(ValidationErrors),
    /// The user was deleted while the request ran.
    #[error("the user no longer exists")]
    UserGone,
    /// Storage failed.
    #[error(transparent)]
    Storage(RepositoryError),
    /// No key could be drawn for the token.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
}

/// Makes personal tokens.
pub struct PersonalTokens {
    tokens: Arc<dyn TokenRepository>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn TokenGenerator>,
}

impl std::fmt::Debug for PersonalTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalTokens")
    }
}

impl PersonalTokens {
    /// Builds the use case over its ports.
    pub fn new(
        tokens: Arc<dyn TokenRepository>,
        clock: Arc<dyn Clock>,
        generator: Arc<dyn TokenGenerator>,
    ) -> Self {
        Self {
            tokens,
            clock,
            generator,
        }
    }

    /// Makes a token for the authenticated user, limited to the scopes asked
    /// for, and returns it with its key (shown this once). Whether the
    /// request's own token may do this (a session token only) is the
    /// caller's rule, declared with the endpoint.
    pub fn create(
        &self,
        session: &Authenticated,
        input: PersonalTokenInput,
        origin: &RequestOrigin,
    ) -> Result<IssuedToken, CreateTokenError> {
        let mut errors = ValidationErrors::default();
        let name = errors.parse("name", &input.name, true, TokenName::parse);
        let scopes = parse_scopes(&mut errors, &input.scopes);
        let days = parse_days(&mut errors, &input.expires_in_days);
        let (Some(name), Some(scopes), Some(days)) = (name, scopes, days) else {
            return Err(CreateTokenError::Invalid(errors));
        };
        let now = self.clock.now();
        let key = self.generator.generate()?;
        let token = AuthToken {
            id: TokenId::new_random(),
            user_id: session.user.id,
            digest: key.digest(),
            created: now,
            kind: TokenKind::Personal {
                name: name.clone(),
                scopes,
            },
            expires: days.and_then(|days| days.expiry_from(now)),
            last_used: None,
            origin: origin.clone(),
        };
        let created = EventKind::TokenCreated {
            name: name.as_str().to_owned(),
            scopes,
        };
        let event =
            SecurityEvent::new(created, Some(session.user.id), origin, now).with_token(token.id);
        match self.tokens.issue_personal(&token, &[event]) {
            Ok(()) => Ok(IssuedToken { key, token }),
            Err(RepositoryError::NotFound) => Err(CreateTokenError::UserGone),
            Err(error) => Err(CreateTokenError::Storage(error)),
        }
    }
}

/// `scopes` as DRF's `MultipleChoiceField` reads it: a list, not empty, each
/// item a scope's exact name (duplicates collapse); the first unknown item is
/// named.
fn parse_scopes(errors: &mut ValidationErrors, value: &ListValue) -> Option<Scopes> {
    let failure = match value {
        ListValue::Missing => FieldError::Required,
        ListValue::Null => FieldError::Null,
        ListValue::NotAList(type_name) => FieldError::NotAList(type_name),
        ListValue::Items(items) if items.is_empty() => FieldError::EmptySelection,
        ListValue::Items(items) => {
            match items
                .iter()
                .map(|item| Scope::parse(item).ok_or(item))
                .collect::<Result<Scopes, _>>()
            {
                Ok(scopes) => return Some(scopes),
                Err(unknown) => FieldError::InvalidChoice(unknown.clone()),
            }
        }
    };
    errors.add("scopes", vec![failure]);
    None
}

/// `expires_in_days`: `Some(None)` for a token that never expires, `None`
/// when the value was refused.
fn parse_days(errors: &mut ValidationErrors, value: &FieldValue) -> Option<Option<TokenDays>> {
    match value {
        FieldValue::Missing => Some(Some(TokenDays::DEFAULT)),
        FieldValue::Null => Some(None),
        _ => {
            let days = errors.parse_integer("expires_in_days", value)?;
            match TokenDays::new(days) {
                Ok(days) => Some(Some(days)),
                Err(invalid) => {
                    errors.add("expires_in_days", vec![FieldError::Invalid(invalid)]);
                    None
                }
            }
        }
    }
}
