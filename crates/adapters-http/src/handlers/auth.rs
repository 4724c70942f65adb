//! Signing up, logging in and out.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokenauth_application::{FieldValue, LoginInput, LoginSuccess, SignupInput};
use tokenauth_domain::EmailKey;
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, client_ip, fields, read_body};
use crate::representation::{IssuedTokenBody, LoginBody, UserBody};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, LoginOutcome, Metrics, Services, Throttle, Throttles};

/// `POST /api/signup` (JSON or form-encoded).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct SignupRequest {
    /// Trimmed, valid; unique in any case.
    #[schema(schema_with = fields::email, required = true)]
    email: FieldValue,
    /// An optional `+` then digits.
    #[schema(schema_with = fields::phone_number, required = true)]
    phonenumber: FieldValue,
    /// Judged by the password policy: not numeric, common, or like the email or names.
    #[schema(schema_with = fields::new_password, required = true)]
    password: FieldValue,
    /// Optional, empty by default.
    #[schema(schema_with = fields::name)]
    first_name: FieldValue,
    /// Optional, empty by default.
    #[schema(schema_with = fields::name)]
    last_name: FieldValue,
}

/// `POST /api/login` (JSON or form-encoded).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct LoginRequest {
    #[schema(schema_with = fields::any_text, required = true)]
    pub(crate) email: FieldValue,
    #[schema(schema_with = fields::any_text, required = true)]
    pub(crate) password: FieldValue,
}

/// Counts the request against `per_ip` by client IP, then reads the body.
/// The IP is checked first, as DRF does: every request counts whatever its
/// body, and a throttled one is 429 even when its body is malformed.
pub(crate) async fn admit_then_read<T: DeserializeOwned>(
    throttles: &Throttles,
    per_ip: Option<&Throttle>,
    req: &HttpRequest,
    payload: Payload,
) -> Result<T, ApiError> {
    admit(throttles, per_ip, req).await?;
    read_body(req, payload.into_inner()).await
}

/// Counts the request against its client IP's window: 429 when full.
pub(crate) async fn admit(
    throttles: &Throttles,
    per_ip: Option<&Throttle>,
    req: &HttpRequest,
) -> Result<(), ApiError> {
    let ip = client_ip(req, throttles.trusted_proxies);
    throttles.check(per_ip, &ip).await
}

/// `POST /api/signup`: 201 with the new user.
pub(crate) async fn signup(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SignupRequest =
        admit_then_read(&throttles, throttles.signup_per_ip.as_ref(), &req, payload).await?;
    let input = SignupInput {
        email: body.email,
        phonenumber: body.phonenumber,
        password: body.password,
        first_name: body.first_name,
        last_name: body.last_name,
    };
    let hashing = services.hashing.clone();
    let signup = services.clone();
    let signed_up = origin.clone();
    let user = hashing
        .run(move || signup.signup.execute(input, &signed_up))
        .await?;
    metrics.observe_signup();
    let created = user.clone();
    // The account exists: a verification message that could not be asked
    // for is logged, and the user can ask again (resend).
    if let Err(error) = Blocking
        .run(move || services.verify_email.after_signup(&created, &origin))
        .await
    {
        tracing::warn!(%error, "could not queue the verification message");
    }
    Ok(json_response(StatusCode::CREATED, &UserBody::of(&user)))
}

/// `POST /api/login`: 200 with the user and a new token.
pub(crate) async fn login(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: LoginRequest =
        admit_then_read(&throttles, throttles.login_per_ip.as_ref(), &req, payload).await?;
    let success = password_step(
        &services,
        &metrics,
        &throttles,
        body,
        move |services, input| Ok(services.login.execute(input, &origin)?),
    )
    .await?;
    Ok(login_answer(&success))
}

/// The password step of a login, once the IP was admitted and the body
/// read: the per-email throttle, the check on the hashing threads, and the
/// login metrics. `login` issues what the endpoint hands out.
pub(crate) async fn password_step<T: Send + 'static>(
    services: &Data<Services>,
    metrics: &Metrics,
    throttles: &Throttles,
    body: LoginRequest,
    login: impl FnOnce(&Services, LoginInput) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    if let Some(email) = body.email.as_text() {
        let key = EmailKey::from_input(email);
        throttles
            .check(throttles.login_per_email.as_ref(), key.as_str())
            .await?;
    }
    let input = LoginInput {
        email: body.email,
        password: body.password,
    };
    let hashing = services.hashing.clone();
    let services = services.clone();
    let result = hashing.run(move || login(&services, input)).await;
    match &result {
        Ok(_) => metrics.observe_login(LoginOutcome::Success),
        Err(ApiError::LoginFailed(_) | ApiError::PairLoginFailed(_)) => {
            metrics.observe_login(LoginOutcome::Failure);
        }
        Err(_) => {}
    }
    result
}

/// A login's 200, whichever way it proved who it was.
pub(crate) fn login_answer(success: &LoginSuccess) -> HttpResponse {
    let body = LoginBody {
        message: "Success!",
        user: UserBody::of(&success.user),
        token: IssuedTokenBody::of(&success.issued),
    };
    json_response(StatusCode::OK, &body)
}

/// `POST /api/logout`: revokes the token used.
pub(crate) async fn logout(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
) -> Result<HttpResponse, ApiError> {
    Blocking
        .run(move || services.logout.execute(&session, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/logoutall`: revokes every token of the user.
pub(crate) async fn logout_all(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
) -> Result<HttpResponse, ApiError> {
    Blocking
        .run(move || services.logout_all.execute(&session, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
