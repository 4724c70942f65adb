//! Clients generated from the document the service serves at `/api/schema`
//! work unedited: openapi-python-client's imports and makes a round trip,
//! and openapi-typescript + openapi-fetch's type-checks under `--strict`
//! and makes the same round trip (`clients/check.sh`).

use std::path::Path;
use std::process::Command;

use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::Server;
use crate::support::skip_unless_required;

/// `clients/check.sh`'s answer when the generators are not installed.
const TOOLS_MISSING: i32 = 77;

#[test]
fn clients_generated_from_the_served_document_make_a_round_trip() {
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients");
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(db.url(), &[]);
    let work = std::env::temp_dir().join(format!(
        "tokenauth-clients-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let output = Command::new("bash")
        .arg(clients.join("check.sh"))
        .arg(&server.address)
        .arg(&work)
        .output()
        .expect("bash runs");
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(TOOLS_MISSING) {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_CLIENTS_TEST",
            &format!("{stderr} (make test runs clients/install.sh)"),
        );
        return;
    }
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("passed: both clients made a round trip"),
        "{stdout}"
    );
}
