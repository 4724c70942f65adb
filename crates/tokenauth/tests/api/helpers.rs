use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokenauth::{Application, Settings};
use tokenauth_adapters_db::testing::TestDatabase;
use tokenauth_adapters_db::{Backend, Database};

pub use crate::support::PASSWORD;
pub const PHONE: &str = "+15551234567";

/// Runs each named `async fn(Backend)` as two tests: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(tokenauth_adapters_db::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(tokenauth_adapters_db::Backend::Postgres).await }
            )*
        }
    };
}

/// A running server over its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: Database,
    // Dropped last: the database outlives the server's use of it.
    pub test_db: TestDatabase,
}

/// A server with the test settings (bcrypt cost 4).
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A server with the test settings changed by `adjust`.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = TestDatabase::new(backend);
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.database.url = test_db.url().into();
    settings.database.pool_size = 8;
    settings.database.connect_timeout_seconds = 2;
    settings.auth.bcrypt_cost = 4;
    // Tests log in often from one address; the throttle tests turn them on.
    settings.throttle.login = "off".into();
    settings.throttle.signup = "off".into();
    settings.throttle.mail = "off".into();
    // The suite runs again with no verified tokens kept (`make test`).
    if let Ok(kept) = std::env::var("TOKENAUTH__DATABASE__VERIFIED_TOKENS") {
        settings.database.verified_tokens = kept.parse().expect("a count");
    }
    adjust(&mut settings);
    let app = Application::build(&settings).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let database = app.database().clone();
    tokio::spawn(app.run());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        database,
        test_db,
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body's keys, in the order they came.
    pub fn keys(&self) -> Vec<&str> {
        self.body
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The `detail` message of an error body.
    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request");
        Reply::read(response).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        Reply::read(response).await
    }

    pub async fn post_json_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Reply {
        let mut request = self.client.post(self.url(path)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Reply::read(request.send().await.expect("request")).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded_pairs(fields);
        self.post_raw(path, "application/x-www-form-urlencoded", body)
            .await
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        authorization: Option<&[u8]>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(value) = authorization {
            request = request.header(
                "authorization",
                HeaderValue::from_bytes(value).expect("header bytes"),
            );
        }
        Reply::read(request.send().await.expect("request")).await
    }

    pub async fn get_me(&self, key: &str) -> Reply {
        self.request(
            reqwest::Method::GET,
            "/api/me",
            Some(format!("Token {key}").as_bytes()),
        )
        .await
    }

    pub async fn post_with_token(&self, path: &str, key: &str) -> Reply {
        self.request(
            reqwest::Method::POST,
            path,
            Some(format!("Token {key}").as_bytes()),
        )
        .await
    }

    pub async fn signup(&self, email: &str) -> Reply {
        self.post_json(
            "/api/signup",
            &json!({"email": email, "phonenumber": PHONE, "password": PASSWORD}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post_json("/api/login", &json!({"email": email, "password": password}))
            .await
    }

    /// Signs up `email` and logs in; returns the token key.
    pub async fn user_with_token(&self, email: &str) -> String {
        assert_eq!(self.signup(email).await.status, StatusCode::CREATED);
        self.token_for(email).await
    }

    /// Logs in an existing user; returns the token key.
    pub async fn token_for(&self, email: &str) -> String {
        let reply = self.login(email, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.body["token"]["key"].as_str().expect("key").to_owned()
    }

    /// A personal token of `session`'s user named `script`, holding
    /// `scopes`; its key.
    pub async fn personal_token(&self, session: &str, scopes: &[&str]) -> String {
        let reply = self
            .send_json(
                reqwest::Method::POST,
                "/api/me/tokens",
                session,
                &serde_json::json!({"name": "script", "scopes": scopes}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        reply.body["key"].as_str().expect("key").to_owned()
    }

    /// The types of the user's own security events, newest first.
    pub async fn event_types(&self, key: &str) -> Vec<String> {
        let page = self
            .send(reqwest::Method::GET, "/api/me/events?limit=1000", key)
            .await;
        page.body["results"]
            .as_array()
            .expect("a page of events")
            .iter()
            .map(|event| event["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Gives an existing user staff (and optionally superuser) status.
    pub fn promote(&self, email: &str, superuser: bool) {
        tokenauth_adapters_db::testing::promote(&self.database, email, superuser);
    }

    /// A user who is staff (`superuser`: also superuser), logged in.
    pub async fn admin_with_token(&self, email: &str, superuser: bool) -> String {
        assert_eq!(self.signup(email).await.status, StatusCode::CREATED);
        self.promote(email, superuser);
        self.token_for(email).await
    }

    /// A request with a token and a JSON body.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: &Value,
    ) -> Reply {
        let response = self
            .client
            .request(method, self.url(path))
            .header("authorization", format!("Token {key}"))
            .json(body)
            .send()
            .await
            .expect("request");
        Reply::read(response).await
    }

    /// A body-less request with a token.
    pub async fn send(&self, method: reqwest::Method, path: &str, key: &str) -> Reply {
        self.request(method, path, Some(format!("Token {key}").as_bytes()))
            .await
    }

    /// Runs SQL against the service's database (to set up states the API
    /// cannot reach, such as a user deactivated in the database).
    pub fn sql(&self, statement: &str) {
        use diesel::connection::SimpleConnection;
        let statement = statement.to_owned();
        self.database
            .with_connection(move |conn| conn.batch_execute(&statement))
            .expect("sql");
    }

    /// One text column of one row.
    pub fn sql_text(&self, query: &str) -> Option<String> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            value: Option<String>,
        }
        let query = query.to_owned();
        self.database
            .with_connection(move |conn| {
                diesel::sql_query(query).get_result::<Row>(conn).optional()
            })
            .expect("sql")
            .and_then(|row| row.value)
    }

    pub fn count(&self, table_and_condition: &str) -> i64 {
        self.sql_text(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS value FROM {table_and_condition}"
        ))
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
    }
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends raw bytes on a fresh connection and reads until the server closes
/// it or a full response has arrived; returns (status, body text). For cases
/// a polite HTTP client cannot produce, such as a body the server refuses
/// before the client has finished sending it.
pub async fn raw_exchange(app: &TestApp, bytes: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(bytes).await.expect("send");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("the server answers")
            .unwrap_or(0);
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|n| n.trim().parse::<usize>().ok());
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&received).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The field-error body for one field and one message.
pub fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}
