use std::future::Future;
use std::pin::Pin;

use tokenauth_domain::{
    Identity, PairJwtId, PresentedToken, Timestamp, TokenDigest, TokenId, User, UserId,
};

use super::{JwtSubject, RepositoryError};

/// What a token lookup gives, in time.
pub type LookupFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, RepositoryError>> + Send + 'a>>;

/// The storage every protected request touches: one read by digest, and now
/// and then a write of the token's use.
///
/// Async where the other ports are not: this is the hot path, and a request
/// that awaits its query on the worker serving it costs no thread hand-off
/// and keeps as many queries in flight as there are requests.
pub trait TokenLookup: Send + Sync + 'static {
    /// The token with this digest, as a request presents it, and its user,
    /// in one indexed read.
    fn find_by_digest<'a>(
        &'a self,
        digest: &'a TokenDigest,
    ) -> LookupFuture<'a, Option<(PresentedToken, User)>>;

    /// The token with this digest and who its user is, for a gateway's
    /// question. The default reads the whole user; a store that can read
    /// fewer columns should, since a gateway asks before every request.
    fn find_identity_by_digest<'a>(
        &'a self,
        digest: &'a TokenDigest,
    ) -> LookupFuture<'a, Option<(PresentedToken, Identity)>> {
        Box::pin(async move {
            let found = self.find_by_digest(digest).await?;
            Ok(found.map(|(token, user)| (token, Identity::from(&user))))
        })
    }

    /// The user an access JWT names, the user's cutoff, and whether the
    /// JWT `jti` was logged out, in one read: what every request made with
    /// an access JWT asks.
    fn find_jwt_subject<'a>(
        &'a self,
        user: UserId,
        jti: &'a PairJwtId,
    ) -> LookupFuture<'a, Option<JwtSubject>>;

    /// Writes a use of the token (found by `digest`): its new `last_used`
    /// and `expires`. A token deleted meanwhile is not an error.
    fn record_use(
        &self,
        digest: &TokenDigest,
        id: TokenId,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> LookupFuture<'_, ()>;
}
