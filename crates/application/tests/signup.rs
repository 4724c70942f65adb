#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod support;

use support::*;
use tokenauth_application::{FieldError, FieldValue, SignupError, SignupInput};
use tokenauth_domain::InvalidValue;

fn invalid(
    result: Result<tokenauth_domain::User, SignupError>,
) -> Vec<(&'static str, Vec<String>)> {
    match result {
        Err(SignupError::Invalid(errors)) => errors
            .fields()
            .iter()
            .map(|(f, e)| (*f, e.iter().map(ToString::to_string).collect()))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn creates_an_active_user_with_a_hashed_password() {
    let w = world();
    let user = w
        .signup
        .execute(signup_input("Ada@Example.COM"), &NOWHERE)
        .unwrap();
    assert_eq!(user.email.as_str(), "Ada@example.com");
    assert!(user.is_active && !user.is_staff && user.last_login.is_none());
    // Stored as the hasher made it, never as the password itself.
    assert!(user.password_hash.as_str().starts_with("plain$"));
    assert_ne!(user.password_hash.as_str(), PASSWORD);
}

#[test]
fn reports_every_missing_field_at_once() {
    let w = world();
    let errors = invalid(w.signup.execute(SignupInput::default(), &NOWHERE));
    let required = vec!["This field is required.".to_string()];
    assert_eq!(
        errors,
        vec![
            ("email", required.clone()),
            ("phonenumber", required.clone()),
            ("password", required)
        ]
    );
}

#[test]
fn refuses_a_taken_email_in_any_case() {
    let w = world();
    w.signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    let errors = invalid(w.signup.execute(signup_input("ADA@example.com"), &NOWHERE));
    assert_eq!(
        errors,
        vec![(
            "email",
            vec!["user with this email already exists.".to_string()]
        )]
    );
}

#[test]
fn null_and_non_text_values_get_their_own_messages() {
    let w = world();
    let input = SignupInput {
        email: FieldValue::Null,
        phonenumber: FieldValue::NotText,
        ..signup_input("x@example.com")
    };
    let errors = invalid(w.signup.execute(input, &NOWHERE));
    assert_eq!(
        errors,
        vec![
            ("email", vec!["This field may not be null.".to_string()]),
            ("phonenumber", vec!["Not a valid string.".to_string()])
        ]
    );
}

#[test]
fn password_problems_are_listed_together() {
    let w = world();
    let input = SignupInput {
        password: text("1234"),
        ..signup_input("x@example.com")
    };
    let errors = invalid(w.signup.execute(input, &NOWHERE));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "password");
    assert!(
        errors[0]
            .1
            .contains(&FieldError::Invalid(InvalidValue::PasswordEntirelyNumeric).to_string())
    );
    assert!(
        errors[0]
            .1
            .contains(&FieldError::Invalid(InvalidValue::PasswordTooShort { min: 8 }).to_string())
    );
}

#[test]
fn optional_names_are_validated_when_given() {
    let w = world();
    let input = SignupInput {
        first_name: text(&"x".repeat(151)),
        ..signup_input("x@example.com")
    };
    let errors = invalid(w.signup.execute(input, &NOWHERE));
    assert_eq!(
        errors,
        vec![(
            "first_name",
            vec!["Ensure this field has no more than 150 characters.".to_string()]
        )]
    );
}
