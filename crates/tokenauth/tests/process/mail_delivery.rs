//! The outbox as a running service delivers it: messages queued while the
//! SMTP server was down go out once it is back, each exactly once.

use std::process::Command;
use std::time::Duration;

use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::Server;
use crate::support::TestSmtp;

fn queue_while_down(db: &TestDatabase, smtp_url: &str, to: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_tokenauth"))
        .args(["sendtestmail", to])
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", db.url())
        .env("TOKENAUTH__MAIL__BACKEND", "smtp")
        .env("TOKENAUTH__MAIL__SMTP_URL", smtp_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "the server is down");
}

fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_queued_during_an_outage_is_delivered_once_when_the_server_is_back() {
    let Some(mut smtp) = TestSmtp::start() else {
        return;
    };
    smtp.stop();
    let db = TestDatabase::new(Backend::Postgres);
    let recipients = ["a@example.com", "b@example.com", "c@example.com"];
    for to in recipients {
        queue_while_down(&db, &smtp.url(), to);
    }
    assert!(smtp.messages().is_empty());
    let url = smtp.url();
    // Two processes on one outbox: each message must still go out once.
    let first = Server::start(
        db.url(),
        &[
            ("TOKENAUTH__MAIL__BACKEND", "smtp"),
            ("TOKENAUTH__MAIL__SMTP_URL", &url),
        ],
    );
    let second = Server::start(
        db.url(),
        &[
            ("TOKENAUTH__MAIL__BACKEND", "smtp"),
            ("TOKENAUTH__MAIL__SMTP_URL", &url),
        ],
    );
    // Still down: the workers fail and back off; nothing is lost.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    smtp.resume();
    let received = smtp.wait_for(recipients.len());
    // Longer than the next retry, in case anything were sent twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received_after = smtp.messages();
    assert_eq!(received.len(), recipients.len());
    assert_eq!(received_after.len(), recipients.len(), "none twice");
    for to in recipients {
        assert_eq!(
            received_after
                .iter()
                .filter(|m| m.contains(&format!("To: {to}")))
                .count(),
            1,
            "{to}"
        );
    }
    let client = reqwest::Client::new();
    let mut sent = 0.0;
    for server in [&first, &second] {
        let text = client
            .get(server.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        sent += metric(&text, "tokenauth_mail_sent_total").unwrap_or(0.0);
        assert_eq!(
            metric(&text, "tokenauth_mail_outbox_pending"),
            Some(0.0),
            "{text}"
        );
    }
    assert_eq!(sent, 3.0, "the two processes together sent each once");
}
