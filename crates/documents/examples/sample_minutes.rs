//! Writes sample minutes to the path given, to look at the layout in a word
//! processor: `cargo run -p xingjian-documents --example sample_minutes -- /tmp/m.docx`.

use xingjian_documents::{MinutesAttendee, MinutesDoc, MinutesFollowUp, minutes_docx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: sample_minutes OUT.docx")?;
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
    std::fs::write(&path, minutes_docx(&doc)?)?;
    println!("{path}");
    Ok(())
}
