//! The administrative commands behind `tokenauth createsuperuser` and
//! `tokenauth changepassword`, as Django's `manage.py` has them.

use std::sync::Arc;

use tokenauth_adapters_db::{Database, DatabaseError, DieselUserRepository};
use tokenauth_adapters_system::{BcryptHasher, SystemClock};
use tokenauth_application::{
    ChangePassword, ChangePasswordError, FieldValue, Privileges, Signup, SignupError, SignupInput,
    ValidationErrors,
};
use tokenauth_domain::{Password, PasswordPolicy, User};

use crate::Settings;

/// Why a command failed; `Display` is the one line printed for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The database could not be opened.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// Values were refused.
    #[error("{}", describe(.0))]
    Invalid(ValidationErrors),
    /// No user has the email given.
    #[error("user {0:?} does not exist")]
    UnknownUser(String),
    /// Anything else (storage, hashing); the message says what.
    #[error("{0}")]
    Failed(String),
}

fn describe(errors: &ValidationErrors) -> String {
    errors
        .fields()
        .iter()
        .map(|(field, reasons)| {
            let reasons: Vec<String> = reasons.iter().map(ToString::to_string).collect();
            format!("{field}: {}", reasons.join(" "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Creates a user with staff and superuser status, under the signup rules.
pub fn create_superuser(
    settings: &Settings,
    email: &str,
    phone_number: &str,
    password: Password,
) -> Result<User, CommandError> {
    let db = Database::open(&settings.database_settings())?;
    let signup = Signup::new(
        Arc::new(DieselUserRepository::new(db)),
        Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost)),
        Arc::new(SystemClock),
        PasswordPolicy::default(),
    );
    let input = SignupInput {
        email: FieldValue::text(email),
        phonenumber: FieldValue::text(phone_number),
        password: FieldValue::text(password.expose()),
        ..SignupInput::default()
    };
    let privileges = Privileges {
        is_staff: true,
        is_superuser: true,
    };
    signup
        .execute_with(input, privileges)
        .map_err(|error| match error {
            SignupError::Invalid(errors) => CommandError::Invalid(errors),
            other => CommandError::Failed(other.to_string()),
        })
}

/// Sets a user's password and revokes all of its tokens.
pub fn change_password(
    settings: &Settings,
    email: &str,
    password: Password,
) -> Result<User, CommandError> {
    let db = Database::open(&settings.database_settings())?;
    let change = ChangePassword::new(
        Arc::new(DieselUserRepository::new(db)),
        Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost)),
        PasswordPolicy::default(),
    );
    change.reset(email, password).map_err(|error| match error {
        ChangePasswordError::Invalid(errors) => CommandError::Invalid(errors),
        ChangePasswordError::UnknownUser => CommandError::UnknownUser(email.to_owned()),
        other => CommandError::Failed(other.to_string()),
    })
}
