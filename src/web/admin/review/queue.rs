//! The admin's referral queue: every organisation, filtered by status and partner.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::accounts::{self, Organisation};
use crate::db::conflicts;
use crate::db::referrals::{self, ListFilter, Status, status_label};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

const PAGE_SIZE: i64 = 50;

pub struct Row {
    pub id: i64,
    pub prospect: String,
    pub company: String,
    pub partner: String,
    pub status: String,
    pub status_label: String,
    pub submitted: String,
    pub flags: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/review/queue.html")]
pub struct QueuePage {
    ctx: PageCtx,
    rows: Vec<Row>,
    statuses: [Status; 9],
    counts: Vec<(String, i64)>,
    partners: Vec<Organisation>,
    status_filter: String,
    partner_filter: Option<i64>,
    open_conflicts: i64,
    next_before: Option<i64>,
}

impl QueuePage {
    fn count_of(&self, status: &Status) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn partner_selected(&self, id: &i64) -> bool {
        self.partner_filter == Some(*id)
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    partner: Option<String>,
    before: Option<i64>,
}

pub async fn list_queue(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    // An empty filter means "all"; the default view is the work to do.
    let status_filter = match query.status.as_deref() {
        None => Some(Status::Submitted.as_str().to_owned()),
        Some(raw) => Status::parse(raw).map(|s| s.as_str().to_owned()),
    };
    let partner_filter = query.partner.as_deref().and_then(|p| p.parse().ok());
    let filter = ListFilter {
        organisation_id: partner_filter,
        status: status_filter.clone(),
        before_id: query.before,
    };
    let (rows, more, counts, partners, open_conflicts) = state
        .db(move |conn| {
            let (rows, more) = referrals::list(conn, &filter, PAGE_SIZE)?;
            Ok((
                rows,
                more,
                referrals::counts_by_status(conn, None)?,
                accounts::list_organisations(conn)?,
                conflicts::count_open(conn)?,
            ))
        })
        .await?;
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut flags = Vec::new();
            if r.existing_customer {
                flags.push("Existing customer");
            }
            if r.possible_duplicate {
                flags.push("Possible duplicate");
            }
            Row {
                id: r.id,
                prospect: format!("{} {}", r.first_name, r.last_name),
                company: r.company,
                partner: r.organisation,
                status_label: status_label(&r.status).to_owned(),
                status: r.status,
                submitted: local(r.created_at, &user.time_zone),
                flags,
            }
        })
        .collect();
    html(&QueuePage {
        ctx,
        rows,
        statuses: Status::ALL,
        counts,
        partners,
        status_filter: status_filter.unwrap_or_default(),
        partner_filter,
        open_conflicts,
        next_before,
    })
}
