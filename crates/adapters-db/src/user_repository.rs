use diesel::prelude::*;
use tokenauth_application::{RepositoryError, SaveUserError, UserRepository};
use tokenauth_domain::{EmailKey, NewUser, User, UserId};

use crate::Database;
use crate::error::{from_diesel, is_unique_violation};
use crate::models::UserRow;
use crate::schema::users;

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
    fn insert(&self, user: NewUser) -> Result<User, SaveUserError> {
        let mut conn = self.db.connection()?;
        // The unique index on email_key decides races: no check-then-insert.
        match diesel::insert_into(users::table)
            .values(UserRow::from_new(&user))
            .execute(&mut *conn)
        {
            Ok(_) => Ok(user.into_user()),
            Err(error) if is_unique_violation(&error) => Err(SaveUserError::EmailTaken),
            Err(error) => Err(from_diesel(error).into()),
        }
    }

    fn find_by_email_key(&self, key: &EmailKey) -> Result<Option<User>, RepositoryError> {
        let mut conn = self.db.connection()?;
        users::table
            .filter(users::email_key.eq(key.as_str()))
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()
            .map_err(from_diesel)?
            .map(UserRow::into_user)
            .transpose()
    }

    fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        let mut conn = self.db.connection()?;
        users::table
            .find(id.to_string())
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()
            .map_err(from_diesel)?
            .map(UserRow::into_user)
            .transpose()
    }
}
