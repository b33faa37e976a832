//! Device tokens: proof that a device has signed in to an account before.
//!
//! A token is a random 16-byte nonce and an HMAC-SHA256 over the account's id and that nonce
//! under the server's device key, so the server stores nothing per device. A login that shows a
//! valid token for the account it names is counted against that device's own bucket, not the
//! account's: a flood of guesses from elsewhere locks out new devices for a while, never the
//! person's own (OWASP's "device cookie" defence).

use std::fmt;

use hmac::{Hmac, Mac};
use natter_core::UserId;
use sha2::Sha256;

pub const COOKIE_NAME: &str = "natter_device";
/// A device stays known for a year after its last sign-in.
const MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The server's secret for device tokens. Its `Debug` never shows it.
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        DeviceKey(bytes)
    }

    /// A fresh random key: device tokens then last until the server restarts.
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        // Without randomness the key is all zeroes, which only weakens the lockout bypass;
        // sessions never depend on it.
        let _ = getrandom::getrandom(&mut bytes);
        DeviceKey(bytes)
    }

    fn mac(&self, user: UserId, nonce: &[u8; 16]) -> Hmac<Sha256> {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(&user.0.to_le_bytes());
        mac.update(nonce);
        mac
    }

    /// A new token for a device that just signed in as `user`.
    pub fn issue(&self, user: UserId) -> String {
        let mut nonce = [0u8; 16];
        let _ = getrandom::getrandom(&mut nonce);
        let tag = self.mac(user, &nonce).finalize().into_bytes();
        format!("{}{}", hex::encode(nonce), hex::encode(&tag[..16]))
    }

    /// The token's nonce if it was issued to `user` by this key.
    pub fn verify(&self, user: UserId, token: &str) -> Option<[u8; 16]> {
        let bytes = hex::decode(token.trim()).ok()?;
        let (nonce, tag) = bytes.split_at_checked(16)?;
        let nonce: [u8; 16] = nonce.try_into().ok()?;
        if tag.len() != 16 {
            return None;
        }
        self.mac(user, &nonce).verify_truncated_left(tag).ok()?;
        Some(nonce)
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKey(redacted)")
    }
}

/// The `Set-Cookie` value that hands a browser its device token: sent back only to the
/// sign-in endpoints, never readable by scripts.
pub fn cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age={MAX_AGE_SECS}{secure}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_proves_only_the_account_and_key_it_was_issued_for() {
        let key = DeviceKey::random();
        let (alice, bob) = (UserId(1), UserId(2));
        let token = key.issue(alice);
        assert_eq!(token.len(), 64);
        assert!(key.verify(alice, &token).is_some());
        assert!(key.verify(bob, &token).is_none());
        assert!(DeviceKey::random().verify(alice, &token).is_none());
        let mut forged = token.clone();
        forged.replace_range(60.., "0000");
        assert!(key.verify(alice, &forged).is_none());
        assert!(key.verify(alice, "not hex").is_none());
        assert!(key.verify(alice, &token[..40]).is_none());
        assert_ne!(key.issue(alice), token, "each device gets its own nonce");
    }
}
