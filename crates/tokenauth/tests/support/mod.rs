//! What every test binary of the service shares: the password its users
//! sign up with, free ports, and the rule for outside programs that may be
//! missing. Each test binary uses some of it.
#![allow(dead_code)]

pub mod soft_authenticator;
pub mod webhook_receiver;

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

/// A real SMTP server (Debian's python3-aiosmtpd) on a free port, keeping
/// every message it receives in a Maildir the test reads.
pub struct TestSmtp {
    pub port: u16,
    maildir: std::path::PathBuf,
    python: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl TestSmtp {
    /// Starts one, or returns `None` (after `skip_unless_required`) when
    /// aiosmtpd is not installed.
    pub fn start() -> Option<Self> {
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .map(std::path::PathBuf::from)
            .find(|python| {
                std::process::Command::new(python)
                    .args(["-c", "import aiosmtpd"])
                    .stderr(std::process::Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
            });
        let Some(python) = python else {
            skip_unless_required(
                "TOKENAUTH_REQUIRE_SMTP_TEST",
                "python3-aiosmtpd is not installed: sudo apt-get install python3-aiosmtpd (make test does it as root)",
            );
            return None;
        };
        let maildir = std::env::temp_dir().join(format!(
            "tokenauth-smtp-{}-{}",
            std::process::id(),
            free_port()
        ));
        let mut smtp = Self {
            port: free_port(),
            maildir,
            python,
            child: None,
        };
        smtp.resume();
        Some(smtp)
    }

    /// `smtp://127.0.0.1:<port>`: loopback, spoken to in clear.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (an outage); what it received stays readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and Maildir.
    pub fn resume(&mut self) {
        let child = std::process::Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Every message received so far, oldest first: headers as received,
    /// the body decoded from quoted-printable as a mail client shows it.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        files.sort_by_key(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .map(|raw| decode_quoted_printable(&raw))
            .collect()
    }

    /// Waits until at least `count` messages arrived (20 s at most).
    pub fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count || std::time::Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for TestSmtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// Undoes quoted-printable in a message's body (soft line breaks and `=XX`);
/// the headers are left as they are.
fn decode_quoted_printable(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let Some((headers, body)) = raw.split_once("\n\n") else {
        return raw;
    };
    if !headers.contains("Content-Transfer-Encoding: quoted-printable") {
        return raw;
    }
    let body = body.replace("=\n", "");
    let mut bytes = Vec::with_capacity(body.len());
    let mut rest = body.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let hex = tail
            .get(..2)
            .and_then(|pair| std::str::from_utf8(pair).ok());
        match hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
            Some(byte) if first == b'=' => {
                bytes.push(byte);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    format!("{headers}\n\n{}", String::from_utf8_lossy(&bytes))
}
