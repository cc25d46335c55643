//! The partner's rewards: every line of the organisation with totals by status, its monthly
//! statements, one line with its history, and one statement. Every query is scoped to the
//! signed-in partner's organisation; another organisation's line or statement answers like a
//! missing one and is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{LineView, PAGE, describe, status_label};
use crate::db::ledger::{self, LineFilter, Statement};
use crate::domain::{Currency, LineStatus, Money, ProgramMonth, statement_breakdown};
use crate::error::AppError;
use crate::incentives::ledger::money;
use crate::incentives::statements::month_label;
use crate::web::context::PageCtx;
use crate::web::guard::{CurrentUser, record_access_denied};
use crate::web::time::local;
use crate::web::{AppState, html};

pub struct StatusTotal {
    pub status: &'static str,
    pub label: &'static str,
    pub lines: i64,
    pub total: String,
}

pub struct StatementRow {
    pub id: i64,
    pub period: String,
    pub lines: i32,
    pub total: String,
}

#[derive(Template)]
#[template(path = "incentives/rewards/partner_rewards.html")]
pub struct RewardsPage {
    ctx: PageCtx,
    totals: Vec<StatusTotal>,
    lines: Vec<LineView>,
    statements: Vec<StatementRow>,
    older: Option<String>,
    link_base: &'static str,
    referral_base: &'static str,
    own_referrals_only: bool,
}

#[derive(Deserialize)]
pub struct Page {
    pub before: Option<i64>,
}

fn organisation_of(user: &CurrentUser) -> Result<i64, AppError> {
    user.partner_org().ok_or(AppError::NotFound)
}

fn period_label(s: &Statement) -> String {
    s.period
        .parse::<ProgramMonth>()
        .map(month_label)
        .unwrap_or_else(|_| s.period.clone())
}

pub async fn show_rewards(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    page: web::Query<Page>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let zone = user.time_zone.clone();
    let filter = LineFilter {
        organisation_id: Some(org),
        before: page.before,
        limit: PAGE + 1,
        ..LineFilter::default()
    };
    let (totals, lines, more, statements, currency) = state
        .db(move |conn| {
            let totals = ledger::totals_by_status(conn, org)?;
            let mut lines = ledger::list_lines(conn, &filter)?;
            let more = lines.len() as i64 > PAGE;
            lines.truncate(PAGE as usize);
            let views = describe(conn, lines, &zone)?;
            let statements = ledger::statements_of(conn, org)?;
            let currency = crate::db::settings::load(conn)?.currency;
            Ok((totals, views, more, statements, currency))
        })
        .await?;
    let totals = LineStatus::ALL
        .iter()
        .map(|s| {
            let mine: Vec<_> = totals
                .iter()
                .filter(|(status, ..)| status == s.as_str())
                .collect();
            // One amount per currency, e.g. "100.00 EUR + 10,000 JPY".
            let total = if mine.is_empty() {
                money(0, &currency)
            } else {
                mine.iter()
                    .map(|(_, code, total, _)| money(*total, code))
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            StatusTotal {
                status: s.as_str(),
                label: status_label(s.as_str()),
                lines: mine.iter().map(|(.., lines)| lines).sum(),
                total,
            }
        })
        .collect();
    let older = match (more, lines.last()) {
        (true, Some(last)) => Some(format!("/partner/rewards?before={}", last.id)),
        _ => None,
    };
    html(&RewardsPage {
        ctx,
        totals,
        lines,
        statements: statements
            .iter()
            .map(|s| StatementRow {
                id: s.id,
                period: period_label(s),
                lines: s.line_count,
                total: money(s.total_minor, &s.currency),
            })
            .collect(),
        older,
        link_base: "/partner/rewards/lines/",
        referral_base: "/partner/referrals/",
        own_referrals_only: true,
    })
}

pub struct MoveView {
    pub when: String,
    pub to: &'static str,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "incentives/rewards/partner_line.html")]
pub struct LinePage {
    ctx: PageCtx,
    line: LineView,
    moves: Vec<MoveView>,
}

pub async fn show_line(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let id = id.into_inner();
    let zone = user.time_zone.clone();
    let found = state
        .db(move |conn| {
            let Some(line) = ledger::find_line_for_org(conn, id, org)? else {
                return Ok(None);
            };
            let moves = ledger::moves_of_line(conn, id)?;
            let view = describe(conn, vec![line], &zone)?;
            Ok(Some((view, moves)))
        })
        .await?;
    let Some((mut view, moves)) = found else {
        record_access_denied(&state, &req, &user, "reward_line", id).await?;
        return Err(AppError::NotFound);
    };
    let line = view.pop().ok_or(AppError::NotFound)?;
    html(&LinePage {
        ctx,
        line,
        moves: moves
            .into_iter()
            .map(|m| MoveView {
                when: local(m.created_at, &user.time_zone),
                to: status_label(&m.to_status),
                note: m.note,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "incentives/rewards/partner_statement.html")]
pub struct StatementPage {
    ctx: PageCtx,
    period: String,
    from: String,
    until: String,
    lines: Vec<LineView>,
    total: String,
    /// The total by the lines' current status, e.g. "of which rejected: 100.00 EUR".
    breakdown: Vec<StatusTotal>,
    link_base: &'static str,
    referral_base: &'static str,
    own_referrals_only: bool,
}

pub async fn show_statement(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let id = id.into_inner();
    let zone = user.time_zone.clone();
    let found = state
        .db(move |conn| {
            let Some(statement) = ledger::statement_for_org(conn, id, org)? else {
                return Ok(None);
            };
            let lines = ledger::lines_of_statement(conn, id)?;
            let sum = lines
                .iter()
                .try_fold(0_i64, |acc, l| acc.checked_add(l.amount_minor));
            let parts = breakdown(&statement.currency, &lines);
            let views = describe(conn, lines, &zone)?;
            Ok(Some((statement, views, sum, parts)))
        })
        .await?;
    let Some((statement, lines, sum, breakdown)) = found else {
        record_access_denied(&state, &req, &user, "statement", id).await?;
        return Err(AppError::NotFound);
    };
    // The stored total is the sum of the lines; show the sum itself, so they cannot differ.
    let total = sum.unwrap_or(statement.total_minor);
    html(&StatementPage {
        ctx,
        period: period_label(&statement),
        from: local(statement.period_start, &user.time_zone),
        until: local(statement.period_end, &user.time_zone),
        lines,
        total: money(total, &statement.currency),
        breakdown,
        link_base: "/partner/rewards/lines/",
        referral_base: "/partner/referrals/",
        own_referrals_only: true,
    })
}

/// A statement's total split by its lines' current status; empty if it cannot be added up
/// (the page then shows the total alone, as before).
fn breakdown(currency: &str, lines: &[ledger::RewardLine]) -> Vec<StatusTotal> {
    let Ok(currency) = Currency::parse(currency) else {
        return Vec::new();
    };
    let parts: Vec<(LineStatus, Money)> = lines
        .iter()
        .filter_map(|l| {
            let status = l.status.parse().ok()?;
            let line_currency = Currency::parse(&l.currency).ok()?;
            Some((status, Money::new(l.amount_minor, line_currency)))
        })
        .collect();
    if parts.len() != lines.len() {
        return Vec::new();
    }
    let count = |s: LineStatus| parts.iter().filter(|(p, _)| *p == s).count() as i64;
    statement_breakdown(currency, &parts)
        .map(|parts| {
            parts
                .into_iter()
                .map(|(status, total)| StatusTotal {
                    status: status.as_str(),
                    label: status.label(),
                    lines: count(status),
                    total: total.format(),
                })
                .collect()
        })
        .unwrap_or_default()
}
