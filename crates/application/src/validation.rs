//! Field-level validation errors, gathered for every failing field at once.

use tokenauth_domain::InvalidValue;

use crate::FieldValue;

/// Why one field was refused. `Display` gives the contract's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A required field was not sent.
    #[error("This field is required.")]
    Required,
    /// The field was sent as `null`.
    #[error("This field may not be null.")]
    Null,
    /// The field was sent as a boolean, array or object.
    #[error("Not a valid string.")]
    NotAString,
    /// A boolean field was sent something that is not one.
    #[error("Must be a valid boolean.")]
    NotABoolean,
    /// The value broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// Signup with an email that already has an account.
    #[error("user with this email already exists.")]
    EmailTaken,
    /// The text holds a NUL character, which no database column accepts.
    #[error("Null characters are not allowed.")]
    NullCharacters,
    /// A list field was sent something that is not a list (the Python type name).
    #[error("Expected a list of items but got type \"{0}\".")]
    NotAList(&'static str),
    /// A list of choices was sent empty.
    #[error("This selection may not be empty.")]
    EmptySelection,
    /// An item that is none of the choices, as Python's `str()` writes it.
    #[error("\"{0}\" is not a valid choice.")]
    InvalidChoice(String),
    /// An integer field was sent something that is not an integer.
    #[error("A valid integer is required.")]
    NotAnInteger,
    /// A number sent as text longer than anyone would write one.
    #[error("String value too large.")]
    StringTooLarge,
    /// A mailed key that is unknown, used, expired or malformed, or whose
    /// user is no longer active.
    #[error("Invalid or expired token.")]
    InvalidOrExpiredKey,
    /// The current password given to confirm a change is wrong.
    #[error("Invalid password.")]
    WrongPassword,
    /// A date and time that RFC 3339 does not read.
    #[error("Enter a valid date/time.")]
    InvalidDateTime,
    /// A second-factor code that is wrong, spent, or of a step not later
    /// than the last one accepted.
    #[error("Invalid code.")]
    InvalidCode,
    /// A WebAuthn registration response that does not verify, or whose
    /// credential is registered already.
    #[error("Invalid passkey response.")]
    InvalidPasskeyResponse,
    /// An id that is not a UUID.
    #[error("Enter a valid UUID.")]
    InvalidUuid,
}

/// Every failing field with its reasons, in the order the fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    fields: Vec<(&'static str, Vec<FieldError>)>,
}

impl ValidationErrors {
    /// An error for a single field.
    pub fn single(field: &'static str, error: FieldError) -> Self {
        let mut errors = Self::default();
        errors.add(field, vec![error]);
        errors
    }

    /// Records reasons for a field.
    pub fn add(&mut self, field: &'static str, errors: Vec<FieldError>) {
        if errors.is_empty() {
            return;
        }
        match self.fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, existing)) => existing.extend(errors),
            None => self.fields.push((field, errors)),
        }
    }

    /// Appends `other`'s fields after these.
    pub fn extend(&mut self, other: Self) {
        for (field, errors) in other.fields {
            self.add(field, errors);
        }
    }

    /// Parses a field with `parse` when it holds text, recording why not otherwise.
    /// A missing field is an error only when `required`; then `None` is returned.
    pub fn parse<T>(
        &mut self,
        field: &'static str,
        value: &FieldValue,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        let text = match value {
            FieldValue::Text(text) if text.contains('\0') => {
                return self.refuse(field, FieldError::NullCharacters);
            }
            FieldValue::Text(text) => text,
            FieldValue::Missing if !required => return None,
            FieldValue::Missing => return self.refuse(field, FieldError::Required),
            FieldValue::Null => return self.refuse(field, FieldError::Null),
            FieldValue::Bool(_) | FieldValue::NotText => {
                return self.refuse(field, FieldError::NotAString);
            }
        };
        match parse(text) {
            Ok(parsed) => Some(parsed),
            Err(invalid) => self.refuse(field, FieldError::Invalid(invalid)),
        }
    }

    /// Reads an optional boolean field as DRF's `BooleanField` does: JSON
    /// booleans, and the texts `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`
    /// in any common case.
    pub fn parse_bool(&mut self, field: &'static str, value: &FieldValue) -> Option<bool> {
        match value {
            FieldValue::Missing => None,
            FieldValue::Null => self.refuse(field, FieldError::Null),
            FieldValue::Bool(value) => Some(*value),
            FieldValue::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
                "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
                _ => self.refuse(field, FieldError::NotABoolean),
            },
            FieldValue::NotText => self.refuse(field, FieldError::NotABoolean),
        }
    }

    /// Reads an integer field as DRF's `IntegerField` does: a JSON integer,
    /// a float with nothing after the point, or text holding one (`" 7 "`,
    /// `"7.0"`). `Missing` and `Null` are the caller's to judge: `None` here.
    pub fn parse_integer(&mut self, field: &'static str, value: &FieldValue) -> Option<i64> {
        /// DRF's `IntegerField.MAX_STRING_LENGTH`.
        const MAX_TEXT: usize = 1000;
        let text = match value {
            FieldValue::Missing | FieldValue::Null => return None,
            FieldValue::Text(text) if text.len() > MAX_TEXT => {
                return self.refuse(field, FieldError::StringTooLarge);
            }
            FieldValue::Text(text) => text,
            FieldValue::Bool(_) | FieldValue::NotText => {
                return self.refuse(field, FieldError::NotAnInteger);
            }
        };
        // DRF drops a trailing `.0…` (and whitespace) before Python's int().
        let text = text.trim_end();
        let whole = match text.rfind('.') {
            Some(point) if text[point + 1..].bytes().all(|b| b == b'0') => &text[..point],
            _ => text,
        };
        let digits = whole.trim_start();
        let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return self.refuse(field, FieldError::NotAnInteger);
        }
        // Past i64 is past any limit a field sets; saturate so the range check
        // names the right bound.
        Some(digits.parse::<i64>().unwrap_or(if digits.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        }))
    }

    fn refuse<T>(&mut self, field: &'static str, error: FieldError) -> Option<T> {
        self.add(field, vec![error]);
        None
    }

    /// True when no field failed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The failing fields and their reasons.
    pub fn fields(&self) -> &[(&'static str, Vec<FieldError>)] {
        &self.fields
    }

    /// `Ok(value)` when nothing failed, else the errors.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// DRF's `CharField` with `allow_blank=False`: whitespace alone is blank.
pub(crate) fn not_blank(text: &str) -> Result<String, InvalidValue> {
    if text.trim().is_empty() {
        Err(InvalidValue::Blank)
    } else {
        Ok(text.to_owned())
    }
}
