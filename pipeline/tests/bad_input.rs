//! Bad files a city or a model vendor can hand the pipeline, generated: model cards and replay
//! scenarios with lines deleted, bytes inserted and numbers pushed out of range, and plain random
//! bytes. Each loads, or fails with an error that names the file, and never panics.
//!
//! `PROPTEST_CASES` sets how many files each property tries (64 unless set).

use std::path::{Path, PathBuf};

use gridwatch_pipeline::{
    detect::ModelCard,
    replay::{score, Scenario},
};
use proptest::prelude::*;

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

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One change to a file's text.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(prop::sample::Index),
    InsertBytes(prop::sample::Index, Vec<u8>),
    /// A number in the file replaced by one no field accepts, or only just accepts.
    ReplaceNumber(prop::sample::Index, &'static str),
}

const ODD_NUMBERS: &[&str] = &[
    "-1",
    "0",
    "-0.0",
    "1e309",
    "1e-400",
    "nan",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::DeleteLine),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(at, bytes)| Mutation::InsertBytes(at, bytes)),
        (any::<prop::sample::Index>(), prop::sample::select(ODD_NUMBERS))
            .prop_map(|(at, n)| Mutation::ReplaceNumber(at, n)),
    ]
}

fn mutated(text: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    mutations.iter().fold(text.to_vec(), |text, m| apply(&text, m))
}

fn apply(text: &[u8], mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::DeleteLine(at) => {
            let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            let skip = at.index(lines.len());
            let kept: Vec<&[u8]> = (0..lines.len())
                .filter(|&i| i != skip)
                .map(|i| lines[i])
                .collect();
            kept.join(&b'\n')
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
        match text[i] {
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

/// Writes `card` as a model card and loads it: a card the detector could use, or an error that
/// names the card.
fn check_card(card: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.model.toml");
    std::fs::write(&path, card).unwrap();
    match ModelCard::load(&path) {
        Ok(card) => {
            assert!(!card.classes.is_empty(), "{card:?}");
            let (w, h) = (card.input.width, card.input.height);
            assert!(
                (1..=8192).contains(&w) && (1..=8192).contains(&h),
                "an input of {w}×{h} is accepted"
            );
            assert!(
                card.output.nms_iou > 0.0 && card.output.nms_iou <= 1.0,
                "{card:?}"
            );
        }
        Err(e) => {
            let prefix = format!("model card `{}`: ", path.display());
            let shown = e.to_string();
            assert!(
                shown.starts_with(&prefix) && shown.len() > prefix.len(),
                "{shown}"
            );
        }
    }
}

/// A scenario folder holding `scenario` and `truth`: it loads (and scores an empty replay), or
/// fails with an error that names one of its files.
fn check_scenario(scenario: &[u8], truth: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("truth.toml"), truth).unwrap();
    match Scenario::load(dir.path()) {
        Ok(loaded) => {
            score(&loaded, &[]);
        }
        Err(e) => {
            let shown = e.to_string();
            // Each line names the file: `FILE:LINE:COLUMN: sentence` for what is written in it,
            // `scenario `FILE`: reason` for the file as a whole.
            let named = |line: &str| {
                ["scenario.toml", "truth.toml"].iter().any(|f| {
                    let path = dir.path().join(f).display().to_string();
                    let positioned = line.strip_prefix(&format!("{path}:")).is_some_and(|rest| {
                        let mut parts = rest.splitn(3, ':');
                        let number = |p: Option<&str>| {
                            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                        };
                        number(parts.next())
                            && number(parts.next())
                            && parts.next().is_some_and(|s| s.len() > 1)
                    });
                    positioned || line.starts_with(&format!("scenario `{path}`: "))
                })
            };
            assert!(shown.lines().all(named), "{shown}");
        }
    }
}

fn demo_card() -> Vec<u8> {
    std::fs::read(repository().join("models/gridwatch-demo.model.toml")).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repository().join("replay-fixtures/vending-day").join(name)).unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_mutated_model_card_loads_usable_or_is_refused_by_name(
        mutations in prop::collection::vec(mutation(), 1..5)
    ) {
        check_card(&mutated(&demo_card(), &mutations));
    }

    #[test]
    fn random_bytes_as_a_model_card_are_refused_by_name(
        bytes in prop::collection::vec(any::<u8>(), 0..256)
    ) {
        check_card(&bytes);
    }

    #[test]
    fn a_mutated_scenario_loads_or_is_refused_by_file(
        scenario in prop::collection::vec(mutation(), 0..4),
        truth in prop::collection::vec(mutation(), 0..4),
    ) {
        check_scenario(
            &mutated(&fixture("scenario.toml"), &scenario),
            &mutated(&fixture("truth.toml"), &truth),
        );
    }
}

/// Found by `a_mutated_model_card_loads_usable_or_is_refused_by_name`: a card 4294967295 pixels
/// wide loaded, and the detector would have tried to allocate its input on the first frame.
#[test]
fn a_card_with_an_input_no_model_has_is_refused() {
    let card = String::from_utf8(demo_card()).unwrap();
    for (key, to) in [("width", "4294967295"), ("height", "0")] {
        let line = |l: &str| l.starts_with(&format!("{key} = "));
        assert_eq!(card.lines().filter(|l| line(l)).count(), 1, "one {key} line");
        let mutated: String = card
            .lines()
            .map(|l| {
                if line(l) {
                    format!("{key} = {to}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.model.toml");
        std::fs::write(&path, mutated).unwrap();
        let error = ModelCard::load(&path).unwrap_err().to_string();
        assert!(
            error.ends_with("pixels a side") && error.contains("is outside 1…8192"),
            "{error}"
        );
    }
}

#[test]
fn the_unmutated_card_and_scenario_load() {
    ModelCard::load(&repository().join("models/gridwatch-demo.model.toml")).unwrap();
    Scenario::load(&repository().join("replay-fixtures/vending-day")).unwrap();
}
