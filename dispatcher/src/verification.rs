//! 核查: a case's camera checks the work. A violation that clears after the case was marked
//! handled verifies it; one still seen after "handled" sends it back for rework (返工).

use gridwatch_core::{CameraId, ViolationCleared, ViolationEvent};

use crate::{
    cases::{actions::ActionRequest, Action, Case, State},
    change::Change,
    Actor, DispatchError,
};

/// What the audit trail says when a camera verifies a case (pages translate it).
pub const CLEARED_NOTE: &str = "the camera reports the violation cleared";

/// Why a case goes back for rework when its camera still sees the violation (pages translate it).
pub const STILL_THERE_REASON: &str = "the camera still sees the violation after it was marked handled";

impl Change<'_> {
    /// `v` sighted the case again: if it was marked handled, the work is not done.
    pub(crate) async fn still_there(&mut self, case: &Case, v: &ViolationEvent) -> Result<(), DispatchError> {
        if case.state == State::Handled {
            let request = ActionRequest {
                reason: Some(STILL_THERE_REASON.into()),
                ..ActionRequest::default()
            };
            self.apply(case, &Actor::camera(&v.camera), Action::Rework, &request)
                .await?;
        }
        Ok(())
    }

    /// The camera reports the case's violation gone.
    pub(crate) async fn gone(&mut self, case: Case, c: &ViolationCleared) -> Result<(), DispatchError> {
        let case = Case {
            cleared_at: Some(self.now_ms()),
            updated_at: self.now_ms(),
            ..case
        };
        self.save_case(&case);
        if case.state == State::Handled {
            self.verified_by(&case, &c.camera).await?;
        } else if crate::graduated::complied(&case, self.now) {
            self.close_as_complied(&case, &c.camera).await?;
        }
        Ok(())
    }

    /// Verifies `case` on the word of `camera`.
    pub(crate) async fn verified_by(
        &mut self,
        case: &Case,
        camera: &CameraId,
    ) -> Result<Case, DispatchError> {
        let request = ActionRequest::noting(CLEARED_NOTE);
        self.apply(case, &Actor::camera(camera), Action::Verify, &request)
            .await
    }
}
