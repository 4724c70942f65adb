//! Threads kept for the requests that hash a password.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::ApiError;
use crate::threads::{Job, Threads};

/// Where signup, login and password changes run: one thread per core.
///
/// A bcrypt hash holds a core for about a quarter of a second. On the
/// blocking pool, a burst of logins would take every blocking thread and the
/// cheap requests (every protected route) would queue behind the hashes. Here
/// the hashes in flight never outnumber the cores, and requests beyond that
/// wait as futures, holding no thread. Cheap to clone; the threads end when
/// the last clone is dropped.
#[derive(Debug, Clone)]
pub struct HashingThreads {
    jobs: Sender<Job>,
}

impl HashingThreads {
    /// Starts `count` threads (at least one).
    pub fn start(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count.max(1) {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("tokenauth-hash-{index}"))
                .spawn(move || work_through(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// One thread per core.
    pub fn per_core() -> std::io::Result<Self> {
        Self::start(thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
    }
}

impl Threads for HashingThreads {
    fn spawn(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.send(job).map_err(|_| {
            tracing::error!("the hashing threads have stopped");
            ApiError::Internal
        })
    }
}

fn work_through(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking use case answers 500 (its sender is dropped) and must
        // not take a hashing thread with it.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::HashingThreads;
    use crate::ApiError;
    use crate::threads::Threads;

    #[actix_web::test]
    async fn runs_the_work_and_returns_its_result() {
        let threads = HashingThreads::start(1).unwrap();
        let answer = threads.run(|| Ok::<_, ApiError>(42)).await.unwrap();
        assert_eq!(answer, 42);
    }

    #[actix_web::test]
    async fn a_panicking_job_is_an_internal_error_and_the_thread_lives_on() {
        let threads = HashingThreads::start(1).unwrap();
        let failed = threads
            .run(|| -> Result<(), ApiError> { panic!("boom") })
            .await;
        assert!(matches!(failed, Err(ApiError::Internal)));
        let answer = threads.run(|| Ok::<_, ApiError>(7)).await.unwrap();
        assert_eq!(answer, 7);
    }

    #[actix_web::test]
    async fn no_more_jobs_run_at_once_than_threads() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let threads = HashingThreads::start(2).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            threads.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ApiError>(())
            })
        });
        for outcome in futures_util::future::join_all(jobs).await {
            outcome.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
