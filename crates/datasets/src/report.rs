//! The import report as an XLSX workbook: every rejected row and warning,
//! with Chinese headers and cells that a spreadsheet never evaluates.

use crate::import::Report;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use xingjian_records::validate::CellProblem;

/// Text that a spreadsheet would read as a formula is written with a leading
/// apostrophe, so it shows as typed and never runs.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn sheet(wb: &mut Workbook, name: &str, rows: &[CellProblem]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, (h, w)) in [("行号", 8.0), ("列", 18.0), ("值", 28.0), ("原因", 60.0)]
        .iter()
        .enumerate()
    {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, *w)?;
    }
    for (i, p) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_number(r, 0, p.row as f64)?;
        ws.write_string(r, 1, safe_cell(&p.column))?;
        ws.write_string(r, 2, safe_cell(&p.value))?;
        ws.write_string(r, 3, safe_cell(&p.reason))?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The workbook bytes: a summary sheet, then 被拒绝的行 and 提示.
pub fn report_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("概况")?;
    ws.set_column_width(0, 16.0)?;
    ws.set_column_width(1, 60.0)?;
    let table = report.table.map_or("未识别", |t| t.zh());
    let summary = [
        ("文件", report.file_name.clone()),
        ("表", table.to_owned()),
        ("格式", report.source_format.clone()),
        ("数据行", report.rows_total.to_string()),
        ("有效行", report.rows_valid.to_string()),
        ("被拒绝的问题", report.rejected.len().to_string()),
        ("提示", report.warnings.len().to_string()),
        ("未识别的列（已保留）", report.unknown_columns.join("、")),
        ("新登记的行政机关", report.new_agencies.join("、")),
    ];
    for (i, (k, v)) in summary.iter().enumerate() {
        let r = u32::try_from(i).unwrap_or(0);
        ws.write_string_with_format(r, 0, *k, &bold)?;
        ws.write_string(r, 1, safe_cell(v))?;
    }
    sheet(&mut wb, "被拒绝的行", &report.rejected)?;
    sheet(&mut wb, "提示", &report.warnings)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_never_live() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("-2"), "'-2");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("区交通运输局"), "区交通运输局");
    }
}
