//! The patrol report form (巡查上报) on a member's task page, and `POST /tasks/report`: the kind,
//! where the member stands (filled from the phone's location when it gives one, or typed), a note
//! and up to four photos. A refused report comes back with what was typed and why.

use axum::{
    extract::{multipart::MultipartRejection, Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use gridwatch_core::{config::Config, GeoPoint};

use super::tasks_page;
use crate::web::i18n::kind_name;
use crate::{
    api::{
        form::{self, photo_status, Refusal},
        AppState,
    },
    cases::Source,
    evidence::photos::{PhotoError, MAX_PHOTOS_PER_UPLOAD},
    intake::report::Report,
    web::{i18n::Lang, Visitor},
    DispatchError,
};

/// The form part that carries a photo.
const PHOTO_PART: &str = "photo";

/// The report form as shown: the kinds to pick from, what was typed, and what came of the last
/// report.
pub struct ReportForm {
    pub lang: Lang,
    /// Code and name of each kind.
    pub kinds: Vec<(String, String)>,
    pub kind: String,
    pub lat: String,
    pub lon: String,
    pub note: String,
    pub max_photos: usize,
    /// Why the last report was refused.
    pub refusal: Option<String>,
    /// What the last report became.
    pub done: Option<String>,
}

impl ReportForm {
    pub fn new(visitor: &Visitor, config: &Config) -> Self {
        let kinds = config
            .known_kinds()
            .iter()
            .map(|k| (k.to_string(), kind_name(config, visitor.lang, k.as_str())))
            .collect();
        Self {
            lang: visitor.lang,
            kinds,
            kind: String::new(),
            lat: String::new(),
            lon: String::new(),
            note: String::new(),
            max_photos: MAX_PHOTOS_PER_UPLOAD,
            refusal: None,
            done: None,
        }
    }

    pub fn done_words(&self, number: i64, joined: bool) -> String {
        match joined {
            true => format!(
                "{} #{number}",
                self.lang
                    .pick("已并入此处已有案件", "Added to the case already open here:")
            ),
            false => format!("{} #{number}", self.lang.pick("已上报，案件", "Reported as case")),
        }
    }
}

pub(super) async fn send(
    State(s): State<AppState>,
    visitor: Visitor,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = visitor.lang;
    if visitor.account.member.is_none() {
        let said = lang.pick(
            "巡查上报由网格队员提交。",
            "Patrol reports are made by grid team members.",
        );
        return crate::web::PageError::new(lang, StatusCode::FORBIDDEN, said).into_response();
    }
    let received = match form {
        Ok(form) => form::read(form, PHOTO_PART).await,
        Err(r) => return crate::web::PageError::new(lang, r.status(), r.body_text()).into_response(),
    };
    let mut shown = ReportForm::new(&visitor, s.dispatcher.config());
    let (received, photo_refused) = match received {
        Ok(received) => (received, None),
        Err(Refusal::Photo(e, typed)) => (typed, Some(e)),
        Err(Refusal::Form(e)) => return refuse(&s, &visitor, shown, e.status, e.message).await,
    };
    if let Err(refused) = visitor.check_csrf(received.field("csrf").unwrap_or_default()) {
        return refused.into_response();
    }
    let text = |name: &str| received.field(name).unwrap_or_default().to_owned();
    shown.kind = text("kind");
    shown.lat = text("lat");
    shown.lon = text("lon");
    shown.note = text("note");
    if let Some(e) = photo_refused {
        return refuse(&s, &visitor, shown, photo_status(&e), e.to_string()).await;
    }
    let place = match (shown.lat.parse::<f64>(), shown.lon.parse::<f64>()) {
        (Ok(lat), Ok(lon)) => GeoPoint::new(lon, lat).ok(),
        _ => None,
    };
    let Some(place) = place else {
        let said = lang.pick(
            "请给出位置：点“使用我的位置”，或填写纬度和经度。",
            "Say where: tap “Use my location”, or type the latitude and longitude.",
        );
        return refuse(&s, &visitor, shown, StatusCode::UNPROCESSABLE_ENTITY, said.into()).await;
    };
    let report = Report {
        source: Source::Patrol,
        kind: shown.kind.clone(),
        place,
        address: None,
        description: shown.note.clone(),
        media_url: None,
        contact: None,
    };
    let d = &s.dispatcher;
    let kept = match d.keep_photos(received.photos).await {
        Ok(kept) => kept,
        Err(e) => {
            if matches!(e, PhotoError::Storage { .. }) {
                tracing::error!(account = %visitor.account.name, error = %e, "Patrol report's photos not stored");
            }
            return refuse(&s, &visitor, shown, photo_status(&e), e.to_string()).await;
        }
    };
    match d.report(&visitor.actor(), report, kept).await {
        Ok(done) => {
            let joined = if done.joined { "&joined=1" } else { "" };
            Redirect::to(&format!("/tasks?reported={}{joined}", done.number)).into_response()
        }
        Err(DispatchError::Invalid(why)) => {
            refuse(&s, &visitor, shown, StatusCode::UNPROCESSABLE_ENTITY, why).await
        }
        Err(e) => visitor.fail(e).into_response(),
    }
}

/// The task page again with the form as typed and why it was refused.
async fn refuse(
    s: &AppState,
    visitor: &Visitor,
    mut shown: ReportForm,
    status: StatusCode,
    why: String,
) -> Response {
    shown.refusal = Some(why);
    tasks_page(s, visitor, shown, status).await
}
