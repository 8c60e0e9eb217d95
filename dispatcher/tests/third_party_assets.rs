//! The pages' assets: every third-party file in dispatcher/web is pinned in THIRD_PARTY.toml with
//! its version, SHA-256 and licence, and a file that is not listed is one of ours.

use std::{collections::BTreeSet, path::Path};

use gridwatch_core::Sha256Hex;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    #[serde(default)]
    file: Vec<Pinned>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pinned {
    path: String,
    name: String,
    version: String,
    sha256: String,
    licence: String,
}

/// Words another project's header carries; ours never do.
const FOREIGN_HEADERS: [&str; 4] = [
    "@license",
    "Copyright (c)",
    "SPDX-License-Identifier",
    "@preserve",
];

#[test]
fn every_asset_is_ours_or_pinned_with_its_version_digest_and_licence() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let text = std::fs::read_to_string(web.join("THIRD_PARTY.toml")).unwrap();
    let list: List = toml::from_str(&text).unwrap_or_else(|e| panic!("THIRD_PARTY.toml: {e}"));
    let mut pinned = BTreeSet::new();
    for f in &list.file {
        for (field, value) in [
            ("name", &f.name),
            ("version", &f.version),
            ("licence", &f.licence),
        ] {
            assert!(!value.trim().is_empty(), "{}: {field} is empty", f.path);
        }
        let bytes = std::fs::read(web.join(&f.path)).unwrap_or_else(|e| panic!("{}: {e}", f.path));
        assert_eq!(
            Sha256Hex::of(&bytes).to_string(),
            f.sha256,
            "{} changed since it was pinned",
            f.path
        );
        pinned.insert(f.path.clone());
    }
    for entry in std::fs::read_dir(&web).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "THIRD_PARTY.toml" || pinned.contains(&name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
        for mark in FOREIGN_HEADERS {
            assert!(
                !head.contains(mark),
                "{name} looks like another project's file (`{mark}`): pin it in THIRD_PARTY.toml"
            );
        }
    }
}
