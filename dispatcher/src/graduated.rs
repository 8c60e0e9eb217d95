//! Graduated response for registered shops (告知): a violation in a shop's shopfront is filed and
//! the shop told first, with a grace period to comply. A shop that complies in time has its case
//! closed without dispatch; one whose grace runs out has it dispatched like any other.

use chrono::{DateTime, Utc};
use gridwatch_core::{
    config::{time::Span, Shop},
    CameraId,
};
use serde_json::json;

use crate::{
    cases::{actions::ActionRequest, Action, Case, State},
    change::Change,
    store, Actor, DispatchError,
};

/// What the audit trail says when a shop complied in time (pages translate it).
pub const COMPLIED_NOTE: &str = "the shop complied with its notice in time; closed without dispatch";

/// Whether `case`'s shop complied with its notice: the violation ended in time, before anyone
/// was sent.
pub fn complied(case: &Case, now: DateTime<Utc>) -> bool {
    case.state == State::Filed
        && case
            .notice_until
            .is_some_and(|until| now.timestamp_millis() <= until)
}

impl Change<'_> {
    /// Tells `shop` of the filed `case` and gives it `grace` to comply.
    pub(crate) async fn give_notice(
        &mut self,
        case: Case,
        shop: &Shop,
        grace: Span,
    ) -> Result<(), DispatchError> {
        let until = self.now_ms() + grace.0.as_millis() as i64;
        let noticed = Case {
            shop: Some(shop.id.clone()),
            notice_until: Some(until),
            ..case
        };
        let detail = json!({
            "shop": shop.id, "name": shop.name, "contact": shop.contact,
            "until": DateTime::<Utc>::from_timestamp_millis(until),
        });
        self.note(&noticed, &Actor::system("dispatcher"), "notice", detail)
            .await
    }

    /// The shop complied: verified on the camera's word, and closed without dispatch.
    pub(crate) async fn close_as_complied(
        &mut self,
        case: &Case,
        camera: &CameraId,
    ) -> Result<(), DispatchError> {
        let case = self.verified_by(case, camera).await?;
        let request = ActionRequest::noting(COMPLIED_NOTE);
        self.apply(&case, &Actor::system("dispatcher"), Action::Close, &request)
            .await
            .map(drop)
    }

    /// Dispatches the cases whose shops let their grace run out; returns those sent.
    pub(crate) async fn dispatch_ignored_notices(&mut self) -> Result<Vec<String>, DispatchError> {
        let mut sent = Vec::new();
        let now = self.now_ms();
        for case in store::cases::notices_run_out(self.tx().await?, now).await? {
            if self
                .dispatch_fairly(&case, &Actor::system("dispatcher"))
                .await?
                .is_ok()
            {
                sent.push(case.id);
            }
        }
        Ok(sent)
    }
}
