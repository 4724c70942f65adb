use diesel::prelude::*;
use tokenauth_application::{
    ProofOutcome, RepositoryError, SecondFactorStatus, SecondFactors, SecondStep,
};
use tokenauth_domain::{
    MfaChallenge, SecondFactorProof, SecurityEvent, Timestamp, TokenDigest, TotpFactor, TotpSecret,
    TotpStep, UserId,
};

use crate::Database;
use crate::connection::DbConnection;
use crate::models::{aware, naive};
use crate::schema::{mfa_challenges, passkeys, recovery_codes, totp_factors, users};
use crate::security_events::insert_events;
use crate::token_repository::spend_then_issue;

/// TOTP factors, recovery codes and waiting logins in the database.
#[derive(Debug, Clone)]
pub struct DieselSecondFactors {
    db: Database,
}

impl DieselSecondFactors {
    /// Second factors over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl SecondFactors for DieselSecondFactors {
    fn status(&self, user: UserId) -> Result<SecondFactorStatus, RepositoryError> {
        let user = user.to_string();
        let (totp, codes, passkeys) = self.db.run(|conn| {
            let totp = totp_factors::table
                .find(&user)
                .select(totp_factors::enabled)
                .get_result::<bool>(conn)
                .optional()?;
            let codes = recovery_codes::table
                .filter(recovery_codes::user_id.eq(&user))
                .count()
                .get_result::<i64>(conn)?;
            let passkeys = passkeys::table
                .filter(passkeys::user_id.eq(&user))
                .count()
                .get_result::<i64>(conn)?;
            Ok((totp.unwrap_or(false), codes, passkeys))
        })?;
        Ok(SecondFactorStatus {
            totp,
            recovery_codes_left: u32::try_from(codes).unwrap_or(u32::MAX),
            passkeys: u32::try_from(passkeys).unwrap_or(u32::MAX),
        })
    }

    fn totp(&self, user: UserId) -> Result<Option<TotpFactor>, RepositoryError> {
        let row = self.db.run(|conn| {
            totp_factors::table
                .find(user.to_string())
                .select((
                    totp_factors::secret,
                    totp_factors::enabled,
                    totp_factors::last_step,
                ))
                .get_result::<(String, bool, Option<i64>)>(conn)
                .optional()
        })?;
        row.map(|(secret, enabled, last_step)| {
            let secret = TotpSecret::from_base32(&secret)
                .ok_or_else(|| RepositoryError::Internal("unreadable TOTP secret".into()))?;
            Ok(TotpFactor {
                secret,
                enabled,
                last_step: last_step.map(step_from_stored),
            })
        })
        .transpose()
    }

    fn begin_totp(
        &self,
        user: UserId,
        secret: &TotpSecret,
        now: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let user = user.to_string();
        self.db.write(|conn| {
            lock_user(conn, &user)?;
            let enabled = totp_factors::table
                .find(&user)
                .select(totp_factors::enabled)
                .get_result::<bool>(conn)
                .optional()?;
            if enabled == Some(true) {
                return Ok(false);
            }
            diesel::delete(totp_factors::table.find(&user)).execute(conn)?;
            diesel::insert_into(totp_factors::table)
                .values((
                    totp_factors::user_id.eq(&user),
                    totp_factors::secret.eq(secret.to_base32()),
                    totp_factors::enabled.eq(false),
                    totp_factors::created.eq(naive(now)),
                ))
                .execute(conn)?;
            Ok(true)
        })
    }

    fn enable_totp(
        &self,
        user: UserId,
        secret: &TotpSecret,
        step: TotpStep,
        codes: &[TokenDigest],
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        let user = user.to_string();
        self.db.write(|conn| {
            let enabled = diesel::update(
                totp_factors::table
                    .find(&user)
                    .filter(totp_factors::enabled.eq(false))
                    .filter(totp_factors::secret.eq(secret.to_base32())),
            )
            .set((
                totp_factors::enabled.eq(true),
                totp_factors::last_step.eq(step_to_stored(step)),
            ))
            .execute(conn)?;
            if enabled == 0 {
                return Ok(ProofOutcome::Gone);
            }
            store_recovery_codes(conn, &user, codes)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(ProofOutcome::Done)
        })
    }

    fn replace_recovery_codes(
        &self,
        user: UserId,
        codes: &[TokenDigest],
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        let user = user.to_string();
        self.db.write(|conn| {
            lock_user(conn, &user)?;
            if !totp_enabled(conn, &user)? {
                return Ok(false);
            }
            store_recovery_codes(conn, &user, codes)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(true)
        })
    }

    fn disable(
        &self,
        user: UserId,
        proof: Option<&SecondFactorProof>,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        let user = user.to_string();
        self.db.write(|conn| {
            lock_user(conn, &user)?;
            if !totp_enabled(conn, &user)? {
                return Ok(ProofOutcome::Gone);
            }
            if let Some(proof) = proof
                && !spend(conn, &user, proof)?
            {
                return Ok(ProofOutcome::ProofRefused);
            }
            diesel::delete(totp_factors::table.find(&user)).execute(conn)?;
            diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(&user)))
                .execute(conn)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(ProofOutcome::Done)
        })
    }

    fn open_challenge(
        &self,
        challenge: &MfaChallenge,
        began: Timestamp,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        let user = challenge.user_id.to_string();
        let opened = self.db.write(|conn| {
            // Every login that opens one sweeps the dead ones, so the table
            // holds at most the last `mfa_login_ttl_seconds` of logins.
            diesel::delete(mfa_challenges::table.filter(mfa_challenges::expires.le(naive(now))))
                .execute(conn)?;
            // Locks the user's row, as a change that ends the user's tokens
            // does before it ends the waiting logins: either that change
            // comes first and this login opens nothing, or it comes after
            // and ends this challenge with the others.
            let current = diesel::update(
                users::table.find(&user).filter(
                    users::jwts_valid_after
                        .is_null()
                        .or(users::jwts_valid_after.le(naive(began))),
                ),
            )
            .set(users::id.eq(&user))
            .execute(conn)?;
            if current == 0 {
                return Ok(false);
            }
            diesel::insert_into(mfa_challenges::table)
                .values((
                    mfa_challenges::digest.eq(challenge.digest.to_hex()),
                    mfa_challenges::user_id.eq(&user),
                    mfa_challenges::expires.eq(naive(challenge.expires)),
                    mfa_challenges::failures.eq(stored_failures(challenge.failures)),
                ))
                .execute(conn)?;
            Ok(true)
        })?;
        if opened {
            Ok(())
        } else {
            Err(RepositoryError::NotFound)
        }
    }

    fn find_challenge(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<MfaChallenge>, RepositoryError> {
        let row = self.db.run(|conn| {
            mfa_challenges::table
                .find(digest.to_hex())
                .filter(mfa_challenges::expires.gt(naive(now)))
                .select((
                    mfa_challenges::user_id,
                    mfa_challenges::expires,
                    mfa_challenges::failures,
                ))
                .get_result::<(String, chrono::NaiveDateTime, i32)>(conn)
                .optional()
        })?;
        row.map(|(user_id, expires, failures)| {
            Ok(MfaChallenge {
                digest: *digest,
                user_id: UserId::parse(&user_id)
                    .ok_or_else(|| RepositoryError::Internal("unreadable user id".into()))?,
                expires: aware(expires),
                failures: u32::try_from(failures).unwrap_or_default(),
            })
        })
        .transpose()
    }

    fn count_wrong_code(
        &self,
        digest: &TokenDigest,
        max_failures: u32,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        let digest = digest.to_hex();
        self.db.write(|conn| {
            diesel::update(mfa_challenges::table.find(&digest))
                .set(mfa_challenges::failures.eq(mfa_challenges::failures + 1))
                .execute(conn)?;
            diesel::delete(
                mfa_challenges::table
                    .find(&digest)
                    .filter(mfa_challenges::failures.ge(stored_failures(max_failures))),
            )
            .execute(conn)?;
            insert_events(conn, events, self.db.webhooks())
        })
    }

    fn complete_second_step(
        &self,
        step: &SecondStep<'_>,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        let user = step.grant.user_id().to_string();
        let challenge = step.challenge.to_hex();
        let spend = |conn: &mut DbConnection| {
            if !spend(conn, &user, step.proof)? {
                return Ok(ProofOutcome::ProofRefused);
            }
            // Another request took the challenge: the proof must not be
            // spent for nothing.
            let taken = diesel::delete(
                mfa_challenges::table
                    .find(&challenge)
                    .filter(mfa_challenges::expires.gt(naive(now))),
            )
            .execute(conn)?;
            Ok(if taken == 0 {
                ProofOutcome::Gone
            } else {
                ProofOutcome::Done
            })
        };
        spend_then_issue(&self.db, spend, &step.grant, now, events)
    }
}

/// Locks the user's row (PostgreSQL; SQLite's write transaction holds the
/// database already), so changes of one user's factors take turns.
pub(crate) fn lock_user(conn: &mut DbConnection, user: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user))
        .set(users::id.eq(user))
        .execute(conn)?;
    Ok(())
}

fn totp_enabled(conn: &mut DbConnection, user: &str) -> QueryResult<bool> {
    Ok(totp_factors::table
        .find(user)
        .select(totp_factors::enabled)
        .get_result::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Spends a proof with one conditional write: a step later than the last
/// accepted, or a recovery code still there. `false` when it was not.
fn spend(conn: &mut DbConnection, user: &str, proof: &SecondFactorProof) -> QueryResult<bool> {
    let changed = match proof {
        SecondFactorProof::Totp(step) => {
            let step = step_to_stored(*step);
            diesel::update(
                totp_factors::table
                    .find(user)
                    .filter(totp_factors::enabled.eq(true))
                    .filter(
                        totp_factors::last_step
                            .is_null()
                            .or(totp_factors::last_step.lt(step)),
                    ),
            )
            .set(totp_factors::last_step.eq(step))
            .execute(conn)?
        }
        SecondFactorProof::RecoveryCode(digest) => diesel::delete(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user))
                .filter(recovery_codes::digest.eq(digest.to_hex())),
        )
        .execute(conn)?,
    };
    Ok(changed == 1)
}

fn store_recovery_codes(
    conn: &mut DbConnection,
    user: &str,
    codes: &[TokenDigest],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    // One statement per code: diesel's batch insert is not available over
    // both backends at once.
    for digest in codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user),
                recovery_codes::digest.eq(digest.to_hex()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Steps are Unix time over 30 s: far below `i64::MAX` for any real clock.
fn step_to_stored(step: TotpStep) -> i64 {
    i64::try_from(step.value()).unwrap_or(i64::MAX)
}

fn step_from_stored(stored: i64) -> TotpStep {
    TotpStep::from_value(u64::try_from(stored).unwrap_or_default())
}

fn stored_failures(failures: u32) -> i32 {
    i32::try_from(failures).unwrap_or(i32::MAX)
}
