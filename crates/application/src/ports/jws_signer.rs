use std::sync::Arc;

use tokenauth_domain::{IdentityClaims, KeyId, SigningKey};

/// Signs JSON Web Tokens (compact JWS, RFC 7515) with Ed25519 keys
/// (`alg` `EdDSA`, RFC 8037).
pub trait JwsSigner: Send + Sync + 'static {
    /// `key` ready to sign: what is derived from the secret once (its
    /// public half, its JOSE header) is kept, so a signature costs only
    /// the signing.
    fn load(&self, key: &SigningKey) -> Arc<dyn LoadedKey>;
}

/// A signing key prepared by a [`JwsSigner`].
pub trait LoadedKey: Send + Sync + std::fmt::Debug + 'static {
    /// The key's `kid`.
    fn id(&self) -> &KeyId;

    /// The public half as a JWK's `x` (RFC 8037 §2: base64url, no padding).
    fn public_x(&self) -> &str;

    /// A JWT stating `claims`, with this key's `kid` in its header.
    fn sign_identity(&self, claims: &IdentityClaims) -> String;
}
