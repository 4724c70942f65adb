//! The bench's load for logins of two requests, which wrk cannot script:
//! a password login whose user has TOTP on, then its second step with the
//! code of the moment (`mfa`); or a passkey login, options then the signed
//! response (`passkey`), each connection with a passkey of its own (a
//! software authenticator; registering it costs one bcrypt check).
//!
//! `login_load <base-url> mfa|passkey <connections> <seconds> <emails-file>
//! <keys-file> <totp-secret-base32>`, the password in `BENCH_PASSWORD`.
//! Prints one `BENCH {...}` line, as bench/common.lua does for wrk; a request
//! counts once both of its calls answered, and only a login that issued a
//! token counts as 2xx.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench tool: a failure stops the run

#[path = "../tests/support/soft_authenticator.rs"]
mod soft_authenticator;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use soft_authenticator::SoftAuthenticator;

struct Load {
    base: String,
    client: reqwest::Client,
    password: String,
}

impl Load {
    async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(key) = key {
            request = request.header("authorization", format!("Token {key}"));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Password, then the TOTP code of now: true when a token came back.
    async fn mfa_login(&self, email: &str, secret: &[u8]) -> bool {
        let (_, first) = self
            .post(
                "/api/login",
                None,
                &json!({"email": email, "password": self.password}),
            )
            .await;
        let Some(mfa_token) = first["mfa_token"].as_str() else {
            return false;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let code = totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, secret, now);
        let (status, _) = self
            .post(
                "/api/login/mfa",
                None,
                &json!({"mfa_token": mfa_token, "code": code}),
            )
            .await;
        status == 200
    }

    /// A passkey for the user of `key`, made by a software authenticator.
    async fn passkey(&self, key: &str) -> SoftAuthenticator {
        let (status, options) = self
            .post(
                "/api/me/passkeys/options",
                Some(key),
                &json!({"password": self.password}),
            )
            .await;
        assert_eq!(status, 200, "registration options: {options}");
        let mut authenticator = SoftAuthenticator::new(&self.base);
        let credential = authenticator.register(&options);
        let (status, body) = self
            .post(
                "/api/me/passkeys",
                Some(key),
                &json!({"name": "bench", "credential": credential}),
            )
            .await;
        assert_eq!(status, 201, "registration: {body}");
        authenticator
    }

    /// Options, then the signed response: true when a token came back.
    async fn passkey_login(&self, authenticator: &mut SoftAuthenticator) -> bool {
        let (_, options) = self
            .post("/api/login/passkey/options", None, &json!({}))
            .await;
        let credential = authenticator.login(&options);
        let (status, _) = self
            .post(
                "/api/login/passkey",
                None,
                &json!({"credential": credential}),
            )
            .await;
        status == 200
    }
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("a file of lines")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [
        _,
        base,
        scenario,
        connections,
        seconds,
        emails,
        keys,
        secret,
    ] = &args[..]
    else {
        panic!(
            "usage: login_load <base-url> mfa|passkey <connections> <seconds> <emails> <keys> <totp-secret>"
        );
    };
    let connections: usize = connections.parse().unwrap();
    let duration = Duration::from_secs(seconds.parse().unwrap());
    let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret).unwrap();
    let load = std::sync::Arc::new(Load {
        base: base.clone(),
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()
            .unwrap(),
        password: std::env::var("BENCH_PASSWORD").expect("BENCH_PASSWORD"),
    });
    let (emails, keys) = (lines(emails), lines(keys));

    // Each connection owns its users: a TOTP code is taken once per user and
    // time step, a passkey's counter moves one login at a time.
    let mut authenticators = Vec::new();
    if scenario == "passkey" {
        for key in keys.iter().rev().take(connections) {
            authenticators.push(Some(load.passkey(key).await));
        }
    } else {
        authenticators.resize_with(connections, || None);
    }
    let started = Instant::now();
    let tasks: Vec<_> = authenticators
        .into_iter()
        .enumerate()
        .map(|(task, mut authenticator)| {
            let load = load.clone();
            let secret = secret.clone();
            let mine: Vec<String> = emails
                .iter()
                .skip(task)
                .step_by(connections)
                .cloned()
                .collect();
            tokio::spawn(async move {
                let (mut latencies, mut failed) = (Vec::new(), 0u64);
                let mut next = 0;
                while started.elapsed() < duration {
                    let begun = Instant::now();
                    let ok = match authenticator.as_mut() {
                        Some(authenticator) => load.passkey_login(authenticator).await,
                        None => {
                            next = (next + 1) % mine.len();
                            load.mfa_login(&mine[next], &secret).await
                        }
                    };
                    latencies.push(begun.elapsed());
                    failed += u64::from(!ok);
                }
                (latencies, failed)
            })
        })
        .collect();
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for task in tasks {
        let (mine, theirs) = task.await.unwrap();
        latencies.extend(mine);
        failed += theirs;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |share: f64| {
        let index = ((latencies.len() as f64 - 1.0) * share).round() as usize;
        latencies.get(index).map_or(0, |d| d.as_micros())
    };
    println!(
        "BENCH {}",
        json!({
            "requests": latencies.len(),
            "duration_us": elapsed.as_micros() as u64,
            "p50_us": at(0.5),
            "p99_us": at(0.99),
            "max_us": latencies.last().map_or(0, |d| d.as_micros()),
            "non_2xx": failed,
            "connect_errors": 0, "read_errors": 0, "write_errors": 0, "timeouts": 0,
        })
    );
}
