//! Where a request came from, for the security event log and the token it
//! creates: the client IP as the throttles see it, and its `User-Agent`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use tokenauth_domain::RequestOrigin;

use super::client_ip;
use crate::Throttles;

/// A `User-Agent` longer than this is cut: it is a record, not a payload,
/// and every token and event keeps one.
const MOST_USER_AGENT_CHARS: usize = 512;

/// The request's origin; never fails.
#[derive(Debug, Clone)]
pub struct Origin(pub RequestOrigin);

impl FromRequest for Origin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(origin_of(req))))
    }
}

/// The origin of `req`.
pub(crate) fn origin_of(req: &HttpRequest) -> RequestOrigin {
    let trusted_proxies = req
        .app_data::<Data<Throttles>>()
        .map_or(0, |throttles| throttles.trusted_proxies);
    let ip = client_ip(req, trusted_proxies);
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .take(MOST_USER_AGENT_CHARS)
                .collect()
        });
    RequestOrigin {
        ip: (!ip.is_empty()).then_some(ip),
        user_agent,
    }
}
