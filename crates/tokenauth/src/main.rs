//! `tokenauth`: serve the API or run an administrative command.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokenauth::{Application, Settings, commands, telemetry};
use tokenauth_adapters_db::Database;
use tokenauth_domain::Password;

/// The environment variable that gives createsuperuser and changepassword their password.
const PASSWORD_VARIABLE: &str = "TOKENAUTH_SUPERUSER_PASSWORD";

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
    /// Delete expired tokens and exit (the server also does this periodically).
    #[command(name = "prunetokens")]
    PruneTokens,
    /// Create a user with staff and superuser status.
    ///
    /// The password comes from TOKENAUTH_SUPERUSER_PASSWORD or, in a terminal,
    /// from a prompt that does not echo (asked twice). The signup rules apply.
    #[command(name = "createsuperuser")]
    CreateSuperuser {
        /// The superuser's email (its login).
        #[arg(long)]
        email: String,
        /// The superuser's phone number: an optional + then digits.
        #[arg(long)]
        phonenumber: String,
    },
    /// Set a user's password and revoke all of its tokens.
    ///
    /// The password comes from TOKENAUTH_SUPERUSER_PASSWORD or, in a terminal,
    /// from a prompt that does not echo (asked twice). The signup rules apply.
    #[command(name = "changepassword")]
    ChangePassword {
        /// The user's email.
        email: String,
    },
    /// Remove a user's TOTP and recovery codes (a lost phone); its tokens
    /// stay valid.
    #[command(name = "resetmfa")]
    ResetMfa {
        /// The user's email.
        email: String,
    },
    /// Start a new JWT signing key. The previous one stays in
    /// /.well-known/jwks.json until every JWT it signed has expired; running
    /// servers sign with the new one within seconds.
    #[command(name = "rotatekeys")]
    RotateKeys,
    /// Send one test message through the configured mail backend, at once.
    ///
    /// Exits 0 once the backend (the log, or the SMTP server of
    /// mail.smtp_url) accepted it; otherwise says why.
    #[command(name = "sendtestmail")]
    SendTestMail {
        /// Where to send it.
        address: String,
    },
}

fn main() -> ExitCode {
    // One line, never a backtrace, even if something breaks inside.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("tokenauth: internal error: {info}")
    }));
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => return fail(format!("configuration: {error}")),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // A server reports what it does; a one-shot command speaks only of trouble.
    // sendtestmail's console backend writes the message at info.
    let level = if matches!(command, Command::Serve | Command::SendTestMail { .. }) {
        "info"
    } else {
        "warn"
    };
    // Traces are a server's: a one-shot command has no requests to show.
    let otlp_endpoint = match command {
        Command::Serve => settings.telemetry.otlp_endpoint.as_str(),
        _ => "",
    };
    let _telemetry = match telemetry::init(settings.log.format, level, otlp_endpoint) {
        Ok(telemetry) => telemetry,
        Err(error) => return fail(error.to_string()),
    };
    match command {
        Command::Serve => serve(&settings),
        Command::Migrate => migrate(&settings),
        Command::PruneTokens => prune_tokens(&settings),
        Command::CreateSuperuser { email, phonenumber } => {
            let password = match read_password() {
                Ok(password) => password,
                Err(message) => return fail(message),
            };
            match commands::create_superuser(&settings, &email, &phonenumber, password) {
                Ok(user) => {
                    println!("Superuser {} created.", user.email.as_str());
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error.to_string()),
            }
        }
        Command::SendTestMail { address } => match commands::send_test_mail(&settings, &address) {
            Ok(()) => {
                println!("Test message delivered to {address}.");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error.to_string()),
        },
        Command::ResetMfa { email } => match commands::reset_mfa(&settings, &email) {
            Ok(true) => {
                println!("Two-factor authentication removed for user {email}.");
                ExitCode::SUCCESS
            }
            Ok(false) => {
                println!("User {email} had no two-factor authentication.");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error.to_string()),
        },
        Command::RotateKeys => match commands::rotate_keys(&settings) {
            Ok(rotation) => {
                match rotation.retired {
                    Some(retired) => println!(
                        "New signing key {}; {retired} is retired and stays published until its JWTs have expired.",
                        rotation.signing
                    ),
                    None => println!("New signing key {}.", rotation.signing),
                }
                ExitCode::SUCCESS
            }
            Err(error) => fail(error.to_string()),
        },
        Command::ChangePassword { email } => {
            let password = match read_password() {
                Ok(password) => password,
                Err(message) => return fail(message),
            };
            match commands::change_password(&settings, &email, password) {
                Ok(user) => {
                    println!(
                        "Password changed successfully for user {}.",
                        user.email.as_str()
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error.to_string()),
            }
        }
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

fn prune_tokens(settings: &Settings) -> ExitCode {
    let database = match Database::open(&settings.database_settings()) {
        Ok(database) => database,
        Err(error) => return fail(error.to_string()),
    };
    match tokenauth::wiring::prune_tokens(&database).execute() {
        Ok(deleted) => {
            println!("Deleted {deleted} expired tokens.");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error.to_string()),
    }
}

/// The password from the environment, or asked twice without echo.
fn read_password() -> Result<Password, String> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE)
        && !password.is_empty()
    {
        return Ok(Password::new(password));
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "no password: set {PASSWORD_VARIABLE} or run this command in a terminal"
        ));
    }
    for _ in 0..3 {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("Password (again): ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if first == again {
            return Ok(Password::new(first));
        }
        eprintln!("Error: Your passwords didn't match.");
    }
    Err("the passwords did not match".into())
}

/// Prints one line on stderr and gives the failing exit code.
fn fail(message: String) -> ExitCode {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("tokenauth: {one_line}");
    ExitCode::FAILURE
}
