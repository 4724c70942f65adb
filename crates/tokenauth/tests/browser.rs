//! The browsable API in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), as a developer would click through it.
//! Screenshots of every page land in the cargo target dir, under tmp/browser/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use tokenauth::{Application, Settings};
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

mod support;
use support::{PASSWORD, TestSmtp, free_port, skip_unless_required};
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A service, a chromedriver and a browser session, for one test.
struct Browser {
    client: Client,
    driver: Child,
    address: String,
    profile: PathBuf,
    _db: TestDatabase,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A browser outlives a killed chromedriver: end every process of this
        // test's browser (their command lines name its profile), passed or failed.
        let _ = Command::new("pkill")
            .arg("-KILL")
            .arg("-f")
            .arg(&self.profile)
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `None` (the test is skipped, loudly) when Chromium is not installed and
/// CI did not ask for it; `make test` installs it where it can.
async fn open() -> Option<Browser> {
    open_with(|_| {}).await
}

/// As [`open`], with the service's settings changed by `adjust`.
async fn open_with(adjust: impl FnOnce(&mut Settings)) -> Option<Browser> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_BROWSER_TEST",
            "browser tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver",
        );
        return None;
    }
    let db = TestDatabase::new(Backend::Sqlite);
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.database.url = db.url().into();
    settings.auth.bcrypt_cost = 4;
    settings.throttle.login = "off".into();
    settings.throttle.signup = "off".into();
    adjust(&mut settings);
    let app = Application::build(&settings).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());

    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = std::env::temp_dir().join(format!(
        "tokenauth-chromium-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1000,1200", format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
    Some(Browser {
        client,
        driver,
        address,
        profile,
        _db: db,
    })
}

impl Browser {
    async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.address))
            .await
            .unwrap();
    }

    async fn fill(&self, field: &str, value: &str) {
        let input = self.client.find(Locator::Id(field)).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    /// Submits the form and waits for the next page: the old document's root
    /// goes stale once the browser has navigated.
    async fn submit(&self) {
        let old_page = self.client.find(Locator::Css("html")).await.unwrap();
        self.client
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while old_page.tag_name().await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "the form submission did not navigate"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.client
            .wait()
            .for_element(Locator::Css("main"))
            .await
            .unwrap();
    }

    /// The page's `h1`.
    async fn heading(&self) -> String {
        self.client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn text(&self, id: &str) -> String {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Logs in through the login form; the page then shows the outcome.
    async fn log_in(&self, email: &str) {
        self.visit("/api/login").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.submit().await;
    }

    async fn sign_up(&self, email: &str, first_name: &str) {
        self.visit("/api/signup").await;
        self.fill("email", email).await;
        self.fill("phonenumber", "+15551234567").await;
        self.fill("password", PASSWORD).await;
        self.fill("first_name", first_name).await;
        self.submit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_page_links_every_endpoint() {
    let Some(browser) = open().await else { return };
    browser.visit("/").await;
    assert_eq!(
        browser.client.title().await.unwrap(),
        "API Root – tokenauth"
    );
    let links: Vec<String> = {
        let mut hrefs = Vec::new();
        for link in browser
            .client
            .find_all(Locator::Css("main a"))
            .await
            .unwrap()
        {
            hrefs.push(link.attr("href").await.unwrap().unwrap_or_default());
        }
        hrefs
    };
    for path in ["/api/signup", "/api/login", "/api/me", "/api/schema"] {
        assert!(links.iter().any(|l| l == path), "{path} in {links:?}");
    }
    browser.screenshot("root").await;
    browser
        .client
        .find(Locator::LinkText("/api/signup"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser.heading().await, "Signup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_signs_up_through_the_form() {
    let Some(browser) = open().await else { return };
    browser.visit("/api/signup").await;
    let page = browser.client.source().await.unwrap();
    assert!(page.contains("Allow: POST, OPTIONS"));
    for (id, kind) in [
        ("email", "email"),
        ("phonenumber", "tel"),
        ("password", "password"),
    ] {
        let input = browser.client.find(Locator::Id(id)).await.unwrap();
        assert_eq!(
            input.attr("type").await.unwrap().as_deref(),
            Some(kind),
            "{id}"
        );
    }
    browser.screenshot("signup-form").await;
    browser.sign_up("ada@example.com", "Ada").await;
    assert_eq!(browser.text("status").await, "HTTP 201 Created");
    assert!(
        browser
            .text("body")
            .await
            .contains("\"email\": \"ada@example.com\"")
    );
    browser.screenshot("signup-created").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_email_shows_its_error_next_to_the_field() {
    let Some(browser) = open().await else { return };
    browser.visit("/api/signup").await;
    // The browser's own check passes "a@b" (HTML's rule takes a dotless
    // domain); the service's, like Django's, does not.
    browser.fill("email", "a@b").await;
    browser.fill("phonenumber", "+15551234567").await;
    browser.fill("password", PASSWORD).await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 400 Bad Request");
    assert_eq!(
        browser.text("email-errors").await,
        "Enter a valid email address."
    );
    browser.screenshot("signup-field-error").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_through_the_form_shows_the_token_and_a_curl_line() {
    let Some(browser) = open().await else { return };
    browser.sign_up("ada@example.com", "Ada").await;
    browser.log_in("ada@example.com").await;
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    let token = browser.text("token").await;
    assert_eq!(token.len(), 40);
    let curl = browser.text("curl").await;
    assert_eq!(
        curl,
        format!(
            "curl -H \"Authorization: Token {token}\" {}/api/me",
            browser.address
        )
    );
    browser.screenshot("login-token").await;

    browser.visit("/api/me").await;
    assert_eq!(browser.text("status").await, "HTTP 401 Unauthorized");
    browser.fill("token", &token).await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    assert!(
        browser
            .text("body")
            .await
            .contains("\"email\": \"ada@example.com\"")
    );
    browser.screenshot("me").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_a_name_is_shown_as_text() {
    let Some(browser) = open().await else { return };
    browser
        .sign_up("eve@example.com", "<script>alert(1)</script>")
        .await;
    assert_eq!(browser.text("status").await, "HTTP 201 Created");
    assert!(
        browser
            .text("body")
            .await
            .contains("<script>alert(1)</script>"),
        "shown as text"
    );
    let alert = browser.client.get_alert_text().await;
    assert!(alert.is_err(), "no script ran: {alert:?}");
    let scripts = browser
        .client
        .find_all(Locator::Css("script"))
        .await
        .unwrap();
    assert!(scripts.is_empty(), "no script element on the page");
    browser.screenshot("script-as-text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_personal_token_is_made_from_a_login_token_and_shown_once() {
    let Some(browser) = open().await else { return };
    browser.sign_up("ada@example.com", "Ada").await;
    browser.log_in("ada@example.com").await;
    let login_token = browser.text("token").await;

    browser.visit("/api/me/tokens").await;
    assert_eq!(
        browser
            .client
            .find(Locator::Id("expires_in_days"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("30"),
        "the default lifetime is filled in"
    );
    browser.fill("token", &login_token).await;
    browser.fill("name", "nightly report").await;
    browser
        .client
        .find(Locator::Css(
            r#"input[name="scopes"][value="account:read"]"#,
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.fill("expires_in_days", "7").await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 201 Created");
    let body = browser.text("body").await;
    assert!(body.contains("\"kind\": \"personal\""), "{body}");
    assert!(body.contains("\"name\": \"nightly report\""), "{body}");
    let key = browser.text("token").await;
    assert_eq!(key.len(), 40);
    assert_ne!(key, login_token);
    assert!(
        !browser
            .client
            .source()
            .await
            .unwrap()
            .contains(&login_token),
        "the login token is not written back into the page"
    );
    browser.screenshot("personal-token").await;

    let client = reqwest::Client::new();
    let as_script = |method: reqwest::Method| {
        client
            .request(method, format!("{}/api/me", browser.address))
            .header("authorization", format!("Token {key}"))
    };
    let me = as_script(reqwest::Method::GET).send().await.unwrap();
    assert_eq!(me.status(), reqwest::StatusCode::OK);
    let patch = as_script(reqwest::Method::PATCH)
        .json(&serde_json::json!({"first_name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        patch.status(),
        reqwest::StatusCode::FORBIDDEN,
        "only the scope checked"
    );
}

/// A browser on a service that mails through a real SMTP server.
async fn open_with_mail(
    adjust: impl FnOnce(&mut Settings) + Send + 'static,
) -> Option<(Browser, TestSmtp)> {
    let smtp = TestSmtp::start()?;
    let url = smtp.url();
    let browser = open_with(move |s| {
        s.mail.backend = tokenauth::settings::MailBackend::Smtp;
        s.mail.smtp_url = url.into();
        adjust(s);
    })
    .await?;
    Some((browser, smtp))
}

/// The line of a message that holds only its link.
fn link_in(message: &str, path: &str) -> String {
    message
        .lines()
        .find(|line| line.starts_with("http") && line.contains(path))
        .expect("a line holding only the link")
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_from_the_mailed_link() {
    let Some((browser, smtp)) = open_with_mail(|_| {}).await else {
        return;
    };
    browser.sign_up("ada@example.com", "Ada").await;
    let client = reqwest::Client::new();
    let asked = client
        .post(format!("{}/api/password/reset", browser.address))
        .json(&serde_json::json!({"email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), reqwest::StatusCode::NO_CONTENT);
    let message = smtp.wait_for(1).pop().expect("the reset message");
    let link = link_in(&message, "/reset-password?token=");
    // The link as mailed points at the service itself (auth.public_url's
    // default): the browser follows it as a user would.
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    let path = &link[link.find("/reset-password").unwrap()..];
    browser.visit(path).await;
    assert_eq!(browser.heading().await, "Reset your password");
    browser.screenshot("reset-password-form").await;
    browser.fill("new_password", "12345678").await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 400 Bad Request");
    assert!(
        browser
            .text("new_password-errors")
            .await
            .contains("This password is entirely numeric."),
        "the refusal stands under the field"
    );
    browser.fill("new_password", "brand-New-pass-7").await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 204 No Content");
    browser.screenshot("reset-password-done").await;
    let login = client
        .post(format!("{}/api/login", browser.address))
        .json(&serde_json::json!({"email": "ada@example.com", "password": "brand-New-pass-7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_is_verified_from_the_mailed_link() {
    let Some((browser, smtp)) = open_with_mail(|s| {
        s.auth.email_verification = tokenauth::settings::EmailVerification::Mandatory;
    })
    .await
    else {
        return;
    };
    browser.sign_up("ada@example.com", "Ada").await;
    let message = smtp.wait_for(1).pop().expect("the verification message");
    let link = link_in(&message, "/verify-email?token=");
    browser
        .visit(&link[link.find("/verify-email").unwrap()..])
        .await;
    assert_eq!(browser.heading().await, "Verify your email address");
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    assert!(
        browser
            .text("body")
            .await
            .contains("\"email_verified\": true")
    );
    browser.screenshot("email-verified").await;
}

/// The code an authenticator app shows now for `secret` (base32), computed
/// with another TOTP implementation than the service's; `offset` steps on.
fn totp_code(secret: &str, offset: u64) -> String {
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &bytes, now + offset * 30)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_is_set_up_from_a_qr_code_and_asked_for_after_the_password() {
    let Some(browser) = open().await else { return };
    browser.sign_up("ada@example.com", "Ada").await;
    browser.log_in("ada@example.com").await;
    let login_token = browser.text("token").await;

    browser.visit("/api/me/mfa/totp").await;
    browser.fill("token", &login_token).await;
    browser.fill("password", PASSWORD).await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    let qr = browser
        .client
        .find(Locator::Css("#qr svg"))
        .await
        .expect("a QR code on the page");
    assert!(
        qr.rectangle().await.unwrap().2 >= 200.0,
        "large enough to scan"
    );
    let body: serde_json::Value = serde_json::from_str(&browser.text("body").await).unwrap();
    let secret = body["secret"].as_str().unwrap().to_owned();
    browser.screenshot("totp-setup").await;

    browser.visit("/api/me/mfa/totp/confirm").await;
    browser.fill("token", &login_token).await;
    browser.fill("code", &totp_code(&secret, 0)).await;
    browser.submit().await;
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    assert!(browser.text("body").await.contains("recovery_codes"));
    browser.screenshot("totp-recovery-codes").await;

    browser.log_in("ada@example.com").await;
    assert_eq!(browser.text("status").await, "HTTP 401 Unauthorized");
    browser.screenshot("login-second-step").await;
    // The second step's form comes first on the page.
    browser.fill("code", &totp_code(&secret, 1)).await;
    browser.submit().await;
    assert_eq!(browser.heading().await, "Login Second Step");
    assert_eq!(browser.text("status").await, "HTTP 200 OK");
    assert_eq!(browser.text("token").await.len(), 40);
}

/// WebDriver's "Add Virtual Authenticator" (Web Authentication, §11.3),
/// which fantoccini has no method for: a platform authenticator inside the
/// browser that holds discoverable credentials and verifies the user
/// without a prompt.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Clicks the passkey page's `button` and waits for its script to write the
/// outcome into `#status` (`HTTP <code> <reason>`, or `Error: …` when the
/// browser refused); returns it.
async fn click_and_wait_for_status(browser: &Browser, button: &str) -> String {
    browser
        .client
        .find(Locator::Id(button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = browser.text("status").await;
        if status.starts_with("HTTP ") || status.starts_with("Error") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the page's script did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_made_in_the_browser_logs_in_without_a_password() {
    // WebAuthn takes no IP address as the RP id: the pages run on localhost,
    // on a port chosen beforehand so that auth.public_url can name it.
    let port = free_port();
    let public_url = format!("http://localhost:{port}");
    let configured = public_url.clone();
    let Some(browser) = open_with(move |s| {
        s.server.port = port;
        s.auth.public_url = configured;
    })
    .await
    else {
        return;
    };
    browser
        .client
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("chromedriver adds a virtual authenticator");
    browser.sign_up("ada@example.com", "Ada").await;
    browser.log_in("ada@example.com").await;
    let login_token = browser.text("token").await;

    browser
        .client
        .goto(&format!("{public_url}/passkeys"))
        .await
        .unwrap();
    browser.fill("token", &login_token).await;
    browser.fill("password", PASSWORD).await;
    browser.fill("name", "Chromium").await;
    let status = click_and_wait_for_status(&browser, "register").await;
    let body = browser.text("body").await;
    assert_eq!(status, "HTTP 201 Created", "{body}");
    let added: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(added["name"], "Chromium");
    assert_eq!(added["last_used"], serde_json::Value::Null);
    browser.screenshot("passkey-added").await;

    // A fresh page, nothing typed: the passkey alone logs in.
    browser
        .client
        .goto(&format!("{public_url}/passkeys"))
        .await
        .unwrap();
    let status = click_and_wait_for_status(&browser, "login").await;
    let body = browser.text("body").await;
    assert_eq!(status, "HTTP 200 OK", "{body}");
    let login: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(login["message"], "Success!");
    assert_eq!(login["user"]["email"], "ada@example.com");
    let key = browser.text("token-out").await;
    assert_eq!(key.len(), 40);
    assert_eq!(login["token"]["key"], key.as_str());
    browser.screenshot("passkey-login").await;

    let client = reqwest::Client::new();
    let passkeys = client
        .get(format!("{}/api/me/passkeys", browser.address))
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(passkeys.status(), reqwest::StatusCode::OK);
    let passkeys: serde_json::Value = passkeys.json().await.unwrap();
    assert_eq!(passkeys[0]["name"], "Chromium");
    assert!(passkeys[0]["last_used"].is_string(), "{passkeys}");
}
