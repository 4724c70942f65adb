//! Builds the use cases from the settings and the database.

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::TimeDelta;
use secrecy::ExposeSecret;
use tokenauth_adapters_db::{
    Database, DatabaseError, DieselAccountKeys, DieselJwtStore, DieselOutbox, DieselPasskeys,
    DieselSecondFactors, DieselSecurityEvents, DieselSigningKeys, DieselTokenLookup,
    DieselTokenRepository, DieselUserRepository, DieselWebhookOutbox,
};
use tokenauth_adapters_http::{HashingThreads, Services};
use tokenauth_adapters_mail::{ConsoleMailer, SmtpConfigError, SmtpMailer};
use tokenauth_adapters_system::{BcryptHasher, Ed25519Signer, OsTokenGenerator, SystemClock};
use tokenauth_adapters_webauthn::{RelyingPartyConfigError, WebauthnRelyingParty};
use tokenauth_adapters_webhooks::{WebhookClient, WebhookConfigError};
use tokenauth_application::{
    AccountMail, AccountMailSettings, AdminUsers, Authenticate, ChangeEmail, ChangePassword,
    DeleteAccount, DeliverMail, DeliverWebhooks, EventLog, GatewayIdentity, GatewayJwtPolicy,
    Login, LoginPorts, Logout, LogoutAll, Mailer, PairPolicy, PasskeyAccess, PasskeyPorts,
    PasswordReset, PersonalTokens, PruneMail, PruneTokens, RevokeToken, SecondFactor,
    SecondFactors, Sessions, SigningKeys, Signup, TokenPairs, TokenPolicy, TokenRepository,
    UpdateProfile, UserRepository, VerifyEmail,
};
use tokenauth_domain::{DeliveryPolicy, PasswordPolicy, TokenLifetime};

use crate::Settings;
use crate::settings::MailBackend;

/// Why the mail backend cannot be built.
pub type MailConfigError = SmtpConfigError;

/// The mail backend the settings ask for.
pub fn mailer(settings: &Settings) -> Result<Arc<dyn Mailer>, MailConfigError> {
    Ok(match settings.mail.backend {
        MailBackend::Console => Arc::new(ConsoleMailer),
        MailBackend::Smtp => Arc::new(SmtpMailer::new(
            settings.mail.smtp_url.expose_secret(),
            &settings.mail.from,
        )?),
    })
}

/// Queues and delivers mail through the outbox in `db`.
pub fn deliver_mail(settings: &Settings, db: &Database) -> Result<DeliverMail, MailConfigError> {
    Ok(DeliverMail::new(
        Arc::new(DieselOutbox::new(db.clone())),
        mailer(settings)?,
        Arc::new(SystemClock),
        DeliveryPolicy {
            max_attempts: settings.mail.max_attempts,
        },
    ))
}

/// Delivers the security events the settings select to `webhooks.url`;
/// `None` when webhooks are off.
pub fn deliver_webhooks(
    settings: &Settings,
    db: &Database,
) -> Result<Option<DeliverWebhooks>, WebhookConfigError> {
    let url = settings.webhooks.url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let client = WebhookClient::new(url, settings.webhooks.secret.expose_secret())?;
    Ok(Some(DeliverWebhooks::new(
        Arc::new(DieselWebhookOutbox::new(db.clone())),
        Arc::new(client),
        Arc::new(SystemClock),
        DeliveryPolicy {
            max_attempts: settings.webhooks.max_attempts,
        },
    )))
}

/// Turns requests for account mail into keys and queued messages.
pub fn account_mail(settings: &Settings, db: &Database) -> AccountMail {
    AccountMail::new(
        Arc::new(DieselAccountKeys::new(db.clone())),
        Arc::new(OsTokenGenerator),
        Arc::new(SystemClock),
        account_mail_settings(settings),
    )
}

/// Where mailed links point and how long their keys live.
fn account_mail_settings(settings: &Settings) -> AccountMailSettings {
    AccountMailSettings {
        public_url: settings.public_url(),
        password_reset_ttl: seconds(settings.auth.password_reset_ttl_seconds),
        email_verification_ttl: seconds(settings.auth.email_verification_ttl_seconds),
    }
}

/// A configured number of seconds as a duration (an absurd one saturates).
fn seconds(value: u64) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1000))
}

/// Deletes spent account keys and finished outbox rows (with the tokens,
/// on the server's pruning interval).
pub fn prune_mail(db: &Database) -> PruneMail {
    PruneMail::new(
        Arc::new(DieselAccountKeys::new(db.clone())),
        Arc::new(DieselOutbox::new(db.clone())),
        Arc::new(SystemClock),
    )
}

/// The database the settings name (migrations applied), queueing webhook
/// deliveries for the events `webhooks.events` selects when webhooks are on.
pub fn open_database(settings: &Settings) -> Result<Database, DatabaseError> {
    Ok(Database::open(&settings.database_settings())?.with_webhooks(settings.webhook_selection()))
}

/// The database as the server uses it: [`open_database`], keeping the tokens
/// it verified (the one-shot commands verify none).
pub fn open_serving_database(settings: &Settings) -> Result<Database, DatabaseError> {
    Ok(open_database(settings)?
        .with_verified_tokens(settings.database.verified_tokens, &settings.database.url))
}

/// The password change use case (also the operator's `changepassword`).
pub fn change_password(
    users: Arc<dyn UserRepository>,
    hasher: Arc<BcryptHasher>,
) -> ChangePassword {
    ChangePassword::new(
        users,
        hasher,
        Arc::new(SystemClock),
        PasswordPolicy::default(),
    )
}

/// The second factor's use case (also the operator's `resetmfa`).
pub fn second_factor(
    settings: &Settings,
    factors: Arc<dyn SecondFactors>,
    hasher: Arc<BcryptHasher>,
) -> SecondFactor {
    SecondFactor::new(
        factors,
        hasher,
        Arc::new(OsTokenGenerator),
        Arc::new(SystemClock),
        settings.auth.mfa_issuer.clone(),
    )
}

/// The security event log and its retention.
pub fn event_log(settings: &Settings, db: &Database) -> EventLog {
    let retention = Some(settings.audit.retention_days)
        .filter(|days| *days > 0)
        .and_then(|days| TimeDelta::try_days(i64::try_from(days).ok()?));
    EventLog::new(
        Arc::new(DieselSecurityEvents::new(db.clone())),
        Arc::new(SystemClock),
        retention,
    )
}

/// The JWT signing keys in `db`, whether or not JWTs are on (the operator
/// may rotate before turning them on). A retired key stays published for
/// the longest lifetime of any JWT that may be signed.
pub fn signing_keys(settings: &Settings, db: &Database) -> SigningKeys {
    let longest = [
        settings.gateway.jwt_ttl_seconds,
        settings.jwt.access_ttl_seconds,
        settings.jwt.refresh_ttl_seconds,
    ]
    .into_iter()
    .max()
    .unwrap_or_default();
    SigningKeys::new(
        Arc::new(DieselSigningKeys::new(db.clone())),
        Arc::new(Ed25519Signer),
        Arc::new(OsTokenGenerator),
        Arc::new(SystemClock),
        seconds(longest),
    )
}

/// Whether any JWT is signed: the gateway's or the SimpleJWT-style pairs.
pub fn signs_jwts(settings: &Settings) -> bool {
    settings.gateway.jwt || settings.jwt.enabled
}

/// The SimpleJWT-style pairs, signed with `keys`.
pub fn token_pairs(settings: &Settings, db: &Database, keys: Arc<SigningKeys>) -> TokenPairs {
    TokenPairs::new(
        keys,
        Arc::new(DieselJwtStore::new(db.clone())),
        Arc::new(OsTokenGenerator),
        Arc::new(SystemClock),
        PairPolicy {
            access_ttl: seconds(settings.jwt.access_ttl_seconds),
            refresh_ttl: seconds(settings.jwt.refresh_ttl_seconds),
        },
    )
}

/// The gateway's JWTs, signed with `keys`.
pub fn gateway_identity(settings: &Settings, keys: Arc<SigningKeys>) -> GatewayIdentity {
    let audience = settings.gateway.jwt_audience.trim();
    GatewayIdentity::new(
        keys,
        Arc::new(OsTokenGenerator),
        Arc::new(SystemClock),
        GatewayJwtPolicy {
            issuer: settings.public_url(),
            lifetime: seconds(settings.gateway.jwt_ttl_seconds),
            audience: (!audience.is_empty()).then(|| audience.to_owned()),
        },
    )
}

/// Deletes expired tokens and JWT records (for the periodic job and
/// `tokenauth prunetokens`).
pub fn prune_tokens(db: &Database) -> PruneTokens {
    PruneTokens::new(
        Arc::new(DieselTokenRepository::new(db.clone())),
        Arc::new(DieselJwtStore::new(db.clone())),
        Arc::new(SystemClock),
    )
}

pub(crate) fn services(
    settings: &Settings,
    db: &Database,
    hashing: HashingThreads,
    signing_keys: Option<Arc<SigningKeys>>,
) -> Result<Services, RelyingPartyConfigError> {
    let users: Arc<dyn UserRepository> = Arc::new(DieselUserRepository::new(db.clone()));
    let tokens: Arc<dyn TokenRepository> = Arc::new(DieselTokenRepository::new(db.clone()));
    let hasher = Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost));
    let clock = Arc::new(SystemClock);
    let lifetime = TokenLifetime::from_seconds(settings.auth.token_ttl_seconds);
    let policy = TokenPolicy {
        lifetime,
        tokens_per_user: NonZeroU32::new(settings.auth.tokens_per_user).unwrap_or(NonZeroU32::MIN),
        verification: settings.verification_mode(),
        second_step_ttl: seconds(settings.auth.mfa_login_ttl_seconds),
    };
    let factors: Arc<dyn SecondFactors> = Arc::new(DieselSecondFactors::new(db.clone()));
    let jwts = Arc::new(DieselJwtStore::new(db.clone()));
    let mut authenticate = Authenticate::new(
        Arc::new(DieselTokenLookup::new(db.clone())),
        clock.clone(),
        lifetime,
    );
    // Pairs, and the Bearer JWTs they bring, are signed with the shared keys.
    let pair_keys = signing_keys.clone().filter(|_| settings.jwt.enabled);
    if let Some(keys) = pair_keys.clone() {
        authenticate = authenticate.with_access_jwts(keys);
    }
    let token_pairs = pair_keys.map(|keys| Arc::new(token_pairs(settings, db, keys)));
    let account_keys = Arc::new(DieselAccountKeys::new(db.clone()));
    let passkeys = PasskeyAccess::new(
        PasskeyPorts {
            passkeys: Arc::new(DieselPasskeys::new(db.clone())),
            relying_party: Arc::new(WebauthnRelyingParty::new(
                &settings.webauthn_rp_id(),
                &settings.public_url(),
            )?),
            users: users.clone(),
            hasher: hasher.clone(),
            generator: Arc::new(OsTokenGenerator),
            clock: clock.clone(),
            events: Arc::new(DieselSecurityEvents::new(db.clone())),
        },
        policy,
    );
    Ok(Services {
        signup: Signup::new(
            users.clone(),
            hasher.clone(),
            clock.clone(),
            PasswordPolicy::default(),
        ),
        login: Login::new(
            LoginPorts {
                users: users.clone(),
                tokens: tokens.clone(),
                hasher: hasher.clone(),
                clock: clock.clone(),
                generator: Arc::new(OsTokenGenerator),
                events: Arc::new(DieselSecurityEvents::new(db.clone())),
                factors: factors.clone(),
            },
            policy,
        ),
        authenticate,
        logout: Logout::new(tokens.clone(), jwts, clock.clone()),
        revoke_token: RevokeToken::new(tokens.clone(), clock.clone()),
        logout_all: LogoutAll::new(tokens.clone(), clock.clone()),
        update_profile: UpdateProfile::new(users.clone(), clock.clone()),
        change_password: change_password(users.clone(), hasher.clone()),
        verify_email: VerifyEmail::new(
            account_keys.clone(),
            clock.clone(),
            settings.verification_mode(),
        ),
        change_email: ChangeEmail::new(
            account_keys.clone(),
            hasher.clone(),
            Arc::new(OsTokenGenerator),
            clock.clone(),
            account_mail_settings(settings),
        ),
        delete_account: DeleteAccount::new(users.clone(), hasher.clone(), clock.clone()),
        password_reset: PasswordReset::new(
            account_keys,
            hasher.clone(),
            clock.clone(),
            PasswordPolicy::default(),
        ),
        personal_tokens: PersonalTokens::new(
            tokens.clone(),
            clock.clone(),
            Arc::new(OsTokenGenerator),
        ),
        sessions: Sessions::new(tokens, clock.clone()),
        admin: AdminUsers::new(users, clock),
        second_factor: second_factor(settings, factors, hasher.clone()),
        passkeys,
        event_log: event_log(settings, db),
        gateway_identity: signing_keys
            .clone()
            .filter(|_| settings.gateway.jwt)
            .map(|keys| gateway_identity(settings, keys)),
        token_pairs,
        signing_keys,
        health: Arc::new(db.clone()),
        hashing,
    })
}
