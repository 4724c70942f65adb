use std::fmt;

use crate::InvalidValue;
use crate::trimmed_text::trimmed_text;

/// A phone number: an optional leading `+`, then digits, 12 characters at most.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The longest number accepted, in characters, `+` included.
    pub const MAX_CHARS: usize = 12;

    /// Parses user input, trimming surrounding whitespace first.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = trimmed_text(input, Self::MAX_CHARS, false)?;
        let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::PhoneNumber);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Rebuilds a number that was valid when it was stored.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_international_form() {
        assert_eq!(
            PhoneNumber::parse("+15551234567").unwrap().as_str(),
            "+15551234567"
        );
    }

    #[test]
    fn accepts_digits_without_plus() {
        assert!(PhoneNumber::parse("0612345678").is_ok());
    }

    #[test]
    fn refuses_letters_spaces_and_a_lone_plus() {
        for bad in ["555-1234", "+1 555 1234", "abc", "+", "++1234", "1+234"] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(InvalidValue::PhoneNumber),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_more_than_12_characters() {
        assert_eq!(
            PhoneNumber::parse("+1234567890123"),
            Err(InvalidValue::TooLong { max: 12 })
        );
    }

    #[test]
    fn blank_is_refused_as_blank() {
        assert_eq!(PhoneNumber::parse(" "), Err(InvalidValue::Blank));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in "\\PC{0,40}") {
            let _ = PhoneNumber::parse(&input);
        }

        #[test]
        fn every_plus_and_digits_up_to_12_is_accepted(plus in proptest::bool::ANY, digits in "[0-9]{1,11}") {
            let input = if plus { format!("+{digits}") } else { digits };
            prop_assert_eq!(PhoneNumber::parse(&input).map(|p| p.as_str().to_owned()), Ok(input));
        }

        #[test]
        fn anything_with_a_non_digit_after_the_plus_is_refused(
            prefix in "[0-9]{0,5}", bad in "[^0-9+\\s]", suffix in "[0-9]{0,5}",
        ) {
            let input = format!("{prefix}{bad}{suffix}");
            prop_assert!(PhoneNumber::parse(&input).is_err());
        }
    }
}
