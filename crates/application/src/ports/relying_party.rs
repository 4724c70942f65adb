use tokenauth_domain::UserHandle;

/// A WebAuthn response that does not verify (challenge, origin, RP id,
/// signature, user verification, counter, malformed JSON): one refusal, as
/// the client is told one thing; the reason goes to the log.
#[derive(Debug, thiserror::Error)]
#[error("passkey response refused: {0}")]
pub struct PasskeyRefused(pub String);

/// A ceremony begun: what the browser gets and what the server keeps.
#[derive(Debug, Clone)]
pub struct CeremonyStart {
    /// `{"publicKey": {...}}`, WebAuthn Level 3 JSON, for the browser.
    pub options: String,
    /// The challenge, base64url, as `clientDataJSON` will echo it.
    pub challenge: String,
    /// The state to check the response against, kept until it comes.
    pub state: String,
}

/// A credential that verified at registration.
#[derive(Debug, Clone)]
pub struct RegisteredCredential {
    /// Its id (`rawId`).
    pub credential_id: Vec<u8>,
    /// What the relying party keeps of it.
    pub credential: String,
    /// Its signature counter.
    pub counter: u32,
}

/// A login response that verified.
#[derive(Debug, Clone)]
pub struct VerifiedAssertion {
    /// The credential as it is now (new counter, backup state).
    pub credential: String,
    /// The new signature counter.
    pub counter: u32,
}

/// The WebAuthn relying party: makes ceremonies' options and verifies the
/// browser's responses (`credential.toJSON()`, as JSON text). It knows the
/// RP id and the one expected origin; it stores nothing.
pub trait RelyingParty: Send + Sync + 'static {
    /// Creation options for `handle`'s user, named `email`, that exclude
    /// the credentials it has, requiring a discoverable credential and user
    /// verification.
    fn start_registration(
        &self,
        handle: &UserHandle,
        email: &str,
        excluded: &[Vec<u8>],
    ) -> Result<CeremonyStart, PasskeyRefused>;

    /// Checks a registration response against its ceremony's state.
    fn finish_registration(
        &self,
        response: &str,
        state: &str,
    ) -> Result<RegisteredCredential, PasskeyRefused>;

    /// Request options for a discoverable credential, user verification
    /// required.
    fn start_authentication(&self) -> Result<CeremonyStart, PasskeyRefused>;

    /// Checks a login response against its ceremony's state and the stored
    /// credential of `owner` (whose handle a sent `userHandle` must be).
    fn finish_authentication(
        &self,
        response: &str,
        state: &str,
        credential: &str,
        owner: &UserHandle,
    ) -> Result<VerifiedAssertion, PasskeyRefused>;

    /// The challenge a response answers (from its `clientDataJSON`), to find
    /// its ceremony; not yet verified.
    fn challenge_of(&self, response: &str) -> Option<String>;

    /// The credential id (`rawId`) a login response names; not yet verified.
    fn credential_id_of(&self, response: &str) -> Option<Vec<u8>>;
}
