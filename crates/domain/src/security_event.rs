//! The security event log: what happened to an account, when, from where and
//! by whom. An event's detail never holds a secret (no password, key, code or
//! hash): the types below have no place for one.

use crate::{Email, Scopes, Timestamp, TokenId, UserId};

crate::id::uuid_id!(
    /// The identity of a recorded event (also its webhook delivery's id).
    EventId
);

/// Where a request came from, as the HTTP edge saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// The client IP, as the throttles see it.
    pub ip: Option<String>,
    /// The `User-Agent` header, when one was sent.
    pub user_agent: Option<String>,
}

/// How a login proved who it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    /// Email and password.
    Password,
    /// Email and password, then a TOTP code.
    Totp,
    /// Email and password, then a recovery code.
    RecoveryCode,
    /// A passkey.
    Passkey,
}

impl LoginMethod {
    /// Its name in an event's detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
            Self::Passkey => "passkey",
        }
    }
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown email, wrong password or inactive user: one reason, as the
    /// answer does not tell them apart either.
    InvalidCredentials,
    /// The right password for an address not yet verified (mandatory mode).
    Unverified,
    /// A wrong code at the second step.
    SecondFactor,
    /// A passkey response that does not verify.
    Passkey,
}

impl LoginFailure {
    /// Its name in an event's detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unverified => "unverified",
            Self::SecondFactor => "second_factor",
            Self::Passkey => "passkey",
        }
    }
}

/// Through what a token was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokedVia {
    /// `DELETE /api/me/tokens/{id}`.
    Api,
    /// `POST /api/oauth/revoke` (RFC 7009), by whoever held the key.
    RevocationEndpoint,
}

impl RevokedVia {
    /// Its name in an event's detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::RevocationEndpoint => "revocation_endpoint",
        }
    }
}

/// What happened, with the detail each kind carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A signup.
    UserSignedUp,
    /// A login that issued a token.
    LoginSucceeded {
        /// How it proved who it was.
        method: LoginMethod,
    },
    /// A login refused for its credentials.
    LoginFailed {
        /// Why.
        reason: LoginFailure,
        /// The normalized address the attempt named, when it named one.
        email: Option<String>,
    },
    /// `POST /api/logout`.
    Logout,
    /// `POST /api/logoutall`.
    LogoutAll,
    /// A personal token made.
    TokenCreated {
        /// Its name.
        name: String,
        /// What it may do.
        scopes: Scopes,
    },
    /// A token revoked one by one.
    TokenRevoked {
        /// Through what.
        via: RevokedVia,
    },
    /// The user changed its password (or an operator set it).
    PasswordChanged,
    /// A password reset confirmed.
    PasswordReset,
    /// A well-formed password reset request, whether or not an account has
    /// the address.
    PasswordResetRequested,
    /// An address verified.
    EmailVerified,
    /// The account moved to a new address.
    EmailChanged {
        /// The address before.
        from: Email,
        /// The address now.
        to: Email,
    },
    /// A profile or an account's flags changed.
    UserUpdated {
        /// The fields that changed, in the user representation's order.
        fields: Vec<&'static str>,
    },
    /// An account deleted.
    UserDeleted {
        /// Its address, for the audit trail once the account is gone.
        email: Email,
    },
    /// TOTP confirmed: logins ask for a second factor.
    MfaEnabled,
    /// TOTP and recovery codes removed (by the user, staff or the CLI).
    MfaDisabled,
    /// A new set of recovery codes replaced the old.
    MfaRecoveryCodesRegenerated,
    /// A recovery code was spent.
    MfaRecoveryCodeUsed,
    /// A passkey registered.
    PasskeyAdded {
        /// The name its user gave it.
        name: String,
    },
    /// A passkey deleted.
    PasskeyRemoved {
        /// The name its user gave it.
        name: String,
    },
}

/// One value of an event's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailValue {
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
}

impl EventKind {
    /// Every type name, as the contract spells them (for filters).
    pub const TYPES: [&'static str; 20] = [
        "user.signed_up",
        "login.succeeded",
        "login.failed",
        "logout",
        "logout_all",
        "token.created",
        "token.revoked",
        "password.changed",
        "password.reset",
        "password.reset_requested",
        "email.verified",
        "email.changed",
        "user.updated",
        "user.deleted",
        "mfa.enabled",
        "mfa.disabled",
        "mfa.recovery_codes_regenerated",
        "mfa.recovery_code_used",
        "passkey.added",
        "passkey.removed",
    ];

    /// The event's type, as the contract spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::UserSignedUp => "user.signed_up",
            Self::LoginSucceeded { .. } => "login.succeeded",
            Self::LoginFailed { .. } => "login.failed",
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::TokenCreated { .. } => "token.created",
            Self::TokenRevoked { .. } => "token.revoked",
            Self::PasswordChanged => "password.changed",
            Self::PasswordReset => "password.reset",
            Self::PasswordResetRequested => "password.reset_requested",
            Self::EmailVerified => "email.verified",
            Self::EmailChanged { .. } => "email.changed",
            Self::UserUpdated { .. } => "user.updated",
            Self::UserDeleted { .. } => "user.deleted",
            Self::MfaEnabled => "mfa.enabled",
            Self::MfaDisabled => "mfa.disabled",
            Self::MfaRecoveryCodesRegenerated => "mfa.recovery_codes_regenerated",
            Self::MfaRecoveryCodeUsed => "mfa.recovery_code_used",
            Self::PasskeyAdded { .. } => "passkey.added",
            Self::PasskeyRemoved { .. } => "passkey.removed",
        }
    }

    /// The detail object's members, in order.
    pub fn detail(&self) -> Vec<(&'static str, DetailValue)> {
        let text = |value: &str| DetailValue::Text(value.to_owned());
        match self {
            Self::LoginSucceeded { method } => vec![("method", text(method.as_str()))],
            Self::LoginFailed { reason, email } => {
                let mut detail = vec![("reason", text(reason.as_str()))];
                if let Some(email) = email {
                    detail.push(("email", text(email)));
                }
                detail
            }
            Self::TokenCreated { name, scopes } => vec![
                ("name", text(name)),
                (
                    "scopes",
                    DetailValue::List(scopes.iter().map(|s| s.as_str().to_owned()).collect()),
                ),
            ],
            Self::TokenRevoked { via } => vec![("via", text(via.as_str()))],
            Self::EmailChanged { from, to } => {
                vec![("from", text(from.as_str())), ("to", text(to.as_str()))]
            }
            Self::UserUpdated { fields } => vec![(
                "fields",
                DetailValue::List(fields.iter().map(|f| (*f).to_owned()).collect()),
            )],
            Self::UserDeleted { email } => vec![("email", text(email.as_str()))],
            Self::PasskeyAdded { name } | Self::PasskeyRemoved { name } => {
                vec![("name", text(name))]
            }
            Self::UserSignedUp
            | Self::Logout
            | Self::LogoutAll
            | Self::PasswordChanged
            | Self::PasswordReset
            | Self::PasswordResetRequested
            | Self::EmailVerified
            | Self::MfaEnabled
            | Self::MfaDisabled
            | Self::MfaRecoveryCodesRegenerated
            | Self::MfaRecoveryCodeUsed => Vec::new(),
        }
    }
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    /// Its identity.
    pub id: EventId,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub created: Timestamp,
    /// Whose account; `None` when no account matched.
    pub user_id: Option<UserId>,
    /// The staff user who acted on someone else's account.
    pub actor_id: Option<UserId>,
    /// Where the request came from.
    pub origin: RequestOrigin,
    /// The token used, created or revoked.
    pub token_id: Option<TokenId>,
}

impl SecurityEvent {
    /// An event of `kind` on `user`'s account at `created`, from `origin`,
    /// with no actor or token (add them with the struct's fields).
    pub fn new(
        kind: EventKind,
        user_id: Option<UserId>,
        origin: &RequestOrigin,
        created: Timestamp,
    ) -> Self {
        Self {
            id: EventId::new_random(),
            kind,
            created,
            user_id,
            actor_id: None,
            origin: origin.clone(),
            token_id: None,
        }
    }

    /// The same event, naming the token used, created or revoked (none
    /// when the request came with a JWT, which is no stored token).
    pub fn with_token(mut self, token_id: impl Into<Option<TokenId>>) -> Self {
        self.token_id = token_id.into();
        self
    }

    /// The same event, naming the staff user who acted, when that is not
    /// the account's own user.
    pub fn acted_by(mut self, actor: UserId) -> Self {
        if self.user_id != Some(actor) {
            self.actor_id = Some(actor);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_in_the_types_list() {
        let kinds = [
            EventKind::UserSignedUp,
            EventKind::Logout,
            EventKind::LogoutAll,
            EventKind::PasswordChanged,
            EventKind::PasswordReset,
            EventKind::PasswordResetRequested,
            EventKind::EmailVerified,
            EventKind::MfaEnabled,
            EventKind::MfaDisabled,
            EventKind::MfaRecoveryCodesRegenerated,
            EventKind::MfaRecoveryCodeUsed,
        ];
        for kind in kinds {
            assert!(EventKind::TYPES.contains(&kind.type_name()));
            assert!(kind.detail().is_empty());
        }
    }

    #[test]
    fn a_failed_login_names_the_address_only_when_one_was_sent() {
        let without = EventKind::LoginFailed {
            reason: LoginFailure::InvalidCredentials,
            email: None,
        };
        assert_eq!(without.detail().len(), 1);
    }

    #[test]
    fn an_actor_is_only_someone_else() {
        let user = UserId::new_random();
        let own = SecurityEvent::new(
            EventKind::UserSignedUp,
            Some(user),
            &RequestOrigin::default(),
            chrono::Utc::now(),
        );
        assert_eq!(own.clone().acted_by(user).actor_id, None);
        let staff = UserId::new_random();
        assert_eq!(own.acted_by(staff).actor_id, Some(staff));
    }
}
