//! The partner's referral list: newest first, counts per status, filter and pages.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::organisation_of;
use crate::db::referrals::{self, ListFilter, Status, status_label};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

const PAGE_SIZE: i64 = 25;

pub struct StatusCount {
    pub status: &'static str,
    pub label: &'static str,
    pub count: i64,
}

pub struct Row {
    pub id: i64,
    pub prospect: String,
    pub company: String,
    pub status: String,
    pub status_label: String,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "partner/dashboard.html")]
pub struct ReferralListPage {
    ctx: PageCtx,
    counts: Vec<StatusCount>,
    total: i64,
    rows: Vec<Row>,
    status_filter: String,
    next_before: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    before: Option<i64>,
}

pub async fn list_referrals(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let status_filter = query
        .status
        .as_deref()
        .and_then(Status::parse)
        .map(|s| s.as_str().to_owned());
    let filter = ListFilter {
        organisation_id: Some(org),
        status: status_filter.clone(),
        before_id: query.before,
    };

    let (raw_counts, (rows, more)) = state
        .db(move |conn| {
            Ok((
                referrals::counts_by_status(conn, Some(org))?,
                referrals::list(conn, &filter, PAGE_SIZE)?,
            ))
        })
        .await?;

    let counts: Vec<StatusCount> = Status::ALL
        .iter()
        .map(|s| StatusCount {
            status: s.as_str(),
            label: s.label(),
            count: raw_counts
                .iter()
                .find(|(k, _)| k == s.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0),
        })
        .collect();
    let total = raw_counts.iter().map(|(_, n)| n).sum();
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            prospect: format!("{} {}", r.first_name, r.last_name),
            company: r.company,
            status_label: status_label(&r.status).to_owned(),
            status: r.status,
            submitted: local(r.created_at, &user.time_zone),
        })
        .collect();

    html(&ReferralListPage {
        ctx,
        counts,
        total,
        rows,
        status_filter: status_filter.unwrap_or_default(),
        next_before,
    })
}
