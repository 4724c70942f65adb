//! Deleting what account mail leaves behind: spent keys and the rows of
//! messages already delivered or given up, so neither table only grows.

use std::sync::Arc;

use crate::ports::{AccountKeys, Clock, Outbox, RepositoryError};

/// What one pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrunedMail {
    /// Keys used or expired.
    pub keys: usize,
    /// Outbox rows of messages sent or given up.
    pub messages: usize,
}

/// Deletes spent account keys and finished outbox rows.
pub struct PruneMail {
    keys: Arc<dyn AccountKeys>,
    outbox: Arc<dyn Outbox>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PruneMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PruneMail")
    }
}

impl PruneMail {
    /// Builds the use case over its ports.
    pub fn new(keys: Arc<dyn AccountKeys>, outbox: Arc<dyn Outbox>, clock: Arc<dyn Clock>) -> Self {
        Self {
            keys,
            outbox,
            clock,
        }
    }

    /// Deletes what can no longer be used; returns how much.
    pub fn execute(&self) -> Result<PrunedMail, RepositoryError> {
        Ok(PrunedMail {
            keys: self.keys.delete_spent(self.clock.now())?,
            messages: self.outbox.delete_finished()?,
        })
    }
}
