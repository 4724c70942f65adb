use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::Data;
use tokenauth_application::LoginInput;

use crate::blocking::run_blocking;
use crate::representation::{IssuedTokenBody, LoginBody, UserBody};
use crate::responses::json_response;
use crate::{ApiError, RequestFields, Services};

/// `POST /api/login`: 200 with the user and a new token.
pub(crate) async fn login(
    services: Data<Services>,
    mut fields: RequestFields,
) -> Result<HttpResponse, ApiError> {
    let input = LoginInput {
        email: fields.take("email"),
        password: fields.take("password"),
    };
    let success = run_blocking(move || services.login.execute(input)).await?;
    let body = LoginBody {
        message: "Success!",
        user: UserBody::of(&success.user),
        token: IssuedTokenBody::of(&success.issued),
    };
    Ok(json_response(StatusCode::OK, &body))
}
