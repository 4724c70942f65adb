use std::fmt;

use crate::InvalidValue;
use crate::trimmed_text::trimmed_text;

/// A first or last name: optional (empty is allowed), trimmed, 150 characters at most.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 150;

    /// Parses user input, trimming surrounding whitespace first.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        trimmed_text(input, Self::MAX_CHARS, true).map(|name| Self(name.to_owned()))
    }

    /// Rebuilds a name that was valid when it was stored.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    /// The name as text; empty when none was given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PersonName").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_allowed() {
        assert_eq!(PersonName::parse("").unwrap().as_str(), "");
    }

    #[test]
    fn is_trimmed() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(PersonName::parse(&"é".repeat(150)).is_ok());
        assert_eq!(
            PersonName::parse(&"é".repeat(151)),
            Err(InvalidValue::TooLong { max: 150 })
        );
    }
}
