use actix_web::{HttpRequest, HttpResponse};

use crate::ApiError;

/// Any path no route claims.
pub(crate) async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// A known path with a method it does not take.
pub(crate) fn method_not_allowed(
    allow: String,
) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, ApiError>> + Clone + 'static {
    move |req: HttpRequest| {
        std::future::ready(Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.clone(),
        }))
    }
}
