//! Expired tokens are deleted, by the server and by the command line.

use std::process::Command;
use std::time::{Duration, Instant};

use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::{Server, client, signup_and_login};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_prunes_expired_tokens_periodically() {
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(
        db.url(),
        &[("TOKENAUTH__AUTH__PRUNE_INTERVAL_SECONDS", "1")],
    );
    let client = client();
    signup_and_login(&client, &server, "ada@example.com").await;
    let path = db.url().trim_start_matches("sqlite://").to_owned();
    let count = || {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
        diesel::sql_query("SELECT COUNT(*) AS n FROM auth_tokens")
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    };
    assert_eq!(count(), 1);
    {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; UPDATE auth_tokens SET expires = '2001-01-01 00:00:00'",
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while count() > 0 {
        assert!(
            Instant::now() < deadline,
            "expired token not pruned: {}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn prunetokens_deletes_expired_tokens_and_says_how_many() {
    let db = TestDatabase::new(Backend::Sqlite);
    let path = db.url().trim_start_matches("sqlite://").to_owned();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_tokenauth"))
            .arg("prunetokens")
            .current_dir(std::env::temp_dir())
            .env("DATABASE_URL", db.url())
            .output()
            .unwrap()
    };
    assert_eq!(
        String::from_utf8_lossy(&run().stdout).trim(),
        "Deleted 0 expired tokens."
    );
    {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
        conn.batch_execute(
            "INSERT INTO users (id, email, email_key, phonenumber, password_hash, date_joined) \
             VALUES ('u1', 'a@b.co', 'a@b.co', '+1', 'x', '2026-01-01 00:00:00'); \
             INSERT INTO auth_tokens (id, user_id, digest, created, expires, last_used) VALUES \
             ('t1', 'u1', 'd1', '2026-01-01 00:00:00', '2001-01-01 00:00:00', '2026-01-01 00:00:00'), \
             ('t2', 'u1', 'd2', '2026-01-01 00:00:00', '2999-01-01 00:00:00', '2026-01-01 00:00:00'), \
             ('t3', 'u1', 'd3', '2026-01-01 00:00:00', NULL, '2026-01-01 00:00:00');",
        )
        .unwrap();
    }
    let output = run();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "Deleted 1 expired tokens."
    );
}
