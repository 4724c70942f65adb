//! Traces sent to an OpenTelemetry receiver by OTLP over HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::otlp_receiver::{OtlpReceiver, Received};
use crate::server::{Server, client, signup_and_login};

/// A gateway's trace, as its `traceparent` header carries it (sampled).
const GATEWAY_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const GATEWAY_SPAN: &str = "00f067aa0ba902b7";

fn traced_server(db: &TestDatabase, receiver: &OtlpReceiver) -> Server {
    Server::start(
        db.url(),
        &[
            (
                "TOKENAUTH__TELEMETRY__OTLP_ENDPOINT",
                receiver.endpoint.as_str(),
            ),
            // Exported within a tenth of a second, not the default five.
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn is_request(span: &Received, route: &str) -> bool {
    span.attribute("http.route").as_deref() == Some(route)
}

/// The span of the request to `route` among `spans`, once it arrived.
async fn request_span(receiver: &OtlpReceiver, route: &str) -> (Received, Vec<Received>) {
    let spans = receiver.spans_once(|span| is_request(span, route)).await;
    let request = spans
        .iter()
        .find(|span| is_request(span, route))
        .unwrap_or_else(|| panic!("no span of {route} in {spans:#?}"))
        .clone();
    (request, spans)
}

async fn a_request_is_a_server_span_with_route_and_status(backend: Backend) {
    let db = TestDatabase::new(backend);
    let receiver = OtlpReceiver::start().await;
    let server = traced_server(&db, &receiver);
    let client = client();
    let response = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (request, _) = request_span(&receiver, "/healthz").await;
    assert_eq!(request.service, "tokenauth");
    assert_eq!(request.span.name, "GET /healthz");
    // SPAN_KIND_SERVER
    assert_eq!(request.span.kind, 2);
    assert_eq!(
        request.attribute("http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        request.attribute("http.response.status_code").as_deref(),
        Some("200")
    );
    assert!(request.span.parent_span_id.is_empty(), "{request:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_a_server_span_with_route_and_status_on_sqlite() {
    a_request_is_a_server_span_with_route_and_status(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_a_server_span_with_route_and_status_on_postgres() {
    a_request_is_a_server_span_with_route_and_status(Backend::Postgres).await;
}

async fn a_gateways_traceparent_is_continued(backend: Backend) {
    let db = TestDatabase::new(backend);
    let receiver = OtlpReceiver::start().await;
    let server = traced_server(&db, &receiver);
    let client = client();
    let key = signup_and_login(&client, &server, "ada@example.com").await;
    let response = client
        .get(server.url("/api/me"))
        .header("authorization", format!("Token {key}"))
        .header(
            "traceparent",
            format!("00-{GATEWAY_TRACE}-{GATEWAY_SPAN}-01"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (request, _) = request_span(&receiver, "/api/me").await;
    assert_eq!(hex(&request.span.trace_id), GATEWAY_TRACE);
    assert_eq!(hex(&request.span.parent_span_id), GATEWAY_SPAN);
    // The token's lookup belongs to the request, in the gateway's trace.
    let lookup = receiver
        .spans_once(|span| span.span.parent_span_id == request.span.span_id)
        .await;
    assert!(
        lookup.iter().any(|span| span.span.name == "db"
            && span.span.parent_span_id == request.span.span_id
            && hex(&span.span.trace_id) == GATEWAY_TRACE),
        "no database span under the request in {lookup:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateways_traceparent_is_continued_on_sqlite() {
    a_gateways_traceparent_is_continued(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateways_traceparent_is_continued_on_postgres() {
    a_gateways_traceparent_is_continued(Backend::Postgres).await;
}

async fn a_login_shows_its_database_and_bcrypt_work_as_child_spans(backend: Backend) {
    let db = TestDatabase::new(backend);
    let receiver = OtlpReceiver::start().await;
    let server = traced_server(&db, &receiver);
    let client = client();
    signup_and_login(&client, &server, "ada@example.com").await;
    // A child ends before its parent: once the login's span is here, so
    // are its children.
    let (request, spans) = request_span(&receiver, "/api/login").await;
    let children: Vec<&str> = spans
        .iter()
        .filter(|span| span.span.parent_span_id == request.span.span_id)
        .map(|span| span.span.name.as_str())
        .collect();
    assert!(children.contains(&"bcrypt.verify"), "{children:?}");
    assert!(children.contains(&"db"), "{children:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_shows_its_database_and_bcrypt_work_as_child_spans_on_sqlite() {
    a_login_shows_its_database_and_bcrypt_work_as_child_spans(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_shows_its_database_and_bcrypt_work_as_child_spans_on_postgres() {
    a_login_shows_its_database_and_bcrypt_work_as_child_spans(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_not_yet_sent_leave_when_the_server_stops() {
    let db = TestDatabase::new(Backend::Sqlite);
    let receiver = OtlpReceiver::start().await;
    // The default batch delay (5 s): only the stop sends the span in time.
    let mut server = Server::start(
        db.url(),
        &[(
            "TOKENAUTH__TELEMETRY__OTLP_ENDPOINT",
            receiver.endpoint.as_str(),
        )],
    );
    let response = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.signal("TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(10)), Some(0));
    request_span(&receiver, "/healthz").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_work_makes_no_traces_of_its_own() {
    let db = TestDatabase::new(Backend::Sqlite);
    let receiver = OtlpReceiver::start().await;
    let server = traced_server(&db, &receiver);
    client().get(server.url("/healthz")).send().await.unwrap();
    // The mail and webhook loops poll the database several times a second.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (_, spans) = request_span(&receiver, "/healthz").await;
    let roots: Vec<&str> = spans
        .iter()
        .filter(|span| span.span.parent_span_id.is_empty())
        .map(|span| span.span.name.as_str())
        .collect();
    assert_eq!(roots, ["GET /healthz"]);
}
