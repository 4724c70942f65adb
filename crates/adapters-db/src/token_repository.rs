use std::num::NonZeroU32;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tokenauth_application::{RepositoryError, TokenRepository};
use tokenauth_domain::{AuthToken, SecurityEvent, Timestamp, TokenId, UserId};

use crate::Database;
use crate::connection::DbConnection;
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

/// Inside a write transaction: issues a login's session token, sets the
/// user's `last_login` and revokes its sessions beyond `keep`. `false`
/// (nothing written) when the user is gone.
pub(crate) fn issue_session(
    conn: &mut DbConnection,
    token: &AuthToken,
    keep: NonZeroU32,
    at: Timestamp,
) -> QueryResult<bool> {
    let user_id = token.user_id.to_string();
    // Updating the user row first locks it (PostgreSQL) or the database
    // (SQLite), so concurrent logins of one user take turns.
    let updated = diesel::update(users::table.find(&user_id))
        .set(users::last_login.eq(naive(at)))
        .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    diesel::insert_into(auth_tokens::table)
        .values(&TokenRow::from_token(token))
        .execute(conn)?;
    delete_sessions_beyond(conn, &user_id, &token.id.to_string(), keep.get() - 1)?;
    Ok(true)
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
        let user_exists = self.db.write(|conn| {
            let issued = issue_session(conn, token, keep, at)?;
            if issued {
                insert_events(conn, events, self.db.webhooks())?;
            }
            Ok(issued)
        })?;
        if user_exists {
            Ok(())
        } else {
            Err(RepositoryError::NotFound)
        }
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

    fn revoke_all(&self, user: UserId, events: &[SecurityEvent]) -> Result<usize, RepositoryError> {
        self.db.write(|conn| {
            let revoked = diesel::delete(
                auth_tokens::table.filter(auth_tokens::user_id.eq(user.to_string())),
            )
            .execute(conn)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(revoked)
        })
    }

    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(auth_tokens::table.filter(auth_tokens::expires.le(naive(now))))
                .execute(conn)
        })
    }
}
