//! What the command centre's overview pages show beyond single cases: open cases per grid and
//! where they are (the map), a frame of each camera (for checking its zones: its last analysed
//! frame when the pipeline runs beside the dispatcher, else the latest it sent as evidence), and
//! the figures of a period (分析研判): cases per day, hot spots by grid, kind and hour
//! of day in the city's time, and recurrence by spot.
//!
//! The figures are counted here from the period's cases rather than in SQL, so that SQLite and
//! PostgreSQL need no date functions of their own and days and hours are the city's.

use std::{collections::HashMap, path::PathBuf};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use gridwatch_core::{last_frame_path, CameraId, EvidenceKind, ViolationEvent};

pub use crate::store::overview::{GridLoad, OpenPlace};
use crate::{cases::Case, store, Actor, DispatchError, Dispatcher};

/// How many of a camera's latest violations are searched for a frame it sent.
const FRAME_SEARCH: i64 = 20;

/// A frame of a camera, as a page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraFrame {
    pub source: FrameSource,
    /// Where the file is served.
    pub url: String,
    /// The frame's size in pixels, read from the file.
    pub width: u32,
    pub height: u32,
    pub captured_at: DateTime<Utc>,
}

/// Where a camera's frame comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameSource {
    /// The camera's last analysed frame, which the pipeline beside the dispatcher keeps; captured
    /// when the file was last written.
    Analysed,
    /// Evidence of a case, by id and number.
    Evidence { case: String, number: i64 },
}

/// Where violations recur: a camera's zone, or (for events outside every zone) a place rounded
/// to about ten metres.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Spot {
    Zone {
        camera: String,
        zone: String,
    },
    Place {
        camera: String,
        lat: String,
        lon: String,
    },
}

impl Spot {
    fn of(case: &Case) -> Spot {
        match &case.zone {
            Some(zone) => Spot::Zone {
                camera: case.camera.clone(),
                zone: zone.clone(),
            },
            None => Spot::Place {
                camera: case.camera.clone(),
                lat: format!("{:.4}", case.lat),
                lon: format!("{:.4}", case.lon),
            },
        }
    }
}

/// The figures of a period: counts of the cases reported in it, columns in [`Figures::kinds`]'
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The period's days in the city's time, first to last.
    pub days: Vec<NaiveDate>,
    /// The configured kinds, then any other kind a case has.
    pub kinds: Vec<String>,
    /// `per_day[day][kind]`.
    pub per_day: Vec<Vec<u32>>,
    /// Each grid asked for (`None`: outside every grid, listed only when such a case exists) and
    /// its counts per kind.
    pub by_grid: Vec<(Option<String>, Vec<u32>)>,
    /// `by_hour[hour][kind]`, 24 hours of the city's day.
    pub by_hour: Vec<Vec<u32>>,
    /// Recurrences (cases that repeat a recently closed one) per spot, the most first.
    pub spots: Vec<(Spot, u32)>,
}

impl Figures {
    /// Counts `cases` over the days `from`…`to` (local dates in `tz`) for `grids` and `kinds`.
    pub fn of(
        cases: &[&Case],
        grids: &[String],
        known_kinds: &[String],
        (from, to): (NaiveDate, NaiveDate),
        tz: Tz,
    ) -> Figures {
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        let mut kinds = known_kinds.to_vec();
        for case in cases {
            if !kinds.contains(&case.kind) {
                kinds.push(case.kind.clone());
            }
        }
        let zeros = || vec![0u32; kinds.len()];
        let mut per_day = vec![zeros(); days.len()];
        let mut by_grid: Vec<(Option<String>, Vec<u32>)> =
            grids.iter().map(|g| (Some(g.clone()), zeros())).collect();
        let mut by_hour = vec![zeros(); 24];
        let mut spots: HashMap<Spot, u32> = HashMap::new();
        for case in cases {
            let k = kinds
                .iter()
                .position(|kind| *kind == case.kind)
                .expect("every case's kind was added to the columns");
            if let Some(local) =
                DateTime::from_timestamp_millis(case.reported_at).map(|t| t.with_timezone(&tz))
            {
                if let Some(d) = days.iter().position(|d| *d == local.date_naive()) {
                    per_day[d][k] += 1;
                }
                by_hour[local.hour() as usize][k] += 1;
            }
            let row = match by_grid.iter().position(|(g, _)| *g == case.grid) {
                Some(row) => row,
                None => {
                    by_grid.push((case.grid.clone(), zeros()));
                    by_grid.len() - 1
                }
            };
            by_grid[row].1[k] += 1;
            if case.recurrence_of.is_some() {
                *spots.entry(Spot::of(case)).or_default() += 1;
            }
        }
        let mut spots: Vec<(Spot, u32)> = spots.into_iter().collect();
        spots.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
        Figures {
            days,
            kinds,
            per_day,
            by_grid,
            by_hour,
            spots,
        }
    }
}

/// The instants a period of local dates spans in `tz`: from the first day's midnight to the last
/// moment of the last day.
pub fn local_period(tz: Tz, from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |day: NaiveDate| {
        let naive = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        // Where a time change skips midnight, the day starts at the first moment it has.
        tz.from_local_datetime(&naive)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc))
    };
    let after = to.checked_add_days(Days::new(1)).unwrap_or(to);
    (
        midnight(from),
        midnight(after) - chrono::TimeDelta::milliseconds(1),
    )
}

impl Dispatcher {
    /// Open cases per grid now, and how many of them are past a deadline.
    pub async fn grid_loads(&self) -> Result<Vec<GridLoad>, DispatchError> {
        Ok(store::overview::open_per_grid(self.store.pool(), self.now().timestamp_millis()).await?)
    }

    /// Where every open case is.
    pub async fn open_places(&self) -> Result<Vec<OpenPlace>, DispatchError> {
        Ok(store::overview::open_places(self.store.pool()).await?)
    }

    /// The frame the cameras page shows for `camera`: its last analysed frame when the pipeline
    /// keeps one in the evidence folder, else the latest it sent as evidence that `actor` may see.
    pub async fn camera_frame(
        &self,
        actor: &Actor,
        camera: &CameraId,
    ) -> Result<Option<CameraFrame>, DispatchError> {
        if let Some(frame) = self.last_analysed_frame(camera).await {
            return Ok(Some(frame));
        }
        self.latest_frame(actor, camera).await
    }

    /// Where the last analysed frame of the configured camera `camera` is kept; `None` for a
    /// camera the configuration does not name. The path is built from the configured id, so no
    /// text of a request reaches the file system.
    pub fn last_frame_file(&self, camera: &str) -> Option<PathBuf> {
        let camera = self.config.cameras.iter().find(|c| c.id.as_str() == camera)?;
        Some(last_frame_path(&self.config.storage.evidence_dir, &camera.id))
    }

    /// `camera`'s last analysed frame, when its file is there and reads as an image, with its
    /// size read from the file and the time it was written.
    async fn last_analysed_frame(&self, camera: &CameraId) -> Option<CameraFrame> {
        let path = self.last_frame_file(camera.as_str())?;
        let (size, written) = tokio::task::spawn_blocking(move || {
            let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((imagesize::size(&path).ok()?, written))
        })
        .await
        .ok()??;
        Some(CameraFrame {
            source: FrameSource::Analysed,
            url: format!("/cameras/{camera}/frame.jpg"),
            width: u32::try_from(size.width).ok()?,
            height: u32::try_from(size.height).ok()?,
            captured_at: written.into(),
        })
    }

    /// The latest frame `camera` sent as evidence that `actor` may see and that is on disk, with
    /// its size read from the file.
    pub async fn latest_frame(
        &self,
        actor: &Actor,
        camera: &CameraId,
    ) -> Result<Option<CameraFrame>, DispatchError> {
        let latest =
            store::overview::latest_violations_of(self.store.pool(), camera.as_str(), FRAME_SEARCH).await?;
        for (case, body) in latest {
            // A body that no longer parses is `audit verify`'s to report; it shows nothing here.
            let Ok(event) = serde_json::from_str::<ViolationEvent>(&body) else {
                continue;
            };
            for evidence in event.evidence.iter().filter(|e| e.kind == EvidenceKind::Frame) {
                let Ok(file) = self
                    .evidence_file(actor, &case, &evidence.sha256.to_string())
                    .await
                else {
                    continue;
                };
                if !file.artifact.shown_as().is_some_and(|t| t.starts_with("image/")) {
                    continue;
                }
                let path = file.path.clone();
                let size = tokio::task::spawn_blocking(move || imagesize::size(path)).await;
                let Ok(Ok(size)) = size else {
                    continue;
                };
                let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
                    continue;
                };
                return Ok(Some(CameraFrame {
                    source: FrameSource::Evidence {
                        case: file.case.id.clone(),
                        number: file.case.number,
                    },
                    url: file.artifact.url.clone(),
                    width,
                    height,
                    captured_at: file.artifact.captured_at,
                }));
            }
        }
        Ok(None)
    }

    /// The figures of the cases reported on the local dates `from`…`to` (both included), in
    /// `grid` or in all.
    pub async fn figures(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        grid: Option<&str>,
    ) -> Result<Figures, DispatchError> {
        let tz = self.config.city.timezone.0;
        let (start, end) = local_period(tz, from, to);
        let cases = store::cases::reported_between(
            self.store.pool(),
            start.timestamp_millis(),
            end.timestamp_millis(),
        )
        .await?;
        let cases: Vec<&Case> = cases
            .iter()
            .filter(|c| grid.is_none() || c.grid.as_deref() == grid)
            .collect();
        let grids: Vec<String> = self
            .grids
            .grids()
            .iter()
            .map(|g| g.id.to_string())
            .filter(|g| grid.is_none_or(|only| only == g))
            .collect();
        let kinds: Vec<String> = self.config.known_kinds().iter().map(|k| k.to_string()).collect();
        Ok(Figures::of(&cases, &grids, &kinds, (from, to), tz))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Escalation, State};

    fn case(kind: &str, grid: Option<&str>, reported: &str, zone: Option<&str>, recurs: bool) -> Case {
        Case {
            id: String::new(),
            number: 1,
            kind: kind.into(),
            state: State::Reported,
            grid: grid.map(Into::into),
            camera: "cam-1".into(),
            zone: zone.map(Into::into),
            lon: 119.285_44,
            lat: 26.071_26,
            confidence: 0.9,
            assignee: None,
            occurrences: 1,
            recurrence_of: recurs.then(|| "earlier".into()),
            first_event: String::new(),
            last_event: String::new(),
            reported_at: reported.parse::<DateTime<Utc>>().unwrap().timestamp_millis(),
            updated_at: 0,
            filed_at: None,
            dispatched_at: None,
            accepted_at: None,
            handled_at: None,
            closed_at: None,
            accept_due: None,
            handle_due: None,
            escalation: Escalation::OnTime,
            extension_until: None,
            extensions: 0,
            reworks: 0,
            cleared_at: None,
            void_reason: None,
            shop: None,
            notice_until: None,
            source: crate::cases::Source::Camera,
        }
    }

    #[test]
    fn days_and_hours_are_the_citys_and_recurrences_are_counted_by_spot() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let cases = [
            // 23:30 and 00:10 on 1 June in Shanghai; the second is still 31 May in UTC.
            case(
                "barbecue",
                Some("G01"),
                "2026-06-01T15:30:00Z",
                Some("lane"),
                true,
            ),
            case(
                "barbecue",
                Some("G01"),
                "2026-05-31T16:10:00Z",
                Some("lane"),
                true,
            ),
            case("vending", None, "2026-06-02T02:00:00Z", None, true),
            case("vending", Some("G02"), "2026-06-02T03:00:00Z", None, false),
            case("banner", Some("G01"), "2026-06-02T03:00:00Z", None, false),
        ];
        let cases: Vec<&Case> = cases.iter().collect();
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let f = Figures::of(
            &cases,
            &["G01".into(), "G02".into()],
            &["vending".into(), "barbecue".into()],
            (day("2026-06-01"), day("2026-06-02")),
            tz,
        );
        assert_eq!(
            f.kinds,
            ["vending", "barbecue", "banner"],
            "an unconfigured kind gets a column"
        );
        assert_eq!(f.per_day, [vec![0, 2, 0], vec![2, 0, 1]]);
        assert_eq!(f.by_hour[23], [0, 1, 0]);
        assert_eq!(f.by_hour[0], [0, 1, 0]);
        assert_eq!(f.by_hour[10], [1, 0, 0]);
        assert_eq!(
            f.by_grid,
            [
                (Some("G01".into()), vec![0, 2, 1]),
                (Some("G02".into()), vec![1, 0, 0]),
                (None, vec![1, 0, 0]),
            ]
        );
        let lane = Spot::Zone {
            camera: "cam-1".into(),
            zone: "lane".into(),
        };
        let place = Spot::Place {
            camera: "cam-1".into(),
            lat: "26.0713".into(),
            lon: "119.2854".into(),
        };
        assert_eq!(f.spots, [(lane, 2), (place, 1)]);
    }

    #[test]
    fn a_period_runs_from_the_first_local_midnight_to_the_end_of_the_last_day() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let (from, to) = local_period(tz, "2026-06-01".parse().unwrap(), "2026-06-30".parse().unwrap());
        assert_eq!(from.to_rfc3339(), "2026-05-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-06-30T15:59:59.999+00:00");
    }
}
