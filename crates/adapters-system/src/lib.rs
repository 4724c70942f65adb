//! The production adapters of the ports that are not storage: bcrypt, the
//! system clock and the operating system's CSPRNG. The use cases know only
//! the ports; the binary wires these in.

mod bcrypt_hasher;
mod os_token_generator;
mod system_clock;

pub use bcrypt_hasher::BcryptHasher;
pub use os_token_generator::OsTokenGenerator;
pub use system_clock::SystemClock;
