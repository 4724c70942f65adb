//! The OAuth 2.0 token endpoints resource servers and gateways speak:
//! introspection (RFC 7662) and revocation (RFC 7009). Both read form bodies,
//! as the RFCs write them, and JSON.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokenauth_application::Introspected;
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, fields, read_body};
use crate::handlers::auth::admit_then_read;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services, Throttles};

/// The body of both endpoints.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct TokenRequest {
    /// The token's key.
    #[schema(schema_with = fields::any_text, required = true)]
    token: Value,
    /// Ignored: there is one kind of token to look for.
    #[schema(schema_with = fields::any_text)]
    #[allow(dead_code)]
    token_type_hint: Value,
}

impl TokenRequest {
    /// The key, or `invalid_request` when it is missing, blank or not a string.
    fn key(&self) -> Result<&str, ApiError> {
        match &self.token {
            Value::String(key) if !key.trim().is_empty() => Ok(key),
            _ => Err(ApiError::OAuthInvalidRequest),
        }
    }
}

/// A usable token, as RFC 7662 §2.2 names its members.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntrospectionBody {
    /// Always true here; anything unusable is `{"active": false}` alone.
    active: bool,
    /// The token's scopes, space-separated.
    scope: &'static str,
    /// The user's id.
    sub: String,
    /// The user's email.
    username: String,
    is_staff: bool,
    /// `session` or `personal`.
    token_type: &'static str,
    /// The token's id.
    jti: String,
    /// Issued at, Unix seconds.
    iat: i64,
    /// Expiry, Unix seconds; absent when it never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
}

impl IntrospectionBody {
    fn of(found: &Introspected) -> Self {
        let token = &found.token;
        Self {
            active: true,
            scope: token.scopes().as_str(),
            sub: found.user.id.to_string(),
            username: found.user.email.as_str().to_owned(),
            is_staff: found.user.is_staff,
            token_type: token.kind.as_str(),
            jti: token.id.to_string(),
            iat: token.created.timestamp(),
            exp: token.expires.map(|at| at.timestamp()),
        }
    }
}

/// `POST /api/oauth/introspect`: the caller's own token (scope
/// `tokens:introspect`) is checked by the extractor, before the body is read.
pub(crate) async fn introspect(
    services: Data<Services>,
    AuthenticatedUser(_caller): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: TokenRequest = read_body(&req, payload.into_inner()).await?;
    let key = body.key()?;
    Ok(match services.authenticate.introspect(key).await? {
        Some(found) => json_response(StatusCode::OK, &IntrospectionBody::of(&found)),
        None => json_response(StatusCode::OK, &json!({"active": false})),
    })
}

/// `POST /api/oauth/revoke`: 200 with an empty body whether or not the key
/// named a token; no authentication, as holding the key is enough.
pub(crate) async fn revoke(
    services: Data<Services>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: TokenRequest =
        admit_then_read(&throttles, throttles.revoke_per_ip.as_ref(), &req, payload).await?;
    let key = body.key()?.to_owned();
    Blocking
        .run(move || services.revoke_token.execute(&key, &origin))
        .await?;
    Ok(HttpResponse::Ok().finish())
}
