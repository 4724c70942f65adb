//! `OPTIONS` on every endpoint, as DRF's `SimpleMetadata` answers it, and
//! the CORS preflight that comes before it.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tokenauth_domain::Identity;

use crate::access::Permission;
use crate::extract::authenticate;
use crate::responses::json_response;
use crate::{ApiError, Cors};

/// What `OPTIONS` tells of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The endpoint's name.
    pub name: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Its `Allow` header.
    pub allow: String,
    /// Who may ask.
    pub permission: Permission,
}

/// DRF's metadata body.
#[derive(Debug, Serialize)]
struct Metadata {
    name: &'static str,
    description: &'static str,
    renders: [&'static str; 2],
    parses: [&'static str; 2],
}

type Answer = Pin<Box<dyn Future<Output = Result<HttpResponse, ApiError>>>>;

/// The `OPTIONS` handler of one endpoint.
pub(crate) fn handler(options: Options) -> impl Fn(HttpRequest) -> Answer + Clone + 'static {
    move |req: HttpRequest| {
        let options = options.clone();
        Box::pin(async move { answer(&req, &options).await })
    }
}

async fn answer(req: &HttpRequest, options: &Options) -> Result<HttpResponse, ApiError> {
    // A preflight from an allowed origin is answered before authentication:
    // browsers never send credentials with one.
    if let Some(cors) = req.app_data::<Data<Cors>>()
        && let Some(preflight) = cors.preflight(req, &options.allow)
    {
        return Ok(preflight);
    }
    // As DRF: OPTIONS asks what the endpoint's permission asks, not its scopes.
    if options.permission != Permission::Anyone {
        let session = authenticate::<Identity>(req).await?;
        if options.permission == Permission::Staff && !session.user.is_staff {
            return Err(ApiError::Forbidden);
        }
    }
    let mut response = json_response(
        StatusCode::OK,
        &Metadata {
            name: options.name,
            description: options.description,
            renders: ["application/json", "text/html"],
            parses: ["application/json", "application/x-www-form-urlencoded"],
        },
    );
    if let Ok(allow) = HeaderValue::from_str(&options.allow) {
        response.headers_mut().insert(ALLOW, allow);
    }
    Ok(response)
}
