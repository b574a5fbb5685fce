//! The page, fonts and paragraph kinds shared by every official document.

use crate::DocumentError;
use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run,
    RunFonts, SpecialIndentType,
};

/// Millimetres to twentieths of a point.
const fn mm(v: u32) -> i32 {
    (v as f64 * 1440.0 / 25.4 + 0.5) as i32
}

pub const TITLE_FONT: &str = "方正小标宋简体";
pub const BODY_FONT: &str = "仿宋_GB2312";
pub const HEADING_FONT: &str = "黑体";
pub const PAGE_NUMBER_FONT: &str = "宋体";

/// Font sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const SIZE_2: usize = 44;
const SIZE_3: usize = 32;
const SIZE_4: usize = 28;
/// A fixed line of 28 points (22 lines on the 225 mm 版心).
const LINE: i32 = 560;
/// Two characters of 三号 (16 pt) in twentieths of a point.
const TWO_CHARS: i32 = 640;

/// Indent the first line by two characters (in twips for LibreOffice, in
/// hundredths of a character for Word).
fn indented(p: Paragraph) -> Paragraph {
    p.indent(
        None,
        Some(SpecialIndentType::FirstLine(TWO_CHARS)),
        None,
        None,
    )
    .first_line_chars(200)
}

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn fixed_line() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE)
}

/// An empty A4 document with the 公文 margins, body defaults and the page
/// number footer.
pub fn page() -> Docx {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("— ", PAGE_NUMBER_FONT, SIZE_4))
            .add_page_num(PageNum::new())
            .add_run(run(" —", PAGE_NUMBER_FONT, SIZE_4)),
    );
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(37))
                .bottom(mm(35))
                .left(mm(28))
                .right(mm(26))
                .footer(mm(28)),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(SIZE_3)
        .footer(footer)
}

/// The document's title: centred, 方正小标宋简体 二号.
pub fn title(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(700),
        )
        .add_run(run(text, TITLE_FONT, SIZE_2))
}

/// A centred line in the body font (e.g. the 文号 or a date line).
pub fn centred(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(fixed_line())
        .add_run(run(text, BODY_FONT, SIZE_3))
}

/// A body paragraph: 仿宋_GB2312 三号, first line indented two characters.
pub fn body(text: &str) -> Paragraph {
    indented(Paragraph::new())
        .line_spacing(fixed_line())
        .add_run(run(text, BODY_FONT, SIZE_3))
}

/// A body line without indentation (e.g. the addressee, "时间：…").
pub fn flush(text: &str) -> Paragraph {
    Paragraph::new()
        .line_spacing(fixed_line())
        .add_run(run(text, BODY_FONT, SIZE_3))
}

/// A level-one heading ("一、…"): 黑体 三号, indented like the body.
pub fn heading(text: &str) -> Paragraph {
    indented(Paragraph::new())
        .line_spacing(fixed_line())
        .add_run(run(text, HEADING_FONT, SIZE_3))
}

/// A line set to the right (the issuing office and date at the end).
pub fn right(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Right)
        .line_spacing(fixed_line())
        .add_run(run(text, BODY_FONT, SIZE_3))
}

/// Several lines of text as body paragraphs (blank lines skipped).
pub fn body_lines(text: &str) -> Vec<Paragraph> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(body)
        .collect()
}

/// Chinese ordinal numerals for headings: 一 … 十九.
pub fn numeral(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", D[n - 10]),
        _ => n.to_string(),
    }
}

/// Write the document to bytes.
pub fn pack(doc: Docx) -> Result<Vec<u8>, DocumentError> {
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut buf)
        .map_err(|e| DocumentError::Pack(e.to_string()))?;
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_are_the_official_ones() {
        assert_eq!(mm(37), 2098);
        assert_eq!(mm(28), 1587);
        // 版心 156 mm wide on 210 mm A4.
        assert_eq!(mm(210 - 28 - 26), mm(156));
    }

    #[test]
    fn numerals() {
        assert_eq!(numeral(1), "一");
        assert_eq!(numeral(10), "十");
        assert_eq!(numeral(14), "十四");
    }
}
