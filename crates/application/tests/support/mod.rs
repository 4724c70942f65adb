//! In-memory fakes of the ports, faithful to their written contracts.
#![allow(dead_code)]

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, TimeZone, Utc};
use tokenauth_application::ports::{
    AccountDeletion, Clock, EventPage, EventQuery, HashingError, JwtStore, JwtSubject,
    KeyGenerationError, LookupFuture, PasswordHasher, ProofOutcome, RefreshRotation, RefreshState,
    RepositoryError, SaveUserError, SecondFactorStatus, SecondFactors, SecondStep, SecurityEvents,
    TokenGenerator, TokenLookup, TokenRepository, UserPage, UserQuery, UserRepository,
};
use tokenauth_application::{
    AdminUsers, Authenticate, Authenticated, ChangePassword, DeleteAccount, FieldValue, Login,
    LoginInput, LoginPorts, Privileges, Sessions, Signup, SignupInput, TokenPolicy, UpdateProfile,
};
use tokenauth_domain::{
    AuthToken, EmailKey, Identity, MfaChallenge, NewPassword, NewUser, PairJwtId, Password,
    PasswordHash, PasswordPolicy, PresentedToken, RefreshJwt, RequestOrigin, SecondFactorProof,
    SecurityEvent, Timestamp, TokenDigest, TokenId, TokenKey, TokenLifetime, TotpFactor,
    TotpSecret, TotpStep, User, UserChanges, UserId,
};

#[derive(Default)]
pub struct Store {
    users: Mutex<Vec<User>>,
    tokens: Mutex<Vec<AuthToken>>,
    refresh_jwts: Mutex<Vec<(RefreshJwt, RefreshState)>>,
    ended_jwts: Mutex<Vec<(PairJwtId, Timestamp)>>,
    pub record_use_calls: Mutex<usize>,
    pub events: Mutex<Vec<SecurityEvent>>,
}

impl Store {
    pub fn tokens_of(&self, user: UserId) -> Vec<AuthToken> {
        self.tokens
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.user_id == user)
            .cloned()
            .collect()
    }

    pub fn set_active(&self, user: UserId, active: bool) {
        for u in self
            .users
            .lock()
            .unwrap()
            .iter_mut()
            .filter(|u| u.id == user)
        {
            u.is_active = active;
        }
    }
}

impl UserRepository for Store {
    fn insert(&self, user: NewUser, events: &[SecurityEvent]) -> Result<User, SaveUserError> {
        self.record_all(events);
        let mut users = self.users.lock().unwrap();
        if users.iter().any(|u| u.email.key() == user.email.key()) {
            return Err(SaveUserError::EmailTaken);
        }
        let user = user.into_user();
        users.push(user.clone());
        Ok(user)
    }

    fn find_by_email_key(&self, key: &EmailKey) -> Result<Option<User>, RepositoryError> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .find(|u| &u.email.key() == key)
            .cloned())
    }

    fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .find(|u| u.id == id)
            .cloned())
    }

    fn update(
        &self,
        id: UserId,
        changes: &UserChanges,
        events: &[SecurityEvent],
    ) -> Result<Option<User>, RepositoryError> {
        self.record_all(events);
        let mut users = self.users.lock().unwrap();
        let Some(user) = users.iter_mut().find(|u| u.id == id) else {
            return Ok(None);
        };
        *user = changes.apply_to(user.clone());
        if changes.deactivates() {
            self.tokens.lock().unwrap().retain(|t| t.user_id != id);
        }
        Ok(Some(user.clone()))
    }

    fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<TokenId>,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        self.record_all(events);
        let mut users = self.users.lock().unwrap();
        let Some(user) = users.iter_mut().find(|u| u.id == id) else {
            return Ok(false);
        };
        user.password_hash = hash.clone();
        self.tokens
            .lock()
            .unwrap()
            .retain(|t| t.user_id != id || Some(t.id) == keep);
        Ok(true)
    }

    fn list(&self, query: &UserQuery) -> Result<UserPage, RepositoryError> {
        let users = self.users.lock().unwrap();
        let matching: Vec<User> = users
            .iter()
            .filter(|u| {
                let key = format!(
                    "{} {} {}",
                    u.email.as_str(),
                    u.first_name.as_str(),
                    u.last_name.as_str()
                )
                .to_lowercase();
                query.terms.iter().all(|term| key.contains(term.as_str()))
            })
            .cloned()
            .collect();
        Ok(UserPage {
            count: matching.len() as u64,
            users: matching
                .into_iter()
                .skip(query.offset as usize)
                .take(query.limit as usize)
                .collect(),
        })
    }

    fn delete(&self, id: UserId, events: &[SecurityEvent]) -> Result<bool, RepositoryError> {
        self.record_all(events);
        let mut users = self.users.lock().unwrap();
        let before = users.len();
        users.retain(|u| u.id != id);
        self.tokens.lock().unwrap().retain(|t| t.user_id != id);
        Ok(users.len() < before)
    }

    fn delete_own_account(
        &self,
        id: UserId,
        events: &[SecurityEvent],
    ) -> Result<AccountDeletion, RepositoryError> {
        let superusers: Vec<UserId> = {
            let users = self.users.lock().unwrap();
            users
                .iter()
                .filter(|u| u.is_superuser && u.is_active)
                .map(|u| u.id)
                .collect()
        };
        if superusers == [id] {
            return Ok(AccountDeletion::LastSuperuser);
        }
        Ok(if self.delete(id, events)? {
            AccountDeletion::Deleted
        } else {
            AccountDeletion::NotFound
        })
    }
}

impl Store {
    fn record_all(&self, events: &[SecurityEvent]) {
        self.events.lock().unwrap().extend_from_slice(events);
    }

    /// The type names of the events recorded so far, oldest first.
    pub fn event_types(&self) -> Vec<&'static str> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|event| event.kind.type_name())
            .collect()
    }
}

impl SecurityEvents for Store {
    fn record(&self, event: &SecurityEvent) -> Result<(), RepositoryError> {
        self.record_all(std::slice::from_ref(event));
        Ok(())
    }

    fn list(&self, _query: &EventQuery) -> Result<EventPage, RepositoryError> {
        Ok(EventPage::default())
    }

    fn delete_older_than(&self, _cutoff: Timestamp) -> Result<usize, RepositoryError> {
        Ok(0)
    }
}

impl TokenRepository for Store {
    fn issue_for_login(
        &self,
        token: &AuthToken,
        keep: NonZeroU32,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.record_all(events);
        self.set_last_login(token.user_id, at)?;
        let mut tokens = self.tokens.lock().unwrap();
        let mut others: Vec<AuthToken> = tokens
            .iter()
            .filter(|t| t.user_id == token.user_id && t.kind.is_session())
            .cloned()
            .collect();
        others.sort_by_key(|t| std::cmp::Reverse(t.created));
        let keep_ids: Vec<TokenId> = others
            .iter()
            .take(keep.get() as usize - 1)
            .map(|t| t.id)
            .collect();
        tokens.retain(|t| {
            t.user_id != token.user_id || !t.kind.is_session() || keep_ids.contains(&t.id)
        });
        tokens.push(token.clone());
        Ok(())
    }

    fn issue_personal(
        &self,
        token: &AuthToken,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.record_all(events);
        let users = self.users.lock().unwrap();
        if !users.iter().any(|u| u.id == token.user_id) {
            return Err(RepositoryError::NotFound);
        }
        self.tokens.lock().unwrap().push(token.clone());
        Ok(())
    }

    fn revoke(&self, id: TokenId, events: &[SecurityEvent]) -> Result<(), RepositoryError> {
        self.record_all(events);
        self.tokens.lock().unwrap().retain(|t| t.id != id);
        Ok(())
    }

    fn list_active(&self, user: UserId, now: Timestamp) -> Result<Vec<AuthToken>, RepositoryError> {
        let mut tokens: Vec<AuthToken> = self
            .tokens
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.user_id == user && !TokenLifetime::is_expired(t.expires, now))
            .cloned()
            .collect();
        tokens.sort_by_key(|t| std::cmp::Reverse(t.created));
        Ok(tokens)
    }

    fn revoke_owned(
        &self,
        user: UserId,
        id: TokenId,
        events: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        self.record_all(events);
        let mut tokens = self.tokens.lock().unwrap();
        let before = tokens.len();
        tokens.retain(|t| !(t.id == id && t.user_id == user));
        Ok(tokens.len() < before)
    }

    fn revoke_by_digest(
        &self,
        digest: &TokenDigest,
        event: &dyn Fn(TokenId, UserId) -> SecurityEvent,
    ) -> Result<bool, RepositoryError> {
        let mut tokens = self.tokens.lock().unwrap();
        let Some(index) = tokens.iter().position(|t| t.digest == *digest) else {
            return Ok(false);
        };
        let token = tokens.remove(index);
        self.record_all(&[event(token.id, token.user_id)]);
        Ok(true)
    }

    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        let mut tokens = self.tokens.lock().unwrap();
        let before = tokens.len();
        tokens.retain(|t| !TokenLifetime::is_expired(t.expires, now));
        Ok(before - tokens.len())
    }

    fn revoke_all(&self, user: UserId, events: &[SecurityEvent]) -> Result<usize, RepositoryError> {
        self.record_all(events);
        let mut tokens = self.tokens.lock().unwrap();
        let before = tokens.len();
        tokens.retain(|t| t.user_id != user);
        Ok(before - tokens.len())
    }
}

impl TokenLookup for Store {
    fn find_by_digest<'a>(
        &'a self,
        digest: &'a TokenDigest,
    ) -> LookupFuture<'a, Option<(PresentedToken, User)>> {
        Box::pin(std::future::ready(self.find(digest)))
    }

    fn find_jwt_subject<'a>(
        &'a self,
        user: UserId,
        jti: &'a PairJwtId,
    ) -> LookupFuture<'a, Option<JwtSubject>> {
        Box::pin(std::future::ready(self.subject(user, jti)))
    }

    fn record_use(
        &self,
        _digest: &TokenDigest,
        id: TokenId,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> LookupFuture<'_, ()> {
        self.used(id, last_used, expires);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// JWT records; users' cutoffs are not kept (no use case under test here
/// ends a user's JWTs).
impl JwtStore for Store {
    fn issue_pair(
        &self,
        refresh: &RefreshJwt,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.set_last_login(refresh.user_id, at)?;
        self.refresh_jwts
            .lock()
            .unwrap()
            .push((refresh.clone(), RefreshState::Active));
        self.record_all(events);
        Ok(())
    }

    fn subject(
        &self,
        user: UserId,
        jti: &PairJwtId,
    ) -> Result<Option<JwtSubject>, RepositoryError> {
        let ended = self
            .ended_jwts
            .lock()
            .unwrap()
            .iter()
            .any(|(id, _)| id == jti);
        let users = self.users.lock().unwrap();
        Ok(users.iter().find(|u| u.id == user).map(|u| JwtSubject {
            user: u.clone(),
            valid_after: None,
            ended,
        }))
    }

    fn refresh_state(
        &self,
        jti: &PairJwtId,
    ) -> Result<Option<(RefreshState, PairJwtId)>, RepositoryError> {
        let stored = self.refresh_jwts.lock().unwrap();
        Ok(stored
            .iter()
            .find(|(refresh, _)| &refresh.jti == jti)
            .map(|(refresh, state)| (*state, refresh.family.clone())))
    }

    fn rotate(
        &self,
        used: &PairJwtId,
        next: &RefreshJwt,
    ) -> Result<RefreshRotation, RepositoryError> {
        let mut stored = self.refresh_jwts.lock().unwrap();
        let Some(index) = stored.iter().position(|(refresh, _)| &refresh.jti == used) else {
            return Ok(RefreshRotation::Refused);
        };
        match stored[index].1 {
            RefreshState::Active => {
                stored[index].1 = RefreshState::Used;
                stored.push((next.clone(), RefreshState::Active));
                Ok(RefreshRotation::Rotated)
            }
            RefreshState::Used => {
                for (refresh, state) in stored.iter_mut() {
                    if refresh.family == next.family {
                        *state = RefreshState::Ended;
                    }
                }
                Ok(RefreshRotation::Reused)
            }
            RefreshState::Ended => Ok(RefreshRotation::Refused),
        }
    }

    fn blacklist(&self, jti: &PairJwtId) -> Result<bool, RepositoryError> {
        let mut stored = self.refresh_jwts.lock().unwrap();
        Ok(stored
            .iter_mut()
            .find(|(refresh, state)| &refresh.jti == jti && *state == RefreshState::Active)
            .map(|(_, state)| *state = RefreshState::Ended)
            .is_some())
    }

    fn end_access(
        &self,
        jti: &PairJwtId,
        expires: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.ended_jwts.lock().unwrap().push((jti.clone(), expires));
        self.record_all(events);
        Ok(())
    }

    fn delete_expired(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        let mut refresh = self.refresh_jwts.lock().unwrap();
        let mut ended = self.ended_jwts.lock().unwrap();
        let before = refresh.len() + ended.len();
        refresh.retain(|(jwt, _)| jwt.expires > now);
        ended.retain(|(_, expires)| *expires > now);
        Ok(before - refresh.len() - ended.len())
    }
}

impl Store {
    fn set_last_login(&self, user: UserId, at: Timestamp) -> Result<(), RepositoryError> {
        let mut users = self.users.lock().unwrap();
        let user = users
            .iter_mut()
            .find(|u| u.id == user)
            .ok_or(RepositoryError::NotFound)?;
        user.last_login = Some(at);
        Ok(())
    }

    fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(PresentedToken, User)>, RepositoryError> {
        let tokens = self.tokens.lock().unwrap();
        let Some(token) = tokens.iter().find(|t| &t.digest == digest) else {
            return Ok(None);
        };
        let users = self.users.lock().unwrap();
        Ok(users
            .iter()
            .find(|u| u.id == token.user_id)
            .map(|u| (token.clone().into(), u.clone())))
    }

    fn used(&self, id: TokenId, last_used: Timestamp, expires: Option<Timestamp>) {
        *self.record_use_calls.lock().unwrap() += 1;
        for t in self
            .tokens
            .lock()
            .unwrap()
            .iter_mut()
            .filter(|t| t.id == id)
        {
            t.last_used = Some(last_used);
            t.expires = expires;
        }
    }
}

/// A clock the test moves by hand.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Mutex::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
        ))
    }

    pub fn advance(&self, seconds: i64) {
        *self.0.lock().unwrap() += TimeDelta::seconds(seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// A stand-in for bcrypt: the "hash" is the password behind a marker, so
/// tests run at memory speed and still tell right from wrong passwords.
pub struct PlainHasher;

impl PasswordHasher for PlainHasher {
    fn hash(&self, password: &NewPassword) -> Result<PasswordHash, HashingError> {
        Ok(PasswordHash::new(format!(
            "plain${}",
            password.as_password().expose()
        )))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        hash.as_str().strip_prefix("plain$") == Some(password.expose())
    }
}

/// Keys 1, 2, 3, ... so tests can tell them apart.
#[derive(Default)]
pub struct CountingGenerator(Mutex<u8>);

impl TokenGenerator for CountingGenerator {
    fn generate(&self) -> Result<TokenKey, KeyGenerationError> {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        Ok(TokenKey::from_bytes([*n; 20]))
    }

    fn fill(&self, bytes: &mut [u8]) -> Result<(), KeyGenerationError> {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        bytes.fill(*n);
        Ok(())
    }
}

/// A store where no user has a second factor: every login is one step.
/// (The second factor's behaviour is tested over HTTP on both databases.)
pub struct NoSecondFactors;

impl SecondFactors for NoSecondFactors {
    fn status(&self, _: UserId) -> Result<SecondFactorStatus, RepositoryError> {
        Ok(SecondFactorStatus::default())
    }

    fn totp(&self, _: UserId) -> Result<Option<TotpFactor>, RepositoryError> {
        Ok(None)
    }

    fn begin_totp(&self, _: UserId, _: &TotpSecret, _: Timestamp) -> Result<bool, RepositoryError> {
        Ok(false)
    }

    fn enable_totp(
        &self,
        _: UserId,
        _: &TotpSecret,
        _: TotpStep,
        _: &[TokenDigest],
        _: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        Ok(ProofOutcome::Gone)
    }

    fn replace_recovery_codes(
        &self,
        _: UserId,
        _: &[TokenDigest],
        _: &[SecurityEvent],
    ) -> Result<bool, RepositoryError> {
        Ok(false)
    }

    fn disable(
        &self,
        _: UserId,
        _: Option<&SecondFactorProof>,
        _: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        Ok(ProofOutcome::Gone)
    }

    fn open_challenge(
        &self,
        _: &MfaChallenge,
        _: Timestamp,
        _: Timestamp,
    ) -> Result<(), RepositoryError> {
        Ok(())
    }

    fn find_challenge(
        &self,
        _: &TokenDigest,
        _: Timestamp,
    ) -> Result<Option<MfaChallenge>, RepositoryError> {
        Ok(None)
    }

    fn count_wrong_code(
        &self,
        _: &TokenDigest,
        _: u32,
        _: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        Ok(())
    }

    fn complete_second_step(
        &self,
        _: &SecondStep<'_>,
        _: Timestamp,
        _: &[SecurityEvent],
    ) -> Result<ProofOutcome, RepositoryError> {
        Ok(ProofOutcome::Gone)
    }
}

pub struct World {
    pub store: Arc<Store>,
    pub clock: Arc<ManualClock>,
    pub signup: Signup,
    pub login: Login,
    pub authenticate: Authenticate,
    pub update_profile: UpdateProfile,
    pub change_password: ChangePassword,
    pub delete_account: DeleteAccount,
    pub sessions: Sessions,
    pub admin: AdminUsers,
}

impl World {
    /// Runs the async authentication to its end, as a request would.
    pub fn authenticate_with(
        &self,
        key: &str,
    ) -> Result<Authenticated, tokenauth_application::AuthenticateError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(self.authenticate.execute(key))
    }

    /// As [`Self::authenticate_with`], reading only the user's identity.
    pub fn identify_with(
        &self,
        key: &str,
    ) -> Result<Authenticated<Identity>, tokenauth_application::AuthenticateError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(self.authenticate.identify(key))
    }

    /// Signs `email` up with `privileges` and logs in; returns the session.
    pub fn session(&self, email: &str, privileges: Privileges) -> Authenticated {
        self.signup
            .execute_with(signup_input(email), privileges, &NOWHERE)
            .unwrap();
        self.login_again(email)
    }

    /// Logs an existing user in once more; returns the new session.
    pub fn login_again(&self, email: &str) -> Authenticated {
        self.clock.advance(1);
        let key = self
            .login
            .execute(
                LoginInput {
                    email: text(email),
                    password: text(PASSWORD),
                },
                &NOWHERE,
            )
            .unwrap()
            .issued
            .key
            .expose();
        self.authenticate_with(&key).unwrap()
    }
}

pub const STAFF: Privileges = Privileges {
    is_staff: true,
    is_superuser: false,
    email_verified: false,
};
pub const SUPERUSER: Privileges = Privileges {
    is_staff: true,
    is_superuser: true,
    email_verified: true,
};
pub const NOBODY: Privileges = Privileges {
    is_staff: false,
    is_superuser: false,
    email_verified: false,
};

pub const TTL: u64 = 3600;

/// Where the tests' requests come from: nowhere in particular.
pub const NOWHERE: RequestOrigin = RequestOrigin {
    ip: None,
    user_agent: None,
};

pub fn world_keeping(tokens_per_user: u32) -> World {
    let store = Arc::new(Store::default());
    let clock = Arc::new(ManualClock::new());
    let hasher = Arc::new(PlainHasher);
    let lifetime = TokenLifetime::from_seconds(TTL);
    let signup = Signup::new(
        store.clone(),
        hasher.clone(),
        clock.clone(),
        PasswordPolicy::default(),
    );
    let change_password = ChangePassword::new(
        store.clone(),
        hasher.clone(),
        clock.clone(),
        PasswordPolicy::default(),
    );
    let delete_account = DeleteAccount::new(store.clone(), hasher.clone(), clock.clone());
    let login = Login::new(
        LoginPorts {
            users: store.clone(),
            tokens: store.clone(),
            hasher,
            clock: clock.clone(),
            generator: Arc::new(CountingGenerator::default()),
            events: store.clone(),
            factors: Arc::new(NoSecondFactors),
        },
        TokenPolicy {
            lifetime,
            tokens_per_user: NonZeroU32::new(tokens_per_user).unwrap(),
            verification: tokenauth_domain::VerificationMode::None,
            second_step_ttl: TimeDelta::minutes(5),
        },
    );
    let authenticate = Authenticate::new(store.clone(), clock.clone(), lifetime);
    World {
        update_profile: UpdateProfile::new(store.clone(), clock.clone()),
        sessions: Sessions::new(store.clone(), clock.clone()),
        admin: AdminUsers::new(store.clone(), clock.clone()),
        change_password,
        delete_account,
        store,
        clock,
        signup,
        login,
        authenticate,
    }
}

pub fn world() -> World {
    world_keeping(1)
}

pub fn text(value: &str) -> FieldValue {
    FieldValue::text(value)
}

pub const PASSWORD: &str = "a-Strong-pass-42";

pub fn signup_input(email: &str) -> SignupInput {
    SignupInput {
        email: text(email),
        phonenumber: text("+15551234567"),
        password: text(PASSWORD),
        ..SignupInput::default()
    }
}
