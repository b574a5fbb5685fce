//! The four tables of the contract and their columns.

use serde::{Deserialize, Serialize};

/// A table of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    PenaltyCases,
    CompulsoryMeasures,
    Officers,
    VehiclePermits,
}

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Free text that is normalised to one of the listed values (the original is kept).
    Choice(&'static [&'static str]),
    Date,
    DateTime,
    /// Three-valued: 是/否, Y/N, true/false, 1/0, 有/无; empty = unknown.
    Bool,
    /// Yuan, up to two decimals; stored as fen (1/100 yuan).
    Money,
    Integer,
    /// Separated by `;` `；` `、` `,` `，`.
    List,
    /// A vehicle plate, normalised (full-width → half-width, no spaces or separator dot).
    Plate,
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The canonical Chinese header.
    pub zh: &'static str,
    /// The English header and the code name (Parquet column, rule SQL).
    pub en: &'static str,
    pub kind: ColumnKind,
    pub required: bool,
    /// Personal data: masked in lists and exports unless the role allows.
    pub sensitive: bool,
}

const fn col(zh: &'static str, en: &'static str, kind: ColumnKind, required: bool) -> Column {
    Column {
        zh,
        en,
        kind,
        required,
        sensitive: false,
    }
}

const fn personal(zh: &'static str, en: &'static str, kind: ColumnKind) -> Column {
    Column {
        zh,
        en,
        kind,
        required: false,
        sensitive: true,
    }
}

use ColumnKind::*;

pub const AGENCY_KINDS: &[&str] = &["交通运输", "公安交管"];
pub const VIOLATION_TYPES: &[&str] = &[
    "非法营运",
    "网约车非法经营",
    "超限运输",
    "货车超载",
    "客车超员",
    "其他",
];
pub const TRANSPORT_CATEGORIES: &[&str] = &["普货", "客运", "危货", "网约车", "出租车"];
pub const PROCEDURES: &[&str] = &["简易", "普通"];
pub const PARTY_TYPES: &[&str] = &["个人", "单位"];
pub const STATEMENTS: &[&str] = &["是", "否", "放弃"];
pub const PENALTY_KINDS: &[&str] = &[
    "警告",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "吊销许可证件",
    "责令停业",
    "其他",
];
pub const DELIVERY_METHODS: &[&str] = &["当场", "直接", "留置", "邮寄", "电子", "公告"];
pub const COLLECTION_METHODS: &[&str] = &["当场收缴", "银行缴纳", "电子缴纳"];
pub const MEASURE_TYPES: &[&str] = &["扣押车辆", "扣押物品", "查封场所", "扣留车辆", "扣留驾驶证"];
pub const SIGNATURES: &[&str] = &["已签", "拒签", "未签"];
pub const OFFICER_CATEGORIES: &[&str] = &["执法人员", "辅助人员"];
pub const PERMIT_TYPES: &[&str] = &["道路运输证", "网络预约出租汽车运输证", "出租汽车运输证"];

pub const PENALTY_CASES: &[Column] = &[
    col("案件编号", "case_no", Text, true),
    col("执法机关", "agency", Text, true),
    col("执法领域", "agency_kind", Choice(AGENCY_KINDS), false),
    col("违法类型", "violation_type", Text, true),
    col(
        "运输类别",
        "transport_category",
        Choice(TRANSPORT_CATEGORIES),
        false,
    ),
    col("违法行为发生日期", "violation_date", Date, true),
    col("违法地点", "location", Text, false),
    col("立案日期", "filing_date", Date, false),
    col("程序类型", "procedure", Choice(PROCEDURES), true),
    col("当事人类型", "party_type", Choice(PARTY_TYPES), true),
    personal("当事人", "party_name", Text),
    personal("证件号码", "party_id_no", Text),
    col("车牌号", "plate", Plate, false),
    col("执法人员", "officers", List, true),
    col("事先告知", "notice_given", Bool, false),
    col("告知日期", "notice_date", Date, false),
    col("陈述申辩", "statement", Choice(STATEMENTS), false),
    col("听证告知", "hearing_notified", Bool, false),
    col("申请听证", "hearing_requested", Bool, false),
    col("法制审核", "legal_review", Bool, false),
    col("集体讨论", "collective_discussion", Bool, false),
    col("延期批准", "extension_approved", Bool, false),
    col("决定日期", "decision_date", Date, true),
    col("处罚种类", "penalty_kinds", List, true),
    col("罚款金额", "fine_yuan", Money, false),
    col("违法所得", "illegal_gain_yuan", Money, false),
    col("法律依据", "legal_basis", Text, false),
    col(
        "送达方式",
        "delivery_method",
        Choice(DELIVERY_METHODS),
        false,
    ),
    col("送达日期", "delivery_date", Date, false),
    col(
        "收缴方式",
        "collection_method",
        Choice(COLLECTION_METHODS),
        false,
    ),
    col("缴款日期", "payment_date", Date, false),
    col("结案日期", "closing_date", Date, false),
];

pub const COMPULSORY_MEASURES: &[Column] = &[
    col("措施编号", "measure_no", Text, true),
    col("关联案件编号", "case_no", Text, false),
    col("执法机关", "agency", Text, true),
    col("措施类型", "measure_type", Choice(MEASURE_TYPES), true),
    col("车牌号", "plate", Plate, false),
    personal("当事人", "party_name", Text),
    col("实施时间", "start_time", DateTime, true),
    col("情况紧急", "emergency", Bool, false),
    col("报告批准时间", "approval_time", DateTime, false),
    col("执法人员", "officers", List, true),
    col("告知理由依据权利", "rights_notified", Bool, false),
    col("现场笔录", "on_site_record", Bool, false),
    col("当事人到场", "party_present", Bool, false),
    col("当事人签名", "party_signature", Choice(SIGNATURES), false),
    col("见证人签名", "witness_signature", Bool, false),
    col("决定书当场交付", "decision_delivered_on_site", Bool, false),
    col("清单当场交付", "inventory_delivered_on_site", Bool, false),
    col("期限天数", "term_days", Integer, false),
    col("延长批准", "extended", Bool, false),
    col("延长天数", "extension_days", Integer, false),
    col("检测鉴定天数", "appraisal_days", Integer, false),
    col("解除日期", "release_date", Date, false),
    col("保管费", "storage_fee_yuan", Money, false),
];

pub const OFFICERS: &[Column] = &[
    col("执法证号", "officer_id", Text, true),
    Column {
        required: true,
        ..personal("姓名", "name", Text)
    },
    col("执法机关", "agency", Text, true),
    col("人员类别", "category", Choice(OFFICER_CATEGORIES), true),
    col("证件有效期起", "valid_from", Date, false),
    col("证件有效期止", "valid_to", Date, false),
];

pub const VEHICLE_PERMITS: &[Column] = &[
    col("车牌号", "plate", Plate, true),
    col("许可类型", "permit_type", Choice(PERMIT_TYPES), true),
    col("证号", "permit_no", Text, false),
    personal("持有人", "holder", Text),
    col("有效期起", "valid_from", Date, true),
    col("有效期止", "valid_to", Date, true),
];

impl Table {
    pub const ALL: [Table; 4] = [
        Table::PenaltyCases,
        Table::CompulsoryMeasures,
        Table::Officers,
        Table::VehiclePermits,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Table::PenaltyCases => "penalty_cases",
            Table::CompulsoryMeasures => "compulsory_measures",
            Table::Officers => "officers",
            Table::VehiclePermits => "vehicle_permits",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Table::PenaltyCases => "行政处罚案件",
            Table::CompulsoryMeasures => "行政强制措施",
            Table::Officers => "执法人员",
            Table::VehiclePermits => "车辆许可",
        }
    }

    /// By code name or Chinese name.
    pub fn from_name(s: &str) -> Option<Table> {
        let s = s.trim();
        Table::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(s) || t.zh() == s)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::PenaltyCases => PENALTY_CASES,
            Table::CompulsoryMeasures => COMPULSORY_MEASURES,
            Table::Officers => OFFICERS,
            Table::VehiclePermits => VEHICLE_PERMITS,
        }
    }

    /// The column a header names (Chinese, or English in any case; spaces around ignored).
    pub fn column(self, header: &str) -> Option<(usize, &'static Column)> {
        let h = header.trim().trim_start_matches('\u{feff}').trim();
        self.columns()
            .iter()
            .enumerate()
            .find(|(_, c)| c.zh == h || c.en.eq_ignore_ascii_case(h))
    }

    /// The columns that identify a record within its agency.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            Table::PenaltyCases => &["agency", "case_no"],
            Table::CompulsoryMeasures => &["agency", "measure_no"],
            Table::Officers => &["officer_id"],
            Table::VehiclePermits => &["plate", "permit_type", "valid_from"],
        }
    }

    /// The table whose required columns a header row covers best (for files without `--table`).
    pub fn detect(headers: &[String]) -> Option<Table> {
        Table::ALL
            .into_iter()
            .map(|t| {
                let required = t.columns().iter().filter(|c| c.required).count();
                let found = t
                    .columns()
                    .iter()
                    .filter(|c| {
                        c.required
                            && headers
                                .iter()
                                .any(|h| t.column(h).is_some_and(|(_, x)| x.en == c.en))
                    })
                    .count();
                (t, found, required)
            })
            .filter(|(_, found, required)| found * 2 > *required)
            .max_by_key(|(_, found, required)| (found * 1000) / required)
            .map(|(t, ..)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_unique_headers() {
        for t in Table::ALL {
            let mut zh: Vec<_> = t.columns().iter().map(|c| c.zh).collect();
            let mut en: Vec<_> = t.columns().iter().map(|c| c.en).collect();
            zh.sort_unstable();
            en.sort_unstable();
            zh.dedup();
            en.dedup();
            assert_eq!(zh.len(), t.columns().len(), "{t:?}");
            assert_eq!(en.len(), t.columns().len(), "{t:?}");
            for k in t.key_columns() {
                assert!(t.columns().iter().any(|c| c.en == *k), "{k}");
            }
        }
    }

    #[test]
    fn headers_match_in_either_language() {
        let t = Table::PenaltyCases;
        assert_eq!(t.column(" 案件编号 ").map(|c| c.1.en), Some("case_no"));
        assert_eq!(
            t.column("\u{feff}案件编号").map(|c| c.1.en),
            Some("case_no")
        );
        assert_eq!(t.column("Fine_Yuan").map(|c| c.1.zh), Some("罚款金额"));
        assert_eq!(t.column("备注"), None);
        assert_eq!(
            Table::from_name("行政强制措施"),
            Some(Table::CompulsoryMeasures)
        );
        assert_eq!(Table::from_name("officers"), Some(Table::Officers));
    }

    #[test]
    fn tables_are_detected_from_headers() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Table::detect(&h(&[
                "措施编号",
                "执法机关",
                "措施类型",
                "实施时间",
                "执法人员"
            ])),
            Some(Table::CompulsoryMeasures)
        );
        assert_eq!(
            Table::detect(&h(&["plate", "permit_type", "valid_from", "valid_to"])),
            Some(Table::VehiclePermits)
        );
        assert_eq!(
            Table::detect(&h(&["执法证号", "姓名", "执法机关", "人员类别"])),
            Some(Table::Officers)
        );
        assert_eq!(Table::detect(&h(&["foo", "bar"])), None);
    }
}
