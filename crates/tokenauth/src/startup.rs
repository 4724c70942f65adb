//! Opening the database and starting the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use tokenauth_adapters_db::{Database, DatabaseError};
use tokenauth_adapters_http::{BodyLimit, configure};

use crate::{Settings, wiring};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// host:port.
        address: String,
        /// The system's reason.
        source: std::io::Error,
    },
}

/// A server bound to its port, ready to be run.
pub struct Application {
    port: u16,
    server: Server,
    database: Database,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens the database (applying pending migrations), binds the listen
    /// address and builds the server. Nothing is served until [`Application::run`].
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let database = Database::open(&settings.database_settings())?;
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?
            .port();
        let services = Data::new(wiring::services(settings, &database));
        let body_limit = BodyLimit(settings.http.max_body_bytes);
        let mut server =
            HttpServer::new(move || App::new().configure(configure(services.clone(), body_limit)))
                .listen(listener)
                .map_err(|source| StartupError::Bind {
                    address: format!("port {port}"),
                    source,
                })?;
        if let Some(workers) = settings.server.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            database,
        })
    }

    /// The port bound (useful when the settings asked for 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the server uses.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
