//! A `tokenauth serve` process and the few requests the process tests send it.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::PASSWORD;

/// A running `tokenauth serve` process, killed when dropped.
pub struct Server {
    child: Child,
    pub address: String,
    log: PathBuf,
}

impl Server {
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let log =
            std::env::temp_dir().join(format!("tokenauth-{}.log", uuid::Uuid::new_v4().simple()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tokenauth"));
        command
            .arg("serve")
            .current_dir(std::env::temp_dir())
            .env("DATABASE_URL", database_url)
            // Port 0: the server binds a free port itself and logs it, so two
            // tests can never race for one port.
            .env("TOKENAUTH__SERVER__PORT", "0")
            .env("TOKENAUTH__SERVER__WORKERS", "2")
            .env("TOKENAUTH__AUTH__BCRYPT_COST", "4")
            .env("TOKENAUTH__THROTTLE__LOGIN", "off")
            .env("TOKENAUTH__THROTTLE__SIGNUP", "off")
            .env_remove("TOKENAUTH_ENV")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the binary starts");
        let mut server = Self {
            child,
            address: String::new(),
            log,
        };
        server.address = server.wait_until_serving();
        server
    }

    /// The address the server logs once it listens.
    fn wait_until_serving(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let logs = self.logs();
            if let Some(start) = logs.find("http://127.0.0.1:") {
                let port: String = logs[start + 17..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !port.is_empty() {
                    return format!("http://127.0.0.1:{port}");
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not start: {}", self.logs());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn logs(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// The process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server still running after {within:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn post(client: &reqwest::Client, url: String, body: Value) -> (StatusCode, Value) {
    let response = client.post(url).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn get_with(client: &reqwest::Client, url: String, key: &str) -> (StatusCode, Value) {
    let response = client
        .get(url)
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn signup_body(email: &str) -> Value {
    json!({"email": email, "phonenumber": "+15551234567", "password": PASSWORD})
}

pub async fn signup_and_login(client: &reqwest::Client, server: &Server, email: &str) -> String {
    let (status, _) = post(client, server.url("/api/signup"), signup_body(email)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = post(
        client,
        server.url("/api/login"),
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["token"]["key"].as_str().unwrap().to_owned()
}
