//! Account recovery: password reset by mail.

use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use tokenauth_application::{FieldValue, ResetConfirmInput};
use tokenauth_domain::EmailKey;
use utoipa::ToSchema;

use super::auth::admit_then_read;
use crate::extract::{Origin, fields, read_body};
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services, Throttles};

/// `POST /api/password/reset` and `POST /api/verify-email/resend`: an
/// address to mail.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct AddressRequest {
    /// Validated as at signup; whether an account has it is never told.
    #[schema(schema_with = fields::email, required = true)]
    email: FieldValue,
}

/// Reads a request for account mail under `throttle.mail`: the window per
/// client IP before the body, the one per address once it is read (one
/// window for both endpoints); returns the address as sent.
pub(crate) async fn read_address_request(
    throttles: &Throttles,
    req: &HttpRequest,
    payload: Payload,
) -> Result<FieldValue, ApiError> {
    let body: AddressRequest =
        admit_then_read(throttles, throttles.mail_per_ip.as_ref(), req, payload).await?;
    if let Some(email) = body.email.as_text() {
        let key = EmailKey::from_input(email);
        throttles
            .check(throttles.mail_per_email.as_ref(), key.as_str())
            .await?;
    }
    Ok(body.email)
}

/// `POST /api/password/reset/confirm`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasswordResetConfirmRequest {
    /// The key from the mailed link.
    #[schema(schema_with = fields::any_text, required = true)]
    token: FieldValue,
    /// Judged as at signup, against the account's email and names.
    #[schema(schema_with = fields::new_password, required = true)]
    new_password: FieldValue,
}

/// `POST /api/password/reset`: 204 whatever the address; a message goes out
/// (from the mail worker) only to an active account's.
pub(crate) async fn request_reset(
    services: Data<Services>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let email = read_address_request(&throttles, &req, payload).await?;
    Blocking
        .run(move || services.password_reset.request(&email, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/password/reset/confirm`: 204 once the password is set.
pub(crate) async fn confirm_reset(
    services: Data<Services>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordResetConfirmRequest = read_body(&req, payload.into_inner()).await?;
    let input = ResetConfirmInput {
        token: body.token,
        new_password: body.new_password,
    };
    let hashing = services.hashing.clone();
    hashing
        .run(move || services.password_reset.confirm(input, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
