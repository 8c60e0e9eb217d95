//! Writing text and numbers into SVG/HTML markup.

use std::borrow::Cow;

/// `text` made safe inside an element or a quoted attribute.
pub(super) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '>', '&', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A small square (or round) colour sample for a legend: an inline SVG, so the colour is a
/// presentation attribute the pages' style policy allows, and the stylesheet sizes it
/// (`.swatch`).
pub(super) fn swatch(fill: &str, round: bool) -> String {
    let rx = if round { 5 } else { 2 };
    format!(
        r#"<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="{rx}" fill="{fill}"/></svg>"#
    )
}

/// A drawing coordinate: one decimal is a tenth of a pixel at full size, and keeps pages small.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_owned(),
        Some(whole) => whole.to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_plain_text_is_not_copied() {
        assert_eq!(escape(r#"<b>&"x"'"#), "&lt;b&gt;&amp;&quot;x&quot;&#39;");
        assert!(matches!(escape("北门 G01"), Cow::Borrowed(_)));
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.01), "0");
    }
}
