//! 立案: what happens to a new case. Confident findings are filed at once and dispatched; a
//! shopfront violation of a registered shop is filed and the shop told first (graduated
//! response); the rest wait for an operator's review.

use gridwatch_core::{
    config::{time::Span, CasePolicy, Shop},
    ViolationKind,
};

use crate::{
    cases::{actions::ActionRequest, Action, Case},
    change::Change,
    Actor, DispatchError,
};

/// What review decides for a new case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Triage<'c> {
    /// Waits for an operator to file or void it.
    Review,
    /// Filed, and the shop is given `grace` to comply before anyone is sent.
    Notice { shop: &'c Shop, grace: Span },
    /// Filed and sent to the grid's team.
    Dispatch,
}

/// The decision for a case of `policy`'s kind seen with `confidence` in the shopfront of `shop`.
pub fn triage<'c>(policy: &CasePolicy, shop: Option<&'c Shop>, confidence: f64) -> Triage<'c> {
    match (policy.notice_grace, shop) {
        (Some(grace), Some(shop)) => Triage::Notice { shop, grace },
        _ if policy.auto_dispatch_at.is_some_and(|t| confidence >= t) => Triage::Dispatch,
        _ => Triage::Review,
    }
}

impl Change<'_> {
    /// Carries out review's decision on `case`, just opened on a finding or report of `kind`
    /// with `confidence`.
    pub(crate) async fn review(
        &mut self,
        case: Case,
        kind: &ViolationKind,
        confidence: f64,
    ) -> Result<(), DispatchError> {
        let config = self.dispatcher.config.clone();
        let shop = config.dispatch.shops.iter().find(|shop| {
            shop.camera.as_str() == case.camera && Some(shop.zone.as_str()) == case.zone.as_deref()
        });
        let decision = triage(&config.case_policy(kind), shop, confidence);
        if decision == Triage::Review {
            return Ok(());
        }
        let dispatcher = Actor::system("dispatcher");
        let case = self
            .apply(&case, &dispatcher, Action::File, &ActionRequest::default())
            .await?;
        match decision {
            Triage::Notice { shop, grace } => self.give_notice(case, shop, grace).await,
            // Nobody on duty, or outside every grid: it stays filed for the command centre.
            Triage::Dispatch => self.dispatch_fairly(&case, &dispatcher).await.map(drop),
            Triage::Review => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn shop() -> Shop {
        Shop {
            id: "lucky-fruit".into(),
            name: "Lucky Fruit".into(),
            contact: "+86 591 8888 0000".into(),
            camera: gridwatch_core::CameraId::new("cam-1").unwrap(),
            zone: gridwatch_core::ZoneId::new("apron").unwrap(),
        }
    }

    #[test]
    fn confident_findings_go_out_a_registered_shop_is_told_first_and_the_rest_wait() {
        let grace = Span(Duration::from_secs(600));
        let auto = CasePolicy {
            auto_dispatch_at: Some(0.7),
            ..CasePolicy::default()
        };
        let graduated = CasePolicy {
            notice_grace: Some(grace),
            ..auto
        };
        let shop = shop();
        assert_eq!(triage(&auto, None, 0.9), Triage::Dispatch);
        assert_eq!(triage(&auto, None, 0.5), Triage::Review);
        assert_eq!(triage(&CasePolicy::default(), None, 1.0), Triage::Review);
        assert_eq!(
            triage(&auto, Some(&shop), 0.9),
            Triage::Dispatch,
            "no grace: no notice"
        );
        assert_eq!(
            triage(&graduated, Some(&shop), 0.5),
            Triage::Notice { shop: &shop, grace },
            "a notice needs no confidence threshold: a person reads it"
        );
        assert_eq!(triage(&graduated, None, 0.9), Triage::Dispatch);
    }
}
