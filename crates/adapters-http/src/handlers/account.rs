use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::authenticated_user::AuthenticatedUser;
use crate::representation::UserBody;
use crate::responses::json_response;

/// `GET /api/me`: the authenticated user.
pub(crate) async fn me(AuthenticatedUser(session): AuthenticatedUser) -> HttpResponse {
    json_response(StatusCode::OK, &UserBody::of(&session.user))
}
