use std::sync::Arc;

use tokenauth_domain::{IdentityClaims, KeyId, PairClaims, SigningKey};

/// Signs JSON Web Tokens (compact JWS, RFC 7515) with Ed25519 keys
/// (`alg` `EdDSA`, RFC 8037), and checks the pair JWTs it signed.
pub trait JwsSigner: Send + Sync + 'static {
    /// `key` ready to sign: what is derived from the secret once (its
    /// public half, its JOSE header) is kept, so a signature costs only
    /// the signing.
    fn load(&self, key: &SigningKey) -> Arc<dyn LoadedKey>;

    /// The `kid` a compact JWS names in its header, when it is one of ours
    /// in shape (`alg` `EdDSA`); nothing is verified yet.
    fn key_id_of(&self, jwt: &str) -> Option<KeyId>;
}

/// A signing key prepared by a [`JwsSigner`].
pub trait LoadedKey: Send + Sync + std::fmt::Debug + 'static {
    /// The key's `kid`.
    fn id(&self) -> &KeyId;

    /// The public half as a JWK's `x` (RFC 8037 §2: base64url, no padding).
    fn public_x(&self) -> &str;

    /// A JWT stating `claims`, with this key's `kid` in its header.
    fn sign_identity(&self, claims: &IdentityClaims) -> String;

    /// An access or refresh JWT stating `claims`.
    fn sign_pair(&self, claims: &PairClaims) -> String;

    /// The claims of a pair JWT this key signed; `None` when the signature
    /// does not verify or the claims are not a pair JWT's. Expiry is left
    /// to the caller, who knows the time.
    fn verify_pair(&self, jwt: &str) -> Option<PairClaims>;
}
