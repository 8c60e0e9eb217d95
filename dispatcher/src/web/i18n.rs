//! The pages' words in Chinese (the default) and English. Each page's words are one struct with a
//! constant per language, so a word missing in either language does not compile.

use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use crate::cases::{Source, State};
use gridwatch_core::{
    config::{Config, Role},
    ViolationKind,
};

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "gw_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code in URLs and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The language as itself names it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    /// The visitor's language: their cookie, else Chinese.
    pub fn of(parts: &Parts) -> Lang {
        CookieJar::from_headers(&parts.headers)
            .get(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default()
    }

    /// Picks this language's one of two.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn words(self) -> &'static Words {
        self.pick(&ZH, &EN)
    }

    pub fn state(self, state: State) -> &'static str {
        let (zh, en) = match state {
            State::Reported => ("待审核", "Awaiting review"),
            State::Filed => ("已立案", "Filed"),
            State::Voided => ("已注销", "Voided"),
            State::Dispatched => ("已派遣", "Dispatched"),
            State::Accepted => ("已签收", "Accepted"),
            State::Returned => ("已回退", "Returned"),
            State::Handled => ("已处置", "Handled"),
            State::Rework => ("返工", "Rework"),
            State::Verified => ("已核查", "Verified"),
            State::Closed => ("已结案", "Closed"),
            State::Reopened => ("已重开", "Reopened"),
        };
        self.pick(zh, en)
    }

    /// Where a case came from.
    pub fn source(self, source: Source) -> &'static str {
        let (zh, en) = match source {
            Source::Camera => ("视频发现", "Camera"),
            Source::Hotline => ("12345热线", "Hotline"),
            Source::Patrol => ("巡查上报", "Patrol report"),
        };
        self.pick(zh, en)
    }

    pub fn role(self, role: Role) -> &'static str {
        let (zh, en) = match role {
            Role::Command => ("指挥中心", "Command centre"),
            Role::Member => ("网格队员", "Grid team"),
            Role::Auditor => ("法制审核", "Legal review"),
            Role::Ingest => ("数据接入", "Ingest"),
            Role::Admin => ("管理员", "Administrator"),
        };
        self.pick(zh, en)
    }
}

/// Words every page shares: the frame around it, signing in and out, errors.
pub struct Words {
    pub product: &'static str,
    pub cases: &'static str,
    pub review: &'static str,
    pub map: &'static str,
    pub cameras: &'static str,
    pub analysis: &'static str,
    pub shops: &'static str,
    pub my_tasks: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub account: &'static str,
    pub password: &'static str,
    pub signed_in_as: &'static str,
    pub wrong_password: &'static str,
    pub too_many_attempts: &'static str,
    pub signed_out: &'static str,
    pub session_ended: &'static str,
    pub error_title: &'static str,
    pub back: &'static str,
}

pub const ZH: Words = Words {
    product: "网格巡查 gridwatch",
    cases: "案件",
    review: "待审核",
    map: "地图",
    cameras: "摄像头",
    analysis: "分析研判",
    shops: "商户等级",
    my_tasks: "我的任务",
    sign_in: "登录",
    sign_out: "退出",
    account: "账号",
    password: "密码",
    signed_in_as: "当前用户",
    wrong_password: "账号或密码不正确。",
    too_many_attempts: "尝试次数过多，请稍后再试（秒）：",
    signed_out: "已退出登录。",
    session_ended: "登录已过期，请重新登录。",
    error_title: "无法完成",
    back: "返回",
};

pub const EN: Words = Words {
    product: "gridwatch",
    cases: "Cases",
    review: "Review",
    map: "Map",
    cameras: "Cameras",
    analysis: "Analysis",
    shops: "Shops",
    my_tasks: "My tasks",
    sign_in: "Sign in",
    sign_out: "Sign out",
    account: "Account",
    password: "Password",
    signed_in_as: "Signed in as",
    wrong_password: "The account or password is not right.",
    too_many_attempts: "Too many attempts; try again in seconds:",
    signed_out: "You are signed out.",
    session_ended: "Your sign-in has ended; please sign in again.",
    error_title: "That did not work",
    back: "Back",
};

/// A kind's name: the configuration's, else the built-in kinds' in `lang`, else its id.
pub fn kind_name(config: &Config, lang: Lang, kind: &str) -> String {
    if let Some(name) = config.kind_name(kind) {
        return name.to_owned();
    }
    let built_in = match kind {
        ViolationKind::STREET_VENDING => Some(("占道经营", "Street vending")),
        ViolationKind::OUT_OF_LINE_PARKING => Some(("非机动车乱停放", "Parking out of line")),
        ViolationKind::ROADSIDE_BARBECUE => Some(("露天烧烤", "Roadside barbecue")),
        _ => None,
    };
    built_in.map_or_else(|| kind.to_owned(), |(zh, en)| lang.pick(zh, en).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_role_has_a_name_in_each_language() {
        for lang in [Lang::Zh, Lang::En] {
            for state in State::ALL {
                assert!(!lang.state(state).is_empty());
            }
            for role in Role::ALL {
                assert!(!lang.role(role).is_empty());
            }
        }
        assert_ne!(Lang::Zh.state(State::Closed), Lang::En.state(State::Closed));
    }

    #[test]
    fn an_unknown_language_code_is_none_and_the_default_is_chinese() {
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::parse(Lang::En.code()), Some(Lang::En));
    }
}
