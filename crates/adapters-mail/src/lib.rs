//! Where tokenauth's messages go: the log (`mail.backend = "console"`, so
//! `make run` needs no mail server) or an SMTP server through lettre.

mod console_mailer;
mod smtp_mailer;

pub use console_mailer::ConsoleMailer;
pub use smtp_mailer::{SmtpConfigError, SmtpMailer, sender};
