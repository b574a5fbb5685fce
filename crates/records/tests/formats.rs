//! The same table as UTF-8 CSV, GBK CSV, English-header CSV and XLSX (with
//! Excel date cells) gives the same records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use xingjian_records::Table;
use xingjian_records::read::{read_csv, read_file};
use xingjian_records::validate::check;

const CSV: &str = "措施编号,执法机关,措施类型,车牌号,实施时间,执法人员,现场笔录,解除日期,保管费\n\
                   2023001,区交通运输局,扣押车辆,豫A·12345,2023-05-01 09:30:00,T001、T002,是,2023-05-20,0\n\
                   2023002,区交通运输局,扣留车辆,豫Ａ５４３２１,2023-05-02 14:00:00,T003,,,\n";

fn xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    // A first sheet that is not the table, to prove the sheet is chosen by name.
    wb.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write_string(0, 0, "导出说明")
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("行政强制措施").unwrap();
    for (c, h) in [
        "措施编号",
        "执法机关",
        "措施类型",
        "车牌号",
        "实施时间",
        "执法人员",
        "现场笔录",
        "解除日期",
        "保管费",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 1: case number typed as a number, Excel date-time and date cells.
    ws.write_number(1, 0, 2023001.0).unwrap();
    ws.write_string(1, 1, "区交通运输局").unwrap();
    ws.write_string(1, 2, "扣押车辆").unwrap();
    ws.write_string(1, 3, "豫A·12345").unwrap();
    ws.write_datetime_with_format(
        1,
        4,
        ExcelDateTime::parse_from_str("2023-05-01 09:30:00").unwrap(),
        &datetime,
    )
    .unwrap();
    ws.write_string(1, 5, "T001、T002").unwrap();
    ws.write_string(1, 6, "是").unwrap();
    ws.write_datetime_with_format(
        1,
        7,
        ExcelDateTime::parse_from_str("2023-05-20").unwrap(),
        &date,
    )
    .unwrap();
    ws.write_number(1, 8, 0.0).unwrap();
    ws.write_string(2, 0, "2023002").unwrap();
    ws.write_string(2, 1, "区交通运输局").unwrap();
    ws.write_string(2, 2, "扣留车辆").unwrap();
    ws.write_string(2, 3, "豫Ａ５４３２１").unwrap();
    ws.write_string(2, 4, "2023-05-02 14:00:00").unwrap();
    ws.write_string(2, 5, "T003").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn csv_gbk_english_and_xlsx_agree() {
    let utf8 = check(&read_csv(CSV.as_bytes()).unwrap(), None).unwrap();
    let (gbk_bytes, _, unmappable) = encoding_rs::GBK.encode(CSV);
    assert!(!unmappable);
    let gbk = check(&read_csv(&gbk_bytes).unwrap(), None).unwrap();
    let english = CSV.replacen(
        "措施编号,执法机关,措施类型,车牌号,实施时间,执法人员,现场笔录,解除日期,保管费",
        "measure_no,agency,measure_type,plate,start_time,officers,on_site_record,release_date,storage_fee_yuan",
        1,
    );
    let en = check(&read_csv(english.as_bytes()).unwrap(), None).unwrap();
    let raw = read_file("措施.xlsx", &xlsx(), Some(Table::CompulsoryMeasures)).unwrap();
    assert_eq!(raw.source_format, "XLSX:行政强制措施");
    let x = check(&raw, None).unwrap();
    for other in [&gbk, &en, &x] {
        assert!(other.rejected.is_empty(), "{:?}", other.rejected);
        assert_eq!(other.table, Table::CompulsoryMeasures);
        let a: Vec<_> = utf8.records.iter().map(|r| (&r.row, &r.values)).collect();
        let b: Vec<_> = other.records.iter().map(|r| (&r.row, &r.values)).collect();
        assert_eq!(a, b);
    }
    assert_eq!(utf8.records.len(), 2);
}
