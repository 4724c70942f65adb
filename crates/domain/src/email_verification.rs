//! allauth's three modes of email verification (`auth.email_verification`).

/// Whether signup asks users to prove their address, and whether login
/// insists on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerificationMode {
    /// No verification mail; users log in at once.
    #[default]
    None,
    /// Signup sends a verification message; login works either way.
    Optional,
    /// As `Optional`, and an unverified address cannot log in.
    Mandatory,
}

impl VerificationMode {
    /// Whether verification messages are sent at all.
    pub fn sends_mail(self) -> bool {
        self != Self::None
    }

    /// Whether login refuses an unverified address.
    pub fn blocks_login(self) -> bool {
        self == Self::Mandatory
    }
}
