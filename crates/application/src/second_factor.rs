//! The second factor, managed by its user: TOTP setup and confirmation,
//! recovery codes, disabling; and its removal by an operator.

use std::sync::Arc;

use tokenauth_domain::{
    EventKind, RecoveryCode, RequestOrigin, SecondFactorProof, SecurityEvent, TokenDigest,
    TotpSecret, UserId,
};

use crate::change_password::check_password;
use crate::ports::{
    Clock, KeyGenerationError, PasswordHasher, ProofOutcome, RepositoryError, SecondFactorStatus,
    SecondFactors, TokenGenerator,
};
use crate::validation::{FieldError, ValidationErrors, not_blank};
use crate::{Authenticated, FieldValue};

/// Why a second-factor change was refused, in the contract's order: field
/// errors, then the state, then the password, then the code.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    /// Fields missing or blank, a wrong password, or a wrong code.
    #[error("invalid second-factor request")]
    Invalid(ValidationErrors),
    /// Setup asked for while TOTP is on.
    #[error("Two-factor authentication is already enabled.")]
    AlreadyEnabled,
    /// Codes or disabling asked for while TOTP is off.
    #[error("Two-factor authentication is not enabled.")]
    NotEnabled,
    /// A confirmation with no setup pending.
    #[error("Start two-factor setup first.")]
    NoPendingSetup,
    /// No randomness for a secret or codes.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// A pending TOTP setup, for the user's authenticator app.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    /// The shared secret.
    pub secret: TotpSecret,
    /// The `otpauth://` URL holding it, for a QR code.
    pub otpauth_url: String,
}

/// The second-factor use case.
pub struct SecondFactor {
    factors: Arc<dyn SecondFactors>,
    hasher: Arc<dyn PasswordHasher>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    issuer: String,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl SecondFactor {
    /// Builds the use case over its ports; `issuer` names the service in
    /// authenticator apps.
    pub fn new(
        factors: Arc<dyn SecondFactors>,
        hasher: Arc<dyn PasswordHasher>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        issuer: String,
    ) -> Self {
        Self {
            factors,
            hasher,
            generator,
            clock,
            issuer,
        }
    }

    /// What protects the signed-in user's account.
    pub fn status(&self, session: &Authenticated) -> Result<SecondFactorStatus, RepositoryError> {
        self.factors.status(session.user.id)
    }

    /// Starts (or restarts) TOTP setup with a fresh secret.
    pub fn begin_totp(
        &self,
        session: &Authenticated,
        password: &FieldValue,
    ) -> Result<TotpSetup, SecondFactorError> {
        let user = &session.user;
        let mut errors = ValidationErrors::default();
        errors.parse("password", password, true, not_blank);
        if !errors.is_empty() {
            return Err(SecondFactorError::Invalid(errors));
        }
        if self.totp_enabled(user.id)? {
            return Err(SecondFactorError::AlreadyEnabled);
        }
        self.check_password(session, password)?;
        let mut bytes = [0u8; TotpSecret::BYTES];
        self.generator.fill(&mut bytes)?;
        let secret = TotpSecret::from_bytes(bytes);
        if !self
            .factors
            .begin_totp(user.id, &secret, self.clock.now())?
        {
            return Err(SecondFactorError::AlreadyEnabled);
        }
        let otpauth_url = secret.otpauth_url(&self.issuer, &user.email);
        Ok(TotpSetup {
            secret,
            otpauth_url,
        })
    }

    /// Confirms the pending setup with a code from the app: TOTP is on, and
    /// the first set of recovery codes is returned.
    pub fn confirm_totp(
        &self,
        session: &Authenticated,
        code: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<Vec<RecoveryCode>, SecondFactorError> {
        let user = session.user.id;
        let mut errors = ValidationErrors::default();
        let Some(code) = errors.parse("code", code, true, not_blank) else {
            return Err(SecondFactorError::Invalid(errors));
        };
        let pending = self.factors.totp(user)?.filter(|factor| !factor.enabled);
        let Some(pending) = pending else {
            return Err(SecondFactorError::NoPendingSetup);
        };
        let now = self.clock.now();
        let Some(step) = pending.secret.matching_step(&code, now) else {
            return Err(invalid_code());
        };
        let (codes, digests) = self.recovery_codes()?;
        let event = self.event(EventKind::MfaEnabled, session, origin);
        match self
            .factors
            .enable_totp(user, &pending.secret, step, &digests, &[event])?
        {
            ProofOutcome::Done => Ok(codes),
            // Setup restarted or confirmed meanwhile: this code was for
            // another secret, or is spent.
            ProofOutcome::ProofRefused | ProofOutcome::Gone => Err(invalid_code()),
        }
    }

    /// Replaces the recovery codes with a new set.
    pub fn regenerate_codes(
        &self,
        session: &Authenticated,
        password: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<Vec<RecoveryCode>, SecondFactorError> {
        let user = session.user.id;
        let mut errors = ValidationErrors::default();
        errors.parse("password", password, true, not_blank);
        if !errors.is_empty() {
            return Err(SecondFactorError::Invalid(errors));
        }
        if !self.totp_enabled(user)? {
            return Err(SecondFactorError::NotEnabled);
        }
        self.check_password(session, password)?;
        let (codes, digests) = self.recovery_codes()?;
        let event = self.event(EventKind::MfaRecoveryCodesRegenerated, session, origin);
        if self
            .factors
            .replace_recovery_codes(user, &digests, &[event])?
        {
            Ok(codes)
        } else {
            Err(SecondFactorError::NotEnabled)
        }
    }

    /// Turns TOTP off with the password and a code (TOTP or recovery);
    /// tokens stay valid.
    pub fn disable(
        &self,
        session: &Authenticated,
        password: &FieldValue,
        code: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<(), SecondFactorError> {
        let user = session.user.id;
        let mut errors = ValidationErrors::default();
        errors.parse("password", password, true, not_blank);
        let code = errors.parse("code", code, true, not_blank);
        let Some(code) = code.filter(|_| errors.is_empty()) else {
            return Err(SecondFactorError::Invalid(errors));
        };
        let factor = self.factors.totp(user)?.filter(|factor| factor.enabled);
        let Some(factor) = factor else {
            return Err(SecondFactorError::NotEnabled);
        };
        self.check_password(session, password)?;
        let Some(proof) = factor.proof(&code, self.clock.now()) else {
            return Err(invalid_code());
        };
        let mut events = Vec::with_capacity(2);
        if matches!(proof, SecondFactorProof::RecoveryCode(_)) {
            events.push(self.event(EventKind::MfaRecoveryCodeUsed, session, origin));
        }
        events.push(self.event(EventKind::MfaDisabled, session, origin));
        match self.factors.disable(user, Some(&proof), &events)? {
            ProofOutcome::Done => Ok(()),
            ProofOutcome::ProofRefused => Err(invalid_code()),
            ProofOutcome::Gone => Err(SecondFactorError::NotEnabled),
        }
    }

    /// Removes a user's TOTP and recovery codes without a proof: an
    /// operator's reset, by a staff user (`actor`) or the command line
    /// (none). `false` when the user had no second factor on.
    pub fn reset(
        &self,
        user: UserId,
        actor: Option<&Authenticated>,
        origin: &RequestOrigin,
    ) -> Result<bool, RepositoryError> {
        let mut event =
            SecurityEvent::new(EventKind::MfaDisabled, Some(user), origin, self.clock.now());
        if let Some(actor) = actor {
            event = event.acted_by(actor.user.id).with_token(actor.token_id());
        }
        Ok(self.factors.disable(user, None, &[event])? == ProofOutcome::Done)
    }

    fn totp_enabled(&self, user: UserId) -> Result<bool, RepositoryError> {
        Ok(self
            .factors
            .totp(user)?
            .is_some_and(|factor| factor.enabled))
    }

    fn check_password(
        &self,
        session: &Authenticated,
        password: &FieldValue,
    ) -> Result<(), SecondFactorError> {
        let mut errors = ValidationErrors::default();
        if check_password(
            self.hasher.as_ref(),
            &mut errors,
            "password",
            password,
            &session.user,
        ) {
            Ok(())
        } else {
            Err(SecondFactorError::Invalid(errors))
        }
    }

    /// A new set of codes, and the digests to store.
    fn recovery_codes(&self) -> Result<(Vec<RecoveryCode>, Vec<TokenDigest>), KeyGenerationError> {
        let codes = (0..RecoveryCode::PER_SET)
            .map(|_| {
                let mut entropy = [0u8; 16];
                self.generator.fill(&mut entropy)?;
                Ok(RecoveryCode::from_entropy(entropy))
            })
            .collect::<Result<Vec<_>, KeyGenerationError>>()?;
        let digests = codes.iter().map(RecoveryCode::digest).collect();
        Ok((codes, digests))
    }

    fn event(
        &self,
        kind: EventKind,
        session: &Authenticated,
        origin: &RequestOrigin,
    ) -> SecurityEvent {
        SecurityEvent::new(kind, Some(session.user.id), origin, self.clock.now())
            .with_token(session.token_id())
    }
}

pub(crate) fn invalid_code() -> SecondFactorError {
    SecondFactorError::Invalid(ValidationErrors::single("code", FieldError::InvalidCode))
}
