//! The firm's identity provider (OpenID Connect): its discovery document and
//! signing keys, cached, and the verification of the tokens it issues — ID
//! tokens at sign-in, access tokens the host platform forwards as bearer
//! tokens.
//!
//! Tokens are verified with `jsonwebtoken` against the provider's JWKS:
//! asymmetric algorithms only (never `none`, never HMAC, whose "secret"
//! would be the public key), the key named by `kid`, `iss` and `aud` exact,
//! `exp`/`nbf` with a small leeway. A `kid` not in the cached set refetches
//! the JWKS (a rotation), at most once per `jwks_refetch_interval`, so forged
//! `kid`s cannot make Charter hammer the provider.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use charter_domain::identity::{ClaimsError, Identity};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    errors::ErrorKind,
    jwk::{Jwk, JwkSet},
};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Mutex, OnceCell, RwLock};

/// How Charter talks to the firm's identity provider (`CHARTER_OIDC_*`).
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// `CHARTER_OIDC_ISSUER`: the provider's issuer URL, exactly as in its tokens.
    pub issuer: String,
    /// `CHARTER_OIDC_CLIENT_ID`.
    pub client_id: String,
    /// `CHARTER_OIDC_CLIENT_SECRET` (none for a public client).
    pub client_secret: Option<String>,
    /// `CHARTER_OIDC_AUDIENCE`: the `aud` bearer tokens must carry (default: the client id).
    pub audience: String,
    /// `CHARTER_PUBLIC_URL`: where browsers reach Charter; the redirect URI is
    /// `{public_url}/auth/callback`.
    pub public_url: String,
    /// `CHARTER_OIDC_ROLES_CLAIM` (default `groups`).
    pub roles_claim: String,
    /// `CHARTER_OIDC_SCOPES` (default `openid email profile`).
    pub scopes: String,
    /// How long a browser session lasts.
    pub session_lifetime: Duration,
    /// The least time between two JWKS refetches caused by unknown `kid`s.
    pub jwks_refetch_interval: Duration,
    /// `CHARTER_OIDC_TRUST_EMAIL`: take the `email` claim as verified even
    /// without `email_verified` (providers that only issue addresses they
    /// own, like Entra ID, do not send it).
    pub trust_email: bool,
}

impl OidcConfig {
    /// The identity in verified claims, as this deployment trusts emails.
    pub fn identity(&self, claims: &Value) -> Result<Identity, ClaimsError> {
        let mut identity = Identity::from_claims(claims, &self.roles_claim)?;
        identity.email_verified |= self.trust_email && identity.email.is_some();
        Ok(identity)
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.public_url.trim_end_matches('/'))
    }

    /// Whether cookies may go without `Secure`: only when Charter is reached on loopback.
    pub fn on_loopback(&self) -> bool {
        let rest = self.public_url.strip_prefix("http://").unwrap_or("");
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .any(|host| rest.strip_prefix(host).is_some_and(|after| after.is_empty() || after.starts_with([':', '/'])))
    }
}

/// Installs the process-wide TLS crypto provider (ring) that reqwest's
/// rustls needs before any HTTP client is built; idempotent.
pub fn install_tls_provider() {
    // Err only when a provider is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The settings of a client's own provider: the firm's, with the client's
/// issuer and client (its ID tokens and access tokens name that client as
/// `aud`), no platform roles and no trusted emails.
pub(crate) fn client_provider_config(
    firm: &OidcConfig,
    issuer: &str,
    client_id: &str,
    secret: Option<&str>,
) -> OidcConfig {
    OidcConfig {
        issuer: issuer.to_owned(),
        client_id: client_id.to_owned(),
        client_secret: secret.map(str::to_owned),
        audience: client_id.to_owned(),
        trust_email: false,
        ..firm.clone()
    }
}

/// The `iss` a JWT claims, unverified: only to pick which provider verifies it.
pub(crate) fn claimed_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss").and_then(Value::as_str).map(str::to_owned)
}

/// The endpoints discovery names.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: Option<String>,
}

/// Why a token was refused. Recorded in the security trail; the caller
/// only ever hears "invalid credentials".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    Malformed,
    Algorithm,
    UnknownKey,
    Signature,
    Expired,
    NotYetValid,
    Audience,
    Issuer,
    Nonce,
    Claims,
    /// The provider could not be reached to fetch its keys.
    Unavailable,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Algorithm => "algorithm_not_allowed",
            Self::UnknownKey => "unknown_key",
            Self::Signature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::Audience => "wrong_audience",
            Self::Issuer => "wrong_issuer",
            Self::Nonce => "nonce_mismatch",
            Self::Claims => "bad_claims",
            Self::Unavailable => "provider_unavailable",
        }
    }
}

/// Asymmetric algorithms only: with an HMAC algorithm the provider's public
/// key would serve as the shared secret, and anyone could sign.
const ALLOWED: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// The provider, as far as Charter has learned it.
pub(crate) struct Provider {
    pub config: OidcConfig,
    pub http: reqwest::Client,
    metadata: OnceCell<Metadata>,
    keys: RwLock<HashMap<String, Jwk>>,
    /// When unknown `kid`s last made Charter refetch the keys.
    last_refetch: Mutex<Option<Instant>>,
}

impl Provider {
    pub fn new(config: OidcConfig) -> Self {
        install_tls_provider();
        // A provider is asked little and must answer fast; redirects are
        // never followed (the token endpoint answers directly).
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            metadata: OnceCell::new(),
            keys: RwLock::new(HashMap::new()),
            last_refetch: Mutex::new(None),
        }
    }

    /// The discovery document, fetched once (retried until it succeeds).
    pub async fn metadata(&self) -> Result<&Metadata, Rejection> {
        self.metadata
            .get_or_try_init(|| async {
                let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
                let metadata: Metadata = self.get_json(&url).await?;
                if metadata.issuer != self.config.issuer {
                    tracing::error!(configured = %self.config.issuer, discovered = %metadata.issuer,
                        "the provider's discovery document names another issuer");
                    return Err(Rejection::Unavailable);
                }
                Ok(metadata)
            })
            .await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, Rejection> {
        let response = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(%url, error = %e, "identity provider unreachable");
            Rejection::Unavailable
        })?;
        if !response.status().is_success() {
            tracing::warn!(%url, status = %response.status(), "identity provider answered with an error");
            return Err(Rejection::Unavailable);
        }
        response.json().await.map_err(|_| Rejection::Unavailable)
    }

    async fn fetch_keys(&self) -> Result<(), Rejection> {
        let uri = self.metadata().await?.jwks_uri.clone();
        let set: JwkSet = self.get_json(&uri).await?;
        let keys = set.keys.into_iter().filter_map(|k| k.common.key_id.clone().map(|kid| (kid, k))).collect();
        *self.keys.write().await = keys;
        Ok(())
    }

    /// The key a token names: from the cache, else after a refetch (the
    /// first time, or a rotation), rate-limited.
    async fn key(&self, kid: &str) -> Result<Jwk, Rejection> {
        {
            let keys = self.keys.read().await;
            if let Some(key) = keys.get(kid) {
                return Ok(key.clone());
            }
            if keys.is_empty() {
                drop(keys);
                self.fetch_keys().await?;
                return self.keys.read().await.get(kid).cloned().ok_or(Rejection::UnknownKey);
            }
        }
        let mut last = self.last_refetch.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.config.jwks_refetch_interval) {
            return Err(Rejection::UnknownKey);
        }
        *last = Some(Instant::now());
        self.fetch_keys().await?;
        self.keys.read().await.get(kid).cloned().ok_or(Rejection::UnknownKey)
    }

    /// Verifies a token the provider signed for `audience`; with `nonce`,
    /// an ID token of the sign-in that sent it. Returns its claims.
    pub async fn verify(&self, token: &str, audience: &str, nonce: Option<&str>) -> Result<Value, Rejection> {
        // `decode_header` refuses `alg: none` (not an algorithm it knows).
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if !ALLOWED.contains(&header.alg) {
            return Err(Rejection::Algorithm);
        }
        let kid = header.kid.as_deref().ok_or(Rejection::UnknownKey)?;
        let jwk = self.key(kid).await?;
        // A key published for one algorithm is not used with another.
        if jwk.common.key_algorithm.is_some_and(|a| a.to_string() != format!("{:?}", header.alg)) {
            return Err(Rejection::Algorithm);
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| Rejection::Algorithm)?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[self.config.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Rejection::Expired,
                ErrorKind::ImmatureSignature => Rejection::NotYetValid,
                ErrorKind::InvalidAudience => Rejection::Audience,
                ErrorKind::InvalidIssuer => Rejection::Issuer,
                ErrorKind::InvalidSignature => Rejection::Signature,
                ErrorKind::InvalidAlgorithm => Rejection::Algorithm,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                    Rejection::Malformed
                }
                _ => Rejection::Claims,
            })?
            .claims;
        if let Some(expected) = nonce
            && claims.get("nonce").and_then(Value::as_str) != Some(expected)
        {
            return Err(Rejection::Nonce);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str) -> OidcConfig {
        OidcConfig {
            issuer: "https://login.example".into(),
            client_id: "charter".into(),
            client_secret: None,
            audience: "charter".into(),
            public_url: public_url.into(),
            roles_claim: "groups".into(),
            scopes: "openid email profile".into(),
            session_lifetime: Duration::from_secs(3600),
            jwks_refetch_interval: Duration::from_secs(10),
            trust_email: false,
        }
    }

    #[test]
    fn cookies_go_without_secure_only_on_loopback() {
        assert!(config("http://127.0.0.1:8080").on_loopback());
        assert!(config("http://localhost").on_loopback());
        assert!(!config("http://localhost.evil.example").on_loopback());
        assert!(!config("https://charter.example").on_loopback());
        assert_eq!(config("https://charter.example/").redirect_uri(), "https://charter.example/auth/callback");
    }

    #[tokio::test]
    async fn unsigned_and_hmac_tokens_never_reach_a_key() {
        let provider = Provider::new(config("https://charter.example"));
        // {"alg":"none"} and {"alg":"HS256","kid":"k"}: refused before any
        // key is looked up (the provider here does not exist).
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
        assert_eq!(provider.verify(none, "charter", None).await, Err(Rejection::Malformed));
        let hmac = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln";
        assert_eq!(provider.verify(hmac, "charter", None).await, Err(Rejection::Algorithm));
    }
}
