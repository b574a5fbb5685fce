//! The planted scenarios: each case or measure scenario writes its rows and
//! the labels a correct screening gives for them.

use super::{Gen, POLICE, Row, TRANSPORT, date, ds, last_days, officer_pair};
use chrono::Duration;

impl Gen {
    /// Planted case scenarios; `k` numbers the occurrence. Returns the rows.
    pub(crate) fn case_scenario(&mut self, s: usize, i: u64) -> Vec<Row> {
        let key = |suffix: &str| format!("S{i:09}{suffix}");
        let mut r = self.clean_case(i);
        let k = key("");
        r.set("案件编号", k.clone())
            .set("违法类型", "超限运输")
            .set("罚款金额", "2000")
            .set("当事人类型", "个人");
        let mut simple = self.clean_simple(i);
        simple.set("案件编号", k.clone());
        let t = "penalty_cases";
        match s {
            0 => {
                simple.set("罚款金额", "200.01");
                self.label("XCF-51", "hit", t, POLICE, &k);
                return vec![simple];
            }
            1 => {
                // exactly the limit for a 单位
                simple.set("当事人类型", "单位").set("罚款金额", "3000");
                return vec![simple];
            }
            2 => {
                r.set("事先告知", "否");
                self.label("XCF-44", "hit", t, TRANSPORT, &k);
            }
            3 => {
                let d = r.get("决定日期").to_owned();
                r.set("告知日期", d);
            }
            4 => {
                let d = date(r.get("决定日期")) + Duration::days(1);
                r.set("告知日期", ds(d));
                self.label("XCF-44", "hit", t, TRANSPORT, &k);
            }
            5..=8 => {
                // 90 days exactly; 91; 91 with approval; 91 with approval unknown
                let filing = date(r.get("立案日期"));
                let days = if s == 5 { 90 } else { 91 };
                let decision = filing + Duration::days(days);
                r.set("决定日期", ds(decision))
                    .set("送达日期", ds(decision))
                    .set("缴款日期", ds(decision + Duration::days(3)));
                if last_days(decision) {
                    // keep MONTH-END-SPIKE clean: shift the whole case
                    let f = filing - Duration::days(4);
                    let d = f + Duration::days(days);
                    r.set("立案日期", ds(f))
                        .set("告知日期", ds(f + Duration::days(2)))
                        .set("违法行为发生日期", ds(f))
                        .set("决定日期", ds(d))
                        .set("送达日期", ds(d));
                }
                match s {
                    6 => self.label("XCF-60", "hit", t, TRANSPORT, &k),
                    7 => {
                        r.set("延期批准", "是");
                    }
                    8 => {
                        r.set("延期批准", "");
                        self.label("XCF-60", "incomplete", t, TRANSPORT, &k);
                    }
                    _ => {}
                }
            }
            9 | 10 => {
                // delivery on the 7th working day (lawful) or the day after
                let decision = date(r.get("决定日期"));
                let due = self.cal.add_working_days(decision, 7).unwrap_or(decision);
                let delivery = if s == 9 { due } else { due + Duration::days(1) };
                r.set("送达方式", "邮寄").set("送达日期", ds(delivery));
                if s == 10 {
                    self.label("XCF-61", "hit", t, TRANSPORT, &k);
                }
            }
            11 | 12 => {
                // 国庆 2024: from 09-27 (Fri) the 7th working day is 10-12, counting the
                // make-up days 09-29 (Sun) and 10-12 (Sat); 春节 2024: from 02-07 it is
                // 02-22, counting the make-up Sunday 02-18.
                let (decision, due) = if s == 11 {
                    ("2024-09-27", "2024-10-12")
                } else {
                    ("2024-02-07", "2024-02-22")
                };
                let v = date(decision) - Duration::days(20);
                r.set("违法行为发生日期", ds(v))
                    .set("立案日期", ds(v))
                    .set("告知日期", ds(v + Duration::days(5)))
                    .set("决定日期", decision)
                    .set("送达方式", "留置");
                if i.is_multiple_of(2) {
                    r.set("送达日期", due);
                } else {
                    r.set("送达日期", ds(date(due) + Duration::days(1)));
                    self.label("XCF-61", "hit", t, TRANSPORT, &k);
                }
            }
            13 => {
                r.set("送达日期", "");
                self.label("XCF-61", "incomplete", t, TRANSPORT, &k);
            }
            14 => {
                r.set("罚款金额", "10000").set("听证告知", "否");
                self.label("XCF-63", "hit", t, TRANSPORT, &k);
            }
            15 => {
                r.set("罚款金额", "9999.99").set("听证告知", "否");
            }
            16 => {
                let v = simple.get("违法行为发生日期").to_owned();
                simple
                    .set("程序类型", "普通")
                    .set("立案日期", v.clone())
                    .set("罚款金额", "2000")
                    .set("听证告知", "否")
                    .set("事先告知", "是")
                    .set("告知日期", v)
                    .set("执法人员", "GA001;GA002")
                    .set("法制审核", "是")
                    .set("申请听证", "否")
                    .set("延期批准", "否");
                self.label("XCF-63", "hit", t, POLICE, &k);
                return vec![simple];
            }
            17 => {
                r.set("罚款金额", "50000").set("法制审核", "否");
                self.label("XCF-58", "hit", t, TRANSPORT, &k);
            }
            18 => {
                r.set("罚款金额", "49999").set("法制审核", "否");
            }
            19 => {
                r.set("处罚种类", "罚款、吊销许可证件")
                    .set("法制审核", "否");
                self.label("XCF-58", "hit", t, TRANSPORT, &k);
            }
            20 => {
                r.set("罚款金额", "20000").set("听证告知", "");
                self.label("XCF-63", "incomplete", t, TRANSPORT, &k);
            }
            21 => {
                simple.set("罚款金额", "100").set("收缴方式", "当场收缴");
                return vec![simple];
            }
            22 => {
                r.set("收缴方式", "当场收缴");
                self.label("XCF-68", "hit", t, TRANSPORT, &k);
            }
            23..=26 => {
                let (v, f) = match s {
                    23 => ("2022-03-01", "2024-03-01"),
                    24 => ("2022-03-01", "2024-03-02"),
                    25 => ("2020-02-29", "2022-02-28"),
                    _ => ("2020-02-29", "2022-03-01"),
                };
                let f = date(f);
                r.set("违法行为发生日期", v)
                    .set("立案日期", ds(f))
                    .set("告知日期", ds(f + Duration::days(5)))
                    .set("决定日期", ds(f + Duration::days(10)))
                    .set("送达日期", ds(f + Duration::days(11)));
                if s == 24 || s == 26 {
                    self.label("XCF-36", "hit", t, TRANSPORT, &k);
                }
            }
            27 => {
                r.set("执法人员", "JT001;JT-AUX");
                self.label("XCF-42", "hit", t, TRANSPORT, &k);
            }
            28 => {
                r.set("执法人员", "JT001;JT-EXPIRED");
                self.label("XCF-42", "hit", t, TRANSPORT, &k);
            }
            29 => {
                r.set("执法人员", "JT001;JT-NOBODY");
                self.label("XCF-42", "incomplete", t, TRANSPORT, &k);
            }
            30..=36 => {
                // 非法营运 fine ranges by law version
                r.set("违法类型", "非法营运").set("罚款金额", "30000");
                let (v, cat, gain, fine, out) = match s {
                    30 => ("2023-07-20", "普货", "0", "50000", None),
                    31 => ("2023-07-20", "普货", "0", "50001", Some("hit")),
                    32 => ("2023-07-19", "普货", "0", "29999", Some("hit")),
                    33 => ("2023-08-01", "客运", "0", "9999", Some("hit")),
                    34 => ("2023-08-01", "普货", "", "5000", Some("incomplete")),
                    35 => ("2023-08-01", "", "0", "5000", Some("incomplete")),
                    _ => ("2023-08-01", "危货", "20001", "40002", None),
                };
                let vd = date(v);
                r.set("违法行为发生日期", v)
                    .set("运输类别", cat)
                    .set("违法所得", gain)
                    .set("罚款金额", fine)
                    .set("立案日期", v)
                    .set("告知日期", ds(vd + Duration::days(5)))
                    .set("决定日期", ds(vd + Duration::days(8)))
                    .set("送达日期", ds(vd + Duration::days(8)));
                if fine == "50000" || fine == "50001" {
                    // 重大 threshold reached: reviewed, as it must be
                    r.set("法制审核", "是");
                }
                if let Some(o) = out {
                    self.label("DYT-63-RANGE", o, t, TRANSPORT, &k);
                }
            }
            37..=40 => {
                let plate = format!("豫H{i:07}");
                let v = date(r.get("违法行为发生日期"));
                r.set(
                    "违法类型",
                    if s.is_multiple_of(2) {
                        "网约车非法经营"
                    } else {
                        "非法营运"
                    },
                )
                .set("罚款金额", "30000")
                .set("车牌号", plate.clone());
                match s {
                    37 => {
                        self.permit(&plate, "网络预约出租汽车运输证", v - Duration::days(300), v);
                        self.label("PERMIT-HELD", "hit", t, TRANSPORT, &k);
                    }
                    38 => self.permit(
                        &plate,
                        "道路运输证",
                        v - Duration::days(300),
                        v - Duration::days(1),
                    ),
                    39 => self.permit(
                        &plate,
                        "出租汽车运输证",
                        v - Duration::days(300),
                        v + Duration::days(30),
                    ),
                    _ => {
                        r.set("车牌号", "");
                        self.label("PERMIT-HELD", "incomplete", t, TRANSPORT, &k);
                    }
                }
            }
            41 | 42 => {
                // three fines for one plate: first and third exactly 30 days apart (fires), or 31
                let plate = format!("豫K{i:07}");
                let offsets = [0, 10, if s == 41 { 30 } else { 31 }];
                let mut first = self.clean_decision(date("2023-01-01"), 0, 900);
                while offsets
                    .iter()
                    .any(|o| last_days(first + Duration::days(*o)))
                {
                    first += Duration::days(1);
                }
                let mut rows = Vec::new();
                for (n, off) in offsets.into_iter().enumerate() {
                    let mut x = self.clean_case(i);
                    let d = first + Duration::days(off);
                    x.set("案件编号", format!("{k}-{n}"))
                        .set("违法类型", "超限运输")
                        .set("罚款金额", "2000")
                        .set("车牌号", plate.clone())
                        .set("违法行为发生日期", ds(d - Duration::days(20)))
                        .set("立案日期", ds(d - Duration::days(20)))
                        .set("告知日期", ds(d - Duration::days(10)))
                        .set("决定日期", ds(d))
                        .set("送达日期", ds(d));
                    rows.push(x);
                }
                if s == 41 {
                    self.label("REPEAT-OVERLOAD", "hit", t, TRANSPORT, &plate);
                }
                return rows;
            }
            _ => {}
        }
        vec![r]
    }

    pub(crate) fn measure_scenario(&mut self, s: usize, i: u64) -> Option<Row> {
        let mut r = self.clean_measure(i);
        let k = format!("SM{i:09}");
        r.set("措施编号", k.clone())
            .set("执法机关", TRANSPORT)
            .set("措施类型", "扣押车辆")
            .set("执法人员", officer_pair(TRANSPORT, i));
        let t = "compulsory_measures";
        let start = date(&r.get("实施时间")[..10]);
        match s {
            0 => {
                r.set("决定书当场交付", "否");
                self.label("XQZ-24-DECISION", "hit", t, TRANSPORT, &k);
            }
            1 => {
                r.set("决定书当场交付", "");
                self.label("XQZ-24-DECISION", "incomplete", t, TRANSPORT, &k);
            }
            2 => {
                r.set("措施类型", "扣押物品").set("清单当场交付", "否");
                self.label("XQZ-24-INVENTORY", "hit", t, TRANSPORT, &k);
            }
            3 => {
                r.set("执法机关", POLICE)
                    .set("措施类型", "扣留驾驶证")
                    .set("清单当场交付", "否")
                    .set("执法人员", "GA001;GA002");
            }
            4 => {
                r.set("措施类型", "查封场所").set("清单当场交付", "");
                self.label("XQZ-24-INVENTORY", "incomplete", t, TRANSPORT, &k);
            }
            5 => {
                r.set("现场笔录", "否");
                self.label("XQZ-18-RECORD", "hit", t, TRANSPORT, &k);
            }
            6 => {
                r.set("当事人签名", "拒签").set("见证人签名", "否");
                self.label("XQZ-18-RECORD", "hit", t, TRANSPORT, &k);
            }
            7 => {
                r.set("当事人签名", "拒签").set("见证人签名", "是");
            }
            8 => {
                r.set("当事人到场", "否")
                    .set("当事人签名", "未签")
                    .set("见证人签名", "是");
            }
            9 => {
                r.set("告知理由依据权利", "否");
                self.label("XQZ-18-RIGHTS", "hit", t, TRANSPORT, &k);
            }
            10 => {
                r.set("执法人员", "JT002;JT-AUX");
                self.label("XQZ-18-OFFICERS", "hit", t, TRANSPORT, &k);
            }
            11 => {
                r.set("执法人员", "JT002;JT-NOBODY");
                self.label("XQZ-18-OFFICERS", "incomplete", t, TRANSPORT, &k);
            }
            12..=14 => {
                let st = format!("{} 09:30:00", ds(start));
                r.set("实施时间", st).set("情况紧急", "是");
                match s {
                    12 => {
                        r.set(
                            "报告批准时间",
                            format!("{} 09:30:00", ds(start + Duration::days(1))),
                        );
                    }
                    13 => {
                        r.set(
                            "报告批准时间",
                            format!("{} 09:30:01", ds(start + Duration::days(1))),
                        );
                        self.label("XQZ-19", "hit", t, TRANSPORT, &k);
                    }
                    _ => {
                        self.label("XQZ-19", "hit", t, TRANSPORT, &k);
                    }
                }
            }
            15..=21 => {
                let (held, extended, ext, appraisal, out) = match s {
                    15 => (30, "否", "", "", None),
                    16 => (31, "否", "", "", Some("hit")),
                    17 => (60, "是", "30", "", None),
                    18 => (61, "是", "30", "", Some("hit")),
                    19 => (20, "是", "31", "", Some("hit")),
                    20 => (35, "否", "", "5", None),
                    _ => (40, "是", "", "", Some("incomplete")),
                };
                r.set("解除日期", ds(start + Duration::days(held)))
                    .set("延长批准", extended)
                    .set("延长天数", ext)
                    .set("检测鉴定天数", appraisal);
                if let Some(o) = out {
                    self.label("XQZ-25", o, t, TRANSPORT, &k);
                }
            }
            22 => {
                // still held on the as-of date
                r.set("实施时间", "2026-01-05 10:00:00").set("解除日期", "");
                self.label("XQZ-25", "hit", t, TRANSPORT, &k);
            }
            23 => {
                r.set("保管费", "300");
                self.label("XQZ-26", "hit", t, TRANSPORT, &k);
                self.label("DYT-62", "hit", t, TRANSPORT, &k);
            }
            24 => {
                r.set("执法机关", POLICE)
                    .set("措施类型", "扣留车辆")
                    .set("保管费", "100")
                    .set("执法人员", "GA001;GA002");
                self.label("XQZ-26", "hit", t, POLICE, &k);
            }
            25 => {
                r.set("保管费", "");
                self.label("XQZ-26", "incomplete", t, TRANSPORT, &k);
                self.label("DYT-62", "incomplete", t, TRANSPORT, &k);
            }
            _ => return None,
        }
        Some(r)
    }
}
