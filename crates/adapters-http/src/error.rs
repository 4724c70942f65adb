use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use tokenauth_application::{
    AdminError, AuthenticateError, ChangeEmailError, ChangePasswordError, CreateTokenError,
    DeleteAccountError, EndSessionError, GatewayJwtError, LoginError, PairError, PasskeyError,
    PasskeyLoginError, PasswordResetError, RepositoryError, SecondFactorError, SecondStepError,
    SignupError, UpdateProfileError, ValidationErrors, VerifyEmailError,
};

use crate::extract::AuthorizationError;
use crate::representation::{ErrorBody, FieldErrorsBody, LoginErrorBody};
use crate::responses::json_response;

/// Every way a request can fail, each mapped to the contract's status and body
/// here and nowhere else.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `{"<field>": ["<message>", …]}`.
    #[error("invalid fields")]
    Validation(ValidationErrors),
    /// 400 `{"non_field_errors": [...]}`: the body is not an object.
    #[error("Invalid data. Expected a dictionary, but got {0}.")]
    NotAnObject(&'static str),
    /// 400 `{"detail": "JSON parse error - …"}`.
    #[error("JSON parse error - {0}")]
    MalformedJson(String),
    /// 401 `{"error": …}` from login: never its storage failures.
    #[error(transparent)]
    LoginFailed(LoginError),
    /// 401 `{"detail": …}` from token authentication.
    #[error(transparent)]
    NotAuthenticated(Unauthenticated),
    /// 401 `{"detail": …}` from `POST /api/token/` and its second step,
    /// in SimpleJWT's words: never its storage failures.
    #[error(transparent)]
    PairLoginFailed(LoginError),
    /// 401 `token_not_valid`: a JWT refused, SimpleJWT's one answer.
    #[error("Token is invalid or expired")]
    JwtNotValid,
    /// 401 `no_active_account`: a refresh JWT whose user is gone or inactive.
    #[error("No active account found for the given token.")]
    NoActiveAccount,
    /// 400 `{"error": "invalid_request"}`: an OAuth endpoint (RFC 6749
    /// §5.2) got no usable `token`.
    #[error("invalid_request")]
    OAuthInvalidRequest,
    /// 400 `{"detail": …}`: the request cannot be done in the account's
    /// state (the last superuser deleting itself, TOTP already on, …).
    #[error("{0}")]
    Refused(&'static str),
    /// 403: authenticated, but not allowed.
    #[error("You do not have permission to perform this action.")]
    Forbidden,
    /// 404.
    #[error("Not found.")]
    NotFound,
    /// 405 with the allowed methods.
    #[error("Method \"{method}\" not allowed.")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// What the route accepts, for the `Allow` header.
        allow: String,
    },
    /// 413.
    #[error("Request body is too large.")]
    PayloadTooLarge,
    /// 415.
    #[error("Unsupported media type \"{0}\" in request.")]
    UnsupportedMediaType(String),
    /// 429, with how long until a request is allowed again.
    #[error("Request was throttled. Expected available in {}.", seconds_phrase(*.0))]
    Throttled(std::time::Duration),
    /// 503: the database does not answer.
    #[error("Service temporarily unavailable.")]
    Unavailable,
    /// 500: a bug; the details go to the log only.
    #[error("A server error occurred.")]
    Internal,
}

/// Why a request carries no valid token; `Display` is the contract's message,
/// written next to the rule that refuses it.
#[derive(Debug, thiserror::Error)]
pub enum Unauthenticated {
    /// The header is missing or malformed.
    #[error(transparent)]
    Header(#[from] AuthorizationError),
    /// The key is unknown, expired, or its user inactive: never a storage failure.
    #[error(transparent)]
    Token(AuthenticateError),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_)
            | Self::NotAnObject(_)
            | Self::MalformedJson(_)
            | Self::Refused(_)
            | Self::OAuthInvalidRequest => StatusCode::BAD_REQUEST,
            Self::LoginFailed(_)
            | Self::NotAuthenticated(_)
            | Self::PairLoginFailed(_)
            | Self::JwtNotValid
            | Self::NoActiveAccount => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = match self {
            Self::Validation(errors) => json_response(status, &FieldErrorsBody::of(errors)),
            Self::NotAnObject(_) => {
                json_response(status, &json!({ "non_field_errors": [self.to_string()] }))
            }
            Self::LoginFailed(LoginError::SecondFactorRequired { mfa_token }) => json_response(
                status,
                &json!({
                    "error": self.to_string(),
                    "mfa_token": mfa_token.expose(),
                    "methods": ["totp", "recovery_code"],
                }),
            ),
            Self::OAuthInvalidRequest => json_response(status, &json!({"error": self.to_string()})),
            Self::PairLoginFailed(LoginError::SecondFactorRequired { mfa_token }) => json_response(
                status,
                &json!({
                    "detail": self.to_string(),
                    "mfa_token": mfa_token.expose(),
                    "methods": ["totp", "recovery_code"],
                }),
            ),
            Self::PairLoginFailed(LoginError::EmailNotVerified) => {
                json_response(status, &json!({"detail": self.to_string()}))
            }
            Self::PairLoginFailed(_) => json_response(
                status,
                &json!({"detail": "No active account found with the given credentials"}),
            ),
            Self::JwtNotValid => json_response(
                status,
                &json!({"detail": self.to_string(), "code": "token_not_valid"}),
            ),
            Self::NoActiveAccount => json_response(
                status,
                &json!({"detail": self.to_string(), "code": "no_active_account"}),
            ),
            Self::LoginFailed(error) => json_response(
                status,
                &LoginErrorBody {
                    error: error.to_string(),
                },
            ),
            _ => json_response(
                status,
                &ErrorBody {
                    detail: self.to_string(),
                },
            ),
        };
        let headers = response.headers_mut();
        match self {
            Self::LoginFailed(_) | Self::NotAuthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
            }
            Self::PairLoginFailed(_) | Self::JwtNotValid | Self::NoActiveAccount => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"api\""),
                );
            }
            Self::Throttled(wait) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_seconds(*wait)),
                );
            }
            Self::MethodNotAllowed { allow, .. } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// DRF rounds the wait up to whole seconds.
fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn seconds_phrase(wait: std::time::Duration) -> String {
    match retry_after_seconds(wait) {
        1 => "1 second".to_owned(),
        n => format!("{n} seconds"),
    }
}

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                Self::Unavailable
            }
            RepositoryError::NotFound => Self::NotFound,
            RepositoryError::Internal(reason) => {
                tracing::error!(%reason, "storage failed");
                Self::Internal
            }
        }
    }
}

impl From<SignupError> for ApiError {
    fn from(error: SignupError) -> Self {
        match error {
            SignupError::Invalid(errors) => Self::Validation(errors),
            SignupError::Storage(error) => error.into(),
            SignupError::Hashing(error) => {
                tracing::error!(%error, "hashing failed");
                Self::Internal
            }
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Storage(error) => error.into(),
            LoginError::KeyGeneration(error) => {
                tracing::error!(%error, "no token key could be generated");
                Self::Internal
            }
            LoginError::NoSigningKey => no_signing_key(),
            refused => Self::LoginFailed(refused),
        }
    }
}

impl ApiError {
    /// A login's refusal as `POST /api/token/` words it.
    pub(crate) fn in_pair_words(self) -> Self {
        match self {
            Self::LoginFailed(refused) => Self::PairLoginFailed(refused),
            other => other,
        }
    }
}

/// The keys could not be read back for a while: the database.
fn no_signing_key() -> ApiError {
    tracing::warn!("no JWT could be signed: no signing key has been read lately");
    ApiError::Unavailable
}

impl From<PairError> for ApiError {
    fn from(error: PairError) -> Self {
        match error {
            PairError::Invalid(errors) => Self::Validation(errors),
            PairError::NotValid => Self::JwtNotValid,
            PairError::NoActiveAccount => Self::NoActiveAccount,
            PairError::NoKey => no_signing_key(),
            PairError::Random(error) => {
                tracing::error!(%error, "no JWT id could be drawn");
                Self::Internal
            }
            PairError::Storage(error) => error.into(),
        }
    }
}

impl From<GatewayJwtError> for ApiError {
    fn from(error: GatewayJwtError) -> Self {
        match error {
            // The keys could not be read back for a while: the database.
            GatewayJwtError::NoKey => no_signing_key(),
            GatewayJwtError::Random(_) => {
                tracing::error!(%error, "no gateway JWT could be signed");
                Self::Internal
            }
        }
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(error: AuthenticateError) -> Self {
        match error {
            AuthenticateError::Storage(error) => error.into(),
            AuthenticateError::JwtNotValid => Self::JwtNotValid,
            refused => Self::NotAuthenticated(Unauthenticated::Token(refused)),
        }
    }
}

impl From<AuthorizationError> for ApiError {
    fn from(error: AuthorizationError) -> Self {
        Self::NotAuthenticated(error.into())
    }
}

impl From<UpdateProfileError> for ApiError {
    fn from(error: UpdateProfileError) -> Self {
        match error {
            UpdateProfileError::Invalid(errors) => Self::Validation(errors),
            UpdateProfileError::Storage(error) => error.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(error: ChangePasswordError) -> Self {
        match error {
            ChangePasswordError::Invalid(errors) => Self::Validation(errors),
            // The authenticated user was deleted during the request.
            ChangePasswordError::UnknownUser => {
                Self::NotAuthenticated(Unauthenticated::Token(AuthenticateError::UserInactive))
            }
            ChangePasswordError::Storage(error) => error.into(),
            ChangePasswordError::Hashing(error) => {
                tracing::error!(%error, "hashing failed");
                Self::Internal
            }
        }
    }
}

impl From<PasswordResetError> for ApiError {
    fn from(error: PasswordResetError) -> Self {
        match error {
            PasswordResetError::Invalid(errors) => Self::Validation(errors),
            PasswordResetError::Storage(error) => error.into(),
            PasswordResetError::Hashing(error) => {
                tracing::error!(%error, "password hashing failed");
                Self::Internal
            }
        }
    }
}

impl From<ChangeEmailError> for ApiError {
    fn from(error: ChangeEmailError) -> Self {
        match error {
            ChangeEmailError::Invalid(errors) => Self::Validation(errors),
            ChangeEmailError::Storage(error) => error.into(),
            ChangeEmailError::KeyGeneration(error) => {
                tracing::error!(%error, "no key for an email change");
                Self::Internal
            }
        }
    }
}

impl From<DeleteAccountError> for ApiError {
    fn from(error: DeleteAccountError) -> Self {
        match error {
            DeleteAccountError::Invalid(errors) => Self::Validation(errors),
            DeleteAccountError::LastSuperuser => {
                Self::Refused("The last superuser cannot be deleted.")
            }
            DeleteAccountError::Storage(error) => error.into(),
        }
    }
}

impl From<SecondFactorError> for ApiError {
    fn from(error: SecondFactorError) -> Self {
        match error {
            SecondFactorError::Invalid(errors) => Self::Validation(errors),
            SecondFactorError::AlreadyEnabled => {
                Self::Refused("Two-factor authentication is already enabled.")
            }
            SecondFactorError::NotEnabled => {
                Self::Refused("Two-factor authentication is not enabled.")
            }
            SecondFactorError::NoPendingSetup => Self::Refused("Start two-factor setup first."),
            SecondFactorError::Storage(error) => error.into(),
            SecondFactorError::KeyGeneration(error) => {
                tracing::error!(%error, "no randomness for a second factor");
                Self::Internal
            }
        }
    }
}

impl From<SecondStepError> for ApiError {
    fn from(error: SecondStepError) -> Self {
        match error {
            SecondStepError::Invalid(errors) => Self::Validation(errors),
            SecondStepError::Storage(error) => error.into(),
            SecondStepError::KeyGeneration(error) => {
                tracing::error!(%error, "no token key could be generated");
                Self::Internal
            }
            SecondStepError::NoSigningKey => no_signing_key(),
        }
    }
}

impl From<PasskeyError> for ApiError {
    fn from(error: PasskeyError) -> Self {
        match error {
            PasskeyError::Invalid(errors) => Self::Validation(errors),
            PasskeyError::NotFound => Self::NotFound,
            PasskeyError::Storage(error) => error.into(),
            PasskeyError::KeyGeneration(error) => {
                tracing::error!(%error, "no randomness for a WebAuthn user handle");
                Self::Internal
            }
        }
    }
}

impl From<PasskeyLoginError> for ApiError {
    fn from(error: PasskeyLoginError) -> Self {
        match error {
            PasskeyLoginError::Invalid(errors) => Self::Validation(errors),
            PasskeyLoginError::Refused(error) => error.into(),
        }
    }
}

impl From<VerifyEmailError> for ApiError {
    fn from(error: VerifyEmailError) -> Self {
        match error {
            VerifyEmailError::Invalid(errors) => Self::Validation(errors),
            VerifyEmailError::Storage(error) => error.into(),
        }
    }
}

impl From<CreateTokenError> for ApiError {
    fn from(error: CreateTokenError) -> Self {
        match error {
            CreateTokenError::Invalid(errors) => Self::Validation(errors),
            // The authenticated user was deleted during the request.
            CreateTokenError::UserGone => {
                Self::NotAuthenticated(Unauthenticated::Token(AuthenticateError::UserInactive))
            }
            CreateTokenError::Storage(error) => error.into(),
            CreateTokenError::KeyGeneration(error) => {
                tracing::error!(%error, "no token key could be generated");
                Self::Internal
            }
        }
    }
}

impl From<EndSessionError> for ApiError {
    fn from(error: EndSessionError) -> Self {
        match error {
            EndSessionError::NotFound => Self::NotFound,
            EndSessionError::Storage(error) => error.into(),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Forbidden => Self::Forbidden,
            AdminError::NotFound => Self::NotFound,
            AdminError::Invalid(errors) => Self::Validation(errors),
            AdminError::Storage(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::ApiError;

    #[test]
    fn throttle_messages_round_up_and_agree_in_number() {
        assert_eq!(
            ApiError::Throttled(Duration::from_millis(200)).to_string(),
            "Request was throttled. Expected available in 1 second."
        );
        assert_eq!(
            ApiError::Throttled(Duration::from_millis(59_001)).to_string(),
            "Request was throttled. Expected available in 60 seconds."
        );
    }
}
