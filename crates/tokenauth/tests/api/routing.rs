use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn an_unknown_route_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api", "/api/nope", "/api/signup/extra", "/nope"] {
        let reply = app.request(Method::GET, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, json!({"detail": "Not found."}));
    }
}

async fn without_html_in_accept_the_browsable_get_is_405(backend: Backend) {
    let app = spawn_app(backend).await;
    for accept in [None, Some("application/json"), Some("*/*")] {
        let mut request = app.client.get(app.url("/api/signup"));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let reply = crate::helpers::Reply::read(request.send().await.unwrap()).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{accept:?}");
    }
}

async fn browsers_get_pages_with_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/", "/api/signup", "/api/login", "/api/me"] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept", "text/html,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        let status = response.status();
        let page = response.text().await.unwrap();
        assert!(
            status == StatusCode::OK || (path == "/api/me" && status == StatusCode::UNAUTHORIZED),
            "{path} {status}"
        );
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers.contains_key("x-request-id"));
        assert!(page.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(
            !page.contains("http://") || page.contains(&app.address),
            "no outside asset on {path}"
        );
    }
}

async fn json_clients_get_the_api_root_as_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::GET, "/", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["signup"], format!("{}/api/signup", app.address));
    assert_eq!(reply.body["me"], format!("{}/api/me", app.address));
}

async fn a_wrong_method_is_405_naming_it(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path) in [
        (Method::GET, "/api/signup"),
        (Method::PUT, "/api/login"),
        (Method::DELETE, "/api/logout"),
        (Method::GET, "/api/logoutall"),
        (Method::POST, "/api/me"),
    ] {
        let reply = app.request(method.clone(), path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(reply.detail(), format!("Method \"{method}\" not allowed."));
        assert!(reply.header("allow").is_some());
    }
}

async fn the_database_going_away_is_503_without_internals(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.database.pool_size = 1;
        s.database.connect_timeout_seconds = 1;
    })
    .await;
    let key = app.user_with_token("ada@example.com").await;
    take_database_away(&app, backend);
    let replies = [
        app.signup("bob@example.com").await,
        app.login("ada@example.com", crate::helpers::PASSWORD).await,
        app.get_me(&key).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
        assert_eq!(
            reply.body,
            json!({"detail": "Service temporarily unavailable."})
        );
    }
}

pub(crate) fn take_database_away(app: &crate::helpers::TestApp, backend: Backend) {
    match backend {
        // Dropping the database ends the service's connections and every reconnection fails.
        Backend::Postgres => drop_postgres_database(app.test_db.url()),
        // An embedded database cannot go down; a pool with no free connection
        // for longer than the connect timeout is the same to a request.
        Backend::Sqlite => hold_the_only_connection(app),
    }
}

fn drop_postgres_database(url: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let (server, name_and_query) = url.rsplit_once('/').unwrap();
    let (name, query) = name_and_query
        .split_once('?')
        .unwrap_or((name_and_query, ""));
    let mut admin = diesel::PgConnection::establish(&format!("{server}/postgres?{query}")).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

fn hold_the_only_connection(app: &crate::helpers::TestApp) {
    let database = app.database.clone();
    let (held, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = database.with_connection(|_| {
            held.send(()).ok();
            std::thread::sleep(std::time::Duration::from_secs(10));
            Ok(())
        });
    });
    wait.recv().unwrap();
}

on_both_backends!(
    an_unknown_route_is_404,
    without_html_in_accept_the_browsable_get_is_405,
    browsers_get_pages_with_the_security_headers,
    json_clients_get_the_api_root_as_json,
    a_wrong_method_is_405_naming_it,
    the_database_going_away_is_503_without_internals,
);
