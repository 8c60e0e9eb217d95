//! Bad configuration files, generated: the shipped demo configuration with lines deleted, values
//! swapped, bytes inserted and numbers pushed out of range. Whatever the file, loading it gives
//! the config or errors of the form `file:line:column: sentence`, and never panics.
//!
//! `PROPTEST_CASES` sets how many files each property tries (64 unless set).

use std::path::{Path, PathBuf};

use gridwatch_core::config::{Config, ConfigErrors};
use proptest::prelude::*;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml")
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        // Failing inputs are kept as named tests below, not in files beside the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One change to a configuration file's text.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(prop::sample::Index),
    /// The values of two `key = value` lines, exchanged.
    SwapValues(prop::sample::Index, prop::sample::Index),
    InsertBytes(prop::sample::Index, Vec<u8>),
    /// A number in the file replaced by one no field accepts, or only just accepts.
    ReplaceNumber(prop::sample::Index, &'static str),
}

const ODD_NUMBERS: &[&str] = &[
    "-1",
    "0",
    "-0.0",
    "1e309",
    "-1e309",
    "1e-400",
    "nan",
    "inf",
    "-inf",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "9223372036854775807",
    "0x7fffffffffffffff",
    "1_000_000_000_000",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::DeleteLine),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(at, bytes)| Mutation::InsertBytes(at, bytes)),
        (any::<prop::sample::Index>(), prop::sample::select(ODD_NUMBERS))
            .prop_map(|(at, n)| Mutation::ReplaceNumber(at, n)),
    ]
}

fn apply(text: &[u8], mutation: &Mutation) -> Vec<u8> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let join = |lines: Vec<Vec<u8>>| lines.join(&b'\n');
    match mutation {
        Mutation::DeleteLine(at) => {
            let skip = at.index(lines.len());
            join(
                (0..lines.len())
                    .filter(|&i| i != skip)
                    .map(|i| lines[i].to_vec())
                    .collect(),
            )
        }
        Mutation::SwapValues(a, b) => {
            let assignments: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(&b'=')).collect();
            if assignments.is_empty() {
                return text.to_vec();
            }
            let (a, b) = (
                assignments[a.index(assignments.len())],
                assignments[b.index(assignments.len())],
            );
            let split = |line: &[u8]| {
                let at = line.iter().position(|&c| c == b'=').unwrap();
                (line[..at].to_vec(), line[at..].to_vec())
            };
            let (key_a, value_a) = split(lines[a]);
            let (key_b, value_b) = split(lines[b]);
            let mut out: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
            out[a] = [key_a, value_b].concat();
            out[b] = [key_b, value_a].concat();
            join(out)
        }
        Mutation::InsertBytes(at, bytes) => {
            let at = at.index(text.len() + 1);
            [&text[..at], bytes, &text[at..]].concat()
        }
        Mutation::ReplaceNumber(at, number) => {
            let numbers = number_spans(text);
            if numbers.is_empty() {
                return text.to_vec();
            }
            let (start, end) = numbers[at.index(numbers.len())];
            [&text[..start], number.as_bytes(), &text[end..]].concat()
        }
    }
}

/// Where the file's bare numbers are: digit runs (with `.`, `_`, `e`) outside strings and comments.
fn number_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let (mut in_string, mut in_comment, mut i) = (false, false, 0);
    while i < text.len() {
        let c = text[i];
        match c {
            b'\n' => in_comment = false,
            b'#' if !in_string => in_comment = true,
            b'"' if !in_comment => in_string = !in_string,
            b'-' | b'0'..=b'9' if !in_string && !in_comment => {
                let start = i;
                i += 1;
                while i < text.len() && matches!(text[i], b'0'..=b'9' | b'.' | b'_' | b'e') {
                    i += 1;
                }
                if text[start..i].iter().any(u8::is_ascii_digit) {
                    spans.push((start, i));
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    spans
}

/// Loads `bytes` as the demo configuration (so its relative paths still resolve); text that is
/// not UTF-8 goes through a file, as a user's would.
fn load(bytes: &[u8]) -> Result<(), ConfigErrors> {
    let path = demo();
    match std::str::from_utf8(bytes) {
        Ok(text) => Config::parse(&path, text).map(drop),
        Err(_) => {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("demo.toml");
            std::fs::write(&file, bytes).unwrap();
            Config::load(&file).map(drop)
        }
    }
}

/// Each error reads `file:line:column: sentence`, points inside the file, and is one line.
fn assert_clear(bytes: &[u8], errors: &ConfigErrors) {
    assert!(!errors.0.is_empty(), "an error without a problem");
    let lines = bytes.split(|&b| b == b'\n').count();
    for e in &errors.0 {
        let shown = e.to_string();
        let prefix = format!("{}:{}:{}: ", e.file.display(), e.line, e.column);
        assert!(shown.starts_with(&prefix), "{shown}");
        assert!(
            (1..=lines).contains(&e.line) && e.column >= 1,
            "{shown}: outside the file's {lines} lines"
        );
        let sentence = &e.message;
        assert!(
            !sentence.trim().is_empty() && !sentence.contains('\n'),
            "not one sentence: {shown:?}"
        );
    }
}

fn check(bytes: &[u8]) {
    if let Err(errors) = load(bytes) {
        assert_clear(bytes, &errors);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_mutated_demo_config_loads_or_says_where_it_is_wrong(
        mutations in prop::collection::vec(mutation(), 1..5)
    ) {
        let mut text = std::fs::read(demo()).unwrap();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(&text);
    }

    #[test]
    fn arbitrary_bytes_load_or_say_where_they_are_wrong(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        check(&bytes);
    }
}

#[test]
fn the_unmutated_demo_config_loads() {
    load(&std::fs::read(demo()).unwrap()).unwrap_or_else(|e| panic!("{e}"));
}
