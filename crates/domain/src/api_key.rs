//! API keys: high-entropy bearer secrets, shown once and stored as a hash.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::{FieldError, text::bounded_text};

const PREFIX: &str = "chk_";
const SECRET_BYTES: usize = 32;
/// `chk_` + 43 characters of unpadded base64url for 32 random bytes.
const ENCODED_LEN: usize = 4 + 43;

/// The secret a client sends as `Authorization: Bearer <key>`.
///
/// `Debug` and `Display` never show it; [`ApiKeySecret::expose`] does, once,
/// when the key is handed to its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl ApiKeySecret {
    /// A key from 32 bytes of the operating system's randomness.
    pub fn from_random_bytes(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Checks the shape of a presented key. A well-formed key may still be
    /// unknown; only its hash can tell.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == ENCODED_LEN
            && raw.starts_with(PREFIX)
            && raw[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// SHA-256 of the key. Keys carry 256 bits of entropy, so a fast hash is
    /// enough: there is nothing to brute-force that a slow hash would protect.
    pub fn hash(&self) -> KeyHash {
        KeyHash(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The first characters, safe to show in listings so people can tell keys apart.
    pub fn display_prefix(&self) -> String {
        self.0[..PREFIX.len() + 6].to_owned()
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}…)", self.display_prefix())
    }
}

/// The stored form of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A person-chosen label for a key ("ERP integration").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        bounded_text(field, raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_itself() {
        let key = ApiKeySecret::from_random_bytes([7; 32]);
        assert_eq!(key.expose().len(), ENCODED_LEN);
        assert_eq!(ApiKeySecret::parse(key.expose()).unwrap(), key);
        assert_eq!(ApiKeySecret::parse(key.expose()).unwrap().hash(), key.hash());
        assert!(!format!("{key:?}").contains(&key.expose()[10..]));
    }

    #[test]
    fn rejects_malformed_keys() {
        let key = ApiKeySecret::from_random_bytes([7; 32]);
        assert!(ApiKeySecret::parse(&key.expose()[1..]).is_none());
        assert!(ApiKeySecret::parse(&key.expose().replace("chk_", "xxx_")).is_none());
        assert!(ApiKeySecret::parse(&format!("{}=", &key.expose()[..ENCODED_LEN - 1])).is_none());
        assert!(ApiKeySecret::parse("").is_none());
    }

    #[test]
    fn different_keys_hash_differently() {
        let a = ApiKeySecret::from_random_bytes([1; 32]);
        let b = ApiKeySecret::from_random_bytes([2; 32]);
        assert_ne!(a.hash(), b.hash());
    }
}
