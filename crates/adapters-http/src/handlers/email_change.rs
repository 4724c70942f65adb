//! Moving the account to a new address: the signed-in user's request, and
//! the confirmation with the key mailed to the new address.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tokenauth_application::{EmailChangeInput, FieldValue};
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, fields, read_body};
use crate::representation::UserBody;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services};

/// `POST /api/me/email`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct EmailChangeRequest {
    /// The user's password, to confirm.
    #[schema(schema_with = fields::any_text, required = true)]
    password: FieldValue,
    /// The address wanted; the rules of signup's `email`.
    #[schema(schema_with = fields::email, required = true)]
    new_email: FieldValue,
}

/// `POST /api/me/email/confirm`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct EmailChangeConfirmRequest {
    /// The key from the link mailed to the new address.
    #[schema(schema_with = fields::any_text, required = true)]
    token: FieldValue,
}

/// `POST /api/me/email`: 202 whether or not the new address is free, so
/// the answer tells nothing of who has it.
pub(crate) async fn request_change(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: EmailChangeRequest = read_body(&req, payload.into_inner()).await?;
    let input = EmailChangeInput {
        password: body.password,
        new_email: body.new_email,
    };
    let hashing = services.hashing.clone();
    hashing
        .run(move || services.change_email.request(&session, input))
        .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"detail": "Verification e-mail sent."}),
    ))
}

/// `POST /api/me/email/confirm`: 200 with the user at its new address.
pub(crate) async fn confirm_change(
    services: Data<Services>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: EmailChangeConfirmRequest = read_body(&req, payload.into_inner()).await?;
    let user = Blocking
        .run(move || services.change_email.confirm(&body.token, &origin))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}
