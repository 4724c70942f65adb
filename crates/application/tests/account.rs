#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod support;

use support::*;
use tokenauth_application::{
    ChangePasswordError, ChangePasswordInput, DeleteAccountError, EndSessionError, FieldValue,
    ProfileInput, UpdateProfileError,
};

#[test]
fn profile_update_changes_only_the_fields_sent() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let input = ProfileInput {
        first_name: text(" Ada "),
        ..ProfileInput::default()
    };
    let user = w.update_profile.execute(&session, input, &NOWHERE).unwrap();
    assert_eq!(user.first_name.as_str(), "Ada");
    assert_eq!(user.phone_number.as_str(), "+15551234567");
}

#[test]
fn profile_update_refuses_a_blank_phone_number() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let input = ProfileInput {
        phonenumber: text(""),
        ..ProfileInput::default()
    };
    assert!(matches!(
        w.update_profile.execute(&session, input, &NOWHERE),
        Err(UpdateProfileError::Invalid(_))
    ));
}

#[test]
fn password_change_needs_the_current_password() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let input = ChangePasswordInput {
        current_password: text("wrong-one-77"),
        new_password: text("another-Strong-pass-9"),
    };
    match w.change_password.execute(&session, input, &NOWHERE) {
        Err(ChangePasswordError::Invalid(errors)) => {
            assert_eq!(errors.fields()[0].0, "current_password");
            assert_eq!(errors.fields()[0].1[0].to_string(), "Invalid password.");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn password_change_keeps_the_token_used_and_revokes_the_others() {
    let w = world_keeping(3);
    let other = w.session("ada@example.com", NOBODY);
    let current = w.login_again("ada@example.com");
    let input = ChangePasswordInput {
        current_password: text(PASSWORD),
        new_password: text("another-Strong-pass-9"),
    };
    w.change_password
        .execute(&current, input, &NOWHERE)
        .unwrap();
    let tokens = w.store.tokens_of(current.user.id);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].id, current.token_id().unwrap());
    assert_ne!(tokens[0].id, other.token_id().unwrap());
}

#[test]
fn password_change_judges_the_new_password_as_signup_does() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let input = ChangePasswordInput {
        current_password: text(PASSWORD),
        new_password: FieldValue::text("123"),
    };
    assert!(matches!(
        w.change_password.execute(&session, input, &NOWHERE),
        Err(ChangePasswordError::Invalid(_))
    ));
}

#[test]
fn reset_from_the_command_line_revokes_every_token() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let password = tokenauth_domain::Password::new("another-Strong-pass-9".into());
    w.change_password
        .reset("ADA@example.com", password)
        .unwrap();
    assert!(w.store.tokens_of(session.user.id).is_empty());
    let unknown = tokenauth_domain::Password::new("another-Strong-pass-9".into());
    assert!(matches!(
        w.change_password.reset("nobody@example.com", unknown),
        Err(ChangePasswordError::UnknownUser)
    ));
}

#[test]
fn sessions_list_newest_first_and_mark_the_current_one() {
    let w = world_keeping(3);
    let first = w.session("ada@example.com", NOBODY);
    let second = w.login_again("ada@example.com");
    let sessions = w.sessions.list(&first).unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].token.id, second.token_id().unwrap());
    assert!(!sessions[0].current && sessions[1].current);
}

#[test]
fn a_user_ends_its_own_sessions_only() {
    let w = world_keeping(3);
    let ada = w.session("ada@example.com", NOBODY);
    let bob = w.session("bob@example.com", NOBODY);
    assert!(matches!(
        w.sessions
            .end(&ada, &bob.token_id().unwrap().to_string(), &NOWHERE),
        Err(EndSessionError::NotFound)
    ));
    assert!(matches!(
        w.sessions.end(&ada, "not-a-uuid", &NOWHERE),
        Err(EndSessionError::NotFound)
    ));
    w.sessions
        .end(&ada, &ada.token_id().unwrap().to_string(), &NOWHERE)
        .unwrap();
    assert!(w.store.tokens_of(ada.user.id).is_empty());
}

#[test]
fn a_blank_current_password_is_blank_and_never_checked() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    let input = ChangePasswordInput {
        current_password: text("  "),
        new_password: text("another-Strong-pass-9"),
    };
    match w.change_password.execute(&session, input, &NOWHERE) {
        Err(ChangePasswordError::Invalid(errors)) => {
            assert_eq!(
                errors.fields()[0].1[0].to_string(),
                "This field may not be blank."
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_deletion_needs_the_password() {
    let w = world();
    let session = w.session("ada@example.com", NOBODY);
    assert!(matches!(
        w.delete_account
            .execute(&session, &text("wrong-one-77"), &NOWHERE),
        Err(DeleteAccountError::Invalid(_))
    ));
    w.delete_account
        .execute(&session, &text(PASSWORD), &NOWHERE)
        .unwrap();
    assert!(w.store.tokens_of(session.user.id).is_empty());
}

#[test]
fn the_last_active_superuser_keeps_its_account() {
    let w = world();
    let root = w.session("root@example.com", SUPERUSER);
    assert!(matches!(
        w.delete_account.execute(&root, &text(PASSWORD), &NOWHERE),
        Err(DeleteAccountError::LastSuperuser)
    ));
    w.session("other@example.com", SUPERUSER);
    w.delete_account
        .execute(&root, &text(PASSWORD), &NOWHERE)
        .unwrap();
}
