//! One imported enforcement record as a search document: found by its case
//! or measure number, plate, officers' certificates, place and wording;
//! people's names and ID numbers are only in the restricted fields and are
//! shown masked.

use xingjian_datasets::RecordField;
use xingjian_domain::mask::{mask_id, mask_name};
use xingjian_domain::search::{RecordsRef, SearchDoc, exact_key};
use xingjian_records::Table;

/// Columns whose values are looked up exactly (lists split on 、).
const EXACT: [&str; 7] = [
    "案件编号",
    "措施编号",
    "关联案件编号",
    "车牌号",
    "执法证号",
    "证号",
    "执法人员",
];
/// Columns that give the record its day.
const DAYS: [&str; 5] = [
    "违法行为发生日期",
    "实施时间",
    "决定日期",
    "有效期起",
    "证件有效期起",
];

pub fn document(
    parent: &SearchDoc,
    r: &RecordsRef,
    table: Table,
    row: i64,
    fields: &[RecordField],
) -> SearchDoc {
    let get = |c: &str| {
        fields
            .iter()
            .find(|f| f.column == c)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    };
    let individual = get("当事人类型") != "单位";
    let mut body = Vec::new();
    let mut people = Vec::new();
    let mut id_numbers = Vec::new();
    let mut exact = Vec::new();
    for f in fields.iter().filter(|f| !f.value.trim().is_empty()) {
        let v = f.value.trim();
        if f.sensitive {
            if f.column == "证件号码" {
                id_numbers.push(v.to_owned());
                body.push(format!("{}：{}", f.column, mask_id(v)));
            } else if individual || f.column != "当事人" {
                people.push(v.to_owned());
                body.push(format!("{}：{}", f.column, mask_name(v)));
            } else {
                body.push(format!("{}：{v}", f.column));
            }
            continue;
        }
        if EXACT.contains(&f.column) {
            exact.extend(
                v.split(['、', ';', '；'])
                    .map(exact_key)
                    .filter(|k| !k.is_empty()),
            );
        }
        body.push(format!("{}：{v}", f.column));
    }
    let number = ["案件编号", "措施编号", "执法证号", "车牌号"]
        .iter()
        .map(|c| get(c))
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let what = ["违法类型", "措施类型", "人员类别", "许可类型"]
        .iter()
        .map(|c| get(c))
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let date = DAYS
        .iter()
        .map(|c| get(c))
        .find(|v| v.len() >= 10)
        .map(|v| v[..10].to_owned())
        .unwrap_or_else(|| parent.date.clone());
    SearchDoc {
        key: format!("record:{}:{row}", r.location),
        group: parent.group.clone(),
        kind: parent.kind.clone(),
        url: format!("/imports/{}", r.import_id),
        title: format!("{} {number} {what}", table.zh()).trim().to_owned(),
        body: body.join("\n"),
        exact,
        id_numbers,
        people,
        agencies: vec![get("执法机关").to_owned()]
            .into_iter()
            .filter(|a| !a.is_empty())
            .chain(parent.agencies.iter().filter(|a| !a.is_empty()).cloned())
            .take(1)
            .collect(),
        date,
        audience: parent.audience.clone(),
        ..Default::default()
    }
}
