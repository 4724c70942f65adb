//! The second factor: the user's TOTP setup, recovery codes and disabling,
//! a login's second step, and an operator's reset.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tokenauth_application::{FieldValue, SecondStepError, SecondStepInput};
use tokenauth_domain::RecoveryCode;
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, fields, read_body};
use crate::handlers::auth::{admit_then_read, login_answer};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, LoginOutcome, Metrics, Services, Throttles};

/// A body with only the password, to confirm a change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasswordConfirmation {
    /// The user's password.
    #[schema(schema_with = fields::any_text, required = true)]
    password: FieldValue,
}

/// `POST /api/me/mfa/totp/confirm`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct TotpConfirmRequest {
    /// The code the authenticator app shows now.
    #[schema(schema_with = fields::any_text, required = true)]
    code: FieldValue,
}

/// `POST /api/me/mfa/disable`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct DisableRequest {
    /// The user's password.
    #[schema(schema_with = fields::any_text, required = true)]
    password: FieldValue,
    /// A TOTP code or a recovery code.
    #[schema(schema_with = fields::any_text, required = true)]
    code: FieldValue,
}

/// `POST /api/login/mfa`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct SecondStepRequest {
    /// The key the first step answered.
    #[schema(schema_with = fields::any_text, required = true)]
    mfa_token: FieldValue,
    /// A TOTP code or a recovery code.
    #[schema(schema_with = fields::any_text, required = true)]
    code: FieldValue,
}

/// `GET /api/me/mfa`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MfaStatusBody {
    totp: bool,
    recovery_codes_left: u32,
    passkeys: u32,
}

/// A pending TOTP setup.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TotpSetupBody {
    /// The shared secret, base32 (32 characters).
    secret: String,
    /// The same, as an authenticator app scans it.
    otpauth_url: String,
}

/// A new set of recovery codes, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecoveryCodesBody {
    /// Ten single-use codes, `xxxxx-xxxxx`.
    recovery_codes: Vec<String>,
}

impl RecoveryCodesBody {
    fn of(codes: &[RecoveryCode]) -> Self {
        Self {
            recovery_codes: codes.iter().map(|c| c.expose().to_owned()).collect(),
        }
    }
}

/// `GET /api/me/mfa`.
pub(crate) async fn status(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let status = Blocking
        .run(move || services.second_factor.status(&session))
        .await?;
    let body = MfaStatusBody {
        totp: status.totp,
        recovery_codes_left: status.recovery_codes_left,
        passkeys: status.passkeys,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/me/mfa/totp`: a fresh pending secret.
pub(crate) async fn begin_totp(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordConfirmation = read_body(&req, payload.into_inner()).await?;
    let hashing = services.hashing.clone();
    let setup = hashing
        .run(move || services.second_factor.begin_totp(&session, &body.password))
        .await?;
    let body = TotpSetupBody {
        secret: setup.secret.to_base32(),
        otpauth_url: setup.otpauth_url,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/me/mfa/totp/confirm`: TOTP on, the first recovery codes.
pub(crate) async fn confirm_totp(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: TotpConfirmRequest = read_body(&req, payload.into_inner()).await?;
    let codes = Blocking
        .run(move || {
            services
                .second_factor
                .confirm_totp(&session, &body.code, &origin)
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &RecoveryCodesBody::of(&codes),
    ))
}

/// `POST /api/me/mfa/recovery-codes`: a new set replaces the old.
pub(crate) async fn regenerate_codes(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordConfirmation = read_body(&req, payload.into_inner()).await?;
    let hashing = services.hashing.clone();
    let codes = hashing
        .run(move || {
            services
                .second_factor
                .regenerate_codes(&session, &body.password, &origin)
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &RecoveryCodesBody::of(&codes),
    ))
}

/// `POST /api/me/mfa/disable`: 204; tokens stay valid.
pub(crate) async fn disable(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: DisableRequest = read_body(&req, payload.into_inner()).await?;
    let hashing = services.hashing.clone();
    hashing
        .run(move || {
            services
                .second_factor
                .disable(&session, &body.password, &body.code, &origin)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/login/mfa`: 200 exactly as a login.
pub(crate) async fn second_step(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let success = code_step(&metrics, &throttles, req, payload, move |input| {
        services.login.second_step(input, &origin)
    })
    .await?;
    Ok(login_answer(&success))
}

/// The code step of a login: the IP admitted against `/api/login`'s
/// window, the body read, `login` run off the workers, the metrics kept.
pub(crate) async fn code_step<T: Send + 'static>(
    metrics: &Metrics,
    throttles: &Throttles,
    req: HttpRequest,
    payload: Payload,
    login: impl FnOnce(SecondStepInput) -> Result<T, SecondStepError> + Send + 'static,
) -> Result<T, ApiError> {
    let body: SecondStepRequest =
        admit_then_read(throttles, throttles.login_per_ip.as_ref(), &req, payload).await?;
    let input = SecondStepInput {
        mfa_token: body.mfa_token,
        code: body.code,
    };
    let result = Blocking.run(move || login(input)).await;
    match &result {
        Ok(_) => metrics.observe_login(LoginOutcome::Success),
        Err(ApiError::Validation(_)) => metrics.observe_login(LoginOutcome::Failure),
        Err(_) => {}
    }
    result
}

/// `DELETE /api/users/{id}/mfa`: 204; staff only, 404 for no such user.
pub(crate) async fn reset(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || {
            // The administration's own checks: staff, then the user.
            let user = services.admin.get(&session, &id)?;
            services
                .second_factor
                .reset(user.id, Some(&session), &origin)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
