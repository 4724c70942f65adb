use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::SignupInput;

use crate::openapi::SignupRequest;
use crate::representation::UserBody;
use crate::representation::{BadRequestBody, ErrorBody};
use crate::responses::json_response;
use crate::threads::Threads;
use crate::{ApiError, Metrics, RequestFields, Services, Throttles, client_ip};

#[utoipa::path(post, path = "/api/signup", tag = "auth",
    request_body(content = SignupRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = UserBody),
        (status = 400, description = "Every failing field, or a malformed body.", body = BadRequestBody),
        (status = 429, description = "Throttled.", body = ErrorBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Neither JSON nor form-encoded.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `POST /api/signup`: 201 with the new user.
pub(crate) async fn signup(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let ip = client_ip(&req, throttles.trusted_proxies);
    Throttles::check_all(&[(throttles.signup_per_ip.as_ref(), &ip)])
        .map_err(ApiError::Throttled)?;
    let mut fields = RequestFields::read(&req, payload.into_inner()).await?;
    let input = SignupInput {
        email: fields.take("email"),
        phonenumber: fields.take("phonenumber"),
        password: fields.take("password"),
        first_name: fields.take("first_name"),
        last_name: fields.take("last_name"),
    };
    let hashing = services.hashing.clone();
    let user = hashing.run(move || services.signup.execute(input)).await?;
    metrics.observe_signup();
    Ok(json_response(StatusCode::CREATED, &UserBody::of(&user)))
}
