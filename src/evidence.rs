//! `gridwatch evidence`: a case's evidence package for legal review, exported from the store
//! (and recorded in the case's audit trail), and any package checked end to end.

use std::{io::Write, path::Path};

use chrono::DateTime;
use gridwatch_core::config::Role;
use gridwatch_dispatcher::{
    evidence::package::{self, Privacy},
    server::one_off,
    Actor, DispatchError,
};

use crate::detectors;

/// Who exports from the console: the operator named by `--by`, else the login name. The console
/// has the store itself, so it acts with the admin's rights.
fn console_actor(by: Option<&str>) -> Actor {
    let name = by
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "console".to_owned());
    Actor {
        name: format!("console:{name}"),
        role: Role::Admin,
        member: None,
    }
}

/// Exports case `case` (its number or id) to `out` with `privacy`; prints the digests.
pub fn export(
    config: &Path,
    case: &str,
    out: &Path,
    privacy: &str,
    by: Option<&str>,
) -> Result<(), Vec<String>> {
    let privacy = Privacy::parse(privacy)
        .ok_or_else(|| vec![format!("--privacy `{privacy}`: one of {}", Privacy::choices())])?;
    let loaded = detectors::load_config(config)?;
    let at = |e: &dyn std::fmt::Display| vec![format!("{}: {e}", out.display())];
    // The file first: an export is recorded, so it must not be made for nowhere to put it.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| at(&e))?;
    let actor = console_actor(by);
    let case = case.to_owned();
    let exported = one_off(loaded, |d| async move {
        let id = match case.trim_start_matches('#').parse::<i64>() {
            Ok(number) => d
                .case_id_of_number(number)
                .await?
                .ok_or_else(|| DispatchError::NotFound(format!("#{number}")))?,
            Err(_) => case,
        };
        Ok(d.export_package(&actor, &id, privacy).await)
    })
    .map_err(|e| vec![e])
    .and_then(|exported| exported.map_err(|e| vec![e.to_string()]));
    let exported = match exported {
        Ok(exported) => exported,
        Err(problems) => {
            drop(file);
            let _ = std::fs::remove_file(out);
            return Err(problems);
        }
    };
    file.write_all(&exported.bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| at(&e))?;
    println!(
        "{}: case package, {} files, {} bytes\npackage SHA-256  {}\nmanifest SHA-256 {}\n(both recorded in the case's audit trail)",
        out.display(),
        exported.members,
        exported.bytes.len(),
        exported.sha256,
        exported.manifest_sha256
    );
    Ok(())
}

/// Checks the package at `file` on its own, and with `config` against the store's record.
pub fn verify(file: &Path, config: Option<&Path>) -> Result<(), Vec<String>> {
    let at = |e: &dyn std::fmt::Display| vec![format!("{}: {e}", file.display())];
    let bytes = std::fs::read(file).map_err(|e| at(&e))?;
    let checked = package::verify(&bytes).map_err(|e| at(&e))?;
    let m = &checked.manifest;
    println!(
        "{}: intact: case #{} ({}), {} files listed with their SHA-256, exported {} by {} ({})\npackage SHA-256  {}\nmanifest SHA-256 {}",
        file.display(),
        m.case.number,
        m.case.id,
        m.members.len(),
        m.exported_at,
        m.exported_by,
        m.privacy.as_str(),
        checked.sha256,
        checked.manifest_sha256
    );
    let Some(config) = config else {
        return Ok(());
    };
    let loaded = detectors::load_config(config)?;
    let recorded = one_off(loaded, |d| async move { Ok(d.check_package(&checked).await) })
        .map_err(|e| vec![e])?
        .map_err(|e| at(&e))?;
    let when = DateTime::from_timestamp_millis(recorded.at)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    println!(
        "recorded: audit entry {} ({} by {}, privacy {}); the audit chain is intact",
        recorded.seq,
        when,
        recorded.by,
        recorded.privacy.as_str()
    );
    Ok(())
}
