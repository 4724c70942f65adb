//! Security events pushed to a real receiver that verifies each signature
//! with the Standard Webhooks reference library (PyPI's `standardwebhooks`).

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokenauth_adapters_db::Backend;

use crate::helpers::{TestApp, spawn_app_with};
use crate::on_both_backends;
use crate::support::webhook_receiver::{TestWebhookReceiver, WEBHOOK_SECRET};

async fn app_sending_to(
    backend: Backend,
    receiver: &TestWebhookReceiver,
    events: &[&str],
) -> TestApp {
    let url = receiver.url();
    let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
    spawn_app_with(backend, move |s| {
        s.webhooks.url = url;
        s.webhooks.secret = WEBHOOK_SECRET.into();
        s.webhooks.events = events;
    })
    .await
}

fn verified_types(received: &[Value]) -> Vec<String> {
    received
        .iter()
        .map(|delivery| {
            assert_eq!(delivery["verified"], true, "{delivery}");
            delivery["payload"]["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn every_event_is_delivered_signed_as_the_standard_says(backend: Backend) {
    let Some(receiver) = TestWebhookReceiver::start() else {
        return;
    };
    let app = app_sending_to(backend, &receiver, &["*"]).await;
    let key = app.user_with_token("ada@example.com").await;
    let received = receiver.wait_for(2);
    let mut types = verified_types(&received);
    types.sort();
    assert_eq!(types, ["login.succeeded", "user.signed_up"]);
    let events = app.send(Method::GET, "/api/me/events", &key).await;
    for delivery in &received {
        let payload = &delivery["payload"];
        let event = events.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["id"] == delivery["id"])
            .expect("webhook-id is the event's id");
        assert_eq!(&payload["data"], event, "the event as the list shows it");
        assert_eq!(payload["timestamp"], event["created"]);
    }
}

async fn a_receiver_that_is_down_gets_every_event_once_when_back(backend: Backend) {
    let Some(mut receiver) = TestWebhookReceiver::start() else {
        return;
    };
    let app = app_sending_to(backend, &receiver, &["*"]).await;
    receiver.stop();
    let key = app.user_with_token("ada@example.com").await;
    app.post_with_token("/api/logout", &key).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    receiver.resume();
    let received = receiver.wait_for(3);
    let mut types = verified_types(&received);
    types.sort();
    assert_eq!(types, ["login.succeeded", "logout", "user.signed_up"]);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = receiver.received();
    let ids: HashSet<&str> = again.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(
        (again.len(), ids.len()),
        (3, 3),
        "nothing delivered twice once acknowledged"
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("tokenauth_webhooks_sent_total 3"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("tokenauth_webhooks_failures_total 0"),
        "the tries while it was down count as failures"
    );
}

async fn only_the_selected_types_are_sent(backend: Backend) {
    let Some(receiver) = TestWebhookReceiver::start() else {
        return;
    };
    let app = app_sending_to(backend, &receiver, &["login.succeeded"]).await;
    app.user_with_token("ada@example.com").await;
    receiver.wait_for(1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(verified_types(&receiver.received()), ["login.succeeded"]);
}

async fn no_webhook_is_queued_while_webhooks_are_off(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    app.user_with_token("ada@example.com").await;
    assert_eq!(app.count("webhook_deliveries"), 0);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

on_both_backends!(
    every_event_is_delivered_signed_as_the_standard_says,
    a_receiver_that_is_down_gets_every_event_once_when_back,
    only_the_selected_types_are_sent,
    no_webhook_is_queued_while_webhooks_are_off,
);
