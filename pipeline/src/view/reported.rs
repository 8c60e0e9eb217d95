//! The one health a camera reports, from two sources: its stream (online, offline, stalled) and
//! its view (frozen, dark, moved). A stream in trouble is reported first — a camera sending
//! nothing has no view to judge — and the view's state shows while frames flow.

use gridwatch_core::{CameraHealth, CameraId, CameraState};

use super::ViewChange;

/// What a camera last reported, and what each source last said.
pub struct ReportedHealth {
    camera: CameraId,
    stream: Option<CameraState>,
    view: Option<ViewChange>,
    sent: Option<CameraState>,
}

impl ReportedHealth {
    pub fn new(camera: CameraId) -> Self {
        Self {
            camera,
            stream: None,
            view: None,
            sent: None,
        }
    }

    /// The stream's health changed; returns what to report, if the reported state changes.
    pub fn stream(&mut self, health: CameraHealth) -> Option<CameraHealth> {
        self.stream = Some(health.state);
        match (&self.view, health.state) {
            (Some(view), CameraState::Online) if view.state != CameraState::Online => {
                let view = view.clone();
                self.send(view.state, view.at, view.detail)
            }
            _ => self.send(health.state, health.at, health.detail),
        }
    }

    /// The view's state changed; returns what to report, if the reported state changes.
    pub fn view(&mut self, change: ViewChange) -> Option<CameraHealth> {
        self.view = Some(change.clone());
        let streaming = self.stream.is_none_or(|s| s == CameraState::Online);
        streaming
            .then(|| self.send(change.state, change.at, change.detail))
            .flatten()
    }

    fn send(
        &mut self,
        state: CameraState,
        at: chrono::DateTime<chrono::Utc>,
        detail: Option<String>,
    ) -> Option<CameraHealth> {
        (self.sent != Some(state)).then(|| {
            self.sent = Some(state);
            CameraHealth {
                camera: self.camera.clone(),
                state,
                at,
                detail,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_780_000_000 + s as i64, 0).unwrap()
    }

    fn stream(state: CameraState, s: u32) -> CameraHealth {
        CameraHealth {
            camera: CameraId::new("cam").unwrap(),
            state,
            at: at(s),
            detail: None,
        }
    }

    fn view(state: CameraState, s: u32) -> ViewChange {
        ViewChange {
            state,
            at: at(s),
            detail: Some(format!("{state:?}")),
        }
    }

    #[test]
    fn a_stream_in_trouble_is_reported_before_the_view_and_the_view_shows_when_it_flows_again() {
        let mut health = ReportedHealth::new(CameraId::new("cam").unwrap());
        let states = |h: Option<CameraHealth>| h.map(|h| h.state);
        assert_eq!(
            states(health.stream(stream(CameraState::Online, 0))),
            Some(CameraState::Online)
        );
        assert_eq!(
            states(health.view(view(CameraState::Moved, 5))),
            Some(CameraState::Moved)
        );
        assert_eq!(
            states(health.stream(stream(CameraState::Offline, 9))),
            Some(CameraState::Offline)
        );
        // Judged while offline (a last frame in flight): kept for later, not reported.
        assert_eq!(states(health.view(view(CameraState::Dark, 10))), None);
        let back = health.stream(stream(CameraState::Online, 20)).unwrap();
        assert_eq!(
            (back.state, back.detail.as_deref()),
            (CameraState::Dark, Some("Dark"))
        );
        assert_eq!(
            states(health.view(view(CameraState::Online, 30))),
            Some(CameraState::Online)
        );
        assert_eq!(states(health.stream(stream(CameraState::Online, 31))), None);
    }
}
