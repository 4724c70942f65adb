//! Throttle windows in Redis (`throttle.redis_url`), and what happens while
//! Redis is away: each process throttles with its own windows, never a 5xx,
//! never an unthrottled login.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_redis::testing::TestRedis;

use crate::helpers::{Reply, TestApp, spawn_app_with};
use crate::on_both_backends;

async fn attempt(app: &TestApp, email: &str) -> Reply {
    app.post_json(
        "/api/login",
        &json!({"email": email, "password": "wrong-Password-1"}),
    )
    .await
}

/// A server allowing 3 logins a minute, its windows in `redis`.
async fn throttled_in(redis: &TestRedis, backend: Backend) -> TestApp {
    let url = redis.url();
    spawn_app_with(backend, move |s| {
        s.throttle.login = "3/minute".into();
        s.throttle.redis_url = url.into();
    })
    .await
}

async fn store_errors(app: &TestApp) -> u64 {
    let metrics = app.request(Method::GET, "/metrics", None).await;
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    text.lines()
        .find_map(|line| line.strip_prefix("tokenauth_throttle_store_errors_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_default()
}

async fn logins_are_counted_in_redis(backend: Backend) {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let app = throttled_in(&redis, backend).await;
    for _ in 0..3 {
        assert_eq!(
            attempt(&app, "ada@example.com").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let refused = attempt(&app, "ada@example.com").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), Some("60"));
    // One window per IP and per email, and each scope's index.
    assert_eq!(redis.key_count(), 4);
    assert_eq!(store_errors(&app).await, 0);
}

async fn while_redis_is_down_each_process_throttles_alone_and_then_returns_to_it(backend: Backend) {
    let Some(mut redis) = TestRedis::for_test() else {
        return;
    };
    let app = throttled_in(&redis, backend).await;
    assert_eq!(
        attempt(&app, "ada@example.com").await.status,
        StatusCode::UNAUTHORIZED
    );
    redis.stop();
    // The process's own windows take over: still 3 a minute, no 5xx.
    for _ in 0..3 {
        assert_eq!(
            attempt(&app, "bob@example.com").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&app, "bob@example.com").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(store_errors(&app).await >= 4);
    redis.start_again();
    // Back to Redis (empty after its restart) once it answers again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while redis.key_count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "never used Redis again"
        );
        let reply = attempt(&app, "carol@example.com").await;
        assert!(reply.status.is_client_error(), "{reply:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

on_both_backends!(
    logins_are_counted_in_redis,
    while_redis_is_down_each_process_throttles_alone_and_then_returns_to_it,
);
