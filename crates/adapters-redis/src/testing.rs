//! A `redis-server` of a test's own, on a free port, that the test may stop
//! and start again.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`, stopped when dropped.
#[derive(Debug)]
pub struct TestRedis {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl TestRedis {
    /// Where Debian installs it, or any `redis-server` on the `PATH`.
    pub fn binary() -> Option<PathBuf> {
        let debian = PathBuf::from("/usr/bin/redis-server");
        if debian.exists() {
            return Some(debian);
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("redis-server"))
                .find(|candidate| candidate.exists())
        })
    }

    /// Starts one on a free loopback port; `None` when no `redis-server` is installed.
    ///
    /// # Panics
    /// When it is installed but does not start.
    pub fn start() -> Option<Self> {
        let binary = Self::binary()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap_or_else(|error| panic!("no free port: {error}"));
        let mut redis = Self {
            binary,
            port,
            child: None,
        };
        redis.start_again();
        Some(redis)
    }

    /// For a test that needs Redis: one of its own, or `None` after saying
    /// the test is skipped. CI sets `TOKENAUTH_REQUIRE_REDIS_TEST=1`, which
    /// turns the skip into a failure.
    ///
    /// # Panics
    /// When Redis is required and not installed.
    pub fn for_test() -> Option<Self> {
        let redis = Self::start();
        if redis.is_none() {
            let what = "redis-server is not installed: sudo apt-get install redis-server (make test does it as root)";
            let required = std::env::var("TOKENAUTH_REQUIRE_REDIS_TEST").is_ok_and(|v| v == "1");
            assert!(!required, "{what}");
            eprintln!("SKIPPED: {what}");
        }
        redis
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops it (its data go with it: nothing is kept on disk).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    ///
    /// # Panics
    /// When it does not answer within 10 s.
    pub fn start_again(&mut self) {
        self.stop();
        let child = Command::new(&self.binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer", self.port);
    }

    /// Whether it answers PING now.
    pub fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_millis(200)))
            .and_then(|mut conn| redis::cmd("PING").query::<String>(&mut conn))
            .is_ok()
    }

    /// How many keys it holds.
    ///
    /// # Panics
    /// When it does not answer.
    pub fn key_count(&self) -> usize {
        let client = redis::Client::open(self.url()).unwrap_or_else(|error| panic!("{error}"));
        let mut conn = client
            .get_connection_with_timeout(Duration::from_secs(2))
            .unwrap_or_else(|error| panic!("{error}"));
        redis::cmd("DBSIZE")
            .query(&mut conn)
            .unwrap_or_else(|error| panic!("{error}"))
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
