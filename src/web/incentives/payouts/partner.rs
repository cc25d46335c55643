//! A partner's own payouts and the lines in each. Every query is scoped to the signed-in
//! user's organisation; another organisation's payout answers like a missing one (404) and
//! the attempt is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{EventView, LineView, PayoutRow, status_of};
use crate::db::accounts;
use crate::db::payouts as store;
use crate::domain::payouts::PayoutStatus;
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::guard::{CurrentUser, record_access_denied};
use crate::web::{AppState, html};

fn organisation_of(user: &CurrentUser) -> Result<i64, AppError> {
    user.partner_org().ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "incentives/payouts/partner_list.html")]
pub struct ListPage {
    ctx: PageCtx,
    rows: Vec<PayoutRow>,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let (rows, name) = state
        .db(move |conn| {
            let (rows, _) = store::list(conn, None, Some(org), None, 0)?;
            Ok((rows, accounts::organisation(conn, org)?.name))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|(p, _)| PayoutRow::new(&p, name.clone(), &user.time_zone, true))
        .collect();
    html(&ListPage { ctx, rows })
}

#[derive(Template)]
#[template(path = "incentives/payouts/partner_detail.html")]
pub struct DetailPage {
    ctx: PageCtx,
    p: PayoutRow,
    status: PayoutStatus,
    failure_reason: Option<String>,
    lines: Vec<LineView>,
    events: Vec<EventView>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let id = id.into_inner();
    let found = state
        .db(move |conn| {
            let Some(p) = store::find_for_org(conn, id, org)? else {
                return Ok(None);
            };
            let name = accounts::organisation(conn, org)?.name;
            Ok(Some((
                p,
                name,
                store::lines(conn, id)?,
                store::events(conn, id)?,
            )))
        })
        .await?;
    let Some((p, name, lines, events)) = found else {
        record_access_denied(&state, &req, &user, "payout", id).await?;
        return Err(AppError::NotFound);
    };
    let zone = user.time_zone.as_str();
    let status = status_of(&p);
    html(&DetailPage {
        p: PayoutRow::new(&p, name, zone, true),
        status,
        failure_reason: p.failure_reason.filter(|_| status == PayoutStatus::Failed),
        lines: lines.into_iter().map(LineView::from).collect(),
        // Which admin acted stays internal; the partner sees what happened and when.
        events: events
            .into_iter()
            .map(|(e, _)| EventView::new(e, None, zone))
            .collect(),
        ctx,
    })
}
