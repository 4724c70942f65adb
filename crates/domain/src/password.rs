use std::fmt;

/// A password as typed by a person. It never prints itself: `Debug` is redacted
/// and there is no `Display`, so it cannot reach a log or an error body by accident.
#[derive(Clone)]
pub struct Password(String);

/// A password that passed the [`PasswordPolicy`](crate::PasswordPolicy): the only
/// kind that may be hashed and stored.
#[derive(Clone)]
pub struct NewPassword(Password);

impl Password {
    /// Wraps a secret; any text is a password until a policy judges it.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the hasher alone.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for the empty password.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl NewPassword {
    /// Only the policy vouches for a password.
    pub(crate) fn accepted(password: Password) -> Self {
        Self(password)
    }

    /// The accepted password.
    pub fn as_password(&self) -> &Password {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("hunter2-secret".into());
        assert!(!format!("{password:?}").contains("hunter2"));
        let accepted = NewPassword::accepted(password);
        assert!(!format!("{accepted:?}").contains("hunter2"));
    }
}
