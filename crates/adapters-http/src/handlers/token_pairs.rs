//! Access and refresh JWTs as djangorestframework-simplejwt serves them:
//! obtain (and its second step), refresh, verify and blacklist.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokenauth_application::{FieldValue, TokenPair, TokenPairs};
use utoipa::ToSchema;

use crate::extract::{Origin, fields, read_body};
use crate::handlers::auth::{LoginRequest, admit_then_read, password_step};
use crate::handlers::second_factor::code_step;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Metrics, Services, Throttles};

/// `POST /api/token/refresh/` and `/api/token/blacklist/`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct RefreshRequest {
    /// A refresh JWT.
    #[schema(schema_with = fields::any_text, required = true)]
    refresh: FieldValue,
}

/// `POST /api/token/verify/`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct VerifyRequest {
    /// An access or refresh JWT.
    #[schema(schema_with = fields::any_text, required = true)]
    token: FieldValue,
}

/// A new pair, as `POST /api/token/` orders it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ObtainedPairBody {
    /// Buys the next pair, once.
    refresh: String,
    /// `Authorization: Bearer <access>`.
    access: String,
}

/// A new pair, as `POST /api/token/refresh/` orders it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RefreshedPairBody {
    /// `Authorization: Bearer <access>`.
    access: String,
    /// Buys the next pair, once; the one sent is used up.
    refresh: String,
}

/// The use case, which is there whenever these endpoints are mounted.
fn pairs(services: &Services) -> Result<Arc<TokenPairs>, ApiError> {
    services.token_pairs.clone().ok_or(ApiError::NotFound)
}

fn obtained(pair: TokenPair) -> HttpResponse {
    let body = ObtainedPairBody {
        refresh: pair.refresh,
        access: pair.access,
    };
    json_response(StatusCode::OK, &body)
}

/// `POST /api/token/`: a pair for an email and password, throttled and
/// recorded as a login; SimpleJWT's field errors and refusals.
pub(crate) async fn obtain(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let pairs = pairs(&services)?;
    let body: LoginRequest =
        admit_then_read(&throttles, throttles.login_per_ip.as_ref(), &req, payload).await?;
    let success = password_step(
        &services,
        &metrics,
        &throttles,
        body,
        move |services, input| {
            if let Err(fields) = TokenPairs::check_login_fields(&input) {
                services.login.record_refused_fields(&input, &origin)?;
                return Err(fields.into());
            }
            services
                .login
                .execute_with(input, &origin, pairs.as_ref())
                .map_err(|refused| ApiError::from(refused).in_pair_words())
        },
    )
    .await?;
    Ok(obtained(success.issued.pair))
}

/// `POST /api/token/mfa/`: the second step of `POST /api/token/`.
pub(crate) async fn obtain_second_step(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    Origin(origin): Origin,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let pairs = pairs(&services)?;
    let success = code_step(&metrics, &throttles, req, payload, move |input| {
        services
            .login
            .second_step_with(input, &origin, pairs.as_ref())
    })
    .await?;
    Ok(obtained(success.issued.pair))
}

/// `POST /api/token/refresh/`: a new pair; the refresh JWT sent is used up.
pub(crate) async fn refresh(
    services: Data<Services>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let pairs = pairs(&services)?;
    let body: RefreshRequest = read_body(&req, payload.into_inner()).await?;
    let pair = Blocking.run(move || pairs.refresh(&body.refresh)).await?;
    let body = RefreshedPairBody {
        access: pair.access,
        refresh: pair.refresh,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/token/verify/`: `{}` for a JWT that would be accepted.
pub(crate) async fn verify(
    services: Data<Services>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let pairs = pairs(&services)?;
    let body: VerifyRequest = read_body(&req, payload.into_inner()).await?;
    answer_empty(Blocking.run(move || pairs.verify(&body.token)).await)
}

/// `POST /api/token/blacklist/`: `{}`; the refresh JWT stops working.
pub(crate) async fn blacklist(
    services: Data<Services>,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let pairs = pairs(&services)?;
    let body: RefreshRequest = read_body(&req, payload.into_inner()).await?;
    answer_empty(Blocking.run(move || pairs.blacklist(&body.refresh)).await)
}

fn answer_empty(done: Result<(), ApiError>) -> Result<HttpResponse, ApiError> {
    done.map(|()| json_response(StatusCode::OK, &json!({})))
}
