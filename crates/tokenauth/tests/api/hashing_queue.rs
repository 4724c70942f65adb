//! Logins wait for a core in their own queue; protected requests do not wait behind them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, spawn_app_with};
use crate::on_both_backends;

async fn protected_requests_are_answered_while_logins_wait_for_a_core(backend: Backend) {
    // The production cost: each login holds a core for a noticeable while.
    let app = Arc::new(spawn_app_with(backend, |s| s.auth.bcrypt_cost = 12).await);
    let key = app.user_with_token("reader@example.com").await;
    app.signup("busy@example.com").await;
    let finished_logins = Arc::new(AtomicUsize::new(0));
    let logins: Vec<_> = (0..16)
        .map(|_| {
            let (app, finished) = (app.clone(), finished_logins.clone());
            tokio::spawn(async move {
                let reply = app.login("busy@example.com", PASSWORD).await;
                finished.fetch_add(1, Ordering::SeqCst);
                reply.status
            })
        })
        .collect();
    // Let the logins reach the server and queue for the hashing threads.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        assert_eq!(app.get_me(&key).await.status, StatusCode::OK);
    }
    let finished_before_reads_were_done = finished_logins.load(Ordering::SeqCst);
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::OK);
    }
    // Two cores hash two logins at a time: on a loaded machine the reads may
    // overlap a round or two of hashes, but not wait for the queue of them.
    assert!(
        finished_before_reads_were_done <= 4,
        "{finished_before_reads_were_done} of 16 logins finished before five reads did: \
         the reads queued behind the hashes"
    );
}

on_both_backends!(protected_requests_are_answered_while_logins_wait_for_a_core);
