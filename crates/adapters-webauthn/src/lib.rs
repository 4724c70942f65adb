//! The WebAuthn relying party behind passkeys, on `webauthn-rs-core`: it
//! makes the Level 3 JSON options and verifies browsers' responses. The
//! ceremonies' state is handed to the caller as JSON, so it can live in the
//! database every process shares.

mod relying_party;

pub use relying_party::{RelyingPartyConfigError, WebauthnRelyingParty};
