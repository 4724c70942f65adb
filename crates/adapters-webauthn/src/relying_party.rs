use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use tokenauth_application::{
    CeremonyStart, PasskeyRefused, RegisteredCredential, RelyingParty, VerifiedAssertion,
};
use tokenauth_domain::UserHandle;
use url::Url;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationState, COSEAlgorithm, Credential,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};

/// Options say `"timeout": 300000`; ceremonies are kept as long.
const TIMEOUT: Duration = Duration::from_secs(300);

/// An RP id and origin that cannot work together.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RelyingPartyConfigError(String);

/// The relying party of one RP id and one expected origin.
pub struct WebauthnRelyingParty {
    core: WebauthnCore,
}

impl std::fmt::Debug for WebauthnRelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebauthnRelyingParty")
            .finish_non_exhaustive()
    }
}

impl WebauthnRelyingParty {
    /// The relying party `rp_id` (`auth.webauthn_rp_id`) whose pages are
    /// served from `origin` (`auth.public_url`'s): the origin's host must be
    /// the RP id or below it, as browsers require.
    pub fn new(rp_id: &str, origin: &str) -> Result<Self, RelyingPartyConfigError> {
        let origin = Url::parse(origin)
            .map_err(|error| RelyingPartyConfigError(format!("{origin}: {error}")))?;
        let host = origin.host_str().unwrap_or_default();
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(RelyingPartyConfigError(format!(
                "the RP id {rp_id:?} is not the host of {origin} or a parent of it"
            )));
        }
        let core = WebauthnCore::new_unsafe_experts_only(
            "tokenauth",
            rp_id,
            vec![origin],
            TIMEOUT,
            Some(false),
            Some(false),
        );
        Ok(Self { core })
    }
}

fn refused(error: impl std::fmt::Debug) -> PasskeyRefused {
    PasskeyRefused(format!("{error:?}"))
}

impl RelyingParty for WebauthnRelyingParty {
    fn start_registration(
        &self,
        handle: &UserHandle,
        email: &str,
        excluded: &[Vec<u8>],
    ) -> Result<CeremonyStart, PasskeyRefused> {
        let builder = self
            .core
            .new_challenge_register_builder(handle.as_bytes(), email, email)
            .map_err(refused)?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(UserVerificationPolicy::Required)
            .require_resident_key(true)
            .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::RS256])
            .exclude_credentials(Some(excluded.to_vec()));
        let (options, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(refused)?;
        Ok(CeremonyStart {
            challenge: URL_SAFE_NO_PAD.encode(&options.public_key.challenge),
            options: serde_json::to_string(&options).map_err(refused)?,
            state: serde_json::to_string(&state).map_err(refused)?,
        })
    }

    fn finish_registration(
        &self,
        response: &str,
        state: &str,
    ) -> Result<RegisteredCredential, PasskeyRefused> {
        let response: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(refused)?;
        let state: RegistrationState = serde_json::from_str(state).map_err(refused)?;
        let credential = self
            .core
            .register_credential(&response, &state, None)
            .map_err(refused)?;
        Ok(RegisteredCredential {
            credential_id: credential.cred_id.to_vec(),
            counter: credential.counter,
            credential: serde_json::to_string(&credential).map_err(refused)?,
        })
    }

    fn start_authentication(&self) -> Result<CeremonyStart, PasskeyRefused> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(Vec::new(), Some(UserVerificationPolicy::Required))
            .map_err(refused)?;
        let (options, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(refused)?;
        Ok(CeremonyStart {
            challenge: URL_SAFE_NO_PAD.encode(&options.public_key.challenge),
            options: serde_json::to_string(&options).map_err(refused)?,
            state: serde_json::to_string(&state).map_err(refused)?,
        })
    }

    fn finish_authentication(
        &self,
        response: &str,
        state: &str,
        credential: &str,
        owner: &UserHandle,
    ) -> Result<VerifiedAssertion, PasskeyRefused> {
        let response: PublicKeyCredential = serde_json::from_str(response).map_err(refused)?;
        // webauthn-rs-core does not look at the user handle; a discoverable
        // login's handle must be the credential owner's.
        if response
            .get_user_unique_id()
            .is_some_and(|sent| sent != owner.as_bytes())
        {
            return Err(PasskeyRefused("the userHandle is not the owner's".into()));
        }
        let state: AuthenticationState = serde_json::from_str(state).map_err(refused)?;
        let mut credential: Credential = serde_json::from_str(credential).map_err(refused)?;
        // Checks the rawId, challenge, origin, RP id hash, presence and
        // verification flags, the signature and the counter.
        let result = self
            .core
            .authenticate_single_credential(&response, &state, &credential)
            .map_err(refused)?;
        credential.counter = result.counter();
        credential.backup_state = result.backup_state();
        Ok(VerifiedAssertion {
            counter: credential.counter,
            credential: serde_json::to_string(&credential).map_err(refused)?,
        })
    }

    fn challenge_of(&self, response: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Response {
            response: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            #[serde(rename = "clientDataJSON")]
            client_data: String,
        }
        #[derive(Deserialize)]
        struct ClientData {
            challenge: String,
        }
        let response: Response = serde_json::from_str(response).ok()?;
        let client_data = URL_SAFE_NO_PAD
            .decode(response.response.client_data.trim_end_matches('='))
            .ok()?;
        let client_data: ClientData = serde_json::from_slice(&client_data).ok()?;
        Some(client_data.challenge)
    }

    fn credential_id_of(&self, response: &str) -> Option<Vec<u8>> {
        let response: PublicKeyCredential = serde_json::from_str(response).ok()?;
        Some(response.raw_id.to_vec())
    }
}
