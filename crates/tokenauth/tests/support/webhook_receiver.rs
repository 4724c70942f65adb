//! A real webhook receiver (`webhook_receiver.py` beside this file) that
//! verifies every delivery with the `standardwebhooks` package from PyPI.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, skip_unless_required};

/// The test's signing secret, as `webhooks.secret` takes it.
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A receiver on a free port, killed when dropped.
pub struct TestWebhookReceiver {
    pub port: u16,
    received: PathBuf,
    child: Option<Child>,
}

impl TestWebhookReceiver {
    /// Starts one, or `None` (after `skip_unless_required`) when the
    /// `standardwebhooks` package is missing.
    pub fn start() -> Option<Self> {
        let installed = Command::new("python3")
            .args(["-c", "import standardwebhooks"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            skip_unless_required(
                "TOKENAUTH_REQUIRE_WEBHOOK_TEST",
                "the webhook tests need the standardwebhooks package: python3 -m pip install standardwebhooks (make test does it as root)",
            );
            return None;
        }
        let received = std::env::temp_dir().join(format!(
            "tokenauth-webhooks-{}-{}.jsonl",
            std::process::id(),
            free_port()
        ));
        let mut receiver = Self {
            port: free_port(),
            received,
            child: None,
        };
        receiver.resume();
        Some(receiver)
    }

    /// `http://127.0.0.1:<port>/hooks`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// Stops it: deliveries get no answer.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and record.
    pub fn resume(&mut self) {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/webhook_receiver.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(WEBHOOK_SECRET)
            .arg(&self.received)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the webhook receiver");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the webhook receiver did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every delivery received so far, oldest first, as the receiver
    /// recorded it: `{"verified": true, "id", "payload"}` or
    /// `{"verified": false, "error"}`.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.received)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Waits until at least `count` deliveries arrived (30 s at most).
    pub fn wait_for(&self, count: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestWebhookReceiver {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.received);
    }
}
