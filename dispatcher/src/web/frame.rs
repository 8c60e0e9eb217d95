//! The frame every signed-in page shares: the product name, the navigation this role may use,
//! who is signed in, the language switch and the sign-out button.

use gridwatch_core::config::Role;

use super::{
    i18n::{Lang, Words},
    Visitor,
};

/// One entry of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct Frame {
    pub lang: Lang,
    pub w: &'static Words,
    pub title: String,
    pub nav: Vec<NavItem>,
    pub who: String,
    pub role: &'static str,
    pub csrf: String,
    /// Where the language switch goes: the other language, back to this page.
    pub switch_href: String,
    pub switch_label: &'static str,
}

impl Frame {
    pub fn new(visitor: &Visitor, title: &str, current: &'static str) -> Self {
        let lang = visitor.lang;
        let w = lang.words();
        let pages: &[(&'static str, &'static str)] = match visitor.account.role {
            Role::Member => &[("/tasks", w.my_tasks), ("/shops", w.shops)],
            Role::Auditor => &[
                ("/centre", w.cases),
                ("/map", w.map),
                ("/cameras", w.cameras),
                ("/analysis", w.analysis),
                ("/shops", w.shops),
            ],
            _ => &[
                ("/centre", w.cases),
                ("/centre/review", w.review),
                ("/map", w.map),
                ("/cameras", w.cameras),
                ("/analysis", w.analysis),
                ("/shops", w.shops),
            ],
        };
        let nav = pages
            .iter()
            .map(|&(href, label)| NavItem {
                href,
                label,
                current: href == current,
            })
            .collect();
        let other = lang.other();
        Self {
            lang,
            w,
            title: title.to_owned(),
            nav,
            who: visitor.account.name.clone(),
            role: lang.role(visitor.account.role),
            csrf: visitor.csrf.clone(),
            switch_href: super::sign_in::switch_url(other, &visitor.path),
            switch_label: other.own_name(),
        }
    }
}
