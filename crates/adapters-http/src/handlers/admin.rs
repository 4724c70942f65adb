//! `/api/users`: the administration API (staff only).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use tokenauth_application::{FieldValue, ProfileInput, UserUpdateInput};
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, QueryParams, fields, page_links, read_body};
use crate::representation::{UserBody, UserPageBody};
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services};

/// `PATCH /api/users/{id}`: any of these, in the user body's order;
/// `is_staff` for superusers only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct UserUpdateRequest {
    /// An optional `+` then digits.
    #[schema(schema_with = fields::phone_number)]
    phonenumber: FieldValue,
    #[schema(schema_with = fields::name)]
    first_name: FieldValue,
    #[schema(schema_with = fields::name)]
    last_name: FieldValue,
    #[schema(schema_with = fields::boolean)]
    is_staff: FieldValue,
    /// `false` revokes every token of the user.
    #[schema(schema_with = fields::boolean)]
    is_active: FieldValue,
    #[schema(schema_with = fields::boolean)]
    email_verified: FieldValue,
}

/// `GET /api/users?limit=&offset=&search=`.
pub(crate) async fn list_users(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = params.page();
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

/// `PATCH /api/users/{id}`: `is_active`, names, phone number; `is_staff` for superusers.
pub(crate) async fn update_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    id: Path<String>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: UserUpdateRequest = read_body(&req, payload.into_inner()).await?;
    let input = UserUpdateInput {
        profile: ProfileInput {
            first_name: body.first_name,
            last_name: body.last_name,
            phonenumber: body.phonenumber,
        },
        is_active: body.is_active,
        is_staff: body.is_staff,
        email_verified: body.email_verified,
    };
    let id = id.into_inner();
    let user = Blocking
        .run(move || services.admin.update(&session, &id, input, &origin))
        .await?;
    Ok(json_response(StatusCode::OK, &UserBody::of(&user)))
}

/// `DELETE /api/users/{id}`: the user and all its tokens.
pub(crate) async fn delete_user(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || services.admin.delete(&session, &id, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
