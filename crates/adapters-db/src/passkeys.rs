use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use tokenauth_application::{LoginGrant, PasskeyUse, Passkeys, ProofOutcome, RepositoryError};
use tokenauth_domain::{
    Ceremony, CeremonyKind, Passkey, PasskeyId, PasskeyName, SecurityEvent, Timestamp, UserHandle,
    UserId,
};

use crate::Database;
use crate::connection::{DbConnection, write_transaction};
use crate::error::is_unique_violation;
use crate::models::{aware, naive};
use crate::schema::{passkeys, webauthn_ceremonies, webauthn_users};
use crate::security_events::insert_events;
use crate::token_repository::spend_then_issue;

/// Passkeys, WebAuthn user handles and ceremonies in the database.
#[derive(Debug, Clone)]
pub struct DieselPasskeys {
    db: Database,
}

impl DieselPasskeys {
    /// Passkeys over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `passkeys` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = passkeys)]
struct PasskeyRow {
    id: String,
    user_id: String,
    name: String,
    credential_id: String,
    credential: String,
    counter: i64,
    created: NaiveDateTime,
    last_used: Option<NaiveDateTime>,
}

impl PasskeyRow {
    fn into_passkey(self) -> Result<Passkey, RepositoryError> {
        let unreadable =
            |what: &str| RepositoryError::Internal(format!("unreadable passkey {what}"));
        Ok(Passkey {
            id: PasskeyId::parse(&self.id).ok_or_else(|| unreadable("id"))?,
            user_id: UserId::parse(&self.user_id).ok_or_else(|| unreadable("user id"))?,
            name: PasskeyName::from_trusted(self.name),
            credential_id: URL_SAFE_NO_PAD
                .decode(&self.credential_id)
                .map_err(|_| unreadable("credential id"))?,
            credential: self.credential,
            counter: u32::try_from(self.counter).map_err(|_| unreadable("counter"))?,
            created: aware(self.created),
            last_used: self.last_used.map(aware),
        })
    }
}

fn handle_from_stored(stored: &str) -> Result<UserHandle, RepositoryError> {
    URL_SAFE_NO_PAD
        .decode(stored)
        .map(UserHandle::from_bytes)
        .map_err(|_| RepositoryError::Internal("unreadable WebAuthn user handle".into()))
}

impl Passkeys for DieselPasskeys {
    fn user_handle(&self, user: UserId, fresh: UserHandle) -> Result<UserHandle, RepositoryError> {
        let user = user.to_string();
        let stored_handle = |conn: &mut DbConnection| {
            webauthn_users::table
                .find(&user)
                .select(webauthn_users::handle)
                .get_result::<String>(conn)
                .optional()
        };
        let stored = self.db.run(|conn| {
            if let Some(existing) = stored_handle(conn)? {
                return Ok(existing);
            }
            // Two first ceremonies of one user race here: the primary key
            // keeps one handle, and both read back that one.
            let inserted = diesel::insert_into(webauthn_users::table)
                .values((
                    webauthn_users::user_id.eq(&user),
                    webauthn_users::handle.eq(URL_SAFE_NO_PAD.encode(fresh.as_bytes())),
                ))
                .execute(conn);
            match inserted {
                Err(error) if !is_unique_violation(&error) => return Err(error),
                _ => {}
            }
            stored_handle(conn)?.ok_or(diesel::result::Error::NotFound)
        })?;
        handle_from_stored(&stored)
    }

    fn list(&self, user: UserId) -> Result<Vec<Passkey>, RepositoryError> {
        self.db
            .run(|conn| {
                passkeys::table
                    .filter(passkeys::user_id.eq(user.to_string()))
                    .order((passkeys::created.desc(), passkeys::id.desc()))
                    .select(PasskeyRow::as_select())
                    .load(conn)
            })?
            .into_iter()
            .map(PasskeyRow::into_passkey)
            .collect()
    }

    fn open_ceremony(&self, ceremony: &Ceremony, now: Timestamp) -> Result<(), RepositoryError> {
        self.db.write(|conn| {
            // Each new ceremony sweeps the expired: the table holds at most
            // the last five minutes of them.
            diesel::delete(
                webauthn_ceremonies::table.filter(webauthn_ceremonies::expires.le(naive(now))),
            )
            .execute(conn)?;
            diesel::insert_into(webauthn_ceremonies::table)
                .values((
                    webauthn_ceremonies::challenge.eq(&ceremony.challenge),
                    webauthn_ceremonies::kind.eq(ceremony.kind.as_str()),
                    webauthn_ceremonies::user_id.eq(ceremony.user_id.map(|id| id.to_string())),
                    webauthn_ceremonies::state.eq(&ceremony.state),
                    webauthn_ceremonies::expires.eq(naive(ceremony.expires)),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    fn take_ceremony(
        &self,
        challenge: &str,
        kind: CeremonyKind,
        now: Timestamp,
    ) -> Result<Option<Ceremony>, RepositoryError> {
        // Deleting is what takes it: of two answers racing with one
        // challenge, only the one whose delete returned the row goes on.
        let taken = self.db.write(|conn| {
            diesel::delete(
                webauthn_ceremonies::table
                    .find(challenge)
                    .filter(webauthn_ceremonies::kind.eq(kind.as_str())),
            )
            .returning((
                webauthn_ceremonies::user_id,
                webauthn_ceremonies::state,
                webauthn_ceremonies::expires,
            ))
            .get_result::<(Option<String>, String, NaiveDateTime)>(conn)
            .optional()
        })?;
        let Some((user_id, state, expires)) = taken else {
            return Ok(None);
        };
        let expires = aware(expires);
        if expires <= now {
            return Ok(None);
        }
        let user_id = match user_id {
            Some(id) => Some(
                UserId::parse(&id)
                    .ok_or_else(|| RepositoryError::Internal("unreadable user id".into()))?,
            ),
            None => None,
        };
        Ok(Some(Ceremony {
            challenge: challenge.to_owned(),
            kind,
            user_id,
            state,
            expires,
        }))
    }

    fn add(&self, passkey: &Passkey, events: &[SecurityEvent]) -> Result<bool, RepositoryError> {
        let added = self.db.run(|conn| {
            let saved = write_transaction(conn, |conn| {
                diesel::insert_into(passkeys::table)
                    .values((
                        passkeys::id.eq(passkey.id.to_string()),
                        passkeys::user_id.eq(passkey.user_id.to_string()),
                        passkeys::name.eq(passkey.name.as_str()),
                        passkeys::credential_id.eq(URL_SAFE_NO_PAD.encode(&passkey.credential_id)),
                        passkeys::credential.eq(&passkey.credential),
                        passkeys::counter.eq(i64::from(passkey.counter)),
                        passkeys::created.eq(naive(passkey.created)),
                    ))
                    .execute(conn)?;
                insert_events(conn, events, self.db.webhooks())
            });
            match saved {
                Ok(()) => Ok(true),
                Err(error) if is_unique_violation(&error) => Ok(false),
                Err(error) => Err(error),
            }
        })?;
        Ok(added)
    }

    fn find_by_credential(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<(Passkey, UserHandle)>, RepositoryError> {
        let found = self.db.run(|conn| {
            passkeys::table
                .inner_join(webauthn_users::table)
                .filter(passkeys::credential_id.eq(URL_SAFE_NO_PAD.encode(credential_id)))
                .select((PasskeyRow::as_select(), webauthn_users::handle))
                .get_result::<(PasskeyRow, String)>(conn)
                .optional()
        })?;
        found
            .map(|(row, handle)| Ok((row.into_passkey()?, handle_from_stored(&handle)?)))
            .transpose()
    }

    fn delete(
        &self,
        user: UserId,
        id: PasskeyId,
        event: &dyn Fn(&Passkey) -> SecurityEvent,
    ) -> Result<bool, RepositoryError> {
        self.db.write(|conn| {
            let Some(row) = diesel::delete(
                passkeys::table
                    .find(id.to_string())
                    .filter(passkeys::user_id.eq(user.to_string())),
            )
            .returning(passkeys::all_columns)
            .get_result::<PasskeyRow>(conn)
            .optional()?
            else {
                return Ok(false);
            };
            // A row that no longer reads as a passkey is still deleted, only
            // without its event.
            if let Ok(passkey) = row.into_passkey() {
                insert_events(conn, &[event(&passkey)], self.db.webhooks())?;
            }
            Ok(true)
        })
    }

    fn complete_login(
        &self,
        login: &PasskeyUse<'_>,
        now: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        let id = login.passkey.id.to_string();
        let read = i64::from(login.passkey.counter);
        let new = i64::from(login.counter);
        // The counter moves only from the value this login verified
        // against; a concurrent login with the same key changed it.
        let spend = |conn: &mut DbConnection| {
            let moved =
                diesel::update(passkeys::table.find(&id).filter(passkeys::counter.eq(read)))
                    .set((
                        passkeys::counter.eq(new),
                        passkeys::credential.eq(login.credential),
                        passkeys::last_used.eq(naive(now)),
                    ))
                    .execute(conn)?;
            Ok(if moved == 0 {
                ProofOutcome::ProofRefused
            } else {
                ProofOutcome::Done
            })
        };
        let grant = LoginGrant::Session {
            token: login.token,
            keep: login.keep,
        };
        spend_then_issue(&self.db, spend, &grant, now, events)
    }
}
