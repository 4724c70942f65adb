use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::Data;
use tokenauth_application::LoginInput;

use crate::blocking::run_blocking;
use crate::openapi::LoginRequest;
use crate::representation::{ErrorBody, LoginErrorBody};
use crate::representation::{IssuedTokenBody, LoginBody, UserBody};
use crate::responses::json_response;
use crate::{ApiError, LoginOutcome, Metrics, RequestFields, Services};

#[utoipa::path(post, path = "/api/login", tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in; the user's previous token is rotated out.", body = LoginBody),
        (status = 400, description = "Malformed body.", body = ErrorBody),
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
    mut fields: RequestFields,
) -> Result<HttpResponse, ApiError> {
    let input = LoginInput {
        email: fields.take("email"),
        password: fields.take("password"),
    };
    let result = run_blocking(move || services.login.execute(input)).await;
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
