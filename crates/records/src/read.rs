//! Reading a file into header + rows of text: CSV in UTF-8 (with or without
//! BOM) or GBK/GB18030, detected; XLSX (the sheet named after the table, else
//! the first), with Excel date cells turned into contract dates.

use crate::contract::Table;
use calamine::{Data, Reader, Xlsx};
use std::borrow::Cow;
use std::io::Cursor;

/// A file as text cells. Row numbers are 1-based as a spreadsheet shows them
/// (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTable {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// `UTF-8`, `UTF-8 (BOM)`, `GB18030` or `XLSX:<sheet>`.
    pub source_format: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("文件为空 / the file is empty")]
    Empty,
    #[error(
        "无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030（第 {line} 行附近），为避免乱码未导入 / unknown encoding"
    )]
    Encoding { line: usize },
    #[error("CSV 格式错误（第 {line} 行）：{reason}")]
    Csv { line: usize, reason: String },
    #[error("无法读取 Excel 文件：{0}")]
    Xlsx(String),
    #[error("不支持的文件类型“{0}”：请上传 .csv 或 .xlsx 文件")]
    UnsupportedType(String),
}

/// Decode CSV bytes: UTF-8 (BOM stripped) when valid, else GB18030 when that
/// decodes without error; anything else is refused rather than garbled.
/// UTF-8 is borrowed, not copied.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), "UTF-8 (BOM)"))
            .map_err(|e| ReadError::Encoding {
                line: line_of(rest, e.valid_up_to()),
            });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), "UTF-8"));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        let valid = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        return Err(ReadError::Encoding {
            line: line_of(bytes, valid),
        });
    }
    Ok((text, "GB18030"))
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes.iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

/// A CSV file read one row at a time (one record buffer reused), so a large
/// file is never held as cells.
pub struct CsvRows<'t> {
    reader: csv::Reader<&'t [u8]>,
    record: csv::StringRecord,
    index: usize,
    pub headers: Vec<String>,
}

impl<'t> CsvRows<'t> {
    /// Start reading UTF-8 text: the header row is read here. Each row is
    /// checked as UTF-8 as it is read (an invalid one is `ReadError::Encoding`),
    /// so bytes need not be validated beforehand.
    pub fn new(text: &'t [u8]) -> Result<CsvRows<'t>, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut record = csv::StringRecord::new();
        if !reader.read_record(&mut record).map_err(|e| csv_error(&e))? {
            return Err(ReadError::Empty);
        }
        let headers = record.iter().map(|h| h.trim().to_owned()).collect();
        Ok(CsvRows {
            reader,
            record,
            index: 0,
            headers,
        })
    }

    /// The next row that is not blank, with its row number (the header is row 1).
    pub fn next_row(&mut self) -> Result<Option<(usize, &csv::StringRecord)>, ReadError> {
        loop {
            if !self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&e))?
            {
                return Ok(None);
            }
            self.index += 1;
            if !self.record.iter().all(|c| c.trim().is_empty()) {
                return Ok(Some((self.index + 1, &self.record)));
            }
        }
    }
}

/// Read CSV bytes.
pub fn read_csv(bytes: &[u8]) -> Result<RawTable, ReadError> {
    let (text, format) = decode(bytes)?;
    let mut reader = CsvRows::new(text.as_bytes())?;
    let mut rows = Vec::new();
    while let Some((row, rec)) = reader.next_row()? {
        rows.push((row, rec.iter().map(str::to_owned).collect()));
    }
    Ok(RawTable {
        headers: reader.headers,
        rows,
        source_format: format.to_owned(),
    })
}

fn csv_error(e: &csv::Error) -> ReadError {
    if let csv::ErrorKind::Utf8 { pos, .. } = e.kind() {
        return ReadError::Encoding {
            line: pos.as_ref().map_or(0, |p| p.line() as usize),
        };
    }
    ReadError::Csv {
        line: e.position().map_or(0, |p| p.line() as usize),
        reason: e.to_string(),
    }
}

/// Text of one spreadsheet cell as a clerk would have typed it.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.to_string(),
        },
        Data::DateTimeIso(s) => s.replace('T', " "),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Read XLSX bytes: the sheet named after `table` (Chinese or code name) if any, else the first.
pub fn read_xlsx(bytes: &[u8], table: Option<Table>) -> Result<RawTable, ReadError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let names = book.sheet_names();
    let sheet = table
        .and_then(|t| {
            names
                .iter()
                .find(|n| n.trim() == t.zh() || n.trim().eq_ignore_ascii_case(t.code()))
        })
        .or_else(|| names.first())
        .cloned()
        .ok_or(ReadError::Empty)?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows_iter = range.rows();
    let headers: Vec<String> = rows_iter
        .next()
        .ok_or(ReadError::Empty)?
        .iter()
        .map(|c| cell_text(c).trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, r) in rows_iter.enumerate() {
        let cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((start_row + i + 2, cells));
    }
    Ok(RawTable {
        headers,
        rows,
        source_format: format!("XLSX:{sheet}"),
    })
}

/// Whether a file is read as CSV, by its name (`.csv` or `.txt`, any case).
pub fn is_csv_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".txt")
}

/// Read by file name extension.
pub fn read_file(name: &str, bytes: &[u8], table: Option<Table>) -> Result<RawTable, ReadError> {
    if is_csv_name(name) {
        read_csv(bytes)
    } else if name.to_lowercase().ends_with(".xlsx") {
        read_xlsx(bytes, table)
    } else {
        Err(ReadError::UnsupportedType(
            name.rsplit('.').next().unwrap_or(name).to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_and_gbk_give_the_same_text() {
        let text = "案件编号,执法机关\nA1,区交通运输局\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let a = read_csv(text.as_bytes()).unwrap();
        let b = read_csv(&bom).unwrap();
        let c = read_csv(&gbk).unwrap();
        assert_eq!(a.headers, vec!["案件编号", "执法机关"]);
        assert_eq!(
            (a.rows.clone(), a.headers.clone()),
            (b.rows.clone(), b.headers.clone())
        );
        assert_eq!((a.rows.clone(), a.headers.clone()), (c.rows, c.headers));
        assert_eq!(b.source_format, "UTF-8 (BOM)");
        assert_eq!(c.source_format, "GB18030");
        assert_eq!(
            a.rows,
            vec![(2, vec!["A1".to_owned(), "区交通运输局".to_owned()])]
        );
    }

    #[test]
    fn undecodable_bytes_are_refused_not_garbled() {
        // 0xFF is invalid in UTF-8 and is never a GB18030 lead byte
        // (a lone 0x80 would be valid GB18030: the euro sign).
        let bytes = b"a,b\n1,\xff\n";
        assert!(matches!(
            read_csv(bytes),
            Err(ReadError::Encoding { line: 2 })
        ));
        assert!(matches!(read_csv(b""), Err(ReadError::Empty)));
    }

    #[test]
    fn blank_rows_are_skipped_and_row_numbers_kept() {
        let t = read_csv("a,b\n1,2\n,\n3,4\n".as_bytes()).unwrap();
        assert_eq!(t.rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn unsupported_types_are_named() {
        assert_eq!(
            read_file("x.pdf", b"", None),
            Err(ReadError::UnsupportedType("pdf".into()))
        );
    }
}
