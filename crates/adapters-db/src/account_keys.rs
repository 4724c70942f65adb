//! Mailed single-use keys and the requests for them, in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp as SqlTimestamp};
use tokenauth_application::{
    AccountKeys, AccountRequest, DecideRequest, EmailChangeRequest, RepositoryError,
};
use tokenauth_domain::{
    AccountKey, AccountKeyId, Email, EmailChange, EmailKey, KeyPurpose, PasswordHash,
    RequestOrigin, SecurityEvent, Timestamp, TokenDigest, User, UserId,
};
use uuid::Uuid;

use crate::Database;
use crate::connection::{DbConnection, write_transaction};
use crate::error::is_unique_violation;
use crate::jwt_store::end_jwts;
use crate::models::{UserRow, aware, naive, search_key};
use crate::outbox::insert_mail;
use crate::schema::{account_keys, account_requests, auth_tokens, users};
use crate::security_events::insert_events;

/// Account keys and requests over the service's database.
#[derive(Debug, Clone)]
pub struct DieselAccountKeys {
    db: Database,
}

impl DieselAccountKeys {
    /// Account keys over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The unused key with this digest and purpose, and its user, as stored.
    fn unused(
        &self,
        digest: &TokenDigest,
        purpose: KeyPurpose,
    ) -> Result<Option<(KeyRow, UserRow)>, RepositoryError> {
        self.db.run(|conn| {
            account_keys::table
                .inner_join(users::table)
                .filter(account_keys::digest.eq(digest.to_hex()))
                .filter(account_keys::purpose.eq(purpose.as_str()))
                .filter(account_keys::used.is_null())
                .select((KeyRow::as_select(), UserRow::as_select()))
                .get_result(conn)
                .optional()
        })
    }
}

#[derive(QueryableByName)]
struct RequestRow {
    #[diesel(sql_type = Text)]
    purpose: String,
    #[diesel(sql_type = Text)]
    email_key: String,
    #[diesel(sql_type = SqlTimestamp)]
    created: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    ip: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    user_agent: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = account_keys)]
struct KeyRow {
    id: String,
    user_id: String,
    digest: String,
    purpose: String,
    created: NaiveDateTime,
    expires: NaiveDateTime,
    new_email: Option<String>,
}

impl KeyRow {
    fn into_key(self) -> Option<AccountKey> {
        Some(AccountKey {
            id: AccountKeyId::from_uuid(Uuid::try_parse(&self.id).ok()?),
            user_id: UserId::from_uuid(Uuid::try_parse(&self.user_id).ok()?),
            digest: TokenDigest::from_hex(&self.digest)?,
            purpose: KeyPurpose::parse(&self.purpose)?,
            created: aware(self.created),
            expires: aware(self.expires),
        })
    }
}

/// Takes the oldest request in one statement; PostgreSQL skips rows
/// another process holds, SQLite's single writer needs no lock.
fn take_oldest_request(conn: &mut DbConnection) -> QueryResult<Option<RequestRow>> {
    let lock = match conn {
        DbConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    diesel::sql_query(format!(
        "DELETE FROM account_requests WHERE id = (\
         SELECT id FROM account_requests ORDER BY created LIMIT 1{lock}) \
         RETURNING purpose, email_key, created, ip, user_agent"
    ))
    .get_result(conn)
    .optional()
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(RepositoryError::Internal(what)))
}

impl AccountKeys for DieselAccountKeys {
    fn request(
        &self,
        purpose: KeyPurpose,
        email: &EmailKey,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        self.db
            .run(|conn| {
                diesel::insert_into(account_requests::table)
                    .values((
                        account_requests::id.eq(Uuid::new_v4().to_string()),
                        account_requests::purpose.eq(purpose.as_str()),
                        account_requests::email_key.eq(email.as_str()),
                        account_requests::created.eq(naive(now)),
                        account_requests::ip.eq(origin.ip.as_deref()),
                        account_requests::user_agent.eq(origin.user_agent.as_deref()),
                    ))
                    .execute(conn)
            })
            .map(drop)
    }

    fn process_request(
        &self,
        decide: &mut DecideRequest<'_>,
        now: Timestamp,
    ) -> Result<bool, RepositoryError> {
        self.db.write(|conn| {
            let Some(row) = take_oldest_request(conn)? else {
                return Ok(false);
            };
            let purpose = KeyPurpose::parse(&row.purpose)
                .ok_or_else(|| corrupt(format!("unknown request purpose {:?}", row.purpose)))?;
            let user = users::table
                .filter(users::email_key.eq(&row.email_key))
                .select(UserRow::as_select())
                .get_result(conn)
                .optional()?
                .map(UserRow::into_user)
                .transpose()
                .map_err(|error| corrupt(error.to_string()))?;
            let request = AccountRequest {
                purpose,
                email: EmailKey::from_input(&row.email_key),
                created: aware(row.created),
                origin: RequestOrigin {
                    ip: row.ip,
                    user_agent: row.user_agent,
                },
            };
            let decision = decide(&request, user.as_ref());
            if let Some(issued) = decision.mail {
                insert_key(conn, &issued.key, None)?;
                insert_mail(conn, issued.mail_id, &issued.mail, now)?;
            }
            insert_events(conn, &decision.events, self.db.webhooks())?;
            Ok(true)
        })
    }

    fn find_unused(
        &self,
        digest: &TokenDigest,
        purpose: KeyPurpose,
    ) -> Result<Option<(AccountKey, User)>, RepositoryError> {
        let Some((key, user)) = self.unused(digest, purpose)? else {
            return Ok(None);
        };
        let key = key
            .into_key()
            .ok_or_else(|| RepositoryError::Internal("a stored account key is malformed".into()))?;
        Ok(Some((key, user.into_user()?)))
    }

    fn complete_reset(
        &self,
        key: &AccountKey,
        password_hash: &PasswordHash,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        let user_id = key.user_id.to_string();
        self.db.write(|conn| {
            if consume(conn, key, now)? == 0 {
                return Ok(false);
            }
            diesel::update(users::table.find(&user_id))
                .set(users::password_hash.eq(password_hash.as_str()))
                .execute(conn)?;
            diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(&user_id)))
                .execute(conn)?;
            end_jwts(conn, &user_id, events)?;
            consume_unused(conn, &user_id, KeyPurpose::PasswordReset, now)?;
            insert_events(conn, events, self.db.webhooks())?;
            Ok(true)
        })
    }

    fn complete_verification(
        &self,
        key: &AccountKey,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError> {
        let user_id = key.user_id.to_string();
        let row: Option<UserRow> = self.db.write(|conn| {
            if consume(conn, key, now)? == 0 {
                return Ok(None);
            }
            diesel::update(users::table.find(&user_id))
                .set(users::email_verified.eq(true))
                .execute(conn)?;
            insert_events(conn, events, self.db.webhooks())?;
            users::table
                .find(&user_id)
                .select(UserRow::as_select())
                .get_result(conn)
                .optional()
        })?;
        row.map(UserRow::into_user).transpose()
    }

    fn request_email_change(
        &self,
        request: &EmailChangeRequest,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        let change = &request.change;
        let user_id = change.key.user_id.to_string();
        self.db.write(|conn| {
            // Writing the user row first locks it (PostgreSQL), so two
            // requests of one user take turns and the second consumes the
            // first's key; SQLite's write transaction holds the database.
            diesel::update(users::table.find(&user_id))
                .set(users::id.eq(&user_id))
                .execute(conn)?;
            consume_unused(conn, &user_id, KeyPurpose::EmailChange, now)?;
            let (notice_id, notice) = &request.notice;
            insert_mail(conn, *notice_id, notice, now)?;
            let taken = users::table
                .filter(users::email_key.eq(change.new_email.key().as_str()))
                .select(users::id)
                .get_result::<String>(conn)
                .optional()?
                .is_some();
            if !taken {
                insert_key(conn, &change.key, Some(&change.new_email))?;
                let (link_id, link) = &request.link;
                insert_mail(conn, *link_id, link, now)?;
            }
            Ok(())
        })
    }

    fn find_email_change(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(EmailChange, User)>, RepositoryError> {
        let Some((mut key, user)) = self.unused(digest, KeyPurpose::EmailChange)? else {
            return Ok(None);
        };
        let malformed =
            || RepositoryError::Internal("a stored email change key is malformed".into());
        let new_email = key.new_email.take().ok_or_else(malformed)?;
        let change = EmailChange {
            key: key.into_key().ok_or_else(malformed)?,
            new_email: Email::from_trusted(new_email),
        };
        Ok(Some((change, user.into_user()?)))
    }

    fn complete_email_change(
        &self,
        change: &EmailChange,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError> {
        let moved = self.db.run_writing(|conn| {
            let moved = write_transaction(conn, |conn| {
                let moved = move_account(conn, change, now)?;
                if moved.is_some() {
                    insert_events(conn, events, self.db.webhooks())?;
                }
                Ok(moved)
            });
            match moved {
                // The unique index on email_key refuses an address taken
                // since the request; the rollback undoes the consumption too.
                Err(error) if is_unique_violation(&error) => Ok(None),
                moved => moved,
            }
        })?;
        moved.map(UserRow::into_user).transpose()
    }

    fn delete_spent(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(
                account_keys::table.filter(
                    account_keys::used
                        .is_not_null()
                        .or(account_keys::expires.le(naive(now))),
                ),
            )
            .execute(conn)
        })
    }
}

/// Consumes an email change key and moves its user to the new address,
/// marked verified; `None` when the key was consumed meanwhile.
fn move_account(
    conn: &mut DbConnection,
    change: &EmailChange,
    now: Timestamp,
) -> QueryResult<Option<UserRow>> {
    if consume(conn, &change.key, now)? == 0 {
        return Ok(None);
    }
    let user_id = change.key.user_id.to_string();
    let email = &change.new_email;
    // Written before the names are read: the row is locked from here on.
    diesel::update(users::table.find(&user_id))
        .set((
            users::email.eq(email.as_str()),
            users::email_key.eq(email.key().as_str()),
            users::email_verified.eq(true),
        ))
        .execute(conn)?;
    let user: UserRow = users::table
        .find(&user_id)
        .select(UserRow::as_select())
        .get_result(conn)?;
    diesel::update(users::table.find(&user_id))
        .set(users::search_key.eq(search_key(&user.email, &user.first_name, &user.last_name)))
        .execute(conn)?;
    Ok(Some(user))
}

/// Marks the user's unused keys of `purpose` used.
fn consume_unused(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: KeyPurpose,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        account_keys::table
            .filter(account_keys::user_id.eq(user_id))
            .filter(account_keys::purpose.eq(purpose.as_str()))
            .filter(account_keys::used.is_null()),
    )
    .set(account_keys::used.eq(naive(now)))
    .execute(conn)
}

/// Stores a key (its digest), with the address it confirms for an email
/// change.
fn insert_key(
    conn: &mut DbConnection,
    key: &AccountKey,
    new_email: Option<&Email>,
) -> QueryResult<usize> {
    diesel::insert_into(account_keys::table)
        .values((
            account_keys::id.eq(key.id.to_string()),
            account_keys::user_id.eq(key.user_id.to_string()),
            account_keys::digest.eq(key.digest.to_hex()),
            account_keys::purpose.eq(key.purpose.as_str()),
            account_keys::created.eq(naive(key.created)),
            account_keys::expires.eq(naive(key.expires)),
            account_keys::new_email.eq(new_email.map(Email::as_str)),
        ))
        .execute(conn)
}

/// Marks `key` used if it still is not; how many rows that changed.
fn consume(conn: &mut DbConnection, key: &AccountKey, now: Timestamp) -> QueryResult<usize> {
    diesel::update(
        account_keys::table
            .filter(account_keys::id.eq(key.id.to_string()))
            .filter(account_keys::used.is_null()),
    )
    .set(account_keys::used.eq(naive(now)))
    .execute(conn)
}
