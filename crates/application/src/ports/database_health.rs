use super::RepositoryError;

/// How full the connection pool is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open (busy and idle).
    pub connections: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// The most the pool may open.
    pub max: u32,
}

/// Whether the database answers, for readiness checks and metrics.
pub trait DatabaseHealth: Send + Sync + 'static {
    /// Ok when the database answers a trivial query now. MUST give up within
    /// the configured connect timeout.
    fn ping(&self) -> Result<(), RepositoryError>;

    /// The pool's state now; never blocks.
    fn pool_state(&self) -> PoolState;
}
