//! The entities and rules of tokenauth.
//!
//! Every value type here has private fields and a fallible constructor, so an
//! invalid email, phone number, password or token cannot exist past the edge
//! that parsed it. Nothing in this crate performs I/O.

mod account_key;
mod email;
mod email_verification;
mod id;
mod identity;
mod invalid_value;
mod label;
mod mail;
mod passkey;
mod password;
mod password_hash;
mod password_policy;
mod person_name;
mod personal_token;
mod phone_number;
mod presented_token;
mod rate;
mod scope;
mod second_factor;
mod security_event;
mod signing_key;
mod token;
mod token_lifetime;
mod token_pair;
mod trimmed_text;
mod user;

pub use account_key::{AccountKey, AccountKeyId, EmailChange, KeyPurpose};
pub use email::{Email, EmailKey};
pub use email_verification::VerificationMode;
pub use identity::Identity;
pub use invalid_value::{InvalidValue, UserAttribute};
pub use label::Label;
pub use mail::{DeliveryPolicy, Mail, MailId};
pub use passkey::{Ceremony, CeremonyKind, Passkey, PasskeyId, PasskeyName, UserHandle};
pub use password::{NewPassword, Password};
pub use password_hash::PasswordHash;
pub use password_policy::{PasswordPolicy, UserAttributes};
pub use person_name::PersonName;
pub use personal_token::{TokenDays, TokenKind, TokenName};
pub use phone_number::PhoneNumber;
pub use presented_token::PresentedToken;
pub use rate::{InvalidRate, Rate};
pub use scope::{Scope, Scopes};
pub use second_factor::{
    MfaChallenge, RecoveryCode, SecondFactorProof, TotpFactor, TotpSecret, TotpStep,
};
pub use security_event::{
    DetailValue, EventId, EventKind, LoginFailure, LoginMethod, RequestOrigin, RevokedVia,
    SecurityEvent,
};
pub use signing_key::{IdentityClaims, JwtId, KeyId, SigningKey, SigningSecret};
pub use token::{AuthToken, IssuedToken, TokenDigest, TokenId, TokenKey};
pub use token_lifetime::TokenLifetime;
pub use token_pair::{PairClaims, PairJwtId, PairTokenType, RefreshJwt};
pub use user::{NewUser, User, UserChanges, UserId};

/// Timestamps are UTC and carried at microsecond precision, PostgreSQL's, so a
/// value read back from either database equals the one that was written.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Cuts a timestamp to whole microseconds (see [`Timestamp`]).
pub fn truncate_to_micros(at: Timestamp) -> Timestamp {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}
