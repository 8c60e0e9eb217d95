//! `gridwatch replay SCENARIO…`: plays recorded scenarios through the pipeline on the footage's
//! own clock, scores the events against each scenario's truth, prints a table, optionally writes
//! a JSON report, and fails when a kind misses its precision or recall threshold.

use std::{io::IsTerminal, path::Path};

use gridwatch_core::Frame;
use gridwatch_pipeline::{
    analysis::{Output, Setting},
    evidence::{EvidenceStore, WhenFull},
    replay::{replay, score, ReplayError, Scenario, ScenarioScore, Thresholds},
    sink::{JsonLines, Sink, Sinks},
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::detectors;

#[derive(Serialize)]
struct Report<'a> {
    scenarios: &'a [ScenarioReport],
}

#[derive(Serialize)]
struct ScenarioReport {
    #[serde(flatten)]
    score: ScenarioScore,
    thresholds: Thresholds,
    frames: u64,
    /// Frames dropped for being older than the last one analysed.
    dropped: u64,
    seconds: f64,
    /// Footage seconds replayed per second of wall time.
    speed: f64,
}

/// A bar of the footage played so far, on a terminal only.
fn progress_bar(scenario: &Scenario) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new((scenario.meta.seconds * 1000.0) as u64);
    let style =
        ProgressStyle::with_template("{prefix} [{bar:40}] {percent:>3}% of the footage, {elapsed} so far")
            .expect("the template is valid")
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(scenario.meta.name.clone());
    bar
}

/// Returns whether every scenario met its thresholds, or the problems that stopped it.
pub fn run(
    config: &Path,
    scenarios: &[std::path::PathBuf],
    report: Option<&Path>,
    events: Option<&Path>,
    evidence: Option<&Path>,
    junit: Option<&Path>,
) -> Result<bool, Vec<String>> {
    let loaded = detectors::load_config(config)?;
    let model = detectors::required_model(&loaded, "replay")?;
    let mut detector = detectors::detectors(&loaded, model, 1)?.remove(0);
    let card = detector.card().clone();
    let setting = Setting::new(&loaded.config, &card);
    let mut sinks: Vec<(String, Box<dyn Sink>)> = Vec::new();
    if let Some(path) = events {
        let file = JsonLines::open(path)
            .map_err(|e| vec![format!("{}: cannot write events: {e}", path.display())])?;
        sinks.push((path.display().to_string(), Box::new(file)));
    }
    // Replay analyses every frame and has no pace to keep: evidence waits for the encoder.
    let evidence = evidence.map(|root| (EvidenceStore::new(root), WhenFull::Wait));
    let output = Output::start(Sinks::start(sinks), evidence, None);
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for dir in scenarios {
        let outcome = Scenario::load(dir).and_then(|s| {
            let bar = progress_bar(&s);
            let mut on_frame = |frame: &Frame| bar.set_position(frame.pts.as_millis() as u64);
            let replayed = replay(&s, &setting, &mut detector, output.outlet(), &mut on_frame);
            bar.finish_and_clear();
            Ok((s, replayed?))
        });
        let (scenario, replayed) = match outcome {
            Ok(done) => done,
            Err(ReplayError::Invalid(errors)) => {
                problems.extend(errors.0.iter().map(ToString::to_string));
                continue;
            }
            Err(e) => {
                problems.push(e.to_string());
                continue; // one broken scenario does not stop the others
            }
        };
        let seconds = replayed.elapsed.as_secs_f64();
        let span = tracing::info_span!("camera", id = %scenario.camera.id);
        let _in = span.enter();
        if std::io::stderr().is_terminal() {
            tracing::info!(scenario = %scenario.meta.name, frames = replayed.frames, seconds, "replayed");
        }
        if replayed.dropped > 0 {
            tracing::warn!(
                scenario = %scenario.meta.name,
                dropped = replayed.dropped,
                "frames dropped for being older than the last one analysed"
            );
        }
        reports.push(ScenarioReport {
            score: score(&scenario, &replayed.findings),
            thresholds: scenario.thresholds,
            frames: replayed.frames,
            dropped: replayed.dropped,
            seconds,
            speed: scenario.meta.seconds / seconds.max(1e-9),
        });
    }
    // Everything queued is written before the scores are told.
    problems.extend(output.finish());
    print_table(&reports);
    if let Some(path) = report {
        let json = serde_json::to_string_pretty(&Report { scenarios: &reports }).expect("reports serialize");
        std::fs::write(path, json)
            .map_err(|e| vec![format!("{}: cannot write the report: {e}", path.display())])?;
    }
    if let Some(path) = junit {
        std::fs::write(path, junit_xml(&reports))
            .map_err(|e| vec![format!("{}: cannot write JUnit XML: {e}", path.display())])?;
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(reports.iter().all(|r| r.failures().is_empty()))
}

impl ScenarioReport {
    /// Each kind that missed a threshold, with why.
    fn failures(&self) -> Vec<(String, String)> {
        let t = self.thresholds;
        self.score
            .kinds
            .iter()
            .filter(|(_, k)| k.precision() < t.precision || k.recall() < t.recall)
            .map(|(kind, k)| {
                let why = format!(
                    "precision {:.2} (needs {:.2}), recall {:.2} (needs {:.2}); missed: {}",
                    k.precision(),
                    t.precision,
                    k.recall(),
                    t.recall,
                    self.score.missed.join(", ")
                );
                (kind.clone(), why)
            })
            .collect()
    }
}

/// A JUnit XML report: one suite per scenario, one case per violation kind.
fn junit_xml(reports: &[ScenarioReport]) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gridwatch replay\">\n");
    for r in reports {
        let failures = r.failures();
        xml += &format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">\n",
            escape(&r.score.scenario),
            r.score.kinds.len(),
            failures.len(),
            r.seconds
        );
        for kind in r.score.kinds.keys() {
            xml += &format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&r.score.scenario),
                escape(kind)
            );
            match failures.iter().find(|(k, _)| k == kind) {
                Some((_, why)) => {
                    xml += &format!(
                        ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                        escape(why)
                    )
                }
                None => xml += "/>\n",
            }
        }
        xml += "  </testsuite>\n";
    }
    xml + "</testsuites>\n"
}

fn print_table(reports: &[ScenarioReport]) {
    println!(
        "{:<16} {:<20} {:>3} {:>3} {:>3} {:>9} {:>6} {:>10} {:>9} {:>8}",
        "scenario", "kind", "TP", "FP", "FN", "precision", "recall", "median s", "worst s", "speed"
    );
    for r in reports {
        let speed = format!("{:.0}x", r.speed);
        if r.score.kinds.is_empty() {
            println!(
                "{:<16} {:<20} {:>3} {:>3} {:>3} {:>9} {:>6} {:>10} {:>9} {speed:>8}",
                r.score.scenario, "(none)", 0, 0, 0, "-", "-", "-", "-"
            );
        }
        for (kind, k) in &r.score.kinds {
            let delay = |d: Option<f64>| d.map_or("-".to_owned(), |d| format!("{d:.0}"));
            println!(
                "{:<16} {kind:<20} {:>3} {:>3} {:>3} {:>9.2} {:>6.2} {:>10} {:>9} {speed:>8}",
                r.score.scenario,
                k.true_positives,
                k.false_positives,
                k.false_negatives,
                k.precision(),
                k.recall(),
                delay(k.median_delay()),
                delay(k.worst_delay())
            );
        }
    }
}
