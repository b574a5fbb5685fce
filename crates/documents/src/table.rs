//! A list as an XLSX workbook: Chinese headers in bold, column widths set,
//! the header row frozen, text cells that a spreadsheet never evaluates.

use crate::DocumentError;
use rust_xlsxwriter::{Format, Workbook};

/// Text that a spreadsheet would read as a formula is written with a leading
/// apostrophe, so it shows as typed and never runs.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// One cell of an exported list.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

/// The workbook: one sheet named `sheet`, headers with their widths, rows.
pub fn table_xlsx(
    sheet: &str,
    headers: &[(&str, f64)],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, DocumentError> {
    let x = |e: rust_xlsxwriter::XlsxError| DocumentError::Pack(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(x)?;
    for (c, (h, w)) in headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, *h, &bold).map_err(x)?;
        ws.set_column_width(c, *w).map_err(x)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(s) => ws.write_string(r, c, safe_cell(s)).map_err(x)?,
                Cell::Number(n) => ws.write_number(r, c, *n).map_err(x)?,
            };
        }
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::part;

    #[test]
    fn headers_rows_and_formulas_kept_as_text() {
        let bytes = table_xlsx(
            "信息交流",
            &[("标题", 40.0), ("件数", 8.0)],
            &[
                vec!["=HYPERLINK(\"x\")".into(), 3_i64.into()],
                vec!["关于通报".into(), Cell::Number(1.0)],
            ],
        )
        .expect("xlsx");
        let strings = part(&bytes, "xl/sharedStrings.xml");
        assert!(strings.contains("标题") && strings.contains("关于通报"));
        assert!(strings.contains("'=HYPERLINK"), "{strings}");
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formula cells");
        assert!(
            sheet.contains("<v>3</v>") && sheet.contains("<pane"),
            "numbers and the frozen header"
        );
        assert!(part(&bytes, "xl/workbook.xml").contains("信息交流"));
    }

    #[test]
    fn formula_starts_are_neutralised() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(safe_cell(s).starts_with('\''), "{s}");
        }
        assert_eq!(safe_cell("豫A12345"), "豫A12345");
    }
}
