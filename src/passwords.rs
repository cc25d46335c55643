//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), and the
//! password rules. Hashing is slow on purpose: call these from blocking threads only.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// Memory cost in KiB (19 MiB).
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// A failure of the hashing library itself (not a wrong password).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string with a fresh random salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| HashError(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored hash. With no stored hash (unknown account, or one that
/// never chose a password) a dummy hash is verified instead, so the answer takes as long.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let Ok(argon) = hasher() else { return false };
    match stored {
        Some(stored) => argon.verify_password(password.as_bytes(), stored).is_ok(),
        None => {
            let _ = argon.verify_password(password.as_bytes(), DUMMY_HASH);
            false
        }
    }
}

/// A hash of a random string nobody knows, with the same parameters as real ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
    0GZ5DkOgd9eNmmVkMP6tuQHtRkMpqHAJKPb0LxePBQo";

/// Why a new password is refused; the message is shown next to the field.
pub fn check_new_password(password: &str, confirmation: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err("Use at least 10 characters");
    }
    if length > MAX_LENGTH {
        return Err("Use at most 128 characters");
    }
    if password != confirmation {
        return Err("The two passwords differ");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash("correct horse battery").expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
    }

    #[test]
    fn unknown_accounts_never_verify() {
        assert!(!verify("anything at all", None));
    }
}
