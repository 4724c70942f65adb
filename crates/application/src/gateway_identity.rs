//! The JWT a gateway passes to the services behind it (`X-Auth-Jwt`), so
//! they can trust who the caller is without asking tokenauth again.

use std::sync::Arc;

use chrono::TimeDelta;
use quick_cache::sync::Cache;
use tokenauth_domain::{
    Identity, IdentityClaims, JwtId, KeyId, PairJwtId, Scopes, Timestamp, TokenId,
};

use crate::ports::{Clock, KeyGenerationError, TokenGenerator};
use crate::{Credential, SigningKeys};

/// Why no JWT could be signed.
#[derive(Debug, thiserror::Error)]
pub enum GatewayJwtError {
    /// No signing key has been read, or none lately.
    #[error("no signing key has been read lately")]
    NoKey,
    /// The random source failed (for `jti`).
    #[error(transparent)]
    Random(#[from] KeyGenerationError),
}

/// What the operator sets of the gateway's JWTs.
#[derive(Debug, Clone)]
pub struct GatewayJwtPolicy {
    /// `iss`: the service's public URL.
    pub issuer: String,
    /// From `iat` to `exp`.
    pub lifetime: TimeDelta,
    /// `aud`, when set.
    pub audience: Option<String>,
}

/// Signs the identity `/api/auth/verify` vouches for.
///
/// A gateway asks before every request, and an Ed25519 signature costs more
/// than the rest of a verify: the JWT signed for a token is handed out
/// again while it has more than half its lifetime left and states what is
/// still true (the same user, address, staff flag and scopes, and the
/// current key), as Oathkeeper's `id_token` mutator caches its JWTs. The
/// token itself is still checked on every verify, so revocation is not
/// delayed by a JWT kept here.
pub struct GatewayIdentity {
    keys: Arc<SigningKeys>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    policy: GatewayJwtPolicy,
    signed: Cache<SignedFor, Arc<Signed>>,
}

/// What a reused JWT was signed for: a stored token, or an access JWT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SignedFor {
    Token(TokenId),
    AccessJwt(PairJwtId),
}

/// A JWT signed for a token, and what it states.
struct Signed {
    jwt: Arc<str>,
    key: KeyId,
    claims: IdentityClaims,
    /// Handed out again until then: half its lifetime.
    reusable_until: Timestamp,
}

impl Signed {
    fn still_states(&self, who: &Identity, scopes: Scopes, key: &KeyId) -> bool {
        let claims = &self.claims;
        self.key == *key
            && claims.subject == who.id
            && claims.email == who.email
            && claims.is_staff == who.is_staff
            && claims.scopes == scopes
    }
}

impl std::fmt::Debug for GatewayIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayIdentity")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl GatewayIdentity {
    /// How many tokens' JWTs a process keeps for reuse; beyond it the least
    /// used go (a few MiB at most).
    pub const REUSED_JWTS: usize = 10_000;

    /// The use case over the shared keys and its ports.
    pub fn new(
        keys: Arc<SigningKeys>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        policy: GatewayJwtPolicy,
    ) -> Self {
        Self {
            keys,
            generator,
            clock,
            policy,
            signed: Cache::new(Self::REUSED_JWTS),
        }
    }

    /// A JWT stating who `who` is and what the presented credential holds,
    /// signed with the current key: the one signed for the credential
    /// before while it may be reused. No I/O beyond the random source.
    pub fn assert(
        &self,
        who: &Identity,
        credential: &Credential,
        scopes: Scopes,
    ) -> Result<Arc<str>, GatewayJwtError> {
        let token = match credential {
            Credential::Token(token) => SignedFor::Token(token.id),
            Credential::AccessJwt(claims) => SignedFor::AccessJwt(claims.jti.clone()),
        };
        let key = self.keys.signing_key().ok_or(GatewayJwtError::NoKey)?;
        let now = self.clock.now();
        if let Some(signed) = self.signed.get(&token)
            && now < signed.reusable_until
            && signed.still_states(who, scopes, key.id())
        {
            return Ok(signed.jwt.clone());
        }
        let mut jti = [0; JwtId::BYTES];
        self.generator.fill(&mut jti)?;
        let claims = IdentityClaims {
            issuer: self.policy.issuer.clone(),
            subject: who.id,
            email: who.email.clone(),
            is_staff: who.is_staff,
            scopes,
            jwt_id: JwtId::from_bytes(jti),
            issued_at: now,
            expires: now + self.policy.lifetime,
            audience: self.policy.audience.clone(),
        };
        let jwt: Arc<str> = key.sign_identity(&claims).into();
        let signed = Signed {
            jwt: jwt.clone(),
            key: key.id().clone(),
            claims,
            reusable_until: now + self.policy.lifetime / 2,
        };
        self.signed.insert(token, Arc::new(signed));
        Ok(jwt)
    }
}
