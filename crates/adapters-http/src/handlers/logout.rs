use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::authenticated_user::AuthenticatedUser;
use crate::blocking::run_blocking;
use crate::{ApiError, Services};

/// `POST /api/logout`: revokes the token used.
pub(crate) async fn logout(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    run_blocking(move || services.logout.execute(&session)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/logoutall`: revokes every token of the user.
pub(crate) async fn logout_all(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    run_blocking(move || services.logout_all.execute(&session)).await?;
    Ok(HttpResponse::NoContent().finish())
}
