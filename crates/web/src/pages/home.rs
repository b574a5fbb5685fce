//! The home page: the user's open work.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use xingjian_store::{
    AgencyFilter, ClueFilter, DeadlineFilter, ExchangeFilter, FileRequestFilter, PageRequest,
    TaskFilter,
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    greeting: String,
    /// (label, link) of each open item; empty until workflows land.
    work: Vec<(String, String)>,
    agencies: i64,
    is_internal: bool,
}

pub async fn home(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let agencies = store
        .list_agencies(&AgencyFilter::default(), PageRequest::new(Some(1), Some(1)))
        .await?
        .total;
    let a = who.actor();
    let one = || PageRequest::new(Some(1), Some(1));
    let mut work = Vec::new();
    let unread = store.unread_notifications().await?;
    if unread > 0 {
        work.push((format!("未读消息 {unread} 条"), "/notifications".to_owned()));
    }
    for (view, label) in [("overdue", "已超期"), ("due_soon", "2 个工作日内到期")] {
        let n = store
            .list_deadlines(
                &DeadlineFilter {
                    view: Some(view.into()),
                    subject: None,
                },
                one(),
            )
            .await?
            .total;
        if n > 0 {
            work.push((
                format!("{label}的期限 {n} 项"),
                format!("/deadlines?view={view}"),
            ));
        }
    }
    if store.may_screen() {
        let mine = ClueFilter {
            status: Some("open".into()),
            assignee_id: Some(a.user_id.0),
            ..Default::default()
        };
        let n = store.list_clues(&mine, one()).await?.total;
        if n > 0 {
            work.push((
                format!("我承办的未处置线索 {n} 条"),
                "/clues?status=open".to_owned(),
            ));
        }
        let new = ClueFilter {
            status: Some("new".into()),
            ..Default::default()
        };
        let n = store.list_clues(&new, one()).await?.total;
        if n > 0 {
            work.push((format!("待分流线索 {n} 条"), "/clues?status=new".to_owned()));
        }
        let tasks = TaskFilter {
            view: Some("mine".into()),
            campaign_id: None,
        };
        let n = store.list_tasks(&tasks, one()).await?.total;
        if n > 0 {
            work.push((
                format!("我负责的监督任务 {n} 项"),
                "/tasks?view=mine".to_owned(),
            ));
        }
    }
    // Recommendations waiting on the user: approval for leaders, a reply for liaisons.
    let waiting_on = match a.role {
        xingjian_domain::Role::Chief | xingjian_domain::Role::DeputyChief => {
            Some(("pending_approval", "待审批的检察建议"))
        }
        xingjian_domain::Role::Liaison => Some(("delivered", "待书面回复的检察建议")),
        _ => None,
    };
    if let Some((status, label)) = waiting_on {
        let f = xingjian_store::RecommendationFilter {
            status: Some(status.into()),
            ..Default::default()
        };
        let n = store.list_recommendations(&f, one()).await?.total;
        if n > 0 {
            work.push((
                format!("{label} {n} 件"),
                format!("/recommendations?status={status}"),
            ));
        }
    }
    // Exchanges waiting for the user's side to sign for them.
    let direction = if a.role.is_internal() {
        "inbound"
    } else {
        "outbound"
    };
    let waiting = ExchangeFilter {
        direction: Some(direction.into()),
        status: Some("sent".into()),
        ..Default::default()
    };
    let n = store.list_exchanges(&waiting, one()).await?.total;
    if n > 0 {
        work.push((
            format!("待签收的信息交流 {n} 件"),
            format!("/exchanges?direction={direction}&status=sent"),
        ));
    }
    let open_requests = store
        .list_file_requests(
            &FileRequestFilter {
                status: Some("open".into()),
                ..Default::default()
            },
            one(),
        )
        .await?
        .total;
    if open_requests > 0 {
        work.push((
            format!("待答复的调取卷宗 {open_requests} 件"),
            "/file-requests?status=open".to_owned(),
        ));
    }
    render(&HomePage {
        greeting: format!("{}，您好。您的身份是{}。", a.display_name, a.role.label()),
        work,
        agencies,
        is_internal: a.role.is_internal(),
        l: Layout::new("工作台", &state.settings.office_name, "home", &who),
    })
}
