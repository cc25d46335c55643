//! Admin payout pages: the list with its build action and waiting totals, and one payout
//! with its lines, history and action forms (the actions are in `actions`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{EventView, LineView, PayoutRow, app_error, status_of};
use crate::db::payouts as store;
use crate::db::{accounts, settings};
use crate::domain::payouts::{self as rules, PayoutStatus};
use crate::error::AppError;
use crate::incentives::payouts::{self as payouts, Actor};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html, html_status, see_other};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    before: Option<i64>,
}

pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct WaitingView {
    pub partner: String,
    pub lines: usize,
    pub total: String,
}

#[derive(Template)]
#[template(path = "incentives/payouts/admin_list.html")]
pub struct ListPage {
    ctx: PageCtx,
    rows: Vec<PayoutRow>,
    statuses: Vec<StatusOption>,
    status_filter: String,
    next_before: Option<i64>,
    ready: Vec<WaitingView>,
    below: Vec<WaitingView>,
    minimum: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = query
        .status
        .parse::<PayoutStatus>()
        .ok()
        .map(|s| s.as_str());
    let before = query.before;
    let (rows, more, waiting, minimum) = state
        .db(move |conn| {
            let (rows, more) = store::list(conn, status, None, before, PAGE_SIZE)?;
            let waiting = payouts::free_totals(conn)?;
            let min = settings::load_incentives(conn)?.min_payout_minor;
            let currency = settings::load(conn)?.currency;
            Ok((rows, more, waiting, payouts::format_amount(min, &currency)))
        })
        .await?;
    let next_before = more.then(|| rows.last().map(|(p, _)| p.id)).flatten();
    let rows = rows
        .into_iter()
        .map(|(p, partner)| PayoutRow::new(&p, partner, &user.time_zone, false))
        .collect();
    let (ready, below): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|w| w.reaches_minimum);
    let view = |w: payouts::FreeTotal| WaitingView {
        partner: w.organisation,
        lines: w.line_ids.len(),
        total: w.total.format(),
    };
    html(&ListPage {
        ctx,
        rows,
        statuses: PayoutStatus::ALL
            .iter()
            .map(|s| StatusOption {
                value: s.as_str(),
                label: s.label(),
                selected: Some(s.as_str()) == status,
            })
            .collect(),
        status_filter: status.unwrap_or("").to_owned(),
        next_before,
        ready: ready.into_iter().map(view).collect(),
        below: below.into_iter().map(view).collect(),
        minimum,
    })
}

pub async fn build(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let addr = state.client_addr(&req);
    let link = state.config.link("/partner/payouts/");
    let (now, uid) = (state.now(), user.id);
    let report = state
        .db(move |conn| {
            let actor = Actor {
                user_id: uid,
                client_addr: &addr,
                now,
                partner_link_base: &link,
            };
            payouts::build(conn, &actor).map_err(app_error)
        })
        .await?;
    if report.built.is_empty() {
        FlashMessage::info(
            "No payout built: no partner has approved rewards of at least the minimum waiting.",
        )
        .send();
    } else {
        let names: Vec<String> = report
            .built
            .iter()
            .take(5)
            .map(|b| {
                format!(
                    "{} ({}, {} lines)",
                    b.organisation,
                    b.amount.format(),
                    b.lines
                )
            })
            .collect();
        let more = report.built.len().saturating_sub(names.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        FlashMessage::success(format!(
            "Built {} payout(s) awaiting approval: {}{tail}.",
            report.built.len(),
            names.join(", ")
        ))
        .send();
    }
    if !report.taken_meanwhile.is_empty() {
        FlashMessage::warning(format!(
            "Nothing built here for {}: another build running at the same moment put those lines into a payout first.",
            report.taken_meanwhile.join(", ")
        ))
        .send();
    }
    if !report.below_minimum.is_empty() {
        FlashMessage::info(format!(
            "{} partner(s) stay below the minimum; see the list below.",
            report.below_minimum.len()
        ))
        .send();
    }
    Ok(see_other("/admin/payouts"))
}

#[derive(Template)]
#[template(path = "incentives/payouts/admin_detail.html")]
pub struct DetailPage {
    ctx: PageCtx,
    p: PayoutRow,
    status: PayoutStatus,
    approved: Option<String>,
    second_approved: Option<String>,
    failure_reason: Option<String>,
    lines: Vec<LineView>,
    events: Vec<EventView>,
    needs_second: bool,
    approved_by_me: bool,
    can_pay: bool,
    errors: Errors,
    reference: String,
    reason: String,
}

/// What was typed into the page's forms, and their errors.
#[derive(Default)]
pub(super) struct Typed {
    pub(super) errors: Errors,
    pub(super) reference: String,
    pub(super) reason: String,
}

pub(super) async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    typed: Typed,
    status_code: StatusCode,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db(move |conn| {
            let Some(p) = store::find(conn, id)? else {
                return Ok(None);
            };
            let partner = accounts::organisation(conn, p.organisation_id)?.name;
            let lines = store::lines(conn, id)?;
            let events = store::events(conn, id)?;
            let was_approved = store::was_approved(conn, id)?;
            let threshold = settings::load_incentives(conn)?.second_approval_above_minor;
            let ids: Vec<i64> = [p.approved_by, p.second_approved_by]
                .into_iter()
                .flatten()
                .collect();
            let names = store::user_names(conn, &ids)?;
            Ok(Some((
                p,
                partner,
                lines,
                events,
                was_approved,
                threshold,
                names,
            )))
        })
        .await?;
    let Some((p, partner, lines, events, was_approved, threshold, names)) = found else {
        return Err(AppError::NotFound);
    };
    let zone = user.time_zone.as_str();
    let who = |by: Option<i64>, at: Option<chrono::NaiveDateTime>| match (by, at) {
        (Some(by), Some(at)) => Some(format!(
            "{} on {}",
            names.get(&by).map(String::as_str).unwrap_or("an admin"),
            local(at, zone)
        )),
        _ => None,
    };
    let status = status_of(&p);
    let page = DetailPage {
        approved: who(p.approved_by, p.approved_at),
        second_approved: who(p.second_approved_by, p.second_approved_at),
        failure_reason: p.failure_reason.clone(),
        needs_second: rules::needs_second_approval(p.amount_minor, threshold),
        approved_by_me: p.approved_by == Some(user.id),
        can_pay: rules::can_mark_paid(status, was_approved),
        status,
        p: PayoutRow::new(&p, partner, zone, false),
        lines: lines.into_iter().map(LineView::from).collect(),
        events: events
            .into_iter()
            .map(|(e, who)| EventView::new(e, who, zone))
            .collect(),
        errors: typed.errors,
        reference: typed.reference,
        reason: typed.reason,
        ctx,
    };
    html_status(&page, status_code)
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        ctx,
        &user,
        id.into_inner(),
        Typed::default(),
        StatusCode::OK,
    )
    .await
}
