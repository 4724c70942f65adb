use actix_web::web;

use crate::ApiError;

/// Runs a use case on the blocking pool: pool checkout, queries and bcrypt
/// never stall an async worker. One closure per request holds all of it, and
/// it runs inside the request's span so its logs carry the request id.
pub(crate) async fn run_blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    let span = tracing::Span::current();
    match web::block(move || span.in_scope(work)).await {
        Ok(result) => result.map_err(Into::into),
        Err(error) => {
            tracing::error!(%error, "blocking task failed");
            Err(ApiError::Internal)
        }
    }
}
