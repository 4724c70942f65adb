use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::LoginInput;
use tokenauth_domain::EmailKey;

use crate::openapi::LoginRequest;
use crate::representation::{BadRequestBody, ErrorBody, LoginErrorBody};
use crate::representation::{IssuedTokenBody, LoginBody, UserBody};
use crate::responses::json_response;
use crate::threads::Threads;
use crate::{ApiError, LoginOutcome, Metrics, RequestFields, Services, Throttles, client_ip};

#[utoipa::path(post, path = "/api/login", tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in; the user's previous token is rotated out.", body = LoginBody),
        (status = 400, description = "Malformed body.", body = BadRequestBody),
        (status = 401, description = "Blank email or password, or invalid credentials.", body = LoginErrorBody),
        (status = 429, description = "Throttled.", body = ErrorBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Neither JSON nor form-encoded.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `POST /api/login`: 200 with the user and a new token.
pub(crate) async fn login(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    // Every login request counts, whatever its body: the IP is checked first.
    let ip = client_ip(&req, throttles.trusted_proxies);
    Throttles::check_all(&[(throttles.login_per_ip.as_ref(), &ip)]).map_err(ApiError::Throttled)?;
    let mut fields = RequestFields::read(&req, payload.into_inner()).await?;
    let input = LoginInput {
        email: fields.take("email"),
        password: fields.take("password"),
    };
    if let Some(email) = input.email.as_text() {
        let key = EmailKey::from_input(email);
        Throttles::check_all(&[(throttles.login_per_email.as_ref(), key.as_str())])
            .map_err(ApiError::Throttled)?;
    }
    let hashing = services.hashing.clone();
    let result = hashing.run(move || services.login.execute(input)).await;
    match &result {
        Ok(_) => metrics.observe_login(LoginOutcome::Success),
        Err(ApiError::LoginFailed(_)) => metrics.observe_login(LoginOutcome::Failure),
        Err(_) => {}
    }
    let success = result?;
    let body = LoginBody {
        message: "Success!",
        user: UserBody::of(&success.user),
        token: IssuedTokenBody::of(&success.issued),
    };
    Ok(json_response(StatusCode::OK, &body))
}
