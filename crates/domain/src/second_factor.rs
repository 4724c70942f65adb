//! The second factor: a TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) and
//! single-use recovery codes.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::{Email, Timestamp, TokenDigest, UserId};

/// The secret an authenticator app shares with the service: 160 random bits
/// (RFC 4226's recommended length), written as 32 base32 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; TotpSecret::BYTES]);

/// A TOTP time step (Unix time divided by 30 s): what a code stands for, and
/// what replay protection compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TotpStep(u64);

/// A user's TOTP factor as stored: pending until its first code confirms it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpFactor {
    /// The shared secret.
    pub secret: TotpSecret,
    /// Whether a code confirmed it, so logins ask for it.
    pub enabled: bool,
    /// The last step accepted for the user; no code of it or earlier is
    /// accepted again (RFC 6238 §5.2).
    pub last_step: Option<TotpStep>,
}

/// A recovery code: ten lowercase letters and digits, shown once as
/// `xxxxx-xxxxx`, stored only as a digest.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

/// What a second step was proved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorProof {
    /// A TOTP code of this step.
    Totp(TotpStep),
    /// The recovery code with this digest.
    RecoveryCode(TokenDigest),
}

/// A login waiting for its second step: the `mfa_token` the first step
/// answered, stored as a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    /// The SHA-256 of the `mfa_token`.
    pub digest: TokenDigest,
    /// Whose password matched.
    pub user_id: UserId,
    /// When it stops working.
    pub expires: Timestamp,
    /// Wrong codes so far.
    pub failures: u32,
}

impl TotpFactor {
    /// What `code` proves for this factor at `now`: a TOTP code of a step
    /// later than the last accepted, else something shaped like a recovery
    /// code (whether it is one of the user's, storage tells). `None` when it
    /// can be neither.
    pub fn proof(&self, code: &str, now: Timestamp) -> Option<SecondFactorProof> {
        if let Some(step) = self.secret.matching_step(code, now) {
            return (self.last_step < Some(step)).then_some(SecondFactorProof::Totp(step));
        }
        RecoveryCode::digest_of_input(code).map(SecondFactorProof::RecoveryCode)
    }
}

const STEP_SECONDS: u64 = 30;
const DIGITS: u8 = 6;

impl TotpSecret {
    /// 160 bits.
    pub const BYTES: usize = 20;

    /// A secret from random bytes.
    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        Self(bytes)
    }

    /// Reads a secret back from its base32 form.
    pub fn from_base32(text: &str) -> Option<Self> {
        let bytes = Secret::try_from_base32(text).ok()?;
        Some(Self(bytes.as_ref().try_into().ok()?))
    }

    /// The base32 form (RFC 4648, no padding): 32 characters.
    pub fn to_base32(&self) -> String {
        Secret::from(self.0).to_base32()
    }

    /// The step `code` is for, when it is the code of the step before, at or
    /// after `now`'s (a phone's clock may be a little off).
    pub fn matching_step(&self, code: &str, now: Timestamp) -> Option<TotpStep> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let seconds = u64::try_from(now.timestamp()).ok()?;
        self.totp().check(&code, seconds).map(TotpStep)
    }

    /// The code of `step` (for tests and the bench, which play the phone).
    pub fn code_at(&self, step: TotpStep) -> String {
        self.totp().generate(step.0 * STEP_SECONDS).to_string()
    }

    /// The `otpauth://` URL an authenticator app reads (Google's key URI
    /// format), label and issuer percent-encoded.
    pub fn otpauth_url(&self, issuer: &str, account: &Email) -> String {
        // Everything but unreserved characters, so `:` and `@` inside the
        // parts cannot be read as the label's separator.
        const PART: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let issuer = utf8_percent_encode(issuer, PART).to_string();
        let account = utf8_percent_encode(account.as_str(), PART);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            secret = self.to_base32(),
        )
    }

    fn totp(&self) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(1)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0)
            .build_noncompliant()
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(********)")
    }
}

impl TotpStep {
    /// The step as a number, as stored.
    pub fn value(self) -> u64 {
        self.0
    }

    /// A stored step.
    pub fn from_value(value: u64) -> Self {
        Self(value)
    }

    /// The step `at` falls in.
    pub fn at(at: Timestamp) -> Self {
        Self(u64::try_from(at.timestamp()).unwrap_or_default() / STEP_SECONDS)
    }
}

impl RecoveryCode {
    /// Codes in a set.
    pub const PER_SET: usize = 10;
    const LETTERS: usize = 10;
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

    /// A code from 128 random bits: ten base-36 digits of a number far
    /// larger than 36^10, so every code is as likely as another (to 1 in 10^22).
    pub fn from_entropy(bytes: [u8; 16]) -> Self {
        let mut number = u128::from_le_bytes(bytes);
        let mut code = String::with_capacity(Self::LETTERS + 1);
        for position in 0..Self::LETTERS {
            if position == Self::LETTERS / 2 {
                code.push('-');
            }
            // The alphabet has 36 letters: the remainder always indexes it.
            let index = usize::try_from(number % 36).unwrap_or_default();
            code.push(char::from(Self::ALPHABET[index]));
            number /= 36;
        }
        Self(code)
    }

    /// The code as the user must keep it. Call only to show it once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The digest under which this code is stored.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(self.0.replace('-', "").as_bytes())
    }

    /// The digest of a code as a user typed it (any case, with or without
    /// the dash, spaces around); `None` when it cannot be a code.
    pub fn digest_of_input(typed: &str) -> Option<TokenDigest> {
        let letters: String = typed
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let well_formed =
            letters.len() == Self::LETTERS && letters.bytes().all(|b| Self::ALPHABET.contains(&b));
        well_formed.then(|| TokenDigest::of(letters.as_bytes()))
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*b"12345678901234567890")
    }

    #[test]
    fn codes_are_rfc_6238s_test_vectors() {
        // RFC 6238 Appendix B, SHA-1, last six digits.
        let cases = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
        ];
        for (seconds, code) in cases {
            let at = chrono::Utc.timestamp_opt(seconds, 0).unwrap();
            assert_eq!(rfc_secret().code_at(TotpStep::at(at)), code);
        }
    }

    #[test]
    fn the_steps_around_now_match_and_others_do_not() {
        let now = chrono::Utc.timestamp_opt(1_234_567_890, 0).unwrap();
        let secret = rfc_secret();
        let step = TotpStep::at(now).value();
        for offset in [step - 1, step, step + 1] {
            let code = secret.code_at(TotpStep::from_value(offset));
            assert_eq!(
                secret.matching_step(&code, now),
                Some(TotpStep::from_value(offset))
            );
        }
        let far = secret.code_at(TotpStep::from_value(step + 2));
        assert_eq!(secret.matching_step(&far, now), None);
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("abcdef", now), None);
    }

    #[test]
    fn a_step_not_later_than_the_last_accepted_proves_nothing() {
        let now = chrono::Utc.timestamp_opt(1_234_567_890, 0).unwrap();
        let step = TotpStep::at(now);
        let mut factor = TotpFactor {
            secret: rfc_secret(),
            enabled: true,
            last_step: None,
        };
        let code = factor.secret.code_at(step);
        assert_eq!(
            factor.proof(&code, now),
            Some(SecondFactorProof::Totp(step))
        );
        factor.last_step = Some(step);
        assert_eq!(factor.proof(&code, now), None);
    }

    #[test]
    fn a_secret_is_32_base32_characters_and_reads_back() {
        let secret = TotpSecret::from_bytes([7; 20]);
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        assert_eq!(TotpSecret::from_base32(&text), Some(secret));
    }

    #[test]
    fn the_otpauth_url_encodes_label_and_issuer() {
        let email = Email::parse("ada+1@example.com").unwrap();
        let url = TotpSecret::from_bytes([0; 20]).otpauth_url("My App", &email);
        assert_eq!(
            url,
            format!(
                "otpauth://totp/My%20App:ada%2B1%40example.com?secret={}&issuer=My%20App&algorithm=SHA1&digits=6&period=30",
                "A".repeat(32)
            )
        );
    }

    #[test]
    fn recovery_codes_are_two_groups_of_five_and_match_in_any_case() {
        let code = RecoveryCode::from_entropy([0xA5; 16]);
        let text = code.expose();
        assert_eq!(text.len(), 11);
        assert_eq!(&text[5..6], "-");
        assert!(
            text.bytes()
                .all(|b| b == b'-' || b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let digest = Some(code.digest());
        assert_eq!(RecoveryCode::digest_of_input(text), digest);
        assert_eq!(RecoveryCode::digest_of_input(&text.to_uppercase()), digest);
        assert_eq!(
            RecoveryCode::digest_of_input(&text.replace('-', "")),
            digest
        );
        assert_eq!(RecoveryCode::digest_of_input("short"), None);
        assert_eq!(RecoveryCode::digest_of_input("abcde-fghi!"), None);
    }

    #[test]
    fn secrets_and_codes_never_print_themselves() {
        let code = RecoveryCode::from_entropy([1; 16]);
        assert!(!format!("{code:?}").contains(code.expose()));
        let secret = TotpSecret::from_bytes([1; 20]);
        assert!(!format!("{secret:?}").contains(&secret.to_base32()));
    }
}
