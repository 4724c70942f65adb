//! `/api/users`: the administration API (staff only).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::{PageRequest, ProfileInput, UserUpdateInput};

use crate::authenticated_user::AuthenticatedUser;
use crate::blocking::run_blocking;
use crate::pagination::{QueryParams, page_links};
use crate::representation::{UserBody, UserPageBody};
use crate::responses::json_response;
use crate::{ApiError, RequestFields, Services};

/// `GET /api/users?limit=&offset=&search=`.
pub(crate) async fn list_users(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = PageRequest::from_query(params.get("limit"), params.get("offset"));
    let search = params.get("search").unwrap_or_default().to_owned();
    let users = run_blocking(move || services.admin.list(&session, page, &search)).await?;
    let (next, previous) = page_links(&req, &params, page, users.count);
    Ok(json_response(
        StatusCode::OK,
        &UserPageBody::of(&users, next, previous),
    ))
}

/// `GET /api/users/{id}`.
pub(crate) async fn get_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = run_blocking(move || services.admin.get(&session, &id)).await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

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
    let user = run_blocking(move || services.admin.update(&session, &id, input)).await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

/// `DELETE /api/users/{id}`: the user and all its tokens.
pub(crate) async fn delete_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(move || services.admin.delete(&session, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
