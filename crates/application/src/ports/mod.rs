//! The traits through which use cases reach storage, hashing, time,
//! randomness, mail and signatures.
//!
//! Every port is `Send + Sync + 'static` so one instance serves all workers.

mod account_keys;
mod clock;
mod database_health;
mod jws_signer;
mod jwt_store;
mod mailer;
mod outbox;
mod passkeys;
mod password_hasher;
mod relying_party;
mod repository_error;
mod second_factors;
mod security_events;
mod signing_keys;
mod throttle_store;
mod token_generator;
mod token_lookup;
mod token_repository;
mod user_repository;
mod webhooks;

pub use account_keys::{
    AccountKeys, AccountRequest, DecideRequest, EmailChangeRequest, KeyMail, RequestDecision,
};
pub use clock::Clock;
pub use database_health::{DatabaseHealth, PoolState};
pub use jws_signer::{JwsSigner, LoadedKey};
pub use jwt_store::{JwtStore, JwtSubject, LoginGrant, RefreshRotation, RefreshState};
pub use mailer::{MailError, Mailer};
pub use outbox::{Outbox, QueuedMail};
pub use passkeys::{PasskeyUse, Passkeys};
pub use password_hasher::{HashingError, PasswordHasher};
pub use relying_party::{
    CeremonyStart, PasskeyRefused, RegisteredCredential, RelyingParty, VerifiedAssertion,
};
pub use repository_error::{RepositoryError, SaveUserError};
pub use second_factors::{ProofOutcome, SecondFactorStatus, SecondFactors, SecondStep};
pub use security_events::{EventPage, EventQuery, SecurityEvents};
pub use signing_keys::SigningKeyStore;
pub use throttle_store::{Admission, ThrottleFuture, ThrottleStore, ThrottleStoreError};
pub use token_generator::{KeyGenerationError, TokenGenerator};
pub use token_lookup::{LookupFuture, TokenLookup};
pub use token_repository::TokenRepository;
pub use user_repository::{AccountDeletion, UserPage, UserQuery, UserRepository};
pub use webhooks::{QueuedWebhook, WebhookOutbox, WebhookSender};
