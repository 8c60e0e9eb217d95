//! Password hashes: Argon2id with the crate's recommended parameters, as PHC strings. Hashing is
//! deliberately slow and memory-hard, so it runs off the async runtime.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::DispatchError;

/// Hashed in place of a missing account's, so a wrong name costs what a wrong password does.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bm9ib2R5bm9ib2R5$3Z1qkW2o2nq3m4s1q5o2k3y0n8s6w2c1Zb1f0Qk8d9E";

async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DispatchError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DispatchError::Invalid(format!("password hashing stopped: {e}")))
}

pub async fn hash(password: String) -> Result<String, DispatchError> {
    off_runtime(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DispatchError::Invalid(format!("cannot hash the password: {e}")))
    })
    .await?
}

/// Whether `password` matches `stored`; with no stored hash, a dummy one is checked and the
/// answer is false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, DispatchError> {
    off_runtime(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| NOBODY.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_matches_its_hash_and_nothing_else() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("correct horse battery!".into(), Some(stored))
            .await
            .unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn the_stand_in_hash_parses_so_a_missing_account_costs_a_full_hash() {
        assert!(PasswordHash::new(NOBODY).is_ok());
    }
}
