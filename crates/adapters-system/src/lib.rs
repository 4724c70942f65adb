//! The production adapters of the ports that are not storage: bcrypt, the
//! system clock, the operating system's CSPRNG and Ed25519 signatures. The use cases know only
//! the ports; the binary wires these in.

mod bcrypt_hasher;
mod ed25519_signer;
mod os_token_generator;
mod system_clock;

pub use bcrypt_hasher::BcryptHasher;
pub use ed25519_signer::Ed25519Signer;
pub use os_token_generator::OsTokenGenerator;
pub use system_clock::SystemClock;
