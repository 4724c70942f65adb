//! The production implementations of the ports that are not storage:
//! bcrypt, the system clock and the operating system's CSPRNG.

use tokenauth_domain::{NewPassword, Password, PasswordHash, PasswordPolicy, Timestamp, TokenKey};

use crate::ports::{Clock, HashingError, PasswordHasher, RepositoryError, TokenGenerator};

/// bcrypt at a configured work factor, at most one hash per core at a time.
///
/// bcrypt is pure CPU. Unbounded, 128 concurrent logins on 2 cores would all
/// progress together and all finish after 128 hash-times: nobody is served
/// until everybody is. Bounded, they queue and finish at the machine's rate.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    slots: std::sync::Arc<Slots>,
}

/// A counting semaphore for blocking threads.
#[derive(Debug)]
struct Slots {
    free: std::sync::Mutex<usize>,
    released: std::sync::Condvar,
}

impl Slots {
    fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        {
            let mut free = self
                .free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while *free == 0 {
                free = self
                    .released
                    .wait(free)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *free -= 1;
        }
        let result = work();
        *self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.released.notify_one();
        result
    }
}

impl BcryptHasher {
    /// A hasher at `cost` (4 to 31; 12 is bcrypt's and the contract's default),
    /// running as many hashes at once as there are cores.
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self {
            cost,
            slots: std::sync::Arc::new(Slots {
                free: std::sync::Mutex::new(cores),
                released: std::sync::Condvar::new(),
            }),
        }
    }
}

impl PasswordHasher for BcryptHasher {
    fn hash(&self, password: &NewPassword) -> Result<PasswordHash, HashingError> {
        self.slots
            .run(|| bcrypt::hash(password.as_password().expose(), self.cost))
            .map(PasswordHash::new)
            .map_err(|error| HashingError(error.to_string()))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let matches = self
            .slots
            .run(|| bcrypt::verify(password.expose(), hash.as_str()))
            .unwrap_or(false);
        // bcrypt would compare only the first 72 bytes; a longer password
        // was never accepted, so it can never be the right one.
        matches && password.expose().len() <= PasswordPolicy::MAX_BYTES
    }
}

/// The system clock, cut to microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        tokenauth_domain::truncate_to_micros(chrono::Utc::now())
    }
}

/// Token keys from the operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsTokenGenerator;

impl TokenGenerator for OsTokenGenerator {
    fn generate(&self) -> Result<TokenKey, RepositoryError> {
        TokenKey::generate().map_err(|error| RepositoryError::Internal(error.to_string()))
    }
}
