//! The package's printable summary (`summary.html`): one A4 page in Chinese and English with the
//! case, the camera's setting-up, the human review, the annotated frame (blurred as the export
//! asked, carried inline as a `data:` URI so the page needs nothing outside itself), and how to
//! check the package. Its style is inline: it is a download, never a served page.

use askama::Template;
use base64::Engine;
use chrono::{DateTime, Utc};
use gridwatch_core::{config::Config, ViolationEvent};

use super::{
    manifest::FORMAT,
    records::{registration_line, Review, NO_REGISTRATION},
    Privacy,
};
use crate::cases::{audit::Entry, Case};

#[derive(Template)]
#[template(path = "package_summary.html")]
struct Summary<'a> {
    number: i64,
    kind: String,
    camera: String,
    place: String,
    onset: String,
    confirmed: String,
    rule: String,
    model: String,
    confidence: String,
    time_source: &'static str,
    registration: Option<String>,
    no_registration: &'static str,
    reviews: Vec<String>,
    image: Option<String>,
    image_caption: String,
    privacy: &'static str,
    derived: &'a [String],
    audit_count: usize,
    audit_last: &'a str,
    member_count: usize,
    exported_at: String,
    exported_by: &'a str,
    format: &'static str,
}

/// What the summary is made from.
pub(super) struct Facts<'a> {
    pub config: &'a Config,
    pub case: &'a Case,
    /// The violation the summary shows: the case's first.
    pub event: Option<&'a ViolationEvent>,
    pub reviews: &'a [Review],
    pub entries: &'a [Entry],
    /// The annotated frame to show (JPEG) and the member it is.
    pub frame: Option<(&'a [u8], &'a str)>,
    pub privacy: Privacy,
    /// The names of the blurred copies.
    pub derived: &'a [String],
    /// Every member but the manifest and its digest, the summary included.
    pub member_count: usize,
    pub exported_at: DateTime<Utc>,
    pub exported_by: &'a str,
    /// The model card's measured mAP@0.5, when the card gives it.
    pub map50: Option<f64>,
}

/// The summary page.
pub(super) fn render(f: &Facts<'_>) -> Result<String, askama::Error> {
    let tz = f.config.city.timezone.0;
    let local = |t: DateTime<Utc>| {
        format!(
            "{} ({})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S"),
            tz.name()
        )
    };
    let camera_config = f.config.cameras.iter().find(|c| c.id.as_str() == f.case.camera);
    let camera = match camera_config.and_then(|c| c.name.as_deref()) {
        Some(name) => format!("{name} ({})", f.case.camera),
        None => f.case.camera.clone(),
    };
    let kind = f
        .config
        .kind_name(&f.case.kind)
        .map_or_else(|| f.case.kind.clone(), |name| format!("{name} ({})", f.case.kind));
    let e = f.event;
    let model = e.map_or_else(String::new, |e| {
        let accuracy = f.map50.map(|m| format!(", mAP@0.5 {m:.3}")).unwrap_or_default();
        format!("{} {}{accuracy}", e.model.name, e.model.version)
    });
    let reviews = f
        .reviews
        .iter()
        .map(|r| {
            let at = DateTime::<Utc>::from_timestamp_millis(r.at)
                .map(local)
                .unwrap_or_default();
            let what = if r.action == "void" {
                "作废 voided"
            } else {
                "立案 filed"
            };
            let note = r.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
            format!("{at} · {} · {what}{note}", r.by)
        })
        .collect();
    let privacy = match f.privacy {
        Privacy::BlurBystanders => "导出件中旁人及无关车辆等已模糊处理（下列派生文件），原始封存文件未改动，仅供审核人员使用；视频片段未模糊。 Bystanders (passers-by, other vehicles) are pixelated in the derived copies listed below; frames whose bystanders are not known have everything outside the subject pixelated. The sealed originals are unchanged, for the reviewer only; the clip is not blurred.",
        Privacy::BlurAllButSubject => "导出件中当事对象以外的画面均已模糊处理（下列派生文件），原始封存文件未改动，仅供审核人员使用；视频片段未模糊。 Everything outside the subject's box is pixelated in the derived copies listed below. The sealed originals are unchanged, for the reviewer only; the clip is not blurred.",
        Privacy::None => "未做模糊处理：本包仅含原始封存文件，仅供有权审核人员使用，此次导出已记入审计记录。 Not blurred: the package holds the sealed originals only, for authorised reviewers; this export is recorded as such in the audit trail.",
    };
    let image_caption = match (f.frame, f.privacy) {
        (Some((_, name)), Privacy::None) => format!("原始标注画面 sealed annotated frame: {name}"),
        (Some((_, name)), _) => format!("模糊处理后的标注画面 blurred annotated frame: {name}"),
        (None, _) => String::new(),
    };
    Summary {
        number: f.case.number,
        kind,
        camera,
        place: format!("{:.6}, {:.6}", f.case.lon, f.case.lat),
        onset: e.map(|e| local(e.onset)).unwrap_or_default(),
        confirmed: e.map(|e| local(e.confirmed_at)).unwrap_or_default(),
        rule: e.map(|e| e.rule.to_string()).unwrap_or_default(),
        model,
        confidence: format!("{:.0}%", f.case.confidence * 100.0),
        time_source: "分析主机时钟（回放为录像时间）；详见 time.json · the analysing host's clock (footage time in replay); see time.json",
        registration: registration_line(camera_config),
        no_registration: NO_REGISTRATION,
        reviews,
        image: f.frame.map(|(jpeg, _)| {
            format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(jpeg)
            )
        }),
        image_caption,
        privacy,
        derived: f.derived,
        audit_count: f.entries.len(),
        audit_last: f.entries.last().map_or("", |e| e.hash.as_str()),
        member_count: f.member_count,
        exported_at: local(f.exported_at),
        exported_by: f.exported_by,
        format: FORMAT,
    }
    .render()
}
