//! The case page's evidence package form: `POST /cases/{number}/package` (with the session's
//! CSRF token, since each export is written to the case's audit trail) answers with the package
//! as a download. Only the roles that may export see the form; anyone else is refused (403)
//! before the case is looked up.

use axum::{
    extract::{rejection::FormRejection, Form, Path, State},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use serde::Deserialize;

use super::{find, Choice};
use crate::{
    api::{
        evidence::{download, privacy_of, unexported},
        AppState,
    },
    evidence::package::{Privacy, EXPORTERS, UNBLURRED},
    web::{PageError, Visitor},
    DispatchError,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/cases/{number}/package", post(export))
}

/// The privacy choices `visitor` may make, the default first; none when they may not export.
pub(super) fn choices(visitor: &Visitor) -> Vec<Choice> {
    let role = visitor.account.role;
    if !EXPORTERS.contains(&role) {
        return Vec::new();
    }
    Privacy::ALL
        .into_iter()
        .filter(|p| *p != Privacy::None || UNBLURRED.contains(&role))
        .map(|p| Choice {
            code: p.as_str(),
            label: match p {
                Privacy::BlurBystanders => visitor.lang.pick("模糊旁人（默认）", "Blur bystanders (default)"),
                Privacy::BlurAllButSubject => visitor
                    .lang
                    .pick("仅保留当事对象清晰", "Blur all but the subject"),
                Privacy::None => visitor
                    .lang
                    .pick("不模糊（仅限审核）", "No blurring (reviewers only)"),
            },
        })
        .collect()
}

#[derive(Deserialize)]
struct PackageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    privacy: String,
}

async fn export(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(number): Path<String>,
    form: Result<Form<PackageForm>, FormRejection>,
) -> Response {
    let form = match visitor.posted(form, |f| &f.csrf) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    if !EXPORTERS.contains(&visitor.account.role) {
        let said = visitor.lang.pick(
            "您的角色不能导出证据包；指挥中心和审核人员可以。",
            "Your role cannot export evidence packages; the command centre and auditors can.",
        );
        return visitor
            .fail(DispatchError::Forbidden(said.to_owned()))
            .into_response();
    }
    let d = &s.dispatcher;
    let case = match find(d, &visitor, &number).await {
        Ok(case) => case,
        Err(e) => return e.into_response(),
    };
    let privacy = match privacy_of(Some(&form.privacy)) {
        Ok(privacy) => privacy,
        Err(e) => return PageError::new(visitor.lang, e.status, e.message).into_response(),
    };
    match d.export_package(&visitor.actor(), &case.id, privacy).await {
        Ok(package) => download(package),
        Err(e) => {
            let e = unexported(e, &case.id);
            PageError::new(visitor.lang, e.status, e.message).into_response()
        }
    }
}
