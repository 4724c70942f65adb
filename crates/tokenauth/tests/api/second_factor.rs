//! The second factor: TOTP setup and confirmation, recovery codes,
//! disabling, the login's second step and the staff's reset. Codes are
//! computed here with another TOTP implementation (totp-lite) than the
//! service's, from the secret the API hands out.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app, spawn_app_with};
use crate::on_both_backends;

const EMAIL: &str = "ada@example.com";

/// The phone's side: the secret, and the code of a step relative to now.
pub(crate) struct Phone {
    secret: Vec<u8>,
}

impl Phone {
    fn new(secret: &str) -> Self {
        let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret)
            .expect("a base32 secret");
        Self { secret }
    }

    /// The code of the step `offset` steps from now's.
    pub(crate) fn code(&self, offset: i64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let at = now.checked_add_signed(offset * 30).unwrap();
        totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &self.secret, at)
    }
}

async fn post(app: &TestApp, path: &str, key: &str, body: Value) -> Reply {
    app.send_json(Method::POST, path, key, &body).await
}

async fn begin(app: &TestApp, key: &str) -> Reply {
    post(app, "/api/me/mfa/totp", key, json!({"password": PASSWORD})).await
}

async fn confirm(app: &TestApp, key: &str, code: &str) -> Reply {
    post(app, "/api/me/mfa/totp/confirm", key, json!({"code": code})).await
}

async fn second_step(app: &TestApp, mfa_token: &str, code: &str) -> Reply {
    app.post_json(
        "/api/login/mfa",
        &json!({"mfa_token": mfa_token, "code": code}),
    )
    .await
}

/// Turns TOTP on for the user of `key` with the current step's code;
/// returns the phone and the recovery codes.
pub(crate) async fn enable(app: &TestApp, key: &str) -> (Phone, Vec<String>) {
    let setup = begin(app, key).await;
    assert_eq!(setup.status, StatusCode::OK, "{setup:?}");
    let phone = Phone::new(setup.body["secret"].as_str().unwrap());
    let confirmed = confirm(app, key, &phone.code(0)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{confirmed:?}");
    let codes = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    (phone, codes)
}

/// A user with TOTP on and a session token.
async fn user_with_totp(app: &TestApp) -> (String, Phone, Vec<String>) {
    let key = app.user_with_token(EMAIL).await;
    let (phone, codes) = enable(app, &key).await;
    (key, phone, codes)
}

/// The first step's `mfa_token`.
async fn mfa_token(app: &TestApp) -> String {
    let reply = app.login(EMAIL, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    reply.body["mfa_token"].as_str().unwrap().to_owned()
}

/// The second step's answer to an `mfa_token` that no longer works.
fn assert_mfa_token_refused(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    assert_eq!(
        reply.body,
        field_error("mfa_token", "Invalid or expired token.")
    );
}

const NEW_PASSWORD: &str = "another-Strong-pass-7";

/// Changes the password of the user of `key` to `new`.
async fn change_password(app: &TestApp, key: &str, new: &str) {
    let body = json!({"current_password": PASSWORD, "new_password": new});
    let changed = post(app, "/api/me/password", key, body).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{changed:?}");
}

async fn status(app: &TestApp, key: &str) -> Value {
    app.send(Method::GET, "/api/me/mfa", key).await.body
}

async fn status_starts_with_nothing_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    assert_eq!(
        status(&app, &key).await,
        json!({"totp": false, "recovery_codes_left": 0, "passkeys": 0})
    );
}

async fn setup_returns_a_secret_and_its_otpauth_url(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.mfa_issuer = "Acme Corp".into()).await;
    let key = app.user_with_token("ada+work@example.com").await;
    let reply = begin(&app, &key).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.keys(), ["secret", "otpauth_url"]);
    let secret = reply.body["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    assert_eq!(
        reply.body["otpauth_url"],
        format!(
            "otpauth://totp/Acme%20Corp:ada%2Bwork%40example.com?secret={secret}&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30"
        )
    );
    // Pending until confirmed.
    assert_eq!(status(&app, &key).await["totp"], false);
}

async fn setup_with_a_wrong_password_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let reply = post(&app, "/api/me/mfa/totp", &key, json!({"password": "wrong"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("password", "Invalid password."));
}

async fn setup_takes_only_a_session_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token(EMAIL).await;
    let personal = app
        .personal_token(&session, &["account:read", "account:write"])
        .await;
    assert_eq!(begin(&app, &personal).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(Method::GET, "/api/me/mfa", &personal).await.status,
        StatusCode::OK
    );
}

async fn confirming_with_the_apps_code_turns_totp_on_with_ten_recovery_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, _, codes) = user_with_totp(&app).await;
    assert_eq!(codes.len(), 10);
    for code in &codes {
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(&code[5..6], "-");
        assert!(
            code.bytes()
                .all(|b| b == b'-' || b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }
    assert_eq!(
        status(&app, &key).await,
        json!({"totp": true, "recovery_codes_left": 10, "passkeys": 0})
    );
    assert_eq!(app.event_types(&key).await[0], "mfa.enabled");
}

async fn confirming_without_a_pending_setup_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let reply = confirm(&app, &key, "123456").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.detail(), "Start two-factor setup first.");
}

async fn confirming_with_a_wrong_code_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let phone = Phone::new(begin(&app, &key).await.body["secret"].as_str().unwrap());
    let wrong = phone.code(5);
    let reply = confirm(&app, &key, &wrong).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("code", "Invalid code."));
    assert_eq!(status(&app, &key).await["totp"], false);
}

async fn setup_again_replaces_the_pending_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let first = Phone::new(begin(&app, &key).await.body["secret"].as_str().unwrap());
    let second = begin(&app, &key).await;
    assert_ne!(
        Phone::new(second.body["secret"].as_str().unwrap()).secret,
        first.secret
    );
    assert_eq!(
        confirm(&app, &key, &first.code(0)).await.body,
        field_error("code", "Invalid code.")
    );
}

async fn setup_while_enabled_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, _, _) = user_with_totp(&app).await;
    let reply = begin(&app, &key).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.detail(),
        "Two-factor authentication is already enabled."
    );
}

async fn login_with_totp_on_asks_for_the_second_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    user_with_totp(&app).await;
    let tokens_before = app.count("auth_tokens");
    let reply = app.login(EMAIL, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.keys(), ["error", "mfa_token", "methods"]);
    assert_eq!(reply.body["error"], "Second factor required.");
    assert_eq!(reply.body["methods"], json!(["totp", "recovery_code"]));
    let token = reply.body["mfa_token"].as_str().unwrap();
    assert_eq!(token.len(), 40);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(reply.header("www-authenticate"), Some("Token"));
    assert_eq!(app.count("auth_tokens"), tokens_before);
}

async fn a_wrong_password_never_reaches_the_second_step(backend: Backend) {
    let app = spawn_app(backend).await;
    user_with_totp(&app).await;
    let reply = app.login(EMAIL, "wrong-password").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"error": "Invalid Email or Password!"}));
}

async fn the_second_step_with_a_totp_code_logs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    // The step after confirmation's: the current one is spent.
    let reply = second_step(&app, &token, &phone.code(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.keys(), ["message", "user", "token"]);
    assert_eq!(reply.body["message"], "Success!");
    assert_eq!(reply.body["user"]["email"], EMAIL);
    assert!(reply.body["user"]["last_login"].is_string());
    let key = reply.body["token"]["key"].as_str().unwrap();
    assert_eq!(app.get_me(key).await.status, StatusCode::OK);
    let events = app
        .send(Method::GET, "/api/me/events?type=login.succeeded", key)
        .await;
    assert_eq!(
        events.body["results"][0]["detail"],
        json!({"method": "totp"})
    );
}

async fn the_second_step_rotates_tokens_as_a_login_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let (before, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    let reply = second_step(&app, &token, &phone.code(1)).await;
    assert_eq!(reply.status, StatusCode::OK);
    // One token per user by default: the login's replaced the older one.
    assert_eq!(app.get_me(&before).await.status, StatusCode::UNAUTHORIZED);
}

async fn a_code_is_accepted_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = user_with_totp(&app).await;
    let code = phone.code(1);
    let first = mfa_token(&app).await;
    assert_eq!(
        second_step(&app, &first, &code).await.status,
        StatusCode::OK
    );
    let again = mfa_token(&app).await;
    let reply = second_step(&app, &again, &code).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("code", "Invalid code."));
}

async fn a_code_of_a_step_before_the_last_accepted_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let phone = Phone::new(begin(&app, &key).await.body["secret"].as_str().unwrap());
    // Confirmed with the next step's code: the current step is now behind.
    assert_eq!(
        confirm(&app, &key, &phone.code(1)).await.status,
        StatusCode::OK
    );
    let token = mfa_token(&app).await;
    let reply = second_step(&app, &token, &phone.code(0)).await;
    assert_eq!(reply.body, field_error("code", "Invalid code."));
}

async fn a_recovery_code_logs_in_once_in_any_case_with_or_without_the_dash(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _, codes) = user_with_totp(&app).await;
    let typed = codes[3].replace('-', "").to_uppercase();
    let token = mfa_token(&app).await;
    let reply = second_step(&app, &token, &typed).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let key = reply.body["token"]["key"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &key).await["recovery_codes_left"], 9);
    // Recorded together, at one instant: their order in the list is not told.
    let mut types = app.event_types(&key).await[..2].to_vec();
    types.sort();
    assert_eq!(types, ["login.succeeded", "mfa.recovery_code_used"]);
    let again = mfa_token(&app).await;
    assert_eq!(
        second_step(&app, &again, &codes[3]).await.body,
        field_error("code", "Invalid code.")
    );
}

async fn a_wrong_code_is_refused_and_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    let reply = second_step(&app, &token, &phone.code(9)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("code", "Invalid code."));
    let failed = app
        .send(Method::GET, "/api/me/events?type=login.failed", &key)
        .await;
    assert_eq!(
        failed.body["results"][0]["detail"],
        json!({"reason": "second_factor", "email": EMAIL})
    );
}

async fn the_mfa_token_dies_after_five_wrong_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    for _ in 0..5 {
        let reply = second_step(&app, &token, "000000").await;
        assert_eq!(reply.body, field_error("code", "Invalid code."));
    }
    assert_mfa_token_refused(&second_step(&app, &token, &phone.code(1)).await);
}

async fn blank_fields_are_reported_together_and_do_not_count_as_wrong_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = user_with_totp(&app).await;
    let both = app.post_json("/api/login/mfa", &json!({})).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        both.body,
        json!({"mfa_token": ["This field is required."], "code": ["This field is required."]})
    );
    let token = mfa_token(&app).await;
    for _ in 0..5 {
        let blank = second_step(&app, &token, "  ").await;
        assert_eq!(
            blank.body,
            field_error("code", "This field may not be blank.")
        );
    }
    assert_eq!(
        second_step(&app, &token, &phone.code(1)).await.status,
        StatusCode::OK
    );
}

async fn the_mfa_token_is_single_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, codes) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    assert_eq!(
        second_step(&app, &token, &phone.code(1)).await.status,
        StatusCode::OK
    );
    assert_mfa_token_refused(&second_step(&app, &token, &codes[0]).await);
}

async fn an_unknown_or_malformed_mfa_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for token in ["0".repeat(40), "not-a-token".to_owned()] {
        assert_mfa_token_refused(&second_step(&app, &token, "123456").await);
    }
}

async fn an_expired_mfa_token_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.mfa_login_ttl_seconds = 1).await;
    let (_, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_mfa_token_refused(&second_step(&app, &token, &phone.code(1)).await);
}

async fn new_recovery_codes_replace_the_old(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, _, old) = user_with_totp(&app).await;
    let reply = post(
        &app,
        "/api/me/mfa/recovery-codes",
        &key,
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let new = reply.body["recovery_codes"].as_array().unwrap();
    assert_eq!(new.len(), 10);
    let token = mfa_token(&app).await;
    assert_eq!(
        second_step(&app, &token, &old[0]).await.body,
        field_error("code", "Invalid code.")
    );
    let fresh = new[0].as_str().unwrap();
    let logged_in = second_step(&app, &token, fresh).await;
    assert_eq!(logged_in.status, StatusCode::OK);
    // The login rotated the earlier session out.
    let key = logged_in.body["token"]["key"].as_str().unwrap();
    assert!(
        app.event_types(key)
            .await
            .contains(&"mfa.recovery_codes_regenerated".to_owned())
    );
}

async fn recovery_codes_need_totp_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let reply = post(
        &app,
        "/api/me/mfa/recovery-codes",
        &key,
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.detail(), "Two-factor authentication is not enabled.");
}

async fn disabling_removes_the_factor_and_keeps_the_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, phone, _) = user_with_totp(&app).await;
    let reply = post(
        &app,
        "/api/me/mfa/disable",
        &key,
        json!({"password": PASSWORD, "code": phone.code(1)}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert_eq!(
        status(&app, &key).await,
        json!({"totp": false, "recovery_codes_left": 0, "passkeys": 0})
    );
    assert_eq!(app.event_types(&key).await[0], "mfa.disabled");
    assert_eq!(app.login(EMAIL, PASSWORD).await.status, StatusCode::OK);
}

async fn disabling_with_a_wrong_password_does_not_look_at_the_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, _, _) = user_with_totp(&app).await;
    let reply = post(
        &app,
        "/api/me/mfa/disable",
        &key,
        json!({"password": "wrong", "code": "not-a-code"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("password", "Invalid password."));
    assert_eq!(status(&app, &key).await["totp"], true);
}

async fn disabling_checks_fields_then_state_then_password_then_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let blank = post(
        &app,
        "/api/me/mfa/disable",
        &key,
        json!({"password": "", "code": ""}),
    )
    .await;
    assert_eq!(
        blank.body,
        json!({"password": ["This field may not be blank."], "code": ["This field may not be blank."]})
    );
    let off = post(
        &app,
        "/api/me/mfa/disable",
        &key,
        json!({"password": "wrong", "code": "123456"}),
    )
    .await;
    assert_eq!(off.detail(), "Two-factor authentication is not enabled.");
    enable(&app, &key).await;
    let wrong_code = post(
        &app,
        "/api/me/mfa/disable",
        &key,
        json!({"password": PASSWORD, "code": "123456"}),
    )
    .await;
    assert_eq!(wrong_code.body, field_error("code", "Invalid code."));
}

async fn staff_can_remove_a_users_second_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let (user_key, _, _) = user_with_totp(&app).await;
    let staff = app.admin_with_token("staff@example.com", false).await;
    let id = app.get_me(&user_key).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/users/{id}/mfa");
    assert_eq!(
        app.send(Method::DELETE, &path, &user_key).await.status,
        StatusCode::FORBIDDEN
    );
    let reply = app.send(Method::DELETE, &path, &staff).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert_eq!(status(&app, &user_key).await["totp"], false);
    assert_eq!(app.get_me(&user_key).await.status, StatusCode::OK);
    let staff_id = app.get_me(&staff).await.body["id"].clone();
    let events = app
        .send(Method::GET, "/api/me/events?type=mfa.disabled", &user_key)
        .await;
    assert_eq!(events.body["results"][0]["actor_id"], staff_id);
    let unknown = format!("/api/users/{}/mfa", uuid::Uuid::new_v4());
    assert_eq!(
        app.send(Method::DELETE, &unknown, &staff).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_password_change_keeps_the_second_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, _, _) = user_with_totp(&app).await;
    change_password(&app, &key, NEW_PASSWORD).await;
    let reply = app.login(EMAIL, NEW_PASSWORD).await;
    assert_eq!(reply.body["error"], "Second factor required.");
}

async fn a_password_change_ends_a_login_waiting_for_its_second_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, phone, _) = user_with_totp(&app).await;
    // Its password was checked against the one about to be replaced.
    let token = mfa_token(&app).await;
    change_password(&app, &key, NEW_PASSWORD).await;
    assert_mfa_token_refused(&second_step(&app, &token, &phone.code(1)).await);
}

async fn logging_out_everywhere_ends_a_login_waiting_for_its_second_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, phone, _) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    let reply = app.post_with_token("/api/logoutall", &key).await;
    assert!(reply.status.is_success(), "{reply:?}");
    assert_mfa_token_refused(&second_step(&app, &token, &phone.code(1)).await);
}

async fn a_login_after_the_change_still_reaches_its_second_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, phone, _) = user_with_totp(&app).await;
    let reply = app.post_with_token("/api/logoutall", &key).await;
    assert!(reply.status.is_success(), "{reply:?}");
    let token = mfa_token(&app).await;
    let reply = second_step(&app, &token, &phone.code(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

async fn concurrent_second_steps_with_one_mfa_token_log_in_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, codes) = user_with_totp(&app).await;
    let token = mfa_token(&app).await;
    let attempts = [
        phone.code(1),
        codes[0].clone(),
        codes[1].clone(),
        phone.code(1),
    ];
    let replies =
        futures_util::future::join_all(attempts.iter().map(|code| second_step(&app, &token, code)))
            .await;
    let logged_in = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::OK)
        .count();
    assert_eq!(logged_in, 1, "{replies:?}");
    assert!(
        replies
            .iter()
            .all(|reply| reply.status != StatusCode::INTERNAL_SERVER_ERROR)
    );
}

on_both_backends!(
    status_starts_with_nothing_on,
    setup_returns_a_secret_and_its_otpauth_url,
    setup_with_a_wrong_password_is_refused,
    setup_takes_only_a_session_token,
    confirming_with_the_apps_code_turns_totp_on_with_ten_recovery_codes,
    confirming_without_a_pending_setup_is_refused,
    confirming_with_a_wrong_code_is_refused,
    setup_again_replaces_the_pending_secret,
    setup_while_enabled_is_refused,
    login_with_totp_on_asks_for_the_second_factor,
    a_wrong_password_never_reaches_the_second_step,
    the_second_step_with_a_totp_code_logs_in,
    the_second_step_rotates_tokens_as_a_login_does,
    a_code_is_accepted_once,
    a_code_of_a_step_before_the_last_accepted_is_refused,
    a_recovery_code_logs_in_once_in_any_case_with_or_without_the_dash,
    a_wrong_code_is_refused_and_recorded,
    the_mfa_token_dies_after_five_wrong_codes,
    blank_fields_are_reported_together_and_do_not_count_as_wrong_codes,
    the_mfa_token_is_single_use,
    an_unknown_or_malformed_mfa_token_is_refused,
    an_expired_mfa_token_is_refused,
    new_recovery_codes_replace_the_old,
    recovery_codes_need_totp_on,
    disabling_removes_the_factor_and_keeps_the_tokens,
    disabling_with_a_wrong_password_does_not_look_at_the_code,
    disabling_checks_fields_then_state_then_password_then_code,
    staff_can_remove_a_users_second_factor,
    a_password_change_keeps_the_second_factor,
    concurrent_second_steps_with_one_mfa_token_log_in_once,
    a_password_change_ends_a_login_waiting_for_its_second_step,
    logging_out_everywhere_ends_a_login_waiting_for_its_second_step,
    a_login_after_the_change_still_reaches_its_second_step,
);
