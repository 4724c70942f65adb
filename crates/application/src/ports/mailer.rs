use tokenauth_domain::Mail;

/// Why a message could not be handed to the mail server. The text never
/// holds the message's body.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

/// Where messages go: the log (console) or an SMTP server.
pub trait Mailer: Send + Sync + 'static {
    /// Hands one message over, blocking until the server accepted or
    /// refused it.
    fn send(&self, mail: &Mail) -> Result<(), MailError>;
}
