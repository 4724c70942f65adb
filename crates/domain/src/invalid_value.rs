use std::fmt;

/// Why a value offered for a user field was refused.
///
/// `Display` gives the contract's message for each case, word for word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    /// The value is empty once surrounding whitespace is removed.
    #[error("This field may not be blank.")]
    Blank,
    /// More characters than the field allows.
    #[error("Ensure this field has no more than {max} characters.")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// More UTF-8 bytes than the field allows (passwords: bcrypt reads 72).
    #[error("Ensure this field has no more than {max} bytes.")]
    TooManyBytes {
        /// The limit, in bytes.
        max: usize,
    },
    /// A number below the field's minimum.
    #[error("Ensure this value is greater than or equal to {min}.")]
    TooSmall {
        /// The smallest value accepted.
        min: i64,
    },
    /// A number above the field's maximum.
    #[error("Ensure this value is less than or equal to {max}.")]
    TooLarge {
        /// The largest value accepted.
        max: i64,
    },
    /// Not an email address.
    #[error("Enter a valid email address.")]
    Email,
    /// Not an optional `+` followed by digits.
    #[error("Enter a valid phone number.")]
    PhoneNumber,
    /// A password shorter than the policy's minimum.
    #[error("This password is too short. It must contain at least {min} characters.")]
    PasswordTooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// A password made of digits only.
    #[error("This password is entirely numeric.")]
    PasswordEntirelyNumeric,
    /// A password found in the list of common passwords.
    #[error("This password is too common.")]
    PasswordTooCommon,
    /// A password too close to one of the user's own attributes.
    #[error("The password is too similar to the {0}.")]
    PasswordTooSimilar(UserAttribute),
}

/// The user attributes a password is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAttribute {
    /// The email address.
    Email,
    /// The first name.
    FirstName,
    /// The last name.
    LastName,
}

impl fmt::Display for UserAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Email => "email",
            Self::FirstName => "first name",
            Self::LastName => "last name",
        })
    }
}
