//! Passkeys: registering, listing and deleting them (the signed-in user),
//! and logging in with one, with no password and no second step.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{
    Ceremony, CeremonyKind, EventKind, LoginFailure, LoginMethod, Passkey, PasskeyId, PasskeyName,
    RequestOrigin, SecurityEvent, User, UserHandle, UserId,
};

use crate::change_password::check_password;
use crate::login::{LoginError, LoginSuccess, TokenPolicy, login_succeeded, session_token};
use crate::ports::{
    Clock, KeyGenerationError, LoginGrant, PasskeyUse, Passkeys, PasswordHasher, ProofOutcome,
    RelyingParty, RepositoryError, SecurityEvents, TokenGenerator, UserRepository,
    VerifiedAssertion,
};
use crate::validation::{FieldError, ValidationErrors};
use crate::{Authenticated, FieldValue};

/// How long a ceremony waits for the browser's answer (the options'
/// `timeout` says the same).
const CEREMONY_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// A `credential` field as sent: a WebAuthn response is a JSON object,
/// kept as its JSON text for the relying party.
#[derive(Debug, Clone, Default)]
pub enum CredentialField {
    /// Not sent.
    #[default]
    Missing,
    /// Sent as `null`.
    Null,
    /// The response, as JSON text.
    Json(String),
}

impl CredentialField {
    /// The response's JSON text, or why the field is refused.
    fn required(&self, errors: &mut ValidationErrors) -> Option<&str> {
        match self {
            Self::Missing => {
                errors.add("credential", vec![FieldError::Required]);
                None
            }
            Self::Null => {
                errors.add("credential", vec![FieldError::Null]);
                None
            }
            Self::Json(json) => Some(json),
        }
    }
}

/// What the signed-in user sends to register a passkey.
#[derive(Debug, Clone, Default)]
pub struct PasskeyInput {
    /// What to call it.
    pub name: FieldValue,
    /// The browser's registration response.
    pub credential: CredentialField,
}

/// Why a passkey change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// Field errors, a wrong password, or a response that does not verify
    /// (under `credential`).
    #[error("invalid passkey request")]
    Invalid(ValidationErrors),
    /// No passkey of the user has that id.
    #[error("Not found.")]
    NotFound,
    /// No randomness for the user's handle.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// Why a passkey login was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyLoginError {
    /// `credential` missing or null.
    #[error("invalid passkey login")]
    Invalid(ValidationErrors),
    /// Refused as a login is: the passkey, or the rules after it.
    #[error(transparent)]
    Refused(LoginError),
}

impl<E: Into<LoginError>> From<E> for PasskeyLoginError {
    fn from(error: E) -> Self {
        Self::Refused(error.into())
    }
}

/// The account a refused passkey login named, for its event.
#[derive(Debug)]
struct Account {
    id: UserId,
    email: String,
}

impl Account {
    fn of(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
        }
    }
}

/// What both passkey use cases reach.
pub struct PasskeyPorts {
    /// Passkeys, handles and ceremonies.
    pub passkeys: Arc<dyn Passkeys>,
    /// Options and verification.
    pub relying_party: Arc<dyn RelyingParty>,
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Checks the password before a registration.
    pub hasher: Arc<dyn PasswordHasher>,
    /// User handles and token keys.
    pub generator: Arc<dyn TokenGenerator>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Where refused logins are recorded.
    pub events: Arc<dyn SecurityEvents>,
}

impl std::fmt::Debug for PasskeyPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyPorts").finish_non_exhaustive()
    }
}

/// The passkey use cases: registration and its management, and login.
#[derive(Debug)]
pub struct PasskeyAccess {
    ports: PasskeyPorts,
    policy: TokenPolicy,
}

impl PasskeyAccess {
    /// Builds the use cases over their ports; logins issue tokens by `policy`.
    pub fn new(ports: PasskeyPorts, policy: TokenPolicy) -> Self {
        Self { ports, policy }
    }

    /// Creation options for a new passkey of the signed-in user, once its
    /// password matched; the challenge waits five minutes.
    pub fn registration_options(
        &self,
        session: &Authenticated,
        password: &FieldValue,
    ) -> Result<String, PasskeyError> {
        let user = &session.user;
        let mut errors = ValidationErrors::default();
        if !check_password(
            self.ports.hasher.as_ref(),
            &mut errors,
            "password",
            password,
            user,
        ) {
            return Err(PasskeyError::Invalid(errors));
        }
        let handle = self.user_handle(user.id)?;
        let excluded: Vec<Vec<u8>> = self
            .ports
            .passkeys
            .list(user.id)?
            .into_iter()
            .map(|passkey| passkey.credential_id)
            .collect();
        let start = self
            .ports
            .relying_party
            .start_registration(&handle, user.email.as_str(), &excluded)
            .map_err(|refused| RepositoryError::Internal(refused.to_string()))?;
        let now = self.ports.clock.now();
        let ceremony = Ceremony {
            challenge: start.challenge,
            kind: CeremonyKind::Registration,
            user_id: Some(user.id),
            state: start.state,
            expires: now + CEREMONY_LIFETIME,
        };
        self.ports.passkeys.open_ceremony(&ceremony, now)?;
        Ok(start.options)
    }

    /// Registers the passkey of a registration response. Field errors
    /// first (`name`, `credential`); a response that does not verify
    /// against a ceremony of this user, or whose credential is registered
    /// already, is refused under `credential`.
    pub fn register(
        &self,
        session: &Authenticated,
        input: &PasskeyInput,
        origin: &RequestOrigin,
    ) -> Result<Passkey, PasskeyError> {
        let user = session.user.id;
        let mut errors = ValidationErrors::default();
        let name = errors.parse("name", &input.name, true, PasskeyName::parse);
        let response = input.credential.required(&mut errors);
        let (Some(name), Some(response)) = (name, response) else {
            return Err(PasskeyError::Invalid(errors));
        };
        let refused = || {
            PasskeyError::Invalid(ValidationErrors::single(
                "credential",
                FieldError::InvalidPasskeyResponse,
            ))
        };
        let now = self.ports.clock.now();
        let rp = &self.ports.relying_party;
        let challenge = rp.challenge_of(response).ok_or_else(refused)?;
        let ceremony = self
            .ports
            .passkeys
            .take_ceremony(&challenge, CeremonyKind::Registration, now)?
            .filter(|ceremony| ceremony.user_id == Some(user))
            .ok_or_else(refused)?;
        let registered = rp
            .finish_registration(response, &ceremony.state)
            .map_err(|refusal| {
                tracing::info!(%refusal, "passkey registration refused");
                refused()
            })?;
        let passkey = Passkey {
            id: PasskeyId::new_random(),
            user_id: user,
            name,
            credential_id: registered.credential_id,
            credential: registered.credential,
            counter: registered.counter,
            created: now,
            last_used: None,
        };
        let added = EventKind::PasskeyAdded {
            name: passkey.name.as_str().to_owned(),
        };
        let event =
            SecurityEvent::new(added, Some(user), origin, now).with_token(session.token_id());
        if self.ports.passkeys.add(&passkey, &[event])? {
            Ok(passkey)
        } else {
            Err(refused())
        }
    }

    /// The signed-in user's passkeys, newest first.
    pub fn list(&self, session: &Authenticated) -> Result<Vec<Passkey>, RepositoryError> {
        self.ports.passkeys.list(session.user.id)
    }

    /// Deletes one of the signed-in user's passkeys.
    pub fn delete(
        &self,
        session: &Authenticated,
        id: &str,
        origin: &RequestOrigin,
    ) -> Result<(), PasskeyError> {
        let id = PasskeyId::parse(id).ok_or(PasskeyError::NotFound)?;
        let user = session.user.id;
        let now = self.ports.clock.now();
        // The event names the passkey the delete removed, written with it.
        let removed = |passkey: &Passkey| {
            let kind = EventKind::PasskeyRemoved {
                name: passkey.name.as_str().to_owned(),
            };
            SecurityEvent::new(kind, Some(user), origin, now).with_token(session.token_id())
        };
        if self.ports.passkeys.delete(user, id, &removed)? {
            Ok(())
        } else {
            Err(PasskeyError::NotFound)
        }
    }

    /// Request options for a passwordless login; the challenge waits five
    /// minutes.
    pub fn login_options(&self) -> Result<String, RepositoryError> {
        let start = self
            .ports
            .relying_party
            .start_authentication()
            .map_err(|refused| RepositoryError::Internal(refused.to_string()))?;
        let now = self.ports.clock.now();
        let ceremony = Ceremony {
            challenge: start.challenge,
            kind: CeremonyKind::Authentication,
            user_id: None,
            state: start.state,
            expires: now + CEREMONY_LIFETIME,
        };
        self.ports.passkeys.open_ceremony(&ceremony, now)?;
        Ok(start.options)
    }

    /// Logs in with a passkey's authentication response: 200 as a login,
    /// or refused as one (`Invalid passkey.` for anything about the passkey;
    /// then the rules that follow a matched password). Every refusal is
    /// recorded.
    pub fn login(
        &self,
        credential: &CredentialField,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, PasskeyLoginError> {
        let mut errors = ValidationErrors::default();
        let Some(response) = credential.required(&mut errors) else {
            return Err(PasskeyLoginError::Invalid(errors));
        };
        match self.check(response) {
            Ok((user, passkey, verified)) => self.issue(user, &passkey, &verified, origin),
            Err((error, account)) => {
                if let Some(reason) = error.failure() {
                    self.record_failure(reason, account.as_ref(), origin)?;
                }
                Err(error.into())
            }
        }
    }

    /// The account and passkey a login response proves, or why not (with
    /// the account when the passkey named one).
    fn check(
        &self,
        response: &str,
    ) -> Result<(User, Passkey, VerifiedAssertion), (LoginError, Option<Account>)> {
        let refused = |user: Option<Account>| (LoginError::InvalidPasskey, user);
        let storage = |error: RepositoryError| (LoginError::Storage(error), None);
        let now = self.ports.clock.now();
        let rp = &self.ports.relying_party;
        let challenge = rp.challenge_of(response).ok_or_else(|| refused(None))?;
        let ceremony = self
            .ports
            .passkeys
            .take_ceremony(&challenge, CeremonyKind::Authentication, now)
            .map_err(storage)?
            .ok_or_else(|| refused(None))?;
        let credential_id = rp.credential_id_of(response).ok_or_else(|| refused(None))?;
        let (passkey, handle) = self
            .ports
            .passkeys
            .find_by_credential(&credential_id)
            .map_err(storage)?
            .ok_or_else(|| refused(None))?;
        let user = self
            .ports
            .users
            .find_by_id(passkey.user_id)
            .map_err(storage)?
            .ok_or_else(|| refused(None))?;
        let verified =
            match rp.finish_authentication(response, &ceremony.state, &passkey.credential, &handle)
            {
                Ok(verified) => verified,
                Err(refusal) => {
                    tracing::info!(%refusal, "passkey login refused");
                    return Err(refused(Some(Account::of(&user))));
                }
            };
        if !user.is_active {
            return Err((LoginError::InvalidCredentials, Some(Account::of(&user))));
        }
        if self.policy.verification.blocks_login() && !user.email_verified {
            return Err((LoginError::EmailNotVerified, Some(Account::of(&user))));
        }
        Ok((user, passkey, verified))
    }

    fn issue(
        &self,
        mut user: User,
        passkey: &Passkey,
        verified: &VerifiedAssertion,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, PasskeyLoginError> {
        let now = self.ports.clock.now();
        let issued = session_token(
            self.ports.generator.as_ref(),
            self.policy.lifetime,
            user.id,
            origin,
            now,
        )?;
        let used = PasskeyUse {
            passkey,
            credential: &verified.credential,
            counter: verified.counter,
            token: &issued.token,
            keep: self.policy.tokens_per_user,
        };
        let grant = LoginGrant::Session {
            token: &issued.token,
            keep: self.policy.tokens_per_user,
        };
        let event = login_succeeded(LoginMethod::Passkey, &grant, origin, now);
        match self.ports.passkeys.complete_login(&used, now, &[event])? {
            ProofOutcome::Done => {
                user.last_login = Some(now);
                Ok(LoginSuccess { user, issued })
            }
            // Another login with this passkey moved its counter meanwhile:
            // two authenticators share one key.
            ProofOutcome::ProofRefused => {
                self.record_failure(LoginFailure::Passkey, Some(&Account::of(&user)), origin)?;
                Err(LoginError::InvalidPasskey.into())
            }
            ProofOutcome::Gone => Err(LoginError::InvalidCredentials.into()),
        }
    }

    fn record_failure(
        &self,
        reason: LoginFailure,
        account: Option<&Account>,
        origin: &RequestOrigin,
    ) -> Result<(), RepositoryError> {
        let kind = EventKind::LoginFailed {
            reason,
            email: account.map(|account| account.email.clone()),
        };
        let event = SecurityEvent::new(
            kind,
            account.map(|account| account.id),
            origin,
            self.ports.clock.now(),
        );
        self.ports.events.record(&event)
    }

    fn user_handle(&self, user: UserId) -> Result<UserHandle, PasskeyError> {
        let mut bytes = vec![0u8; UserHandle::BYTES];
        self.ports.generator.fill(&mut bytes)?;
        Ok(self
            .ports
            .passkeys
            .user_handle(user, UserHandle::from_bytes(bytes))?)
    }
}
