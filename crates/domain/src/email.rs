use std::fmt;

use validator::ValidateEmail;

use crate::InvalidValue;
use crate::trimmed_text::trimmed_text;

/// A valid email address, normalised as Django's `normalize_email` does:
/// surrounding whitespace removed and the domain part lowercased.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The case-insensitive identity of an email address: the whole address in
/// Unicode lowercase. Two addresses with the same key are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailKey(String);

impl Email {
    /// The longest address accepted, in characters (RFC 5321's path limit).
    pub const MAX_CHARS: usize = 254;

    /// Parses user input: trims it, checks it, lowercases the domain.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = trimmed_text(input, Self::MAX_CHARS, false)?;
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(InvalidValue::Email);
        };
        if !trimmed.validate_email() || !has_public_shape(domain) {
            return Err(InvalidValue::Email);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// Rebuilds an address that was valid when it was stored.
    ///
    /// Storage adapters use this for rows they wrote themselves; anything
    /// typed by a person goes through [`Email::parse`].
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes `A@x.com` and `a@x.com` one account.
    pub fn key(&self) -> EmailKey {
        EmailKey(self.0.to_lowercase())
    }
}

impl EmailKey {
    /// The key for an address typed at login, without validating it: an
    /// address that cannot exist simply matches no account.
    pub fn from_input(input: &str) -> Self {
        Self(input.trim().to_lowercase())
    }

    /// The key as text, as stored in the unique index.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Django accepts a dotted domain, `localhost`, or an address literal; the
/// HTML5 rule the validator crate follows would also take `a@b`.
fn has_public_shape(domain: &str) -> bool {
    domain.contains('.') || domain.eq_ignore_ascii_case("localhost") || domain.starts_with('[')
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Email").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_lowercases_only_the_domain() {
        let email = Email::parse("  John.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "John.Doe@example.com");
    }

    #[test]
    fn key_ignores_case_of_the_whole_address() {
        let a = Email::parse("A@x.com").unwrap();
        let b = Email::parse("a@X.com").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(EmailKey::from_input(" A@X.COM "), a.key());
    }

    #[test]
    fn key_folds_unicode_case() {
        let email = Email::from_trusted("ÉLODIE@exemple.fr".into());
        assert_eq!(email.key().as_str(), "élodie@exemple.fr");
    }

    #[test]
    fn blank_is_refused_as_blank() {
        assert_eq!(Email::parse("   "), Err(InvalidValue::Blank));
    }

    #[test]
    fn missing_at_sign_is_invalid() {
        assert_eq!(Email::parse("not-an-email"), Err(InvalidValue::Email));
    }

    #[test]
    fn domain_without_a_dot_is_invalid() {
        assert_eq!(Email::parse("a@b"), Err(InvalidValue::Email));
        assert!(Email::parse("a@localhost").is_ok());
    }

    #[test]
    fn over_254_characters_is_too_long() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(InvalidValue::TooLong { max: 254 }));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in "\\PC{0,300}") {
            let _ = Email::parse(&input);
        }

        #[test]
        fn parsed_addresses_parse_again_to_themselves(
            local in "[a-zA-Z0-9._%+-]{1,30}",
            domain in "[a-zA-Z][a-zA-Z0-9]{0,20}\\.[a-zA-Z]{2,6}",
        ) {
            let input = format!("{local}@{domain}");
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
                prop_assert!(email.as_str().ends_with(&domain.to_lowercase()));
            }
        }

        #[test]
        fn accepted_addresses_are_never_longer_than_the_limit(input in "[a-z@.]{0,400}") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert!(email.as_str().chars().count() <= Email::MAX_CHARS);
            }
        }
    }
}
