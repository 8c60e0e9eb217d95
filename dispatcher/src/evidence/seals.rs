//! Checking the evidence on disk: each file a stored violation or a recorded photo names is
//! present, inside the evidence folder, with the SHA-256 recorded when it was sealed.

use std::path::Path;

use gridwatch_core::{Sha256Hex, ViolationEvent};

use super::{photos, under};
use crate::Store;

/// Adds a sentence to `problems` for each missing, misplaced or changed file; returns how many
/// were checked.
pub async fn check(store: &Store, root: &Path, problems: &mut Vec<String>) -> Result<usize, sqlx::Error> {
    let mut checked = 0;
    for (id, body) in crate::store::events::violations(store.pool()).await? {
        let whose = format!("event {id}");
        let Ok(event) = serde_json::from_str::<ViolationEvent>(&body) else {
            problems.push(format!(
                "{whose}: its stored body no longer parses as a violation"
            ));
            continue;
        };
        for artifact in &event.evidence {
            checked += 1;
            seal(root, &whose, &artifact.path, &artifact.sha256, problems);
        }
    }
    for entry in crate::store::audit::entries(store.pool(), None).await? {
        if let Some(photo) = photos::listed(&entry.case_id, &entry) {
            checked += 1;
            let whose = format!("case {} photo", entry.case_id);
            seal(root, &whose, &photo.path, &photo.sha256, problems);
        }
    }
    Ok(checked)
}

/// Adds a sentence to `problems` when the file `recorded` under `root` is not there, not inside,
/// or not what `sha256` says; `whose` names what recorded it.
fn seal(root: &Path, whose: &str, recorded: &str, sha256: &Sha256Hex, problems: &mut Vec<String>) {
    let Some(path) = under(root, recorded) else {
        problems.push(format!(
            "{whose}: evidence `{recorded}` is not a path inside the evidence folder"
        ));
        return;
    };
    match std::fs::read(&path) {
        Err(e) => problems.push(format!("{whose}: evidence `{}`: {e}", path.display())),
        Ok(bytes) => {
            if Sha256Hex::of(&bytes) != *sha256 {
                problems.push(format!(
                    "{whose}: evidence `{}` has changed since it was sealed",
                    path.display()
                ));
            }
        }
    }
}
