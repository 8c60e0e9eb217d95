//! The shops graded by their record (/shops, 三色等级商户): each registered shop with its colour
//! as a swatch and a word, its counted cases in the window, since when it holds its grade, when
//! credit repair is due and its recent grade changes with their reasons; also as CSV
//! (/shops.csv). Overseers see every shop; a grid member sees those in their grid.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::local_time;
use crate::{
    api::AppState,
    shops::{Grade, ShopStanding},
    web::{i18n::Lang, render, Frame, Visitor},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shops", get(page))
        .route("/shops.csv", get(csv))
}

/// A grade as (CSS class, word): never the colour alone.
pub fn grade_words(grade: Grade, lang: Lang) -> (&'static str, &'static str) {
    match grade {
        Grade::Green => ("green", lang.pick("绿色", "green")),
        Grade::Yellow => ("yellow", lang.pick("黄色", "yellow")),
        Grade::Red => ("red", lang.pick("红色", "red")),
    }
}

/// One grade change, ready for the template.
struct ChangeView {
    at: String,
    from_class: &'static str,
    from: &'static str,
    to_class: &'static str,
    to: &'static str,
    reason: String,
}

/// One shop, ready for the template.
struct ShopView {
    id: String,
    name: String,
    licence: String,
    grid: String,
    grade_class: &'static str,
    grade: &'static str,
    counted: i64,
    since: String,
    repair_due: String,
    changes: Vec<ChangeView>,
}

#[derive(askama::Template)]
#[template(path = "shops.html")]
struct ShopsPage {
    frame: Frame,
    shops: Vec<ShopView>,
    window: String,
    /// Shops of each colour, green to red, as (class, word, count).
    tally: Vec<(&'static str, &'static str, usize)>,
}

async fn page(State(s): State<AppState>, visitor: Visitor) -> Response {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let config = d.config();
    let standings = match d.shop_standings(&visitor.actor()).await {
        Ok(standings) => standings,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let shops: Vec<ShopView> = standings
        .iter()
        .map(|shop| {
            let (grade_class, grade) = grade_words(shop.grade, lang);
            ShopView {
                id: shop.id.clone(),
                name: shop.name.clone(),
                licence: shop.licence.clone(),
                grid: shop
                    .grid
                    .clone()
                    .unwrap_or_else(|| lang.pick("网格外", "outside every grid").to_owned()),
                grade_class,
                grade,
                counted: shop.counted,
                since: shop
                    .since
                    .map(|at| local_time(config, at))
                    .unwrap_or_else(|| lang.pick("一直", "always").to_owned()),
                repair_due: shop
                    .repair_due
                    .map(|at| local_time(config, at))
                    .unwrap_or_default(),
                changes: shop
                    .changes
                    .iter()
                    .map(|c| {
                        let (from_class, from) = grade_words(c.from.unwrap_or(Grade::Green), lang);
                        let (to_class, to) = grade_words(c.to, lang);
                        ChangeView {
                            at: local_time(config, c.at),
                            from_class,
                            from,
                            to_class,
                            to,
                            reason: c.reason.clone(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let tally = Grade::ALL
        .into_iter()
        .map(|grade| {
            let (class, word) = grade_words(grade, lang);
            (class, word, standings.iter().filter(|s| s.grade == grade).count())
        })
        .collect();
    let page = ShopsPage {
        frame: visitor.frame(lang.words().shops, "/shops"),
        shops,
        window: config.dispatch.grading.window.to_string(),
        tally,
    };
    render(&page)
}

/// The shops' standing as CSV, machine-readable: ids, the grade's name, times in UTC (RFC 3339).
async fn csv(State(s): State<AppState>, visitor: Visitor) -> Response {
    let standings = match s.dispatcher.shop_standings(&visitor.actor()).await {
        Ok(standings) => standings,
        Err(e) => return visitor.fail(e).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"shops.csv\""),
        ],
        shops_csv(&standings),
    )
        .into_response()
}

const CSV_HEADER: &str =
    "shop,name,licence,grid,grade,counted_in_window,since,repair_due,last_change_reason\n";

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn shops_csv(standings: &[ShopStanding]) -> String {
    let mut out = CSV_HEADER.to_owned();
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(|t| t.to_rfc3339()).unwrap_or_default();
    for shop in standings {
        let fields = [
            shop.id.clone(),
            shop.name.clone(),
            shop.licence.clone(),
            shop.grid.clone().unwrap_or_default(),
            shop.grade.as_str().to_owned(),
            shop.counted.to_string(),
            time(shop.since),
            time(shop.repair_due),
            shop.changes.first().map(|c| c.reason.clone()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out += &line.join(",");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_breaks_are_quoted() {
        assert_eq!(field("Lucky Fruit"), "Lucky Fruit");
        assert_eq!(field("好运, 水果"), "\"好运, 水果\"");
        assert_eq!(field("the \"best\""), "\"the \"\"best\"\"\"");
    }
}
