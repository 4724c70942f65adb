//! `/api/me`: the authenticated user's own account and sessions.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::{ChangePasswordInput, ProfileInput};

use crate::authenticated_user::AuthenticatedUser;
use crate::blocking::run_blocking;
use crate::representation::{SessionBody, UserBody};
use crate::responses::json_response;
use crate::{ApiError, RequestFields, Services};

/// `GET /api/me`: the authenticated user.
pub(crate) async fn me(AuthenticatedUser(session): AuthenticatedUser) -> HttpResponse {
    json_response(StatusCode::OK, &UserBody::of(&session.user))
}

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
    let user = run_blocking(move || services.update_profile.execute(&session, input)).await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

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
    run_blocking(move || services.change_password.execute(&session, input)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/me/tokens`: the user's unexpired tokens, newest first.
pub(crate) async fn list_tokens(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let sessions = run_blocking(move || services.sessions.list(&session)).await?;
    let body: Vec<SessionBody> = sessions.iter().map(SessionBody::of).collect();
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /api/me/tokens/{id}`: 204, or 404 when it is not one of the user's.
pub(crate) async fn delete_token(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(move || services.sessions.end(&session, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
