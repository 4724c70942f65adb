//! Changes to tokens, heard from PostgreSQL: the database's triggers notify
//! one channel in the changing transaction (see the `token_change_notices`
//! migration), and every process listens on it and forgets what changed.

use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use tokenauth_domain::TokenDigest;
use tokio_postgres::AsyncMessage;

use crate::postgres_tls::PgConnector;
use crate::verified_tokens::VerifiedTokens;

/// The channel the triggers notify: a token's digest as the payload.
const CHANNEL: &str = "tokenauth_tokens";

/// How long a write waits to hear its own changes before it stops relying
/// on what this process keeps.
const FENCE_WAIT: Duration = Duration::from_millis(100);

/// The longest pause between two attempts to listen again.
const MOST_PAUSE: Duration = Duration::from_secs(1);

/// A listener running; dropped, it stops (its connection closes).
#[derive(Debug)]
pub(crate) struct Listening {
    pub(crate) notices: Arc<TokenNotices>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// This process's listener, and the fences that make its own changes heard
/// before the write that made them returns.
#[derive(Debug)]
pub(crate) struct TokenNotices {
    cache: Arc<VerifiedTokens>,
    /// Tells this process's fences from other processes'.
    process: String,
    sent: AtomicU64,
    heard: Mutex<u64>,
    heard_changed: Condvar,
}

impl TokenNotices {
    /// Starts listening, on a thread of its own, through `connector`,
    /// until the returned [`Listening`] is dropped.
    pub(crate) fn start(
        connector: PgConnector,
        cache: Arc<VerifiedTokens>,
    ) -> std::io::Result<Listening> {
        let notices = Arc::new(Self {
            cache,
            process: uuid::Uuid::new_v4().simple().to_string(),
            sent: AtomicU64::new(0),
            heard: Mutex::new(0),
            heard_changed: Condvar::new(),
        });
        let listener = notices.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("tokenauth-notices".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    tokio::select! {
                        () = listener.listen(connector) => {}
                        _ = stopped => {}
                    }
                });
                listener.cache.distrust();
            })?;
        Ok(Listening {
            notices,
            _stop: stop,
        })
    }

    /// Listens again after every loss of the connection; while it is lost
    /// the cache is not trusted.
    async fn listen(&self, connector: PgConnector) {
        let mut pause = Duration::from_millis(50);
        loop {
            let (lost, listened) = self.listen_once(&connector).await;
            self.cache.distrust();
            if listened {
                pause = Duration::from_millis(50);
            }
            tracing::warn!(
                reason = %lost,
                "token changes unheard: every token is read from the database until the listener is back"
            );
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MOST_PAUSE);
        }
    }

    /// One connection's life: LISTEN, trust the cache (emptied: changes
    /// may have been missed before), forget what each notice names. Gives
    /// why it ended, and whether it listened at all.
    async fn listen_once(&self, connector: &PgConnector) -> (String, bool) {
        let (client, mut connection) = match connector.connect().await {
            Ok(connected) => connected,
            Err(error) => return (error, false),
        };
        let (notices, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let driver = tokio::spawn(async move {
            loop {
                match poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(notice))) => {
                        if notices.send(notice).is_err() {
                            return "stopped".to_owned();
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return error.to_string(),
                    None => return "the connection closed".to_owned(),
                }
            }
        });
        // Named with the process id, for operators (and tests) to find it.
        let listen = format!(
            "SET application_name = 'tokenauth-listener-{}'; LISTEN {CHANNEL}",
            std::process::id()
        );
        if let Err(error) = client.batch_execute(&listen).await {
            driver.abort();
            return (error.to_string(), false);
        }
        self.cache.trust();
        tracing::info!("token changes heard: verified tokens kept in this process");
        while let Some(notice) = heard.recv().await {
            self.hear(notice.payload());
        }
        drop(client);
        (driver.await.unwrap_or_else(|error| error.to_string()), true)
    }

    fn hear(&self, payload: &str) {
        if let Some(fence) = payload.strip_prefix("fence:") {
            if let Some((process, number)) = fence.split_once(':')
                && process == self.process
                && let Ok(number) = number.parse::<u64>()
            {
                let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
                *heard = (*heard).max(number);
                self.heard_changed.notify_all();
            }
            return;
        }
        match TokenDigest::from_hex(payload) {
            Some(digest) => self.cache.forget(&digest),
            // Not a digest: whatever changed, nothing kept is sure.
            None => self.cache.forget_all(),
        }
    }

    /// Returns once the changes `conn` committed so far have been heard by
    /// this process (a fence sent after them comes back after them), or
    /// drops everything kept when that takes too long.
    pub(crate) fn fence(&self, conn: &mut diesel::PgConnection) {
        if !self.cache.is_trusted() {
            return;
        }
        let number = self.sent.fetch_add(1, Ordering::AcqRel) + 1;
        let sent = diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(format!("fence:{}:{number}", self.process))
            .execute(conn);
        if sent.is_err() {
            self.cache.forget_all();
            return;
        }
        let heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        let (heard, waited) = self
            .heard_changed
            .wait_timeout_while(heard, FENCE_WAIT, |heard| *heard < number)
            .unwrap_or_else(PoisonError::into_inner);
        drop(heard);
        if waited.timed_out() {
            self.cache.forget_all();
        }
    }
}
