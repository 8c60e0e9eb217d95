use super::*;

const LABELS: ChartLabels<'static> = ChartLabels {
    title: "Cases per day",
    no_data: "No cases in this period",
};

/// (title, height) of every bar segment.
fn segments(svg: &str) -> Vec<(String, f64)> {
    svg.split("<rect class=\"seg")
        .skip(1)
        .map(|rect| {
            let attr = |name: &str| {
                let start = rect.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                rect[start..start + rect[start..].find('"').unwrap()].to_owned()
            };
            let title = &rect[rect.find("<title>").unwrap() + 7..rect.find("</title>").unwrap()];
            (title.to_owned(), attr("height").parse().unwrap())
        })
        .collect()
}

/// The numbers printed on the y axis.
fn y_ticks(svg: &str) -> Vec<u32> {
    svg.split("<text class=\"tick\"")
        .skip(1)
        .map(|t| t[t.find('>').unwrap() + 1..t.find('<').unwrap()].parse().unwrap())
        .collect()
}

#[test]
fn bar_heights_are_proportional_to_counts_and_ticks_are_round_and_cover_the_maximum() {
    let counts = [vec![3, 1], vec![0, 6], vec![17, 0]];
    let data = DailyCases {
        days: &["05-01", "05-02", "05-03"],
        kinds: &["vending", "parking"],
        counts: &counts,
    };
    let html = cases_per_day(&data, &LABELS);
    let segs = segments(&html);
    let titles: Vec<&str> = segs.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "05-01 · vending: 3",
            "05-01 · parking: 1",
            "05-02 · parking: 6",
            "05-03 · vending: 17"
        ]
    );
    let per_case = segs[3].1 / 17.0;
    for ((title, height), count) in segs.iter().zip([3.0, 1.0, 6.0, 17.0]) {
        assert!((height - count * per_case).abs() <= 0.1, "{title}: {height}");
    }
    assert_eq!(y_ticks(&html), [0, 5, 10, 15, 20]);
    // The tallest bar reaches 17/20 of the plot.
    assert!((segs[3].1 - 17.0 / 20.0 * (HEIGHT - TOP - BOTTOM)).abs() <= 0.1);
    assert!(html.contains("vending</li>") && html.contains("parking</li>"));
}

#[test]
fn day_labels_are_thinned_to_fit() {
    let days: Vec<String> = (1..=90).map(|d| format!("d{d}")).collect();
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    let counts = vec![vec![1]; 90];
    let html = cases_per_day(
        &DailyCases {
            days: &days,
            kinds: &["k"],
            counts: &counts,
        },
        &LABELS,
    );
    let shown = html.matches("<text class=\"day\"").count();
    assert!(
        (5..=(WIDTH / DAY_LABEL_WIDTH) as usize).contains(&shown),
        "{shown} labels"
    );
    assert_eq!(segments(&html).len(), 90);
}

#[test]
fn no_data_draws_an_empty_chart_that_says_so() {
    for counts in [vec![], vec![vec![0, 0]; 3]] {
        let days = ["a", "b", "c"];
        let data = DailyCases {
            days: &days[..counts.len()],
            kinds: &["x", "y"],
            counts: &counts,
        };
        let html = cases_per_day(&data, &LABELS);
        assert!(html.contains(">No cases in this period</text></svg>"), "{html}");
        assert!(!html.contains("NaN") && !html.contains("inf"), "{html}");
        assert!(segments(&html).is_empty());
    }
    let html = spot_bars(&[], &LABELS);
    assert!(html.contains(r#"<p class="no-data">No cases in this period</p>"#));
}

#[test]
fn ragged_counts_are_read_as_zeros() {
    let counts = [vec![2]];
    let data = DailyCases {
        days: &["a", "b"],
        kinds: &["x", "y"],
        counts: &counts,
    };
    let html = cases_per_day(&data, &LABELS);
    assert_eq!(segments(&html).len(), 1);
}

#[test]
fn spots_are_ranked_escaped_and_measured_against_the_largest() {
    let html = spot_bars(&[("Gate <2> & \"3\"", 2), ("Market", 8)], &LABELS);
    let market = html.find(">Market<").unwrap();
    let gate = html.find(">Gate &lt;2&gt; &amp; &quot;3&quot;<").unwrap();
    assert!(market < gate, "{html}");
    assert!(html[market..gate].contains(r#"<rect width="100" "#));
    assert!(html[gate..].contains(r#"<rect width="25" "#));
    assert!(
        !html.contains("style="),
        "the pages' style policy allows no inline styles"
    );
}
