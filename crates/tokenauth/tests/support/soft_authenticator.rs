//! A software passkey authenticator for the tests: what a browser and a
//! platform authenticator together hand the service, without either.
//!
//! It answers the service's options with an ES256 (ECDSA P-256, SHA-256)
//! credential and "none" attestation, and writes its answers exactly as a
//! browser's `PublicKeyCredential.toJSON()` does (binary values base64url
//! without padding), so the tests drive the same JSON a web page would post.
//! It is written from the WebAuthn specification by hand rather than with the
//! service's WebAuthn library, so the two cannot share a mistake.
//!
//! Every field is public so that a test can play a misbehaving or hostile
//! client: another origin, no user verification, a counter that went back, a
//! user handle that is someone else's, another private key.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// authenticatorData flag: the user was present (touched the key).
pub const UP: u8 = 0x01;
/// authenticatorData flag: the user was verified (PIN, fingerprint, face).
pub const UV: u8 = 0x04;
/// authenticatorData flag: attested credential data follows (registration only).
const AT: u8 = 0x40;

/// The DER prefix of a P-256 SubjectPublicKeyInfo, before the 65-byte point:
/// `toJSON()` sends the public key in this form as `response.publicKey`.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// One credential on one authenticator, as a browser would use it.
#[derive(Debug)]
pub struct SoftAuthenticator {
    /// The credential's private key.
    pub key: SigningKey,
    /// 16 random bytes, as platform authenticators make them.
    pub credential_id: Vec<u8>,
    /// Taken from the creation options' `user.id` by [`Self::register`] and
    /// sent back as `response.userHandle` at login (`None`: not sent).
    pub user_handle: Option<Vec<u8>>,
    /// The signature counter the next answer carries.
    pub counter: u32,
    /// Whether [`Self::login`] bumps the counter first. Synced passkeys
    /// (iCloud Keychain, Google Password Manager) keep it at 0 for ever.
    pub increment: bool,
    /// The authenticatorData flags: [`UP`] | [`UV`] for a passkey.
    pub flags: u8,
    /// The origin the "browser" writes into clientDataJSON.
    pub origin: String,
}

impl SoftAuthenticator {
    /// A fresh credential on a page of `origin`, the user present and verified.
    pub fn new(origin: &str) -> Self {
        // Nearly every 32 random bytes make a valid P-256 scalar; retry the rest.
        let key = loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("random bytes");
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                break key;
            }
        };
        let mut credential_id = vec![0u8; 16];
        getrandom::fill(&mut credential_id).expect("random bytes");
        Self {
            key,
            credential_id,
            user_handle: None,
            counter: 0,
            increment: true,
            flags: UP | UV,
            origin: origin.to_owned(),
        }
    }

    /// The credential id as the JSON forms carry it.
    pub fn id(&self) -> String {
        B64.encode(&self.credential_id)
    }

    /// `navigator.credentials.create({publicKey})` then `credential.toJSON()`,
    /// for the service's `{"publicKey": {creation options}}`.
    pub fn register(&mut self, options: &Value) -> Value {
        let options = &options["publicKey"];
        let algorithms = options["pubKeyCredParams"]
            .as_array()
            .expect("pubKeyCredParams");
        assert!(
            algorithms.iter().any(|p| p["alg"] == -7),
            "ES256 is offered: {algorithms:?}"
        );
        let user_id = options["user"]["id"].as_str().expect("user.id");
        self.user_handle = Some(B64.decode(user_id).expect("user.id in base64url"));
        let rp_id = options["rp"]["id"].as_str().expect("rp.id");
        let challenge = options["challenge"].as_str().expect("challenge");
        let client_data = self.client_data("webauthn.create", challenge);

        // The public key as a COSE_Key (EC2, ES256, P-256) for the
        // authenticator data, and as SPKI DER for `response.publicKey`.
        let point = self.key.verifying_key().to_sec1_point(false); // 0x04 || x || y
        let (x, y) = point.as_bytes()[1..].split_at(32);
        let cose_key = Cbor::Map(BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (Cbor::Integer(-2), Cbor::Bytes(x.to_vec())),
            (Cbor::Integer(-3), Cbor::Bytes(y.to_vec())),
        ]));
        let mut spki = P256_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(point.as_bytes());

        let mut authenticator_data = self.authenticator_data(rp_id, self.flags | AT);
        authenticator_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        let id_length = u16::try_from(self.credential_id.len()).expect("a short credential id");
        authenticator_data.extend_from_slice(&id_length.to_be_bytes());
        authenticator_data.extend_from_slice(&self.credential_id);
        authenticator_data.extend(serde_cbor_2::to_vec(&cose_key).expect("CBOR"));

        let attestation_object = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (
                Cbor::Text("authData".into()),
                Cbor::Bytes(authenticator_data.clone()),
            ),
        ]));
        let id = self.id();
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "attestationObject": B64.encode(serde_cbor_2::to_vec(&attestation_object).expect("CBOR")),
                "transports": ["internal", "hybrid"],
                "publicKeyAlgorithm": -7,
                "publicKey": B64.encode(&spki),
                "authenticatorData": B64.encode(&authenticator_data),
            },
            "clientExtensionResults": {"credProps": {"rk": true}},
            "authenticatorAttachment": "platform",
        })
    }

    /// `navigator.credentials.get({publicKey})` then `credential.toJSON()`,
    /// for the service's `{"publicKey": {request options}}`; bumps the
    /// counter first unless [`Self::increment`] is off.
    pub fn login(&mut self, options: &Value) -> Value {
        if self.increment {
            self.counter += 1;
        }
        let options = &options["publicKey"];
        let challenge = options["challenge"].as_str().expect("challenge");
        let client_data = self.client_data("webauthn.get", challenge);
        let rp_id = options["rpId"].as_str().expect("rpId");
        let authenticator_data = self.authenticator_data(rp_id, self.flags);
        let mut signed = authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: DerSignature = self.key.sign(&signed); // ASN.1 DER, as WebAuthn's ES256
        let id = self.id();
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "authenticatorData": B64.encode(&authenticator_data),
                "signature": B64.encode(signature.as_bytes()),
                "userHandle": self.user_handle.as_ref().map(|handle| B64.encode(handle)),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// clientDataJSON with its members in the order browsers write them.
    fn client_data(&self, ceremony: &str, challenge: &str) -> Vec<u8> {
        let origin = serde_json::to_string(&self.origin).expect("a JSON string");
        format!(
            r#"{{"type":"{ceremony}","challenge":"{challenge}","origin":{origin},"crossOrigin":false}}"#
        )
        .into_bytes()
    }

    /// rpIdHash, flags and the signature counter: the fixed 37 bytes.
    fn authenticator_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data
    }
}
