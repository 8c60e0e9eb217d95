//! Checking the evidence stored violations point at: each file present, with the SHA-256 the
//! event recorded when the pipeline sealed it.

use std::path::Path;

use gridwatch_core::{Sha256Hex, ViolationEvent};

use crate::Store;

/// Adds a sentence to `problems` for each missing or changed file; returns how many were checked.
pub async fn check(store: &Store, root: &Path, problems: &mut Vec<String>) -> Result<usize, sqlx::Error> {
    let mut checked = 0;
    for (id, body) in crate::store::events::violations(store.pool()).await? {
        let Ok(event) = serde_json::from_str::<ViolationEvent>(&body) else {
            problems.push(format!(
                "event {id}: its stored body no longer parses as a violation"
            ));
            continue;
        };
        for artifact in &event.evidence {
            checked += 1;
            let path = root.join(&artifact.path);
            match std::fs::read(&path) {
                Err(e) => problems.push(format!("event {id}: evidence `{}`: {e}", path.display())),
                Ok(bytes) => {
                    if Sha256Hex::of(&bytes) != artifact.sha256 {
                        problems.push(format!(
                            "event {id}: evidence `{}` has changed since it was sealed",
                            path.display()
                        ));
                    }
                }
            }
        }
    }
    Ok(checked)
}
