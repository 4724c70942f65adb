//! The Redis throttle store against a real redis-server of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokenauth_adapters_redis::RedisThrottleStore;
use tokenauth_adapters_redis::testing::TestRedis;
use tokenauth_application::{Admission, ThrottleStore};
use tokenauth_domain::Rate;

fn rate(text: &str) -> Rate {
    Rate::parse(text).unwrap().unwrap()
}

#[tokio::test]
async fn allows_the_rate_then_refuses_with_drfs_wait() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let store = RedisThrottleStore::new(&redis.url()).unwrap();
    for _ in 0..3 {
        assert_eq!(
            store
                .hit("login_ip", "10.0.0.1", rate("3/minute"))
                .await
                .unwrap(),
            Admission::Allowed
        );
    }
    let Admission::Refused { wait } = store
        .hit("login_ip", "10.0.0.1", rate("3/minute"))
        .await
        .unwrap()
    else {
        panic!("the fourth request in a minute must be refused");
    };
    assert!(
        wait > Duration::from_secs(58) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    // Other keys and other scopes have windows of their own.
    assert_eq!(
        store
            .hit("login_ip", "10.0.0.2", rate("3/minute"))
            .await
            .unwrap(),
        Admission::Allowed
    );
    assert_eq!(
        store
            .hit("signup_ip", "10.0.0.1", rate("3/minute"))
            .await
            .unwrap(),
        Admission::Allowed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_take_more_than_the_rate() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let store = Arc::new(RedisThrottleStore::new(&redis.url()).unwrap());
    let hits = (0..40).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .hit("login_email", "ada@example.com", rate("5/minute"))
                .await
                .unwrap()
        })
    });
    let mut allowed = 0;
    for hit in hits {
        if hit.await.unwrap() == Admission::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
}

#[tokio::test]
async fn a_window_expires_by_itself() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let store = RedisThrottleStore::new(&redis.url()).unwrap();
    assert_eq!(
        store.hit("login_ip", "k", rate("1/second")).await.unwrap(),
        Admission::Allowed
    );
    assert!(matches!(
        store.hit("login_ip", "k", rate("1/second")).await.unwrap(),
        Admission::Refused { .. }
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(redis.key_count(), 0, "the window and the index expired");
    assert_eq!(
        store.hit("login_ip", "k", rate("1/second")).await.unwrap(),
        Admission::Allowed
    );
}

#[tokio::test]
async fn a_flood_of_invented_keys_stays_bounded_and_the_attacked_key_is_kept() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let store = RedisThrottleStore::with_max_keys(&redis.url(), 100).unwrap();
    let rate = rate("2/hour");
    for _ in 0..2 {
        store
            .hit("login_email", "victim@example.com", rate)
            .await
            .unwrap();
    }
    for i in 0..1000 {
        store
            .hit("login_email", &format!("invented{i}@example.com"), rate)
            .await
            .unwrap();
        if i % 50 == 0 {
            // The attacked key stays fresh, so it is never the idlest.
            assert!(matches!(
                store
                    .hit("login_email", "victim@example.com", rate)
                    .await
                    .unwrap(),
                Admission::Refused { .. }
            ));
        }
    }
    assert!(redis.key_count() <= 101, "{} keys", redis.key_count());
    assert!(matches!(
        store
            .hit("login_email", "victim@example.com", rate)
            .await
            .unwrap(),
        Admission::Refused { .. }
    ));
}

#[tokio::test]
async fn keys_hold_no_address_or_email_in_clear() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let store = RedisThrottleStore::new(&redis.url()).unwrap();
    store
        .hit("login_email", "ada@example.com", rate("3/minute"))
        .await
        .unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains("ada")), "{keys:?}");
}

#[tokio::test]
async fn a_stopped_redis_is_an_error_soon_and_a_restarted_one_is_used_again() {
    let Some(mut redis) = TestRedis::for_test() else {
        return;
    };
    let store = RedisThrottleStore::new(&redis.url()).unwrap();
    assert_eq!(
        store.hit("login_ip", "k", rate("3/minute")).await.unwrap(),
        Admission::Allowed
    );
    redis.stop();
    let started = Instant::now();
    assert!(store.hit("login_ip", "k", rate("3/minute")).await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    redis.start_again();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.hit("login_ip", "k", rate("3/minute")).await {
            Ok(admission) => {
                assert_eq!(admission, Admission::Allowed);
                break;
            }
            Err(error) if Instant::now() > deadline => panic!("never reconnected: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
