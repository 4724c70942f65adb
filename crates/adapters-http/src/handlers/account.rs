//! `/api/me`: the authenticated user's own account and sessions.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::{ChangePasswordInput, ProfileInput};

use crate::authenticated_user::AuthenticatedUser;
use crate::openapi::{PasswordChange, ProfileUpdate};
use crate::representation::{BadRequestBody, ErrorBody};
use crate::representation::{SessionBody, UserBody};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, RequestFields, Services};

#[utoipa::path(get, path = "/api/me", tag = "account", security(("token" = [])),
    responses(
        (status = 200, description = "The authenticated user.", body = UserBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `GET /api/me`: the authenticated user.
pub(crate) async fn me(AuthenticatedUser(session): AuthenticatedUser) -> HttpResponse {
    json_response(StatusCode::OK, &UserBody::of(&session.user))
}

#[utoipa::path(patch, path = "/api/me", tag = "account", security(("token" = [])),
    request_body(content = Option<ProfileUpdate>, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user.", body = UserBody),
        (status = 400, description = "Every failing field, or a malformed body.", body = BadRequestBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Neither JSON nor form-encoded.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `PATCH /api/me`: names and phone number; other fields are read-only here.
pub(crate) async fn update_me(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let mut fields = RequestFields::read(&req, payload.into_inner()).await?;
    let input = ProfileInput {
        first_name: fields.take("first_name"),
        last_name: fields.take("last_name"),
        phonenumber: fields.take("phonenumber"),
    };
    let user = Blocking
        .run(move || services.update_profile.execute(&session, input))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

#[utoipa::path(post, path = "/api/me/password", tag = "account", security(("token" = [])),
    request_body(content = PasswordChange, content_type = "application/json"),
    responses(
        (status = 204, description = "Changed; every other token of the user is revoked."),
        (status = 400, description = "Wrong current password or a refused new one.", body = BadRequestBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Neither JSON nor form-encoded.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `POST /api/me/password`: 204; the user's other tokens are revoked.
pub(crate) async fn change_password(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let mut fields = RequestFields::read(&req, payload.into_inner()).await?;
    let input = ChangePasswordInput {
        current_password: fields.take("current_password"),
        new_password: fields.take("new_password"),
    };
    let hashing = services.hashing.clone();
    hashing
        .run(move || services.change_password.execute(&session, input))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/me/tokens", tag = "account", security(("token" = [])),
    responses(
        (status = 200, description = "The user's unexpired tokens, newest first.", body = [SessionBody]),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `GET /api/me/tokens`: the user's unexpired tokens, newest first.
pub(crate) async fn list_tokens(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let sessions = Blocking
        .run(move || services.sessions.list(&session))
        .await?;
    let body: Vec<SessionBody> = sessions.iter().map(SessionBody::of).collect();
    Ok(json_response(StatusCode::OK, &body))
}

#[utoipa::path(delete, path = "/api/me/tokens/{id}", tag = "account", security(("token" = [])),
    params(("id" = String, Path, description = "A token id from GET /api/me/tokens.")),
    responses(
        (status = 204, description = "That session is ended."),
        (status = 404, description = "Not one of the user's tokens.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `DELETE /api/me/tokens/{id}`: 204, or 404 when it is not one of the user's.
pub(crate) async fn delete_token(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || services.sessions.end(&session, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
