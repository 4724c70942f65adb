//! A message to a user, as the outbox holds it until it is delivered.

use crate::Email;

crate::id::uuid_id!(
    /// The identity of a message in the outbox.
    MailId
);

/// One plain-text message to one address. Bodies of account messages carry
/// a key, so a message is never written to a log outside the console
/// backend, and its body is dropped from the outbox once delivered.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient.
    pub to: Email,
    /// The subject line.
    pub subject: String,
    /// The plain-text body; a link stands alone on its own line.
    pub body: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body may hold a key.
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// How many times delivery is tried, and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Tries before a message is given up (`mail.max_attempts`).
    pub max_attempts: u32,
}

impl DeliveryPolicy {
    /// The longest wait between two tries.
    pub const MAX_BACKOFF_SECONDS: i64 = 300;

    /// The wait after the `failures`-th failed try: 1 s, 2 s, 4 s ... up to
    /// five minutes, so a short outage costs seconds and a long one does not
    /// hammer the server. `None` once the tries are used up.
    pub fn retry_after(&self, failures: u32) -> Option<chrono::TimeDelta> {
        if failures >= self.max_attempts {
            return None;
        }
        let seconds = 1_i64
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(i64::MAX)
            .min(Self::MAX_BACKOFF_SECONDS);
        Some(chrono::TimeDelta::seconds(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes_then_gives_up() {
        let policy = DeliveryPolicy { max_attempts: 12 };
        let waits: Vec<i64> = (1..=11)
            .map(|n| policy.retry_after(n).unwrap().num_seconds())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(policy.retry_after(12), None);
    }

    #[test]
    fn debug_leaves_the_body_out() {
        let mail = Mail {
            to: Email::parse("ada@example.com").unwrap(),
            subject: "Reset".into(),
            body: "key 0123".into(),
        };
        assert!(!format!("{mail:?}").contains("0123"));
    }
}
