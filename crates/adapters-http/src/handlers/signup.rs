use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::Data;
use tokenauth_application::SignupInput;

use crate::blocking::run_blocking;
use crate::representation::UserBody;
use crate::responses::json_response;
use crate::{ApiError, RequestFields, Services};

/// `POST /api/signup`: 201 with the new user.
pub(crate) async fn signup(
    services: Data<Services>,
    mut fields: RequestFields,
) -> Result<HttpResponse, ApiError> {
    let input = SignupInput {
        email: fields.take("email"),
        phonenumber: fields.take("phonenumber"),
        password: fields.take("password"),
        first_name: fields.take("first_name"),
        last_name: fields.take("last_name"),
    };
    let user = run_blocking(move || services.signup.execute(input)).await?;
    Ok(json_response(StatusCode::CREATED, &UserBody::of(&user)))
}
