//! CORS for browser applications on other origins (`http.cors_allowed_origins`).
//!
//! Hand-written rather than `actix-cors`: the contract answers a preflight
//! with the methods of the route asked about (actix-cors has one list for
//! the whole app), answers it from the route's own `OPTIONS` so an unknown
//! path stays a 404, and gives an origin that is not allowed no CORS header
//! at all while serving the request as usual (actix-cors refuses it).

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;

/// The origins allowed to call the API from a browser.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Vec<String>,
    any: bool,
}

const EXPOSED: &str = "X-Request-Id, Retry-After, WWW-Authenticate";
const ALLOWED_HEADERS: &str = "authorization, content-type, x-request-id";
const MAX_AGE_SECONDS: &str = "86400";

impl Cors {
    /// Allows exactly these origins; `*` among them allows any.
    pub fn new(origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let origins: Vec<String> = origins.into_iter().map(Into::into).collect();
        let any = origins.iter().any(|origin| origin == "*");
        Self { origins, any }
    }

    /// The request's `Origin` when it is allowed.
    fn allowed_origin<'a>(&self, headers: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        (self.any || self.origins.iter().any(|allowed| allowed == text)).then_some(origin)
    }

    /// The answer to a preflight from an allowed origin: 204 with the
    /// route's methods. `None` when `req` is not such a preflight.
    pub(crate) fn preflight(&self, req: &HttpRequest, allow: &str) -> Option<HttpResponse> {
        self.allowed_origin(req.headers())?;
        req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
        let mut response = HttpResponse::NoContent().finish();
        let headers = response.headers_mut();
        for (name, value) in [
            (header::ACCESS_CONTROL_ALLOW_METHODS, allow),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS),
            (header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        Some(response)
    }
}

/// Adds the CORS headers to every answer to an allowed origin.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let origin = req
        .app_data::<Data<Cors>>()
        .and_then(|cors| cors.allowed_origin(req.headers()).cloned());
    let mut response = next.call(req).await?;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn no_origins_allows_none() {
        assert!(
            Cors::default()
                .allowed_origin(&headers("https://a.example"))
                .is_none()
        );
    }

    #[test]
    fn listed_origins_are_allowed_exactly() {
        let cors = Cors::new(["https://a.example"]);
        assert!(cors.allowed_origin(&headers("https://a.example")).is_some());
        assert!(
            cors.allowed_origin(&headers("https://a.example:8443"))
                .is_none()
        );
        assert!(cors.allowed_origin(&headers("http://a.example")).is_none());
    }

    #[test]
    fn a_star_allows_any_origin_and_echoes_it() {
        let cors = Cors::new(["*"]);
        let origin = cors.allowed_origin(&headers("https://b.example")).cloned();
        assert_eq!(origin.unwrap(), "https://b.example");
    }
}
