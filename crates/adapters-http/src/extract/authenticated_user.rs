use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use tokenauth_application::{Authenticate, AuthenticateError, Authenticated};
use tokenauth_domain::{Identity, User};

use crate::access::TokenRules;
use crate::extract::parse_credentials;
use crate::{ApiError, Services};

/// The user (and token) behind a request's `Authorization: Token <key>`
/// (or `Bearer <access JWT>` when JWTs are on),
/// allowed by the token rule declared for the operation it was routed to
/// (403 otherwise). A handler that takes one is a protected route; one that
/// takes `AuthenticatedUser<Identity>` reads only who the user is.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser<Who = User>(pub Authenticated<Who>);

/// What a handler reads of the user behind a token: the whole [`User`], or
/// only their [`Identity`] (the gateway's answer, read before every request
/// behind a proxy, so it reads no more than it sends).
pub trait Subject: Sized + 'static {
    /// Authenticates `key`, reading `Self` of its user.
    fn authenticate(
        use_case: &Authenticate,
        key: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>>;

    /// Authenticates an access JWT, reading `Self` of its user.
    fn authenticate_jwt(
        use_case: &Authenticate,
        jwt: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>>;
}

impl Subject for User {
    fn authenticate(
        use_case: &Authenticate,
        key: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>> {
        use_case.execute(key)
    }

    fn authenticate_jwt(
        use_case: &Authenticate,
        jwt: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>> {
        use_case.execute_jwt(jwt)
    }
}

impl Subject for Identity {
    fn authenticate(
        use_case: &Authenticate,
        key: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>> {
        use_case.identify(key)
    }

    fn authenticate_jwt(
        use_case: &Authenticate,
        jwt: &str,
    ) -> impl Future<Output = Result<Authenticated<Self>, AuthenticateError>> {
        use_case.identify_jwt(jwt)
    }
}

impl<Who: Subject> FromRequest for AuthenticatedUser<Who> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // No declared rule is a routing bug: fail closed.
        let rule = req
            .app_data::<TokenRules>()
            .and_then(|rules| rules.of(req.method()));
        let authenticating = authenticate(req);
        Box::pin(async move {
            let session = authenticating.await?;
            match rule {
                Some(rule) if rule.permits(&session) => Ok(Self(session)),
                _ => Err(ApiError::Forbidden),
            }
        })
    }
}

/// Authenticates a request's token, whatever the operation: for `OPTIONS`,
/// which asks only what the endpoint's permission asks.
pub(crate) fn authenticate<Who: Subject>(
    req: &HttpRequest,
) -> impl Future<Output = Result<Authenticated<Who>, ApiError>> + 'static {
    let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    let presented = parse_credentials(header).map(|p| (p.is_jwt(), p.key.to_owned()));
    let services = req.app_data::<Data<Services>>().cloned();
    async move {
        let (is_jwt, key) = presented?;
        let services = services.ok_or(ApiError::Internal)?;
        let use_case = &services.authenticate;
        // Awaited right here: the lookup is async all the way down.
        Ok(if is_jwt && use_case.accepts_jwts() {
            Who::authenticate_jwt(use_case, &key).await?
        } else {
            Who::authenticate(use_case, &key).await?
        })
    }
}
