//! Every core rule on hand-made rows: what fires, what is exactly at the limit
//! (lawful), and what is 资料不全. Rows go through the real import path
//! (CSV → contract checks → Arrow), so these also pin the contract's parsing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use std::collections::BTreeMap;
use xingjian_calendar::WorkCalendar;
use xingjian_records::Table;
use xingjian_rules::{AgencyRow, Engine, Inputs, Outcome, rule};

const TRANSPORT: &str = "某市交通运输局";
const POLICE: &str = "某市公安局交通警察支队";

fn agencies() -> Vec<AgencyRow> {
    vec![
        AgencyRow {
            id: 1,
            name: TRANSPORT.into(),
            kind: "交通运输".into(),
        },
        AgencyRow {
            id: 2,
            name: POLICE.into(),
            kind: "公安交管".into(),
        },
    ]
}

fn defaults(table: Table) -> Vec<(&'static str, &'static str)> {
    match table {
        Table::PenaltyCases => vec![
            ("agency", TRANSPORT),
            ("violation_type", "非法营运"),
            ("transport_category", "普货"),
            ("violation_date", "2024-03-01"),
            ("filing_date", "2024-03-02"),
            ("procedure", "普通"),
            ("party_type", "个人"),
            ("officers", "Z001;Z002"),
            ("notice_given", "是"),
            ("notice_date", "2024-03-10"),
            ("hearing_notified", "是"),
            ("hearing_requested", "否"),
            ("legal_review", "是"),
            ("extension_approved", "否"),
            ("decision_date", "2024-03-20"),
            ("penalty_kinds", "罚款"),
            ("fine_yuan", "5000"),
            ("illegal_gain_yuan", "0"),
            ("delivery_method", "直接"),
            ("delivery_date", "2024-03-21"),
            ("collection_method", "银行缴纳"),
        ],
        Table::CompulsoryMeasures => vec![
            ("agency", TRANSPORT),
            ("measure_type", "扣押车辆"),
            ("start_time", "2024-03-01 10:00:00"),
            ("emergency", "否"),
            ("officers", "Z001;Z002"),
            ("rights_notified", "是"),
            ("on_site_record", "是"),
            ("party_present", "是"),
            ("party_signature", "已签"),
            ("witness_signature", "否"),
            ("decision_delivered_on_site", "是"),
            ("inventory_delivered_on_site", "是"),
            ("extended", "否"),
            ("release_date", "2024-03-10"),
            ("storage_fee_yuan", "0"),
        ],
        Table::Officers => vec![
            ("name", "某某"),
            ("agency", TRANSPORT),
            ("category", "执法人员"),
            ("valid_from", "2020-01-01"),
            ("valid_to", "2030-12-31"),
        ],
        Table::VehiclePermits => vec![
            ("permit_type", "道路运输证"),
            ("valid_from", "2023-01-01"),
            ("valid_to", "2024-12-31"),
        ],
    }
}

fn key_column(table: Table) -> &'static str {
    match table {
        Table::PenaltyCases => "case_no",
        Table::CompulsoryMeasures => "measure_no",
        Table::Officers => "officer_id",
        Table::VehiclePermits => "plate",
    }
}

/// Rows as CSV: defaults overridden per row; a value "" leaves the cell empty.
fn csv(table: Table, rows: &[Vec<(&str, &str)>]) -> String {
    let mut columns: Vec<String> = defaults(table)
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .collect();
    for r in rows {
        for (k, _) in r {
            if !columns.iter().any(|c| c == k) {
                columns.push((*k).to_owned());
            }
        }
    }
    let defs = defaults(table);
    let mut out = columns.join(",") + "\n";
    for r in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                r.iter()
                    .rev()
                    .find(|(k, _)| k == c)
                    .or_else(|| defs.iter().find(|(k, _)| k == c))
                    .map(|(_, v)| format!("\"{v}\""))
                    .unwrap_or_default()
            })
            .collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

fn batch(table: Table, rows: &[Vec<(&str, &str)>]) -> arrow::array::RecordBatch {
    let raw = xingjian_records::read::read_csv(csv(table, rows).as_bytes()).unwrap();
    let checked = xingjian_records::validate::check(&raw, Some(table)).unwrap();
    assert!(checked.rejected.is_empty(), "{:?}", checked.rejected);
    let agency = table.column("agency").map(|_| {
        table
            .columns()
            .iter()
            .position(|c| c.en == "agency")
            .unwrap()
    });
    let ids: Vec<Option<i64>> = checked
        .records
        .iter()
        .map(|r| {
            agency.and_then(|i| match &r.values[i] {
                xingjian_records::Value::Text(t) if t == TRANSPORT => Some(1),
                xingjian_records::Value::Text(t) if t == POLICE => Some(2),
                _ => None,
            })
        })
        .collect();
    xingjian_datasets::to_batch(&checked, "f00d", &ids).unwrap()
}

struct Case {
    tables: BTreeMap<Table, Vec<Vec<(&'static str, &'static str)>>>,
    as_of: NaiveDate,
}

impl Case {
    fn new() -> Case {
        Case {
            tables: BTreeMap::new(),
            as_of: d("2024-06-30"),
        }
    }

    fn row(
        mut self,
        table: Table,
        key: &'static str,
        fields: &[(&'static str, &'static str)],
    ) -> Case {
        let mut r = vec![(key_column(table), key)];
        r.extend_from_slice(fields);
        self.tables.entry(table).or_default().push(r);
        self
    }

    fn case(self, key: &'static str, fields: &[(&'static str, &'static str)]) -> Case {
        self.row(Table::PenaltyCases, key, fields)
    }

    fn measure(self, key: &'static str, fields: &[(&'static str, &'static str)]) -> Case {
        self.row(Table::CompulsoryMeasures, key, fields)
    }

    fn officer(self, key: &'static str, fields: &[(&'static str, &'static str)]) -> Case {
        self.row(Table::Officers, key, fields)
    }

    fn permit(self, key: &'static str, fields: &[(&'static str, &'static str)]) -> Case {
        self.row(Table::VehiclePermits, key, fields)
    }

    fn with_default_officers(self) -> Case {
        self.officer("Z001", &[("name", "张一")])
            .officer("Z002", &[("name", "张二")])
    }

    async fn run(&self, rule_id: &str) -> BTreeMap<String, Outcome> {
        let hits = self.hits(rule_id).await;
        let mut out = BTreeMap::new();
        for h in hits {
            assert!(!h.explanation.is_empty());
            assert!(
                out.insert(h.record_key.clone(), h.outcome).is_none(),
                "one line per record: {}",
                h.record_key
            );
        }
        out
    }

    /// The explanation of a rule's line for one record ("" when it has none).
    async fn explanation(&self, rule_id: &str, key: &str) -> String {
        self.hits(rule_id)
            .await
            .into_iter()
            .find(|h| h.record_key == key)
            .map(|h| h.explanation)
            .unwrap_or_default()
    }

    async fn hits(&self, rule_id: &str) -> Vec<xingjian_rules::Hit> {
        let rules: Vec<_> = rule::load(None)
            .unwrap()
            .into_iter()
            .filter(|r| r.rule.id == rule_id)
            .collect();
        assert_eq!(rules.len(), 1, "{rule_id}");
        let mut inputs = Inputs {
            agencies: agencies(),
            ..Default::default()
        };
        for (t, rows) in &self.tables {
            inputs.batches.insert(*t, vec![batch(*t, rows)]);
        }
        let engine = Engine::new(WorkCalendar::default_cn());
        engine
            .screen(&rules, &inputs, self.as_of, |_, _| {})
            .await
            .unwrap()
            .hits
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

use Outcome::{Hit as H, Incomplete as I};

fn expect(got: BTreeMap<String, Outcome>, want: &[(&str, Outcome)]) {
    let want: BTreeMap<String, Outcome> = want.iter().map(|(k, o)| ((*k).to_owned(), *o)).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn every_core_rule_plans() {
    let rules = rule::load(None).unwrap();
    Engine::new(WorkCalendar::default_cn())
        .validate(&rules)
        .await
        .unwrap();
}

#[tokio::test]
async fn xqz_24_decision_and_inventory() {
    let c = Case::new()
        .measure("M1", &[("decision_delivered_on_site", "否")])
        .measure("M2", &[("decision_delivered_on_site", "")])
        .measure("M3", &[])
        .measure(
            "M4",
            &[
                ("measure_type", "扣留驾驶证"),
                ("inventory_delivered_on_site", "否"),
            ],
        )
        .measure(
            "M5",
            &[
                ("measure_type", "查封场所"),
                ("inventory_delivered_on_site", "否"),
            ],
        )
        .measure("M6", &[("inventory_delivered_on_site", "")]);
    expect(c.run("XQZ-24-DECISION").await, &[("M1", H), ("M2", I)]);
    expect(c.run("XQZ-24-INVENTORY").await, &[("M5", H), ("M6", I)]);
}

#[tokio::test]
async fn xqz_18_record_refusal_with_witness_is_lawful() {
    let c = Case::new()
        .measure("M1", &[("on_site_record", "否")])
        .measure(
            "M2",
            &[("party_signature", "拒签"), ("witness_signature", "否")],
        )
        .measure(
            "M3",
            &[("party_signature", "拒签"), ("witness_signature", "是")],
        )
        .measure(
            "M4",
            &[
                ("party_present", "否"),
                ("party_signature", "未签"),
                ("witness_signature", ""),
            ],
        )
        .measure("M5", &[("on_site_record", "")])
        .measure("M6", &[]);
    expect(
        c.run("XQZ-18-RECORD").await,
        &[("M1", H), ("M2", H), ("M4", I), ("M5", I)],
    );
}

#[tokio::test]
async fn xqz_18_rights() {
    let c = Case::new()
        .measure("M1", &[("rights_notified", "否")])
        .measure("M2", &[("rights_notified", "")])
        .measure("M3", &[]);
    expect(c.run("XQZ-18-RIGHTS").await, &[("M1", H), ("M2", I)]);
}

#[tokio::test]
async fn qualified_officers_for_measures_and_cases() {
    let c = Case::new()
        .with_default_officers()
        .officer("Z003", &[("category", "辅助人员")])
        .officer("Z004", &[("valid_to", "2024-02-29")])
        .officer("Z005", &[("valid_from", ""), ("valid_to", "")])
        // valid through the start date inclusive
        .officer("Z006", &[("valid_to", "2024-03-01")])
        .measure("M1", &[])
        .measure("M2", &[("officers", "Z001;Z003")])
        .measure("M3", &[("officers", "Z001;Z004")])
        .measure("M4", &[("officers", "Z001;Z005")])
        .measure("M5", &[("officers", "Z001;Z999")])
        .measure("M6", &[("officers", "Z001;Z001")])
        .measure("M7", &[("officers", "Z001;Z006")])
        .case("C1", &[])
        .case("C2", &[("officers", "Z001")])
        .case(
            "C3",
            &[
                ("agency", POLICE),
                ("procedure", "简易"),
                ("officers", "Z001"),
                ("fine_yuan", "100"),
                ("filing_date", ""),
            ],
        )
        .case(
            "C4",
            &[
                ("agency", POLICE),
                ("procedure", "简易"),
                ("officers", "Z003"),
                ("fine_yuan", "100"),
                ("filing_date", ""),
            ],
        )
        .case("C5", &[("officers", "Z001;Z006")])
        // an id listed twice counts once, qualified or not
        .case("C6", &[("officers", "Z001;Z001")])
        .case("C7", &[("officers", "Z001;Z002;Z001")])
        .case("C8", &[("officers", "Z001;Z005;Z005")])
        .case("C9", &[("officers", "Z001;Z003;Z003;Z002")]);
    expect(
        c.run("XQZ-18-OFFICERS").await,
        &[("M2", H), ("M3", H), ("M4", I), ("M5", I), ("M6", H)],
    );
    expect(
        c.run("XCF-42").await,
        &[("C2", H), ("C4", H), ("C5", H), ("C6", H), ("C8", I)],
    );
    // the explanation counts each listed officer once
    let e = c.explanation("XCF-42", "C6").await;
    assert!(e.contains("列明执法人员1人") && e.contains("仅1人"), "{e}");
}

#[tokio::test]
async fn xqz_19_exactly_24_hours_is_in_time() {
    let c = Case::new()
        .measure(
            "M1",
            &[
                ("emergency", "是"),
                ("approval_time", "2024-03-02 10:00:00"),
            ],
        )
        .measure(
            "M2",
            &[
                ("emergency", "是"),
                ("approval_time", "2024-03-02 10:00:01"),
            ],
        )
        .measure("M3", &[("emergency", "是"), ("approval_time", "")])
        .measure(
            "M4",
            &[("emergency", ""), ("approval_time", "2024-03-01 12:00")],
        )
        .measure(
            "M5",
            &[("emergency", ""), ("approval_time", "2024-03-05 12:00")],
        )
        .measure("M6", &[("emergency", "否"), ("approval_time", "")]);
    expect(c.run("XQZ-19").await, &[("M2", H), ("M3", H), ("M5", I)]);
}

#[tokio::test]
async fn xqz_25_thirty_and_thirty_plus_thirty_days() {
    let c = Case::new()
        // 2024-03-01 + 30 = 2024-03-31
        .measure("M1", &[("release_date", "2024-03-31")])
        .measure("M2", &[("release_date", "2024-04-01")])
        .measure(
            "M3",
            &[
                ("release_date", "2024-04-30"),
                ("extended", "是"),
                ("extension_days", "30"),
            ],
        )
        .measure(
            "M4",
            &[
                ("release_date", "2024-05-01"),
                ("extended", "是"),
                ("extension_days", "30"),
            ],
        )
        .measure(
            "M5",
            &[
                ("release_date", "2024-03-10"),
                ("extended", "是"),
                ("extension_days", "31"),
            ],
        )
        .measure(
            "M6",
            &[("release_date", "2024-04-05"), ("appraisal_days", "5")],
        )
        .measure(
            "M7",
            &[
                ("release_date", "2024-04-05"),
                ("extended", "是"),
                ("extension_days", ""),
            ],
        )
        .measure("M8", &[("release_date", "")])
        .measure("M9", &[("release_date", "2024-04-05"), ("extended", "")]);
    expect(
        c.run("XQZ-25").await,
        &[
            ("M2", H),
            ("M4", H),
            ("M5", H),
            ("M7", I),
            ("M8", H),
            ("M9", I),
        ],
    );
}

#[tokio::test]
async fn xqz_26_and_dyt_62_storage_fees() {
    let c = Case::new()
        .measure("M1", &[("storage_fee_yuan", "200")])
        .measure("M2", &[("storage_fee_yuan", "")])
        .measure("M3", &[("storage_fee_yuan", "0")])
        .measure(
            "M4",
            &[
                ("agency", POLICE),
                ("measure_type", "扣留车辆"),
                ("storage_fee_yuan", "100"),
            ],
        )
        .measure(
            "M5",
            &[("measure_type", "扣押物品"), ("storage_fee_yuan", "100")],
        );
    expect(
        c.run("XQZ-26").await,
        &[("M1", H), ("M2", I), ("M4", H), ("M5", H)],
    );
    expect(c.run("DYT-62").await, &[("M1", H), ("M2", I)]);
}

#[tokio::test]
async fn xcf_51_exactly_the_limit_is_lawful() {
    let simple = [("procedure", "简易"), ("filing_date", "")];
    let c = Case::new()
        .case("C1", &[simple[0], simple[1], ("fine_yuan", "200")])
        .case("C2", &[simple[0], simple[1], ("fine_yuan", "200.01")])
        .case(
            "C3",
            &[
                simple[0],
                simple[1],
                ("party_type", "单位"),
                ("fine_yuan", "3000"),
            ],
        )
        .case(
            "C4",
            &[
                simple[0],
                simple[1],
                ("party_type", "单位"),
                ("fine_yuan", "3,001元"),
            ],
        )
        .case("C5", &[simple[0], simple[1], ("fine_yuan", "")])
        .case(
            "C6",
            &[
                simple[0],
                simple[1],
                ("fine_yuan", ""),
                ("penalty_kinds", "警告"),
            ],
        )
        .case("C7", &[("fine_yuan", "50000")]);
    expect(c.run("XCF-51").await, &[("C2", H), ("C4", H), ("C5", I)]);
}

#[tokio::test]
async fn xcf_44_prior_notice() {
    let c = Case::new()
        .case("C1", &[("notice_given", "否")])
        .case("C2", &[("notice_date", "2024-03-21")])
        .case("C3", &[("notice_date", "2024-03-20")])
        .case(
            "C4",
            &[
                ("notice_given", "否"),
                ("penalty_kinds", "警告"),
                ("fine_yuan", ""),
            ],
        )
        .case("C5", &[("notice_given", "")])
        .case(
            "C6",
            &[
                ("notice_given", "否"),
                ("procedure", "简易"),
                ("fine_yuan", "100"),
            ],
        );
    expect(c.run("XCF-44").await, &[("C1", H), ("C2", H), ("C5", I)]);
}

#[tokio::test]
async fn xcf_60_ninety_days() {
    let c = Case::new()
        // 2024-01-01 + 90 = 2024-03-31
        .case(
            "C1",
            &[
                ("filing_date", "2024-01-01"),
                ("decision_date", "2024-03-31"),
            ],
        )
        .case(
            "C2",
            &[
                ("filing_date", "2024-01-01"),
                ("decision_date", "2024-04-01"),
            ],
        )
        .case(
            "C3",
            &[
                ("filing_date", "2024-01-01"),
                ("decision_date", "2024-04-01"),
                ("extension_approved", "是"),
            ],
        )
        .case(
            "C4",
            &[
                ("filing_date", "2024-01-01"),
                ("decision_date", "2024-04-01"),
                ("extension_approved", ""),
            ],
        )
        .case(
            "C5",
            &[
                ("filing_date", "2024-01-01"),
                ("decision_date", "2024-03-01"),
                ("extension_approved", ""),
            ],
        );
    expect(c.run("XCF-60").await, &[("C2", H), ("C4", I)]);
}

#[tokio::test]
async fn xcf_61_seventh_working_day_across_holidays() {
    let c = Case::new()
        // 2024-09-30 (Mon) decision; 10-01..07 国庆, 09-29 and 10-12 make-up Saturdays:
        // working days after: 10-08 (1), 09 (2), 10 (3), 11 (4), 12 Sat make-up (5), 14 (6), 15 (7).
        .case(
            "C1",
            &[
                ("violation_date", "2024-09-01"),
                ("decision_date", "2024-09-30"),
                ("delivery_date", "2024-10-15"),
            ],
        )
        .case(
            "C2",
            &[
                ("violation_date", "2024-09-01"),
                ("decision_date", "2024-09-30"),
                ("delivery_date", "2024-10-16"),
            ],
        )
        .case(
            "C3",
            &[("decision_date", "2024-03-20"), ("delivery_date", "")],
        )
        .case(
            "C4",
            &[
                ("decision_date", "2024-03-20"),
                ("delivery_date", "2024-04-20"),
                ("delivery_method", "当场"),
            ],
        )
        .case(
            "C5",
            &[
                ("decision_date", "2024-03-20"),
                ("delivery_date", "2024-04-20"),
                ("delivery_method", ""),
            ],
        )
        .case(
            "C6",
            &[
                ("decision_date", "2024-03-20"),
                ("delivery_date", "2024-03-21"),
                ("delivery_method", ""),
            ],
        );
    expect(c.run("XCF-61").await, &[("C2", H), ("C3", I), ("C5", I)]);

    // 春节 2024: 02-10..17 off, 02-18 (Sun) a make-up workday. Decision 02-07 (Wed):
    // 08 (1), 09 (2), 18 Sun (3), 19 (4), 20 (5), 21 (6), 22 (7).
    let early = [
        ("violation_date", "2024-01-10"),
        ("filing_date", "2024-01-11"),
        ("notice_date", "2024-01-20"),
    ];
    let c = Case::new()
        .case(
            "C1",
            &[
                early[0],
                early[1],
                early[2],
                ("decision_date", "2024-02-07"),
                ("delivery_date", "2024-02-22"),
            ],
        )
        .case(
            "C2",
            &[
                early[0],
                early[1],
                early[2],
                ("decision_date", "2024-02-07"),
                ("delivery_date", "2024-02-23"),
            ],
        );
    expect(c.run("XCF-61").await, &[("C2", H)]);
}

#[tokio::test]
async fn xcf_63_hearing_thresholds_per_agency_kind() {
    let c = Case::new()
        .case(
            "C1",
            &[
                ("agency", POLICE),
                ("fine_yuan", "2000"),
                ("hearing_notified", "否"),
            ],
        )
        .case(
            "C2",
            &[
                ("agency", POLICE),
                ("fine_yuan", "1999.99"),
                ("hearing_notified", "否"),
            ],
        )
        .case("C3", &[("fine_yuan", "9999"), ("hearing_notified", "否")])
        .case("C4", &[("fine_yuan", "10000"), ("hearing_notified", "否")])
        .case(
            "C5",
            &[
                ("penalty_kinds", "吊销许可证件"),
                ("fine_yuan", ""),
                ("hearing_notified", "否"),
            ],
        )
        .case("C6", &[("fine_yuan", "20000"), ("hearing_notified", "")])
        .case(
            "C7",
            &[
                ("party_type", "单位"),
                ("fine_yuan", "99999"),
                ("hearing_notified", "否"),
            ],
        )
        .case(
            "C8",
            &[
                ("agency", POLICE),
                ("party_type", "单位"),
                ("fine_yuan", "10000"),
                ("hearing_notified", "否"),
            ],
        );
    expect(
        c.run("XCF-63").await,
        &[("C1", H), ("C4", H), ("C5", H), ("C6", I), ("C8", H)],
    );
}

#[tokio::test]
async fn xcf_58_legal_review() {
    let c = Case::new()
        .case("C1", &[("legal_review", "否"), ("fine_yuan", "50000")])
        .case("C2", &[("legal_review", "否"), ("fine_yuan", "49999")])
        .case("C3", &[("legal_review", "否"), ("hearing_requested", "是")])
        .case(
            "C4",
            &[("legal_review", "否"), ("penalty_kinds", "责令停业")],
        )
        .case("C5", &[("legal_review", ""), ("fine_yuan", "60000")])
        .case("C6", &[("legal_review", "否"), ("hearing_requested", "")])
        .case(
            "C7",
            &[
                ("legal_review", "否"),
                ("party_type", "单位"),
                ("fine_yuan", "199999"),
            ],
        );
    expect(
        c.run("XCF-58").await,
        &[("C1", H), ("C3", H), ("C4", H), ("C5", I), ("C6", I)],
    );
}

#[tokio::test]
async fn xcf_68_on_the_spot_collection() {
    let simple = ("procedure", "简易");
    let c = Case::new()
        .case(
            "C1",
            &[
                simple,
                ("fine_yuan", "100"),
                ("collection_method", "当场收缴"),
            ],
        )
        .case(
            "C2",
            &[
                simple,
                ("fine_yuan", "150"),
                ("collection_method", "当场收缴"),
            ],
        )
        .case(
            "C3",
            &[simple, ("fine_yuan", "150"), ("collection_method", "")],
        )
        .case(
            "C4",
            &[("fine_yuan", "500"), ("collection_method", "当场收缴")],
        );
    expect(c.run("XCF-68").await, &[("C2", H), ("C3", I), ("C4", H)]);
}

#[tokio::test]
async fn xcf_36_two_years_and_leap_day() {
    let c = Case::new()
        .case(
            "C1",
            &[
                ("violation_date", "2022-03-01"),
                ("filing_date", "2024-03-01"),
                ("decision_date", "2024-03-20"),
            ],
        )
        .case(
            "C2",
            &[
                ("violation_date", "2022-03-01"),
                ("filing_date", "2024-03-02"),
                ("decision_date", "2024-03-20"),
            ],
        )
        .case(
            "C3",
            &[
                ("violation_date", "2020-02-29"),
                ("filing_date", "2022-02-28"),
                ("decision_date", "2022-03-20"),
            ],
        )
        .case(
            "C4",
            &[
                ("violation_date", "2020-02-29"),
                ("filing_date", "2022-03-01"),
                ("decision_date", "2022-03-20"),
            ],
        )
        .case(
            "C5",
            &[
                ("procedure", "简易"),
                ("filing_date", ""),
                ("fine_yuan", "100"),
            ],
        );
    expect(c.run("XCF-36").await, &[("C2", H), ("C4", H)]);
}

#[tokio::test]
async fn dyt_63_range_by_law_version() {
    let c = Case::new()
        // 2023 text, 普货, no gain: 3,000–50,000 counts as lawful
        .case(
            "C1",
            &[("violation_date", "2023-07-20"), ("fine_yuan", "3000")],
        )
        .case(
            "C2",
            &[("violation_date", "2023-07-20"), ("fine_yuan", "2999")],
        )
        .case(
            "C3",
            &[("violation_date", "2023-07-20"), ("fine_yuan", "50000")],
        )
        .case(
            "C4",
            &[("violation_date", "2023-07-20"), ("fine_yuan", "50001")],
        )
        // the day before the cut-over: old text, 30,000–100,000
        .case(
            "C5",
            &[
                ("violation_date", "2023-07-19"),
                ("fine_yuan", "5000"),
                ("decision_date", "2023-08-20"),
                ("filing_date", "2023-07-20"),
                ("notice_date", "2023-08-01"),
            ],
        )
        .case(
            "C6",
            &[
                ("violation_date", "2023-07-19"),
                ("fine_yuan", "30000"),
                ("decision_date", "2023-08-20"),
                ("filing_date", "2023-07-20"),
                ("notice_date", "2023-08-01"),
            ],
        )
        // gain > 10,000 (普货): 1–5 ×
        .case(
            "C7",
            &[("illegal_gain_yuan", "10001"), ("fine_yuan", "10001")],
        )
        .case(
            "C8",
            &[("illegal_gain_yuan", "10001"), ("fine_yuan", "50006")],
        )
        // 客运 and 危货
        .case(
            "C9",
            &[("transport_category", "客运"), ("fine_yuan", "9999")],
        )
        .case(
            "C10",
            &[
                ("transport_category", "危货"),
                ("illegal_gain_yuan", "20001"),
                ("fine_yuan", "40002"),
            ],
        )
        .case("C11", &[("illegal_gain_yuan", ""), ("fine_yuan", "5000")])
        .case("C12", &[("transport_category", ""), ("fine_yuan", "5000")])
        .case("C13", &[("violation_type", "超限运输"), ("fine_yuan", "1")]);
    expect(
        c.run("DYT-63-RANGE").await,
        &[
            ("C11", I),
            ("C12", I),
            ("C2", H),
            ("C4", H),
            ("C5", H),
            ("C8", H),
            ("C9", H),
        ],
    );
    let hits = c.hits("DYT-63-RANGE").await;
    let c5 = hits.iter().find(|h| h.record_key == "C5").unwrap();
    assert!(c5.explanation.contains("2022年修订"), "{}", c5.explanation);
    let c4 = hits.iter().find(|h| h.record_key == "C4").unwrap();
    assert!(
        c4.explanation.contains("2023年修订") && c4.explanation.contains("50001"),
        "{}",
        c4.explanation
    );
}

#[tokio::test]
async fn permit_held_compares_canonical_plates_inclusively() {
    let c = Case::new()
        .permit("京A12345", &[("valid_to", "2024-03-01")])
        .permit("京B00001", &[("permit_type", "出租汽车运输证")])
        .permit("京C00001", &[("valid_to", "2024-02-29")])
        .case("C1", &[("plate", "京Ａ·12345")])
        .case("C2", &[("plate", "京B00001")])
        .case("C3", &[("plate", "京C00001")])
        .case("C4", &[("plate", "")])
        .case(
            "C5",
            &[("plate", "京A12345"), ("violation_type", "超限运输")],
        );
    expect(c.run("PERMIT-HELD").await, &[("C1", H), ("C4", I)]);
}

#[tokio::test]
async fn repeat_overload_third_fine_within_thirty_days() {
    let ov = ("violation_type", "超限运输");
    let c = Case::new()
        .case(
            "C1",
            &[ov, ("plate", "豫A1"), ("decision_date", "2024-03-01")],
        )
        .case(
            "C2",
            &[ov, ("plate", "豫A1"), ("decision_date", "2024-03-15")],
        )
        .case(
            "C3",
            &[ov, ("plate", "豫A1"), ("decision_date", "2024-03-31")],
        )
        .case(
            "C4",
            &[ov, ("plate", "豫B2"), ("decision_date", "2024-03-01")],
        )
        .case(
            "C5",
            &[ov, ("plate", "豫B2"), ("decision_date", "2024-03-15")],
        )
        .case(
            "C6",
            &[ov, ("plate", "豫B2"), ("decision_date", "2024-04-01")],
        )
        .case(
            "C7",
            &[ov, ("plate", "豫C3"), ("decision_date", "2024-03-01")],
        )
        .case(
            "C8",
            &[
                ov,
                ("plate", "豫C3"),
                ("decision_date", "2024-03-02"),
                ("agency", POLICE),
            ],
        )
        .case(
            "C9",
            &[ov, ("plate", "豫C3"), ("decision_date", "2024-03-03")],
        );
    expect(c.run("REPEAT-OVERLOAD").await, &[("豫A1", H)]);
    // the explanation carries the agency's own count of fines for the plate
    let e = c.explanation("REPEAT-OVERLOAD", "豫A1").await;
    assert!(e.contains("该机关对该车共有3起罚款案件"), "{e}");
}

#[tokio::test]
async fn month_end_spike_needs_a_hundred_decisions() {
    let mut c = Case::new().with_default_officers();
    // Z001 with Z002: 100 cases, 40 on the 29th–31st; Z003 alone: 100 cases, none.
    let keys: Vec<&'static str> = (0..200)
        .map(|i| &*Box::leak(format!("K{i:03}").into_boxed_str()))
        .collect();
    for (i, k) in keys.iter().enumerate() {
        let date: &'static str = if i < 40 { "2024-03-30" } else { "2024-03-10" };
        // Z001 listed twice on the month-end cases: still one decision each
        let officers = match i {
            0..40 => "Z001;Z002;Z001",
            40..100 => "Z001;Z002",
            _ => "Z003",
        };
        c = c.case(
            k,
            &[
                ("decision_date", date),
                ("officers", officers),
                ("notice_date", "2024-03-05"),
            ],
        );
    }
    // overall share: 80 / 300 pairs; Z001: 40/100 = 0.4 ≤ 2 × 0.267 → no hit.
    expect(c.run("MONTH-END-SPIKE").await, &[]);
    // With Z003's cases spread out, shares drop: 40 of Z001's out of 300 pairs → still no hit,
    // so add 200 more quiet cases for Z004.
    for i in 0..200 {
        let k: &'static str = Box::leak(format!("Q{i:03}").into_boxed_str());
        c = c.case(
            k,
            &[
                ("decision_date", "2024-03-10"),
                ("officers", "Z004"),
                ("notice_date", "2024-03-05"),
            ],
        );
    }
    // overall 80/500 = 0.16; Z001 and Z002 at 0.4 > 0.32 → both fire.
    expect(c.run("MONTH-END-SPIKE").await, &[("Z001", H), ("Z002", H)]);
    let e = c.explanation("MONTH-END-SPIKE", "Z001").await;
    assert!(e.contains("参与作出的100件处罚决定中，40件在月末"), "{e}");
}

#[tokio::test]
async fn screening_is_deterministic_and_reports_calendar_gaps() {
    let c = Case::new()
        .case(
            "C1",
            &[
                ("violation_date", "2027-01-04"),
                ("filing_date", "2027-01-05"),
                ("notice_date", "2027-01-06"),
                ("decision_date", "2027-01-08"),
                ("delivery_date", "2027-02-01"),
            ],
        )
        .measure("M1", &[("decision_delivered_on_site", "否")]);
    let rules = rule::load(None).unwrap();
    let mut inputs = Inputs {
        agencies: agencies(),
        ..Default::default()
    };
    for (t, rows) in &c.tables {
        inputs.batches.insert(*t, vec![batch(*t, rows)]);
    }
    let engine = Engine::new(WorkCalendar::default_cn());
    let a = engine
        .screen(&rules, &inputs, c.as_of, |_, _| {})
        .await
        .unwrap();
    let b = engine
        .screen(&rules, &inputs, c.as_of, |_, _| {})
        .await
        .unwrap();
    assert_eq!(a.hits, b.hits);
    assert_eq!(a.counts.len(), rules.len());
    let x61 = a.hits.iter().find(|h| h.rule_id == "XCF-61").unwrap();
    assert_eq!(x61.outcome, I);
    assert!(
        a.warnings.iter().any(|w| w.contains("2027")),
        "{:?}",
        a.warnings
    );
}
