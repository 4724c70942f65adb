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
/// gateway passed (or "none"), whether a token reached it, and the JWT the
/// gateway passed, if any.
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
                let head = String::from_utf8_lossy(&head);
                let header = |name: &str| {
                    head.lines().find_map(|line| {
                        let (found, value) = line.split_once(':')?;
                        found
                            .eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_owned())
                    })
                };
                let mut body = format!(
                    "user={} token={}",
                    header("x-auth-user-id").unwrap_or_else(|| "none".into()),
                    header("authorization").is_some_and(|v| !v.is_empty()),
                );
                if let Some(jwt) = header("x-auth-jwt") {
                    body.push_str(&format!(" jwt={jwt}"));
                }
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

fn nginx_binary() -> Option<PathBuf> {
    let binary = Nginx::binary();
    if binary.is_none() {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_NGINX_TEST",
            "nginx is not installed: sudo apt-get install nginx (make test does it as root)",
        );
    }
    binary
}

fn port_of(server: &Server) -> u16 {
    server.address.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_lets_valid_tokens_through_with_the_user_id_and_refuses_the_rest() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let db = TestDatabase::new(Backend::Sqlite);
    let tokenauth = Server::start(db.url(), &[]);
    let nginx = Nginx::start(&binary, port_of(&tokenauth), upstream().await);
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

/// Verifies `jwt` with PyJWT's `PyJWKClient` against the key set of
/// `tokenauth`: the claims when it verifies, the refusal otherwise. `None`
/// when PyJWT is not installed.
fn checked_by_pyjwt(
    tokenauth: &Server,
    issuer: &str,
    jwt: &str,
) -> Option<Result<serde_json::Value, String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/jwt_check.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(tokenauth.url("/.well-known/jwks.json"))
        .arg(issuer)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), jwt.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named 'jwt'") || stderr.contains("No module named 'cryptography'")
    {
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Some(if output.status.success() {
        Ok(serde_json::from_str(&stdout).unwrap())
    } else {
        Err(format!("{stdout}{stderr}"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_behind_nginx_gets_a_jwt_that_verifies_against_the_key_set() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let issuer = "https://auth.example";
    let db = TestDatabase::new(Backend::Sqlite);
    let tokenauth = Server::start(
        db.url(),
        &[
            ("TOKENAUTH__GATEWAY__JWT", "true"),
            ("TOKENAUTH__AUTH__PUBLIC_URL", issuer),
        ],
    );
    let nginx = Nginx::start(&binary, port_of(&tokenauth), upstream().await);
    let client = client();
    let key = signup_and_login(&client, &tokenauth, "ada@example.com").await;
    let (_, me) = crate::server::get_with(&client, tokenauth.url("/api/me"), &key).await;

    let (status, body) = through(&nginx, "/orders/42", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let jwt = body
        .split_once(" jwt=")
        .map(|(_, jwt)| jwt.to_owned())
        .expect("the service received X-Auth-Jwt");
    let Some(verified) = checked_by_pyjwt(&tokenauth, issuer, &jwt) else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_PYJWT_TEST",
            "PyJWT is not installed: python3 -m pip install 'pyjwt[crypto]' (make test does it as root)",
        );
        return;
    };
    let claims = verified.expect("PyJWT verifies the JWT against the key set");
    assert_eq!(claims["sub"], me["id"]);
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["iss"], issuer);

    // Another user's claims under Ada's signature.
    let bob = signup_and_login(&client, &tokenauth, "bob@example.com").await;
    let (_, bob_body) = through(&nginx, "/orders/42", Some(&bob)).await;
    let bob_jwt = bob_body.split_once(" jwt=").unwrap().1;
    let ada_parts: Vec<&str> = jwt.split('.').collect();
    let bob_parts: Vec<&str> = bob_jwt.split('.').collect();
    let tampered = format!("{}.{}.{}", ada_parts[0], bob_parts[1], ada_parts[2]);
    let refused = checked_by_pyjwt(&tokenauth, issuer, &tampered).unwrap();
    assert!(refused.is_err(), "a tampered JWT verified: {refused:?}");

    // A JWT sent by the client itself never reaches the service: the
    // gateway sets the header from tokenauth's answer alone.
    let forged = client
        .get(nginx.url("/orders/42"))
        .header("authorization", format!("Token {key}"))
        .header("x-auth-jwt", &tampered)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!forged.contains(&tampered), "{forged}");
}
