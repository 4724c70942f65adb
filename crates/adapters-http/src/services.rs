use std::sync::Arc;

use crate::threads::HashingThreads;
use tokenauth_application::{
    AdminUsers, Authenticate, ChangeEmail, ChangePassword, DatabaseHealth, DeleteAccount, EventLog,
    GatewayIdentity, Login, Logout, LogoutAll, PasskeyAccess, PasswordReset, PersonalTokens,
    RevokeToken, SecondFactor, Sessions, SigningKeys, Signup, TokenPairs, UpdateProfile,
    VerifyEmail,
};

/// The use cases the HTTP edge calls, built once and shared by every worker.
pub struct Services {
    /// `POST /api/signup`.
    pub signup: Signup,
    /// `POST /api/login`.
    pub login: Login,
    /// Every protected route.
    pub authenticate: Authenticate,
    /// `POST /api/logout`.
    pub logout: Logout,
    /// `POST /api/logoutall`.
    pub logout_all: LogoutAll,
    /// `PATCH /api/me`.
    pub update_profile: UpdateProfile,
    /// `POST /api/me/password`.
    pub change_password: ChangePassword,
    /// `POST /api/me/email` and its confirmation.
    pub change_email: ChangeEmail,
    /// `POST /api/me/delete`.
    pub delete_account: DeleteAccount,
    /// `GET /api/me/tokens` and `DELETE /api/me/tokens/{id}`.
    pub sessions: Sessions,
    /// `POST /api/me/tokens`.
    pub personal_tokens: PersonalTokens,
    /// `/api/password/reset` and its confirmation.
    pub password_reset: PasswordReset,
    /// `/api/verify-email`, its resend, and signup's verification message.
    pub verify_email: VerifyEmail,
    /// `/api/users`.
    pub admin: AdminUsers,
    /// `POST /api/oauth/revoke`.
    pub revoke_token: RevokeToken,
    /// `/api/me/passkeys` and `/api/login/passkey`.
    pub passkeys: PasskeyAccess,
    /// `/api/me/mfa` and its operations, and the staff's reset.
    pub second_factor: SecondFactor,
    /// `/api/me/events` and `/api/events`.
    pub event_log: EventLog,
    /// `X-Auth-Jwt` on `/api/auth/verify`, when `gateway.jwt` is on.
    pub gateway_identity: Option<GatewayIdentity>,
    /// `/api/token/` and its siblings, when `jwt.enabled` is on.
    pub token_pairs: Option<Arc<TokenPairs>>,
    /// `/.well-known/jwks.json`: the keys JWTs are signed with, when any
    /// JWTs are issued.
    pub signing_keys: Option<Arc<SigningKeys>>,
    /// `/readyz` and the pool metrics.
    pub health: Arc<dyn DatabaseHealth>,
    /// Where the use cases that hash a password run.
    pub hashing: HashingThreads,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}
