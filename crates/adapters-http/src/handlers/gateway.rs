//! `GET /api/auth/verify`: whether a reverse proxy may let a request
//! through, and who it is (nginx `auth_request`, Traefik `ForwardAuth`,
//! Envoy `ext_authz` in HTTP mode).

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::Authenticated;
use tokenauth_domain::{Identity, Scope};

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
    AuthenticatedUser(session): AuthenticatedUser<Identity>,
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

fn identity_headers(session: &Authenticated<Identity>) -> HttpResponse {
    let user = &session.user;
    let mut id = uuid::Uuid::encode_buffer();
    let mut response = HttpResponse::Ok().finish();
    let headers = response.headers_mut();
    // Header values may carry UTF-8 bytes: an address is sent as it is stored.
    for (name, value) in [
        (
            USER_ID,
            HeaderValue::from_str(user.id.as_uuid().hyphenated().encode_lower(&mut id)),
        ),
        (
            USER_EMAIL,
            HeaderValue::from_bytes(user.email.as_str().as_bytes()),
        ),
    ] {
        if let Ok(value) = value {
            headers.insert(name, value);
        }
    }
    let staff = if user.is_staff { "true" } else { "false" };
    headers.insert(IS_STAFF, HeaderValue::from_static(staff));
    headers.insert(SCOPES, HeaderValue::from_static(session.scopes().as_str()));
    response
}
