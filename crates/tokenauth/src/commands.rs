//! The administrative commands behind `tokenauth createsuperuser`,
//! `tokenauth changepassword`, `tokenauth resetmfa`, `tokenauth rotatekeys`
//! and `tokenauth sendtestmail`, as Django's `manage.py` has them.

use std::sync::Arc;

use tokenauth_adapters_db::{Database, DatabaseError, DieselSecondFactors, DieselUserRepository};
use tokenauth_adapters_system::{BcryptHasher, SystemClock};
use tokenauth_application::{
    ChangePasswordError, DeliveryOutcome, FieldError, FieldValue, Privileges, Rotation, Signup,
    SignupError, SignupInput, UserRepository, ValidationErrors,
};
use tokenauth_domain::{Email, EmailKey, Mail, Password, PasswordPolicy, RequestOrigin, User};

use crate::{Settings, wiring};

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
    let db = wiring::open_database(settings)?;
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
        email_verified: true,
    };
    signup
        .execute_with(input, privileges, &RequestOrigin::default())
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
    let db = wiring::open_database(settings)?;
    let change = wiring::change_password(
        Arc::new(DieselUserRepository::new(db)),
        Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost)),
    );
    change.reset(email, password).map_err(|error| match error {
        ChangePasswordError::Invalid(errors) => CommandError::Invalid(errors),
        ChangePasswordError::UnknownUser => CommandError::UnknownUser(email.to_owned()),
        other => CommandError::Failed(other.to_string()),
    })
}

/// Removes a user's TOTP and recovery codes (its tokens stay valid).
/// `Ok(false)` when the user had no second factor on.
pub fn reset_mfa(settings: &Settings, email: &str) -> Result<bool, CommandError> {
    let db = wiring::open_database(settings)?;
    let users = DieselUserRepository::new(db.clone());
    let unknown = || CommandError::UnknownUser(email.to_owned());
    let user = users
        .find_by_email_key(&EmailKey::from_input(email))
        .map_err(|error| CommandError::Failed(error.to_string()))?
        .ok_or_else(unknown)?;
    let factors = wiring::second_factor(
        settings,
        Arc::new(DieselSecondFactors::new(db)),
        Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost)),
    );
    factors
        .reset(user.id, None, &RequestOrigin::default())
        .map_err(|error| CommandError::Failed(error.to_string()))
}

/// Starts a new JWT signing key, retiring the current one.
pub fn rotate_keys(settings: &Settings) -> Result<Rotation, CommandError> {
    let db = wiring::open_database(settings)?;
    wiring::signing_keys(settings, &db)
        .rotate()
        .map_err(|error| CommandError::Failed(error.to_string()))
}

/// Queues one test message to `address` through the configured backend and
/// delivers it at once, as the server's worker would. `Ok` only once the
/// backend accepted it; a refusal stays in the outbox to be retried by a
/// running server, as any message would.
pub fn send_test_mail(settings: &Settings, address: &str) -> Result<(), CommandError> {
    let to = Email::parse(address).map_err(|invalid| {
        CommandError::Invalid(ValidationErrors::single(
            "address",
            FieldError::Invalid(invalid),
        ))
    })?;
    let db = Database::open(&settings.database_settings())?;
    let deliver = wiring::deliver_mail(settings, &db)
        .map_err(|error| CommandError::Failed(error.to_string()))?;
    let mail = Mail {
        to,
        subject: "tokenauth test message".to_owned(),
        body: "This message was sent by `tokenauth sendtestmail`: mail from tokenauth reaches this address.\n".to_owned(),
    };
    let failed =
        |error: &dyn std::fmt::Display| CommandError::Failed(format!("not delivered: {error}"));
    let id = deliver.queue(&mail).map_err(|error| failed(&error))?;
    match deliver.deliver_now(id).map_err(|error| failed(&error))? {
        Some(DeliveryOutcome::Sent) => Ok(()),
        Some(DeliveryOutcome::WillRetry(error, _) | DeliveryOutcome::GivenUp(error)) => {
            Err(failed(&error))
        }
        None => Err(CommandError::Failed(
            "not delivered: another process took the message".to_owned(),
        )),
    }
}
