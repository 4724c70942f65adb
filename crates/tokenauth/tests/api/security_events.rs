//! The security event log: what each action records, and the two lists
//! that read it (`GET /api/me/events`, `GET /api/events`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app};
use crate::on_both_backends;

const BROWSER: &str = "Mozilla/5.0 (tokenauth tests)";

async fn own_events(app: &TestApp, key: &str, query: &str) -> Reply {
    app.send(Method::GET, &format!("/api/me/events{query}"), key)
        .await
}

async fn all_events(app: &TestApp, key: &str, query: &str) -> Reply {
    app.send(Method::GET, &format!("/api/events{query}"), key)
        .await
}

/// The types of a page's events, newest first.
fn types(page: &Reply) -> Vec<String> {
    page.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The newest event of `kind` on the page.
fn newest<'a>(page: &'a Reply, kind: &str) -> &'a Value {
    page.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", page.body))
}

async fn signup_and_login_are_recorded_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let page = own_events(&app, &key, "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(types(&page), ["login.succeeded", "user.signed_up"]);
    assert_eq!(page.body["count"], 2);
    assert_eq!(page.body["next"], Value::Null);
    let login = newest(&page, "login.succeeded");
    assert_eq!(login["detail"], json!({"method": "password"}));
    assert_eq!(login["ip"], "127.0.0.1");
    assert!(uuid::Uuid::try_parse(login["token_id"].as_str().unwrap()).is_ok());
    let keys: Vec<&str> = login
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "type",
            "created",
            "user_id",
            "actor_id",
            "ip",
            "user_agent",
            "token_id",
            "detail"
        ]
    );
}

async fn an_event_keeps_the_user_agent_and_the_token_made(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let login = app
        .client
        .post(app.url("/api/login"))
        .header("user-agent", BROWSER)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let login = Reply::read(login).await;
    let key = login.body["token"]["key"].as_str().unwrap();
    let page = own_events(&app, key, "?type=login.succeeded").await;
    let event = newest(&page, "login.succeeded");
    assert_eq!(event["user_agent"], BROWSER);
    let tokens = app.send(Method::GET, "/api/me/tokens", key).await;
    let token = &tokens.body[0];
    assert_eq!(event["token_id"], token["id"]);
    assert_eq!(token["user_agent"], BROWSER);
    assert_eq!(token["ip"], "127.0.0.1");
}

async fn a_failed_login_is_recorded_with_the_address_it_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.login("ADA@Example.com", "not-the-Password-1").await;
    let page = own_events(&app, &key, "?type=login.failed").await;
    let failed = newest(&page, "login.failed");
    assert_eq!(
        failed["detail"],
        json!({"reason": "invalid_credentials", "email": "ADA@example.com"})
    );
}

async fn a_login_for_an_unknown_address_is_recorded_with_no_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.admin_with_token("root@example.com", false).await;
    app.login("nobody@example.com", PASSWORD).await;
    let page = all_events(&app, &root, "?type=login.failed").await;
    let failed = newest(&page, "login.failed");
    assert_eq!(failed["user_id"], Value::Null);
    assert_eq!(failed["detail"]["email"], "nobody@example.com");
}

async fn logout_logoutall_and_token_changes_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let made = app
        .send_json(
            Method::POST,
            "/api/me/tokens",
            &session,
            &json!({"name": "ci", "scopes": ["account:read"]}),
        )
        .await;
    let personal_id = made.body["id"].as_str().unwrap().to_owned();
    app.send(
        Method::DELETE,
        &format!("/api/me/tokens/{personal_id}"),
        &session,
    )
    .await;
    app.post_with_token("/api/logout", &session).await;
    let key = app.token_for("ada@example.com").await;
    app.post_with_token("/api/logoutall", &key).await;
    let key = app.token_for("ada@example.com").await;
    let page = own_events(&app, &key, "").await;
    assert_eq!(
        &types(&page)[..6],
        [
            "login.succeeded",
            "logout_all",
            "login.succeeded",
            "logout",
            "token.revoked",
            "token.created"
        ]
    );
    let created = newest(&page, "token.created");
    assert_eq!(
        created["detail"],
        json!({"name": "ci", "scopes": ["account:read"]})
    );
    assert_eq!(created["token_id"], personal_id.as_str());
    let revoked = newest(&page, "token.revoked");
    assert_eq!(revoked["detail"], json!({"via": "api"}));
    assert_eq!(revoked["token_id"], personal_id.as_str());
}

async fn profile_and_password_changes_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.send_json(
        Method::PATCH,
        "/api/me",
        &key,
        &json!({"first_name": "Ada", "last_name": ""}),
    )
    .await;
    app.send_json(
        Method::POST,
        "/api/me/password",
        &key,
        &json!({"current_password": PASSWORD, "new_password": "another-Strong-pass-9"}),
    )
    .await;
    let page = own_events(&app, &key, "").await;
    assert_eq!(&types(&page)[..2], ["password.changed", "user.updated"]);
    assert_eq!(
        newest(&page, "user.updated")["detail"],
        json!({"fields": ["first_name"]}),
        "only what changed"
    );
}

async fn a_patch_that_changes_nothing_records_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.send_json(Method::PATCH, "/api/me", &key, &json!({"last_name": ""}))
        .await;
    let page = own_events(&app, &key, "?type=user.updated").await;
    assert_eq!(page.body["count"], 0);
}

async fn staff_actions_name_the_actor(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let ada = app.user_with_token("ada@example.com").await;
    let ada_id = app.get_me(&ada).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let staff_id = app.get_me(&staff).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send_json(
        Method::PATCH,
        &format!("/api/users/{ada_id}"),
        &staff,
        &json!({"is_active": false}),
    )
    .await;
    app.send(Method::DELETE, &format!("/api/users/{ada_id}"), &staff)
        .await;
    let page = all_events(&app, &staff, &format!("?user_id={ada_id}")).await;
    assert_eq!(&types(&page)[..2], ["user.deleted", "user.updated"]);
    let updated = newest(&page, "user.updated");
    assert_eq!(updated["actor_id"], staff_id.as_str());
    assert_eq!(updated["detail"], json!({"fields": ["is_active"]}));
    let deleted = newest(&page, "user.deleted");
    assert_eq!(deleted["detail"], json!({"email": "ada@example.com"}));
    assert_eq!(deleted["actor_id"], staff_id.as_str());
}

async fn self_deletion_is_recorded_and_the_events_stay(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let ada = app.user_with_token("ada@example.com").await;
    let ada_id = app.get_me(&ada).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send_json(
        Method::POST,
        "/api/me/delete",
        &ada,
        &json!({"password": PASSWORD}),
    )
    .await;
    let page = all_events(&app, &staff, &format!("?user_id={ada_id}")).await;
    assert_eq!(
        types(&page),
        ["user.deleted", "login.succeeded", "user.signed_up"]
    );
    assert_eq!(newest(&page, "user.deleted")["actor_id"], Value::Null);
}

async fn a_users_list_holds_only_its_own_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.user_with_token("ada@example.com").await;
    app.user_with_token("bob@example.com").await;
    let page = own_events(&app, &ada, "").await;
    assert_eq!(page.body["count"], 2);
}

async fn the_own_list_filters_by_type_and_an_unknown_type_matches_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let signed_up = own_events(&app, &key, "?type=user.signed_up").await;
    assert_eq!(types(&signed_up), ["user.signed_up"]);
    let unknown = own_events(&app, &key, "?type=no.such").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(unknown.body["count"], 0);
}

async fn the_lists_page_as_the_users_list_does(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    for _ in 0..3 {
        app.token_for("ada@example.com").await;
    }
    let key = app.token_for("ada@example.com").await;
    let first = own_events(&app, &key, "?limit=2").await;
    assert_eq!(first.body["count"], 5);
    assert_eq!(first.body["results"].as_array().unwrap().len(), 2);
    assert_eq!(first.body["previous"], Value::Null);
    let next = first.body["next"].as_str().unwrap();
    assert!(next.ends_with("/api/me/events?limit=2&offset=2"), "{next}");
    let last = own_events(&app, &key, "?limit=2&offset=4").await;
    assert_eq!(types(&last), ["user.signed_up"]);
    assert_eq!(last.body["next"], Value::Null);
}

async fn the_staff_list_filters_by_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let future = all_events(&app, &staff, "?since=2999-01-01T00:00:00Z").await;
    assert_eq!(future.body["count"], 0);
    let past = all_events(&app, &staff, "?until=2000-01-01T00:00:00%2B01:00").await;
    assert_eq!(past.body["count"], 0);
    let all = all_events(
        &app,
        &staff,
        "?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(all.body["count"], 2);
}

async fn malformed_filters_are_all_reported(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let reply = all_events(
        &app,
        &staff,
        "?user_id=nope&since=yesterday&until=2026-13-01",
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({
            "user_id": ["Enter a valid UUID."],
            "since": ["Enter a valid date/time."],
            "until": ["Enter a valid date/time."]
        })
    );
    assert_eq!(
        all_events(&app, &staff, "?since=x").await.body,
        field_error("since", "Enter a valid date/time.")
    );
}

async fn the_staff_list_is_for_staff(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    assert_eq!(
        all_events(&app, &key, "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(Method::GET, "/api/me/events", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn no_event_holds_a_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let key = app.user_with_token("ada@example.com").await;
    app.login("ada@example.com", "wrong-Password-77").await;
    let page = all_events(&app, &staff, "?limit=1000").await;
    let text = page.body.to_string();
    for secret in [PASSWORD, "wrong-Password-77", &key, &staff] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(!text.contains("$2b$"), "no hash");
}

async fn reset_requests_are_recorded_for_known_and_unknown_addresses(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    for email in ["staff@example.com", "nobody@example.com"] {
        let reply = app
            .post_json("/api/password/reset", &json!({"email": email}))
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    }
    // Recorded by the mail worker, which looks the account up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let page = loop {
        let page = all_events(&app, &staff, "?type=password.reset_requested").await;
        if page.body["count"] == 2 || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(page.body["count"], 2, "{:?}", page.body);
    let staff_id = app.get_me(&staff).await.body["id"].clone();
    let mut users: Vec<Value> = page.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["user_id"].clone())
        .collect();
    users.sort_by_key(Value::is_null);
    assert_eq!(users, [staff_id, Value::Null]);
}

on_both_backends!(
    reset_requests_are_recorded_for_known_and_unknown_addresses,
    signup_and_login_are_recorded_newest_first,
    an_event_keeps_the_user_agent_and_the_token_made,
    a_failed_login_is_recorded_with_the_address_it_named,
    a_login_for_an_unknown_address_is_recorded_with_no_user,
    logout_logoutall_and_token_changes_are_recorded,
    profile_and_password_changes_are_recorded,
    a_patch_that_changes_nothing_records_nothing,
    staff_actions_name_the_actor,
    self_deletion_is_recorded_and_the_events_stay,
    a_users_list_holds_only_its_own_events,
    the_own_list_filters_by_type_and_an_unknown_type_matches_nothing,
    the_lists_page_as_the_users_list_does,
    the_staff_list_filters_by_time,
    malformed_filters_are_all_reported,
    the_staff_list_is_for_staff,
    no_event_holds_a_secret,
);
