//! A user deleting its own account: `POST /api/me/delete`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app};
use crate::on_both_backends;

const LAST_SUPERUSER: &str = "The last superuser cannot be deleted.";

async fn delete_me(app: &TestApp, key: &str, password: &str) -> Reply {
    app.send_json(
        Method::POST,
        "/api/me/delete",
        key,
        &json!({"password": password}),
    )
    .await
}

async fn deleting_the_account_removes_it_and_every_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&key, &["account:read"]).await;
    let reply = delete_me(&app, &key, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    for gone in [&key, &personal] {
        assert_eq!(app.get_me(gone).await.detail(), "Invalid token.");
    }
    assert_eq!(app.count("users"), 0);
    assert_eq!(app.count("auth_tokens"), 0);
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn the_address_is_free_again_after_deletion(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    assert_eq!(
        delete_me(&app, &key, PASSWORD).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.signup("ada@example.com").await.status,
        StatusCode::CREATED
    );
}

async fn a_wrong_password_deletes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = delete_me(&app, &key, "not-the-Password-1").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("password", "Invalid password."));
    assert_eq!(app.get_me(&key).await.status, StatusCode::OK);
}

async fn a_missing_or_blank_password_gets_the_fixed_messages(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let missing = app
        .send_json(Method::POST, "/api/me/delete", &key, &json!({}))
        .await;
    assert_eq!(
        missing.body,
        field_error("password", "This field is required.")
    );
    assert_eq!(
        delete_me(&app, &key, "").await.body,
        field_error("password", "This field may not be blank.")
    );
}

async fn the_last_active_superuser_cannot_delete_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.admin_with_token("root@example.com", true).await;
    let reply = delete_me(&app, &root, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"detail": LAST_SUPERUSER}));
    assert_eq!(app.get_me(&root).await.status, StatusCode::OK);
}

async fn a_superuser_with_another_active_one_may_delete_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.admin_with_token("root@example.com", true).await;
    app.admin_with_token("other@example.com", true).await;
    assert_eq!(
        delete_me(&app, &root, PASSWORD).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn an_inactive_superuser_does_not_count_as_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.admin_with_token("root@example.com", true).await;
    app.admin_with_token("other@example.com", true).await;
    app.sql("UPDATE users SET is_active = FALSE WHERE email = 'other@example.com'");
    assert_eq!(
        delete_me(&app, &root, PASSWORD).await.body,
        json!({"detail": LAST_SUPERUSER})
    );
}

async fn two_superusers_deleting_themselves_at_once_leave_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.admin_with_token("first@example.com", true).await;
    let second = app.admin_with_token("second@example.com", true).await;
    let (a, b) = tokio::join!(
        delete_me(&app, &first, PASSWORD),
        delete_me(&app, &second, PASSWORD)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST],
        "{a:?} {b:?}"
    );
    assert_eq!(app.count("users WHERE is_superuser"), 1);
}

async fn a_personal_token_may_not_delete_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&session, &["account:write"]).await;
    assert_eq!(
        delete_me(&app, &personal, PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("users"), 1);
}

on_both_backends!(
    deleting_the_account_removes_it_and_every_token,
    the_address_is_free_again_after_deletion,
    a_wrong_password_deletes_nothing,
    a_missing_or_blank_password_gets_the_fixed_messages,
    the_last_active_superuser_cannot_delete_itself,
    a_superuser_with_another_active_one_may_delete_itself,
    an_inactive_superuser_does_not_count_as_another,
    two_superusers_deleting_themselves_at_once_leave_one,
    a_personal_token_may_not_delete_the_account,
);
