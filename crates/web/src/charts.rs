//! Charts drawn on the server as SVG: printable, readable without scripts,
//! with an accessible title, and each bar a link to the list behind it.

/// One bar: its label, value and the filtered list it stands for.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: String,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ROW: i64 = 28;
const LABEL_WIDTH: i64 = 200;
const BAR_WIDTH: i64 = 360;

/// A horizontal bar chart. Empty input gives a short "no data" figure.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    let id = escape(id);
    let title = escape(title);
    if bars.is_empty() {
        return format!(
            r##"<svg role="img" aria-labelledby="{id}-t" width="{w}" height="40" viewBox="0 0 {w} 40" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}：暂无数据</title><text x="0" y="24" font-size="14" fill="#666">暂无数据</text></svg>"##,
            w = LABEL_WIDTH + BAR_WIDTH + 60
        );
    }
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * i64::try_from(bars.len()).unwrap_or(0) + 8;
    let width = LABEL_WIDTH + BAR_WIDTH + 60;
    let mut svg = format!(
        r#"<svg role="img" aria-labelledby="{id}-t" width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title>"#
    );
    for (i, b) in bars.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
        let w = (b.value.max(0) * BAR_WIDTH / max).max(if b.value > 0 { 2 } else { 0 });
        let label = escape(&b.label);
        svg.push_str(&format!(
            r##"<a href="{href}"><title>{label}：{n}</title><text x="{lx}" y="{ty}" font-size="13" text-anchor="end">{label}</text><rect x="{bx}" y="{y}" width="{w}" height="{bh}" fill="#a61b1b"></rect><text x="{nx}" y="{ty}" font-size="13">{n}</text></a>"##,
            href = escape(&b.href),
            n = b.value,
            lx = LABEL_WIDTH - 8,
            ty = y + 15,
            bx = LABEL_WIDTH,
            bh = ROW - 8,
            nx = LABEL_WIDTH + w + 6,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_links_scaled_to_the_largest_and_text_is_escaped() {
        let svg = bar_chart(
            "c",
            "线索来源",
            &[
                Bar {
                    label: "12309".into(),
                    value: 4,
                    href: "/clues?source=12309".into(),
                },
                Bar {
                    label: "<script>&".into(),
                    value: 2,
                    href: "/clues?a=1&b=2".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-labelledby=\"c-t\""));
        assert!(svg.contains("<title id=\"c-t\">线索来源</title>"));
        assert!(svg.contains("<a href=\"/clues?source=12309\">") && svg.contains("width=\"360\""));
        assert!(svg.contains("width=\"180\""), "half of the largest");
        assert!(svg.contains("&lt;script&gt;&amp;") && !svg.contains("<script>"));
        assert!(svg.contains("href=\"/clues?a=1&amp;b=2\""));
        assert!(bar_chart("e", "空", &[]).contains("暂无数据"));
    }
}
