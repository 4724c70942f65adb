//! GET /api/me and nothing else: see Cargo.toml. DATABASE_URL and PORT from
//! the environment; each worker keeps CONNECTIONS clients of its own and
//! pipelines requests on them.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio_postgres::{Client, NoTls, Statement};

const CONNECTIONS: usize = 8;
const LOOKUP: &str = "SELECT u.id, u.email, u.phonenumber, u.first_name, u.last_name, u.is_staff, \
     u.is_active, u.date_joined, u.last_login, t.expires \
     FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = $1";

struct Worker {
    clients: Vec<(Client, Statement)>,
    next: Cell<usize>,
}

thread_local! {
    static WORKER: Rc<OnceCell<Worker>> = Rc::new(OnceCell::new());
}

async fn worker() -> Rc<OnceCell<Worker>> {
    let cell = WORKER.with(Rc::clone);
    cell.get_or_init(|| async {
        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let (client, connection) = tokio_postgres::connect(&url, NoTls).await.expect("connect");
            actix_web::rt::spawn(connection);
            let statement = client.prepare(LOOKUP).await.expect("prepare");
            clients.push((client, statement));
        }
        Worker {
            clients,
            next: Cell::new(0),
        }
    })
    .await;
    cell
}

fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

async fn me(req: HttpRequest) -> HttpResponse {
    let key = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .unwrap_or_default();
    // As tokenauth stores it: the SHA-256 of the key's 20 bytes, in hex.
    let Ok(raw) = hex::decode(key) else {
        return HttpResponse::Unauthorized().json(serde_json::json!({"detail": "Invalid token."}));
    };
    let digest = hex::encode(Sha256::digest(&raw));
    let cell = worker().await;
    let worker = cell.get().expect("initialised");
    let index = worker.next.get();
    worker.next.set((index + 1) % worker.clients.len());
    let (client, statement) = &worker.clients[index];
    let row = match client.query_opt(statement, &[&digest]).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return HttpResponse::Unauthorized()
                .json(serde_json::json!({"detail": "Invalid token."}));
        }
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    };
    let expires: Option<chrono::NaiveDateTime> = row.get(9);
    if expires.is_some_and(|at| at < chrono::Utc::now().naive_utc()) {
        return HttpResponse::Unauthorized()
            .json(serde_json::json!({"detail": "Token has expired."}));
    }
    let last_login: Option<chrono::NaiveDateTime> = row.get(8);
    HttpResponse::Ok().json(serde_json::json!({
        "id": row.get::<_, String>(0),
        "email": row.get::<_, String>(1),
        "phonenumber": row.get::<_, String>(2),
        "first_name": row.get::<_, String>(3),
        "last_name": row.get::<_, String>(4),
        "is_staff": row.get::<_, bool>(5),
        "is_active": row.get::<_, bool>(6),
        "date_joined": rfc3339(row.get(7)),
        "last_login": last_login.map(rfc3339),
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8001);
    HttpServer::new(|| App::new().route("/api/me", web::get().to(me)))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
