#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod support;

use support::*;
use tokenauth_application::{AdminError, FieldValue, PageRequest, UserUpdateInput};

fn page(limit: u32, offset: u64) -> PageRequest {
    PageRequest { limit, offset }
}

#[test]
fn only_staff_may_administer() {
    let w = world();
    let user = w.session("user@example.com", NOBODY);
    assert!(matches!(
        w.admin.list(&user, page(50, 0), ""),
        Err(AdminError::Forbidden)
    ));
    assert!(matches!(
        w.admin.get(&user, &user.user.id.to_string()),
        Err(AdminError::Forbidden)
    ));
    assert!(matches!(
        w.admin.delete(&user, &user.user.id.to_string(), &NOWHERE),
        Err(AdminError::Forbidden)
    ));
}

#[test]
fn staff_list_and_search_users() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    for email in ["ada@example.com", "bob@example.com", "carol@elsewhere.org"] {
        w.signup.execute(signup_input(email), &NOWHERE).unwrap();
    }
    let all = w.admin.list(&staff, page(2, 0), "").unwrap();
    assert_eq!((all.count, all.users.len()), (4, 2));
    let found = w.admin.list(&staff, page(50, 0), "EXAMPLE bo").unwrap();
    assert_eq!(
        found
            .users
            .iter()
            .map(|u| u.email.as_str())
            .collect::<Vec<_>>(),
        ["bob@example.com"]
    );
}

#[test]
fn a_malformed_or_unknown_id_is_not_found() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    assert!(matches!(
        w.admin.get(&staff, "42"),
        Err(AdminError::NotFound)
    ));
    let unknown = tokenauth_domain::UserId::new_random().to_string();
    assert!(matches!(
        w.admin.get(&staff, &unknown),
        Err(AdminError::NotFound)
    ));
    assert!(matches!(
        w.admin.delete(&staff, &unknown, &NOWHERE),
        Err(AdminError::NotFound)
    ));
}

#[test]
fn deactivation_revokes_every_token_of_the_user() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    let user = w.session("user@example.com", NOBODY);
    let input = UserUpdateInput {
        is_active: FieldValue::Bool(false),
        ..UserUpdateInput::default()
    };
    let updated = w
        .admin
        .update(&staff, &user.user.id.to_string(), input, &NOWHERE)
        .unwrap();
    assert!(!updated.is_active);
    assert!(w.store.tokens_of(user.user.id).is_empty());
}

#[test]
fn only_superusers_may_change_staff_status() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    let root = w.session("root@example.com", SUPERUSER);
    let user = w.session("user@example.com", NOBODY);
    let promote = || UserUpdateInput {
        is_staff: FieldValue::text("true"),
        ..UserUpdateInput::default()
    };
    assert!(matches!(
        w.admin
            .update(&staff, &user.user.id.to_string(), promote(), &NOWHERE),
        Err(AdminError::Forbidden)
    ));
    assert!(
        w.admin
            .update(&root, &user.user.id.to_string(), promote(), &NOWHERE)
            .unwrap()
            .is_staff
    );
}

#[test]
fn a_non_boolean_is_active_is_a_field_error() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    let input = UserUpdateInput {
        is_active: FieldValue::text("maybe"),
        ..UserUpdateInput::default()
    };
    match w
        .admin
        .update(&staff, &staff.user.id.to_string(), input, &NOWHERE)
    {
        Err(AdminError::Invalid(errors)) => {
            assert_eq!(
                errors.fields()[0].1[0].to_string(),
                "Must be a valid boolean."
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deleting_a_user_removes_it_and_its_tokens() {
    let w = world();
    let staff = w.session("staff@example.com", STAFF);
    let user = w.session("user@example.com", NOBODY);
    w.admin
        .delete(&staff, &user.user.id.to_string(), &NOWHERE)
        .unwrap();
    assert!(w.store.tokens_of(user.user.id).is_empty());
    assert!(matches!(
        w.admin.get(&staff, &user.user.id.to_string()),
        Err(AdminError::NotFound)
    ));
}
