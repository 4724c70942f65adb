//! `/api/users`: the administration API (staff only).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::{PageRequest, ProfileInput, UserUpdateInput};

use crate::authenticated_user::AuthenticatedUser;
use crate::openapi::UserUpdate;
use crate::pagination::{QueryParams, page_links};
use crate::representation::{BadRequestBody, ErrorBody};
use crate::representation::{UserBody, UserPageBody};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, RequestFields, Services};

#[utoipa::path(get, path = "/api/users", tag = "administration", security(("token" = [])),
    params(
        ("limit" = Option<String>, Query, description = "Page size: default 50 (also for nonsense, zero or negative), at most 1000."),
        ("offset" = Option<String>, Query, description = "Users skipped: default 0."),
        ("search" = Option<String>, Query, description = "Words that must all appear in the email or names, any case."),
    ),
    responses(
        (status = 200, description = "A page of users, in order of joining.", body = UserPageBody),
        (status = 403, description = "Not staff.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `GET /api/users?limit=&offset=&search=`.
pub(crate) async fn list_users(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = PageRequest::from_query(params.get("limit"), params.get("offset"));
    let search = params.get("search").unwrap_or_default().to_owned();
    let users = Blocking
        .run(move || services.admin.list(&session, page, &search))
        .await?;
    let (next, previous) = page_links(&req, &params, page, users.count);
    Ok(json_response(
        StatusCode::OK,
        &UserPageBody::of(&users, next, previous),
    ))
}

#[utoipa::path(get, path = "/api/users/{id}", tag = "administration", security(("token" = [])),
    params(("id" = String, Path, description = "A user id.")),
    responses(
        (status = 200, description = "The user.", body = UserBody),
        (status = 404, description = "No such user (or a malformed id).", body = ErrorBody),
        (status = 403, description = "Not staff.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `GET /api/users/{id}`.
pub(crate) async fn get_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = Blocking
        .run(move || services.admin.get(&session, &id))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

#[utoipa::path(patch, path = "/api/users/{id}", tag = "administration", security(("token" = [])),
    params(("id" = String, Path, description = "A user id.")),
    request_body(content = Option<UserUpdate>, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user; deactivation revoked all its tokens.", body = UserBody),
        (status = 400, description = "Every failing field, or a malformed body.", body = BadRequestBody),
        (status = 404, description = "No such user (or a malformed id).", body = ErrorBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Neither JSON nor form-encoded.", body = ErrorBody),
        (status = 403, description = "Not staff.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `PATCH /api/users/{id}`: `is_active`, names, phone number; `is_staff` for superusers.
pub(crate) async fn update_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let mut fields = RequestFields::read(&req, payload.into_inner()).await?;
    let input = UserUpdateInput {
        profile: ProfileInput {
            first_name: fields.take("first_name"),
            last_name: fields.take("last_name"),
            phonenumber: fields.take("phonenumber"),
        },
        is_active: fields.take("is_active"),
        is_staff: fields.take("is_staff"),
    };
    let id = id.into_inner();
    let user = Blocking
        .run(move || services.admin.update(&session, &id, input))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

#[utoipa::path(delete, path = "/api/users/{id}", tag = "administration", security(("token" = [])),
    params(("id" = String, Path, description = "A user id.")),
    responses(
        (status = 204, description = "The user and all its tokens are gone."),
        (status = 404, description = "No such user (or a malformed id).", body = ErrorBody),
        (status = 403, description = "Not staff.", body = ErrorBody),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `DELETE /api/users/{id}`: the user and all its tokens.
pub(crate) async fn delete_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || services.admin.delete(&session, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
