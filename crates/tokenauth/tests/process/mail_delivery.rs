//! The outbox as a running service delivers it: password resets asked for
//! while the SMTP server is down are delivered once it is back, each exactly
//! once, by two processes sharing one PostgreSQL.

use std::time::Duration;

use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::Server;
use crate::support::TestSmtp;

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
    let url = smtp.url();
    let env = [
        ("TOKENAUTH__MAIL__BACKEND", "smtp"),
        ("TOKENAUTH__MAIL__SMTP_URL", url.as_str()),
        ("TOKENAUTH__THROTTLE__MAIL", "off"),
    ];
    let first = Server::start(db.url(), &env);
    let second = Server::start(db.url(), &env);
    let client = reqwest::Client::new();
    let recipients = ["a@example.com", "b@example.com", "c@example.com"];
    for to in recipients {
        let signup = client
            .post(first.url("/api/signup"))
            .json(&serde_json::json!({"email": to, "phonenumber": "+15550001", "password": crate::support::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(signup.status(), reqwest::StatusCode::CREATED);
    }
    // Resets asked of both processes while the mail server is down.
    for (i, to) in recipients.iter().enumerate() {
        let server = if i % 2 == 0 { &first } else { &second };
        let reset = client
            .post(server.url("/api/password/reset"))
            .json(&serde_json::json!({"email": to}))
            .send()
            .await
            .unwrap();
        assert_eq!(reset.status(), reqwest::StatusCode::NO_CONTENT);
    }
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
    let (mut sent, mut failures) = (0.0, 0.0);
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
        failures += metric(&text, "tokenauth_mail_failures_total").unwrap_or(0.0);
        assert_eq!(
            metric(&text, "tokenauth_mail_outbox_pending"),
            Some(0.0),
            "{text}"
        );
    }
    assert_eq!(sent, 3.0, "the two processes together sent each once");
    assert!(failures >= 1.0, "the outage was met, counted and outlived");
}
