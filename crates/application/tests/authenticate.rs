#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod support;

use std::sync::Arc;

use support::*;
use tokenauth_application::{AuthenticateError, LoginInput, Logout, LogoutAll};
use tokenauth_domain::Identity;

fn logged_in(w: &World) -> String {
    w.signup
        .execute(signup_input("ada@example.com"), &NOWHERE)
        .unwrap();
    w.login
        .execute(
            LoginInput {
                email: text("ada@example.com"),
                password: text(PASSWORD),
            },
            &NOWHERE,
        )
        .unwrap()
        .issued
        .key
        .expose()
}

#[test]
fn a_valid_key_authenticates_its_user() {
    let w = world();
    let key = logged_in(&w);
    let session = w.authenticate_with(&key).unwrap();
    assert_eq!(session.user.email.as_str(), "ada@example.com");
}

#[test]
fn malformed_and_unknown_keys_are_invalid() {
    let w = world();
    logged_in(&w);
    for key in ["", "abc", &"0".repeat(40), &"Z".repeat(40)] {
        assert!(
            matches!(
                w.authenticate_with(key),
                Err(AuthenticateError::InvalidToken)
            ),
            "{key}"
        );
    }
}

#[test]
fn the_stored_digest_is_not_a_key() {
    let w = world();
    let key = logged_in(&w);
    let digest = tokenauth_domain::TokenKey::parse(&key)
        .unwrap()
        .digest()
        .to_hex();
    assert!(matches!(
        w.authenticate_with(&digest),
        Err(AuthenticateError::InvalidToken)
    ));
}

#[test]
fn an_expired_key_says_so() {
    let w = world();
    let key = logged_in(&w);
    w.clock.advance(TTL as i64);
    assert!(matches!(
        w.authenticate_with(&key),
        Err(AuthenticateError::Expired)
    ));
}

#[test]
fn use_slides_the_expiry_forward() {
    let w = world();
    let key = logged_in(&w);
    w.clock.advance(TTL as i64 - 10);
    assert!(w.authenticate_with(&key).is_ok());
    w.clock.advance(TTL as i64 - 10);
    assert!(w.authenticate_with(&key).is_ok());
}

#[test]
fn use_is_written_at_most_once_a_minute() {
    let w = world();
    let key = logged_in(&w);
    for _ in 0..5 {
        w.authenticate_with(&key).unwrap();
        w.clock.advance(10);
    }
    assert_eq!(
        *w.store.record_use_calls.lock().unwrap(),
        1,
        "the first use is written, the next ones within the minute are not"
    );
    w.clock.advance(20);
    w.authenticate_with(&key).unwrap();
    w.authenticate_with(&key).unwrap();
    assert_eq!(*w.store.record_use_calls.lock().unwrap(), 2);
}

#[test]
fn an_inactive_user_is_refused() {
    let w = world();
    let key = logged_in(&w);
    let user = w.authenticate_with(&key).unwrap().user;
    w.store.set_active(user.id, false);
    assert!(matches!(
        w.authenticate_with(&key),
        Err(AuthenticateError::UserInactive)
    ));
}

#[test]
fn identifying_a_key_gives_who_its_user_is() {
    let w = world();
    let key = logged_in(&w);
    let session = w.authenticate_with(&key).unwrap();
    let identified = w.identify_with(&key).unwrap();
    assert_eq!(identified.user, Identity::from(&session.user));
    assert_eq!(identified.token_id().unwrap(), session.token_id().unwrap());
}

#[test]
fn identifying_applies_the_same_checks() {
    let w = world();
    let key = logged_in(&w);
    assert!(matches!(
        w.identify_with(&"0".repeat(40)),
        Err(AuthenticateError::InvalidToken)
    ));
    let user = w.identify_with(&key).unwrap().user;
    w.store.set_active(user.id, false);
    assert!(matches!(
        w.identify_with(&key),
        Err(AuthenticateError::UserInactive)
    ));
    w.clock.advance(TTL as i64);
    assert!(matches!(
        w.identify_with(&key),
        Err(AuthenticateError::Expired)
    ));
}

#[test]
fn identifying_slides_the_expiry_like_any_use() {
    let w = world();
    let key = logged_in(&w);
    w.clock.advance(TTL as i64 - 10);
    assert!(w.identify_with(&key).is_ok());
    assert_eq!(*w.store.record_use_calls.lock().unwrap(), 1);
    w.clock.advance(TTL as i64 - 10);
    assert!(w.identify_with(&key).is_ok());
}

#[test]
fn logout_revokes_the_token_used() {
    let w = world();
    let key = logged_in(&w);
    let session = w.authenticate_with(&key).unwrap();
    Logout::new(w.store.clone(), w.store.clone(), w.clock.clone())
        .execute(&session, &NOWHERE)
        .unwrap();
    assert!(matches!(
        w.authenticate_with(&key),
        Err(AuthenticateError::InvalidToken)
    ));
}

#[test]
fn logout_all_revokes_every_token_of_the_user() {
    let w = world_keeping(3);
    let key = logged_in(&w);
    let other = w
        .login
        .execute(
            LoginInput {
                email: text("ada@example.com"),
                password: text(PASSWORD),
            },
            &NOWHERE,
        )
        .unwrap()
        .issued
        .key
        .expose();
    let session = w.authenticate_with(&key).unwrap();
    let revoked = LogoutAll::new(Arc::clone(&w.store) as _, w.clock.clone())
        .execute(&session, &NOWHERE)
        .unwrap();
    assert_eq!(revoked, 2);
    assert!(w.authenticate_with(&other).is_err());
}

#[test]
fn pruning_deletes_expired_tokens_only() {
    let w = world_keeping(3);
    let old = logged_in(&w);
    w.clock.advance(TTL as i64 - 100);
    let fresh = w
        .login
        .execute(
            LoginInput {
                email: text("ada@example.com"),
                password: text(PASSWORD),
            },
            &NOWHERE,
        )
        .unwrap()
        .issued
        .key
        .expose();
    w.clock.advance(200);
    let prune =
        tokenauth_application::PruneTokens::new(w.store.clone(), w.store.clone(), w.clock.clone());
    assert_eq!(prune.execute().unwrap(), 1);
    assert!(matches!(
        w.authenticate_with(&old),
        Err(AuthenticateError::InvalidToken)
    ));
    assert!(w.authenticate_with(&fresh).is_ok());
}
