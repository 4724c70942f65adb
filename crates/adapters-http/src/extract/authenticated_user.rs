use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use tokenauth_application::Authenticated;

use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services, parse_authorization};

/// The user (and token) behind a request's `Authorization: Token <key>`.
/// A handler that takes one is a protected route.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser(pub Authenticated);

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
        let key = parse_authorization(header).map(str::to_owned);
        let services = req.app_data::<Data<Services>>().cloned();
        Box::pin(async move {
            let key = key?;
            let services = services.ok_or(ApiError::Internal)?;
            let session = Blocking
                .run(move || services.authenticate.execute(&key))
                .await?;
            Ok(Self(session))
        })
    }
}
