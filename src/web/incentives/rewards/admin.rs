//! The admin ledger: every line with filters and keyset pagination, approval of approvable
//! lines (one, or all of a partner) and rejection with a reason.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{LineView, PAGE, describe};
use crate::db::accounts::{self, Organisation};
use crate::db::ledger::{self, LineFilter};
use crate::domain::LineStatus;
use crate::error::AppError;
use crate::incentives::ledger::{self as book, ApproveScope, RejectOutcome};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, see_other};

/// Longest rejection reason, in characters.
const MAX_REASON: usize = 500;

#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    #[serde(default)]
    pub partner: String,
    #[serde(default)]
    pub status: String,
    pub before: Option<i64>,
}

impl LedgerQuery {
    fn partner_id(&self) -> Option<i64> {
        self.partner.trim().parse().ok()
    }

    fn status(&self) -> Option<LineStatus> {
        self.status.trim().parse().ok()
    }

    /// The query string of this filter, for links and redirects.
    fn filters(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.partner_id() {
            parts.push(format!("partner={p}"));
        }
        if let Some(s) = self.status() {
            parts.push(format!("status={s}"));
        }
        parts.join("&")
    }
}

pub struct StatusChoice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "incentives/rewards/admin_ledger.html")]
pub struct LedgerPage {
    ctx: PageCtx,
    partners: Vec<Organisation>,
    statuses: Vec<StatusChoice>,
    partner: Option<i64>,
    status: String,
    lines: Vec<LineView>,
    approvable_of_partner: usize,
    filters: String,
    older: Option<String>,
    /// The line whose rejection form has an error, with the reason typed.
    rejecting: Option<(i64, String)>,
    errors: Errors,
}

impl LedgerPage {
    /// The reason typed into line `id`'s rejection form when it comes back with an error.
    fn typed_reason(&self, id: i64) -> &str {
        match &self.rejecting {
            Some((line, reason)) if *line == id => reason,
            _ => "",
        }
    }

    fn reason_error(&self, id: i64) -> &str {
        match &self.rejecting {
            Some((line, _)) if *line == id => self.errors.get("reason"),
            _ => "",
        }
    }
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    q: LedgerQuery,
    rejecting: Option<(i64, String)>,
    errors: Errors,
) -> Result<HttpResponse, AppError> {
    let filter = LineFilter {
        organisation_id: q.partner_id(),
        status: q.status().map(|s| s.as_str().to_owned()),
        statement_id: None,
        before: q.before,
        limit: PAGE + 1,
    };
    let zone = user.time_zone.clone();
    let (partners, (views, more), approvable) = state
        .db(move |conn| {
            let partners = accounts::list_organisations(conn)?;
            let mut lines = ledger::list_lines(conn, &filter)?;
            let more = lines.len() as i64 > PAGE;
            lines.truncate(PAGE as usize);
            let approvable = match filter.organisation_id {
                Some(org) => ledger::line_ids_in_status(conn, org, LineStatus::Approvable)?.len(),
                None => 0,
            };
            let views = describe(conn, lines, &zone)?;
            Ok((partners, (views, more), approvable))
        })
        .await?;
    let filters = q.filters();
    let older = match (more, views.last()) {
        (true, Some(last)) => Some(format!(
            "/admin/rewards?{filters}{}before={}",
            if filters.is_empty() { "" } else { "&" },
            last.id
        )),
        _ => None,
    };
    let page = LedgerPage {
        ctx,
        partners,
        statuses: LineStatus::ALL
            .iter()
            .map(|s| StatusChoice {
                value: s.as_str(),
                label: super::status_label(s.as_str()),
            })
            .collect(),
        partner: q.partner_id(),
        status: q
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        lines: views,
        approvable_of_partner: approvable,
        filters,
        older,
        rejecting,
        errors,
    };
    form_page(&page, !page.errors.is_empty())
}

pub async fn show_ledger(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, &user, q.into_inner(), None, Errors::new()).await
}

/// Where a form on the ledger sends the admin back to: the list they acted on.
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub back: String,
}

fn back_to(back: &str) -> String {
    // Only a query string of our own filters is taken back; anything else is dropped.
    let safe = back
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "=&_".contains(c));
    if safe && !back.is_empty() {
        format!("/admin/rewards?{back}")
    } else {
        "/admin/rewards".into()
    }
}

async fn run_approval(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    scope: ApproveScope,
) -> Result<usize, AppError> {
    let addr = state.client_addr(req);
    let now = state.now();
    let admin = user.id;
    let link = state.config.link("/partner/rewards");
    let approved = state
        .db(move |conn| {
            book::approve(conn, scope, admin, &addr, now, &link).map_err(AppError::internal)
        })
        .await?;
    if approved > 0 {
        state.mail_wake.notify_one();
    }
    Ok(approved)
}

pub async fn approve_line(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let approved = run_approval(&req, &state, &user, ApproveScope::Line(id.into_inner())).await?;
    if approved == 0 {
        FlashMessage::warning(
            "That line is not approvable (any more), or it claws back a reward that is not \
             approved yet — approve that reward first; nothing changed.",
        )
        .send();
    } else {
        FlashMessage::success("Line approved.").send();
    }
    Ok(see_other(&back_to(&form.back)))
}

pub async fn approve_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    org: web::Path<i64>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let org = org.into_inner();
    let approved = run_approval(&req, &state, &user, ApproveScope::Partner(org)).await?;
    if approved == 0 {
        FlashMessage::warning("This partner has no approvable lines; nothing changed.").send();
    } else {
        FlashMessage::success(format!("{approved} line(s) approved.")).send();
    }
    Ok(see_other(&back_to(&form.back)))
}

pub async fn reject_line(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reason = form.reason.trim().to_owned();
    let mut errors = Errors::new();
    if reason.is_empty() {
        errors.add(
            "reason",
            "Say why the line is rejected; the partner sees it",
        );
    } else if reason.chars().count() > MAX_REASON {
        errors.add(
            "reason",
            format!("Keep the reason under {MAX_REASON} characters"),
        );
    }
    if !errors.is_empty() {
        let q: LedgerQuery = web::Query::<LedgerQuery>::from_query(&form.back)
            .map(|q| q.into_inner())
            .unwrap_or_default();
        return render(&state, ctx, &user, q, Some((id, reason)), errors).await;
    }
    let addr = state.client_addr(&req);
    let now = state.now();
    let admin = user.id;
    let typed = reason.clone();
    let outcome = state
        .db(move |conn| {
            book::reject(conn, id, &reason, admin, &addr, now).map_err(AppError::internal)
        })
        .await?;
    match outcome {
        RejectOutcome::Rejected => FlashMessage::success("Line rejected.").send(),
        RejectOutcome::NotApprovable => {
            FlashMessage::warning("That line is not approvable (any more); nothing changed.").send()
        }
        RejectOutcome::ClawbackSettled(claw) => {
            errors.add(
                "reason",
                format!(
                    "Its clawback (line {claw}) is already approved or paid, so the partner has been \
                     charged for this reward: rejecting it would charge them for a reward never \
                     granted. Approve this line instead; the two cancel out."
                ),
            );
            let q: LedgerQuery = web::Query::<LedgerQuery>::from_query(&form.back)
                .map(|q| q.into_inner())
                .unwrap_or_default();
            return render(&state, ctx, &user, q, Some((id, typed)), errors).await;
        }
    }
    Ok(see_other(&back_to(&form.back)))
}
