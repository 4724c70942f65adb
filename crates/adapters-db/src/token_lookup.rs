//! The request path's storage: a token by digest, and its use.

use diesel::prelude::*;
use tokenauth_application::{JwtSubject, LookupFuture, RepositoryError, TokenLookup};
use tokenauth_domain::{
    Identity, PairJwtId, PresentedToken, Timestamp, TokenDigest, TokenId, User, UserId,
};
use tracing::Instrument;

use crate::error::from_diesel;
use crate::jwt_store::{SubjectRow, into_subject, jwt_subject};
use crate::models::{IdentityRow, PresentedTokenRow, UserRow, naive};
use crate::schema::{auth_tokens, ended_jwts, users};
use crate::{Database, DbConnection};

/// The token with this digest, as a request presents it, and its user's
/// columns in `$user` (a `Selectable` row), written once for both clients
/// (the blocking `DbConnection` and the async PostgreSQL one).
///
/// The digest is unique: no LIMIT. SQLite (built with STAT4) prepares a
/// statement with a bound LIMIT anew on every run, because a new LIMIT value
/// might change the plan; that parse cost more than the read. Lookups by a
/// unique key in this crate leave LIMIT out for this reason.
macro_rules! token_by_digest {
    ($digest:expr, $user:ty) => {
        auth_tokens::table
            .inner_join(users::table)
            .filter(auth_tokens::digest.eq($digest))
            .select((PresentedTokenRow::as_select(), <$user>::as_select()))
    };
}

/// Runs a single-row read, written as `$query` over the owned values
/// `$arg`, on the worker's async PostgreSQL connection when there is one,
/// else on a blocking thread; a macro because each query's type would
/// otherwise have to be spelled out in diesel's bounds.
macro_rules! read_optional {
    ($db:expr, ($($arg:ident),*) => $query:expr) => {{
        if let Some(connections) = $db.worker_connections() {
            Instrument::instrument(async {
                let conn = connections.checkout().await?;
                let found = {
                    $(let $arg = &$arg;)*
                    diesel_async::RunQueryDsl::get_result($query, &mut &*conn)
                        .await
                        .optional()
                        .map_err(from_diesel)
                };
                connections.settle(conn, &found).await;
                found
            }, $db.span()).await
        } else {
            // SQLite, or libpq: on a blocking thread. Running SQLite's point
            // read inline on the worker measured slower, in rate and in p99:
            // a worker inside SQLite
            // serves no sockets, and the blocking threads use both cores for
            // the reads. On each backend's own connection: through the
            // MultiConnection the query has no static id, and diesel would
            // write its SQL text on every call to find the prepared statement
            // (a third of the instructions of a SQLite `/api/me`, counted
            // with callgrind).
            let read = move |conn: &mut DbConnection| {
                $(let $arg = &$arg;)*
                match conn {
                    DbConnection::Sqlite(conn) => $query.get_result(conn).optional(),
                    DbConnection::Postgresql(conn) => $query.get_result(conn).optional(),
                }
            };
            $db.run_blocking(read).await
        }
    }};
}

/// The write of a token's use, written once for both clients.
macro_rules! token_use {
    ($id:expr, $last_used:expr, $expires:expr) => {
        diesel::update(auth_tokens::table.find($id)).set((
            auth_tokens::last_used.eq(naive($last_used)),
            auth_tokens::expires.eq($expires.map(naive)),
        ))
    };
}

/// Token lookups in the database: async queries on PostgreSQL, awaited on
/// the worker that serves the request; SQLite's on the blocking threads.
#[derive(Debug, Clone)]
pub struct DieselTokenLookup {
    db: Database,
}

impl DieselTokenLookup {
    /// Lookups over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The token with this digest and its user, from the database.
    async fn read_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(PresentedToken, User)>, RepositoryError> {
        let digest = digest.to_hex();
        let found = read_optional!(self.db, (digest) => token_by_digest!(digest, UserRow))?;
        into_domain(found, UserRow::into_user)
    }

    async fn write_use(
        &self,
        id: String,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> Result<(), RepositoryError> {
        if let Some(connections) = self.db.worker_connections() {
            let write = async {
                let conn = connections.checkout().await?;
                let written = diesel_async::RunQueryDsl::execute(
                    token_use!(id, last_used, expires),
                    &mut &*conn,
                )
                .await
                .map(drop)
                .map_err(from_diesel);
                connections.settle(conn, &written).await;
                written
            };
            return write.instrument(self.db.span()).await;
        }
        self.db
            .run_blocking(move |conn| token_use!(id, last_used, expires).execute(conn).map(drop))
            .await
    }
}

/// A found token and its user's row as domain values.
fn into_domain<Row, Who>(
    found: Option<(PresentedTokenRow, Row)>,
    user: impl FnOnce(Row) -> Result<Who, RepositoryError>,
) -> Result<Option<(PresentedToken, Who)>, RepositoryError> {
    found
        .map(|(token, row)| Ok((token.into_presented()?, user(row)?)))
        .transpose()
}

impl TokenLookup for DieselTokenLookup {
    fn find_by_digest<'a>(
        &'a self,
        digest: &'a TokenDigest,
    ) -> LookupFuture<'a, Option<(PresentedToken, User)>> {
        Box::pin(async move {
            let Some(kept) = self.db.verified_tokens() else {
                return self.read_by_digest(digest).await;
            };
            if let Some(found) = kept.get(digest, chrono::Utc::now()) {
                return Ok(Some(found));
            }
            let since = kept.generation();
            let found = self.read_by_digest(digest).await?;
            if let Some((token, user)) = &found {
                kept.keep(*digest, token, user, since);
            }
            Ok(found)
        })
    }

    fn find_identity_by_digest<'a>(
        &'a self,
        digest: &'a TokenDigest,
    ) -> LookupFuture<'a, Option<(PresentedToken, Identity)>> {
        Box::pin(async move {
            // Kept tokens carry their whole user: one entry serves both questions.
            if self.db.verified_tokens().is_some() {
                let found = self.find_by_digest(digest).await?;
                return Ok(found.map(|(token, user)| (token, Identity::from(&user))));
            }
            let digest = digest.to_hex();
            let found = read_optional!(self.db, (digest) => token_by_digest!(digest, IdentityRow))?;
            into_domain(found, IdentityRow::into_identity)
        })
    }

    fn find_jwt_subject<'a>(
        &'a self,
        user: UserId,
        jti: &'a PairJwtId,
    ) -> LookupFuture<'a, Option<JwtSubject>> {
        Box::pin(async move {
            let (user, jti) = (user.to_string(), jti.as_str().to_owned());
            let found: Option<SubjectRow> =
                read_optional!(self.db, (user, jti) => jwt_subject!(user, jti))?;
            found.map(into_subject).transpose()
        })
    }

    fn record_use(
        &self,
        digest: &TokenDigest,
        id: TokenId,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> LookupFuture<'_, ()> {
        if let Some(kept) = self.db.verified_tokens() {
            kept.used(digest, last_used, expires);
        }
        if self.db.gather_use(id, last_used, expires) {
            return Box::pin(std::future::ready(Ok(())));
        }
        Box::pin(self.write_use(id.to_string(), last_used, expires))
    }
}
