//! What every test binary of the service shares: the password its users
//! sign up with, free ports, and the rule for outside programs that may be
//! missing. Each test binary uses some of it.
#![allow(dead_code)]

/// The password test users sign up with: accepted by the password policy.
pub const PASSWORD: &str = "a-Strong-pass-42";

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// For a test whose outside program is missing: fails, saying what to
/// install, when CI set `required_by` to 1; otherwise says the test skips.
pub fn skip_unless_required(required_by: &str, what_to_install: &str) {
    let required = std::env::var(required_by).is_ok_and(|v| v == "1");
    assert!(!required, "{what_to_install}");
    eprintln!("SKIPPED: {what_to_install}");
}
