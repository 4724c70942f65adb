use diesel::prelude::*;
use tokenauth_application::{
    AccountDeletion, RepositoryError, SaveUserError, UserPage, UserQuery, UserRepository,
};
use tokenauth_domain::{
    EmailKey, NewUser, PasswordHash, SecurityEvent, TokenId, User, UserChanges, UserId,
};

use crate::Database;
use crate::connection::{DbConnection, MultiBackend, write_transaction};
use crate::error::is_unique_violation;
use crate::jwt_store::end_jwts;
use crate::models::{UserChangeset, UserRow, search_key};
use crate::schema::{auth_tokens, refresh_jwts, users};
use crate::security_events::insert_events;

/// Users in the database.
#[derive(Debug, Clone)]
pub struct DieselUserRepository {
    db: Database,
}

impl DieselUserRepository {
    /// Repository over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl UserRepository for DieselUserRepository {
    fn insert(&self, user: NewUser, events: &[SecurityEvent]) -> Result<User, SaveUserError> {
        let row = UserRow::from_new(&user);
        // The unique index on email_key decides races: no check-then-insert.
        let inserted = self.db.run(|conn| {
            let saved = write_transaction(conn, |conn| {
                diesel::insert_into(users::table)
                    .values(&row)
                    .execute(conn)?;
                insert_events(conn, events, self.db.webhooks())
            });
            match saved {
                Ok(()) => Ok(true),
                Err(error) if is_unique_violation(&error) => Ok(false),
                Err(error) => Err(error),
            }
        })?;
        if inserted {
            Ok(user.into_user())
        } else {
            Err(SaveUserError::EmailTaken)
        }
    }

    fn find_by_email_key(&self, key: &EmailKey) -> Result<Option<User>, RepositoryError> {
        self.db
            .run(|conn| {
                users::table
                    .filter(users::email_key.eq(key.as_str()))
                    .select(UserRow::as_select())
                    .get_result(conn)
                    .optional()
            })?
            .map(UserRow::into_user)
            .transpose()
    }

    fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        self.db
            .run(|conn| {
                users::table
                    .find(id.to_string())
                    .select(UserRow::as_select())
                    .get_result(conn)
                    .optional()
            })?
            .map(UserRow::into_user)
            .transpose()
    }

    fn update(
        &self,
        id: UserId,
        changes: &UserChanges,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError> {
        let id = id.to_string();
        let changeset = UserChangeset::from_changes(changes);
        let names_change = changes.first_name.is_some() || changes.last_name.is_some();
        let row = self.db.write(|conn| {
            // The first statement writes, so the row (PostgreSQL) or the database
            // (SQLite) is locked before it is read back.
            if !changes.is_empty()
                && diesel::update(users::table.find(&id))
                    .set(&changeset)
                    .execute(conn)?
                    == 0
            {
                return Ok(None);
            }
            let Some(row) = users::table
                .find(&id)
                .select(UserRow::as_select())
                .get_result(conn)
                .optional()?
            else {
                return Ok(None);
            };
            if names_change {
                let key = search_key(&row.email, &row.first_name, &row.last_name);
                diesel::update(users::table.find(&id))
                    .set(users::search_key.eq(key))
                    .execute(conn)?;
            }
            if changes.deactivates() {
                diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(&id)))
                    .execute(conn)?;
                end_jwts(conn, &id, events)?;
            }
            insert_events(conn, events, self.db.webhooks())?;
            Ok(Some(row))
        })?;
        row.map(UserRow::into_user).transpose()
    }

    fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<TokenId>,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        let id = id.to_string();
        let keep = keep.map(|token| token.to_string()).unwrap_or_default();
        self.db.write(|conn| {
            let updated = diesel::update(users::table.find(&id))
                .set(users::password_hash.eq(hash.as_str()))
                .execute(conn)?;
            if updated == 0 {
                return Ok(false);
            }
            diesel::delete(
                auth_tokens::table
                    .filter(auth_tokens::user_id.eq(&id))
                    .filter(auth_tokens::id.ne(&keep)),
            )
            .execute(conn)?;
            end_jwts(conn, &id, events)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(true)
        })
    }

    fn list(&self, query: &UserQuery) -> Result<UserPage, RepositoryError> {
        let (count, rows) = self.db.run(|conn| {
            let count: i64 = matching(&query.terms).count().get_result(conn)?;
            let rows: Vec<UserRow> = matching(&query.terms)
                .order((users::date_joined.asc(), users::id.asc()))
                .limit(i64::from(query.limit))
                .offset(i64::try_from(query.offset).unwrap_or(i64::MAX))
                .select(UserRow::as_select())
                .load(conn)?;
            Ok((count, rows))
        })?;
        Ok(UserPage {
            count: u64::try_from(count).unwrap_or_default(),
            users: rows
                .into_iter()
                .map(UserRow::into_user)
                .collect::<Result<_, _>>()?,
        })
    }

    fn delete(&self, id: UserId, events: &[SecurityEvent]) -> Result<bool, RepositoryError> {
        let id = id.to_string();
        self.db.write(|conn| {
            let deleted = delete_user(conn, &id)?;
            if deleted {
                insert_events(conn, events, self.db.webhooks())?;
            }
            Ok(deleted)
        })
    }

    fn delete_own_account(
        &self,
        id: UserId,
        events: &[SecurityEvent],
    ) -> Result<AccountDeletion, RepositoryError> {
        let id = id.to_string();
        self.db.write(|conn| {
            let superusers = active_superusers_locked(conn)?;
            if superusers.len() == 1 && superusers.contains(&id) {
                return Ok(AccountDeletion::LastSuperuser);
            }
            Ok(if delete_user(conn, &id)? {
                insert_events(conn, events, self.db.webhooks())?;
                AccountDeletion::Deleted
            } else {
                AccountDeletion::NotFound
            })
        })
    }
}

/// Users whose search key contains every term (LIKE, with its wildcards escaped).
fn matching(terms: &[String]) -> users::BoxedQuery<'static, MultiBackend> {
    terms.iter().fold(users::table.into_boxed(), |query, term| {
        query.filter(
            users::search_key
                .like(format!("%{}%", escape_like(term)))
                .escape('\\'),
        )
    })
}

fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Deletes a user and its tokens; whether there was one.
fn delete_user(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    // Explicit rather than trusting ON DELETE CASCADE alone: a SQLite
    // connection opened without foreign_keys would leave tokens behind.
    diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(id))).execute(conn)?;
    diesel::delete(refresh_jwts::table.filter(refresh_jwts::user_id.eq(id))).execute(conn)?;
    diesel::delete(users::table.find(id))
        .execute(conn)
        .map(|deleted| deleted > 0)
}

/// The ids of the active superusers, locked until the transaction ends on
/// PostgreSQL, so two of them deleting themselves at once take turns and the
/// second sees the first gone. SQLite's write transaction holds the whole
/// database already.
fn active_superusers_locked(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let query = users::table
        .filter(users::is_superuser.eq(true))
        .filter(users::is_active.eq(true))
        .select(users::id);
    match conn {
        DbConnection::Postgresql(conn) => query.for_update().load(conn),
        DbConnection::Sqlite(conn) => query.load(conn),
    }
}
