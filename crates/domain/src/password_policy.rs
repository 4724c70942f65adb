use crate::{InvalidValue, NewPassword, Password, UserAttribute};

/// The password rules of the contract, which are Django's default validators
/// plus bcrypt's 72-byte input limit.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    min_chars: usize,
    max_similarity: f64,
}

/// The user's own values a password must not resemble.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserAttributes<'a> {
    /// The email address.
    pub email: &'a str,
    /// The first name, possibly empty.
    pub first_name: &'a str,
    /// The last name, possibly empty.
    pub last_name: &'a str,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: Self::MIN_CHARS,
            max_similarity: 0.7,
        }
    }
}

impl PasswordPolicy {
    /// bcrypt reads at most this many bytes; longer input is refused rather than truncated.
    pub const MAX_BYTES: usize = 72;

    /// The fewest characters the default policy accepts (Django's default).
    pub const MIN_CHARS: usize = 8;

    /// Judges a password, returning every rule it breaks at once (in Django's
    /// validator order) or the password as accepted.
    pub fn check(
        &self,
        password: Password,
        user: UserAttributes<'_>,
    ) -> Result<NewPassword, Vec<InvalidValue>> {
        let secret = password.expose();
        if secret.is_empty() {
            return Err(vec![InvalidValue::Blank]);
        }
        if secret.len() > Self::MAX_BYTES {
            return Err(vec![InvalidValue::TooManyBytes {
                max: Self::MAX_BYTES,
            }]);
        }
        let mut problems = Vec::new();
        if let Some(attribute) = self.too_similar_to(secret, user) {
            problems.push(InvalidValue::PasswordTooSimilar(attribute));
        }
        if secret.chars().count() < self.min_chars {
            problems.push(InvalidValue::PasswordTooShort {
                min: self.min_chars,
            });
        }
        if is_common(secret) {
            problems.push(InvalidValue::PasswordTooCommon);
        }
        if secret.chars().all(|c| c.is_numeric()) {
            problems.push(InvalidValue::PasswordEntirelyNumeric);
        }
        if problems.is_empty() {
            Ok(NewPassword::accepted(password))
        } else {
            Err(problems)
        }
    }

    /// Django's `UserAttributeSimilarityValidator`: the password is compared
    /// with each attribute and each of its word-separated parts.
    fn too_similar_to(&self, secret: &str, user: UserAttributes<'_>) -> Option<UserAttribute> {
        let password = secret.to_lowercase();
        let attributes = [
            (UserAttribute::Email, user.email),
            (UserAttribute::FirstName, user.first_name),
            (UserAttribute::LastName, user.last_name),
        ];
        attributes.into_iter().find_map(|(attribute, value)| {
            if value.is_empty() {
                return None;
            }
            let value = value.to_lowercase();
            let similar = value
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .chain(std::iter::once(value.as_str()))
                .filter(|part| !part.is_empty())
                .filter(|part| !self.exceeds_length_ratio(&password, part))
                .any(|part| quick_ratio(&password, part) >= self.max_similarity);
            similar.then_some(attribute)
        })
    }

    /// A password much longer than a short attribute value cannot be "similar"
    /// to it; Django skips such pairs rather than let short names block passwords.
    fn exceeds_length_ratio(&self, password: &str, value: &str) -> bool {
        let password_len = password.chars().count() as f64;
        let value_len = value.chars().count() as f64;
        password_len >= 10.0 * value_len && value_len < self.max_similarity / 2.0 * password_len
    }
}

/// `difflib.SequenceMatcher.quick_ratio`: twice the shared characters (as
/// multisets) over the total length.
fn quick_ratio(a: &str, b: &str) -> f64 {
    use std::collections::HashMap;
    let mut available: HashMap<char, usize> = HashMap::new();
    for c in b.chars() {
        *available.entry(c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a.chars() {
        if let Some(n) = available.get_mut(&c).filter(|n| **n > 0) {
            *n -= 1;
            matches += 1;
        }
    }
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        1.0
    } else {
        2.0 * matches as f64 / total as f64
    }
}

/// Common means: the whole password, lowercased, is an entry of zxcvbn's list
/// of the 30,000 most used passwords (as Django checks its own 20,000).
fn is_common(secret: &str) -> bool {
    let lowered = secret.trim().to_lowercase();
    if lowered.is_empty() {
        return false;
    }
    let entropy = zxcvbn::zxcvbn(&lowered, &[]);
    match entropy.sequence() {
        [only] => match &only.pattern {
            zxcvbn::matching::patterns::MatchPattern::Dictionary(word) => {
                only.token == lowered
                    && !word.reversed
                    && word.sub.is_none()
                    && format!("{:?}", word.dictionary_name) == "Passwords"
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(secret: &str) -> Result<NewPassword, Vec<InvalidValue>> {
        PasswordPolicy::default().check(
            Password::new(secret.into()),
            UserAttributes {
                email: "ada.lovelace@example.com",
                first_name: "Ada",
                last_name: "Lovelace",
            },
        )
    }

    #[test]
    fn accepts_a_long_unusual_password() {
        assert!(check("correct-horse-battery-staple").is_ok());
    }

    #[test]
    fn refuses_short_passwords() {
        assert_eq!(
            check("x7#kQ2").err(),
            Some(vec![InvalidValue::PasswordTooShort { min: 8 }])
        );
    }

    #[test]
    fn refuses_more_than_72_bytes_without_truncating() {
        let seventy_three = "é".repeat(36) + "x";
        assert_eq!(
            check(&seventy_three).err(),
            Some(vec![InvalidValue::TooManyBytes { max: 72 }])
        );
        assert!(check(&("é".repeat(35) + "xy")).is_ok());
    }

    #[test]
    fn refuses_common_passwords_from_the_shipped_list() {
        for common in [
            "password",
            "Password",
            "qwertyuiop",
            "iloveyou",
            "sunshine",
            "football",
        ] {
            let problems = check(common).err().unwrap_or_default();
            assert!(
                problems.contains(&InvalidValue::PasswordTooCommon),
                "{common}"
            );
        }
    }

    #[test]
    fn a_common_word_inside_a_longer_password_is_not_common() {
        assert!(check("password-of-mine-7781").is_ok());
    }

    #[test]
    fn refuses_entirely_numeric_passwords_with_every_reason() {
        assert_eq!(
            check("12345678").err(),
            Some(vec![
                InvalidValue::PasswordTooCommon,
                InvalidValue::PasswordEntirelyNumeric
            ])
        );
        assert_eq!(
            check("4711").err(),
            Some(vec![
                InvalidValue::PasswordTooShort { min: 8 },
                InvalidValue::PasswordEntirelyNumeric
            ])
        );
    }

    #[test]
    fn refuses_passwords_similar_to_the_email() {
        assert_eq!(
            check("adalovelace").err().unwrap_or_default().first(),
            Some(&InvalidValue::PasswordTooSimilar(UserAttribute::Email))
        );
    }

    #[test]
    fn refuses_passwords_similar_to_the_names() {
        let policy = PasswordPolicy::default();
        let user = UserAttributes {
            email: "x@example.com",
            first_name: "Bartholomew",
            last_name: "Featherstone",
        };
        let first = policy.check(Password::new("bartholomew1".into()), user);
        assert_eq!(
            first.err().unwrap_or_default(),
            vec![InvalidValue::PasswordTooSimilar(UserAttribute::FirstName)]
        );
        let last = policy.check(Password::new("Featherstone!".into()), user);
        assert_eq!(
            last.err().unwrap_or_default(),
            vec![InvalidValue::PasswordTooSimilar(UserAttribute::LastName)]
        );
    }

    #[test]
    fn quick_ratio_matches_python() {
        // difflib.SequenceMatcher(a="abcd", b="bcde").quick_ratio() == 0.75
        assert!((quick_ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn never_panics(secret in "\\PC{0,100}") {
            let _ = check(&secret);
        }

        #[test]
        fn accepted_passwords_fit_bcrypt(secret in "\\PC{0,100}") {
            if let Ok(accepted) = check(&secret) {
                prop_assert!(accepted.as_password().expose().len() <= PasswordPolicy::MAX_BYTES);
                prop_assert!(accepted.as_password().expose().chars().count() >= 8);
            }
        }
    }
}
