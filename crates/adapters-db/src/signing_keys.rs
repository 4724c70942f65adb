use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use tokenauth_application::{RepositoryError, SigningKeyStore};
use tokenauth_domain::{KeyId, SigningKey, SigningSecret, Timestamp};

use crate::models::{aware, naive};
use crate::schema::signing_keys;
use crate::{Database, DbConnection};

/// The JWT signing keys in the database.
#[derive(Debug, Clone)]
pub struct DieselSigningKeys {
    db: Database,
}

impl DieselSigningKeys {
    /// Signing keys over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    fn current(&self) -> Result<Option<SigningKey>, RepositoryError> {
        self.db
            .run(|conn| {
                signing_keys::table
                    .filter(signing_keys::retired.is_null())
                    .first::<SigningKeyRow>(conn)
                    .optional()
            })?
            .map(SigningKeyRow::into_key)
            .transpose()
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = signing_keys)]
struct SigningKeyRow {
    id: String,
    secret: String,
    created: chrono::NaiveDateTime,
    retired: Option<chrono::NaiveDateTime>,
}

impl SigningKeyRow {
    fn from_key(key: &SigningKey) -> Self {
        Self {
            id: key.id.as_str().to_owned(),
            secret: key.secret.to_hex(),
            created: naive(key.created),
            retired: key.retired.map(naive),
        }
    }

    fn into_key(self) -> Result<SigningKey, RepositoryError> {
        let unreadable =
            || RepositoryError::Internal(format!("unreadable signing key {}", self.id));
        Ok(SigningKey {
            id: KeyId::parse(&self.id).ok_or_else(unreadable)?,
            secret: SigningSecret::from_hex(&self.secret).ok_or_else(unreadable)?,
            created: aware(self.created),
            retired: self.retired.map(aware),
        })
    }
}

impl SigningKeyStore for DieselSigningKeys {
    fn current_or_insert(&self, candidate: &SigningKey) -> Result<SigningKey, RepositoryError> {
        if let Some(current) = self.current()? {
            return Ok(current);
        }
        // On its own, outside a transaction: when another process stored
        // its first key meanwhile, the unique index refuses this one and
        // the read below finds theirs.
        let row = SigningKeyRow::from_key(candidate);
        self.db.run(|conn| {
            match diesel::insert_into(signing_keys::table)
                .values(&row)
                .execute(conn)
            {
                Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
                other => other.map(drop),
            }
        })?;
        self.current()?
            .ok_or_else(|| RepositoryError::Internal("the signing key vanished".into()))
    }

    fn rotate(&self, next: &SigningKey) -> Result<Option<SigningKey>, RepositoryError> {
        let row = SigningKeyRow::from_key(next);
        let retired = self.db.write(|conn| {
            // Two rotations at once: the second waits here for the first
            // to commit, then retires the key the first made. (SQLite's
            // write transactions are serial already.)
            if let DbConnection::Postgresql(pg) = conn {
                diesel::sql_query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")
                    .execute(pg)?;
            }
            let retired = diesel::update(signing_keys::table)
                .filter(signing_keys::retired.is_null())
                .set(signing_keys::retired.eq(row.created))
                .returning(signing_keys::all_columns)
                .get_results::<SigningKeyRow>(conn)?;
            diesel::insert_into(signing_keys::table)
                .values(&row)
                .execute(conn)?;
            Ok(retired)
        })?;
        retired
            .into_iter()
            .next()
            .map(SigningKeyRow::into_key)
            .transpose()
    }

    fn published(&self, retired_after: Timestamp) -> Result<Vec<SigningKey>, RepositoryError> {
        self.db
            .run(|conn| {
                signing_keys::table
                    .filter(
                        signing_keys::retired
                            .is_null()
                            .or(signing_keys::retired.gt(naive(retired_after))),
                    )
                    .order(signing_keys::created.desc())
                    .load::<SigningKeyRow>(conn)
            })?
            .into_iter()
            .map(SigningKeyRow::into_key)
            .collect()
    }

    fn prune(&self, retired_before: Timestamp) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(
                signing_keys::table.filter(signing_keys::retired.le(naive(retired_before))),
            )
            .execute(conn)
        })
    }
}
