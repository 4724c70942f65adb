use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use tokenauth_application::{MailError, Mailer};
use tokenauth_domain::Mail;
use url::Url;

/// Why `mail.smtp_url` or `mail.from` cannot be used. Never holds the
/// password.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    /// Not a URL, or not `smtp://` / `smtps://` with a host.
    #[error(
        "mail.smtp_url must be smtp://[user:password@]host[:port][?tls=required] or smtps://...: {0}"
    )]
    Url(String),
    /// `mail.from` is not an address (`Name <address>` or `address`).
    #[error("mail.from is not a mail address: {0}")]
    From(String),
    /// The TLS settings could not be built for the host.
    #[error("TLS for the SMTP host: {0}")]
    Tls(String),
}

/// Sends through an SMTP server, one connection per message (messages are
/// rare, and a fresh connection never trips over one the server dropped).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// `mail.from` as a mailbox (`Name <address>` or `address`): checked at
/// start whichever backend is chosen, so a switch to SMTP holds no surprise.
pub fn sender(from: &str) -> Result<Mailbox, SmtpConfigError> {
    from.parse::<Mailbox>()
        .map_err(|e| SmtpConfigError::From(e.to_string()))
}

/// How long one SMTP exchange may take before it counts as a failure.
const TIMEOUT: Duration = Duration::from_secs(30);

impl SmtpMailer {
    /// A mailer for `smtp_url`, as the contract reads it: `smtps://` speaks
    /// TLS from the start; `smtp://...?tls=required` must upgrade with
    /// STARTTLS; plain `smtp://` upgrades when the server offers it, except
    /// on a loopback host, which is spoken to in clear. Credentials are never
    /// sent in clear to a host that is not loopback: with them, STARTTLS is
    /// required there.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, SmtpConfigError> {
        let url = Url::parse(smtp_url).map_err(|e| SmtpConfigError::Url(e.to_string()))?;
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| SmtpConfigError::Url("no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let implicit_tls = match url.scheme() {
            "smtps" => true,
            "smtp" => false,
            other => return Err(SmtpConfigError::Url(format!("unknown scheme {other:?}"))),
        };
        let tls_required = url
            .query_pairs()
            .any(|(key, value)| key == "tls" && value == "required");
        let credentials = (!url.username().is_empty()).then(|| {
            Credentials::new(
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        let loopback = is_loopback(&host);
        let parameters =
            || TlsParameters::new(host.clone()).map_err(|e| SmtpConfigError::Tls(e.to_string()));
        let tls = if implicit_tls {
            Tls::Wrapper(parameters()?)
        } else if tls_required || (credentials.is_some() && !loopback) {
            Tls::Required(parameters()?)
        } else if loopback {
            Tls::None
        } else {
            Tls::Opportunistic(parameters()?)
        };
        let port = url.port().unwrap_or(if implicit_tls { 465 } else { 587 });
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        let from = sender(from)?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to = mail
            .to
            .as_str()
            .parse::<Mailbox>()
            .map_err(|e| MailError(format!("recipient not accepted: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(readable_body(&mail.body))
            .map_err(|e| MailError(format!("message not built: {e}")))?;
        self.transport
            .send(&message)
            .map(drop)
            .map_err(|e| MailError(format!("SMTP: {e}")))
    }
}

/// The body sent as it is written (8bit) when lettre's line limits allow,
/// otherwise quoted-printable (which clients decode back to the same lines).
fn readable_body(text: &str) -> Body {
    // SMTP lines end in CRLF; lettre would encode a bare LF as =0A.
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    Body::new_with_encoding(text, ContentTransferEncoding::EightBit).unwrap_or_else(Body::new)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// URL user info is percent-encoded.
fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_are_not_smtp_are_refused() {
        for url in ["http://mail.example.com", "smtp://", "not a url"] {
            assert!(SmtpMailer::new(url, "a@example.com").is_err(), "{url}");
        }
    }

    #[test]
    fn the_sender_must_be_an_address() {
        assert!(matches!(
            SmtpMailer::new("smtp://127.0.0.1:2525", "nobody"),
            Err(SmtpConfigError::From(_))
        ));
        assert!(SmtpMailer::new("smtp://127.0.0.1:2525", "tokenauth <noreply@localhost>").is_ok());
    }

    #[test]
    fn loopback_hosts_are_told_apart() {
        assert!(is_loopback("localhost") && is_loopback("127.0.0.1") && is_loopback("::1"));
        assert!(!is_loopback("mail.example.com") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn a_plain_body_is_sent_as_written_with_crlf_lines() {
        let body = readable_body("Open this link:\n\nhttps://x.test/reset-password?token=abc\n");
        assert_eq!(body.encoding(), ContentTransferEncoding::EightBit);
        assert!(
            String::from_utf8_lossy(body.as_ref())
                .contains("\r\nhttps://x.test/reset-password?token=abc\r\n")
        );
    }

    #[test]
    fn percent_encoded_credentials_are_decoded() {
        assert_eq!(decode("p%40ss%2Fword"), "p@ss/word");
    }
}
