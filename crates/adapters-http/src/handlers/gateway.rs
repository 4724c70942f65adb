//! `GET /api/auth/verify`: whether a reverse proxy may let a request
//! through, and who it is (nginx `auth_request`, Traefik `ForwardAuth`,
//! Envoy `ext_authz` in HTTP mode), with a signed JWT of it when
//! `gateway.jwt` is on; and the key set that JWT verifies against.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tokenauth_application::Authenticated;
use tokenauth_domain::{Identity, Scope};
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, QueryParams};
use crate::responses::json_response;
use crate::{ApiError, Services};

const USER_ID: HeaderName = HeaderName::from_static("x-auth-user-id");
const USER_EMAIL: HeaderName = HeaderName::from_static("x-auth-user-email");
const IS_STAFF: HeaderName = HeaderName::from_static("x-auth-is-staff");
const SCOPES: HeaderName = HeaderName::from_static("x-auth-scopes");
const JWT: HeaderName = HeaderName::from_static("x-auth-jwt");

/// 200 with the user in `X-Auth-*` headers when the token is valid and holds
/// every `scope=` asked for (and the user is staff when `staff=true`);
/// otherwise the token's 401, or 403.
pub(crate) async fn verify(
    AuthenticatedUser(session): AuthenticatedUser<Identity>,
    services: Data<Services>,
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
    let mut response = identity_headers(&session);
    if let Some(identity) = &services.gateway_identity {
        let jwt = identity.assert(&session.user, &session.credential, session.scopes())?;
        if let Ok(value) = HeaderValue::from_str(&jwt) {
            response.headers_mut().insert(JWT, value);
        }
    }
    Ok(response)
}

/// A JSON Web Key Set (RFC 7517 §5).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeySet {
    keys: Vec<PublicJwk>,
}

/// An Ed25519 public key (RFC 8037 §2).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicJwk {
    /// `OKP`.
    kty: &'static str,
    /// `Ed25519`.
    crv: &'static str,
    /// The public key, base64url.
    x: String,
    /// The `kid` of the JWTs it verifies.
    kid: String,
    /// `sig`.
    #[serde(rename = "use")]
    use_: &'static str,
    /// `EdDSA`.
    alg: &'static str,
}

/// `GET /.well-known/jwks.json`: the public halves of the signing key and
/// of the retired keys whose JWTs may still be alive, as this process last
/// read them (no query: anyone may ask); empty when no JWTs are signed.
pub(crate) async fn key_set(services: Data<Services>) -> HttpResponse {
    let keys = services
        .signing_keys
        .as_ref()
        .map(|keys| keys.public_keys())
        .unwrap_or_default();
    let keys = keys
        .iter()
        .map(|key| PublicJwk {
            kty: "OKP",
            crv: "Ed25519",
            x: key.x.clone(),
            kid: key.id.to_string(),
            use_: "sig",
            alg: "EdDSA",
        })
        .collect();
    json_response(StatusCode::OK, &KeySet { keys })
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
