//! A name a user gives something of its own (a personal token, a passkey)
//! so as to tell it apart in a list: trimmed, not blank, 100 characters at
//! most.

use std::fmt;

use crate::InvalidValue;
use crate::trimmed_text::trimmed_text;

/// A user-given name: trimmed, not blank, 100 characters at most.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Label(String);

impl Label {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses user input, trimming surrounding whitespace first.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        trimmed_text(input, Self::MAX_CHARS, false).map(|name| Self(name.to_owned()))
    }

    /// Rebuilds a name that was valid when it was stored.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Label").field(&self.0).finish()
    }
}
