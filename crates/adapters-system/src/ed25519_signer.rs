//! Compact JWS (RFC 7515) signed with Ed25519 (`alg` `EdDSA`, RFC 8037),
//! on `ed25519-dalek`. The JOSE encoding is done here, once: a header and a
//! payload in base64url, joined by dots, and the signature of the two.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use tokenauth_application::{JwsSigner, LoadedKey};
use tokenauth_domain::{
    IdentityClaims, KeyId, PairClaims, PairJwtId, PairTokenType, SigningKey, UserId,
};

/// Ed25519 signatures for the JWTs tokenauth issues.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519Signer;

impl JwsSigner for Ed25519Signer {
    fn load(&self, key: &SigningKey) -> Arc<dyn LoadedKey> {
        let signing = ed25519_dalek::SigningKey::from_bytes(key.secret.expose());
        let header = serde_json::json!({"alg": "EdDSA", "kid": key.id.as_str(), "typ": "JWT"});
        Arc::new(Ed25519Key {
            public_x: URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes()),
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
            id: key.id.clone(),
            signing,
        })
    }

    fn key_id_of(&self, jwt: &str) -> Option<KeyId> {
        let header: Header = decode_part(jwt.split('.').next()?)?;
        (header.alg == "EdDSA").then_some(())?;
        KeyId::parse(&header.kid)
    }
}

/// The JOSE header fields read back.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: String,
}

/// A base64url JSON part of a compact JWS, read as `T`.
fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A key with what signing needs derived once.
struct Ed25519Key {
    id: KeyId,
    signing: ed25519_dalek::SigningKey,
    public_x: String,
    /// The base64url JOSE header, the same for every JWT of the key.
    header: String,
}

impl std::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519Key")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The claims of a gateway JWT, as written.
#[derive(Serialize)]
struct IdentityPayload<'a> {
    iss: &'a str,
    sub: String,
    email: &'a str,
    is_staff: bool,
    scope: &'a str,
    jti: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// The claims of an access or refresh JWT, in SimpleJWT's order.
#[derive(Serialize, Deserialize)]
struct PairPayload<'a> {
    token_type: &'a str,
    exp: i64,
    iat: i64,
    jti: &'a str,
    user_id: &'a str,
}

impl PairPayload<'_> {
    fn into_claims(self) -> Option<PairClaims> {
        Some(PairClaims {
            token_type: PairTokenType::parse(self.token_type)?,
            user_id: UserId::parse(self.user_id)?,
            jti: PairJwtId::parse(self.jti)?,
            issued_at: DateTime::from_timestamp(self.iat, 0)?,
            expires: DateTime::from_timestamp(self.exp, 0)?,
        })
    }
}

impl Ed25519Key {
    fn sign(&self, claims: &impl Serialize) -> String {
        // Serializing plain strings, numbers and booleans cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 90);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self.signing.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut token);
        token
    }
}

impl LoadedKey for Ed25519Key {
    fn id(&self) -> &KeyId {
        &self.id
    }

    fn public_x(&self) -> &str {
        &self.public_x
    }

    fn sign_identity(&self, claims: &IdentityClaims) -> String {
        self.sign(&IdentityPayload {
            iss: &claims.issuer,
            sub: claims.subject.to_string(),
            email: claims.email.as_str(),
            is_staff: claims.is_staff,
            scope: claims.scopes.as_str(),
            jti: claims.jwt_id.as_str(),
            iat: claims.issued_at.timestamp(),
            exp: claims.expires.timestamp(),
            aud: claims.audience.as_deref(),
        })
    }

    fn sign_pair(&self, claims: &PairClaims) -> String {
        self.sign(&PairPayload {
            token_type: claims.token_type.as_str(),
            exp: claims.expires.timestamp(),
            iat: claims.issued_at.timestamp(),
            jti: claims.jti.as_str(),
            user_id: &claims.user_id.to_string(),
        })
    }

    fn verify_pair(&self, jwt: &str) -> Option<PairClaims> {
        let (signed, signature) = jwt.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        // Our own header, byte for byte: nothing else was signed by us.
        (header == self.header).then_some(())?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let signature = ed25519_dalek::Signature::from_slice(&signature).ok()?;
        self.signing
            .verifying_key()
            .verify(signed.as_bytes(), &signature)
            .ok()?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let payload: PairPayload<'_> = serde_json::from_slice(&bytes).ok()?;
        payload.into_claims()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;
    use tokenauth_domain::{Email, JwtId, Scopes, SigningSecret, UserId};

    fn key() -> SigningKey {
        SigningKey {
            id: KeyId::from_bytes([0xab; 8]),
            secret: SigningSecret::from_bytes([7; 32]),
            created: chrono::Utc::now(),
            retired: None,
        }
    }

    fn claims(audience: Option<&str>) -> IdentityClaims {
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        IdentityClaims {
            issuer: "https://auth.example".into(),
            subject: UserId::new_random(),
            email: Email::parse("ada@example.com").unwrap(),
            is_staff: false,
            scopes: Scopes::ALL,
            jwt_id: JwtId::from_bytes([1; 16]),
            issued_at: now,
            expires: now + chrono::TimeDelta::seconds(60),
            audience: audience.map(str::to_owned),
        }
    }

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn the_header_names_the_algorithm_and_the_key() {
        let jwt = Ed25519Signer.load(&key()).sign_identity(&claims(None));
        let header = decode(jwt.split('.').next().unwrap());
        assert_eq!(
            header,
            serde_json::json!({"alg": "EdDSA", "kid": "abababababababab", "typ": "JWT"})
        );
    }

    #[test]
    fn the_signature_verifies_with_the_published_public_half() {
        let loaded = Ed25519Signer.load(&key());
        let jwt = loaded.sign_identity(&claims(None));
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let public: [u8; 32] = URL_SAFE_NO_PAD
            .decode(loaded.public_x())
            .unwrap()
            .try_into()
            .unwrap();
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let signature =
            ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
                .unwrap();
        assert!(verifying.verify(signed.as_bytes(), &signature).is_ok());
        assert!(verifying.verify(b"tampered", &signature).is_err());
    }

    #[test]
    fn the_audience_is_written_only_when_set() {
        let loaded = Ed25519Signer.load(&key());
        let without = decode(
            loaded
                .sign_identity(&claims(None))
                .split('.')
                .nth(1)
                .unwrap(),
        );
        assert!(without.get("aud").is_none());
        assert_eq!(without["exp"], 1_700_000_060);
        assert_eq!(without["scope"], Scopes::ALL.as_str());
        let with = decode(
            loaded
                .sign_identity(&claims(Some("orders")))
                .split('.')
                .nth(1)
                .unwrap(),
        );
        assert_eq!(with["aud"], "orders");
    }
}
