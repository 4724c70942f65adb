//! What a client sent for one field, before any rule is applied.

/// The raw value of one input field, in the terms DRF's parsers give it.
///
/// Transports build it: JSON strings and numbers become [`FieldValue::Text`]
/// (DRF's `CharField` accepts numbers), `null` becomes [`FieldValue::Null`],
/// booleans become [`FieldValue::Bool`], arrays and objects [`FieldValue::NotText`].
#[derive(Clone, Default, PartialEq, Eq)]
pub enum FieldValue {
    /// The field was not sent.
    #[default]
    Missing,
    /// The field was sent as `null`.
    Null,
    /// The field was sent as a boolean.
    Bool(bool),
    /// The field was sent as an array or object.
    NotText,
    /// The field's text.
    Text(String),
}

impl FieldValue {
    /// Wraps text.
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// The text, when the field holds some.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl std::fmt::Debug for FieldValue {
    // Field values include passwords: show their kind, never their text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Null => f.write_str("Null"),
            Self::Bool(value) => write!(f, "Bool({value})"),
            Self::NotText => f.write_str("NotText"),
            Self::Text(text) => write!(f, "Text({} chars)", text.chars().count()),
        }
    }
}
