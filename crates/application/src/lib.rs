//! tokenauth's use cases and the ports they need.
//!
//! Each use case is a struct holding the ports it uses, with one `execute`
//! method (or a few, for a resource), its own input and output, and its own
//! error enum whose messages are the contract's where a client sees them.
//! Use cases are synchronous, and the HTTP edge runs each one off its async
//! workers in one closure that holds the database work and the hashing; all
//! but one: [`Authenticate`], the hot path of every protected request, is
//! async over the async [`TokenLookup`] port, so a lookup is awaited on the
//! worker that serves the request. The ports' production adapters live in adapter crates; this
//! crate depends on no database, hashing or HTTP library.

pub mod account_mail;
pub mod admin_users;
pub mod authenticate;
pub mod change_email;
pub mod change_password;
pub mod delete_account;
pub mod deliver_mail;
pub mod deliver_webhooks;
pub mod event_log;
pub mod gateway_identity;
pub mod input;
pub mod login;
pub mod logout;
pub mod passkeys;
pub mod password_reset;
pub mod personal_tokens;
pub mod ports;
pub mod prune_mail;
pub mod prune_tokens;
pub mod revoke_token;
pub mod second_factor;
pub mod sessions;
pub mod signing_keys;
pub mod signup;
pub mod token_pairs;
pub mod update_profile;
pub mod validation;
pub mod verify_email;

pub use account_mail::{AccountMail, AccountMailSettings};
pub use admin_users::{AdminError, AdminUsers, PageRequest, UserUpdateInput};
pub use authenticate::{Authenticate, AuthenticateError, Authenticated, Credential, Introspected};
pub use change_email::{ChangeEmail, ChangeEmailError, EmailChangeInput};
pub use change_password::{ChangePassword, ChangePasswordError, ChangePasswordInput};
pub use delete_account::{DeleteAccount, DeleteAccountError};
pub use deliver_mail::{DeliverMail, DeliveryOutcome};
pub use deliver_webhooks::{DeliverWebhooks, WebhookPass};
pub use event_log::{EventFilters, EventLog};
pub use gateway_identity::{GatewayIdentity, GatewayJwtError, GatewayJwtPolicy};
pub use input::{FieldValue, ListValue};
pub use login::{
    Login, LoginError, LoginInput, LoginPorts, LoginSuccess, SecondStepError, SecondStepInput,
    TokenPolicy,
};
pub use logout::{Logout, LogoutAll};
pub use passkeys::{
    CredentialField, PasskeyAccess, PasskeyError, PasskeyInput, PasskeyLoginError, PasskeyPorts,
};
pub use password_reset::{PasswordReset, PasswordResetError, ResetConfirmInput};
pub use personal_tokens::{CreateTokenError, PersonalTokenInput, PersonalTokens};
pub use ports::{
    AccountDeletion, AccountKeys, AccountRequest, Admission, CeremonyStart, Clock, DatabaseHealth,
    DecideRequest, EmailChangeRequest, EventPage, EventQuery, HashingError, JwsSigner, JwtStore,
    JwtSubject, KeyGenerationError, KeyMail, LoadedKey, LoginGrant, LookupFuture, MailError,
    Mailer, Outbox, PasskeyRefused, PasskeyUse, Passkeys, PasswordHasher, PoolState, ProofOutcome,
    QueuedMail, QueuedWebhook, RefreshRotation, RefreshState, RegisteredCredential, RelyingParty,
    RepositoryError, RequestDecision, SaveUserError, SecondFactorStatus, SecondFactors, SecondStep,
    SecurityEvents, SigningKeyStore, ThrottleFuture, ThrottleStore, ThrottleStoreError,
    TokenGenerator, TokenLookup, TokenRepository, UserPage, UserQuery, UserRepository,
    VerifiedAssertion, WebhookOutbox, WebhookSender,
};
pub use prune_mail::{PruneMail, PrunedMail};
pub use prune_tokens::PruneTokens;
pub use revoke_token::RevokeToken;
pub use second_factor::{SecondFactor, SecondFactorError, TotpSetup};
pub use sessions::{EndSessionError, Session, Sessions};
pub use signing_keys::{PublicKey, Rotation, SigningKeyError, SigningKeys};
pub use signup::{Privileges, Signup, SignupError, SignupInput};
pub use token_pairs::{IssuedPair, PairError, PairPolicy, TokenPair, TokenPairs};
pub use update_profile::{ProfileInput, UpdateProfile, UpdateProfileError};
pub use validation::{FieldError, ValidationErrors};
pub use verify_email::{VerifyEmail, VerifyEmailError};
