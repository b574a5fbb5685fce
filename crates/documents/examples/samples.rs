//! Writes sample minutes, a recommendation letter and its receipt into the
//! folder given, to look at the layout in a word processor:
//! `cargo run -p xingjian-documents --example samples -- /tmp/samples`.

use xingjian_documents::{
    LetterDoc, MinutesAttendee, MinutesDoc, MinutesFollowUp, ReceiptDoc, letter_docx, minutes_docx,
    receipt_docx,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: samples DIR")?);
    std::fs::create_dir_all(&dir)?;
    let person = |unit: &str, name: &str, position: &str| MinutesAttendee {
        unit: unit.into(),
        name: name.into(),
        position: position.into(),
    };
    let doc = MinutesDoc {
        office: "上街区人民检察院".into(),
        kind: "座谈会".into(),
        title: "交通运输执法领域行政检察监督座谈会".into(),
        held_on: "2023-04-12".into(),
        place: "本院第一会议室".into(),
        attendees: vec![
            person("本院", "张某某", "检察长"),
            person("本院", "李某某", "分管检察长"),
            person("区交通运输局", "王某某", "副局长"),
            person("区公安局", "赵某某", "交警大队大队长"),
            person("区司法局", "孙某某", "执法监督科科长"),
        ],
        agenda: "交流道路交通安全和运输执法领域执法难点、堵点\n研究建立行政检察与行政执法衔接机制".into(),
        minutes: "会上，区交通运输局通报了社会车辆非法营运、网约车监管、货车超限超载整治情况；区公安局介绍了道路交通安全执法情况；本院通报了专项监督活动开展情况及发现的问题。\n与会各方围绕执法中的重点、难点、堵点问题进行了深入交流。".repeat(3),
        consensus: vec![
            "各单位确定联络员，负责信息交换、沟通协调、重大案件通报等工作".into(),
            "定期召开联席会议，原则上每年召开一次".into(),
            "构建信息共享、案情通报、线索移送的跨部门衔接协作机制".into(),
        ],
        follow_ups: vec![MinutesFollowUp {
            title: "起草《关于加强行政检察与交通运输行政执法衔接工作的意见》".into(),
            owner: "李某某".into(),
            due_on: "2023-05-31".into(),
        }],
    };
    std::fs::write(dir.join("minutes.docx"), minutes_docx(&doc)?)?;
    let letter = LetterDoc {
        office: "上街区人民检察院".into(),
        doc_number: "上检行建〔2023〕1号".into(),
        recipients: vec!["上街区交通运输局".into()],
        title: "关于规范扣押车辆行政强制措施的检察建议".into(),
        source: "本院在开展服务和保障道路交通安全和运输执法领域专项监督活动中，经调取执法卷宗 56 件逐案评查发现。".into(),
        facts: "经审查查明：2023 年你局在查处社会车辆非法营运案件中，有 4 件案件扣押车辆时未当场交付《行政强制措施决定书》，现场笔录记录不全。\n上述事实有执法卷宗、询问笔录等证据证实。".into(),
        problems: "你局存在执法不规范问题，不符合《中华人民共和国行政强制法》第十八条、第二十四条的规定。".into(),
        items: vec![
            "严格执行行政强制措施程序，扣押车辆时当场交付决定书和清单".into(),
            "规范现场笔录制作，完整记录执法过程".into(),
            "开展以案促改警示教育，加强执法人员培训".into(),
        ],
        reply_clause: "请你单位自收到本检察建议书之日起两个月以内将办理情况书面回复本院。".into(),
        cc: "上街区司法局".into(),
        issued_on: "2023-06-20".into(),
    };
    std::fs::write(dir.join("letter.docx"), letter_docx(&letter)?)?;
    let receipt = ReceiptDoc {
        office: letter.office.clone(),
        doc_number: letter.doc_number.clone(),
        title: letter.title.clone(),
        recipient: "上街区交通运输局".into(),
        delivered_on: "2023-06-21".into(),
        mode: "公开宣告送达".into(),
        place: "上街区交通运输局会议室".into(),
        received_by: "王某某".into(),
    };
    std::fs::write(dir.join("receipt.docx"), receipt_docx(&receipt)?)?;
    println!("{}", dir.display());
    Ok(())
}
