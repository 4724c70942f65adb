use tokenauth_domain::{
    MfaChallenge, SecondFactorProof, SecurityEvent, Timestamp, TokenDigest, TotpFactor, TotpSecret,
    TotpStep, UserId,
};

use super::{LoginGrant, RepositoryError};

/// What protects an account beyond its password, as `GET /api/me/mfa` shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondFactorStatus {
    /// Whether TOTP is on.
    pub totp: bool,
    /// Recovery codes not yet spent.
    pub recovery_codes_left: u32,
    /// Passkeys registered.
    pub passkeys: u32,
}

/// How a proof-checked change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofOutcome {
    /// Done.
    Done,
    /// The proof was spent meanwhile (a replayed step, a used recovery
    /// code): nothing changed.
    ProofRefused,
    /// What the proof was for is gone (TOTP off, the challenge used, expired
    /// or out of tries): nothing changed.
    Gone,
}

/// A second step that proved itself: the token it issues.
#[derive(Debug, Clone)]
pub struct SecondStep<'a> {
    /// The digest of the `mfa_token`.
    pub challenge: &'a TokenDigest,
    /// The code's proof.
    pub proof: &'a SecondFactorProof,
    /// What the login issues.
    pub grant: LoginGrant<'a>,
}

/// TOTP factors, recovery codes and logins waiting for their second step.
///
/// Every change that spends a proof does so with a conditional write, so two
/// requests racing with one code cannot both succeed.
pub trait SecondFactors: Send + Sync + 'static {
    /// The user's factors.
    fn status(&self, user: UserId) -> Result<SecondFactorStatus, RepositoryError>;

    /// The user's TOTP factor, pending or enabled.
    fn totp(&self, user: UserId) -> Result<Option<TotpFactor>, RepositoryError>;

    /// Stores a pending secret, replacing an earlier pending one. `false`
    /// (nothing changed) when TOTP is already on.
    fn begin_totp(
        &self,
        user: UserId,
        secret: &TotpSecret,
        now: Timestamp,
    ) -> Result<bool, RepositoryError>;

    /// Turns the pending `secret` on, `step` accepted, with a new set of
    /// recovery codes. `Gone` when that secret is no longer the pending one.
    fn enable_totp(
        &self,
        user: UserId,
        secret: &TotpSecret,
        step: TotpStep,
        codes: &[TokenDigest],
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError>;

    /// Replaces the user's recovery codes. `false` when TOTP is off.
    fn replace_recovery_codes(
        &self,
        user: UserId,
        codes: &[TokenDigest],
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError>;

    /// Removes TOTP and the recovery codes, after spending `proof` when one
    /// is given (an operator's reset gives none). `Gone` when TOTP is off.
    fn disable(
        &self,
        user: UserId,
        proof: Option<&SecondFactorProof>,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError>;

    /// Stores a login waiting for its second step, and forgets expired ones;
    /// [`RepositoryError::NotFound`] (nothing stored) when the user's
    /// tokens were ended after `began`, the instant the login began: its
    /// password was checked against what the change replaced.
    fn open_challenge(
        &self,
        challenge: &MfaChallenge,
        began: Timestamp,
        now: Timestamp,
    ) -> Result<(), RepositoryError>;

    /// The waiting login with this digest, if any is still usable at `now`.
    fn find_challenge(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<MfaChallenge>, RepositoryError>;

    /// Counts a wrong code against a waiting login, which dies at
    /// `max_failures`.
    fn count_wrong_code(
        &self,
        digest: &TokenDigest,
        max_failures: u32,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;

    /// Completes a login in one transaction: spends the proof and the
    /// challenge, then issues the token as a password login does (rotation,
    /// `last_login`). Nothing changes unless all of it does.
    fn complete_second_step(
        &self,
        step: &SecondStep<'_>,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError>;
}
