//! Signup: create an account from an email, a phone number and a password.

use std::sync::Arc;

use tokenauth_domain::{
    Email, EventKind, NewUser, Password, PasswordPolicy, PersonName, PhoneNumber, RequestOrigin,
    SecurityEvent, User, UserAttributes, UserId,
};

use crate::FieldValue;
use crate::ports::{
    Clock, HashingError, PasswordHasher, RepositoryError, SaveUserError, UserRepository,
};
use crate::validation::{FieldError, ValidationErrors};

/// What a client sends to sign up.
#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    /// Required.
    pub email: FieldValue,
    /// Required.
    pub phonenumber: FieldValue,
    /// Required; judged by the password policy.
    pub password: FieldValue,
    /// Optional, empty by default.
    pub first_name: FieldValue,
    /// Optional, empty by default.
    pub last_name: FieldValue,
}

/// Why a signup failed.
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// One or more fields were refused (including a taken email).
    #[error("invalid signup: {0:?}")]
    Invalid(ValidationErrors),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// The hasher failed.
    #[error(transparent)]
    Hashing(#[from] HashingError),
}

/// Which privileges a new account gets: none through the public API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Privileges {
    /// Staff status.
    pub is_staff: bool,
    /// Superuser status.
    pub is_superuser: bool,
    /// The address counts as verified (an operator vouches for it).
    pub email_verified: bool,
}

/// The signup use case.
#[derive(Clone)]
pub struct Signup {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    policy: PasswordPolicy,
}

impl std::fmt::Debug for Signup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signup").finish_non_exhaustive()
    }
}

impl Signup {
    /// Builds the use case over its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        policy: PasswordPolicy,
    ) -> Self {
        Self {
            users,
            hasher,
            clock,
            policy,
        }
    }

    /// Validates every field at once, hashes the password and stores the user.
    pub fn execute(&self, input: SignupInput, origin: &RequestOrigin) -> Result<User, SignupError> {
        self.execute_with(input, Privileges::default(), origin)
    }

    /// As [`Signup::execute`], granting `privileges` (for the command line's
    /// `createsuperuser`; the HTTP API never grants any).
    pub fn execute_with(
        &self,
        input: SignupInput,
        privileges: Privileges,
        origin: &RequestOrigin,
    ) -> Result<User, SignupError> {
        // Names are read first (the password is judged against them) but
        // reported after it: DRF lists field errors in the serializer's order.
        let mut name_errors = ValidationErrors::default();
        let first_name =
            name_errors.parse("first_name", &input.first_name, false, PersonName::parse);
        let last_name = name_errors.parse("last_name", &input.last_name, false, PersonName::parse);
        let mut errors = ValidationErrors::default();
        let email = errors.parse("email", &input.email, true, Email::parse);
        if let Some(email) = &email {
            // DRF's UniqueValidator runs with the other field checks, so a
            // taken email is reported beside every other failing field. The
            // insert below still decides races through the unique index.
            if self.users.find_by_email_key(&email.key())?.is_some() {
                errors.add("email", vec![FieldError::EmailTaken]);
            }
        }
        let phone_number =
            errors.parse("phonenumber", &input.phonenumber, true, PhoneNumber::parse);
        let attributes = UserAttributes {
            email: input.email.as_text().unwrap_or_default(),
            first_name: input.first_name.as_text().unwrap_or_default(),
            last_name: input.last_name.as_text().unwrap_or_default(),
        };
        let password = errors
            .parse("password", &input.password, true, |text| {
                Ok(Password::new(text.to_owned()))
            })
            .and_then(|password| match self.policy.check(password, attributes) {
                Ok(accepted) => Some(accepted),
                Err(problems) => {
                    errors.add(
                        "password",
                        problems.into_iter().map(FieldError::Invalid).collect(),
                    );
                    None
                }
            });
        errors.extend(name_errors);
        let (Some(email), Some(phone_number), Some(password)) = (email, phone_number, password)
        else {
            return Err(SignupError::Invalid(errors));
        };
        // Hash even when the email alone is taken, so a taken email costs
        // the same time as a free one.
        let password_hash = self.hasher.hash(&password)?;
        if !errors.is_empty() {
            return Err(SignupError::Invalid(errors));
        }
        let new_user = NewUser {
            id: UserId::new_random(),
            email,
            phone_number,
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            password_hash,
            is_staff: privileges.is_staff,
            is_superuser: privileges.is_superuser,
            email_verified: privileges.email_verified,
            date_joined: self.clock.now(),
        };
        let signed_up = SecurityEvent::new(
            EventKind::UserSignedUp,
            Some(new_user.id),
            origin,
            new_user.date_joined,
        );
        match self.users.insert(new_user, &[signed_up]) {
            Ok(user) => Ok(user),
            Err(SaveUserError::EmailTaken) => Err(SignupError::Invalid(ValidationErrors::single(
                "email",
                FieldError::EmailTaken,
            ))),
            Err(SaveUserError::Repository(error)) => Err(SignupError::Storage(error)),
        }
    }
}
