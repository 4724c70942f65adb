//! `jwt.enabled`: access and refresh JWTs as djangorestframework-simplejwt
//! serves them, checked here with an independent library (`jsonwebtoken`)
//! against the key set at `/.well-known/jwks.json`.

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth::Settings;
use tokenauth::settings::EmailVerification;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app, spawn_app_with};
use crate::on_both_backends;
use crate::second_factor::enable;

const EMAIL: &str = "ada@example.com";

fn with_pairs(settings: &mut Settings) {
    settings.jwt.enabled = true;
}

async fn pair_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, with_pairs).await
}

/// `POST /api/token/` with an email and password.
async fn obtain(app: &TestApp, email: &str, password: &str) -> Reply {
    app.post_json(
        "/api/token/",
        &json!({"email": email, "password": password}),
    )
    .await
}

/// The access and refresh JWTs of a user signed up just now.
async fn user_with_pair(app: &TestApp) -> (String, String) {
    app.signup(EMAIL).await;
    let reply = obtain(app, EMAIL, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    pair_of(&reply)
}

fn pair_of(reply: &Reply) -> (String, String) {
    (
        reply.body["access"].as_str().unwrap().to_owned(),
        reply.body["refresh"].as_str().unwrap().to_owned(),
    )
}

/// A request with `Authorization: Bearer <jwt>`.
async fn bearer(app: &TestApp, method: Method, path: &str, jwt: &str) -> Reply {
    app.request(method, path, Some(format!("Bearer {jwt}").as_bytes()))
        .await
}

async fn refresh(app: &TestApp, refresh: &str) -> Reply {
    app.post_json("/api/token/refresh/", &json!({"refresh": refresh}))
        .await
}

async fn verify(app: &TestApp, token: &str) -> Reply {
    app.post_json("/api/token/verify/", &json!({"token": token}))
        .await
}

async fn blacklist(app: &TestApp, refresh: &str) -> Reply {
    app.post_json("/api/token/blacklist/", &json!({"refresh": refresh}))
        .await
}

/// SimpleJWT's refusal of a JWT, with its challenge.
fn assert_not_valid(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({"detail": "Token is invalid or expired", "code": "token_not_valid"})
    );
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"api\"")
    );
}

/// The claims of `jwt` when it verifies against the service's key set.
async fn claims(app: &TestApp, jwt: &str) -> Value {
    let reply = app
        .request(Method::GET, "/.well-known/jwks.json", None)
        .await;
    let keys: JwkSet = serde_json::from_value(reply.body).expect("a JWK set");
    let kid = jsonwebtoken::decode_header(jwt)
        .unwrap()
        .kid
        .expect("a kid");
    let jwk = keys.find(&kid).expect("the kid is in the key set");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_aud = false;
    validation.leeway = 0;
    jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("the JWT verifies")
        .claims
}

/// `jwt` with one character of its payload changed.
fn tampered(jwt: &str) -> String {
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let payload = &mut parts[1];
    let last = payload.pop().unwrap();
    payload.push(if last == 'A' { 'B' } else { 'A' });
    parts.join(".")
}

async fn without_the_setting_the_token_paths_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup(EMAIL).await;
    for path in [
        "/api/token/",
        "/api/token",
        "/api/token/refresh/",
        "/api/token/verify",
    ] {
        let reply = app
            .post_json(path, &json!({"email": EMAIL, "password": PASSWORD}))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn obtain_answers_a_pair_with_simplejwts_claims(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    let key = app.token_for(EMAIL).await;
    let me = app.get_me(&key).await.body;
    let access = claims(&app, &access).await;
    let refresh = claims(&app, &refresh).await;
    assert_eq!(access["token_type"], "access");
    assert_eq!(refresh["token_type"], "refresh");
    for claims in [&access, &refresh] {
        assert_eq!(claims["user_id"], me["id"]);
        let jti = claims["jti"].as_str().unwrap();
        assert!(
            jti.len() == 32
                && jti
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{jti}"
        );
    }
    assert_ne!(access["jti"], refresh["jti"]);
    let lifetime =
        |claims: &Value| claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime(&access), 300);
    assert_eq!(lifetime(&refresh), 86_400);
}

async fn obtain_answers_refresh_then_access_and_sets_last_login(backend: Backend) {
    let app = pair_app(backend).await;
    app.signup(EMAIL).await;
    let reply = obtain(&app, EMAIL, PASSWORD).await;
    assert_eq!(reply.keys(), ["refresh", "access"]);
    let (access, _) = pair_of(&reply);
    let me = bearer(&app, Method::GET, "/api/me", &access).await;
    assert!(me.body["last_login"].is_string(), "{me:?}");
}

async fn every_path_answers_with_and_without_its_trailing_slash(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, _) = user_with_pair(&app).await;
    for path in ["/api/token/", "/api/token"] {
        let reply = app
            .post_json(path, &json!({"email": EMAIL, "password": PASSWORD}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
    for path in ["/api/token/verify/", "/api/token/verify"] {
        let reply = app.post_json(path, &json!({"token": access})).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
    for path in [
        "/api/token/refresh",
        "/api/token/blacklist",
        "/api/token/mfa",
    ] {
        let reply = app.post_json(path, &json!({})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
    }
}

async fn missing_or_blank_fields_are_field_errors(backend: Backend) {
    let app = pair_app(backend).await;
    let missing = app.post_json("/api/token/", &json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body,
        json!({"email": ["This field is required."], "password": ["This field is required."]})
    );
    let blank = obtain(&app, " ", "").await;
    assert_eq!(
        blank.body,
        json!({"email": ["This field may not be blank."], "password": ["This field may not be blank."]})
    );
    for (path, field) in [
        ("/api/token/refresh/", "refresh"),
        ("/api/token/blacklist/", "refresh"),
        ("/api/token/verify/", "token"),
    ] {
        let reply = app.post_json(path, &json!({field: ""})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            reply.body,
            field_error(field, "This field may not be blank.")
        );
        let reply = app.post_json(path, &json!({})).await;
        assert_eq!(reply.body, field_error(field, "This field is required."));
    }
}

async fn wrong_credentials_or_an_inactive_user_find_no_active_account(backend: Backend) {
    let app = pair_app(backend).await;
    app.signup(EMAIL).await;
    app.signup("bob@example.com").await;
    app.sql("UPDATE users SET is_active = false WHERE email = 'bob@example.com'");
    for (email, password) in [
        (EMAIL, "not-the-Password-1"),
        ("nobody@example.com", PASSWORD),
        ("bob@example.com", PASSWORD),
    ] {
        let reply = obtain(&app, email, password).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{email}");
        assert_eq!(
            reply.body,
            json!({"detail": "No active account found with the given credentials"})
        );
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }
}

async fn an_unverified_address_in_mandatory_mode_is_told_so(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        with_pairs(s);
        s.auth.email_verification = EmailVerification::Mandatory;
    })
    .await;
    app.signup(EMAIL).await;
    let reply = obtain(&app, EMAIL, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({"detail": "Email address is not verified."})
    );
    app.sql("UPDATE users SET email_verified = true");
    assert_eq!(obtain(&app, EMAIL, PASSWORD).await.status, StatusCode::OK);
}

async fn with_totp_on_the_pair_waits_for_the_second_step(backend: Backend) {
    let app = pair_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let (phone, _) = enable(&app, &key).await;
    let first = obtain(&app, EMAIL, PASSWORD).await;
    assert_eq!(first.status, StatusCode::UNAUTHORIZED, "{first:?}");
    assert_eq!(first.body["detail"], "Second factor required.");
    assert_eq!(first.body["methods"], json!(["totp", "recovery_code"]));
    let mfa_token = first.body["mfa_token"].as_str().unwrap();
    let wrong = app
        .post_json(
            "/api/token/mfa/",
            &json!({"mfa_token": mfa_token, "code": "000000"}),
        )
        .await;
    assert_eq!(wrong.body, field_error("code", "Invalid code."));
    let second = app
        .post_json(
            "/api/token/mfa/",
            &json!({"mfa_token": mfa_token, "code": phone.code(1)}),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    assert_eq!(second.keys(), ["refresh", "access"]);
    let (access, _) = pair_of(&second);
    assert_eq!(
        bearer(&app, Method::GET, "/api/me", &access).await.status,
        StatusCode::OK
    );
}

async fn obtaining_a_pair_is_recorded_as_a_login_naming_no_token(backend: Backend) {
    let app = pair_app(backend).await;
    app.signup(EMAIL).await;
    obtain(&app, EMAIL, "not-the-Password-1").await;
    let (access, _) = pair_of(&obtain(&app, EMAIL, PASSWORD).await);
    let events = bearer(&app, Method::GET, "/api/me/events", &access).await;
    let results = events.body["results"].as_array().unwrap();
    assert_eq!(results[0]["type"], "login.succeeded");
    assert_eq!(results[0]["detail"], json!({"method": "password"}));
    assert_eq!(results[0]["token_id"], Value::Null);
    assert_eq!(results[1]["type"], "login.failed");
}

async fn refused_fields_are_recorded_as_a_failed_login(backend: Backend) {
    let app = pair_app(backend).await;
    let admin = app.admin_with_token("root@example.com", true).await;
    let reply = obtain(&app, EMAIL, " ").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let events = app
        .send(Method::GET, "/api/events?type=login.failed", &admin)
        .await;
    let results = events.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{events:?}");
    assert_eq!(
        results[0]["detail"],
        json!({"reason": "invalid_credentials", "email": EMAIL})
    );
}

async fn a_bearer_access_jwt_authenticates_as_a_session(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, _) = user_with_pair(&app).await;
    let me = bearer(&app, Method::GET, "/api/me", &access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], EMAIL);
    // A session-only endpoint: making a personal token.
    let made = app
        .client
        .post(app.url("/api/me/tokens"))
        .header("authorization", format!("Bearer {access}"))
        .json(&json!({"name": "ci", "scopes": ["account:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
}

async fn jwts_are_not_listed_among_the_users_tokens(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, _) = user_with_pair(&app).await;
    let listed = bearer(&app, Method::GET, "/api/me/tokens", &access).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body, json!([]));
}

async fn a_refresh_tampered_or_unsigned_jwt_does_not_authenticate(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    for jwt in [refresh.clone(), tampered(&access), "a.b.c".to_owned()] {
        assert_not_valid(&bearer(&app, Method::GET, "/api/me", &jwt).await);
    }
    // Only Bearer carries a JWT.
    let as_token = app.get_me(&access).await;
    assert_eq!(as_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(as_token.body, json!({"detail": "Invalid token."}));
}

async fn an_expired_access_jwt_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        with_pairs(s);
        s.jwt.access_ttl_seconds = 1;
    })
    .await;
    let (access, _) = user_with_pair(&app).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    assert_not_valid(&verify(&app, &access).await);
}

async fn logout_with_an_access_jwt_ends_that_jwt(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, _) = user_with_pair(&app).await;
    let (other, _) = pair_of(&obtain(&app, EMAIL, PASSWORD).await);
    let out = bearer(&app, Method::POST, "/api/logout", &access).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    assert_not_valid(&verify(&app, &access).await);
    assert_eq!(
        bearer(&app, Method::GET, "/api/me", &other).await.status,
        StatusCode::OK
    );
}

async fn logout_everywhere_ends_every_jwt_of_the_user(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    let key = app.token_for(EMAIL).await;
    assert_eq!(
        app.post_with_token("/api/logoutall", &key).await.status,
        StatusCode::NO_CONTENT
    );
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    assert_eq!(app.count("refresh_jwts WHERE state = 'active'"), 0);
    assert_not_valid(&self::refresh(&app, &refresh).await);
    // A pair obtained right after, within the same second, works.
    let (fresh, _) = pair_of(&obtain(&app, EMAIL, PASSWORD).await);
    assert_eq!(
        bearer(&app, Method::GET, "/api/me", &fresh).await.status,
        StatusCode::OK
    );
}

async fn a_password_change_ends_every_jwt_the_one_used_included(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    let changed = app
        .client
        .post(app.url("/api/me/password"))
        .header("authorization", format!("Bearer {access}"))
        .json(&json!({"current_password": PASSWORD, "new_password": "another-Secret-42"}))
        .send()
        .await
        .unwrap();
    assert!(changed.status().is_success(), "{}", changed.status());
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    assert_not_valid(&self::refresh(&app, &refresh).await);
    assert_eq!(
        obtain(&app, EMAIL, "another-Secret-42").await.status,
        StatusCode::OK
    );
}

async fn deactivation_ends_every_jwt_and_reactivation_brings_none_back(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    let admin = app.admin_with_token("root@example.com", true).await;
    let id = app.get_me(&app.token_for(EMAIL).await).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/users/{id}");
    let (off, on) = (json!({"is_active": false}), json!({"is_active": true}));
    let patch = |body| app.send_json(Method::PATCH, &path, &admin, body);
    assert_eq!(patch(&off).await.status, StatusCode::OK);
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    let refused = self::refresh(&app, &refresh).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body,
        json!({"detail": "No active account found for the given token.", "code": "no_active_account"})
    );
    assert_eq!(patch(&on).await.status, StatusCode::OK);
    assert_not_valid(&bearer(&app, Method::GET, "/api/me", &access).await);
    assert_not_valid(&self::refresh(&app, &refresh).await);
}

async fn refresh_answers_a_new_pair_and_uses_the_refresh_jwt_up(backend: Backend) {
    let app = pair_app(backend).await;
    let (_, first) = user_with_pair(&app).await;
    let reply = refresh(&app, &first).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.keys(), ["access", "refresh"]);
    let (access, second) = pair_of(&reply);
    assert_eq!(claims(&app, &second).await["token_type"], "refresh");
    assert_eq!(
        bearer(&app, Method::GET, "/api/me", &access).await.status,
        StatusCode::OK
    );
    assert_eq!(refresh(&app, &second).await.status, StatusCode::OK);
}

async fn a_used_up_refresh_jwt_presented_again_ends_its_whole_line(backend: Backend) {
    let app = pair_app(backend).await;
    let (_, first) = user_with_pair(&app).await;
    let (_, other_line) = pair_of(&obtain(&app, EMAIL, PASSWORD).await);
    let (_, second) = pair_of(&refresh(&app, &first).await);
    assert_not_valid(&refresh(&app, &first).await);
    // The line rotated from the same login is ended; another login's is not.
    assert_not_valid(&refresh(&app, &second).await);
    assert_not_valid(&verify(&app, &second).await);
    assert_eq!(refresh(&app, &other_line).await.status, StatusCode::OK);
}

async fn concurrent_refreshes_with_one_jwt_rotate_once_and_end_the_line(backend: Backend) {
    let app = pair_app(backend).await;
    let (_, refresh_jwt) = user_with_pair(&app).await;
    let replies = futures_util::future::join_all((0..6).map(|_| refresh(&app, &refresh_jwt))).await;
    let won: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(won.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_not_valid(reply);
    }
    // Whoever won holds a JWT of a line that reuse has ended.
    for reply in won {
        assert_not_valid(&refresh(&app, &pair_of(reply).1).await);
    }
}

async fn verify_accepts_a_usable_access_or_refresh_jwt_only(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh_jwt) = user_with_pair(&app).await;
    for jwt in [&access, &refresh_jwt] {
        let reply = verify(&app, jwt).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, json!({}));
    }
    for jwt in [tampered(&access), "not-a-jwt".to_owned()] {
        assert_not_valid(&verify(&app, &jwt).await);
    }
    refresh(&app, &refresh_jwt).await;
    assert_not_valid(&verify(&app, &refresh_jwt).await);
}

async fn blacklist_ends_a_refresh_jwt(backend: Backend) {
    let app = pair_app(backend).await;
    let (access, refresh_jwt) = user_with_pair(&app).await;
    let reply = blacklist(&app, &refresh_jwt).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({}));
    assert_not_valid(&refresh(&app, &refresh_jwt).await);
    assert_not_valid(&blacklist(&app, &refresh_jwt).await);
    assert_not_valid(&blacklist(&app, &access).await);
}

async fn the_key_set_is_served_with_pairs_alone(backend: Backend) {
    let app = pair_app(backend).await;
    let keys = app
        .request(Method::GET, "/.well-known/jwks.json", None)
        .await;
    assert_eq!(keys.body["keys"].as_array().unwrap().len(), 1);
}

async fn a_gateway_verify_with_an_access_jwt_vouches_for_its_user(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        with_pairs(s);
        s.gateway.jwt = true;
    })
    .await;
    let (access, _) = user_with_pair(&app).await;
    let reply = bearer(&app, Method::GET, "/api/auth/verify", &access).await;
    assert_eq!(reply.status, StatusCode::OK);
    let identity = claims(&app, reply.header("x-auth-jwt").unwrap()).await;
    assert_eq!(identity["email"], EMAIL);
}

/// What a djangorestframework-simplejwt resource server (a DRF view with
/// `JWTStatelessUserAuthentication`, `ALGORITHM = "EdDSA"` and `JWK_URL` at
/// `jwks_url`) answers to `Authorization: <authorization>`; `None` when
/// Django is not installed (`make django`).
fn simplejwt_resource_server(jwks_url: &str, authorization: &str) -> Option<Value> {
    let venv = std::env::var("TOKENAUTH_DJANGO_VENV").unwrap_or_else(|_| {
        format!(
            "{}/.cache/tokenauth-django/venv",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let python = std::path::Path::new(&venv).join("bin/python");
    if !python.exists() {
        return None;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/django_resource_server.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .arg(jwks_url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), authorization.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("the answer as JSON"))
}

async fn a_simplejwt_resource_server_accepts_the_access_jwt_and_refuses_a_tampered_one(
    backend: Backend,
) {
    let app = pair_app(backend).await;
    let (access, refresh) = user_with_pair(&app).await;
    let user_id = claims(&app, &access).await["user_id"].clone();
    // The resource server fetches the key set over HTTP from its own thread.
    let jwks_url = app.url("/.well-known/jwks.json");
    let answers = tokio::task::spawn_blocking(move || {
        [access.clone(), tampered(&access), refresh]
            .map(|jwt| simplejwt_resource_server(&jwks_url, &format!("Bearer {jwt}")))
    })
    .await
    .unwrap();
    let [Some(accepted), Some(tampered), Some(refresh)] = answers else {
        crate::support::skip_unless_required(
            "TOKENAUTH_REQUIRE_DJANGO_TEST",
            "Django REST Framework with djangorestframework-simplejwt is not installed: make django",
        );
        return;
    };
    assert_eq!(accepted["status"], 200, "{accepted}");
    assert_eq!(accepted["body"]["user_id"], user_id);
    assert_eq!(tampered["status"], 401, "{tampered}");
    assert_eq!(tampered["body"]["code"], "token_not_valid");
    assert_eq!(
        refresh["status"], 401,
        "a refresh JWT is no access JWT: {refresh}"
    );
}

on_both_backends!(
    without_the_setting_the_token_paths_are_not_found,
    obtain_answers_a_pair_with_simplejwts_claims,
    obtain_answers_refresh_then_access_and_sets_last_login,
    every_path_answers_with_and_without_its_trailing_slash,
    missing_or_blank_fields_are_field_errors,
    wrong_credentials_or_an_inactive_user_find_no_active_account,
    an_unverified_address_in_mandatory_mode_is_told_so,
    with_totp_on_the_pair_waits_for_the_second_step,
    obtaining_a_pair_is_recorded_as_a_login_naming_no_token,
    refused_fields_are_recorded_as_a_failed_login,
    a_bearer_access_jwt_authenticates_as_a_session,
    jwts_are_not_listed_among_the_users_tokens,
    a_refresh_tampered_or_unsigned_jwt_does_not_authenticate,
    an_expired_access_jwt_is_refused,
    logout_with_an_access_jwt_ends_that_jwt,
    logout_everywhere_ends_every_jwt_of_the_user,
    a_password_change_ends_every_jwt_the_one_used_included,
    deactivation_ends_every_jwt_and_reactivation_brings_none_back,
    refresh_answers_a_new_pair_and_uses_the_refresh_jwt_up,
    a_used_up_refresh_jwt_presented_again_ends_its_whole_line,
    concurrent_refreshes_with_one_jwt_rotate_once_and_end_the_line,
    verify_accepts_a_usable_access_or_refresh_jwt_only,
    blacklist_ends_a_refresh_jwt,
    the_key_set_is_served_with_pairs_alone,
    a_gateway_verify_with_an_access_jwt_vouches_for_its_user,
    a_simplejwt_resource_server_accepts_the_access_jwt_and_refuses_a_tampered_one,
);
