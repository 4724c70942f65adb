//! Where a request's synchronous use case runs: never on an async worker.
//! (Authentication is async and awaited where the request is.)

mod hashing;

pub use hashing::HashingThreads;
use tokio::sync::oneshot;

use crate::ApiError;
use crate::middleware::RequestScope;

/// A use case's work, boxed for the threads that run it.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// Threads that run use cases for the async workers. One closure per request
/// holds all of its blocking work (pool checkout, queries, bcrypt), and it
/// runs as part of the request so its logs carry the request id.
pub(crate) trait Threads {
    /// Hands `job` to a thread; `Err` when these threads have stopped.
    fn spawn(&self, job: Job) -> Result<(), ApiError>;

    /// Runs a use case there and maps its error to the HTTP edge's. A use
    /// case that panics answers 500.
    async fn run<T, E>(
        &self,
        work: impl FnOnce() -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let request = RequestScope::current();
        let (done, outcome) = oneshot::channel();
        self.spawn(Box::new(move || {
            // The request may have gone; nobody is left to tell.
            let _ = done.send(request.run(work));
        }))?;
        match outcome.await {
            Ok(result) => result.map_err(Into::into),
            Err(_) => {
                tracing::error!("a use case failed on its thread");
                Err(ApiError::Internal)
            }
        }
    }
}

/// The worker's blocking pool (`spawn_blocking`): every use case that does
/// not hash a password.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocking;

impl Threads for Blocking {
    fn spawn(&self, job: Job) -> Result<(), ApiError> {
        // A panic ends the task and drops its sender: `run` answers 500.
        drop(actix_web::rt::task::spawn_blocking(job));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Blocking, Threads};
    use crate::ApiError;

    #[actix_web::test]
    async fn the_blocking_pool_returns_the_result() {
        assert_eq!(Blocking.run(|| Ok::<_, ApiError>(42)).await.unwrap(), 42);
    }

    #[actix_web::test]
    async fn a_panic_on_the_blocking_pool_is_an_internal_error() {
        let failed = Blocking
            .run(|| -> Result<(), ApiError> { panic!("boom") })
            .await;
        assert!(matches!(failed, Err(ApiError::Internal)));
    }
}
