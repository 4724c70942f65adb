//! Passkeys: registering, listing and deleting them, and logging in with
//! one. Options go out and responses come in as WebAuthn Level 3 JSON.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use tokenauth_application::{CredentialField, FieldValue, PasskeyInput};
use tokenauth_domain::Passkey;
use utoipa::ToSchema;

use crate::extract::{AuthenticatedUser, Origin, fields, read_body};
use crate::handlers::auth::{admit, admit_then_read, login_answer};
use crate::representation::rfc3339;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, LoginOutcome, Metrics, Services, Throttles};

/// A `credential` field: a JSON object, or its JSON text from a form.
#[derive(Debug, Default)]
struct Credential(CredentialField);

impl<'de> Deserialize<'de> for Credential {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(match Value::deserialize(deserializer)? {
            Value::Null => CredentialField::Null,
            Value::String(text) => CredentialField::Json(text),
            other => CredentialField::Json(other.to_string()),
        }))
    }
}

/// `POST /api/me/passkeys/options`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct RegistrationOptionsRequest {
    /// The user's password.
    #[schema(schema_with = fields::any_text, required = true)]
    password: FieldValue,
}

/// `POST /api/me/passkeys`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasskeyRequest {
    /// What to call it.
    #[schema(schema_with = fields::label, required = true)]
    name: FieldValue,
    /// The registration response.
    #[schema(schema_with = fields::webauthn_response, required = true)]
    credential: Credential,
}

/// `POST /api/login/passkey`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasskeyLoginRequest {
    /// The authentication response.
    #[schema(schema_with = fields::webauthn_response, required = true)]
    credential: Credential,
}

/// A passkey as its owner sees it: never its key.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PasskeyBody {
    id: String,
    name: String,
    created: String,
    #[schema(required = true)]
    last_used: Option<String>,
}

impl PasskeyBody {
    fn of(passkey: &Passkey) -> Self {
        Self {
            id: passkey.id.to_string(),
            name: passkey.name.as_str().to_owned(),
            created: rfc3339(passkey.created),
            last_used: passkey.last_used.map(rfc3339),
        }
    }
}

/// `{"publicKey": {...}}`, as the relying party wrote it.
fn options_response(options: String) -> Result<HttpResponse, ApiError> {
    let options = RawValue::from_string(options).map_err(|error| {
        tracing::error!(%error, "the relying party wrote options that are not JSON");
        ApiError::Internal
    })?;
    Ok(json_response(StatusCode::OK, &options))
}

/// `POST /api/me/passkeys/options`: creation options, once the password matched.
pub(crate) async fn registration_options(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: RegistrationOptionsRequest = read_body(&req, payload.into_inner()).await?;
    let hashing = services.hashing.clone();
    let options = hashing
        .run(move || {
            services
                .passkeys
                .registration_options(&session, &body.password)
        })
        .await?;
    options_response(options)
}

/// `POST /api/me/passkeys`: 201 with the passkey.
pub(crate) async fn register(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyRequest = read_body(&req, payload.into_inner()).await?;
    let input = PasskeyInput {
        name: body.name,
        credential: body.credential.0,
    };
    let passkey = Blocking
        .run(move || services.passkeys.register(&session, &input, &origin))
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &PasskeyBody::of(&passkey),
    ))
}

/// `GET /api/me/passkeys`: newest first.
pub(crate) async fn list(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let passkeys = Blocking
        .run(move || services.passkeys.list(&session))
        .await?;
    let body: Vec<PasskeyBody> = passkeys.iter().map(PasskeyBody::of).collect();
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /api/me/passkeys/{id}`: 204, or 404 for none of the user's.
pub(crate) async fn delete(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    Origin(origin): Origin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Blocking
        .run(move || services.passkeys.delete(&session, &id, &origin))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/login/passkey/options`: request options for a discoverable
/// credential. Anyone may ask and each answer stores a challenge, so the
/// asking is throttled per IP: at `throttle.login`'s rate, in a window of
/// its own (a passkey login asks once here and once at the login).
pub(crate) async fn login_options(
    services: Data<Services>,
    throttles: Data<Throttles>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    admit(&throttles, throttles.passkey_options_per_ip.as_ref(), &req).await?;
    let options = Blocking
        .run(move || services.passkeys.login_options())
        .await?;
    options_response(options)
}

/// `POST /api/login/passkey`: 200 exactly as a login.
pub(crate) async fn login(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyLoginRequest =
        admit_then_read(&throttles, throttles.login_per_ip.as_ref(), &req, payload).await?;
    let credential = body.credential.0;
    let result = Blocking
        .run(move || services.passkeys.login(&credential, &origin))
        .await;
    match &result {
        Ok(_) => metrics.observe_login(LoginOutcome::Success),
        Err(ApiError::LoginFailed(_) | ApiError::Validation(_)) => {
            metrics.observe_login(LoginOutcome::Failure);
        }
        Err(_) => {}
    }
    Ok(login_answer(&result?))
}
