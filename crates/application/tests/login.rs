#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod support;

use support::*;
use tokenauth_application::{FieldValue, LoginError, LoginInput};

fn login(
    w: &World,
    email: &str,
    password: &str,
) -> Result<tokenauth_application::LoginSuccess, LoginError> {
    w.login.execute(
        LoginInput {
            email: text(email),
            password: text(password),
        },
        &NOWHERE,
    )
}

#[test]
fn blank_email_is_reported_first() {
    let w = world();
    let result = w.login.execute(
        LoginInput {
            email: text("  "),
            password: FieldValue::Missing,
        },
        &NOWHERE,
    );
    assert!(matches!(result, Err(LoginError::EmailBlank)));
    let result = w.login.execute(LoginInput::default(), &NOWHERE);
    assert!(matches!(result, Err(LoginError::EmailBlank)));
}

#[test]
fn blank_password_is_reported_second() {
    let w = world();
    assert!(matches!(
        login(&w, "ada@example.com", ""),
        Err(LoginError::PasswordBlank)
    ));
}

#[test]
fn unknown_email_and_wrong_password_give_the_same_error() {
    let w = world();
    w.signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    assert!(matches!(
        login(&w, "nobody@example.com", PASSWORD),
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(
        login(&w, "ada@example.com", "wrong-password"),
        Err(LoginError::InvalidCredentials)
    ));
}

#[test]
fn inactive_users_cannot_log_in() {
    let w = world();
    let user = w
        .signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    w.store.set_active(user.id, false);
    assert!(matches!(
        login(&w, "ada@example.com", PASSWORD),
        Err(LoginError::InvalidCredentials)
    ));
}

#[test]
fn login_is_case_insensitive_and_sets_last_login() {
    let w = world();
    w.signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    let success = login(&w, "ADA@EXAMPLE.com", PASSWORD).unwrap();
    assert!(success.user.last_login.is_some());
    assert_eq!(success.issued.key.expose().len(), 40);
    assert_eq!(
        success.issued.token.expires,
        Some(success.issued.token.created + chrono::TimeDelta::seconds(TTL as i64))
    );
}

#[test]
fn login_rotates_the_previous_token_out() {
    let w = world();
    let user = w
        .signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    let first = login(&w, "ada@example.com", PASSWORD).unwrap();
    w.clock.advance(1);
    let second = login(&w, "ada@example.com", PASSWORD).unwrap();
    assert!(w.authenticate_with(&first.issued.key.expose()).is_err());
    assert!(w.authenticate_with(&second.issued.key.expose()).is_ok());
    assert_eq!(w.store.tokens_of(user.id).len(), 1);
}

#[test]
fn with_a_larger_limit_login_revokes_only_the_oldest_beyond_it() {
    let w = world_keeping(2);
    let user = w
        .signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    let keys: Vec<String> = (0..3)
        .map(|_| {
            w.clock.advance(1);
            login(&w, "ada@example.com", PASSWORD)
                .unwrap()
                .issued
                .key
                .expose()
        })
        .collect();
    assert!(w.authenticate_with(&keys[0]).is_err());
    assert!(w.authenticate_with(&keys[1]).is_ok());
    assert!(w.authenticate_with(&keys[2]).is_ok());
    assert_eq!(w.store.tokens_of(user.id).len(), 2);
}
