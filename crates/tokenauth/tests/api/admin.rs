use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{TestApp, spawn_app};
use crate::on_both_backends;

const FORBIDDEN: &str = "You do not have permission to perform this action.";

async fn user_id(app: &TestApp, key: &str) -> String {
    app.get_me(key).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn every_admin_route_follows_the_permission_matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.user_with_token("user@example.com").await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let root = app.admin_with_token("root@example.com", true).await;
    let target = user_id(&app, &user).await;
    let routes = [
        (Method::GET, "/api/users".to_owned()),
        (Method::GET, format!("/api/users/{target}")),
        (Method::PATCH, format!("/api/users/{target}")),
    ];
    for (method, path) in &routes {
        let anonymous = app.request(method.clone(), path, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        let plain = app.send_json(method.clone(), path, &user, &json!({})).await;
        assert_eq!(plain.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(plain.body, json!({"detail": FORBIDDEN}));
        for admin in [&staff, &root] {
            let reply = app.send_json(method.clone(), path, admin, &json!({})).await;
            assert_eq!(reply.status, StatusCode::OK, "{method} {path}");
        }
    }
    let path = format!("/api/users/{target}");
    assert_eq!(
        app.request(Method::DELETE, &path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(Method::DELETE, &path, &user).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(Method::DELETE, &path, &staff).await.status,
        StatusCode::NO_CONTENT
    );
    let other = app.user_with_token("other@example.com").await;
    let other_path = format!("/api/users/{}", user_id(&app, &other).await);
    assert_eq!(
        app.send(Method::DELETE, &other_path, &root).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn listing_pages_users_in_order_of_joining(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    for i in 0..4 {
        app.signup(&format!("user{i}@example.com")).await;
    }
    let reply = app.send(Method::GET, "/api/users?limit=2", &staff).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["count"], 5);
    let emails = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        emails(&reply.body),
        ["staff@example.com", "user0@example.com"]
    );
    assert_eq!(
        reply.body["next"],
        format!("{}/api/users?limit=2&offset=2", app.address)
    );
    assert!(reply.body["previous"].is_null());

    let reply = app
        .send(Method::GET, "/api/users?limit=2&offset=2", &staff)
        .await;
    assert_eq!(
        emails(&reply.body),
        ["user1@example.com", "user2@example.com"]
    );
    assert_eq!(
        reply.body["next"],
        format!("{}/api/users?limit=2&offset=4", app.address)
    );
    assert_eq!(
        reply.body["previous"],
        format!("{}/api/users?limit=2", app.address)
    );

    let reply = app
        .send(Method::GET, "/api/users?limit=2&offset=4", &staff)
        .await;
    assert_eq!(emails(&reply.body), ["user3@example.com"]);
    assert!(reply.body["next"].is_null());
    assert_eq!(
        reply.body["previous"],
        format!("{}/api/users?limit=2&offset=2", app.address)
    );
}

async fn pagination_edges_are_clamped(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let past_end = app.send(Method::GET, "/api/users?offset=100", &staff).await;
    assert_eq!(past_end.status, StatusCode::OK);
    assert_eq!(
        (
            past_end.body["count"].as_u64(),
            past_end.body["results"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    assert!(past_end.body["next"].is_null());
    assert_eq!(
        past_end.body["previous"],
        format!("{}/api/users?limit=50&offset=50", app.address)
    );
    for query in [
        "limit=0",
        "limit=-3",
        "limit=abc",
        "offset=-1",
        "offset=xyz",
        "limit=99999999",
    ] {
        let reply = app
            .send(Method::GET, &format!("/api/users?{query}"), &staff)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        assert_eq!(
            reply.body["results"].as_array().map(Vec::len),
            Some(1),
            "{query}"
        );
    }
}

async fn search_matches_email_and_names_case_insensitively(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    app.post_json(
        "/api/signup",
        &json!({"email": "ada@math.org", "phonenumber": "+1555", "password": "a-Strong-pass-42", "first_name": "Ada", "last_name": "Lovelace"}),
    )
    .await;
    app.post_json(
        "/api/signup",
        &json!({"email": "zoe@example.com", "phonenumber": "+1555", "password": "a-Strong-pass-42", "first_name": "Zoë", "last_name": "Ÿlang"}),
    )
    .await;
    let found = |query: &'static str| {
        let app = &app;
        let staff = &staff;
        async move {
            let reply = app
                .send(Method::GET, &format!("/api/users?search={query}"), staff)
                .await;
            let emails: Vec<String> = reply.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_owned())
                .collect();
            emails
        }
    };
    assert_eq!(found("LOVE").await, ["ada@math.org"]);
    assert_eq!(found("MATH").await, ["ada@math.org"]);
    assert_eq!(found("ada+lovelace").await, ["ada@math.org"]);
    assert_eq!(found("%C5%B8LANG").await, ["zoe@example.com"]);
    assert_eq!(found("%25").await, Vec::<String>::new());
    assert_eq!(
        found("example").await,
        ["staff@example.com", "zoe@example.com"]
    );
}

async fn get_returns_the_user_and_404s_unknown_or_malformed_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let id = user_id(&app, &staff).await;
    let reply = app
        .send(Method::GET, &format!("/api/users/{id}"), &staff)
        .await;
    assert_eq!(reply.body["email"], "staff@example.com");
    assert_eq!(reply.body["is_staff"], true);
    for bad in [
        "42",
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "'%20OR%201=1",
    ] {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let reply = app
                .send_json(
                    method.clone(),
                    &format!("/api/users/{bad}"),
                    &staff,
                    &json!({}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {bad}");
            assert_eq!(reply.body, json!({"detail": "Not found."}));
        }
    }
}

async fn deactivating_a_user_ends_its_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let user = app.user_with_token("user@example.com").await;
    let id = user_id(&app, &user).await;
    let reply = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &staff,
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["is_active"], false);
    assert_eq!(app.get_me(&user).await.detail(), "Invalid token.");
    assert_eq!(
        app.login("user@example.com", crate::helpers::PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.send_json(
        Method::PATCH,
        &format!("/api/users/{id}"),
        &staff,
        &json!({"is_active": "true"}),
    )
    .await;
    assert_eq!(
        app.login("user@example.com", crate::helpers::PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

async fn staff_edit_names_and_phone_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let user = app.user_with_token("user@example.com").await;
    let id = user_id(&app, &user).await;
    let reply = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &staff,
            &json!({"first_name": "Grace", "phonenumber": "+1999", "email": "x@y.z"}),
        )
        .await;
    assert_eq!(
        (
            reply.body["first_name"].as_str(),
            reply.body["phonenumber"].as_str()
        ),
        (Some("Grace"), Some("+1999"))
    );
    assert_eq!(reply.body["email"], "user@example.com");
    let reply = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &staff,
            &json!({"is_active": "maybe"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({"is_active": ["Must be a valid boolean."]})
    );
}

async fn only_a_superuser_changes_staff_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let root = app.admin_with_token("root@example.com", true).await;
    let user = app.user_with_token("user@example.com").await;
    let path = format!("/api/users/{}", user_id(&app, &user).await);
    let reply = app
        .send_json(Method::PATCH, &path, &staff, &json!({"is_staff": true}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"detail": FORBIDDEN}));
    let reply = app
        .send_json(Method::PATCH, &path, &root, &json!({"is_staff": true}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["is_staff"], true);
    assert_eq!(
        app.send(Method::GET, "/api/users", &user).await.status,
        StatusCode::OK
    );
}

async fn deleting_a_user_removes_it_and_its_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let user = app.user_with_token("user@example.com").await;
    let path = format!("/api/users/{}", user_id(&app, &user).await);
    let reply = app.send(Method::DELETE, &path, &staff).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_me(&user).await.detail(), "Invalid token.");
    assert_eq!(
        app.send(Method::GET, &path, &staff).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("auth_tokens WHERE user_id NOT IN (SELECT id FROM users)"),
        0
    );
    assert_eq!(
        app.signup("user@example.com").await.status,
        StatusCode::CREATED
    );
}

async fn staff_may_mark_an_email_verified_and_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let user = app.user_with_token("user@example.com").await;
    let id = user_id(&app, &user).await;
    let path = format!("/api/users/{id}");
    for (sent, stored) in [
        (json!(true), true),
        (json!("no"), false),
        (json!("on"), true),
    ] {
        let reply = app
            .send_json(
                Method::PATCH,
                &path,
                &staff,
                &json!({"email_verified": sent}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{sent}");
        assert_eq!(reply.body["email_verified"], stored, "{sent}");
    }
    assert_eq!(app.get_me(&user).await.body["email_verified"], true);
    let refused = app
        .send_json(
            Method::PATCH,
            &path,
            &staff,
            &json!({"email_verified": "maybe"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        json!({"email_verified": ["Must be a valid boolean."]})
    );
    let own = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &user,
            &json!({"email_verified": false}),
        )
        .await;
    assert_eq!(own.body["email_verified"], true, "read-only for the user");
}

on_both_backends!(
    staff_may_mark_an_email_verified_and_back,
    every_admin_route_follows_the_permission_matrix,
    listing_pages_users_in_order_of_joining,
    pagination_edges_are_clamped,
    search_matches_email_and_names_case_insensitively,
    get_returns_the_user_and_404s_unknown_or_malformed_ids,
    deactivating_a_user_ends_its_sessions_at_once,
    staff_edit_names_and_phone_numbers,
    only_a_superuser_changes_staff_status,
    deleting_a_user_removes_it_and_its_tokens,
);
