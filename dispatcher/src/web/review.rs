//! The review queue: cases waiting for a person to confirm (file) or void them, oldest first, each
//! a card with its evidence pictures. One form per decision, posted to `/centre/review` as plain
//! HTML forms (`review.js` adds keys, batch selection and posting without a reload). A batch acts
//! only on the ids it names; the script names only cards whose pictures were shown on screen.
//! The command centre and admins decide; an auditor reads the queue; a member has no queue.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Json, Redirect, Response},
    routing::get,
    Router,
};
use gridwatch_core::config::Role;
use serde::Serialize;

use super::{
    case_view::CaseView,
    i18n::Lang,
    render,
    thumbnails::{self, Picture},
    Frame, PageError, Visitor,
};
use crate::{
    api::AppState,
    cases::{Action, State as CaseState},
    queries::CaseFilter,
    ActionRequest, DispatchError, Dispatcher,
};

/// Cards one page of the queue shows.
const PER_PAGE: u32 = 50;
/// Cases one batch may decide.
const MOST_IN_BATCH: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new().route("/centre/review", get(page).post(decide))
}

/// Why a case is voided, as the form offers them: the code stored in the case's reason, and its
/// words. `other` needs the operator's own words.
const REASONS: [(&str, &str, &str); 5] = [
    ("false_detection", "误检", "False detection"),
    ("duplicate", "重复上报", "Duplicate"),
    ("not_a_violation", "不构成违规", "Not a violation"),
    ("permitted", "已许可（如持证摊点）", "Permitted (licensed market)"),
    ("other", "其他", "Other"),
];

/// A void reason as the review stores it (`code`, or `code: note`), in the page's language; any
/// other reason as it was written.
pub(super) fn void_reason_in(lang: Lang, stored: &str) -> String {
    let (code, note) = stored
        .split_once(": ")
        .map_or((stored, None), |(c, n)| (c, Some(n)));
    match REASONS.iter().find(|(c, _, _)| *c == code) {
        Some(&(_, zh, en)) => match note {
            Some(note) => format!("{}{}{note}", lang.pick(zh, en), lang.pick("：", ": ")),
            None => lang.pick(zh, en).to_owned(),
        },
        None => stored.to_owned(),
    }
}

/// The queue's own words.
pub struct ReviewWords {
    pub waiting: &'static str,
    pub read_only: &'static str,
    pub empty: &'static str,
    pub no_picture: &'static str,
    pub annotated: &'static str,
    pub frame: &'static str,
    pub camera: &'static str,
    pub confidence: &'static str,
    pub place: &'static str,
    pub waited: &'static str,
    pub confirm: &'static str,
    pub void: &'static str,
    pub reason: &'static str,
    pub choose_reason: &'static str,
    pub note: &'static str,
    pub select: &'static str,
    pub selected: &'static str,
    pub confirm_selected: &'static str,
    pub void_selected: &'static str,
    pub export: &'static str,
    pub keys: &'static str,
    pub keys_help: [(&'static str, &'static str); 7],
    pub close: &'static str,
    /// Told when a batch leaves out cards whose pictures were not shown yet.
    pub unseen: &'static str,
    pub nothing_selected: &'static str,
    pub more_waiting: &'static str,
}

pub const ZH: ReviewWords = ReviewWords {
    waiting: "待审核",
    read_only: "只读：法制审核可查看待审核案件，但不能立案或注销。",
    empty: "没有待审核的案件。",
    no_picture: "无取证图片",
    annotated: "标注图",
    frame: "原图",
    camera: "摄像头",
    confidence: "置信度",
    place: "位置",
    waited: "已等待",
    confirm: "立案",
    void: "注销",
    reason: "注销原因",
    choose_reason: "请选择原因",
    note: "补充说明",
    select: "选择",
    selected: "已选",
    confirm_selected: "批量立案",
    void_selected: "批量注销",
    export: "导出误报记录",
    keys: "快捷键",
    keys_help: [
        ("j / ↓", "下一件"),
        ("k / ↑", "上一件"),
        ("f", "立案"),
        ("v", "注销（选择原因）"),
        ("x", "选中 / 取消选中"),
        ("o / Enter", "打开案件"),
        ("?", "显示快捷键"),
    ],
    close: "关闭",
    unseen: "以下案件的取证图片尚未显示，未纳入本次操作，请先滚动查看：",
    nothing_selected: "请先选择已查看过图片的案件。",
    more_waiting: "更多待审核案件将在处理后显示。",
};

pub const EN: ReviewWords = ReviewWords {
    waiting: "Awaiting review",
    read_only: "Read only: legal review may look at the queue but not file or void cases.",
    empty: "No case is waiting for review.",
    no_picture: "No evidence picture",
    annotated: "Annotated frame",
    frame: "Frame",
    camera: "Camera",
    confidence: "Confidence",
    place: "Place",
    waited: "Waiting",
    confirm: "File",
    void: "Void",
    reason: "Reason to void",
    choose_reason: "Choose a reason",
    note: "Note",
    select: "Select",
    selected: "Selected",
    confirm_selected: "File selected",
    void_selected: "Void selected",
    export: "Export false positives",
    keys: "Keys",
    keys_help: [
        ("j / ↓", "next case"),
        ("k / ↑", "previous case"),
        ("f", "file"),
        ("v", "void (choose a reason)"),
        ("x", "select / unselect"),
        ("o / Enter", "open the case"),
        ("?", "show the keys"),
    ],
    close: "Close",
    unseen: "Left out, their pictures have not been shown yet (scroll to them first):",
    nothing_selected: "Select cases whose pictures you have seen first.",
    more_waiting: "More cases wait; they appear as these are decided.",
};

/// A reason in the void menu.
pub struct Reason {
    pub code: &'static str,
    pub label: &'static str,
}

/// One case waiting, as a card.
pub struct Card {
    pub c: CaseView,
    pub pictures: Vec<Picture>,
    pub camera_name: String,
    /// Zone and coordinates.
    pub place: String,
}

/// What a decision did: the cases it changed and why others were not.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    /// Ids of the cases decided.
    pub done: Vec<String>,
    pub refused: Vec<Refusal>,
    /// The whole outcome in the visitor's words.
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Refusal {
    pub id: String,
    pub why: String,
}

#[derive(askama::Template)]
#[template(path = "review.html")]
struct ReviewPage {
    frame: Frame,
    t: &'static ReviewWords,
    cards: Vec<Card>,
    total: i64,
    may_act: bool,
    reasons: Vec<Reason>,
    outcome: Option<Outcome>,
}

/// Whether the visitor decides cases (command centre, admin); `None` for a member, who has no
/// queue at all.
fn may_act(visitor: &Visitor) -> Option<bool> {
    match visitor.account.role {
        Role::Command | Role::Admin => Some(true),
        Role::Member | Role::Ingest => None,
        Role::Auditor => Some(false),
    }
}

async fn page(State(s): State<AppState>, visitor: Visitor) -> Response {
    let Some(may_act) = may_act(&visitor) else {
        return Redirect::to("/tasks").into_response();
    };
    queue(&s.dispatcher, &visitor, may_act, None, StatusCode::OK).await
}

/// The queue as it stands, with what was just done.
async fn queue(
    d: &Dispatcher,
    visitor: &Visitor,
    may_act: bool,
    outcome: Option<Outcome>,
    status: StatusCode,
) -> Response {
    let lang = visitor.lang;
    let listed = match d
        .cases(&CaseFilter {
            state: Some(CaseState::Reported.as_str().to_owned()),
            oldest_first: true,
            per_page: Some(PER_PAGE),
            ..CaseFilter::default()
        })
        .await
    {
        Ok(listed) => listed,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let now = d.now();
    let pictures = thumbnails::of_cases(d, &listed.cases).await;
    let cards = listed
        .cases
        .iter()
        .zip(pictures)
        .map(|(case, pictures)| {
            let camera_name = d
                .config()
                .cameras
                .iter()
                .find(|c| c.id.as_str() == case.camera)
                .and_then(|c| c.name.clone())
                .unwrap_or_default();
            let zone = case
                .zone
                .as_deref()
                .map(|z| format!("{z} · "))
                .unwrap_or_default();
            Card {
                c: CaseView::new(case, lang, d.config(), now),
                pictures,
                camera_name,
                place: format!("{zone}{:.5}, {:.5}", case.lat, case.lon),
            }
        })
        .collect();
    let page = ReviewPage {
        frame: visitor.frame(lang.words().review, "/centre/review"),
        t: lang.pick(&ZH, &EN),
        cards,
        total: listed.total,
        may_act,
        reasons: REASONS
            .iter()
            .map(|&(code, zh, en)| Reason {
                code,
                label: lang.pick(zh, en),
            })
            .collect(),
        outcome,
    };
    (status, render(&page)).into_response()
}

/// A decision as its form posts it: `id` repeats, once per case.
#[derive(Debug, Default)]
struct Decision {
    csrf: String,
    action: String,
    reason: String,
    note: String,
    ids: Vec<String>,
}

impl Decision {
    fn parse(body: &[u8]) -> Self {
        let mut decision = Decision::default();
        for (name, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => decision.csrf = value,
                "action" => decision.action = value,
                "reason" => decision.reason = value,
                "note" => decision.note = value.trim().to_owned(),
                "id" if !value.is_empty() && !decision.ids.contains(&value) => decision.ids.push(value),
                _ => {}
            }
        }
        decision
    }

    /// The action and the request each case gets, or what is wrong with the form.
    fn request(&self, visitor: &Visitor) -> Result<(Action, ActionRequest), String> {
        let lang = visitor.lang;
        let action = match self.action.as_str() {
            "file" => Action::File,
            "void" => Action::Void,
            other => {
                return Err(format!(
                    "action: `{other}` {}",
                    lang.pick("不可用；可选 file 或 void", "is not one of file, void")
                ))
            }
        };
        if self.ids.is_empty() {
            return Err(lang
                .pick("请至少选择一件案件。", "Choose at least one case.")
                .into());
        }
        if self.ids.len() > MOST_IN_BATCH {
            return Err(format!(
                "{} {MOST_IN_BATCH}",
                lang.pick("一次最多处理的案件数：", "At most this many cases at once:")
            ));
        }
        let reason = match action {
            Action::Void => {
                let Some(&(code, _, _)) = REASONS.iter().find(|(code, _, _)| *code == self.reason) else {
                    return Err(lang
                        .pick("注销必须选择原因。", "Voiding needs a reason; choose one.")
                        .into());
                };
                if code == "other" && self.note.is_empty() {
                    return Err(lang
                        .pick(
                            "原因为“其他”时请填写说明。",
                            "With the reason “other”, say why in the note.",
                        )
                        .into());
                }
                Some(match self.note.is_empty() {
                    true => code.to_owned(),
                    false => format!("{code}: {}", self.note),
                })
            }
            _ => None,
        };
        let note = (action == Action::File && !self.note.is_empty()).then(|| self.note.clone());
        Ok((
            action,
            ActionRequest {
                action: Some(action),
                reason,
                note,
                ..ActionRequest::default()
            },
        ))
    }
}

/// Whether the request came from the page's script, which wants the outcome as JSON.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Why one case was not decided, in the visitor's words where the dispatcher's reason is known.
fn refusal(visitor: &Visitor, action: Action, number: Option<i64>, id: &str, e: DispatchError) -> Refusal {
    let lang = visitor.lang;
    let who = number.map_or_else(|| id.to_owned(), |n| format!("#{n}"));
    let verb = match action {
        Action::File => lang.pick("无法立案", "could not be filed"),
        _ => lang.pick("无法注销", "could not be voided"),
    };
    let why = match &e {
        DispatchError::Refused(refused) => format!(
            "{} {}",
            lang.pick("案件当前状态为", "it is now"),
            lang.state(refused.state)
        ),
        DispatchError::NotFound(_) => lang.pick("没有这件案件", "there is no such case").to_owned(),
        _ => visitor.fail(e).message,
    };
    Refusal {
        id: id.to_owned(),
        why: lang.pick(format!("{who} {verb}：{why}"), format!("{who} {verb}: {why}")),
    }
}

async fn decide(State(s): State<AppState>, visitor: Visitor, headers: HeaderMap, body: Bytes) -> Response {
    let d = &s.dispatcher;
    let decision = Decision::parse(&body);
    let json = wants_json(&headers);
    let lang = visitor.lang;
    let answer = |status: StatusCode, message: String| -> Response {
        if json {
            (status, Json(serde_json::json!({ "error": message }))).into_response()
        } else {
            PageError::new(lang, status, message).into_response()
        }
    };
    if let Err(e) = visitor.check_csrf(&decision.csrf) {
        return answer(e.status, e.message);
    }
    match may_act(&visitor) {
        None => {
            return answer(
                StatusCode::NOT_FOUND,
                lang.pick("没有这个页面。", "No such page.").into(),
            )
        }
        Some(false) => {
            return answer(
                StatusCode::FORBIDDEN,
                lang.pick(
                    "法制审核账号不能立案或注销案件。",
                    "Legal review accounts cannot file or void cases.",
                )
                .into(),
            )
        }
        Some(true) => {}
    }
    let (action, request) = match decision.request(&visitor) {
        Ok(asked) => asked,
        Err(message) => return answer(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let actor = visitor.actor();
    let mut outcome = Outcome::default();
    for id in &decision.ids {
        let number = d.case(&actor, id).await.ok().map(|c| c.number);
        match d.act(&actor, id, &request).await {
            Ok(_) => outcome.done.push(id.clone()),
            Err(e) => outcome.refused.push(refusal(&visitor, action, number, id, e)),
        }
    }
    let done = outcome.done.len();
    let mut message = match action {
        Action::File => lang.pick(format!("已立案 {done} 件"), format!("{done} filed")),
        _ => lang.pick(format!("已注销 {done} 件"), format!("{done} voided")),
    };
    for refused in &outcome.refused {
        message += lang.pick("；", "; ");
        message += &refused.why;
    }
    outcome.message = message;
    if json {
        return Json(outcome).into_response();
    }
    queue(d, &visitor, true, Some(outcome), StatusCode::OK).await
}
