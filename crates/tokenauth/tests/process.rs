//! The service as operators run it: the built binary as processes, stopped by
//! signals, sharing a database, outliving a database outage.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

mod support;
use support::{free_port, skip_unless_required};

const PASSWORD: &str = "a-Strong-pass-42";

/// A running `tokenauth serve` process, killed when dropped.
struct Server {
    child: Child,
    address: String,
    log: PathBuf,
}

impl Server {
    fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let log =
            std::env::temp_dir().join(format!("tokenauth-{}.log", uuid::Uuid::new_v4().simple()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tokenauth"));
        command
            .arg("serve")
            .current_dir(std::env::temp_dir())
            .env("DATABASE_URL", database_url)
            // Port 0: the server binds a free port itself and logs it, so two
            // tests can never race for one port.
            .env("TOKENAUTH__SERVER__PORT", "0")
            .env("TOKENAUTH__SERVER__WORKERS", "2")
            .env("TOKENAUTH__AUTH__BCRYPT_COST", "4")
            .env("TOKENAUTH__THROTTLE__LOGIN", "off")
            .env("TOKENAUTH__THROTTLE__SIGNUP", "off")
            .env_remove("TOKENAUTH_ENV")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the binary starts");
        let mut server = Self {
            child,
            address: String::new(),
            log,
        };
        server.address = server.wait_until_serving();
        server
    }

    /// The address the server logs once it listens.
    fn wait_until_serving(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let logs = self.logs();
            if let Some(start) = logs.find("http://127.0.0.1:") {
                let port: String = logs[start + 17..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !port.is_empty() {
                    return format!("http://127.0.0.1:{port}");
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not start: {}", self.logs());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    fn logs(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server still running after {within:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (StatusCode, Value) {
    let response = client.post(url).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_with(client: &reqwest::Client, url: String, key: &str) -> (StatusCode, Value) {
    let response = client
        .get(url)
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn signup_body(email: &str) -> Value {
    json!({"email": email, "phonenumber": "+15551234567", "password": PASSWORD})
}

async fn signup_and_login(client: &reqwest::Client, server: &Server, email: &str) -> String {
    let (status, _) = post(client, server.url("/api/signup"), signup_body(email)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = post(
        client,
        server.url("/api/login"),
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["token"]["key"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------- logs

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_have_one_line_per_request_and_no_secrets() {
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(db.url(), &[("TOKENAUTH__LOG__FORMAT", "json")]);
    let client = client();
    let key = signup_and_login(&client, &server, "ada@example.com").await;
    let (status, _) = get_with(&client, server.url("/api/me"), &key).await;
    assert_eq!(status, StatusCode::OK);
    post(
        &client,
        server.url("/api/login"),
        json!({"email": "ada@example.com", "password": "Wrong-Secret-99"}),
    )
    .await;
    client
        .post(server.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logs = server.logs();
    let hash = {
        let dir = db.url().trim_start_matches("sqlite://");
        let conn_url = dir.to_owned();
        use diesel::prelude::*;
        let mut conn = diesel::SqliteConnection::establish(&conn_url).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            password_hash: String,
        }
        diesel::sql_query("SELECT password_hash FROM users")
            .get_result::<Row>(&mut conn)
            .unwrap()
            .password_hash
    };
    for secret in [
        PASSWORD,
        "Wrong-Secret-99",
        key.as_str(),
        hash.as_str(),
        &hash[7..],
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs:\n{logs}");
    }
    let requests: Vec<Value> = logs
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"))
        })
        .filter(|line| line["target"] == "tokenauth::http")
        .collect();
    assert_eq!(requests.len(), 5, "{logs}");
    for line in &requests {
        for field in ["method", "route", "status", "latency_ms"] {
            assert!(!line["fields"][field].is_null(), "{field} in {line}");
        }
        assert!(line["span"]["request_id"].is_string(), "{line}");
    }
    assert!(
        requests
            .iter()
            .any(|l| l["span"]["request_id"] == "trace-me-1"
                && l["fields"]["route"] == "/api/logout")
    );
}

// ---------------------------------------------------------------- shutdown

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0() {
    graceful_stop_on("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_as_gracefully_as_sigterm() {
    graceful_stop_on("INT").await;
}

async fn graceful_stop_on(signal: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDatabase::new(Backend::Sqlite);
    let mut server = Server::start(db.url(), &[]);
    let client = client();
    let (status, _) = post(
        &client,
        server.url("/api/signup"),
        signup_body("ada@example.com"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // A login whose body is still arriving when the signal comes: certainly in flight.
    let body = json!({"email": "ada@example.com", "password": PASSWORD}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut in_flight =
        tokio::net::TcpStream::connect(server.address.trim_start_matches("http://"))
            .await
            .unwrap();
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.signal(signal);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        late.is_err(),
        "new connections are refused while stopping: {late:?}"
    );

    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        in_flight.read_to_string(&mut response),
    )
    .await
    .expect("the response comes")
    .unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the request in flight completes: {response}"
    );
    assert!(response.contains("\"message\":\"Success!\""), "{response}");
    assert_eq!(
        server.wait_exit(Duration::from_secs(30)),
        Some(0),
        "{}",
        server.logs()
    );
}

// ---------------------------------------------------------------- scale-out

async fn two_processes_behave_as_one_service(backend: Backend) {
    let db = TestDatabase::new(backend);
    let a = Server::start(db.url(), &[]);
    let b = Server::start(db.url(), &[]);
    let client = client();
    let key = signup_and_login(&client, &a, "ada@example.com").await;
    assert_eq!(
        get_with(&client, b.url("/api/me"), &key).await.0,
        StatusCode::OK,
        "issued on A, valid on B"
    );
    let (status, _) = post(
        &client,
        b.url("/api/signup"),
        signup_body("ADA@example.com"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "one email, one account across processes"
    );

    let response = client
        .post(a.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get_with(&client, b.url("/api/me"), &key).await.1,
        json!({"detail": "Invalid token."}),
        "logout on A holds on B"
    );

    let user_key = signup_and_login(&client, &b, "user@example.com").await;
    let user_id = get_with(&client, a.url("/api/me"), &user_key).await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin_key = signup_and_login(&client, &a, "admin@example.com").await;
    promote(&db, backend, "admin@example.com");
    let response = client
        .patch(a.url(&format!("/api/users/{user_id}")))
        .header("authorization", format!("Token {admin_key}"))
        .json(&json!({"is_active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        get_with(&client, b.url("/api/me"), &user_key).await.0,
        StatusCode::UNAUTHORIZED,
        "deactivation on A holds on B"
    );
}

fn promote(db: &TestDatabase, backend: Backend, email: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let sql = format!("UPDATE users SET is_staff = TRUE WHERE email_key = '{email}'");
    match backend {
        Backend::Postgres => diesel::PgConnection::establish(db.url())
            .unwrap()
            .batch_execute(&sql)
            .unwrap(),
        Backend::Sqlite => {
            diesel::SqliteConnection::establish(db.url().trim_start_matches("sqlite://"))
                .unwrap()
                .batch_execute(&sql)
                .unwrap()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_behave_as_one_service() {
    two_processes_behave_as_one_service(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_sqlite_file_behave_as_one_service() {
    two_processes_behave_as_one_service(Backend::Sqlite).await;
}

// ---------------------------------------------------------------- pruning

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

// ---------------------------------------------------------------- outage

/// A PostgreSQL of the test's own (initdb + pg_ctl on a free port in a temp
/// dir), so it can be stopped and started under the service.
struct ThrowawayPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl ThrowawayPostgres {
    fn start() -> Option<Self> {
        let bin = postgres_bin_dir()?;
        let dir =
            std::env::temp_dir().join(format!("tokenauth-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let pg = Self {
            bin,
            dir,
            port: free_port(),
        };
        if is_root() {
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&pg.dir)
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        pg.ctl("start");
        Some(pg)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn ctl(&self, action: &str) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        match action {
            "start" => self.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &options,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "start",
                ],
            ),
            _ => self.run(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
            ),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let output = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .output()
        } else {
            Command::new(&path).args(args).output()
        }
        .unwrap();
        assert!(
            output.status.success(),
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let candidates = from_pg_config.into_iter().chain(
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin")),
    );
    candidates
        .into_iter()
        .find(|dir| Path::new(dir).join("initdb").exists() && dir.join("pg_ctl").exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_bounded_503s_and_the_service_recovers_without_restart() {
    let Some(pg) = ThrowawayPostgres::start() else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_OUTAGE_TEST",
            "the outage test needs PostgreSQL's initdb and pg_ctl (the postgresql server package)",
        );
        return;
    };
    let server = Server::start(
        &pg.url(),
        &[("TOKENAUTH__DATABASE__CONNECT_TIMEOUT_SECONDS", "2")],
    );
    let client = client();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    let signup = |n: usize| {
        let client = client.clone();
        let url = server.url("/api/signup");
        async move {
            let email = format!("user{n}@example.com");
            let started = Instant::now();
            let (status, body) = post(&client, url, signup_body(&email)).await;
            (email, status, body, started.elapsed())
        }
    };
    for n in 0..10 {
        let (email, status, _, _) = signup(n).await;
        assert_eq!(status, StatusCode::CREATED);
        created.push(email);
    }
    let key = signup_and_login(&client, &server, "reader@example.com").await;
    pg.ctl("stop");
    for n in 10..20 {
        let (email, status, body, took) = signup(n).await;
        assert!(
            took < Duration::from_secs(8),
            "a request took {took:?} during the outage"
        );
        if status == StatusCode::CREATED {
            created.push(email);
        } else {
            assert_eq!(
                (status, body),
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"detail": "Service temporarily unavailable."})
                )
            );
            refused.push(email);
        }
    }
    assert!(!refused.is_empty(), "the outage was seen");
    // Many at once: each is refused within the connect timeout, none waits
    // behind the others' attempts to reach the database.
    let reads = (0..40).map(|_| {
        let (client, url, key) = (client.clone(), server.url("/api/me"), key.clone());
        async move {
            let started = Instant::now();
            let (status, _) = get_with(&client, url, &key).await;
            (status, started.elapsed())
        }
    });
    for (status, took) in futures_util::future::join_all(reads).await {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            took < Duration::from_secs(8),
            "a read took {took:?} during the outage"
        );
    }
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    pg.ctl("start");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 20;
    loop {
        let (email, status, _, _) = signup(n).await;
        n += 1;
        if status == StatusCode::CREATED {
            created.push(email);
            break;
        }
        refused.push(email);
        assert!(
            Instant::now() < deadline,
            "the service did not recover: {}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for n in n..n + 10 {
        let (email, status, _, _) = signup(n).await;
        assert_eq!(status, StatusCode::CREATED, "after recovery");
        created.push(email);
    }
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(&pg.url()).unwrap();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        email: String,
    }
    let stored: Vec<String> = diesel::sql_query("SELECT email FROM users")
        .load::<Row>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    for email in &created {
        assert!(stored.contains(email), "{email} got 201 but is not stored");
    }
    for email in &refused {
        assert!(
            !stored.contains(email),
            "{email} got an error but is stored"
        );
    }
}
