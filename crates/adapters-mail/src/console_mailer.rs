use tokenauth_application::{MailError, Mailer};
use tokenauth_domain::Mail;

/// Writes each message to the log as one event (to, subject, body), so a
/// developer can follow a link without a mail server. The body holds keys:
/// this backend is for development only.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleMailer;

impl Mailer for ConsoleMailer {
    fn send(&self, mail: &Mail) -> Result<(), MailError> {
        tracing::info!(
            target: "tokenauth::mail",
            to = %mail.to,
            subject = %mail.subject,
            body = %mail.body,
            "mail (console backend)"
        );
        Ok(())
    }
}
