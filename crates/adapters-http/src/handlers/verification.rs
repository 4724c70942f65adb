//! Email verification: confirming a mailed key, and asking for another.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use tokenauth_application::FieldValue;
use utoipa::ToSchema;

use super::recovery::read_address_request;
use crate::extract::{Origin, fields, read_body};
use crate::representation::UserBody;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services, Throttles};

/// `POST /api/verify-email`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct VerifyEmailRequest {
    /// The key from the mailed link.
    #[schema(schema_with = fields::any_text, required = true)]
    token: FieldValue,
}

/// `POST /api/verify-email`: 200 with the user, its address verified.
pub(crate) async fn verify(
    services: Data<Services>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: VerifyEmailRequest = read_body(&req, payload.into_inner()).await?;
    let user = Blocking
        .run(move || services.verify_email.confirm(&body.token, &origin))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

/// `POST /api/verify-email/resend`: 204 whatever the address.
pub(crate) async fn resend(
    services: Data<Services>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let email = read_address_request(&throttles, &req, payload).await?;
    Blocking
        .run(move || services.verify_email.resend(&email, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
