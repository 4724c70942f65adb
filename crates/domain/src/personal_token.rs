//! What makes a personal token different from a login (session) token: a
//! name its user gave it, the scopes it is limited to, and a fixed lifetime.

use chrono::TimeDelta;

use crate::{InvalidValue, Scopes, Timestamp};

/// Which kind a stored token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// Issued by login: holds every scope, rotates with later logins, and its
    /// expiry slides with use.
    Session,
    /// Made by its user for a script: limited to its scopes, never rotated,
    /// expires at a fixed instant (or never).
    Personal {
        /// What its user called it.
        name: TokenName,
        /// What it may do.
        scopes: Scopes,
    },
}

impl TokenKind {
    /// The kind's name on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Personal { .. } => "personal",
        }
    }

    /// What a token of this kind may do.
    pub fn scopes(&self) -> Scopes {
        match self {
            Self::Session => Scopes::ALL,
            Self::Personal { scopes, .. } => *scopes,
        }
    }

    /// True for a login token.
    pub fn is_session(&self) -> bool {
        matches!(self, Self::Session)
    }
}

/// A personal token's name: trimmed, not blank, 100 characters at most.
pub type TokenName = crate::Label;

/// How many days a personal token lives: 1 to 366.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDays(u16);

impl TokenDays {
    /// The shortest lifetime, in days.
    pub const MIN: i64 = 1;
    /// The longest lifetime, in days: a year, leap day included.
    pub const MAX: i64 = 366;
    /// The lifetime when none is asked for.
    pub const DEFAULT: Self = Self(30);

    /// Checks a number of days against the limits.
    pub fn new(days: i64) -> Result<Self, InvalidValue> {
        if days < Self::MIN {
            return Err(InvalidValue::TooSmall { min: Self::MIN });
        }
        if days > Self::MAX {
            return Err(InvalidValue::TooLarge { max: Self::MAX });
        }
        u16::try_from(days)
            .map(Self)
            .map_err(|_| InvalidValue::TooLarge { max: Self::MAX })
    }

    /// The expiry of a token made at `now` to live this long.
    pub fn expiry_from(self, now: Timestamp) -> Option<Timestamp> {
        now.checked_add_signed(TimeDelta::days(i64::from(self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scope;

    #[test]
    fn names_are_trimmed_and_not_blank() {
        assert_eq!(TokenName::parse("  ci  ").unwrap().as_str(), "ci");
        assert_eq!(TokenName::parse("   "), Err(InvalidValue::Blank));
    }

    #[test]
    fn names_hold_at_most_100_characters() {
        assert!(TokenName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            TokenName::parse(&"é".repeat(101)),
            Err(InvalidValue::TooLong { max: 100 })
        );
    }

    #[test]
    fn days_run_from_1_to_366() {
        assert_eq!(TokenDays::new(0), Err(InvalidValue::TooSmall { min: 1 }));
        assert_eq!(
            TokenDays::new(367),
            Err(InvalidValue::TooLarge { max: 366 })
        );
        assert_eq!(
            TokenDays::new(i64::MAX),
            Err(InvalidValue::TooLarge { max: 366 })
        );
        assert!(TokenDays::new(1).is_ok() && TokenDays::new(366).is_ok());
    }

    #[test]
    fn a_session_holds_every_scope_and_a_personal_token_its_own() {
        assert_eq!(TokenKind::Session.scopes(), Scopes::ALL);
        let personal = TokenKind::Personal {
            name: TokenName::parse("ci").unwrap(),
            scopes: Scopes::NONE.with(Scope::AccountRead),
        };
        assert_eq!(personal.scopes().to_string(), "account:read");
        assert_eq!(personal.as_str(), "personal");
    }
}
