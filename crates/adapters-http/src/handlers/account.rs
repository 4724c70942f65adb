//! `/api/me`: the authenticated user's own account and sessions.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use tokenauth_application::{
    ChangePasswordInput, FieldValue, ListValue, PersonalTokenInput, ProfileInput,
};
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, fields, read_body};
use crate::representation::{PersonalTokenBody, SessionBody, UserBody};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services};

/// `PATCH /api/me`: any of these; other fields are read-only here and ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct ProfileRequest {
    /// An optional `+` then digits.
    #[schema(schema_with = fields::phone_number)]
    phonenumber: FieldValue,
    #[schema(schema_with = fields::name)]
    first_name: FieldValue,
    #[schema(schema_with = fields::name)]
    last_name: FieldValue,
}

impl From<ProfileRequest> for ProfileInput {
    fn from(body: ProfileRequest) -> Self {
        Self {
            first_name: body.first_name,
            last_name: body.last_name,
            phonenumber: body.phonenumber,
        }
    }
}

/// `POST /api/me/password`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasswordChangeRequest {
    /// The password now, to confirm.
    #[schema(schema_with = fields::any_text, required = true)]
    current_password: FieldValue,
    /// Judged by the password policy, as at signup.
    #[schema(schema_with = fields::new_password, required = true)]
    new_password: FieldValue,
}

/// `POST /api/me/delete`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct AccountDeletionRequest {
    /// The user's password, to confirm.
    #[schema(schema_with = fields::any_text, required = true)]
    password: FieldValue,
}

/// `GET /api/me`: the authenticated user.
pub(crate) async fn me(AuthenticatedUser(session): AuthenticatedUser) -> HttpResponse {
    json_response(StatusCode::OK, &UserBody::of(&session.user))
}

/// `PATCH /api/me`: names and phone number; other fields are read-only here.
pub(crate) async fn update_me(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: ProfileRequest = read_body(&req, payload.into_inner()).await?;
    let input = ProfileInput::from(body);
    let user = Blocking
        .run(move || services.update_profile.execute(&session, input, &origin))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

/// `POST /api/me/password`: 204; the user's other tokens are revoked.
pub(crate) async fn change_password(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordChangeRequest = read_body(&req, payload.into_inner()).await?;
    let input = ChangePasswordInput {
        current_password: body.current_password,
        new_password: body.new_password,
    };
    let hashing = services.hashing.clone();
    hashing
        .run(move || services.change_password.execute(&session, input, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/me/delete`: 204; the account and everything it holds are gone.
pub(crate) async fn delete_me(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: AccountDeletionRequest = read_body(&req, payload.into_inner()).await?;
    let hashing = services.hashing.clone();
    hashing
        .run(move || {
            services
                .delete_account
                .execute(&session, &body.password, &origin)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

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

/// `POST /api/me/tokens` (a session token only).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PersonalTokenRequest {
    /// What the token is for; trimmed.
    #[schema(schema_with = fields::label, required = true)]
    name: FieldValue,
    /// What it may do.
    #[schema(schema_with = fields::scopes, required = true)]
    scopes: ListValue,
    /// Days it lives: 30 when left out, never when null.
    #[schema(schema_with = fields::token_days)]
    expires_in_days: FieldValue,
}

/// `POST /api/me/tokens`: 201 with the new personal token and its key,
/// shown this once.
pub(crate) async fn create_token(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PersonalTokenRequest = read_body(&req, payload.into_inner()).await?;
    let input = PersonalTokenInput {
        name: body.name,
        scopes: body.scopes,
        expires_in_days: body.expires_in_days,
    };
    let issued = Blocking
        .run(move || services.personal_tokens.create(&session, input, &origin))
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &PersonalTokenBody::of(&issued),
    ))
}

/// `DELETE /api/me/tokens/{id}`: 204, or 404 when it is not one of the user's.
pub(crate) async fn delete_token(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || services.sessions.end(&session, &id, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
