//! `GET /api/auth/verify`: whether a reverse proxy may let a request
//! through, and who it is (nginx `auth_request`, Traefik `ForwardAuth`,
//! Envoy `ext_authz` in HTTP mode).

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::Authenticated;
use tokenauth_domain::Scope;

use crate::ApiError;
use crate::extract::{AuthenticatedUser, QueryParams};

const USER_ID: HeaderName = HeaderName::from_static("x-auth-user-id");
const USER_EMAIL: HeaderName = HeaderName::from_static("x-auth-user-email");
const IS_STAFF: HeaderName = HeaderName::from_static("x-auth-is-staff");
const SCOPES: HeaderName = HeaderName::from_static("x-auth-scopes");

/// 200 with the user in `X-Auth-*` headers when the token is valid and holds
/// every `scope=` asked for (and the user is staff when `staff=true`);
/// otherwise the token's 401, or 403.
pub(crate) async fn verify(
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = QueryParams::of(&req);
    // An unknown scope (an empty one too) is held by no token.
    let holds_all = query
        .all("scope")
        .all(|name| Scope::parse(name).is_some_and(|scope| session.holds(scope)));
    // Only `staff=true` asks for the staff rule; any other value is ignored.
    let staff_refused = query.get("staff") == Some("true") && !session.user.is_staff;
    if !holds_all || staff_refused {
        return Err(ApiError::Forbidden);
    }
    Ok(identity_headers(&session))
}

fn identity_headers(session: &Authenticated) -> HttpResponse {
    let mut response = HttpResponse::Ok().finish();
    let headers = response.headers_mut();
    for (name, value) in [
        (USER_ID, session.user.id.to_string().into_bytes()),
        // Header values may carry UTF-8 bytes: an address is sent as it is stored.
        (USER_EMAIL, session.user.email.as_str().as_bytes().to_vec()),
        (IS_STAFF, session.user.is_staff.to_string().into_bytes()),
        (SCOPES, session.scopes().to_string().into_bytes()),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            headers.insert(name, value);
        }
    }
    response
}
