//! Heat tables for the analysis page: counts in an HTML table (grid × kind, hour of day × kind),
//! each cell shaded by its count (a class per shade, painted by the stylesheet), with row and column totals. A table, not a drawing, so that it
//! reads on a phone (it scrolls sideways), copies into a report and speaks to a screen reader.

use std::fmt::Write;

use super::{markup::escape, scale::heat_level};

/// A table's words, in the page's language.
#[derive(Debug, Clone)]
pub struct TableLabels<'a> {
    pub caption: &'a str,
    /// The top-left cell, naming the rows ("Grid", "Hour").
    pub corner: &'a str,
    pub total: &'a str,
    /// Shown instead of the table when it has no rows or no columns.
    pub no_data: &'a str,
}

/// Rows × columns of counts; `counts[row][column]`, a missing entry counting as 0.
#[derive(Debug, Clone)]
pub struct Counts<'a> {
    pub rows: &'a [&'a str],
    pub columns: &'a [&'a str],
    pub counts: &'a [Vec<u32>],
}

impl Counts<'_> {
    fn get(&self, row: usize, column: usize) -> u32 {
        self.counts
            .get(row)
            .and_then(|r| r.get(column))
            .copied()
            .unwrap_or(0)
    }
}

/// The heat table as an HTML `<table class="heat">`; the shading is relative to the largest cell.
pub fn heat_table(data: &Counts, labels: &TableLabels) -> String {
    if data.rows.is_empty() || data.columns.is_empty() {
        return format!(r#"<p class="heat no-data">{}</p>"#, escape(labels.no_data));
    }
    let (nr, nc) = (data.rows.len(), data.columns.len());
    let max = (0..nr)
        .flat_map(|r| (0..nc).map(move |c| (r, c)))
        .map(|(r, c)| data.get(r, c))
        .max()
        .unwrap_or(0);
    let mut html = format!(
        r#"<div class="heat-wrap"><table class="heat"><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
        escape(labels.caption),
        escape(labels.corner)
    );
    for column in data.columns {
        let _ = write!(html, r#"<th scope="col">{}</th>"#, escape(column));
    }
    let _ = write!(
        html,
        r#"<th scope="col" class="total">{}</th></tr></thead><tbody>"#,
        escape(labels.total)
    );
    for (r, row) in data.rows.iter().enumerate() {
        let _ = write!(html, r#"<tr><th scope="row">{}</th>"#, escape(row));
        for c in 0..nc {
            let count = data.get(r, c);
            let level = heat_level(count, max);
            let _ = write!(html, r#"<td data-count="{count}" class="h{level}">{count}</td>"#);
        }
        let total: u32 = (0..nc).map(|c| data.get(r, c)).sum();
        let _ = write!(html, r#"<td class="total"><b>{total}</b></td></tr>"#);
    }
    let _ = write!(
        html,
        r#"</tbody><tfoot><tr><th scope="row">{}</th>"#,
        escape(labels.total)
    );
    for c in 0..nc {
        let total: u32 = (0..nr).map(|r| data.get(r, c)).sum();
        let _ = write!(html, r#"<td class="total"><b>{total}</b></td>"#);
    }
    let all: u32 = (0..nr)
        .flat_map(|r| (0..nc).map(move |c| (r, c)))
        .map(|(r, c)| data.get(r, c))
        .sum();
    let _ = write!(
        html,
        r#"<td class="total"><b>{all}</b></td></tr></tfoot></table></div>"#
    );
    html
}

/// The hour-of-day × kind table: `by_hour[h][kind]` for the 24 hours, always all 24 rows (an
/// hour with no cases is itself a finding: barbecue is a night-time kind).
pub fn hours_by_kind(by_hour: &[Vec<u32>], kinds: &[&str], labels: &TableLabels) -> String {
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}:00")).collect();
    let rows: Vec<&str> = hours.iter().map(String::as_str).collect();
    heat_table(
        &Counts {
            rows: &rows,
            columns: kinds,
            counts: by_hour,
        },
        labels,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: TableLabels<'static> = TableLabels {
        caption: "Cases by grid and kind",
        corner: "Grid",
        total: "Total",
        no_data: "No cases",
    };

    #[test]
    fn cells_print_their_counts_shaded_by_size_with_totals() {
        let counts = [vec![4, 0], vec![1, 2]];
        let data = Counts {
            rows: &["G01", "<G02>"],
            columns: &["vending", "parking & bikes"],
            counts: &counts,
        };
        let html = heat_table(&data, &LABELS);
        assert!(
            html.contains(r#"<th scope="row">&lt;G02&gt;</th>"#) && html.contains(">parking &amp; bikes<")
        );
        assert!(html.contains(r#"<td data-count="4" class="h8">4</td>"#), "{html}");
        assert!(html.contains(r#"<td data-count="0" class="h0">0</td>"#), "{html}");
        let totals: Vec<&str> = html
            .split("<b>")
            .skip(1)
            .map(|t| &t[..t.find('<').unwrap()])
            .collect();
        assert_eq!(
            totals,
            ["4", "3", "5", "2", "7"],
            "row totals, then column totals and the sum"
        );
    }

    #[test]
    fn the_hour_table_has_all_24_hours_even_when_empty() {
        let html = hours_by_kind(&[], &["barbecue"], &LABELS);
        assert_eq!(
            html.matches(r#"<th scope="row">"#).count(),
            25,
            "24 hours and the total"
        );
        assert!(html.contains(">00:00<") && html.contains(">23:00<") && !html.contains(">24:00<"));
        assert!(!html.contains("NaN"));
        assert_eq!(
            heat_table(
                &Counts {
                    rows: &[],
                    columns: &["x"],
                    counts: &[]
                },
                &LABELS
            ),
            r#"<p class="heat no-data">No cases</p>"#
        );
    }
}
