//! 立案: what happens to a new case. Confident findings are filed at once and dispatched; a
//! shopfront violation of a registered shop is filed and, by the shop's grade, the shop told
//! first (graduated response: green with the kind's grace, yellow with a shorter one) or, for a
//! red shop, the case dispatched at once; the rest wait for an operator's review.

use gridwatch_core::{
    config::{time::Span, CasePolicy, Grading, Shop},
    GeoPoint, ViolationKind,
};

use crate::{
    cases::{actions::ActionRequest, Action, Case},
    change::Change,
    shops::{fronts::shop_at, Grade},
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

/// The decision for a case of `policy`'s kind seen with `confidence` in the shopfront of `shop`,
/// which holds the grade given beside it (the grade before this case counts).
pub fn triage<'c>(
    policy: &CasePolicy,
    grading: &Grading,
    shop: Option<(&'c Shop, Grade)>,
    confidence: f64,
) -> Triage<'c> {
    match (policy.notice_grace, shop) {
        (Some(grace), Some((shop, Grade::Green))) => Triage::Notice { shop, grace },
        (Some(grace), Some((shop, Grade::Yellow))) => Triage::Notice {
            shop,
            grace: grace.min(grading.yellow_grace),
        },
        (Some(_), Some((_, Grade::Red))) => Triage::Dispatch,
        _ if policy.auto_dispatch_at.is_some_and(|t| confidence >= t) => Triage::Dispatch,
        _ => Triage::Review,
    }
}

impl<'d> Change<'d> {
    /// Ties `case` to the registered shop at its front or place, if any, so that it counts
    /// against the shop once it is filed (by the rules, or later by a reviewer); returns it with
    /// the shop and the shop's grade now.
    pub(crate) async fn tie_to_shop(
        &mut self,
        case: Case,
    ) -> Result<(Case, Option<(&'d Shop, Grade)>), DispatchError> {
        let shops = &self.dispatcher.config.dispatch.shops;
        let place = GeoPoint::new(case.lon, case.lat).map_err(|e| DispatchError::Invalid(e.to_string()))?;
        let Some(shop) = shop_at(shops, &case.camera, case.zone.as_deref(), place) else {
            return Ok((case, None));
        };
        let case = Case {
            shop: Some(shop.id.clone()),
            ..case
        };
        self.save_case(&case);
        let grade = self.settled_grade(&shop.id).await?;
        Ok((case, Some((shop, grade))))
    }

    /// Carries out review's decision on `case`, just opened on a finding or report of `kind`
    /// with `confidence`.
    pub(crate) async fn review(
        &mut self,
        case: Case,
        kind: &ViolationKind,
        confidence: f64,
    ) -> Result<(), DispatchError> {
        let config = self.dispatcher.config.clone();
        let (case, shop) = self.tie_to_shop(case).await?;
        let policy = config.case_policy(kind);
        let decision = triage(&policy, &config.dispatch.grading, shop, confidence);
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
            licence: "91350102MA00000000".into(),
            contact: "+86 591 8888 0000".into(),
            fronts: vec![gridwatch_core::config::Front {
                camera: gridwatch_core::CameraId::new("cam-1").unwrap(),
                zone: gridwatch_core::ZoneId::new("apron").unwrap(),
            }],
            place: None,
            radius_m: 15.0,
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
        let grading = Grading::default();
        let triage = |policy, shop, confidence| triage(policy, &grading, shop, confidence);
        let green = Some((&shop, Grade::Green));
        assert_eq!(triage(&auto, None, 0.9), Triage::Dispatch);
        assert_eq!(triage(&auto, None, 0.5), Triage::Review);
        let default = CasePolicy::default();
        assert_eq!(triage(&default, None, 1.0), Triage::Review);
        assert_eq!(triage(&auto, green, 0.9), Triage::Dispatch, "no grace: no notice");
        assert_eq!(
            triage(&graduated, green, 0.5),
            Triage::Notice { shop: &shop, grace },
            "a notice needs no confidence threshold: a person reads it"
        );
        assert_eq!(triage(&graduated, None, 0.9), Triage::Dispatch);
    }

    #[test]
    fn the_shops_grade_sets_the_grace_or_sends_someone_at_once() {
        let graduated = CasePolicy {
            notice_grace: Some(Span(Duration::from_secs(600))),
            ..CasePolicy::default()
        };
        let grading = Grading::default();
        let shop = shop();
        assert_eq!(
            triage(&graduated, &grading, Some((&shop, Grade::Yellow)), 0.1),
            Triage::Notice {
                shop: &shop,
                grace: grading.yellow_grace
            }
        );
        let short = CasePolicy {
            notice_grace: Some(Span(Duration::from_secs(60))),
            ..graduated
        };
        assert_eq!(
            triage(&short, &grading, Some((&shop, Grade::Yellow)), 0.1),
            Triage::Notice {
                shop: &shop,
                grace: Span(Duration::from_secs(60))
            },
            "yellow never waits longer than green"
        );
        assert_eq!(
            triage(&graduated, &grading, Some((&shop, Grade::Red)), 0.1),
            Triage::Dispatch
        );
    }
}
