//! `tokenauth`: serve the API or run an administrative command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokenauth::{Application, Settings, telemetry};
use tokenauth_adapters_db::Database;

/// Token authentication service.
///
/// Configuration: config/default.toml, then config/$TOKENAUTH_ENV.toml, then
/// TOKENAUTH__<SECTION>__<KEY> environment variables; DATABASE_URL overrides
/// database.url.
#[derive(Debug, Parser)]
#[command(name = "tokenauth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => return fail(format!("configuration: {error}")),
    };
    telemetry::init(settings.log.format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings),
        Command::Migrate => migrate(&settings),
    }
}

fn serve(settings: &Settings) -> ExitCode {
    actix_web::rt::System::new().block_on(async {
        let app = match Application::build(settings) {
            Ok(app) => app,
            Err(error) => return fail(error.to_string()),
        };
        tracing::info!(
            address = %format!("http://{}:{}", settings.server.host, app.port()),
            backend = ?app.database().backend(),
            "tokenauth is serving"
        );
        match app.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(format!("server stopped: {error}")),
        }
    })
}

fn migrate(settings: &Settings) -> ExitCode {
    match Database::migrate(&settings.database_settings()) {
        Ok(applied) if applied.is_empty() => {
            println!("No migrations to apply.");
            ExitCode::SUCCESS
        }
        Ok(applied) => {
            for version in applied {
                println!("Applied {version}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => fail(error.to_string()),
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("tokenauth: {message}");
    ExitCode::FAILURE
}
