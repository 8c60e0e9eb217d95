//! The case page's words in Chinese and English: its headings and labels, each action's name and
//! what is said once it is done, and the names of the audit trail's other entries.

use crate::cases::Action;
use crate::web::i18n::Lang;

/// Labels of the case page and its forms.
pub struct CaseWords {
    pub case: &'static str,
    pub kind: &'static str,
    pub state: &'static str,
    pub grid: &'static str,
    pub camera: &'static str,
    pub zone: &'static str,
    pub confidence: &'static str,
    pub assignee: &'static str,
    pub reported: &'static str,
    pub filed: &'static str,
    pub dispatched: &'static str,
    pub accepted: &'static str,
    pub handled: &'static str,
    pub closed: &'static str,
    pub accept_by: &'static str,
    pub handle_by: &'static str,
    pub extension_asked: &'static str,
    pub extensions: &'static str,
    pub reworks: &'static str,
    pub occurrences: &'static str,
    pub recurs: &'static str,
    pub void_reason: &'static str,
    pub evidence: &'static str,
    pub no_evidence: &'static str,
    pub sighting: &'static str,
    pub first_sighting: &'static str,
    pub confirmation: &'static str,
    pub frame: &'static str,
    pub annotated: &'static str,
    pub plain: &'static str,
    pub clip: &'static str,
    pub download: &'static str,
    pub not_shown: &'static str,
    pub photos: &'static str,
    pub uploaded_by: &'static str,
    pub place: &'static str,
    pub trail: &'static str,
    pub actions: &'static str,
    pub no_actions: &'static str,
    /// Before an action's name on the button that sends its form.
    pub confirm: &'static str,
    pub reason: &'static str,
    pub note: &'static str,
    pub to: &'static str,
    pub fair_choice: &'static str,
    pub on_duty: &'static str,
    pub until: &'static str,
    pub photo_input: &'static str,
    pub source: &'static str,
    pub report_said: &'static str,
    pub report_address: &'static str,
    pub report_media: &'static str,
    pub photo_hint: &'static str,
    pub package: &'static str,
    pub package_hint: &'static str,
    pub privacy: &'static str,
    pub package_download: &'static str,
    pub informed: &'static str,
    pub tasks_back: &'static str,
    pub sent_back: &'static str,
    pub returned_because: &'static str,
    pub refused_state: &'static str,
    pub refused_role: &'static str,
    pub refused_form: &'static str,
    pub refused_photo: &'static str,
    pub refused_other: &'static str,
    pub note_and_photo_needed: &'static str,
    pub bad_until: &'static str,
    pub bad_action: &'static str,
}

pub const ZH: CaseWords = CaseWords {
    case: "案件",
    kind: "类型",
    state: "状态",
    grid: "网格",
    camera: "摄像头",
    zone: "区域",
    confidence: "置信度",
    assignee: "处置人",
    reported: "上报",
    filed: "立案",
    dispatched: "派遣",
    accepted: "签收",
    handled: "处置",
    closed: "结案",
    accept_by: "签收时限",
    handle_by: "处置时限",
    extension_asked: "申请延期至",
    extensions: "延期次数",
    reworks: "返工次数",
    occurrences: "发现次数",
    recurs: "复发自",
    void_reason: "注销原因",
    evidence: "证据",
    no_evidence: "本案没有证据文件。",
    sighting: "发现",
    first_sighting: "首次发现",
    confirmation: "确认时",
    frame: "画面",
    annotated: "标注画面",
    plain: "原始画面",
    clip: "视频片段",
    download: "下载",
    not_shown: "此类型文件不在页面中显示",
    photos: "处置照片",
    uploaded_by: "上传人",
    place: "位置",
    trail: "执法全过程记录",
    actions: "操作",
    no_actions: "当前没有您可执行的操作。",
    confirm: "确认",
    reason: "原因",
    note: "处置说明",
    to: "派给",
    fair_choice: "自动（任务最少的在岗队员）",
    on_duty: "在岗",
    until: "延期至",
    photo_input: "现场照片",
    source: "来源",
    report_said: "上报内容",
    report_address: "地址",
    report_media: "上报人提供的图片",
    photo_hint: "可拍照或从相册选择，最多 4 张，每张不超过 10 MiB。",
    package: "法制审核证据包",
    package_hint: "一个 zip 文件：封存的原始画面和视频、模糊处理的副本、摄像头设置记录、模型、规则、人工审核、完整审计记录、可打印摘要，及每个文件的 SHA-256。每次导出都记入审计记录。",
    privacy: "隐私保护",
    package_download: "导出证据包",
    informed: "知会",
    tasks_back: "← 我的任务",
    sent_back: "需返工",
    returned_because: "已回退",
    refused_state: "案件当前状态不允许此操作。",
    refused_role: "您无权对此案件执行此操作。",
    refused_form: "表单不完整或有误，请补全后重试。",
    refused_photo: "照片未被接受，未做任何更改。",
    refused_other: "操作未完成。",
    note_and_photo_needed: "请填写处置说明，并至少附一张照片。",
    bad_until: "延期时间格式不正确。",
    bad_action: "未知的操作。",
};

pub const EN: CaseWords = CaseWords {
    case: "Case",
    kind: "Kind",
    state: "State",
    grid: "Grid",
    camera: "Camera",
    zone: "Zone",
    confidence: "Confidence",
    assignee: "Assignee",
    reported: "Reported",
    filed: "Filed",
    dispatched: "Dispatched",
    accepted: "Accepted",
    handled: "Handled",
    closed: "Closed",
    accept_by: "Accept by",
    handle_by: "Handle by",
    extension_asked: "Extension asked until",
    extensions: "Extensions",
    reworks: "Reworks",
    occurrences: "Occurrences",
    recurs: "Recurs",
    void_reason: "Void reason",
    evidence: "Evidence",
    no_evidence: "This case has no evidence files.",
    sighting: "Sighting",
    first_sighting: "At first sighting",
    confirmation: "At confirmation",
    frame: "Frame",
    annotated: "Annotated frame",
    plain: "Plain frame",
    clip: "Clip",
    download: "Download",
    not_shown: "a file of this type is not shown in the page",
    photos: "Photos of handling",
    uploaded_by: "Uploaded by",
    place: "Place",
    trail: "Audit trail",
    actions: "Actions",
    no_actions: "Nothing for you to do on this case now.",
    confirm: "Confirm: ",
    reason: "Reason",
    note: "What was done",
    to: "To",
    fair_choice: "Automatic (the member on duty with the fewest tasks)",
    on_duty: "on duty",
    until: "Until",
    photo_input: "Photos",
    source: "Source",
    report_said: "Reported",
    report_address: "Address",
    report_media: "Reporter's picture",
    photo_hint: "Take a photo or choose one; up to 4, at most 10 MiB each.",
    package: "Evidence for legal review",
    package_hint: "One zip file: the sealed frames and clip, blurred copies, the camera's registration, the model, the rule, the human review, the whole audit trail, a printable summary and every file's SHA-256. Each export is recorded in the audit trail.",
    privacy: "Privacy",
    package_download: "Export the package",
    informed: "Informed",
    tasks_back: "← My tasks",
    sent_back: "Sent back for rework",
    returned_because: "Returned",
    refused_state: "The case's state does not allow this.",
    refused_role: "You may not do this to this case.",
    refused_form: "Something in the form is missing or wrong; complete it and try again.",
    refused_photo: "The photos were not accepted; nothing was changed.",
    refused_other: "That was not done.",
    note_and_photo_needed: "Say what was done and add at least one photo.",
    bad_until: "The extension's date and time cannot be read.",
    bad_action: "Unknown action.",
};

pub fn words(lang: Lang) -> &'static CaseWords {
    lang.pick(&ZH, &EN)
}

/// An action's name, as a button says it.
pub fn action_name(lang: Lang, action: Action) -> &'static str {
    let (zh, en) = match action {
        Action::File => ("立案", "File"),
        Action::Void => ("注销", "Void"),
        Action::Dispatch => ("派遣", "Dispatch"),
        Action::Accept => ("签收", "Accept"),
        Action::Return => ("回退", "Return"),
        Action::RequestExtension => ("申请延期", "Request extension"),
        Action::GrantExtension => ("批准延期", "Grant extension"),
        Action::Handle => ("处置完成", "Handle"),
        Action::Verify => ("核查通过", "Verify"),
        Action::Rework => ("返工", "Rework"),
        Action::Close => ("结案", "Close"),
        Action::Reopen => ("重开", "Reopen"),
    };
    lang.pick(zh, en)
}

/// What the page says once `action` is done.
pub fn done(lang: Lang, action: Action) -> &'static str {
    let (zh, en) = match action {
        Action::File => ("已立案。", "The case is filed."),
        Action::Void => ("已注销。", "The case is voided."),
        Action::Dispatch => ("已派遣。", "The case is dispatched."),
        Action::Accept => ("已签收，请尽快处置。", "Accepted: it is yours to handle."),
        Action::Return => ("已回退。", "The case is returned."),
        Action::RequestExtension => ("已申请延期。", "The extension is requested."),
        Action::GrantExtension => ("已批准延期。", "The extension is granted."),
        Action::Handle => (
            "已提交处置，等待核查。",
            "Handled: it now waits for verification.",
        ),
        Action::Verify => ("已核查通过。", "The case is verified."),
        Action::Rework => ("已退回返工。", "The case is sent back for rework."),
        Action::Close => ("已结案。", "The case is closed."),
        Action::Reopen => ("已重开。", "The case is reopened."),
    };
    lang.pick(zh, en)
}

/// The name of an audit entry's action: a case action, or one of the entries that leave the
/// state as it is. An unknown one is shown as recorded.
pub fn entry_name(lang: Lang, action: &str) -> String {
    if let Some(action) = Action::parse(action) {
        return action_name(lang, action).to_owned();
    }
    let (zh, en) = match action {
        "report" => ("上报", "Reported"),
        "sighted" => ("再次发现", "Seen again"),
        "reported" => ("群众/巡查再次上报", "Reported again"),
        "photo" => ("上传照片", "Photo added"),
        "notice" => ("告知商户", "Shop notified"),
        "escalate" => ("超时升级", "Escalated"),
        "export" => ("导出证据包", "Evidence exported"),
        other => return other.to_owned(),
    };
    lang.pick(zh, en).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_name_and_a_done_message_in_each_language() {
        for action in Action::ALL {
            assert_ne!(action_name(Lang::Zh, action), action_name(Lang::En, action));
            assert_ne!(done(Lang::Zh, action), done(Lang::En, action));
            assert_eq!(
                entry_name(Lang::En, action.as_str()),
                action_name(Lang::En, action)
            );
        }
        assert_eq!(entry_name(Lang::Zh, "photo"), "上传照片");
        assert_eq!(entry_name(Lang::En, "something_new"), "something_new");
    }
}
