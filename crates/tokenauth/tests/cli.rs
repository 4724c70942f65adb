//! The command line driven as an operator would: the built binary as a
//! process, its exit code and its output.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::process::{Command, Output, Stdio};

#[path = "support/mod.rs"]
mod support;

use support::{TestSmtp, free_port};

use tokenauth::{Application, Settings};
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

/// The superuser's password in these tests.
const ROOT_PASSWORD: &str = "root-Strong-pass-1";

fn tokenauth(db: &str, args: &[&str], password: Option<&str>) -> Output {
    tokenauth_with(db, args, password, &[])
}

fn tokenauth_with(db: &str, args: &[&str], password: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokenauth"));
    command
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", db)
        .env("TOKENAUTH__AUTH__BCRYPT_COST", "4")
        .env_remove("TOKENAUTH_ENV")
        .env_remove("TOKENAUTH_SUPERUSER_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    if let Some(password) = password {
        command.env("TOKENAUTH_SUPERUSER_PASSWORD", password);
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An error is one line on stderr, never a panic or a backtrace.
fn assert_fails_with(output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = stderr(output);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("tokenauth: "), "{err}");
    assert!(
        err.contains(expected),
        "{err:?} should contain {expected:?}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

fn create_root(db: &TestDatabase) -> Output {
    tokenauth(
        db.url(),
        &[
            "createsuperuser",
            "--email",
            "root@example.com",
            "--phonenumber",
            "+15550000",
        ],
        Some(ROOT_PASSWORD),
    )
}

async fn login(db: &TestDatabase, password: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(1);
    settings.database.url = db.url().into();
    settings.auth.bcrypt_cost = 4;
    let app = Application::build(&settings).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{address}/api/login"))
        .json(&serde_json::json!({"email": "root@example.com", "password": password}))
        .send()
        .await
        .unwrap();
    let status = reply.status();
    let body: serde_json::Value = reply.json().await.unwrap();
    if status.is_success() {
        let key = body["token"]["key"].as_str().unwrap();
        let users = client
            .get(format!("{address}/api/users"))
            .header("authorization", format!("Token {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            users.status(),
            reqwest::StatusCode::OK,
            "a superuser may administer"
        );
    }
    (status, body)
}

async fn createsuperuser_creates_a_staff_superuser_who_can_log_in(backend: Backend) {
    let db = TestDatabase::new(backend);
    let output = create_root(&db);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Superuser root@example.com created."
    );
    let (status, body) = login(&db, ROOT_PASSWORD).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(body["user"]["is_staff"], true);
    assert_eq!(
        body["user"]["email_verified"], true,
        "an operator vouches for it"
    );
}

async fn createsuperuser_refuses_a_duplicate_email(backend: Backend) {
    let db = TestDatabase::new(backend);
    create_root(&db);
    assert_fails_with(
        &create_root(&db),
        "email: user with this email already exists.",
    );
}

async fn createsuperuser_applies_the_signup_rules(backend: Backend) {
    let db = TestDatabase::new(backend);
    let output = tokenauth(
        db.url(),
        &[
            "createsuperuser",
            "--email",
            "not-an-email",
            "--phonenumber",
            "12-34",
        ],
        Some("123"),
    );
    assert_fails_with(&output, "email: Enter a valid email address.");
    let err = stderr(&output);
    assert!(
        err.contains("phonenumber: Enter a valid phone number."),
        "{err}"
    );
    assert!(err.contains("This password is entirely numeric."), "{err}");
}

async fn createsuperuser_without_a_password_or_a_terminal_says_how_to_give_one(backend: Backend) {
    let db = TestDatabase::new(backend);
    let output = tokenauth(
        db.url(),
        &[
            "createsuperuser",
            "--email",
            "root@example.com",
            "--phonenumber",
            "+1555",
        ],
        None,
    );
    assert_fails_with(&output, "TOKENAUTH_SUPERUSER_PASSWORD");
}

async fn changepassword_sets_the_password_and_revokes_tokens(backend: Backend) {
    let db = TestDatabase::new(backend);
    create_root(&db);
    let (status, _) = login(&db, ROOT_PASSWORD).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let output = tokenauth(
        db.url(),
        &["changepassword", "ROOT@example.com"],
        Some("new-Strong-pass-2"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Password changed successfully for user root@example.com."
    );
    let mut settings = Settings::default();
    settings.database.url = db.url().into();
    let database = tokenauth_adapters_db::Database::open(&settings.database_settings()).unwrap();
    let remaining = database
        .with_connection(|conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query("SELECT COUNT(*) AS n FROM auth_tokens")
                .get_result::<Count>(conn)
                .map(|c| c.n)
        })
        .unwrap();
    assert_eq!(remaining, 0, "every token revoked");
    assert_eq!(
        login(&db, ROOT_PASSWORD).await.0,
        reqwest::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&db, "new-Strong-pass-2").await.0,
        reqwest::StatusCode::OK
    );
}

async fn changepassword_of_an_unknown_user_fails(backend: Backend) {
    let db = TestDatabase::new(backend);
    let output = tokenauth(
        db.url(),
        &["changepassword", "nobody@example.com"],
        Some("new-Strong-pass-2"),
    );
    assert_fails_with(&output, "user \"nobody@example.com\" does not exist");
}

async fn changepassword_applies_the_password_rules(backend: Backend) {
    let db = TestDatabase::new(backend);
    create_root(&db);
    let output = tokenauth(
        db.url(),
        &["changepassword", "root@example.com"],
        Some("password"),
    );
    assert_fails_with(&output, "password: This password is too common.");
}

/// Runs SQL on the test database and returns the count `count_query` gives.
fn sql_count(db: &TestDatabase, statements: &str, count_query: &str) -> i64 {
    let mut settings = Settings::default();
    settings.database.url = db.url().into();
    let database = tokenauth_adapters_db::Database::open(&settings.database_settings()).unwrap();
    let (statements, count_query) = (statements.to_owned(), count_query.to_owned());
    database
        .with_connection(move |conn| {
            use diesel::connection::SimpleConnection;
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            if !statements.is_empty() {
                conn.batch_execute(&statements)?;
            }
            diesel::sql_query(count_query)
                .get_result::<Count>(conn)
                .map(|c| c.n)
        })
        .unwrap()
}

async fn resetmfa_removes_the_second_factor(backend: Backend) {
    let db = TestDatabase::new(backend);
    create_root(&db);
    let enabled = sql_count(
        &db,
        "INSERT INTO totp_factors (user_id, secret, enabled, created) \
           SELECT id, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', TRUE, date_joined FROM users; \
         INSERT INTO recovery_codes (user_id, digest) SELECT id, 'd' FROM users;",
        "SELECT COUNT(*) AS n FROM totp_factors WHERE enabled",
    );
    assert_eq!(enabled, 1);
    let output = tokenauth(db.url(), &["resetmfa", "ROOT@example.com"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Two-factor authentication removed for user ROOT@example.com."
    );
    let left = sql_count(
        &db,
        "",
        "SELECT (SELECT COUNT(*) FROM totp_factors) + (SELECT COUNT(*) FROM recovery_codes) AS n",
    );
    assert_eq!(left, 0);
    let events = sql_count(
        &db,
        "",
        "SELECT COUNT(*) AS n FROM security_events WHERE kind = 'mfa.disabled'",
    );
    assert_eq!(events, 1);
    assert_eq!(login(&db, ROOT_PASSWORD).await.0, reqwest::StatusCode::OK);
}

async fn resetmfa_of_an_unknown_user_fails(backend: Backend) {
    let db = TestDatabase::new(backend);
    let output = tokenauth(db.url(), &["resetmfa", "nobody@example.com"], None);
    assert_fails_with(&output, "user \"nobody@example.com\" does not exist");
}

async fn rotatekeys_starts_a_new_signing_key_and_retires_the_old_one(backend: Backend) {
    let db = TestDatabase::new(backend);
    let first = tokenauth(db.url(), &["rotatekeys"], None);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let line = stdout(&first);
    let first_kid = line
        .trim()
        .strip_prefix("New signing key ")
        .and_then(|rest| rest.strip_suffix('.'))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    assert_eq!(first_kid.len(), 16, "{line}");
    let second = tokenauth(db.url(), &["rotatekeys"], None);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let line = stdout(&second);
    assert!(
        line.trim().ends_with(&format!(
            "; {first_kid} is retired and stays published until its JWTs have expired."
        )),
        "{line}"
    );
    let keys = sql_count(
        &db,
        "",
        "SELECT COUNT(*) AS n FROM signing_keys WHERE retired IS NULL",
    );
    assert_eq!(keys, 1, "one signing key");
    assert_eq!(
        sql_count(&db, "", "SELECT COUNT(*) AS n FROM signing_keys"),
        2
    );
}

async fn migrate_applies_then_has_nothing_to_do(backend: Backend) {
    let db = TestDatabase::empty(backend);
    let first = tokenauth(db.url(), &["migrate"], None);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stdout(&first).starts_with("Applied "), "{}", stdout(&first));
    let second = tokenauth(db.url(), &["migrate"], None);
    assert_eq!(stdout(&second).trim(), "No migrations to apply.");
}

fn through_smtp(smtp: &TestSmtp) -> [(&'static str, String); 2] {
    [
        ("TOKENAUTH__MAIL__BACKEND", "smtp".to_owned()),
        ("TOKENAUTH__MAIL__SMTP_URL", smtp.url()),
    ]
}

async fn sendtestmail_delivers_through_a_real_smtp_server(backend: Backend) {
    let Some(smtp) = TestSmtp::start() else {
        return;
    };
    let db = TestDatabase::empty(backend);
    let env = through_smtp(&smtp);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = tokenauth_with(db.url(), &["sendtestmail", "ada@example.com"], None, &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "Test message delivered to ada@example.com."
    );
    let received = smtp.messages();
    assert_eq!(received.len(), 1, "delivered once");
    assert!(
        received[0].contains("To: ada@example.com"),
        "{}",
        received[0]
    );
    assert!(received[0].contains("From: tokenauth <noreply@localhost>"));
    assert!(received[0].contains("Subject: tokenauth test message"));
}

async fn sendtestmail_on_the_console_backend_writes_the_message_to_the_log(backend: Backend) {
    let db = TestDatabase::empty(backend);
    let output = tokenauth_with(
        db.url(),
        &["sendtestmail", "ada@example.com"],
        None,
        &[("RUST_LOG", "info")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = format!("{}{}", stdout(&output), stderr(&output));
    assert!(log.contains("to=ada@example.com"), "{log}");
    assert!(log.contains("tokenauth test message"), "{log}");
}

async fn sendtestmail_to_a_server_that_is_down_says_so(backend: Backend) {
    let db = TestDatabase::empty(backend);
    let url = format!("smtp://127.0.0.1:{}", free_port());
    let output = tokenauth_with(
        db.url(),
        &["sendtestmail", "ada@example.com"],
        None,
        &[
            ("TOKENAUTH__MAIL__BACKEND", "smtp"),
            ("TOKENAUTH__MAIL__SMTP_URL", &url),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("tokenauth: not delivered: SMTP: Connection error"),
        "{}",
        stderr(&output)
    );
}

async fn sendtestmail_refuses_what_is_not_an_address(backend: Backend) {
    let db = TestDatabase::empty(backend);
    let output = tokenauth(db.url(), &["sendtestmail", "not-an-address"], None);
    assert_fails_with(&output, "tokenauth: address: Enter a valid email address.");
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

on_both_backends!(
    createsuperuser_creates_a_staff_superuser_who_can_log_in,
    createsuperuser_refuses_a_duplicate_email,
    createsuperuser_applies_the_signup_rules,
    createsuperuser_without_a_password_or_a_terminal_says_how_to_give_one,
    changepassword_sets_the_password_and_revokes_tokens,
    changepassword_of_an_unknown_user_fails,
    changepassword_applies_the_password_rules,
    resetmfa_removes_the_second_factor,
    resetmfa_of_an_unknown_user_fails,
    rotatekeys_starts_a_new_signing_key_and_retires_the_old_one,
    migrate_applies_then_has_nothing_to_do,
    sendtestmail_delivers_through_a_real_smtp_server,
    sendtestmail_on_the_console_backend_writes_the_message_to_the_log,
    sendtestmail_to_a_server_that_is_down_says_so,
    sendtestmail_refuses_what_is_not_an_address,
);

/// The echo-free prompt, in a real pseudo-terminal (util-linux `script`):
/// a mismatch is asked again, and the typed password never shows.
#[test]
fn createsuperuser_prompts_twice_without_echo() {
    let db = TestDatabase::new(Backend::Sqlite);
    let binary = env!("CARGO_BIN_EXE_tokenauth");
    let typing = format!(
        "sleep 3; printf 'first-Typed-pass-1\\n'; sleep 1; printf 'other-Typed-pass-2\\n'; \
         sleep 1; printf '{ROOT_PASSWORD}\\n'; sleep 1; printf '{ROOT_PASSWORD}\\n'"
    );
    let session = format!(
        "({typing}) | script -qec '{binary} createsuperuser --email root@example.com --phonenumber +1555' /dev/null"
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(session)
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", db.url())
        .env("TOKENAUTH__AUTH__BCRYPT_COST", "4")
        .env_remove("TOKENAUTH_SUPERUSER_PASSWORD")
        .output()
        .expect("sh and script run");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    assert_eq!(screen.matches("Password: ").count(), 2, "{screen}");
    assert!(
        screen.contains("Error: Your passwords didn't match."),
        "{screen}"
    );
    assert!(
        screen.contains("Superuser root@example.com created."),
        "{screen}"
    );
    assert!(
        !screen.contains("Typed-pass") && !screen.contains(ROOT_PASSWORD),
        "echoed: {screen}"
    );
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let output = tokenauth(
        "postgres://postgres@127.0.0.1:1/nothing",
        &[
            "createsuperuser",
            "--email",
            "root@example.com",
            "--phonenumber",
            "+1555",
        ],
        Some(ROOT_PASSWORD),
    );
    assert_fails_with(&output, "cannot connect to");
    assert!(
        stderr(&output).contains("127.0.0.1"),
        "libpq's own words: {}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_database_scheme_is_one_clear_line() {
    let output = tokenauth("mysql://root:secret@localhost/db", &["migrate"], None);
    assert_fails_with(&output, "neither postgres");
    assert!(!stderr(&output).contains("secret"));
}

#[test]
fn a_cors_origin_no_browser_sends_stops_the_start_with_one_line() {
    let output = tokenauth_with(
        "sqlite://unused.sqlite3",
        &["serve"],
        None,
        &[(
            "TOKENAUTH__HTTP__CORS_ALLOWED_ORIGINS",
            "https://app.example/path",
        )],
    );
    assert_fails_with(&output, "http.cors_allowed_origins");
}

#[test]
fn a_webhook_url_without_a_valid_secret_stops_the_start_with_one_line() {
    let output = tokenauth_with(
        "sqlite://unused.sqlite3",
        &["serve"],
        None,
        &[
            (
                "TOKENAUTH__WEBHOOKS__URL",
                "https://hooks.example/tokenauth",
            ),
            ("TOKENAUTH__WEBHOOKS__SECRET", "not-a-whsec-secret"),
        ],
    );
    assert_fails_with(&output, "webhooks.secret");
}

#[test]
fn a_passkey_rp_id_browsers_would_refuse_stops_the_start_with_one_line() {
    let output = tokenauth_with(
        "sqlite://unused.sqlite3",
        &["serve"],
        None,
        &[
            ("TOKENAUTH__AUTH__PUBLIC_URL", "https://auth.example.com"),
            ("TOKENAUTH__AUTH__WEBAUTHN_RP_ID", "example.org"),
        ],
    );
    assert_fails_with(&output, "auth.webauthn_rp_id");
}

#[test]
fn help_documents_every_command() {
    let output = tokenauth("sqlite://unused.sqlite3", &["--help"], None);
    let help = stdout(&output);
    for command in [
        "serve",
        "migrate",
        "createsuperuser",
        "changepassword",
        "resetmfa",
    ] {
        assert!(help.contains(command), "{command} in {help}");
    }
    let output = tokenauth(
        "sqlite://unused.sqlite3",
        &["createsuperuser", "--help"],
        None,
    );
    assert!(stdout(&output).contains("TOKENAUTH_SUPERUSER_PASSWORD"));
}
