//! A PostgreSQL server of a test's own (initdb + pg_ctl on a free port in a
//! temporary directory), for tests that must stop it, or give it TLS with
//! certificates they made, without touching the machine's own server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// A running server, stopped and removed when dropped.
#[derive(Debug)]
pub struct ThrowawayPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    tls: Option<TestCertificates>,
}

/// How a TLS server's certificate is made.
#[derive(Debug, Clone, Copy)]
enum Certificates {
    /// By a CA of the test's own.
    SignedByCa,
    /// By itself, as its own root.
    SelfSigned,
    /// By a CA, naming the host in the CN alone.
    NameInCnOnly,
}

/// The files of a TLS setup: a CA of the test's own, and a server
/// certificate it signed for the name `localhost` only (no IP address), so
/// a client checking the name must connect to `localhost`.
#[derive(Debug, Clone)]
pub struct TestCertificates {
    /// The CA's certificate, PEM: the root a client trusts.
    pub root: PathBuf,
    /// A CA that signed nothing here, PEM: a root that vouches for nobody.
    pub other_root: PathBuf,
}

impl ThrowawayPostgres {
    /// A server without TLS, or `None` when PostgreSQL's server programs
    /// are not installed.
    pub fn start() -> Option<Self> {
        Self::create(None)
    }

    /// A server that speaks only TLS over TCP (`hostssl` alone in
    /// `pg_hba.conf`: a plain connection is refused), with certificates made
    /// for it; `None` as for [`Self::start`].
    pub fn start_with_tls() -> Option<Self> {
        Self::create(Some(Certificates::SignedByCa))
    }

    /// As [`Self::start_with_tls`], with PostgreSQL's documented
    /// self-signed setup instead: the server's certificate (a CA
    /// certificate for `localhost`) is its own root, in `root`.
    pub fn start_with_self_signed_tls() -> Option<Self> {
        Self::create(Some(Certificates::SelfSigned))
    }

    /// As [`Self::start_with_tls`], with a server certificate that names
    /// `localhost` in its CN alone (no subjectAltName), as old `openssl req`
    /// recipes make them: libpq accepts it for `verify-full`, rustls does not.
    pub fn start_with_tls_named_in_cn_only() -> Option<Self> {
        Self::create(Some(Certificates::NameInCnOnly))
    }

    fn create(tls: Option<Certificates>) -> Option<Self> {
        let bin = postgres_bin_dir()?;
        let dir =
            std::env::temp_dir().join(format!("tokenauth-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut pg = Self {
            bin,
            dir,
            port: free_port(),
            tls: None,
        };
        let data = pg.dir.join("data");
        if is_root() {
            chown_to_postgres(&pg.dir);
        }
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
        if let Some(certificates) = tls {
            pg.tls = Some(pg.set_up_tls(&data, certificates));
        }
        pg.ctl("start");
        Some(pg)
    }

    /// Certificates into the data directory, TLS on, plain TCP refused.
    fn set_up_tls(&self, data: &Path, certificates: Certificates) -> TestCertificates {
        let server_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let (server, root) = match certificates {
            Certificates::SignedByCa => {
                let ca = certificate_authority("tokenauth test CA");
                (params.signed_by(&server_key, &ca).unwrap().pem(), ca.pem())
            }
            Certificates::NameInCnOnly => {
                let ca = certificate_authority("tokenauth test CA");
                params.subject_alt_names.clear();
                params
                    .distinguished_name
                    .push(DnType::CommonName, "localhost");
                (params.signed_by(&server_key, &ca).unwrap().pem(), ca.pem())
            }
            Certificates::SelfSigned => {
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                let server = params.self_signed(&server_key).unwrap().pem();
                (server.clone(), server)
            }
        };
        let other = certificate_authority("tokenauth unrelated CA");
        let files = [
            (data.join("server.crt"), server),
            (data.join("server.key"), server_key.serialize_pem()),
            (self.dir.join("root.pem"), root),
            (self.dir.join("other-root.pem"), other.pem()),
        ];
        for (path, text) in &files {
            std::fs::write(path, text).unwrap();
        }
        // PostgreSQL refuses a key others may read.
        set_mode(&data.join("server.key"), 0o600);
        append(
            &data.join("postgresql.conf"),
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
        );
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all all 127.0.0.1/32 trust\n\
             hostssl all all ::1/128 trust\n",
        )
        .unwrap();
        if is_root() {
            chown_to_postgres(&self.dir);
        }
        TestCertificates {
            root: self.dir.join("root.pem"),
            other_root: self.dir.join("other-root.pem"),
        }
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        self.url_on("127.0.0.1")
    }

    /// The same server reached by the name `host` (`localhost`, to match
    /// the TLS certificate's name).
    pub fn url_on(&self, host: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres", self.port)
    }

    /// The certificates, for a server started with TLS.
    pub fn certificates(&self) -> Option<&TestCertificates> {
        self.tls.as_ref()
    }

    /// Stops the server (fast shutdown: connections are cut).
    pub fn stop(&self) {
        self.ctl("stop");
    }

    /// Starts it again on the same port and data.
    pub fn restart(&self) {
        self.ctl("start");
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
        let pg_ctl = self.bin.join("pg_ctl");
        let args = ["-D", data.to_str().unwrap(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(pg_ctl)
                .args(args)
                .output()
        } else {
            Command::new(pg_ctl).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn certificate_authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_to_postgres(dir: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "chown of {} failed", dir.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Where `initdb` and `pg_ctl` are: `pg_config --bindir`, or Debian's
/// `/usr/lib/postgresql/<version>/bin`.
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
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}
