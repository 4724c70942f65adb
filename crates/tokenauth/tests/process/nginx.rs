//! The shipped nginx configuration (deploy/nginx/tokenauth.conf) in a real
//! nginx, in front of a small upstream, with tokenauth deciding.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::{Server, client, signup_and_login};
use crate::support::{free_port, skip_unless_required};

const CONFIG: &str = include_str!("../../../../deploy/nginx/tokenauth.conf");

/// nginx in the foreground over a config of its own, stopped when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn binary() -> Option<PathBuf> {
        [
            "/usr/sbin/nginx",
            "/usr/local/sbin/nginx",
            "/usr/local/nginx/sbin/nginx",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
    }

    /// The shipped configuration with its three addresses pointed at this test's.
    fn start(binary: &Path, tokenauth_port: u16, upstream_port: u16) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("tokenauth-nginx-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let site = CONFIG
            .replace("127.0.0.1:8000", &format!("127.0.0.1:{tokenauth_port}"))
            .replace("127.0.0.1:9000", &format!("127.0.0.1:{upstream_port}"))
            .replace("listen 127.0.0.1:8080", &format!("listen 127.0.0.1:{port}"));
        assert_ne!(
            site, CONFIG,
            "the shipped configuration names its addresses as expected"
        );
        std::fs::write(dir.join("tokenauth.conf"), site).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
                 proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
                 scgi_temp_path {d}/scgi;\n  include {d}/tokenauth.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let nginx = Self { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The protected service: answers every request with the user id the
/// gateway passed (or "none") and whether a token reached it.
async fn upstream() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let header = |name: &str| {
                    head.lines().find_map(|line| {
                        line.strip_prefix(&format!("{name}: "))
                            .map(str::trim)
                            .map(str::to_owned)
                    })
                };
                let body = format!(
                    "user={} token={}",
                    header("x-auth-user-id").unwrap_or_else(|| "none".into()),
                    header("authorization").is_some_and(|v| !v.is_empty()),
                );
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

async fn through(nginx: &Nginx, path: &str, key: Option<&str>) -> (StatusCode, String) {
    let mut request = client().get(nginx.url(path));
    if let Some(key) = key {
        request = request.header("authorization", format!("Token {key}"));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_lets_valid_tokens_through_with_the_user_id_and_refuses_the_rest() {
    let Some(binary) = Nginx::binary() else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_NGINX_TEST",
            "nginx is not installed: sudo apt-get install nginx (make test does it as root)",
        );
        return;
    };
    let db = TestDatabase::new(Backend::Sqlite);
    let tokenauth = Server::start(db.url(), &[]);
    let tokenauth_port: u16 = tokenauth
        .address
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let nginx = Nginx::start(&binary, tokenauth_port, upstream().await);
    let client = client();
    let key = signup_and_login(&client, &tokenauth, "ada@example.com").await;
    let (_, me) = crate::server::get_with(&client, tokenauth.url("/api/me"), &key).await;
    let id = me["id"].as_str().unwrap();

    let (status, body) = through(&nginx, "/orders/42", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        format!("user={id} token=false"),
        "the user id reaches the service, the token does not"
    );
    let (status, body) = through(&nginx, "/reports/monthly", Some(&key)).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, format!("user={id} token=false"))
    );

    assert_eq!(
        through(&nginx, "/orders/42", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        through(&nginx, "/admin/users", Some(&key)).await.0,
        StatusCode::FORBIDDEN
    );

    // A personal token without users:read passes where any token does, and
    // gets 403 where the location asks for the scope.
    let personal: serde_json::Value = client
        .post(tokenauth.url("/api/me/tokens"))
        .header("authorization", format!("Token {key}"))
        .json(&serde_json::json!({"name": "script", "scopes": ["account:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let script = personal["key"].as_str().unwrap();
    assert_eq!(
        through(&nginx, "/orders/42", Some(script)).await,
        (StatusCode::OK, format!("user={id} token=false"))
    );
    assert_eq!(
        through(&nginx, "/reports/monthly", Some(script)).await.0,
        StatusCode::FORBIDDEN
    );

    let logout = client
        .post(tokenauth.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        through(&nginx, "/orders/42", Some(&key)).await.0,
        StatusCode::UNAUTHORIZED
    );
}
