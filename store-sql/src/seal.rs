//! Tokens at rest: AES-256-GCM under the app's key, a fresh 96-bit nonce per write, the row's
//! key as associated data (a sealed value moved to another row does not open).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// The length of a nonce, stored before the ciphertext.
const NONCE: usize = 12;

/// The app's key for tokens at rest: 32 bytes, the same in every replica, kept out of logs.
#[derive(Clone)]
pub struct EncryptionKey(Aes256Gcm);

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(…)")
    }
}

impl EncryptionKey {
    /// The key of these 32 bytes (random; e.g. from a secret manager).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        EncryptionKey(Aes256Gcm::new(&bytes.into()))
    }

    /// `value` sealed for the row `key`: nonce, then ciphertext and tag.
    pub(crate) fn seal(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, String> {
        let nonce: [u8; NONCE] = rand::random();
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: value, aad: key.as_bytes() })
            .map_err(|_| "sealing a token failed".to_string())?;
        let mut out = Vec::with_capacity(NONCE + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The value of a sealed row `key`; an error when the key is another or the bytes changed.
    pub(crate) fn open(&self, key: &str, sealed: &[u8]) -> Result<Vec<u8>, String> {
        if sealed.len() < NONCE {
            return Err(format!("the stored value of `{key}` is too short to be sealed"));
        }
        let (nonce, body) = sealed.split_at(NONCE);
        self.0.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: key.as_bytes() }).map_err(|_| {
            format!("the stored value of `{key}` does not open with this key (another key, or changed bytes)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_row() {
        let k = EncryptionKey::from_bytes([7; 32]);
        let sealed = k.seal("app:user:1:refresh", b"rft.secret").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"rft.secret"), "the plain text is not in the sealed bytes");
        assert_eq!(k.open("app:user:1:refresh", &sealed).unwrap(), b"rft.secret");
        assert!(k.open("app:user:2:refresh", &sealed).is_err(), "another row");
        assert!(
            EncryptionKey::from_bytes([8; 32]).open("app:user:1:refresh", &sealed).is_err(),
            "another key"
        );
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert!(k.open("app:user:1:refresh", &flipped).is_err(), "changed bytes");
        assert_ne!(sealed, k.seal("app:user:1:refresh", b"rft.secret").unwrap(), "a fresh nonce per write");
        assert_eq!(format!("{k:?}"), "EncryptionKey(…)");
    }
}
