use tokenauth_application::{HashingError, PasswordHasher};
use tokenauth_domain::{NewPassword, Password, PasswordHash, PasswordPolicy};

/// bcrypt at a configured work factor.
///
/// It limits nothing itself: the server runs every hash on its hashing
/// threads (one per core), which is the one bound on concurrent hashes; the
/// command line hashes once per run.
#[derive(Debug, Clone, Copy)]
pub struct BcryptHasher {
    cost: u32,
}

impl BcryptHasher {
    /// A hasher at `cost` (4 to 31; 12 is bcrypt's and the contract's default).
    pub fn new(cost: u32) -> Self {
        Self { cost }
    }
}

impl PasswordHasher for BcryptHasher {
    fn hash(&self, password: &NewPassword) -> Result<PasswordHash, HashingError> {
        let _span = tracing::debug_span!("bcrypt.hash", cost = i64::from(self.cost)).entered();
        bcrypt::hash(password.as_password().expose(), self.cost)
            .map(PasswordHash::new)
            .map_err(|error| HashingError(error.to_string()))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let _span = tracing::debug_span!("bcrypt.verify").entered();
        let matches = bcrypt::verify(password.expose(), hash.as_str()).unwrap_or(false);
        // bcrypt would compare only the first 72 bytes; a longer password
        // was never accepted, so it can never be the right one.
        matches && password.expose().len() <= PasswordPolicy::MAX_BYTES
    }
}

#[cfg(test)]
mod tests {
    use tokenauth_domain::UserAttributes;

    use super::*;

    fn accepted(text: &str) -> NewPassword {
        PasswordPolicy::default()
            .check(Password::new(text.into()), UserAttributes::default())
            .unwrap()
    }

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let hasher = BcryptHasher::new(4);
        let hash = hasher.hash(&accepted("kestrel-Harbor-91")).unwrap();
        assert!(hasher.verify(&Password::new("kestrel-Harbor-91".into()), &hash));
        assert!(!hasher.verify(&Password::new("kestrel-Harbor-92".into()), &hash));
    }

    #[test]
    fn a_malformed_hash_verifies_nothing() {
        let hasher = BcryptHasher::new(4);
        let hash = PasswordHash::new("not-a-bcrypt-hash".into());
        assert!(!hasher.verify(&Password::new("kestrel-Harbor-91".into()), &hash));
    }

    #[test]
    fn a_password_past_72_bytes_never_verifies_even_if_its_prefix_does() {
        let hasher = BcryptHasher::new(4);
        let prefix = format!("kestrel-Harbor-91{}", "x".repeat(55));
        assert_eq!(prefix.len(), 72);
        let hash = hasher.hash(&accepted(&prefix)).unwrap();
        assert!(!hasher.verify(&Password::new(format!("{prefix}y")), &hash));
    }
}
