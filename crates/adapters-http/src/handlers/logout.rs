use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::authenticated_user::AuthenticatedUser;
use crate::representation::ErrorBody;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services};

#[utoipa::path(post, path = "/api/logout", tag = "auth", security(("token" = [])),
    responses(
        (status = 204, description = "The token used is revoked."),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `POST /api/logout`: revokes the token used.
pub(crate) async fn logout(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    Blocking
        .run(move || services.logout.execute(&session))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/logoutall", tag = "auth", security(("token" = [])),
    responses(
        (status = 204, description = "Every token of the user is revoked."),
        (status = 401, description = "No, malformed, unknown, revoked or expired token; inactive user.", body = ErrorBody),
        (status = 503, description = "Database unavailable.", body = ErrorBody),
    ))]
/// `POST /api/logoutall`: revokes every token of the user.
pub(crate) async fn logout_all(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    Blocking
        .run(move || services.logout_all.execute(&session))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
