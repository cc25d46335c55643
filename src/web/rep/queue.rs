//! A rep's queue: overdue first, then by deadline, then referrals already in contact.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::referrals::status_label;
use crate::db::routing;
use crate::error::AppError;
use crate::stages::human_duration;
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

pub struct QueueItem {
    pub id: i64,
    pub prospect: String,
    pub company: String,
    pub status: String,
    pub status_label: String,
    pub score: Option<i32>,
    pub due: String,
    /// "2 h 10 m left", "overdue by 35 m", or "contacted".
    pub clock: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "rep/workspace.html")]
pub struct WorkspacePage {
    ctx: PageCtx,
    items: Vec<QueueItem>,
    overdue: usize,
}

pub async fn show_queue(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let rep_id = user.id;
    let rows = state
        .db(move |conn| Ok(routing::rep_queue(conn, rep_id, 200)?))
        .await?;
    let now = state.now().naive_utc();
    let mut items: Vec<QueueItem> = rows
        .into_iter()
        .map(|r| {
            let waiting = r.first_contacted_at.is_none();
            let (clock, overdue) = match (waiting, r.first_contact_due_at) {
                (true, Some(due)) if due <= now => {
                    (format!("overdue by {}", human_duration(now - due)), true)
                }
                (true, Some(due)) => (format!("{} left", human_duration(due - now)), false),
                (true, None) => ("no deadline".into(), false),
                (false, _) => ("contacted".into(), false),
            };
            QueueItem {
                id: r.id,
                prospect: format!("{} {}", r.first_name, r.last_name),
                company: r.company,
                status_label: status_label(&r.status).to_owned(),
                status: r.status,
                score: r.score,
                due: r
                    .first_contact_due_at
                    .map(|d| local(d, &user.time_zone))
                    .unwrap_or_default(),
                clock,
                overdue,
            }
        })
        .collect();
    // Waiting for first contact comes first (the query already orders by deadline).
    items.sort_by_key(|i| i.clock == "contacted");
    let overdue = items.iter().filter(|i| i.overdue).count();
    html(&WorkspacePage {
        ctx,
        items,
        overdue,
    })
}
