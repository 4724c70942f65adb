//! Two processes on one PostgreSQL and one Redis allow the throttle's rate
//! once between them, not once each.

use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;
use tokenauth_adapters_redis::testing::TestRedis;

use crate::server::{Server, client};

/// Login attempts sent to `servers` in turn, each from `(ip, email)`; the
/// statuses in order.
async fn attempts(servers: &[&Server], senders: &[(&str, &str)]) -> Vec<StatusCode> {
    let client = client();
    let mut statuses = Vec::new();
    for (i, (ip, email)) in senders.iter().enumerate() {
        let server = servers[i % servers.len()];
        let response = client
            .post(server.url("/api/login"))
            .header("x-forwarded-for", *ip)
            .json(&json!({"email": email, "password": "wrong-Password-1"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    statuses
}

fn allowed(statuses: &[StatusCode]) -> usize {
    statuses
        .iter()
        .filter(|status| **status != StatusCode::TOO_MANY_REQUESTS)
        .inspect(|status| assert_eq!(**status, StatusCode::UNAUTHORIZED))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_redis_allow_the_login_rate_once_between_them() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let db = TestDatabase::new(Backend::Postgres);
    let redis_url = redis.url();
    let settings = [
        ("TOKENAUTH__THROTTLE__LOGIN", "3/minute"),
        ("TOKENAUTH__THROTTLE__REDIS_URL", redis_url.as_str()),
        ("TOKENAUTH__SERVER__TRUSTED_PROXIES", "1"),
    ];
    let a = Server::start(db.url(), &settings);
    let b = Server::start(db.url(), &settings);

    // One email from six addresses, alternating processes.
    let one_email: Vec<(String, &str)> = (1..=6)
        .map(|i| (format!("10.0.1.{i}"), "ada@example.com"))
        .collect();
    let one_email: Vec<(&str, &str)> = one_email.iter().map(|(ip, e)| (ip.as_str(), *e)).collect();
    assert_eq!(allowed(&attempts(&[&a, &b], &one_email).await), 3);

    // One address with six emails, alternating processes.
    let emails: Vec<String> = (1..=6).map(|i| format!("user{i}@example.com")).collect();
    let one_ip: Vec<(&str, &str)> = emails.iter().map(|e| ("10.0.2.1", e.as_str())).collect();
    assert_eq!(allowed(&attempts(&[&a, &b], &one_ip).await), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_each_process_allows_the_rate_itself() {
    let db = TestDatabase::new(Backend::Postgres);
    let settings = [
        ("TOKENAUTH__THROTTLE__LOGIN", "3/minute"),
        ("TOKENAUTH__SERVER__TRUSTED_PROXIES", "1"),
    ];
    let a = Server::start(db.url(), &settings);
    let b = Server::start(db.url(), &settings);
    let senders: Vec<(&str, &str)> = (0..8).map(|_| ("10.0.3.1", "ada@example.com")).collect();
    // The weakness a shared store removes: 3 on each process.
    assert_eq!(allowed(&attempts(&[&a, &b], &senders).await), 6);
}
