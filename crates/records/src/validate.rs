//! From text cells to checked records: header mapping, cell parsing, required
//! fields, duplicate keys. Every problem is reported with row, column, value
//! and a Chinese reason; nothing is dropped silently.

use crate::contract::{Column, Table};
use crate::read::RawTable;
use crate::values::{self, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One problem in one cell (or a whole row when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellProblem {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// A record that passed, with its source row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub row: usize,
    /// Aligned with `table.columns()`.
    pub values: Vec<Value>,
    /// The agency's own wording of the violation type (penalty cases only).
    pub violation_type_raw: Option<String>,
    /// Cells of columns the contract does not know: kept, never dropped.
    pub extras: Vec<(String, String)>,
}

/// The outcome of checking a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub table: Table,
    pub records: Vec<Record>,
    /// Problems that reject their row.
    pub rejected: Vec<CellProblem>,
    /// Problems that keep the row with the value as unknown (optional columns).
    pub warnings: Vec<CellProblem>,
    /// Headers the contract does not know (kept as extra attributes).
    pub unknown_columns: Vec<String>,
}

impl Checked {
    /// Distinct rejected rows.
    pub fn rejected_rows(&self) -> usize {
        let mut rows: Vec<usize> = self.rejected.iter().map(|p| p.row).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error(
        "无法判断这是哪一张表：请指定表（行政处罚案件、行政强制措施、执法人员、车辆许可）/ cannot tell which table this is; pass --table"
    )]
    UnknownTable,
    #[error("缺少必填列：{}（表“{}”）/ missing required columns", .missing.join("、"), .table.zh())]
    MissingColumns {
        table: Table,
        missing: Vec<&'static str>,
    },
    #[error("列“{0}”出现了两次 / column appears twice")]
    DuplicateColumn(String),
}

fn get<'a>(values: &'a [Value], table: Table, en: &str) -> &'a Value {
    table
        .columns()
        .iter()
        .position(|c| c.en == en)
        .and_then(|i| values.get(i))
        .unwrap_or(&Value::Null)
}

fn key_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Text(s) => Cow::Borrowed(s),
        Value::Date(d) => Cow::Owned(d.to_string()),
        other => Cow::Owned(format!("{other:?}")),
    }
}

/// Checks rows one at a time (so a file can be streamed): header mapping is
/// done once; each row gives a record or its problems.
pub struct Checker {
    table: Table,
    /// Which header index feeds which column.
    source: Vec<Option<usize>>,
    unknown: Vec<(usize, String)>,
    key_index: Vec<usize>,
    /// Key (columns joined by U+001F) → first row.
    seen_keys: foldhash::HashMap<String, usize>,
    pub rejected: Vec<CellProblem>,
    pub warnings: Vec<CellProblem>,
}

impl Checker {
    /// Map the header row to the contract; the table is detected unless given.
    pub fn new(headers: &[String], table: Option<Table>) -> Result<Checker, FileProblem> {
        let table = table
            .or_else(|| Table::detect(headers))
            .ok_or(FileProblem::UnknownTable)?;
        let columns = table.columns();
        let mut source: Vec<Option<usize>> = vec![None; columns.len()];
        let mut unknown = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match table.column(h) {
                Some((ci, c)) => {
                    if source[ci].is_some() {
                        return Err(FileProblem::DuplicateColumn(c.zh.to_owned()));
                    }
                    source[ci] = Some(i);
                }
                None => unknown.push((i, h.trim().to_owned())),
            }
        }
        let missing: Vec<&'static str> = columns
            .iter()
            .zip(&source)
            .filter(|(c, s)| c.required && s.is_none())
            .map(|(c, _)| c.zh)
            .collect();
        if !missing.is_empty() {
            return Err(FileProblem::MissingColumns { table, missing });
        }
        let key_index = table
            .key_columns()
            .iter()
            .filter_map(|k| columns.iter().position(|c| c.en == *k))
            .collect();
        Ok(Checker {
            table,
            source,
            unknown,
            key_index,
            seen_keys: foldhash::HashMap::default(),
            rejected: Vec::new(),
            warnings: Vec::new(),
        })
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// Headers the contract does not know (kept as extra attributes).
    pub fn unknown_columns(&self) -> Vec<String> {
        self.unknown.iter().map(|u| u.1.clone()).collect()
    }

    /// Check one row; `cell(i)` is the text of the file's column `i` ("" when absent).
    /// A row with problems gives `None` and its problems are kept in `rejected`.
    pub fn row<'c>(&mut self, row: usize, cell: impl Fn(usize) -> &'c str) -> Option<Record> {
        let table = self.table;
        let columns = table.columns();
        let mut problems = Vec::new();
        let mut values = Vec::with_capacity(columns.len());
        let mut violation_type_raw = None;
        for (c, s) in columns.iter().zip(&self.source) {
            let text = s.map_or("", &cell);
            let problem = |reason: String| CellProblem {
                row,
                column: c.zh.to_owned(),
                value: text.to_owned(),
                reason,
            };
            let parsed = if c.en == "violation_type" && !text.trim().is_empty() {
                violation_type_raw = Some(text.trim().to_owned());
                Ok(Value::Text(
                    values::normalize_violation_type(text).to_owned(),
                ))
            } else {
                values::parse(c.kind, text)
            };
            match parsed {
                Ok(Value::Null) if c.required => problems.push(problem("必填项为空".into())),
                Ok(v) => values.push(v),
                Err(reason) if c.required => problems.push(problem(reason)),
                Err(reason) => {
                    self.warnings
                        .push(problem(format!("{reason}；按“未知”导入")));
                    values.push(Value::Null);
                }
            }
        }
        if problems.is_empty() {
            problems.extend(cross_field(table, row, &values));
        }
        if problems.is_empty() {
            let mut key = String::new();
            for (n, i) in self.key_index.iter().enumerate() {
                if n > 0 {
                    key.push('\u{1f}');
                }
                key.push_str(&key_text(values.get(*i).unwrap_or(&Value::Null)));
            }
            match self.seen_keys.get(&key) {
                Some(first) => problems.push(CellProblem {
                    row,
                    column: table
                        .key_columns()
                        .iter()
                        .map(|k| column_zh(table, k))
                        .collect::<Vec<_>>()
                        .join("+"),
                    value: key.replace('\u{1f}', " / "),
                    reason: format!("与第 {first} 行重复（同一机关内编号应唯一）"),
                }),
                None => {
                    self.seen_keys.insert(key, row);
                }
            }
        }
        if !problems.is_empty() {
            self.rejected.extend(problems);
            return None;
        }
        let extras = self
            .unknown
            .iter()
            .filter_map(|(i, h)| {
                let v = cell(*i);
                (!v.trim().is_empty()).then(|| (h.clone(), v.to_owned()))
            })
            .collect();
        Some(Record {
            row,
            values,
            violation_type_raw,
            extras,
        })
    }
}

/// Check a raw table against the contract.
pub fn check(raw: &RawTable, table: Option<Table>) -> Result<Checked, FileProblem> {
    let mut checker = Checker::new(&raw.headers, table)?;
    let mut records = Vec::new();
    for (row, cells) in &raw.rows {
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        records.extend(checker.row(*row, cell));
    }
    Ok(Checked {
        table: checker.table,
        unknown_columns: checker.unknown_columns(),
        records,
        rejected: checker.rejected,
        warnings: checker.warnings,
    })
}

fn column_zh(table: Table, en: &str) -> String {
    table
        .columns()
        .iter()
        .find(|c: &&Column| c.en == en)
        .map_or(en, |c| c.zh)
        .to_owned()
}

/// Rules between fields of one row that the contract states.
fn cross_field(table: Table, row: usize, v: &[Value]) -> Vec<CellProblem> {
    let mut out = Vec::new();
    let p = |column: &str, value: String, reason: &str| CellProblem {
        row,
        column: column.to_owned(),
        value,
        reason: reason.to_owned(),
    };
    match table {
        Table::PenaltyCases => {
            if get(v, table, "procedure") == &Value::Text("普通".into())
                && get(v, table, "filing_date").is_null()
            {
                out.push(p("立案日期", String::new(), "普通程序案件必须填写立案日期"));
            }
            if let (Value::Date(viol), Value::Date(dec)) = (
                get(v, table, "violation_date"),
                get(v, table, "decision_date"),
            ) && dec < viol
            {
                out.push(p(
                    "决定日期",
                    dec.to_string(),
                    "决定日期早于违法行为发生日期",
                ));
            }
        }
        Table::Officers | Table::VehiclePermits => {
            if let (Value::Date(from), Value::Date(to)) =
                (get(v, table, "valid_from"), get(v, table, "valid_to"))
                && to < from
            {
                out.push(p(
                    &column_zh(table, "valid_to"),
                    to.to_string(),
                    "有效期止早于有效期起",
                ));
            }
        }
        Table::CompulsoryMeasures => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;

    const HEAD: &str = "案件编号,执法机关,违法类型,违法行为发生日期,立案日期,程序类型,当事人类型,执法人员,决定日期,处罚种类,罚款金额,备注\n";

    #[test]
    fn good_rows_pass_and_extra_columns_are_kept() {
        let csv = format!(
            "{HEAD}A1,区交通运输局,未取得道路运输经营许可擅自从事经营,2023/5/1,2023-05-02,普通,个人,T001；T002,2023年6月1日,罚款,3万元,补录\n"
        );
        let c = check(&read_csv(csv.as_bytes()).unwrap(), None).unwrap();
        assert_eq!(c.table, Table::PenaltyCases);
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        assert_eq!(c.unknown_columns, vec!["备注"]);
        let r = &c.records[0];
        assert_eq!(r.row, 2);
        assert_eq!(
            get(&r.values, c.table, "violation_type"),
            &Value::Text("非法营运".into())
        );
        assert_eq!(
            r.violation_type_raw.as_deref(),
            Some("未取得道路运输经营许可擅自从事经营")
        );
        assert_eq!(get(&r.values, c.table, "fine_yuan"), &Value::Fen(3_000_000));
        assert_eq!(
            get(&r.values, c.table, "officers"),
            &Value::List(vec!["T001".into(), "T002".into()])
        );
        assert_eq!(
            get(&r.values, c.table, "notice_given"),
            &Value::Null,
            "absent column is unknown"
        );
        assert_eq!(r.extras, vec![("备注".to_owned(), "补录".to_owned())]);
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_column_value_and_reason() {
        let csv = format!(
            "{HEAD}A1,区交通运输局,超载,2023-13-01,,简易,个人,T001,2023-06-01,罚款,abc,\n\
             A2,区交通运输局,超载,2023-05-01,,普通,个人,T001,2023-06-01,罚款,100,\n\
             A3,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-04-01,罚款,100,\n\
             A4,区交通运输局,超载,2023-05-01,,简易,个人,,2023-06-01,罚款,100,\n\
             A5,区交通运输局,超载,2023-05-01,,简易,个人,T1,2023-06-01,罚款,100,\n\
             A5,区交通运输局,超载,2023-05-01,,简易,个人,T1,2023-06-01,罚款,100,\n"
        );
        let c = check(
            &read_csv(csv.as_bytes()).unwrap(),
            Some(Table::PenaltyCases),
        )
        .unwrap();
        let by_row = |r| c.rejected.iter().filter(|p| p.row == r).collect::<Vec<_>>();
        assert_eq!(by_row(2)[0].column, "违法行为发生日期");
        assert_eq!(by_row(2)[0].value, "2023-13-01");
        assert!(by_row(2)[0].reason.contains("不存在") || by_row(2)[0].reason.contains("无法识别"));
        assert_eq!(by_row(3)[0].reason, "普通程序案件必须填写立案日期");
        assert_eq!(by_row(4)[0].reason, "决定日期早于违法行为发生日期");
        assert_eq!(
            (by_row(5)[0].column.as_str(), by_row(5)[0].reason.as_str()),
            ("执法人员", "必填项为空")
        );
        assert!(by_row(7)[0].reason.contains("与第 6 行重复"));
        assert_eq!(c.rejected_rows(), 5);
        // An unreadable optional cell keeps the row, as unknown, with a warning.
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(
            (c.warnings[0].row, c.warnings[0].column.as_str()),
            (2, "罚款金额")
        );
        assert_eq!(c.records.iter().map(|r| r.row).collect::<Vec<_>>(), vec![6]);
    }

    #[test]
    fn a_missing_required_column_rejects_the_file_by_name() {
        let csv = "案件编号,执法机关,违法类型\nA1,区交通运输局,超载\n";
        let e = check(
            &read_csv(csv.as_bytes()).unwrap(),
            Some(Table::PenaltyCases),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("违法行为发生日期") && e.to_string().contains("决定日期"),
            "{e}"
        );
        let e = check(&read_csv("x,y\n1,2\n".as_bytes()).unwrap(), None).unwrap_err();
        assert_eq!(e, FileProblem::UnknownTable);
    }

    #[test]
    fn english_headers_give_the_same_records() {
        let zh =
            format!("{HEAD}A1,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-06-01,罚款,100,\n");
        let en = "case_no,agency,violation_type,violation_date,filing_date,procedure,party_type,officers,decision_date,penalty_kinds,fine_yuan,note\n\
                  A1,区交通运输局,超载,2023-05-01,,简易,个人,T001,2023-06-01,罚款,100,\n";
        let a = check(&read_csv(zh.as_bytes()).unwrap(), None).unwrap();
        let b = check(&read_csv(en.as_bytes()).unwrap(), None).unwrap();
        assert_eq!(a.records[0].values, b.records[0].values);
    }
}
