use std::num::NonZeroU32;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error;
use tokenauth_application::{LoginGrant, ProofOutcome, RepositoryError, TokenRepository};
use tokenauth_domain::{AuthToken, SecurityEvent, Timestamp, TokenDigest, TokenId, UserId};

use crate::Database;
use crate::connection::{DbConnection, write_transaction};
use crate::jwt_store::{end_jwts, insert_refresh};
use crate::models::{SESSION, TokenRow, naive};
use crate::schema::{auth_tokens, users};
use crate::security_events::insert_events;

/// Tokens (their digests) in the database.
#[derive(Debug, Clone)]
pub struct DieselTokenRepository {
    db: Database,
}

impl DieselTokenRepository {
    /// Repository over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Inside a write transaction: records a login made at `at`, setting the
/// user's `last_login` and keeping what it issued: a session token
/// (revoking the user's sessions beyond `keep`) or a refresh JWT. `false`
/// (nothing written) when the user is gone, or its tokens were ended after
/// `at`.
pub(crate) fn issue_grant(
    conn: &mut DbConnection,
    grant: &LoginGrant<'_>,
    at: Timestamp,
) -> QueryResult<bool> {
    let user_id = grant.user_id().to_string();
    // Updating the user row first locks it (PostgreSQL) or the database
    // (SQLite), so concurrent logins of one user take turns. A login that
    // began before the user's tokens were last ended (a password change,
    // "log out everywhere", a reset, a deactivation) stores nothing.
    let updated = diesel::update(
        users::table.find(&user_id).filter(
            users::jwts_valid_after
                .is_null()
                .or(users::jwts_valid_after.le(naive(at))),
        ),
    )
    .set(users::last_login.eq(naive(at)))
    .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    match grant {
        LoginGrant::Session { token, keep } => {
            diesel::insert_into(auth_tokens::table)
                .values(&TokenRow::from_token(token))
                .execute(conn)?;
            delete_sessions_beyond(conn, &user_id, &token.id.to_string(), keep.get() - 1)?;
        }
        LoginGrant::Pair(refresh) => insert_refresh(conn, refresh)?,
    }
    Ok(true)
}

/// In one transaction: a login that needed no second step, with its
/// events; [`RepositoryError::NotFound`] when [`issue_grant`] stored
/// nothing.
pub(crate) fn record_login(
    db: &Database,
    grant: &LoginGrant<'_>,
    at: Timestamp,
    events: &[SecurityEvent],
) -> Result<(), RepositoryError> {
    let issued = db.write(|conn| {
        let issued = issue_grant(conn, grant, at)?;
        if issued {
            insert_events(conn, events, db.webhooks())?;
        }
        Ok(issued)
    })?;
    if issued {
        Ok(())
    } else {
        Err(RepositoryError::NotFound)
    }
}

/// In one transaction: `spend` spends a login's proof (a TOTP step, a
/// recovery code, a passkey's counter) and says how that went; when it is
/// `Done`, the login's grant is issued with `events`. `ProofRefused` keeps
/// nothing changed; `Gone` from `spend`, or a user deleted meanwhile, rolls
/// everything back, so a proof is never spent for nothing.
pub(crate) fn spend_then_issue(
    db: &Database,
    spend: impl FnOnce(&mut DbConnection) -> QueryResult<ProofOutcome>,
    grant: &LoginGrant<'_>,
    now: Timestamp,
    events: &[SecurityEvent],
) -> Result<ProofOutcome, RepositoryError> {
    db.run_writing(|conn| {
        let completed = write_transaction(conn, |conn| {
            match spend(conn)? {
                ProofOutcome::Done => {}
                ProofOutcome::ProofRefused => return Ok(ProofOutcome::ProofRefused),
                ProofOutcome::Gone => return Err(Error::RollbackTransaction),
            }
            if !issue_grant(conn, grant, now)? {
                return Err(Error::RollbackTransaction);
            }
            insert_events(conn, events, db.webhooks())?;
            Ok(ProofOutcome::Done)
        });
        match completed {
            Err(Error::RollbackTransaction) => Ok(ProofOutcome::Gone),
            other => other,
        }
    })
}

/// Deletes the user's session tokens other than `new_id` beyond the newest
/// `kept_others`: one read of at most `kept_others + 1` index entries finds
/// the newest session to go, one delete removes it and everything older.
/// Personal tokens are never touched.
fn delete_sessions_beyond(
    conn: &mut DbConnection,
    user_id: &str,
    new_id: &str,
    kept_others: u32,
) -> QueryResult<()> {
    let sessions = || {
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::kind.eq(SESSION))
            .filter(auth_tokens::id.ne(new_id))
    };
    let cutoff: Option<(NaiveDateTime, String)> = sessions()
        .order((auth_tokens::created.desc(), auth_tokens::id.desc()))
        .select((auth_tokens::created, auth_tokens::id))
        .offset(i64::from(kept_others))
        .first(conn)
        .optional()?;
    if let Some((created, id)) = cutoff {
        diesel::delete(
            sessions().filter(
                auth_tokens::created
                    .lt(created)
                    .or(auth_tokens::created.eq(created).and(auth_tokens::id.le(id))),
            ),
        )
        .execute(conn)?;
    }
    Ok(())
}

impl TokenRepository for DieselTokenRepository {
    fn issue_for_login(
        &self,
        token: &AuthToken,
        keep: NonZeroU32,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        record_login(&self.db, &LoginGrant::Session { token, keep }, at, events)
    }

    fn issue_personal(
        &self,
        token: &AuthToken,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        let user_id = token.user_id.to_string();
        let row = TokenRow::from_token(token);
        let user_exists = self.db.write(|conn| {
            // Checked in the transaction that inserts: a user deleted meanwhile
            // is NotFound, not a foreign-key failure.
            let exists: bool = diesel::select(diesel::dsl::exists(users::table.find(&user_id)))
                .get_result(conn)?;
            if exists {
                diesel::insert_into(auth_tokens::table)
                    .values(&row)
                    .execute(conn)?;
                insert_events(conn, events, self.db.webhooks())?;
            }
            Ok(exists)
        })?;
        if user_exists {
            Ok(())
        } else {
            Err(RepositoryError::NotFound)
        }
    }

    fn revoke(&self, id: TokenId, events: &[SecurityEvent]) -> Result<(), RepositoryError> {
        self.db.write(|conn| {
            diesel::delete(auth_tokens::table.find(id.to_string())).execute(conn)?;
            insert_events(conn, events, self.db.webhooks())
        })
    }

    fn list_active(&self, user: UserId, now: Timestamp) -> Result<Vec<AuthToken>, RepositoryError> {
        // The list shows each token's last use: the uses gathered go first.
        self.db.write_pending_uses();
        let rows: Vec<TokenRow> = self.db.run(|conn| {
            auth_tokens::table
                .filter(auth_tokens::user_id.eq(user.to_string()))
                .filter(
                    auth_tokens::expires
                        .is_null()
                        .or(auth_tokens::expires.gt(naive(now))),
                )
                .order((auth_tokens::created.desc(), auth_tokens::id.desc()))
                .select(TokenRow::as_select())
                .load(conn)
        })?;
        rows.into_iter().map(TokenRow::into_token).collect()
    }

    fn revoke_owned(
        &self,
        user: UserId,
        id: TokenId,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        self.db.write(|conn| {
            let deleted = diesel::delete(
                auth_tokens::table
                    .filter(auth_tokens::id.eq(id.to_string()))
                    .filter(auth_tokens::user_id.eq(user.to_string())),
            )
            .execute(conn)?
                > 0;
            if deleted {
                insert_events(conn, events, self.db.webhooks())?;
            }
            Ok(deleted)
        })
    }

    fn revoke_by_digest(
        &self,
        digest: &TokenDigest,
        event: &dyn Fn(TokenId, UserId) -> SecurityEvent,
    ) -> Result<bool, RepositoryError> {
        let revoked = self.db.write(|conn| {
            let Some((id, user)) =
                diesel::delete(auth_tokens::table.filter(auth_tokens::digest.eq(digest.to_hex())))
                    .returning((auth_tokens::id, auth_tokens::user_id))
                    .get_result::<(String, String)>(conn)
                    .optional()?
            else {
                return Ok(None);
            };
            // A stored row always holds ids; one that did not would still be
            // revoked, only without its event.
            let ids = TokenId::parse(&id).zip(UserId::parse(&user));
            if let Some((id, user)) = ids {
                insert_events(conn, &[event(id, user)], self.db.webhooks())?;
            }
            Ok(Some(()))
        })?;
        Ok(revoked.is_some())
    }

    fn revoke_all(&self, user: UserId, events: &[SecurityEvent]) -> Result<usize, RepositoryError> {
        self.db.write(|conn| {
            let user = user.to_string();
            let revoked = diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(&user)))
                .execute(conn)?;
            end_jwts(conn, &user, events)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(revoked)
        })
    }

    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        // A use gathered but not yet written may have moved an expiry on.
        self.db.write_pending_uses();
        self.db.run(|conn| {
            diesel::delete(auth_tokens::table.filter(auth_tokens::expires.le(naive(now))))
                .execute(conn)
        })
    }
}
