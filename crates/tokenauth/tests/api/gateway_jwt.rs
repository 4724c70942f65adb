//! `gateway.jwt`: a signed JWT of the caller on every 200 of
//! `/api/auth/verify`, checked here with an independent library
//! (`jsonwebtoken`) against the key set at `/.well-known/jwks.json`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokenauth::Settings;
use tokenauth_adapters_db::Backend;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

const ISSUER: &str = "https://auth.example";

fn with_jwts(settings: &mut Settings) {
    settings.gateway.jwt = true;
    settings.auth.public_url = ISSUER.into();
}

async fn jwt_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, with_jwts).await
}

/// The `X-Auth-Jwt` of a verify with `key`.
async fn verified_jwt(app: &TestApp, key: &str) -> String {
    let reply = app.send(Method::GET, "/api/auth/verify", key).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply
        .header("x-auth-jwt")
        .expect("verify carries X-Auth-Jwt")
        .to_owned()
}

async fn key_set(app: &TestApp) -> JwkSet {
    let reply = app
        .request(Method::GET, "/.well-known/jwks.json", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    serde_json::from_value(reply.body).expect("a JWK set")
}

/// The claims of `jwt` when it verifies against `keys` (EdDSA only).
fn verified_claims(
    jwt: &str,
    keys: &JwkSet,
    audience: Option<&str>,
) -> jsonwebtoken::errors::Result<Value> {
    let header = jsonwebtoken::decode_header(jwt)?;
    let kid = header.kid.expect("a kid");
    let jwk = keys.find(&kid).expect("the kid is in the key set");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ISSUER]);
    match audience {
        Some(audience) => validation.set_audience(&[audience]),
        None => validation.validate_aud = false,
    }
    validation.leeway = 0;
    jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk)?, &validation)
        .map(|data| data.claims)
}

fn kid_of(jwt: &str) -> String {
    jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap()
}

async fn without_the_setting_verify_carries_no_jwt_and_the_key_set_is_empty(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app.send(Method::GET, "/api/auth/verify", &key).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("x-auth-jwt"), None);
    let keys = app
        .request(Method::GET, "/.well-known/jwks.json", None)
        .await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(keys.body, serde_json::json!({"keys": []}));
}

async fn the_jwt_states_the_user_and_verifies_against_the_key_set(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let me = app.get_me(&key).await;
    let jwt = verified_jwt(&app, &key).await;
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let claims = verified_claims(&jwt, &key_set(&app).await, None).expect("the JWT verifies");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["sub"], me.body["id"]);
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["is_staff"], false);
    assert_eq!(
        claims["scope"],
        "account:read account:write users:read users:write tokens:introspect"
    );
    assert_eq!(claims.get("aud"), None);
    let jti = claims["jti"].as_str().unwrap();
    assert!(
        jti.len() == 32
            && jti
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{jti}"
    );
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 60);
    assert!((iat - chrono::Utc::now().timestamp()).abs() <= 5);
}

async fn the_key_set_publishes_the_signing_key_as_an_ed25519_jwk(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let jwt = verified_jwt(&app, &key).await;
    let reply = app
        .request(Method::GET, "/.well-known/jwks.json", None)
        .await;
    let keys = reply.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let jwk = keys[0].as_object().unwrap();
    let mut members: Vec<&str> = jwk.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "crv", "kid", "kty", "use", "x"]);
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["alg"], "EdDSA");
    assert_eq!(jwk["kid"], kid_of(&jwt).as_str());
    assert_eq!(jwk["x"].as_str().unwrap().len(), 43, "32 bytes, base64url");
}

async fn the_scope_claim_is_what_a_personal_token_holds(backend: Backend) {
    let app = jwt_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&session, &["account:read"]).await;
    let jwt = verified_jwt(&app, &personal).await;
    let claims = verified_claims(&jwt, &key_set(&app).await, None).unwrap();
    assert_eq!(claims["scope"], "account:read");
}

async fn a_staff_user_is_staff_in_the_jwt(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.admin_with_token("root@example.com", false).await;
    let jwt = verified_jwt(&app, &key).await;
    let claims = verified_claims(&jwt, &key_set(&app).await, None).unwrap();
    assert_eq!(claims["is_staff"], true);
}

async fn the_audience_and_lifetime_are_the_operators(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        with_jwts(settings);
        settings.gateway.jwt_audience = "orders".into();
        settings.gateway.jwt_ttl_seconds = 15;
    })
    .await;
    let key = app.user_with_token("ada@example.com").await;
    let jwt = verified_jwt(&app, &key).await;
    let keys = key_set(&app).await;
    let claims = verified_claims(&jwt, &keys, Some("orders")).expect("aud is orders");
    assert_eq!(claims["aud"], "orders");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        15
    );
    assert!(verified_claims(&jwt, &keys, Some("billing")).is_err());
}

async fn a_tampered_jwt_does_not_verify(backend: Backend) {
    let app = jwt_app(backend).await;
    let ada = app.user_with_token("ada@example.com").await;
    let bob = app.user_with_token("bob@example.com").await;
    let keys = key_set(&app).await;
    let ada_jwt = verified_jwt(&app, &ada).await;
    let bob_jwt = verified_jwt(&app, &bob).await;
    // Bob's claims under Ada's signature.
    let ada_parts: Vec<&str> = ada_jwt.split('.').collect();
    let bob_parts: Vec<&str> = bob_jwt.split('.').collect();
    let swapped = format!("{}.{}.{}", ada_parts[0], bob_parts[1], ada_parts[2]);
    assert!(verified_claims(&swapped, &keys, None).is_err());
    // One flipped character of the signature.
    let mut signature = ada_parts[2].to_owned().into_bytes();
    signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
    let flipped = format!(
        "{}.{}.{}",
        ada_parts[0],
        ada_parts[1],
        String::from_utf8(signature).unwrap()
    );
    assert!(verified_claims(&flipped, &keys, None).is_err());
    assert!(verified_claims(&ada_jwt, &keys, None).is_ok());
}

async fn a_token_gets_its_jwt_again_until_half_its_lifetime_has_passed(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        with_jwts(settings);
        settings.gateway.jwt_ttl_seconds = 4;
    })
    .await;
    let key = app.user_with_token("ada@example.com").await;
    let first = verified_jwt(&app, &key).await;
    assert_eq!(verified_jwt(&app, &key).await, first);
    // Half of four seconds later, a JWT with its whole lifetime ahead.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = verified_jwt(&app, &key).await;
    assert_ne!(later, first);
    let keys = key_set(&app).await;
    let (first, later) = (
        verified_claims(&first, &keys, None).unwrap(),
        verified_claims(&later, &keys, None).unwrap(),
    );
    assert_ne!(first["jti"], later["jti"]);
}

async fn each_token_gets_a_jwt_of_its_own(backend: Backend) {
    let app = jwt_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&session, &["account:read"]).await;
    let keys = key_set(&app).await;
    let mut seen = HashSet::new();
    for key in [&session, &personal] {
        let claims = verified_claims(&verified_jwt(&app, key).await, &keys, None).unwrap();
        assert!(seen.insert(claims["jti"].as_str().unwrap().to_owned()));
    }
}

async fn a_change_to_what_the_jwt_states_signs_a_new_one_at_once(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let before = verified_jwt(&app, &key).await;
    app.promote("ada@example.com", false);
    let after = verified_jwt(&app, &key).await;
    assert_ne!(after, before);
    let claims = verified_claims(&after, &key_set(&app).await, None).unwrap();
    assert_eq!(claims["is_staff"], true);
}

async fn a_refused_verify_carries_no_jwt(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let forbidden = app
        .send(Method::GET, "/api/auth/verify?staff=true", &key)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.header("x-auth-jwt"), None);
    app.post_with_token("/api/logout", &key).await;
    let refused = app.send(Method::GET, "/api/auth/verify", &key).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("x-auth-jwt"), None);
}

async fn every_process_on_one_database_signs_with_the_same_key(backend: Backend) {
    let first = jwt_app(backend).await;
    let url = first.test_db.url().to_owned();
    let second = spawn_app_with(backend, |settings| {
        with_jwts(settings);
        settings.database.url = url.into();
    })
    .await;
    let key = first.user_with_token("ada@example.com").await;
    let from_first = verified_jwt(&first, &key).await;
    let from_second = verified_jwt(&second, &key).await;
    assert_eq!(kid_of(&from_first), kid_of(&from_second));
    let keys = key_set(&second).await;
    assert_eq!(keys.keys.len(), 1);
    assert!(verified_claims(&from_first, &keys, None).is_ok());
}

async fn processes_racing_to_make_the_first_key_agree_on_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut settings = Settings::default();
    settings.database.url = app.test_db.url().into();
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let keys = tokenauth::wiring::signing_keys(&settings, &app.database);
            std::thread::spawn(move || keys.refresh().expect("a key"))
        })
        .collect();
    let kids: HashSet<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(kids.len(), 1, "{kids:?}");
    assert_eq!(app.count("signing_keys"), 1);
}

async fn after_rotatekeys_the_new_key_is_published_before_it_signs(backend: Backend) {
    let app = jwt_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let before = verified_jwt(&app, &key).await;
    let old_kid = kid_of(&before);
    let mut settings = Settings::default();
    settings.database.url = app.test_db.url().into();
    let rotation = tokenauth::commands::rotate_keys(&settings).expect("rotated");
    assert_eq!(
        rotation.retired.as_ref().map(ToString::to_string),
        Some(old_kid.clone())
    );
    let new_kid = rotation.signing.to_string();
    // The old key signs on until every process can have published the new.
    assert_eq!(kid_of(&verified_jwt(&app, &key).await), old_kid);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut published_first = false;
    let after = loop {
        let jwt = verified_jwt(&app, &key).await;
        let listed = key_set(&app).await.find(&new_kid).is_some();
        if kid_of(&jwt) == new_kid {
            break jwt;
        }
        published_first |= listed;
        assert!(Instant::now() < deadline, "the rotated key never signed");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(
        published_first,
        "the new key signed before it was published"
    );
    let keys = key_set(&app).await;
    let kids: Vec<String> = keys
        .keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect();
    assert_eq!(kids, [new_kid, old_kid]);
    assert!(verified_claims(&before, &keys, None).is_ok());
    assert!(verified_claims(&after, &keys, None).is_ok());
}

async fn concurrent_rotations_each_leave_one_signing_key(backend: Backend) {
    let app = jwt_app(backend).await;
    let mut settings = Settings::default();
    settings.database.url = app.test_db.url().into();
    let rotations: Vec<_> = (0..6)
        .map(|_| {
            let settings = settings.clone();
            std::thread::spawn(move || tokenauth::commands::rotate_keys(&settings))
        })
        .collect();
    for rotation in rotations {
        rotation.join().unwrap().expect("every rotation succeeds");
    }
    assert_eq!(app.count("signing_keys WHERE retired IS NULL"), 1);
    assert_eq!(app.count("signing_keys"), 7);
}

on_both_backends!(
    without_the_setting_verify_carries_no_jwt_and_the_key_set_is_empty,
    the_jwt_states_the_user_and_verifies_against_the_key_set,
    the_key_set_publishes_the_signing_key_as_an_ed25519_jwk,
    the_scope_claim_is_what_a_personal_token_holds,
    a_staff_user_is_staff_in_the_jwt,
    the_audience_and_lifetime_are_the_operators,
    a_tampered_jwt_does_not_verify,
    a_token_gets_its_jwt_again_until_half_its_lifetime_has_passed,
    each_token_gets_a_jwt_of_its_own,
    a_change_to_what_the_jwt_states_signs_a_new_one_at_once,
    a_refused_verify_carries_no_jwt,
    every_process_on_one_database_signs_with_the_same_key,
    processes_racing_to_make_the_first_key_agree_on_one,
    after_rotatekeys_the_new_key_is_published_before_it_signs,
    concurrent_rotations_each_leave_one_signing_key,
);
