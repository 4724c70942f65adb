//! TLS for the async PostgreSQL client, with libpq's meaning of `sslmode`
//! and `sslrootcert`: a URL libpq connects with connects here the same way,
//! with the same checks of the server, and a URL this module cannot treat as
//! libpq would is refused up front, so the caller keeps libpq for it.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore};
use rustls::{SignatureScheme, crypto::ring};
use tokio_postgres::config::{Host, SslMode, SslNegotiation};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The future the caller spawns to drive a connection's socket.
pub(crate) type PgConnection =
    tokio_postgres::Connection<Socket, <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream>;

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verify {
    /// libpq without a root certificate file: encrypted, not authenticated.
    Nothing,
    /// `verify-ca`; also any weaker mode once a root file exists, since
    /// libpq then has OpenSSL check the chain whatever the mode.
    Chain,
    /// `verify-full`.
    ChainAndName,
}

/// Opens connections to one URL as libpq would.
pub(crate) struct PgConnector {
    config: tokio_postgres::Config,
    /// libpq retries once when the server turns the first attempt down:
    /// `allow` goes plain then TLS, `prefer` TLS then plain.
    first: SslMode,
    retry: Option<SslMode>,
    verify: Verify,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for PgConnector {
    // Not the config: it holds the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnector")
            .field("first", &self.first)
            .field("retry", &self.retry)
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

impl PgConnector {
    /// For a `postgres://` URL, with libpq's fallbacks from the environment
    /// (`PGSSLMODE`, `PGSSLROOTCERT`, `HOME`). Root certificates are read
    /// here, once. The error says why libpq should keep this URL.
    pub(crate) fn from_url(url: &str) -> Result<Self, String> {
        Self::from_url_and_env(url, &|name| std::env::var(name).ok())
    }

    fn from_url_and_env(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let (client_url, sslmode, rootcert) = split_ssl_options(url)?;
        let mut config: tokio_postgres::Config = client_url
            .parse()
            .map_err(|error: tokio_postgres::Error| error.to_string())?;
        let rootcert = rootcert.or_else(|| env("PGSSLROOTCERT"));
        // libpq takes an empty value as no value.
        let rootcert = rootcert.filter(|path| !path.is_empty());
        let system = rootcert.as_deref() == Some("system");
        let sslmode = sslmode.or_else(|| env("PGSSLMODE"));
        // libpq 16 makes verify-full the default with the system's roots.
        let default = if system { "verify-full" } else { "prefer" };
        let (mut first, mut retry, demanded) = match sslmode.as_deref().unwrap_or(default) {
            "disable" => (SslMode::Disable, None, None),
            "allow" => (SslMode::Disable, Some(SslMode::Require), None),
            "prefer" => (SslMode::Prefer, Some(SslMode::Disable), None),
            "require" => (SslMode::Require, None, None),
            "verify-ca" => (SslMode::Require, None, Some(Verify::Chain)),
            "verify-full" => (SslMode::Require, None, Some(Verify::ChainAndName)),
            other => return Err(format!("unknown sslmode value {other:?}")),
        };
        if system && demanded != Some(Verify::ChainAndName) {
            // libpq 16 refuses it; older libpq reads a file named `system`.
            return Err("sslrootcert=system with a mode weaker than verify-full".into());
        }
        let hosts = config.get_hosts();
        if hosts.is_empty() && config.get_hostaddrs().is_empty() {
            // libpq's default socket, which tokio-postgres does not look for.
            return Err("the URL names no host (libpq's default socket)".into());
        }
        let sockets = hosts.iter().filter(|host| is_socket(host)).count();
        if sockets > 0 && sockets == hosts.len() && config.get_hostaddrs().is_empty() {
            // libpq never asks for TLS on a Unix socket, whatever the mode.
            (first, retry) = (SslMode::Disable, None);
        }
        let roots = if first == SslMode::Disable && retry.is_none() {
            None
        } else {
            // tokio-postgres applies one mode to every host and needs a host
            // name for TLS, where libpq skips TLS on sockets and does TLS
            // with only a `hostaddr`.
            if sockets > 0 || hosts.is_empty() {
                return Err("TLS needs a host name on every host here".into());
            }
            if retry.is_some() && config.get_ssl_negotiation() == SslNegotiation::Direct {
                return Err("sslnegotiation=direct needs sslmode=require or stronger".into());
            }
            let home = env("HOME").filter(|home| !home.is_empty());
            let in_home = |file: &str| {
                home.as_ref()
                    .map(|home| format!("{home}/.postgresql/{file}"))
            };
            // Files libpq would use unasked: a client certificate (which a
            // server may demand) and revocation lists; neither is used here.
            let unasked = ["postgresql.crt", "root.crl"]
                .into_iter()
                .filter_map(in_home);
            if ["PGSSLCERT", "PGSSLCRL", "PGSSLCRLDIR"]
                .into_iter()
                .any(|name| env(name).is_some())
                || unasked
                    .into_iter()
                    .any(|path| std::path::Path::new(&path).exists())
            {
                return Err("libpq would use a client certificate or a CRL".into());
            }
            match rootcert.as_deref() {
                Some("system") => Some(platform_roots()?),
                Some(path) => read_roots(path, demanded.is_some())?,
                None => {
                    match in_home("root.crt").map(|path| read_roots(&path, false)) {
                        Some(Ok(Some(roots))) => Some(roots),
                        Some(Err(error)) => return Err(error),
                        // libpq fails here for want of a root file: keep it, and
                        // its error, rather than trust roots libpq would not.
                        _ if demanded.is_some() => {
                            return Err("verify-ca and verify-full need sslrootcert or ~/.postgresql/root.crt".into());
                        }
                        _ => None,
                    }
                }
            }
        };
        let verify = match (&roots, demanded) {
            (None, _) => Verify::Nothing,
            (Some(_), demanded) => demanded.unwrap_or(Verify::Chain),
        };
        config.ssl_mode(first);
        let tls = MakeRustlsConnect::new(client_config(verify, roots)?);
        Ok(Self {
            config,
            first,
            retry,
            verify,
            tls,
        })
    }

    /// A connection, after libpq's one retry when the server refuses the
    /// first attempt or its TLS handshake fails (not when it is unreachable).
    pub(crate) async fn connect(&self) -> Result<(Client, PgConnection), String> {
        self.open().await.map_err(|error| describe(&error))
    }

    async fn open(&self) -> Result<(Client, PgConnection), tokio_postgres::Error> {
        let first = self.attempt(self.first).await;
        match (first, self.retry) {
            (Err(error), Some(mode)) if libpq_retries(&error) => self.attempt(mode).await,
            (first, _) => first,
        }
    }

    /// Why this connector's TLS is refused, when it is: one connection is
    /// opened and its handshake judged. rustls refuses a few certificates
    /// OpenSSL takes (a name in the CN only, X.509 v1, small RSA keys); a
    /// caller keeps libpq for such a server rather than fail every request.
    /// A server that cannot be reached says nothing about TLS: `None`.
    pub(crate) async fn refused_tls(&self) -> Option<String> {
        if self.first == SslMode::Disable && self.retry.is_none() {
            return None;
        }
        match self.open().await {
            Err(error) if tls_failed(&error) => Some(describe(&error)),
            _ => None,
        }
    }

    async fn attempt(
        &self,
        mode: SslMode,
    ) -> Result<(Client, PgConnection), tokio_postgres::Error> {
        let mut config = self.config.clone();
        config.ssl_mode(mode);
        config.connect(self.tls.clone()).await
    }
}

/// Takes `sslmode` and `sslrootcert` out of the URL: tokio-postgres knows
/// only some `sslmode` values and no `sslrootcert`. The other options stay
/// as written, since re-encoding turns a space into `+`, which tokio-postgres
/// reads as a plus sign.
fn split_ssl_options(url: &str) -> Result<(String, Option<String>, Option<String>), String> {
    let mut parsed = url::Url::parse(url).map_err(|error| error.to_string())?;
    let query = parsed.query().unwrap_or_default().to_owned();
    let (mut sslmode, mut rootcert, mut kept) = (None, None, Vec::new());
    for option in query.split('&').filter(|option| !option.is_empty()) {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match decode(key)?.as_str() {
            "sslmode" => sslmode = Some(decode(value)?),
            "sslrootcert" => rootcert = Some(decode(value)?),
            _ => kept.push(option),
        }
    }
    let kept = kept.join("&");
    parsed.set_query((!kept.is_empty()).then_some(kept.as_str()));
    Ok((parsed.into(), sslmode, rootcert))
}

/// As libpq decodes URL parts: `%XX` only, `+` stays a plus sign.
fn decode(text: &str) -> Result<String, String> {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8();
    decoded
        .map(Into::into)
        .map_err(|error| format!("{text}: {error}"))
}

fn is_socket(host: &Host) -> bool {
    // `Host::Unix` exists on Unix only.
    #[allow(unreachable_patterns)]
    !matches!(host, Host::Tcp(_))
}

/// The roots in a PEM file. A missing file means no checks unless the mode
/// demands them, as in libpq; any other fault keeps libpq, which fails too.
fn read_roots(path: &str, demanded: bool) -> Result<Option<Roots>, String> {
    let pem = match std::fs::read(path) {
        Ok(pem) => pem,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !demanded => return Ok(None),
        Err(error) => return Err(format!("cannot read root certificate file {path}: {error}")),
    };
    let mut roots = Roots {
        store: RootCertStore::empty(),
        files: Vec::new(),
    };
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|error| format!("bad PEM in {path}: {error}"))?;
        roots
            .store
            .add(cert.clone())
            .map_err(|error| format!("bad certificate in {path}: {error}"))?;
        roots.files.push(cert);
    }
    if roots.store.is_empty() {
        return Err(format!("no certificate in root certificate file {path}"));
    }
    Ok(Some(roots))
}

/// Trusted roots, and those a root file named (for a server certificate
/// that is itself the root: PostgreSQL's documented self-signed setup).
struct Roots {
    store: RootCertStore,
    files: Vec<CertificateDer<'static>>,
}

fn platform_roots() -> Result<Roots, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(found.certs);
    if store.is_empty() {
        return Err(format!("no platform root certificates: {:?}", found.errors));
    }
    Ok(Roots {
        store,
        files: Vec::new(),
    })
}

fn client_config(verify: Verify, roots: Option<Roots>) -> Result<ClientConfig, String> {
    // Its own provider, not the process default another crate may set.
    let provider = Arc::new(ring::default_provider());
    let (store, files) = match roots {
        Some(roots) => (Some(roots.store), roots.files),
        None => (None, Vec::new()),
    };
    let chain = store.map(|store| {
        WebPkiServerVerifier::builder_with_provider(store.into(), provider.clone()).build()
    });
    let check = ServerCheck {
        chain: chain.transpose().map_err(|error| error.to_string())?,
        root_files: files,
        verify,
        provider: provider.clone(),
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(check))
        .with_no_client_auth();
    // PostgreSQL 17 refuses direct TLS without it; older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

/// The error with its causes: tokio-postgres's own text omits them ("error
/// performing TLS handshake"), and they say which check failed.
fn describe(error: &tokio_postgres::Error) -> String {
    let causes = std::iter::successors(std::error::Error::source(error), |e| e.source());
    causes.fold(error.to_string(), |text, cause| format!("{text}: {cause}"))
}

/// libpq's retry: after the server's error during startup, or a TLS
/// failure (a rustls error, which tokio-rustls wraps in an `io::Error`).
fn libpq_retries(error: &tokio_postgres::Error) -> bool {
    error.as_db_error().is_some() || tls_failed(error)
}

/// Whether rustls refused the handshake (tokio-rustls wraps its error in an
/// `io::Error`).
fn tls_failed(error: &tokio_postgres::Error) -> bool {
    std::iter::successors(std::error::Error::source(error), |e| e.source()).any(|e| {
        e.is::<Error>()
            || e.downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .is_some_and(|inner| inner.is::<Error>())
    })
}

/// libpq's checks of the server's certificate. The handshake signature is
/// checked in every mode, so the server holds the key of what it presents.
#[derive(Debug)]
struct ServerCheck {
    /// None where libpq has no root file and takes any certificate.
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// The certificates of the root file, trusted as they are when the
    /// server presents one of them (webpki refuses a CA certificate as the
    /// server's own, where OpenSSL takes a self-signed one from the file).
    root_files: Vec<CertificateDer<'static>>,
    verify: Verify,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, name, ocsp, now) {
            // webpki checks the name last, once the chain is good.
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.verify != Verify::ChainAndName => Ok(ServerCertVerified::assertion()),
            Err(_) if self.verify == Verify::Chain && self.root_files.contains(end_entity) => {
                Ok(ServerCertVerified::assertion())
            }
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::{PgConnector, SslMode, Verify, split_ssl_options};

    /// A self-signed P-256 certificate, only ever parsed.
    const ROOT: &str = "-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIUGTMO/N2XVnVZ+ZqivXp9o2ZCbFAwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPcGd0bHMtdGVzdC1yb290MCAXDTI2MTIwNjAxNDQzMloYDzIx
MjYxMTEyMDE0NDMyWjAaMRgwFgYDVQQDDA9wZ3Rscy10ZXN0LXJvb3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQDyKbT6UraLWIRxFzp85i1N0k/iaKvwGXVZbJI
N+MdFwA2yk0Q5dW3ZfaszXDx/qMoLOmh/IjJnk93wHDZYqSyo1MwUTAdBgNVHQ4E
FgQULZQw6Ak9dgZDONY+Xsl5eBbke5MwHwYDVR0jBBgwFoAULZQw6Ak9dgZDONY+
Xsl5eBbke5MwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAw4Bo
ZaQXBVq2FVP667QHh0DuMnjd/j1peS1OqmRWMgQCIQDZnSt4X9QnvCOHzsF4JcHz
FJBqTNJrvOy5VRF4LIlepA==
-----END CERTIFICATE-----
";

    /// A directory of this test's own, holding `files`.
    fn directory(name: &str, files: &[(&str, &str)]) -> String {
        let dir = std::env::temp_dir().join(format!("pgtls-{}-{name}", std::process::id()));
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir.to_str().unwrap().to_owned()
    }

    /// With an empty environment but for `HOME`.
    fn connector(url: &str, home: &str) -> Result<PgConnector, String> {
        let home = home.to_owned();
        PgConnector::from_url_and_env(url, &move |name| (name == "HOME").then(|| home.clone()))
    }

    fn modes(url: &str) -> (SslMode, Option<SslMode>, Verify) {
        let c = connector(url, &directory("empty-home", &[])).unwrap();
        assert_eq!(c.config.get_ssl_mode(), c.first);
        (c.first, c.retry, c.verify)
    }

    #[test]
    fn each_sslmode_means_what_it_means_to_libpq() {
        let url = "postgres://u@db.example/app";
        let (disable, prefer, require) = (SslMode::Disable, SslMode::Prefer, SslMode::Require);
        let cases = [
            ("?sslmode=disable", (disable, None, Verify::Nothing)),
            ("?sslmode=allow", (disable, Some(require), Verify::Nothing)),
            ("?sslmode=prefer", (prefer, Some(disable), Verify::Nothing)),
            ("", (prefer, Some(disable), Verify::Nothing)),
            ("?sslmode=require", (require, None, Verify::Nothing)),
            ("?sslrootcert=system", (require, None, Verify::ChainAndName)),
        ];
        for (query, expected) in cases {
            assert_eq!(modes(&format!("{url}{query}")), expected, "{query}");
        }
    }

    #[test]
    fn verification_without_a_root_file_keeps_libpq_and_its_error() {
        for mode in ["verify-ca", "verify-full"] {
            let error = modes_error(&format!("postgres://u@db.example/app?sslmode={mode}"));
            assert!(error.contains("sslrootcert"), "{error}");
        }
    }

    #[test]
    fn a_url_without_a_host_keeps_libpq() {
        let error = modes_error("postgres:///app?sslmode=disable");
        assert!(error.contains("no host"), "{error}");
    }

    #[test]
    fn unknown_modes_are_refused() {
        let error = modes_error("postgres://u@db/app?sslmode=verify_full");
        assert!(
            error.contains("sslmode") && error.contains("verify_full"),
            "{error}"
        );
    }

    fn modes_error(url: &str) -> String {
        connector(url, &directory("empty-home", &[])).unwrap_err()
    }

    #[test]
    fn ssl_options_are_kept_from_tokio_postgres_and_the_rest_as_written() {
        let (url, mode, root) = split_ssl_options(
            "postgres://u@db/app?options=-c%20search_path%3Dauth&sslmode=verify-ca\
             &sslrootcert=%2Fetc%2Fa+b.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(
            url,
            "postgres://u@db/app?options=-c%20search_path%3Dauth&application_name=x"
        );
        assert_eq!(mode.as_deref(), Some("verify-ca"));
        assert_eq!(root.as_deref(), Some("/etc/a+b.pem"));
        let (url, ..) = split_ssl_options("postgres://u@db/app?sslmode=require").unwrap();
        assert_eq!(url, "postgres://u@db/app");
    }

    #[test]
    fn the_environment_stands_in_for_options_the_url_lacks() {
        let env = |name: &str| (name == "PGSSLMODE").then(|| "disable".to_owned());
        let from_env = PgConnector::from_url_and_env("postgres://u@db/app", &env).unwrap();
        assert_eq!((from_env.first, from_env.retry), (SslMode::Disable, None));
        let url = PgConnector::from_url_and_env("postgres://u@db/app?sslmode=require", &env);
        assert_eq!(url.unwrap().first, SslMode::Require);
    }

    #[test]
    fn a_root_file_makes_every_tls_mode_check_the_chain() {
        let dir = directory("root", &[("ca.pem", ROOT)]);
        for (mode, verify) in [
            ("allow", Verify::Chain),
            ("prefer", Verify::Chain),
            ("require", Verify::Chain),
            ("verify-ca", Verify::Chain),
            ("verify-full", Verify::ChainAndName),
        ] {
            let url = format!("postgres://u@db/app?sslmode={mode}&sslrootcert={dir}/ca.pem");
            assert_eq!(
                connector(&url, "/nowhere").unwrap().verify,
                verify,
                "{mode}"
            );
        }
        // libpq's default root file.
        let home = directory("home", &[(".postgresql/root.crt", ROOT)]);
        let require = connector("postgres://u@db/app?sslmode=require", &home).unwrap();
        assert_eq!(require.verify, Verify::Chain);
    }

    #[test]
    fn a_missing_root_file_matters_only_where_checks_are_demanded() {
        let require = connector(
            "postgres://u@db/app?sslmode=require&sslrootcert=/no/ca.pem",
            "/",
        );
        assert_eq!(require.unwrap().verify, Verify::Nothing);
        let error = modes_error("postgres://u@db/app?sslmode=verify-ca&sslrootcert=/no/ca.pem");
        assert!(error.contains("/no/ca.pem"), "{error}");
    }

    #[test]
    fn a_root_file_without_a_certificate_is_refused() {
        let dir = directory("no-cert", &[("ca.pem", "not a certificate\n")]);
        let error = modes_error(&format!("postgres://u@db/app?sslrootcert={dir}/ca.pem"));
        assert!(error.contains("no certificate"), "{error}");
    }

    #[test]
    fn a_client_certificate_libpq_would_send_keeps_libpq() {
        let home = directory("client-cert", &[(".postgresql/postgresql.crt", ROOT)]);
        assert!(connector("postgres://u@db/app", &home).is_err());
        assert!(connector("postgres://u@db/app?sslmode=disable", &home).is_ok());
    }

    #[test]
    fn system_roots_demand_verify_full() {
        let error = modes_error("postgres://u@db/app?sslmode=require&sslrootcert=system");
        assert!(error.contains("system"), "{error}");
    }

    #[test]
    fn sockets_never_use_tls_and_hosts_tokio_postgres_cannot_verify_keep_libpq() {
        let socket = "postgres://u@%2Fvar%2Frun%2Fpostgresql/app?sslmode=verify-full";
        assert_eq!(modes(socket), (SslMode::Disable, None, Verify::Nothing));
        let query_socket = "postgres:///app?host=/var/run/postgresql&sslmode=require";
        assert_eq!(modes(query_socket).0, SslMode::Disable);
        assert!(connector("postgres:///app?hostaddr=10.0.0.1&sslmode=require", "/").is_err());
        assert!(connector("postgres:///app?hostaddr=10.0.0.1&sslmode=disable", "/").is_ok());
        let direct = "postgres://u@db/app?sslnegotiation=direct";
        assert!(connector(direct, "/").is_err());
        assert!(connector(&format!("{direct}&sslmode=require"), "/").is_ok());
    }

    /// Against a PostgreSQL of the test's own that speaks only TLS, with a
    /// certificate for `localhost` signed by a CA the test made.
    #[cfg(feature = "testing")]
    mod against_a_tls_only_server {
        use super::super::PgConnector;
        use crate::throwaway_postgres::ThrowawayPostgres;

        fn server() -> Option<ThrowawayPostgres> {
            let server = ThrowawayPostgres::start_with_tls();
            if server.is_none() {
                let required = std::env::var("TOKENAUTH_REQUIRE_TLS_TEST").is_ok_and(|v| v == "1");
                let missing = "the TLS tests need PostgreSQL's initdb and pg_ctl (the postgresql server package)";
                assert!(!required, "{missing}");
                eprintln!("SKIPPED: {missing}");
            }
            server
        }

        /// Whether the connection `url` opens is encrypted, as the server sees it.
        async fn encrypted(url: &str) -> Result<bool, String> {
            let (client, connection) = PgConnector::from_url(url)?.connect().await?;
            tokio::spawn(connection);
            let row = client
                .query_one(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .await
                .map_err(|error| error.to_string())?;
            Ok(row.get(0))
        }

        #[tokio::test]
        async fn every_mode_that_can_reach_it_connects_encrypted() {
            let Some(pg) = server() else { return };
            let root = pg.certificates().unwrap().root.display().to_string();
            for url in [
                format!("{}?sslmode=allow", pg.url()),
                format!("{}?sslmode=prefer", pg.url()),
                pg.url(),
                format!("{}?sslmode=require", pg.url()),
                format!("{}?sslmode=verify-ca&sslrootcert={root}", pg.url()),
                format!(
                    "{}?sslmode=verify-full&sslrootcert={root}",
                    pg.url_on("localhost")
                ),
            ] {
                assert_eq!(encrypted(&url).await, Ok(true), "{url}");
            }
        }

        #[tokio::test]
        async fn disable_is_refused_by_a_server_that_wants_tls() {
            let Some(pg) = server() else { return };
            let refused = encrypted(&format!("{}?sslmode=disable", pg.url())).await;
            assert!(refused.unwrap_err().contains("pg_hba.conf"));
        }

        #[tokio::test]
        async fn verify_full_refuses_an_address_the_certificate_does_not_name() {
            let Some(pg) = server() else { return };
            let root = pg.certificates().unwrap().root.display().to_string();
            let url = format!("{}?sslmode=verify-full&sslrootcert={root}", pg.url());
            let error = encrypted(&url).await.unwrap_err();
            assert!(error.contains("not valid for name"), "{error}");
        }

        #[tokio::test]
        async fn verify_ca_refuses_a_root_that_did_not_sign_the_server() {
            let Some(pg) = server() else { return };
            let other = pg.certificates().unwrap().other_root.display().to_string();
            let url = format!("{}?sslmode=verify-ca&sslrootcert={other}", pg.url());
            let error = encrypted(&url).await.unwrap_err();
            assert!(error.contains("UnknownIssuer"), "{error}");
        }

        #[tokio::test]
        async fn a_self_signed_server_certificate_named_as_the_root_is_trusted() {
            let Some(pg) = ThrowawayPostgres::start_with_self_signed_tls() else {
                return;
            };
            let root = pg.certificates().unwrap().root.display().to_string();
            let url = format!("{}?sslmode=verify-ca&sslrootcert={root}", pg.url());
            assert_eq!(encrypted(&url).await, Ok(true));
        }

        #[tokio::test]
        async fn require_with_a_root_file_checks_the_chain_as_libpq_does() {
            let Some(pg) = server() else { return };
            let other = pg.certificates().unwrap().other_root.display().to_string();
            let url = format!("{}?sslmode=require&sslrootcert={other}", pg.url());
            let error = encrypted(&url).await.unwrap_err();
            assert!(error.contains("UnknownIssuer"), "{error}");
        }
    }
}
