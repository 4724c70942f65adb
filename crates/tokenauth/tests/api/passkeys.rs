//! Passkeys (WebAuthn): registration from a session, the list, removal, and
//! the passkey login. The client side is a software authenticator
//! (`support::soft_authenticator`) that posts what a browser's
//! `credential.toJSON()` would, on a page of the service's public URL.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth::settings::EmailVerification;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app_with};
use crate::on_both_backends;
use crate::support::soft_authenticator::{SoftAuthenticator, UP};

const EMAIL: &str = "ada@example.com";
const OTHER: &str = "bob@example.com";
/// `auth.public_url`: the origin pages run on, and the RP id's host.
const PUBLIC_URL: &str = "https://auth.example.test";
const RP_ID: &str = "auth.example.test";
const INVALID_RESPONSE: &str = "Invalid passkey response.";

/// A server whose pages run on [`PUBLIC_URL`].
async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// As [`spawn`], with the settings changed further by `adjust`.
async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut tokenauth::Settings)) -> TestApp {
    spawn_app_with(backend, move |s| {
        s.auth.public_url = PUBLIC_URL.into();
        adjust(s);
    })
    .await
}

async fn creation_options_with(app: &TestApp, key: &str, body: Value) -> Reply {
    app.send_json(Method::POST, "/api/me/passkeys/options", key, &body)
        .await
}

/// `{"publicKey": {creation options}}` for the user of the session `key`.
async fn creation_options(app: &TestApp, key: &str) -> Value {
    let reply = creation_options_with(app, key, json!({"password": PASSWORD})).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

async fn finish_registration(app: &TestApp, key: &str, name: &str, credential: &Value) -> Reply {
    app.send_json(
        Method::POST,
        "/api/me/passkeys",
        key,
        &json!({"name": name, "credential": credential}),
    )
    .await
}

/// A new passkey of the session `key`'s user: its authenticator and its id.
async fn add_passkey(app: &TestApp, key: &str, name: &str) -> (SoftAuthenticator, String) {
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let options = creation_options(app, key).await;
    let credential = authenticator.register(&options);
    let reply = finish_registration(app, key, name, &credential).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_str().expect("an id").to_owned();
    (authenticator, id)
}

/// [`EMAIL`] signed up with a session and one passkey.
async fn user_with_passkey(app: &TestApp) -> (String, SoftAuthenticator) {
    let key = app.user_with_token(EMAIL).await;
    let (authenticator, _) = add_passkey(app, &key, "laptop").await;
    (key, authenticator)
}

/// `{"publicKey": {request options}}`, asked for as a browser does: no token,
/// no body.
async fn login_options(app: &TestApp) -> Value {
    let reply = app
        .request(Method::POST, "/api/login/passkey/options", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

/// Request options the service never issued.
fn unissued_login_options() -> Value {
    let mut challenge = [0u8; 32];
    getrandom::fill(&mut challenge).unwrap();
    json!({"publicKey": {"challenge": B64.encode(challenge), "rpId": RP_ID}})
}

async fn passkey_login(app: &TestApp, credential: &Value) -> Reply {
    app.post_json("/api/login/passkey", &json!({"credential": credential}))
        .await
}

/// A whole passkey login with `authenticator`, from fresh options.
async fn log_in_with(app: &TestApp, authenticator: &mut SoftAuthenticator) -> Reply {
    let options = login_options(app).await;
    passkey_login(app, &authenticator.login(&options)).await
}

fn assert_login_refused(reply: &Reply, error: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.body, json!({"error": error}));
    assert_eq!(reply.header("www-authenticate"), Some("Token"));
}

fn assert_passkey_refused(reply: &Reply) {
    assert_login_refused(reply, "Invalid passkey.");
}

fn assert_invalid_response(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    assert_eq!(reply.body, field_error("credential", INVALID_RESPONSE));
}

async fn passkeys_of(app: &TestApp, key: &str) -> Reply {
    app.send(Method::GET, "/api/me/passkeys", key).await
}

fn names(list: &Reply) -> Vec<&str> {
    list.body
        .as_array()
        .expect("a list")
        .iter()
        .map(|passkey| passkey["name"].as_str().unwrap_or_default())
        .collect()
}

async fn remove(app: &TestApp, key: &str, id: &str) -> Reply {
    app.send(Method::DELETE, &format!("/api/me/passkeys/{id}"), key)
        .await
}

/// The newest of the user's own events of `kind`.
async fn newest_event(app: &TestApp, key: &str, kind: &str) -> Value {
    let page = app
        .send(Method::GET, &format!("/api/me/events?type={kind}"), key)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    page.body["results"][0].clone()
}

fn login_key(reply: &Reply) -> String {
    reply.body["token"]["key"]
        .as_str()
        .expect("a token key")
        .to_owned()
}

/// The user handle the service gave `options`, decoded.
fn user_handle(options: &Value) -> Vec<u8> {
    B64.decode(options["publicKey"]["user"]["id"].as_str().unwrap())
        .expect("user.id in base64url without padding")
}

// Registration options

async fn creation_options_ask_for_a_discoverable_verified_es256_passkey(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let reply = creation_options_with(&app, &key, json!({"password": PASSWORD})).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.keys(), ["publicKey"]);
    let options = &reply.body["publicKey"];
    assert_eq!(options["rp"], json!({"id": RP_ID, "name": "tokenauth"}));
    assert_eq!(options["user"]["name"], EMAIL);
    assert_eq!(options["user"]["displayName"], EMAIL);
    assert!(
        options["pubKeyCredParams"]
            .as_array()
            .unwrap()
            .contains(&json!({"type": "public-key", "alg": -7})),
        "ES256 offered: {options}"
    );
    let selection = &options["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    assert_eq!(selection["userVerification"], "required", "{options}");
    assert_eq!(options["attestation"], "none");
    assert_eq!(options["timeout"], 300_000);
    assert_eq!(options["excludeCredentials"], json!([]));
    let challenge = options["challenge"].as_str().unwrap();
    assert!(!challenge.contains('='), "base64url without padding");
    assert!(B64.decode(challenge).unwrap().len() >= 16, "{challenge}");
}

async fn every_creation_options_call_gets_a_fresh_challenge(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let first = creation_options(&app, &key).await;
    let second = creation_options(&app, &key).await;
    assert_ne!(
        first["publicKey"]["challenge"],
        second["publicKey"]["challenge"]
    );
}

async fn the_user_handle_is_random_and_the_same_in_every_call(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let handle = user_handle(&creation_options(&app, &key).await);
    assert_eq!(handle, user_handle(&creation_options(&app, &key).await));
    assert!((1..=64).contains(&handle.len()), "WebAuthn's bound");
    let id = app.get_me(&key).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    assert_ne!(handle, id.as_bytes(), "not the user id");
    assert_ne!(handle, uuid.as_bytes(), "not the user id's bytes");
    assert_ne!(handle, EMAIL.as_bytes(), "not the email");
    assert!(
        !String::from_utf8_lossy(&handle).contains(EMAIL),
        "not the email"
    );
    let other = app.user_with_token(OTHER).await;
    assert_ne!(handle, user_handle(&creation_options(&app, &other).await));
}

async fn first_ceremonies_racing_for_one_user_agree_on_its_handle(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let body = json!({"password": PASSWORD});
    let all = futures_util::future::join_all(
        (0..6).map(|_| app.send_json(Method::POST, "/api/me/passkeys/options", &key, &body)),
    )
    .await;
    let handles: Vec<Vec<u8>> = all
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
            user_handle(&reply.body)
        })
        .collect();
    assert!(handles.iter().all(|handle| *handle == handles[0]));
}

async fn creation_options_exclude_the_users_own_passkeys(backend: Backend) {
    let app = spawn(backend).await;
    let (key, authenticator) = user_with_passkey(&app).await;
    let other = app.user_with_token(OTHER).await;
    add_passkey(&app, &other, "bob's").await;
    let options = creation_options(&app, &key).await;
    let excluded = options["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(excluded.len(), 1, "{excluded:?}");
    assert_eq!(excluded[0]["type"], "public-key");
    assert_eq!(excluded[0]["id"], authenticator.id());
}

async fn creation_options_need_the_password(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let wrong = creation_options_with(&app, &key, json!({"password": "not-the-Password-1"})).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body, field_error("password", "Invalid password."));
    let missing = creation_options_with(&app, &key, json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body,
        field_error("password", "This field is required.")
    );
    let blank = creation_options_with(&app, &key, json!({"password": ""})).await;
    assert_eq!(
        blank.body,
        field_error("password", "This field may not be blank.")
    );
}

async fn creation_options_take_only_a_session_token(backend: Backend) {
    let app = spawn(backend).await;
    let session = app.user_with_token(EMAIL).await;
    let personal = app
        .personal_token(&session, &["account:read", "account:write"])
        .await;
    let reply = creation_options_with(&app, &personal, json!({"password": PASSWORD})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    let anonymous = app
        .post_json("/api/me/passkeys/options", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

// Registration

async fn registering_a_passkey_answers_201_with_it(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let options = creation_options(&app, &key).await;
    let reply = finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.keys(), ["id", "name", "created", "last_used"]);
    assert!(reply.body["id"].is_string());
    assert_eq!(reply.body["name"], "laptop");
    assert!(reply.body["created"].is_string());
    assert_eq!(reply.body["last_used"], Value::Null);
    let status = app.send(Method::GET, "/api/me/mfa", &key).await;
    assert_eq!(status.body["passkeys"], 1);
}

async fn the_name_is_required_and_at_most_100_characters(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    // A fresh ceremony for every attempt: whether a field error uses up the
    // challenge is not what this test is about.
    let attempt = async |name: Option<String>| {
        let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
        let options = creation_options(&app, &key).await;
        let mut body = json!({"credential": authenticator.register(&options)});
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        app.send_json(Method::POST, "/api/me/passkeys", &key, &body)
            .await
    };
    let missing = attempt(None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body, field_error("name", "This field is required."));
    let blank = attempt(Some("   ".into())).await;
    assert_eq!(
        blank.body,
        field_error("name", "This field may not be blank.")
    );
    let long = attempt(Some("n".repeat(101))).await;
    assert_eq!(
        long.body,
        field_error("name", "Ensure this field has no more than 100 characters.")
    );
    let longest = attempt(Some("é".repeat(100))).await;
    assert_eq!(longest.status, StatusCode::CREATED, "{longest:?}");
    assert_eq!(app.count("passkeys"), 1);
}

async fn a_missing_or_null_credential_is_a_field_error(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    creation_options(&app, &key).await;
    let post = async |body: Value| {
        app.send_json(Method::POST, "/api/me/passkeys", &key, &body)
            .await
    };
    let missing = post(json!({"name": "laptop"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body,
        field_error("credential", "This field is required.")
    );
    let null = post(json!({"name": "laptop", "credential": null})).await;
    assert_eq!(null.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        null.body,
        field_error("credential", "This field may not be null.")
    );
    let both = post(json!({})).await;
    assert_eq!(both.keys(), ["name", "credential"], "every field at once");
}

async fn a_registration_from_another_origin_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    for origin in [
        "https://evil.example.test",
        "http://auth.example.test",
        "https://auth.example.test:8443",
    ] {
        let mut authenticator = SoftAuthenticator::new(origin);
        let options = creation_options(&app, &key).await;
        let reply =
            finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
        assert_invalid_response(&reply);
    }
    assert_eq!(app.count("passkeys"), 0);
}

async fn a_registration_for_another_rp_id_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let mut options = creation_options(&app, &key).await;
    // The authenticator signs for another relying party.
    options["publicKey"]["rp"]["id"] = json!("evil.test");
    let reply = finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
    assert_invalid_response(&reply);
}

async fn a_registration_for_a_challenge_never_issued_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let mut options = creation_options(&app, &key).await;
    options["publicKey"]["challenge"] = json!(B64.encode([7u8; 32]));
    let reply = finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
    assert_invalid_response(&reply);
}

async fn a_registration_without_user_verification_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    authenticator.flags = UP;
    let options = creation_options(&app, &key).await;
    let reply = finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
    assert_invalid_response(&reply);
    assert_eq!(app.count("passkeys"), 0);
}

async fn a_tampered_or_malformed_registration_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let tamperings: [fn(&mut Value); 3] = [
        // The answer of a login ceremony, not of a registration.
        |credential| {
            let field = &mut credential["response"]["clientDataJSON"];
            let text = String::from_utf8(B64.decode(field.as_str().unwrap()).unwrap()).unwrap();
            *field = json!(B64.encode(text.replace("webauthn.create", "webauthn.get")));
        },
        |credential| credential["response"]["attestationObject"] = json!("AAAA"),
        |credential| credential["response"]["clientDataJSON"] = json!(B64.encode("not json")),
    ];
    for tamper in tamperings {
        let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
        let options = creation_options(&app, &key).await;
        let mut credential = authenticator.register(&options);
        tamper(&mut credential);
        let reply = finish_registration(&app, &key, "laptop", &credential).await;
        assert_invalid_response(&reply);
    }
    let not_an_object = finish_registration(&app, &key, "laptop", &json!("a passkey")).await;
    assert_invalid_response(&not_an_object);
    assert_eq!(app.count("passkeys"), 0);
}

async fn a_registration_challenge_is_used_once(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let options = creation_options(&app, &key).await;
    let mut first = SoftAuthenticator::new(PUBLIC_URL);
    let reply = finish_registration(&app, &key, "laptop", &first.register(&options)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let mut second = SoftAuthenticator::new(PUBLIC_URL);
    let again = finish_registration(&app, &key, "phone", &second.register(&options)).await;
    assert_invalid_response(&again);
    assert_eq!(app.count("passkeys"), 1);
}

async fn a_failed_registration_uses_up_its_challenge(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let options = creation_options(&app, &key).await;
    let mut authenticator = SoftAuthenticator::new("https://evil.example.test");
    let forged = authenticator.register(&options);
    assert_invalid_response(&finish_registration(&app, &key, "laptop", &forged).await);
    authenticator.origin = PUBLIC_URL.into();
    let genuine = authenticator.register(&options);
    assert_invalid_response(&finish_registration(&app, &key, "laptop", &genuine).await);
    assert_eq!(app.count("passkeys"), 0);
}

async fn a_registration_challenge_of_another_user_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let ada = app.user_with_token(EMAIL).await;
    let bob = app.user_with_token(OTHER).await;
    let adas_options = creation_options(&app, &ada).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let reply =
        finish_registration(&app, &bob, "laptop", &authenticator.register(&adas_options)).await;
    assert_invalid_response(&reply);
    assert_eq!(app.count("passkeys"), 0);
}

async fn a_credential_id_already_registered_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (ada, mut authenticator) = user_with_passkey(&app).await;
    // The soft authenticator ignores excludeCredentials; the service may not.
    let options = creation_options(&app, &ada).await;
    let again = finish_registration(&app, &ada, "again", &authenticator.register(&options)).await;
    assert_invalid_response(&again);
    let bob = app.user_with_token(OTHER).await;
    let options = creation_options(&app, &bob).await;
    let stolen = finish_registration(&app, &bob, "stolen", &authenticator.register(&options)).await;
    assert_invalid_response(&stolen);
    assert_eq!(app.count("passkeys"), 1);
    assert_eq!(names(&passkeys_of(&app, &ada).await), ["laptop"]);
}

// The list and removal

async fn passkeys_are_listed_newest_first(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let (_, laptop) = add_passkey(&app, &key, "laptop").await;
    let (_, phone) = add_passkey(&app, &key, "phone").await;
    let list = passkeys_of(&app, &key).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(names(&list), ["phone", "laptop"]);
    assert_eq!(list.body[0]["id"], phone.as_str());
    assert_eq!(list.body[1]["id"], laptop.as_str());
    let first: Vec<&str> = list.body[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(first, ["id", "name", "created", "last_used"]);
    assert_eq!(list.body[0]["last_used"], Value::Null);
    let status = app.send(Method::GET, "/api/me/mfa", &key).await;
    assert_eq!(status.body["passkeys"], 2);
}

async fn the_list_shows_only_the_users_own_passkeys(backend: Backend) {
    let app = spawn(backend).await;
    user_with_passkey(&app).await;
    let bob = app.user_with_token(OTHER).await;
    let list = passkeys_of(&app, &bob).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body, json!([]));
}

async fn the_list_takes_a_personal_token_with_account_read(backend: Backend) {
    let app = spawn(backend).await;
    let (session, _) = user_with_passkey(&app).await;
    let reader = app.personal_token(&session, &["account:read"]).await;
    let list = passkeys_of(&app, &reader).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(names(&list), ["laptop"]);
    let writer = app.personal_token(&session, &["account:write"]).await;
    assert_eq!(
        passkeys_of(&app, &writer).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(Method::GET, "/api/me/passkeys", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn removing_a_passkey_answers_204_then_404(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let (_, id) = add_passkey(&app, &key, "laptop").await;
    let removed = remove(&app, &key, &id).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
    assert_eq!(passkeys_of(&app, &key).await.body, json!([]));
    assert_eq!(
        app.send(Method::GET, "/api/me/mfa", &key).await.body["passkeys"],
        0
    );
    let again = remove(&app, &key, &id).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.body, json!({"detail": "Not found."}));
    let unknown = remove(&app, &key, &uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn another_users_passkey_cannot_be_removed(backend: Backend) {
    let app = spawn(backend).await;
    let ada = app.user_with_token(EMAIL).await;
    let (_, id) = add_passkey(&app, &ada, "laptop").await;
    let bob = app.user_with_token(OTHER).await;
    let reply = remove(&app, &bob, &id).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, json!({"detail": "Not found."}));
    assert_eq!(names(&passkeys_of(&app, &ada).await), ["laptop"]);
}

async fn a_removed_passkey_no_longer_logs_in(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let (mut authenticator, id) = add_passkey(&app, &key, "laptop").await;
    assert_eq!(remove(&app, &key, &id).await.status, StatusCode::NO_CONTENT);
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn adding_and_removing_take_a_session_token(backend: Backend) {
    let app = spawn(backend).await;
    let session = app.user_with_token(EMAIL).await;
    let personal = app
        .personal_token(&session, &["account:read", "account:write"])
        .await;
    let options = creation_options(&app, &session).await;
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let credential = authenticator.register(&options);
    let added = finish_registration(&app, &personal, "laptop", &credential).await;
    assert_eq!(added.status, StatusCode::FORBIDDEN, "{added:?}");
    let (_, id) = add_passkey(&app, &session, "phone").await;
    let removed = remove(&app, &personal, &id).await;
    assert_eq!(removed.status, StatusCode::FORBIDDEN, "{removed:?}");
    assert_eq!(app.count("passkeys"), 1);
}

async fn adding_and_removing_are_recorded_with_the_name(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    let (_, id) = add_passkey(&app, &key, "work laptop").await;
    let added = newest_event(&app, &key, "passkey.added").await;
    assert_eq!(added["detail"], json!({"name": "work laptop"}));
    remove(&app, &key, &id).await;
    let removed = newest_event(&app, &key, "passkey.removed").await;
    assert_eq!(removed["detail"], json!({"name": "work laptop"}));
    assert_eq!(
        app.event_types(&key).await[..2],
        ["passkey.removed", "passkey.added"]
    );
}

// Login

async fn login_options_ask_for_any_discoverable_passkey_verified(backend: Backend) {
    let app = spawn(backend).await;
    let options = login_options(&app).await;
    let challenge = options["publicKey"]["challenge"].clone();
    let text = challenge.as_str().expect("a challenge");
    assert!(!text.contains('='), "base64url without padding");
    assert!(B64.decode(text).unwrap().len() >= 16);
    assert_eq!(options["publicKey"]["rpId"], RP_ID);
    assert_eq!(options["publicKey"]["userVerification"], "required");
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(options["publicKey"]["timeout"], 300_000);
    assert_ne!(
        login_options(&app).await["publicKey"]["challenge"],
        challenge
    );
}

async fn a_passkey_logs_in_as_a_login_does(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let reply = log_in_with(&app, &mut authenticator).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.keys(), ["message", "user", "token"]);
    assert_eq!(reply.body["message"], "Success!");
    assert_eq!(reply.body["user"]["email"], EMAIL);
    assert!(reply.body["user"]["last_login"].is_string());
    let me = app.get_me(&login_key(&reply)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], EMAIL);
}

async fn a_passkey_login_rotates_tokens_as_a_login_does(backend: Backend) {
    let app = spawn(backend).await;
    let (before, mut authenticator) = user_with_passkey(&app).await;
    let reply = log_in_with(&app, &mut authenticator).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // One token per user by default: the login's replaced the older one.
    assert_eq!(app.get_me(&before).await.status, StatusCode::UNAUTHORIZED);
}

async fn a_passkey_login_is_recorded_with_its_method(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let reply = log_in_with(&app, &mut authenticator).await;
    let key = login_key(&reply);
    let event = newest_event(&app, &key, "login.succeeded").await;
    assert_eq!(event["detail"], json!({"method": "passkey"}));
}

async fn a_passkey_login_sets_the_passkeys_last_use(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let reply = log_in_with(&app, &mut authenticator).await;
    let list = passkeys_of(&app, &login_key(&reply)).await;
    assert!(list.body[0]["last_used"].is_string(), "{list:?}");
}

async fn a_login_without_a_user_handle_is_accepted(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let options = login_options(&app).await;
    let mut credential = authenticator.login(&options);
    credential["response"]["userHandle"] = Value::Null;
    assert_eq!(
        passkey_login(&app, &credential).await.status,
        StatusCode::OK
    );
    let options = login_options(&app).await;
    let mut credential = authenticator.login(&options);
    credential["response"]
        .as_object_mut()
        .unwrap()
        .remove("userHandle");
    assert_eq!(
        passkey_login(&app, &credential).await.status,
        StatusCode::OK
    );
}

async fn a_user_handle_of_another_user_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let bob = app.user_with_token(OTHER).await;
    authenticator.user_handle = Some(user_handle(&creation_options(&app, &bob).await));
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn an_unknown_passkey_is_refused_and_recorded_with_no_user(backend: Backend) {
    let app = spawn(backend).await;
    let staff = app.admin_with_token("root@example.com", false).await;
    let mut stranger = SoftAuthenticator::new(PUBLIC_URL);
    stranger.user_handle = Some(vec![42; 32]);
    assert_passkey_refused(&log_in_with(&app, &mut stranger).await);
    let page = app
        .send(Method::GET, "/api/events?type=login.failed", &staff)
        .await;
    let failed = &page.body["results"][0];
    assert_eq!(failed["user_id"], Value::Null, "{page:?}");
    assert_eq!(failed["detail"]["reason"], "passkey");
}

async fn a_login_from_another_origin_is_refused_and_recorded(backend: Backend) {
    let app = spawn(backend).await;
    let (key, mut authenticator) = user_with_passkey(&app).await;
    authenticator.origin = "https://evil.example.test".into();
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
    let failed = newest_event(&app, &key, "login.failed").await;
    assert_eq!(
        failed["detail"],
        json!({"reason": "passkey", "email": EMAIL})
    );
    assert_eq!(app.get_me(&key).await.status, StatusCode::OK, "no rotation");
}

async fn a_login_for_another_rp_id_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let mut options = login_options(&app).await;
    options["publicKey"]["rpId"] = json!("evil.test");
    assert_passkey_refused(&passkey_login(&app, &authenticator.login(&options)).await);
}

async fn a_login_without_user_verification_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    authenticator.flags = UP;
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn a_login_signed_with_another_key_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    // The same credential id, another private key.
    authenticator.key = SoftAuthenticator::new(PUBLIC_URL).key;
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn a_login_with_a_tampered_signature_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let options = login_options(&app).await;
    let mut credential = authenticator.login(&options);
    // Another authenticator data than the one signed: the counter bumped.
    let mut data = B64
        .decode(
            credential["response"]["authenticatorData"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    data[36] = data[36].wrapping_add(1);
    credential["response"]["authenticatorData"] = json!(B64.encode(&data));
    assert_passkey_refused(&passkey_login(&app, &credential).await);
}

async fn a_login_for_a_challenge_never_issued_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let credential = authenticator.login(&unissued_login_options());
    assert_passkey_refused(&passkey_login(&app, &credential).await);
}

async fn a_login_challenge_is_used_once(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let options = login_options(&app).await;
    let credential = authenticator.login(&options);
    assert_eq!(
        passkey_login(&app, &credential).await.status,
        StatusCode::OK
    );
    assert_passkey_refused(&passkey_login(&app, &credential).await);
}

async fn a_failed_login_uses_up_its_challenge(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let options = login_options(&app).await;
    authenticator.origin = "https://evil.example.test".into();
    assert_passkey_refused(&passkey_login(&app, &authenticator.login(&options)).await);
    authenticator.origin = PUBLIC_URL.into();
    assert_passkey_refused(&passkey_login(&app, &authenticator.login(&options)).await);
    // The passkey itself is fine: fresh options log in.
    assert_eq!(
        log_in_with(&app, &mut authenticator).await.status,
        StatusCode::OK
    );
}

async fn a_signature_counter_that_went_back_or_repeated_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    authenticator.counter = 4;
    let reply = log_in_with(&app, &mut authenticator).await; // signs 5
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    authenticator.counter = 3; // signs 4 < 5: a cloned authenticator
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
    authenticator.counter = 4; // signs 5 again
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn a_signature_counter_that_stays_at_zero_is_accepted(backend: Backend) {
    let app = spawn(backend).await;
    let key = app.user_with_token(EMAIL).await;
    // Synced passkeys never count: 0 at registration and at every login.
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    authenticator.increment = false;
    let options = creation_options(&app, &key).await;
    let credential = authenticator.register(&options);
    let added = finish_registration(&app, &key, "synced", &credential).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    for _ in 0..2 {
        let reply = log_in_with(&app, &mut authenticator).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
}

async fn a_missing_or_null_credential_at_login_is_a_field_error(backend: Backend) {
    let app = spawn(backend).await;
    let missing = app.post_json("/api/login/passkey", &json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body,
        field_error("credential", "This field is required.")
    );
    let null = app
        .post_json("/api/login/passkey", &json!({"credential": null}))
        .await;
    assert_eq!(null.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        null.body,
        field_error("credential", "This field may not be null.")
    );
}

async fn an_inactive_users_passkey_is_refused_until_reactivated(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    app.sql("UPDATE users SET is_active = FALSE");
    assert_login_refused(
        &log_in_with(&app, &mut authenticator).await,
        "Invalid Email or Password!",
    );
    assert_eq!(app.count("passkeys"), 1, "kept while inactive");
    app.sql("UPDATE users SET is_active = TRUE");
    assert_eq!(
        log_in_with(&app, &mut authenticator).await.status,
        StatusCode::OK
    );
}

async fn an_unverified_address_cannot_log_in_with_a_passkey_in_mandatory_mode(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.auth.email_verification = EmailVerification::Mandatory;
    })
    .await;
    assert_eq!(app.signup(EMAIL).await.status, StatusCode::CREATED);
    // Verified long enough to log in and add a passkey, then no longer.
    app.sql("UPDATE users SET email_verified = TRUE");
    let key = app.token_for(EMAIL).await;
    let (mut authenticator, _) = add_passkey(&app, &key, "laptop").await;
    app.sql("UPDATE users SET email_verified = FALSE");
    assert_login_refused(
        &log_in_with(&app, &mut authenticator).await,
        "Email address is not verified.",
    );
}

/// The code an authenticator app shows now for `secret` (base32), computed
/// with another TOTP implementation than the service's.
fn totp_code(secret: &str) -> String {
    let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &secret, now)
}

async fn a_passkey_login_with_totp_on_is_one_step(backend: Backend) {
    let app = spawn(backend).await;
    let (key, mut authenticator) = user_with_passkey(&app).await;
    let setup = app
        .send_json(
            Method::POST,
            "/api/me/mfa/totp",
            &key,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{setup:?}");
    let code = totp_code(setup.body["secret"].as_str().unwrap());
    let confirmed = app
        .send_json(
            Method::POST,
            "/api/me/mfa/totp/confirm",
            &key,
            &json!({"code": code}),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{confirmed:?}");
    assert_eq!(
        app.login(EMAIL, PASSWORD).await.body["error"],
        "Second factor required."
    );
    let reply = log_in_with(&app, &mut authenticator).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.keys(), ["message", "user", "token"]);
    assert_eq!(app.get_me(&login_key(&reply)).await.status, StatusCode::OK);
}

async fn passkeys_survive_a_password_change(backend: Backend) {
    let app = spawn(backend).await;
    let (key, mut authenticator) = user_with_passkey(&app).await;
    let changed = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"current_password": PASSWORD, "new_password": "another-Strong-pass-7"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{changed:?}");
    assert_eq!(
        log_in_with(&app, &mut authenticator).await.status,
        StatusCode::OK
    );
}

async fn passkeys_go_with_the_account(backend: Backend) {
    let app = spawn(backend).await;
    let (key, mut authenticator) = user_with_passkey(&app).await;
    let deleted = app
        .send_json(
            Method::POST,
            "/api/me/delete",
            &key,
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    assert_eq!(app.count("passkeys"), 0);
    assert_passkey_refused(&log_in_with(&app, &mut authenticator).await);
}

async fn passkey_logins_count_against_the_login_throttle(backend: Backend) {
    let app = spawn_with(backend, |s| s.throttle.login = "2/minute".into()).await;
    app.signup(EMAIL).await;
    // Well-formed answers for options never issued: no options request,
    // whether or not those count.
    let mut stranger = SoftAuthenticator::new(PUBLIC_URL);
    for _ in 0..2 {
        let credential = stranger.login(&unissued_login_options());
        assert_passkey_refused(&passkey_login(&app, &credential).await);
    }
    let credential = stranger.login(&unissued_login_options());
    let throttled = passkey_login(&app, &credential).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{throttled:?}"
    );
    assert!(throttled.header("retry-after").is_some());
    assert_eq!(
        app.login(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "one budget with password logins"
    );
}

async fn concurrent_logins_with_one_response_log_in_once(backend: Backend) {
    let app = spawn(backend).await;
    let (_, mut authenticator) = user_with_passkey(&app).await;
    let options = login_options(&app).await;
    let credential = authenticator.login(&options);
    let replies =
        futures_util::future::join_all((0..6).map(|_| passkey_login(&app, &credential))).await;
    let logged_in = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::OK)
        .count();
    assert_eq!(logged_in, 1, "{replies:?}");
    for reply in replies
        .iter()
        .filter(|reply| reply.status != StatusCode::OK)
    {
        assert_passkey_refused(reply);
    }
}

async fn an_explicit_rp_id_may_be_a_parent_domain_of_the_public_url(backend: Backend) {
    let app = spawn_with(backend, |s| s.auth.webauthn_rp_id = "example.test".into()).await;
    let key = app.user_with_token(EMAIL).await;
    let options = creation_options(&app, &key).await;
    assert_eq!(options["publicKey"]["rp"]["id"], "example.test");
    let mut authenticator = SoftAuthenticator::new(PUBLIC_URL);
    let added = finish_registration(&app, &key, "laptop", &authenticator.register(&options)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    let options = login_options(&app).await;
    assert_eq!(options["publicKey"]["rpId"], "example.test");
    let reply = passkey_login(&app, &authenticator.login(&options)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

on_both_backends!(
    creation_options_ask_for_a_discoverable_verified_es256_passkey,
    every_creation_options_call_gets_a_fresh_challenge,
    the_user_handle_is_random_and_the_same_in_every_call,
    first_ceremonies_racing_for_one_user_agree_on_its_handle,
    creation_options_exclude_the_users_own_passkeys,
    creation_options_need_the_password,
    creation_options_take_only_a_session_token,
    registering_a_passkey_answers_201_with_it,
    the_name_is_required_and_at_most_100_characters,
    a_missing_or_null_credential_is_a_field_error,
    a_registration_from_another_origin_is_refused,
    a_registration_for_another_rp_id_is_refused,
    a_registration_for_a_challenge_never_issued_is_refused,
    a_registration_without_user_verification_is_refused,
    a_tampered_or_malformed_registration_is_refused,
    a_registration_challenge_is_used_once,
    a_failed_registration_uses_up_its_challenge,
    a_registration_challenge_of_another_user_is_refused,
    a_credential_id_already_registered_is_refused,
    passkeys_are_listed_newest_first,
    the_list_shows_only_the_users_own_passkeys,
    the_list_takes_a_personal_token_with_account_read,
    removing_a_passkey_answers_204_then_404,
    another_users_passkey_cannot_be_removed,
    a_removed_passkey_no_longer_logs_in,
    adding_and_removing_take_a_session_token,
    adding_and_removing_are_recorded_with_the_name,
    login_options_ask_for_any_discoverable_passkey_verified,
    a_passkey_logs_in_as_a_login_does,
    a_passkey_login_rotates_tokens_as_a_login_does,
    a_passkey_login_is_recorded_with_its_method,
    a_passkey_login_sets_the_passkeys_last_use,
    a_login_without_a_user_handle_is_accepted,
    a_user_handle_of_another_user_is_refused,
    an_unknown_passkey_is_refused_and_recorded_with_no_user,
    a_login_from_another_origin_is_refused_and_recorded,
    a_login_for_another_rp_id_is_refused,
    a_login_without_user_verification_is_refused,
    a_login_signed_with_another_key_is_refused,
    a_login_with_a_tampered_signature_is_refused,
    a_login_for_a_challenge_never_issued_is_refused,
    a_login_challenge_is_used_once,
    a_failed_login_uses_up_its_challenge,
    a_signature_counter_that_went_back_or_repeated_is_refused,
    a_signature_counter_that_stays_at_zero_is_accepted,
    a_missing_or_null_credential_at_login_is_a_field_error,
    an_inactive_users_passkey_is_refused_until_reactivated,
    an_unverified_address_cannot_log_in_with_a_passkey_in_mandatory_mode,
    a_passkey_login_with_totp_on_is_one_step,
    passkeys_survive_a_password_change,
    passkeys_go_with_the_account,
    passkey_logins_count_against_the_login_throttle,
    concurrent_logins_with_one_response_log_in_once,
    an_explicit_rp_id_may_be_a_parent_domain_of_the_public_url,
);
