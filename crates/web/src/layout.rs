//! What every page shares: the header, navigation, the CSRF token, paging.

use crate::auth::Authed;
use askama::Template;
use xingjian_domain::Actor;

/// The logged-in user as the header shows them.
pub struct Badge {
    pub name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub can_audit: bool,
    pub is_internal: bool,
}

impl Badge {
    fn of(a: &Actor) -> Self {
        Self {
            name: a.display_name.clone(),
            role: a.role.label(),
            is_admin: a.can_administer(),
            can_audit: a.can_read_audit(),
            is_internal: a.role.is_internal(),
        }
    }
}

/// Every page's frame.
pub struct Layout {
    pub title: String,
    pub office: String,
    pub user: Option<Badge>,
    pub csrf: String,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// A one-line notice after a successful action (from a fixed list).
    pub notice: Option<&'static str>,
}

impl Layout {
    pub fn new(title: impl Into<String>, office: &str, nav: &'static str, who: &Authed) -> Self {
        Self {
            title: title.into(),
            office: office.to_owned(),
            user: Some(Badge::of(who.actor())),
            csrf: who.session.csrf_token.clone(),
            nav,
            notice: None,
        }
    }

    pub fn anonymous(title: &str, office: &str, csrf: String) -> Self {
        Self {
            title: title.to_owned(),
            office: office.to_owned(),
            user: None,
            csrf,
            nav: "",
            notice: None,
        }
    }

    /// Notices are chosen by code, so a URL cannot put text on the page.
    pub fn notice(mut self, code: Option<&str>) -> Self {
        self.notice = match code {
            Some("created") => Some("已创建。"),
            Some("saved") => Some("已保存。"),
            Some("password") => Some("密码已重置，该账号的全部会话已注销。"),
            Some("password_changed") => Some("密码已修改，请用新密码重新登录。"),
            Some("imported") => Some("已导入。"),
            Some("duplicate") => Some("该文件与已导入的文件完全相同，未重复导入。"),
            _ => None,
        };
        self
    }
}

/// Previous/next links for a list, keeping its filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// The count, or "10000 以上" ("1000 以上" for a text search) for very long lists.
    pub total: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `query` is the list's filter query string without `page`.
    pub fn new<T>(p: &xingjian_store::Page<T>, base: &str, query: &str) -> Self {
        let href = |n: i64| {
            if query.is_empty() {
                format!("{base}?page={n}")
            } else {
                format!("{base}?{query}&page={n}")
            }
        };
        Self {
            page: p.page,
            pages: p.pages(),
            total: p.total_label(),
            prev: (p.page > 1).then(|| href(p.page - 1)),
            next: (p.page < p.pages()).then(|| href(p.page + 1)),
        }
    }
}

/// Build a query string from filter pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", crate::auth::urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: String,
}

/// A stored UTC timestamp shown in Beijing time, to the minute.
pub fn when(stored: &str) -> String {
    let (Ok(t), Some(beijing)) = (
        chrono::DateTime::parse_from_rfc3339(stored),
        chrono::FixedOffset::east_opt(8 * 3600),
    ) else {
        return stored.to_owned();
    };
    t.with_timezone(&beijing)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The Chinese name of an audit action; the code itself is shown beside it.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "session.login" => "登录",
        "session.login_failed" => "登录失败",
        "session.login_throttled" => "登录受限",
        "session.logout" => "退出登录",
        "agency.create" => "登记行政机关",
        "agency.update" => "修改行政机关",
        "user.create" => "新建账号",
        "user.update" => "修改账号",
        "user.reset_password" => "重置密码",
        "user.change_password" => "修改密码",
        "access.denied" => "越权访问被拒绝",
        "import.create" => "导入执法记录",
        "agency.auto_register" => "导入时登记机关",
        "csrf.rejected" => "请求校验失败",
        "clue.create" => "登记线索",
        "clue.triage" => "线索分流处置",
        "clue.reply" => "答复反映人",
        "personal_data.view" => "查看个人信息",
        "field_visit.create" => "登记实地走访",
        "file_request.create" => "调取卷宗",
        "file_request.acknowledge" => "签收调取函",
        "file_request.answer" => "答复调取函",
        "file_request.close" => "办结调取函",
        "case.create" => "受理监督案件",
        "case.transition" => "办案阶段变更",
        "case.dispute" => "记录争议化解",
        "inquiry.create" => "记录询问笔录",
        "evidence.create" => "登记证据",
        "deadline.pause" => "暂停期限",
        "deadline.resume" => "恢复期限",
        "deadline.extend" => "延长期限",
        "review.create" => "建立评查批次",
        "review.assign" => "分配评查人",
        "review.decide" => "确认或排除筛查提示",
        "review.finding" => "添加评查意见",
        "review.complete" => "卷宗评查完毕",
        "attachment.create" => "上传附件",
        "campaign.create" => "建立专项活动",
        "campaign.update" => "修改专项活动",
        "task.create" => "布置监督任务",
        "task.update" => "推进监督任务",
        "exchange.create" => "发出协作事项",
        "exchange.acknowledge" => "签收协作事项",
        "exchange.respond" => "反馈协作事项",
        "exchange.register_clue" => "移送线索登记受理",
        "exchange.close" => "办结协作事项",
        "meeting.create" => "记录会议",
        "meeting.update" => "修改会议记录",
        "agreement.create" => "登记协作协议",
        "agreement.update" => "补充协议义务",
        "user.contact" => "修改联系方式",
        "recommendation.create" => "起草检察建议",
        "recommendation.revise" => "修改检察建议",
        "recommendation.share" => "提前沟通",
        "recommendation.views" => "被建议单位提出意见",
        "recommendation.submit" => "提请审批",
        "recommendation.approve" => "审批检察建议",
        "recommendation.deliver" => "送达检察建议",
        "recommendation.opinion" => "人民监督员意见",
        "recommendation.reply" => "被建议单位回复",
        "recommendation.measure" => "登记整改措施",
        "recommendation.outcome" => "认定采纳情况",
        "recommendation.close" => "检察建议办结",
        "recommendation.joint_action" => "登记联合执法行动",
        _ => "",
    }
}

/// The Chinese name of an audited entity.
pub fn entity_label(entity: &str) -> &'static str {
    match entity {
        "agency" => "行政机关",
        "user" => "账号",
        "session" => "会话",
        "route" => "页面",
        "import" => "导入",
        "request" => "请求",
        "clue" => "线索",
        "case" => "监督案件",
        "field_visit" => "实地走访",
        "file_request" => "调取卷宗",
        "deadline" => "期限",
        "review" => "逐案评查",
        "review_file" => "评查卷宗",
        "attachment" => "附件",
        "campaign" => "专项活动",
        "task" => "监督任务",
        "exchange" => "协作事项",
        "meeting" => "会议",
        "agreement" => "协作协议",
        "recommendation" => "检察建议",
        _ => "",
    }
}

/// The Chinese name of a contract table.
pub fn table_label(code: &str) -> &'static str {
    match code {
        "penalty_cases" => "行政处罚案件",
        "compulsory_measures" => "行政强制措施",
        "officers" => "执法人员",
        "vehicle_permits" => "车辆许可",
        _ => "",
    }
}
