//! What the server keeps of access and refresh JWTs: refresh JWTs and their
//! families, logged-out access JWTs, and each user's cutoff.

use diesel::prelude::*;
use tokenauth_application::{
    JwtStore, JwtSubject, LoginGrant, RefreshRotation, RefreshState, RepositoryError,
};
use tokenauth_domain::{PairJwtId, RefreshJwt, SecurityEvent, Timestamp, UserId};

use crate::models::{UserRow, aware, naive};
use crate::schema::{ended_jwts, mfa_challenges, refresh_jwts, users};
use crate::security_events::insert_events;
use crate::token_repository::record_login;
use crate::{Database, DbConnection};

const ACTIVE: &str = "active";
const USED: &str = "used";
const ENDED: &str = "ended";

/// How long past its expiry a logged-out access JWT stays recorded.
const ENDED_KEPT_PAST_EXPIRY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The user an access JWT names, the user's cutoff, and whether the JWT
/// was logged out: one statement, written once for both clients (the
/// blocking `DbConnection` and the async PostgreSQL one).
macro_rules! jwt_subject {
    ($user:expr, $jti:expr) => {
        users::table.find($user).select((
            UserRow::as_select(),
            users::jwts_valid_after,
            diesel::dsl::exists(ended_jwts::table.find($jti)),
        ))
    };
}
pub(crate) use jwt_subject;

/// A row of [`jwt_subject`].
pub(crate) type SubjectRow = (UserRow, Option<chrono::NaiveDateTime>, bool);

/// A row of [`jwt_subject`] as the domain reads it.
pub(crate) fn into_subject(row: SubjectRow) -> Result<JwtSubject, RepositoryError> {
    let (user, valid_after, ended) = row;
    Ok(JwtSubject {
        user: user.into_user()?,
        valid_after: valid_after.map(aware),
        ended,
    })
}

/// Inside a write transaction: ends every JWT of `user` issued so far:
/// its refresh JWTs at once, and every JWT issued before the cutoff. The
/// logins waiting for their second step end too: their password was
/// checked before the change (a password changed or reset, every session
/// ended, the account deactivated), so a code must not complete them.
///
/// The refresh JWTs go first: on PostgreSQL that waits for a rotation
/// in flight to commit, so the cutoff, read after, is later than the
/// instant that rotation signed its pair (on SQLite, write transactions
/// take turns whole). The cutoff is the later of the change's own instant
/// (its events') and now, both from the service's clock, which also
/// stamps every JWT's instant of issue.
pub(crate) fn end_jwts(
    conn: &mut DbConnection,
    user: &str,
    events: &[SecurityEvent],
) -> QueryResult<()> {
    diesel::update(
        refresh_jwts::table
            .filter(refresh_jwts::user_id.eq(user))
            .filter(refresh_jwts::state.ne(ENDED)),
    )
    .set(refresh_jwts::state.eq(ENDED))
    .execute(conn)?;
    let at = events
        .iter()
        .map(|event| event.created)
        .fold(chrono::Utc::now(), Timestamp::max);
    diesel::update(users::table.find(user))
        .set(users::jwts_valid_after.eq(naive(at)))
        .execute(conn)?;
    // After the user's row is locked: a login opening its challenge holds
    // that lock until it commits, so this sees its challenge (or the login
    // sees the new cutoff and opens none).
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::user_id.eq(user)))
        .execute(conn)
        .map(drop)
}

/// Inside a write transaction: stores a refresh JWT, unused.
pub(crate) fn insert_refresh(conn: &mut DbConnection, refresh: &RefreshJwt) -> QueryResult<()> {
    diesel::insert_into(refresh_jwts::table)
        .values((
            refresh_jwts::jti.eq(refresh.jti.as_str()),
            refresh_jwts::family.eq(refresh.family.as_str()),
            refresh_jwts::user_id.eq(refresh.user_id.to_string()),
            refresh_jwts::expires.eq(naive(refresh.expires)),
            refresh_jwts::state.eq(ACTIVE),
        ))
        .execute(conn)
        .map(drop)
}

/// JWT records in the database.
#[derive(Debug, Clone)]
pub struct DieselJwtStore {
    db: Database,
}

impl DieselJwtStore {
    /// The store over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl JwtStore for DieselJwtStore {
    fn issue_pair(
        &self,
        refresh: &RefreshJwt,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        record_login(&self.db, &LoginGrant::Pair(refresh), at, events)
    }

    fn subject(
        &self,
        user: UserId,
        jti: &PairJwtId,
    ) -> Result<Option<JwtSubject>, RepositoryError> {
        let user = user.to_string();
        let row: Option<SubjectRow> = self.db.run(|conn| {
            jwt_subject!(&user, jti.as_str())
                .get_result(conn)
                .optional()
        })?;
        row.map(into_subject).transpose()
    }

    fn refresh_state(
        &self,
        jti: &PairJwtId,
    ) -> Result<Option<(RefreshState, PairJwtId)>, RepositoryError> {
        let row: Option<(String, String)> = self.db.run(|conn| {
            refresh_jwts::table
                .find(jti.as_str())
                .select((refresh_jwts::state, refresh_jwts::family))
                .get_result(conn)
                .optional()
        })?;
        Ok(row.and_then(|(state, family)| {
            let state = match state.as_str() {
                ACTIVE => RefreshState::Active,
                USED => RefreshState::Used,
                _ => RefreshState::Ended,
            };
            Some((state, PairJwtId::parse(&family)?))
        }))
    }

    fn rotate(
        &self,
        used: &PairJwtId,
        next: &RefreshJwt,
    ) -> Result<RefreshRotation, RepositoryError> {
        self.db.write(|conn| {
            // Conditional on its state: of two requests racing with one
            // refresh JWT, the second waits for the first's row lock and
            // then finds it used.
            let rotated = diesel::update(
                refresh_jwts::table
                    .find(used.as_str())
                    .filter(refresh_jwts::state.eq(ACTIVE)),
            )
            .set(refresh_jwts::state.eq(USED))
            .execute(conn)?;
            if rotated == 1 {
                insert_refresh(conn, next)?;
                return Ok(RefreshRotation::Rotated);
            }
            let state: Option<String> = refresh_jwts::table
                .find(used.as_str())
                .select(refresh_jwts::state)
                .get_result(conn)
                .optional()?;
            if state.as_deref() != Some(USED) {
                return Ok(RefreshRotation::Refused);
            }
            diesel::update(
                refresh_jwts::table.filter(refresh_jwts::family.eq(next.family.as_str())),
            )
            .set(refresh_jwts::state.eq(ENDED))
            .execute(conn)?;
            Ok(RefreshRotation::Reused)
        })
    }

    fn blacklist(&self, jti: &PairJwtId) -> Result<bool, RepositoryError> {
        self.db.write(|conn| {
            diesel::update(
                refresh_jwts::table
                    .find(jti.as_str())
                    .filter(refresh_jwts::state.eq(ACTIVE)),
            )
            .set(refresh_jwts::state.eq(ENDED))
            .execute(conn)
            .map(|ended| ended == 1)
        })
    }

    fn end_access(
        &self,
        jti: &PairJwtId,
        expires: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.db.write(|conn| {
            // Two logouts racing with one JWT both succeed. Each backend on
            // its own connection: the shared one has no ON CONFLICT.
            let insert = diesel::insert_into(ended_jwts::table)
                .values((
                    ended_jwts::jti.eq(jti.as_str()),
                    ended_jwts::expires.eq(naive(expires)),
                ))
                .on_conflict_do_nothing();
            match conn {
                DbConnection::Sqlite(conn) => insert.execute(conn)?,
                DbConnection::Postgresql(conn) => insert.execute(conn)?,
            };
            insert_events(conn, events, self.db.webhooks())
        })
    }

    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        // A logged-out JWT is remembered a while past its expiry: a host
        // whose clock runs behind still takes it for unexpired.
        let forgotten = now - ENDED_KEPT_PAST_EXPIRY;
        self.db.run(|conn| {
            let refresh =
                diesel::delete(refresh_jwts::table.filter(refresh_jwts::expires.le(naive(now))))
                    .execute(conn)?;
            let ended =
                diesel::delete(ended_jwts::table.filter(ended_jwts::expires.le(naive(forgotten))))
                    .execute(conn)?;
            Ok(refresh + ended)
        })
    }
}
