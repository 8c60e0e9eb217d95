//! The analysis page's charts (分析研判): cases per day stacked by kind, and recurrence by spot.
//!
//! Drawn in a small coordinate space (400 units wide) so that the text stays legible in a phone's
//! 390 px column; the page caps the width on a desktop. Legends are HTML lists, which reflow.

use std::fmt::Write;

use super::{
    markup::{escape, num, swatch},
    scale::{kind_colour, ticks},
};

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 220.0;
/// Room for the y-axis labels on the left and the day labels below.
const LEFT: f64 = 30.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;
/// The width a day label needs, in drawing units ("05-12" at font size 12).
const DAY_LABEL_WIDTH: f64 = 40.0;

/// Cases per day and kind over a period.
#[derive(Debug, Clone)]
pub struct DailyCases<'a> {
    /// One label per day, as the page writes dates ("05-12", "5月12日").
    pub days: &'a [&'a str],
    /// One label per kind, in the page's language; kind `i` gets the palette's `i`th colour.
    pub kinds: &'a [&'a str],
    /// `counts[day][kind]`; a missing entry counts as 0.
    pub counts: &'a [Vec<u32>],
}

/// Words the charts use, in the page's language.
#[derive(Debug, Clone)]
pub struct ChartLabels<'a> {
    /// What the chart shows, for screen readers and as its caption.
    pub title: &'a str,
    /// Shown instead of the chart when there is nothing to draw.
    pub no_data: &'a str,
}

impl DailyCases<'_> {
    fn count(&self, day: usize, kind: usize) -> u32 {
        self.counts
            .get(day)
            .and_then(|d| d.get(kind))
            .copied()
            .unwrap_or(0)
    }

    fn day_total(&self, day: usize) -> u32 {
        (0..self.kinds.len()).map(|k| self.count(day, k)).sum()
    }
}

/// The stacked bar chart: a `<figure>` holding the `<svg>` and an HTML legend of the kinds.
pub fn cases_per_day(data: &DailyCases, labels: &ChartLabels) -> String {
    let max = (0..data.days.len()).map(|d| data.day_total(d)).max().unwrap_or(0);
    let mut html = format!(
        r#"<figure class="chart cases-per-day"><figcaption>{}</figcaption>"#,
        escape(labels.title)
    );
    let _ = write!(
        html,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{}" font-family="sans-serif" font-size="12">"#,
        escape(labels.title)
    );
    if max == 0 {
        let _ = write!(
            html,
            r##"<text class="no-data" x="{}" y="{}" text-anchor="middle" fill="#6b7280" font-size="14">{}</text></svg></figure>"##,
            WIDTH / 2.0,
            HEIGHT / 2.0,
            escape(labels.no_data)
        );
        return html;
    }
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y_ticks = ticks(max, 5);
    let top = f64::from(*y_ticks.last().unwrap_or(&1));
    let y_of = |v: f64| TOP + plot_h * (1.0 - v / top);
    for t in &y_ticks {
        let y = num(y_of(f64::from(*t)));
        let _ = write!(
            html,
            r##"<line class="grid-line" x1="{LEFT}" x2="{}" y1="{y}" y2="{y}" stroke="#e5e7eb"/><text class="tick" x="{}" y="{y}" text-anchor="end" dominant-baseline="middle" fill="#4b5563">{t}</text>"##,
            WIDTH - RIGHT,
            LEFT - 4.0,
        );
    }
    let slot = (WIDTH - LEFT - RIGHT) / data.days.len() as f64;
    let bar = (slot * 0.7).max(1.0);
    // Every `every`th day is labelled, so that labels never overlap.
    let every = (DAY_LABEL_WIDTH / slot).ceil().max(1.0) as usize;
    for (d, day) in data.days.iter().enumerate() {
        let x = LEFT + slot * d as f64 + (slot - bar) / 2.0;
        let mut below = 0.0;
        for (k, kind) in data.kinds.iter().enumerate() {
            let count = data.count(d, k);
            if count == 0 {
                continue;
            }
            let (y0, y1) = (y_of(below), y_of(below + f64::from(count)));
            below += f64::from(count);
            let _ = write!(
                html,
                r#"<rect class="seg k{k}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                num(x),
                num(y1),
                num(bar),
                num(y0 - y1),
                kind_colour(k),
                escape(&format!("{day} · {kind}: {count}")),
            );
        }
        if d % every == 0 {
            let _ = write!(
                html,
                r##"<text class="day" x="{}" y="{}" text-anchor="middle" fill="#4b5563">{}</text>"##,
                num(x + bar / 2.0),
                num(HEIGHT - BOTTOM + 15.0),
                escape(day)
            );
        }
    }
    let _ = write!(
        html,
        r##"<line class="axis" x1="{LEFT}" x2="{}" y1="{y}" y2="{y}" stroke="#6b7280"/></svg>"##,
        WIDTH - RIGHT,
        y = num(y_of(0.0)),
    );
    html.push_str(r#"<ul class="legend kinds">"#);
    for (k, kind) in data.kinds.iter().enumerate() {
        let _ = write!(
            html,
            r#"<li class="k{k}">{}{}</li>"#,
            swatch(kind_colour(k), false),
            escape(kind)
        );
    }
    html.push_str("</ul></figure>");
    html
}

/// Recurrence by spot: one row per spot (label, count), most first, each with a bar whose length
/// is the count's share of the largest (an SVG, since the pages allow no inline styles).
pub fn spot_bars(spots: &[(&str, u32)], labels: &ChartLabels) -> String {
    let mut html = format!(
        r#"<figure class="chart spot-bars"><figcaption>{}</figcaption>"#,
        escape(labels.title)
    );
    let max = spots.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if max == 0 {
        let _ = write!(
            html,
            r#"<p class="no-data">{}</p></figure>"#,
            escape(labels.no_data)
        );
        return html;
    }
    let mut ranked: Vec<&(&str, u32)> = spots.iter().collect();
    ranked.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    html.push_str("<ol>");
    for (spot, count) in ranked {
        let spot = escape(spot);
        let _ = write!(
            html,
            r##"<li><span class="spot" title="{spot}">{spot}</span><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="{}" height="10" fill="#E69F00"/></svg><span class="count">{count}</span></li>"##,
            num(100.0 * f64::from(*count) / f64::from(max)),
        );
    }
    html.push_str("</ol></figure>");
    html
}

#[cfg(test)]
mod tests;
