use tokenauth_domain::Timestamp;

/// The current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC. MUST be truncated to whole microseconds
    /// ([`tokenauth_domain::truncate_to_micros`]) so stored values read back equal.
    fn now(&self) -> Timestamp;
}
