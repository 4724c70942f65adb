//! The JWT a gateway passes to the services behind it (`X-Auth-Jwt`), so
//! they can trust who the caller is without asking tokenauth again.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{Identity, IdentityClaims, JwtId, Scopes};

use crate::SigningKeys;
use crate::ports::{Clock, KeyGenerationError, TokenGenerator};

/// Why no JWT could be signed.
#[derive(Debug, thiserror::Error)]
pub enum GatewayJwtError {
    /// No signing key has been read yet.
    #[error("no signing key has been loaded")]
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
pub struct GatewayIdentity {
    keys: Arc<SigningKeys>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    policy: GatewayJwtPolicy,
}

impl std::fmt::Debug for GatewayIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayIdentity")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl GatewayIdentity {
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
        }
    }

    /// A JWT stating who `who` is and what the presented token holds,
    /// signed with the current key. No I/O beyond the random source.
    pub fn assert(&self, who: &Identity, scopes: Scopes) -> Result<String, GatewayJwtError> {
        let key = self.keys.signing_key().ok_or(GatewayJwtError::NoKey)?;
        let mut jti = [0; JwtId::BYTES];
        self.generator.fill(&mut jti)?;
        let now = self.clock.now();
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
        Ok(key.sign_identity(&claims))
    }
}
